"""Welfare measures: an HDI-style composite and the Gini coefficient.

The composite is a geometric mean of domain indices (UNDP HDI 2010 method; UHC service
coverage index), which penalizes uneven development: a town that is healthy but homeless
scores lower than one that is moderately well off in every domain.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from numpy.typing import ArrayLike, NDArray

_EPS = 1e-12


def geometric_mean(indices: ArrayLike, axis: int = -1) -> NDArray[np.float64] | float:
    """Geometric mean of indices in [0, 1]; any index at 0 gives 0."""
    x = np.asarray(indices, dtype=float)
    # Only an index at 0 needs the warning silenced (log 0 = -inf); entering np.errstate
    # costs more than the rest of a month's community welfare, so it is entered only then.
    with np.errstate(divide="ignore") if not x.all() else nullcontext():
        logs = np.log(x)
    out = np.exp(logs.sum(axis=axis) / logs.shape[axis])  # np.mean's arithmetic, less overhead
    return float(out) if np.ndim(out) == 0 else out


def gini(values: ArrayLike) -> float:
    """Gini coefficient, G = 1 + 1/n - 2 sum_i x_(i)(n-i) / (n sum x), x sorted ascending.

    Equal values give 0; one holder of everything gives 1 - 1/n.
    """
    x = np.sort(np.asarray(values).ravel()).astype(np.float64)  # sort in native precision
    n = x.size
    total = x.sum()
    if n == 0 or total <= _EPS:
        return 0.0
    ranks = np.arange(n, 0, -1, dtype=float)  # n - i for i = 0..n-1
    # an elementwise product and numpy's own sum, not np.dot: BLAS sums in an order that
    # depends on the CPU, so the last bits would too
    return float(1.0 + 1.0 / n - 2.0 * (x * ranks).sum() / (n * total))
