"""numpy's order of summation, compiled: so that a loop gives the bits numpy's `sum` gives.

numpy adds the elements of a contiguous float64 array (a whole array, or each row of one
summed over its last axis) by pairwise summation: fewer than 8 elements one after another,
up to 128 in eight interleaved partial sums combined as a tree, and longer runs split in
two halves (the first a multiple of 8 long) summed so, recursively (numpy's
`pairwise_sum`). Floating-point addition is not associative, so a compiled loop that adds
in another order gives other last bits than the numpy code it replaces. Compiled
bookkeeping that replaces a numpy `sum` (partner_kernels) sums through `pairwise_sum`, so
that it gives bitwise the results of that numpy code. Sums over rows (numpy's
`sum(axis=0)`) add one row after another, as a plain loop does.
"""

from __future__ import annotations

import numpy as np
from numba import float64, int64, njit

BLOCK = 128  # numpy's PW_BLOCKSIZE: longer runs are split in two
UNROLL = 8  # partial sums numpy keeps within a block


@njit(float64(float64[::1], int64, int64), cache=True)
def pairwise_sum(values: np.ndarray, start: int, n: int) -> float:
    """Sum of values[start:start + n] in numpy's pairwise order (0.0 for n = 0); numpy's
    `sum` of those values is 0.0 + this (its reduction starts from 0.0)."""
    if n < UNROLL:
        total = 0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    if n <= BLOCK:
        r0, r1 = values[start], values[start + 1]
        r2, r3 = values[start + 2], values[start + 3]
        r4, r5 = values[start + 4], values[start + 5]
        r6, r7 = values[start + 6], values[start + 7]
        i = UNROLL
        whole = n - n % UNROLL
        while i < whole:
            at = start + i
            r0 += values[at]
            r1 += values[at + 1]
            r2 += values[at + 2]
            r3 += values[at + 3]
            r4 += values[at + 4]
            r5 += values[at + 5]
            r6 += values[at + 6]
            r7 += values[at + 7]
            i += UNROLL
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            total += values[start + i]
            i += 1
        return total
    half = n // 2
    half -= half % UNROLL
    return pairwise_sum(values, start, half) + pairwise_sum(values, start + half, n - half)
