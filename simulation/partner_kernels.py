"""Compiled loops over partnerships and their members: a month's bookkeeping among partners.

A default town holds some seventy partnerships of fifty organizations. Done with numpy, each
of the month's partnership-level steps is a handful of small array calls (a few microseconds
each, mostly call overhead); a compiled pass over the members of every partnership costs
less than one of them. The mechanisms stay where they are documented (the model's step
methods and the organizations' decisions); these functions only do their arithmetic.

Results are bitwise those of the numpy code they replace: the same operations on the same
numbers in the same order, no fast-math, no parallel reductions. Random numbers are drawn by
the caller from the model's Generator (one stream).
"""

from __future__ import annotations

import numpy as np
from numba import njit


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
    n_pools, n_orgs = membership.shape
    met = np.zeros((n_orgs, n_orgs), dtype=np.bool_)
    bad = np.zeros((n_orgs, n_orgs), dtype=np.bool_)
    members = np.empty(n_orgs, dtype=np.int64)
    draw = 0
    for k in range(n_pools):
        size = 0  # members in the order they joined (insertion sort: a handful)
        for o in range(n_orgs):
            if membership[k, o] > 0:
                at = size
                while at > 0 and joined[k, members[at - 1]] > joined[k, o]:
                    members[at] = members[at - 1]
                    at -= 1
                members[at] = o
                size += 1
        for a in range(size):
            i = members[a]
            for b in range(size):
                j = members[b]
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
    count = 0
    for i in range(n_orgs):
        for j in range(n_orgs):
            count += met[i, j]
    trustors = np.empty(count, dtype=np.int64)
    trustees = np.empty(count, dtype=np.int64)
    good = np.empty(count, dtype=np.bool_)
    p = 0
    for i in range(n_orgs):
        for j in range(n_orgs):
            if met[i, j]:
                trustors[p], trustees[p], good[p] = i, j, not bad[i, j]
                p += 1
    return trustors, trustees, good


@njit(cache=True)
def member_trust(membership: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """(P x O): each member's mean trust in its fellow members, 1 for a lone member, 0 for
    non-members; trust[i, j] summed over fellow members j in organization order."""
    n_pools, n_orgs = membership.shape
    out = np.zeros((n_pools, n_orgs))
    for k in range(n_pools):
        size = 0
        for o in range(n_orgs):
            size += membership[k, o] > 0
        for i in range(n_orgs):
            if membership[k, i] <= 0:
                continue
            if size < 2:
                out[k, i] = 1.0
                continue
            total = 0.0
            for j in range(n_orgs):
                if j != i and membership[k, j] > 0:
                    total += trust[i, j]
            out[k, i] = total / (size - 1)
    return out


@njit(cache=True)
def pair_mean(membership: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(P,): mean of matrix[i, j] over the ordered pairs of distinct members of each pool
    (row-major in organization order), 1 for a pool of fewer than two."""
    n_pools, n_orgs = membership.shape
    out = np.ones(n_pools)
    for k in range(n_pools):
        size = 0
        total = 0.0
        for i in range(n_orgs):
            if membership[k, i] <= 0:
                continue
            size += 1
            for j in range(n_orgs):
                if j != i and membership[k, j] > 0:
                    total += matrix[i, j]
        if size > 1:
            out[k] = total / (size * (size - 1))
    return out


@njit(cache=True)
def best_runners(membership: np.ndarray, expertise: np.ndarray) -> np.ndarray:
    """(P x D): the member with most expertise in each domain (the first in organization
    order on a tie; organization 0 for a pool without members)."""
    n_pools, n_orgs = membership.shape
    n_domains = expertise.shape[1]
    best = np.zeros((n_pools, n_domains), dtype=np.int64)
    for k in range(n_pools):
        for d in range(n_domains):
            top = -1.0
            for o in range(n_orgs):
                if membership[k, o] > 0 and expertise[o, d] > top:
                    top = expertise[o, d]
                    best[k, d] = o
    return best


def load() -> None:
    """Compile every kernel here, or load it from numba's on-disk cache, on empty inputs of
    the types the model passes: a sweep worker pays this start-up before its first run."""
    empty = np.zeros((0, 1))
    partner_observations(
        empty,
        np.zeros((0, 1), dtype=np.int64),
        empty,
        empty,
        np.zeros(0),
        np.zeros((1, 1)),
        np.zeros(1, dtype=np.bool_),
        np.zeros(0),
        np.zeros(0),
        0.0,
        0.0,
        0.0,
    )
    member_trust(empty, np.zeros((1, 1)))
    pair_mean(empty, np.zeros((1, 1)))
    best_runners(empty, np.zeros((1, 4)))
