"""Welfare measures: an HDI-style composite, Gini, Sen welfare and the Atkinson index.

The composite is a geometric mean of domain indices (UNDP HDI 2010 method; UHC service
coverage index), which penalizes uneven development: a town that is healthy but homeless
scores lower than one that is moderately well off in every domain.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

_EPS = 1e-12


def dimension_index(x: ArrayLike, lo: float, hi: float) -> NDArray[np.float64]:
    """Normalize a raw indicator to [0, 1] between goalposts, as the HDI does."""
    return np.clip((np.asarray(x, dtype=float) - lo) / (hi - lo), 0.0, 1.0)


def geometric_mean(indices: ArrayLike, axis: int = -1) -> NDArray[np.float64] | float:
    """Geometric mean of indices in [0, 1]; any index at 0 gives 0."""
    x = np.asarray(indices, dtype=float)
    with np.errstate(divide="ignore"):
        logs = np.log(x)
    out = np.exp(np.mean(logs, axis=axis))
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
    return float(1.0 + 1.0 / n - 2.0 * np.dot(x, ranks) / (n * total))


def sen_welfare(values: ArrayLike) -> float:
    """Sen's (1976) welfare index W = mean * (1 - Gini): efficiency discounted by inequality."""
    x = np.asarray(values, dtype=float)
    return float(x.mean() * (1.0 - gini(x))) if x.size else 0.0


def atkinson(values: ArrayLike, epsilon: float = 0.5) -> float:
    """Atkinson inequality index A_e = 1 - (mean x^(1-e))^(1/(1-e)) / mean (e != 1)."""
    x = np.asarray(values, dtype=float)
    mu = x.mean()
    if mu <= _EPS:
        return 0.0
    if epsilon == 1.0:
        return float(1.0 - geometric_mean(np.maximum(x, _EPS)) / mu)
    ede = np.mean(x ** (1.0 - epsilon)) ** (1.0 / (1.0 - epsilon))
    return float(1.0 - ede / mu)
