"""Compiled loops over partnerships and their members: a month's bookkeeping among partners.

A default town holds some seventy partnerships of fifty organizations. Done with numpy, each
of the month's partnership-level steps is a handful of small array calls (a few microseconds
each, mostly call overhead); a compiled pass over the members of every partnership costs
less than one of them. The mechanisms stay where they are documented (the model's step
methods and the organizations' decisions); these functions only do their arithmetic.

Results are bitwise those of the numpy code they replace: the same operations on the same
numbers in the same order, no fast-math, no parallel reductions. A row sum is numpy's own
pairwise summation (`row_sum`), so a figure summed here equals the one numpy would give.
Random numbers are drawn by the caller from the model's Generator (one stream).
"""

from __future__ import annotations

import numpy as np
from numba import njit

PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE: below it, eight running sums; above, halves


@njit(cache=True)
def _pairwise_sum(values: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise summation of values[start:start + n] (numpy/_core/src/umath/loops),
    the order `ndarray.sum` uses along a contiguous axis."""
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[start + i]
        return total
    if n <= PAIRWISE_BLOCK:
        r = values[start : start + 8].copy()
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[start + i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            total += values[start + i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values, start, half) + _pairwise_sum(values, start + half, n - half)


@njit(cache=True)
def row_sum(values: np.ndarray) -> np.ndarray:
    """`values.sum(axis=1)` of a 2-D array, bitwise as numpy computes it."""
    out = np.empty(values.shape[0])
    for k in range(values.shape[0]):
        out[k] = _pairwise_sum(values[k], 0, values.shape[1])
    return out


@njit(cache=True)
def partner_observations(
    membership: np.ndarray,
    joined: np.ndarray,
    given: np.ndarray,
    expected: np.ndarray,
    effectiveness: np.ndarray,
    culture_gap: np.ndarray,
    seekers: np.ndarray,
    misread_draws: np.ndarray,
    rival_draws: np.ndarray,
    misunderstanding: float,
    rival_chance: float,
    good_contribution: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This month's experiences between partners, one per ordered pair of organizations.

    Every observer i watches every other member j of each of its partnerships k, pairs
    taken by partnership, then observer and observed in the order they joined (the order
    the draws are consumed in). Bad news: j gave less than `good_contribution` of what i
    expected (`given[k, j] < good_contribution * expected[k, i]`), i misread j (draw below
    misunderstanding x culture gap x (1 - the pool's governance effectiveness), C3), or
    both compete for grants and rivalry struck (draw below `rival_chance`, C5). A pair that
    meets in several partnerships has one experience: bad if any was bad. Returns
    (trustors, trustees, good) of the pairs that met, in row-major order of (i, j).
    """
    n_orgs = membership.shape[1]
    met = np.zeros((n_orgs, n_orgs), dtype=np.bool_)
    bad = np.zeros((n_orgs, n_orgs), dtype=np.bool_)
    draw = 0
    for k in range(membership.shape[0]):
        members = np.flatnonzero(membership[k])
        members = members[np.argsort(joined[k, members], kind="mergesort")]
        for i in members:
            for j in members:
                if i == j:
                    continue
                misread = misread_draws[draw] < (
                    misunderstanding * culture_gap[i, j] * (1.0 - effectiveness[k])
                )
                rival = rival_draws[draw] < rival_chance and seekers[i] and seekers[j]
                short = given[k, j] < good_contribution * expected[k, i]
                met[i, j] = True
                bad[i, j] |= short or misread or rival
                draw += 1
    trustors, trustees = np.nonzero(met)
    good = np.empty(trustors.size, dtype=np.bool_)
    for p in range(trustors.size):
        good[p] = not bad[trustors[p], trustees[p]]
    return trustors, trustees, good
