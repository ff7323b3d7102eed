"""Welfare measures: an HDI-style composite and the Gini coefficient.

The composite is a geometric mean of domain indices (UNDP HDI 2010 method; UHC service
coverage index), which penalizes uneven development: a town that is healthy but homeless
scores lower than one that is moderately well off in every domain.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import cache

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
    array = np.asarray(values)
    if array.dtype != np.float32:  # float32 (citizens' welfare) sorts as it is, faster
        array = array.astype(np.float64)
    x = sorted_values(array.ravel())
    n = x.size
    total = x.sum()
    if n == 0 or total <= _EPS:
        return 0.0
    # an elementwise product and numpy's own sum, not np.dot: BLAS sums in an order that
    # depends on the CPU, so the last bits would too
    return float(1.0 + 1.0 / n - 2.0 * (x * _ranks(n)).sum() / (n * total))


@cache
def _ranks(n: int) -> np.ndarray:
    """n - i for i = 0..n-1, as floats: a month's Gini always has the same n."""
    ranks = np.arange(n, 0, -1, dtype=float)
    ranks.flags.writeable = False
    return ranks


SIGN = {np.float64: np.uint64(1 << 63), np.float32: np.uint32(1 << 31)}  # sign bits
BITS = {np.float64: np.uint64, np.float32: np.uint32}  # unsigned integers of their width
DIGIT_BITS = 11  # 2,048 buckets: six passes over 64-bit keys, three over 32-bit ones
DIGITS = np.uint64((1 << DIGIT_BITS) - 1)


def sorted_values(values: np.ndarray) -> np.ndarray:
    """The values of a float64 or float32 array in ascending order as float64, as np.sort
    gives them (-0.0 before 0.0; NaN last, but for a NaN with its sign bit set: first), by a
    least-significant-digit radix sort.

    A month's Gini sorts two thousand new values. numpy's sort is a comparison sort whose
    branches a CPU cannot predict on new data, and with numpy's SIMD paths pinned
    (numpy_dispatch) it took some 100 microseconds of a month, a tenth of the month's
    work; counting digits of the values' bits takes a fifth of that, and it gives the same
    values in the same order, on any CPU. Citizens' welfare is float32: its 32 bits sort in
    half the passes, and widening to float64 afterwards is exact and keeps the order. (The
    floats are viewed as bits here, not in the compiled sort, where a view costs the first
    run a seventh of a second of compiling.)
    """
    values = np.ascontiguousarray(values)
    kind = values.dtype.type
    bits = _sorted_bits(values.view(BITS[kind]), SIGN[kind]).view(kind)
    return bits.astype(np.float64, copy=False)


@njit(cache=True)
def _sorted_bits(bits: np.ndarray, sign: np.unsignedinteger) -> np.ndarray:
    """sorted_values' radix sort, on the values' bits (uint64 or uint32, `sign` its top bit;
    wider intermediate results are cut back to the keys' width when stored)."""
    n = bits.size
    keys = np.empty(n, bits.dtype)
    for i in range(n):  # bits that sort as unsigned integers in the floats' order
        keys[i] = ~bits[i] if bits[i] & sign else bits[i] | sign
    spare = np.empty(n, bits.dtype)
    counts = np.empty(1 << DIGIT_BITS, np.int64)
    for shift in range(0, 8 * bits.itemsize, DIGIT_BITS):
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
        keys[i] = keys[i] ^ sign if keys[i] & sign else ~keys[i]
    return keys
