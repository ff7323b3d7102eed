"""Welfare measures: an HDI-style composite and the Gini coefficient.

The composite is a geometric mean of domain indices (UNDP HDI 2010 method; UHC service
coverage index), which penalizes uneven development: a town that is healthy but homeless
scores lower than one that is moderately well off in every domain.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from numba import njit
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
    x = sorted_values(np.asarray(values, dtype=np.float64).ravel())
    n = x.size
    total = x.sum()
    if n == 0 or total <= _EPS:
        return 0.0
    ranks = np.arange(n, 0, -1, dtype=float)  # n - i for i = 0..n-1
    # an elementwise product and numpy's own sum, not np.dot: BLAS sums in an order that
    # depends on the CPU, so the last bits would too
    return float(1.0 + 1.0 / n - 2.0 * (x * ranks).sum() / (n * total))


SIGN = np.uint64(1 << 63)
DIGIT_BITS = 11  # six passes over 64-bit keys, 2,048 buckets each
DIGITS = np.uint64((1 << DIGIT_BITS) - 1)


def sorted_values(values: np.ndarray) -> np.ndarray:
    """The values of a float64 array in ascending order, as np.sort gives them (-0.0 before
    0.0; NaN last, but for a NaN with its sign bit set: first), by a least-significant-digit
    radix sort.

    A month's Gini sorts two thousand new values. numpy's sort is a comparison sort whose
    branches a CPU cannot predict on new data, and with numpy's SIMD paths pinned
    (numpy_dispatch) it took some 100 microseconds of a month, a tenth of the month's
    work; counting digits of the values' bits takes a fifth of that, and it gives the same
    values in the same order, on any CPU. (The floats are viewed as bits here, not in the
    compiled sort, where a view costs the first run a seventh of a second of compiling.)
    """
    return _sorted_bits(np.ascontiguousarray(values).view(np.uint64)).view(np.float64)


@njit(cache=True)
def _sorted_bits(bits: np.ndarray) -> np.ndarray:
    """sorted_values' radix sort, on the values' bits (uint64)."""
    n = bits.size
    keys = np.empty(n, np.uint64)
    for i in range(n):  # bits that sort as unsigned integers in the floats' order
        keys[i] = ~bits[i] if bits[i] & SIGN else bits[i] | SIGN
    spare = np.empty(n, np.uint64)
    counts = np.empty(1 << DIGIT_BITS, np.int64)
    for shift in range(0, 64, DIGIT_BITS):
        step = np.uint64(shift)
        for digit in range(counts.size):  # not counts[:] = 0, whose shape check compiles slowly
            counts[digit] = 0
        for i in range(n):
            counts[(keys[i] >> step) & DIGITS] += 1
        start = 0
        for digit in range(counts.size):
            start, counts[digit] = start + counts[digit], start
        for i in range(n):
            digit = (keys[i] >> step) & DIGITS
            spare[counts[digit]] = keys[i]
            counts[digit] += 1
        keys, spare = spare, keys
    for i in range(n):
        keys[i] = keys[i] ^ SIGN if keys[i] & SIGN else ~keys[i]
    return keys
