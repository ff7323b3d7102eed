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


@njit(cache=True, inline="always")  # compiled into its callers only
def pool_members(membership: np.ndarray, k: int, members: np.ndarray) -> int:
    """Write pool k's members into `members` in organization order; return how many."""
    size = 0
    for o in range(membership.shape[1]):
        if membership[k, o] > 0:
            members[size] = o
            size += 1
    return size


@njit(cache=True)
def member_means(membership: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means of matrix[i, j] (trust, goal alignment) over the fellow members j of member i.

    Returns (per member, per pool): (P x O) each member's mean over its fellow members, in
    organization order (1 for a lone member, 0 for non-members), and (P,) the pool's mean
    of those, i.e. the mean over ordered pairs of distinct members (1 for a pool of fewer
    than two).
    """
    n_pools, n_orgs = membership.shape
    means = np.zeros((n_pools, n_orgs))
    pools = np.ones(n_pools)
    members = np.empty(n_orgs, dtype=np.int64)
    for k in range(n_pools):
        size = pool_members(membership, k, members)
        if size < 2:
            for a in range(size):
                means[k, members[a]] = 1.0
            continue
        pooled = 0.0
        for a in range(size):
            i = members[a]
            total = 0.0
            for b in range(size):
                if b != a:
                    total += matrix[i, members[b]]
            means[k, i] = total / (size - 1)
            pooled += means[k, i]
        pools[k] = pooled / size
    return means, pools


@njit(cache=True)
def co_membership(membership: np.ndarray, linked: np.ndarray) -> tuple[np.ndarray, int]:
    """Which organizations share a partnership, (O x O) with False on the diagonal, and how
    many organizations are members of a pool `linked` to the community (B4, B5).

    Counted in a pass over the members, not as matrix products: a product goes to the BLAS
    library, whose threads, when every core is busy (a sweep's workers), wait for one
    another longer than the rest of the month's bookkeeping takes.
    """
    n_pools, n_orgs = membership.shape
    together = np.zeros((n_orgs, n_orgs), dtype=np.bool_)
    in_linked = np.zeros(n_orgs, dtype=np.bool_)
    members = np.empty(n_orgs, dtype=np.int64)
    for k in range(n_pools):
        size = pool_members(membership, k, members)
        for a in range(size):
            in_linked[members[a]] |= linked[k]
            for b in range(size):
                if b != a:
                    together[members[a], members[b]] = True
    return together, int(np.count_nonzero(in_linked))


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


@njit(cache=True)
def update_beliefs(
    membership: np.ndarray, given: np.ndarray, beliefs: np.ndarray, memory: float
) -> None:
    """Members' beliefs about their partners, in place: `memory` x last month's belief plus
    the rest x the mean share of their promises the other members gave (0 for a lone
    member; `given` is 0 for non-members)."""
    n_pools, n_orgs = membership.shape
    for k in range(n_pools):
        size = 0
        total = 0.0
        for o in range(n_orgs):
            size += membership[k, o] > 0
            total += given[k, o]
        for o in range(n_orgs):
            if membership[k, o] > 0:
                others = (total - given[k, o]) / (size - 1) if size > 1 else 0.0
                beliefs[k, o] = memory * beliefs[k, o] + (1.0 - memory) * others


@njit(cache=True)
def pool_returns(
    membership: np.ndarray,
    pool: np.ndarray,
    net: np.ndarray,
    focus: np.ndarray,
    run_factor: np.ndarray,
    quality: np.ndarray,
    priorities: np.ndarray,
    factor: np.ndarray,
    expertise: np.ndarray,
    unit_cost: np.ndarray,
) -> np.ndarray:
    """Each pool's return r: its quality-weighted service units per unit of money (after
    governance and conflict, `net`) over its members' mean alone; 1 for a pool that spent
    nothing."""
    n_pools, n_orgs = membership.shape
    n_domains = unit_cost.size
    solo_value = np.zeros(n_orgs)
    for o in range(n_orgs):
        for d in range(n_domains):
            solo_value[o] += priorities[o, d] * factor[o, d] * expertise[o, d] / unit_cost[d]
    r = np.ones(n_pools)
    for k in range(n_pools):
        if not pool[k] > 0:
            continue
        value = 0.0
        for d in range(n_domains):
            value += focus[k, d] * run_factor[k, d] * quality[k, d] / unit_cost[d]
        size = 0.0
        solo = 0.0
        for o in range(n_orgs):
            if membership[k, o] > 0:
                size += 1.0
                solo += solo_value[o]
        mean_solo = solo / max(size, 1.0)
        r[k] = net[k] * value / max(mean_solo, 1e-300)
    return r


@njit(cache=True)
def update_values(
    membership: np.ndarray,
    promise: np.ndarray,
    payoff: np.ndarray,
    values: np.ndarray,
    memory: float,
) -> np.ndarray:
    """Members' running payoff ratios, in place: `memory` x the old one plus the rest x this
    month's payoff per unit promised, for members with a promise in pools of two or more.
    Returns each pool's mean ratio over its members."""
    n_pools, n_orgs = membership.shape
    mean = np.zeros(n_pools)
    members = np.empty(n_orgs, dtype=np.int64)
    for k in range(n_pools):
        size = pool_members(membership, k, members)
        total = 0.0
        for a in range(size):
            o = members[a]
            if promise[k, o] > 0 and size > 1:
                ratio = payoff[k, o] / max(promise[k, o], 1e-300)
                values[k, o] = memory * values[k, o] + (1.0 - memory) * ratio
            total += values[k, o]
        mean[k] = total / max(size, 1)
    return mean


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
    member_means(empty, np.zeros((1, 1)))
    co_membership(empty, np.zeros(0, dtype=np.bool_))
    best_runners(empty, np.zeros((1, 4)))
    update_beliefs(empty, empty, empty, 0.0)
    pool_returns(
        empty, *(np.zeros(0),) * 2, *(np.zeros((0, 4)),) * 3, *(np.zeros((1, 4)),) * 3, np.ones(4)
    )
    update_values(empty, empty, empty, empty, 0.0)
