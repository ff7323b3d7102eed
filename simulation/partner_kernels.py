"""Compiled loops over partnerships and their members: a month's bookkeeping among partners.

A default town holds some seventy partnerships of fifty organizations. Done with numpy, each
of the month's partnership-level steps is a handful of small array calls (a few microseconds
each, mostly call overhead); a compiled pass over the members of every partnership costs
less than one of them. The mechanisms stay where they are documented (the model's step
methods and the organizations' decisions); these functions only do their arithmetic.

Results are bitwise those of the numpy code they replace: the same operations on the same
numbers in the same order, no fast-math, no parallel reductions. Random numbers are drawn by
the caller from the model's Generator (one stream). As in kernels.py, arrays are allocated
with np.empty and filled by a loop, which compiles faster than np.zeros or np.ones.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .kernels import maximum, minimum
from .summation import pairwise_sum


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
    met = np.empty((n_orgs, n_orgs), dtype=np.bool_)
    bad = np.empty((n_orgs, n_orgs), dtype=np.bool_)
    for i in range(n_orgs):
        for j in range(n_orgs):
            met[i, j] = False
            bad[i, j] = False
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
                rival = (rival_draws[draw] < rival_chance) & seekers[i] & seekers[j]
                short = given[k, j] < good_contribution * expected[k, i]
                met[i, j] = True
                bad[i, j] |= short | misread | rival  # `|`, not `or`: faster to compile
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
    means = np.empty((n_pools, n_orgs))
    pools = np.empty(n_pools)
    members = np.empty(n_orgs, dtype=np.int64)
    for k in range(n_pools):
        for o in range(n_orgs):
            means[k, o] = 0.0
        pools[k] = 1.0
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
def leave_reasons(
    membership: np.ndarray,
    trust: np.ndarray,
    values: np.ndarray,
    free: np.ndarray,
    trust_threshold: float,
    worth_it: float,
) -> np.ndarray:
    """Organization.reasons_to_leave's codes, member by member (int8, pools x organizations):
    what this states in numpy:

        asked = (membership > 0) & (membership.sum(axis=1) > 1)[:, None]
        distrust = trust < trust_threshold
        poor = (values < worth_it) & free[:, None] & ~distrust
        reasons = (distrust.view(np.int8) + 2 * poor.view(np.int8)) * asked
    """
    n_pools, n_orgs = membership.shape
    reasons = np.empty((n_pools, n_orgs), np.int8)
    for k in range(n_pools):
        asked = 0.0 + pairwise_sum(membership[k], 0, n_orgs) > 1.0
        for o in range(n_orgs):
            code = 0
            if asked and membership[k, o] > 0:
                if trust[k, o] < trust_threshold:
                    code = 1
                elif values[k, o] < worth_it and free[k]:
                    code = 2
            reasons[k, o] = code
    return reasons


@njit(cache=True)
def groups_left(sizes: np.ndarray, stay: np.ndarray) -> np.ndarray:
    """The volunteer groups someone left this month: one row (partnership row, where its
    flags start in `stay`) per group, in partnership order. `sizes` holds each partnership's
    volunteers (0 for most), `stay` one flag per volunteer, group after group. In numpy:

        ends = np.cumsum(sizes)
        rows = np.unique(np.searchsorted(ends, np.flatnonzero(~stay), side="right"))
        groups = np.stack([rows, ends[rows] - sizes[rows]], axis=1)
    """
    groups = np.empty((sizes.size, 2), np.int64)
    found = start = 0
    for row in range(sizes.size):
        end = start + sizes[row]
        for i in range(start, end):
            if not stay[i]:
                groups[found, 0], groups[found, 1] = row, start
                found += 1
                break
        start = end
    return groups[:found]


@njit(cache=True)
def co_membership(membership: np.ndarray, linked: np.ndarray) -> tuple[np.ndarray, int]:
    """Which organizations share a partnership, (O x O) with False on the diagonal, and how
    many organizations are members of a pool `linked` to the community (B4, B5).

    Counted in a pass over the members, not as matrix products: a product goes to the BLAS
    library, whose threads, when every core is busy (a sweep's workers), wait for one
    another longer than the rest of the month's bookkeeping takes.
    """
    n_pools, n_orgs = membership.shape
    together = np.empty((n_orgs, n_orgs), dtype=np.bool_)
    in_linked = np.empty(n_orgs, dtype=np.bool_)
    for i in range(n_orgs):
        in_linked[i] = False
        for j in range(n_orgs):
            together[i, j] = False
    members = np.empty(n_orgs, dtype=np.int64)
    for k in range(n_pools):
        size = pool_members(membership, k, members)
        for a in range(size):
            in_linked[members[a]] |= linked[k]
            for b in range(size):
                if b != a:
                    together[members[a], members[b]] = True
    linked_members = 0  # counted in a loop: np.count_nonzero costs a second of first-run compile
    for o in range(n_orgs):
        linked_members += in_linked[o]
    return together, linked_members


@njit(cache=True)
def strengthen_ties(
    ties: np.ndarray, together: np.ndarray, decay: float, tie_min: float, gain: float
) -> None:
    """Organizations' ties this month (B4), in place: every tie fades by `decay`, one that
    fell below `tie_min` is gone, and partners' ties (`together`, from co_membership) grow
    by `gain` of what they lack. numpy's arithmetic, element by element:

        ties *= decay; ties *= ties >= tie_min; ties += (1 - ties) * gain * together
    """
    n_orgs = ties.shape[0]
    for i in range(n_orgs):
        for j in range(n_orgs):
            tie = ties[i, j] * decay
            tie = tie * (1.0 if tie >= tie_min else 0.0)
            growth = (1.0 - tie) * gain
            ties[i, j] = tie + growth * (1.0 if together[i, j] else 0.0)


@njit(cache=True)
def pool_operations(
    membership: np.ndarray,
    paid: np.ndarray,
    pool: np.ndarray,
    net: np.ndarray,
    priorities: np.ndarray,
    expertise: np.ndarray,
    division: bool,
    solo: np.ndarray,
    operation_size: np.ndarray,
    memory: float,
    usual_operation: float,
) -> tuple[np.ndarray, ...]:
    """Where this month's money is run, and at what size (model step 6; the mechanisms are
    documented at PartnershipModel._deliver), as a pipeline:

    1. focus: each pool's money split over domains as its members' priorities, weighted by
       what each paid; by membership when nothing was paid or the mix underflows to zero;
    2. runners: with `division` the member with most expertise runs each domain (the first
       in organization order on a tie; `best`), without it every member runs its weight's
       share of every domain (`share`);
    3. operations: each organization's own spending in each domain plus the pools' money
       (after governance, `net`) it runs, smoothed with `memory` (`operation_size` is last
       month's; empty in the first month, which starts from this one's), and its size
       relative to `usual_operation` (the caller takes the power that gives scale).

    Returns (operation_size, ratio, solo_domain, pool_domain, focus, best, share); only the
    runners of the mode in use are filled (`best` with `division`, `share` without). Bitwise
    numpy's results for the same equations: rows summed as numpy sums them and the runners'
    sums added pool after pool.
    """
    n_pools, n_orgs = membership.shape
    n_domains = priorities.shape[1]
    row = np.empty(n_orgs)
    weights = np.empty((n_pools, n_orgs))
    focus = np.empty((n_pools, n_domains))
    mix = np.empty(n_domains)
    for k in range(n_pools):  # 1. focus
        source = paid  # nothing paid mixes to zero, as an underflow does
        for attempt in range(2):
            for d in range(n_domains):
                mix[d] = 0.0
            for o in range(n_orgs):
                weights[k, o] = source[k, o]
                for d in range(n_domains):
                    mix[d] += source[k, o] * priorities[o, d]
            total = 0.0 + pairwise_sum(mix, 0, n_domains)
            if total > 0 or attempt == 1:
                break
            source = membership
        for d in range(n_domains):
            focus[k, d] = mix[d] / total
    best = np.empty((n_pools, n_domains), dtype=np.int64)
    share = np.empty((n_pools, n_orgs))
    for k in range(n_pools):  # 2. runners
        if division:
            for d in range(n_domains):
                best[k, d] = 0
                top = -1.0
                for o in range(n_orgs):
                    if membership[k, o] > 0 and expertise[o, d] > top:
                        top = expertise[o, d]
                        best[k, d] = o
        else:
            for o in range(n_orgs):
                row[o] = weights[k, o]
            weight = 0.0 + pairwise_sum(row, 0, n_orgs)
            for o in range(n_orgs):
                share[k, o] = weights[k, o] / weight
    pool_domain = np.empty((n_pools, n_domains))
    run_money = np.empty((n_orgs, n_domains))
    for o in range(n_orgs):
        for d in range(n_domains):
            run_money[o, d] = 0.0
    for k in range(n_pools):  # 3. operations: what the runners run for pools...
        for d in range(n_domains):
            pool_domain[k, d] = (pool[k] * net[k]) * focus[k, d]
            if division:
                run_money[best[k, d], d] += pool_domain[k, d]
        if not division:
            for o in range(n_orgs):
                for d in range(n_domains):
                    run_money[o, d] += share[k, o] * pool_domain[k, d]
    first = operation_size.shape[0] == 0
    size = np.empty((n_orgs, n_domains))
    solo_domain = np.empty((n_orgs, n_domains))
    ratio = np.empty((n_orgs, n_domains))
    for o in range(n_orgs):  # ... and on their own
        for d in range(n_domains):
            solo_domain[o, d] = solo[o] * priorities[o, d]
            operations = solo_domain[o, d] + run_money[o, d]
            last = operations if first else operation_size[o, d]
            size[o, d] = memory * last + (1.0 - memory) * operations
            ratio[o, d] = maximum(size[o, d], 0.0) / usual_operation
    return size, ratio, solo_domain, pool_domain, focus, best, share


@njit(cache=True)
def delivered_units(
    solo_domain: np.ndarray,
    pool_domain: np.ndarray,
    factor: np.ndarray,
    expertise: np.ndarray,
    division: bool,
    best: np.ndarray,
    share: np.ndarray,
    unit_cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Service units of each organization alone and of each pool, run at its runners'
    scale `factor` (units per unit of money), and each pool's quality (its runners'
    expertise); runners as pool_operations gives them. Returns (solo_units, pool_units,
    run_factor, quality); a weighted runners' figure is added organization after
    organization from zero, as numpy's einsum adds it."""
    n_orgs, n_domains = solo_domain.shape
    n_pools = pool_domain.shape[0]
    solo_units = np.empty((n_orgs, n_domains))
    for o in range(n_orgs):
        for d in range(n_domains):
            solo_units[o, d] = solo_domain[o, d] * factor[o, d] / unit_cost[d]
    run_factor = np.empty((n_pools, n_domains))
    quality = np.empty((n_pools, n_domains))
    pool_units = np.empty((n_pools, n_domains))
    for k in range(n_pools):
        for d in range(n_domains):
            if division:
                run_factor[k, d] = factor[best[k, d], d]
                quality[k, d] = expertise[best[k, d], d]
            else:
                run_factor[k, d] = 0.0
                quality[k, d] = 0.0
                for o in range(n_orgs):
                    run_factor[k, d] += share[k, o] * factor[o, d]
                    quality[k, d] += share[k, o] * expertise[o, d]
            pool_units[k, d] = pool_domain[k, d] * run_factor[k, d] / unit_cost[d]
    return solo_units, pool_units, run_factor, quality


@njit(cache=True)
def service_channels(
    solo_units: np.ndarray,
    pool_units: np.ndarray,
    expertise: np.ndarray,
    pool_quality: np.ndarray,
    targeting: np.ndarray,
    membership: np.ndarray,
    linked: np.ndarray,
    formal: np.ndarray,
    push: float,
    informal_strength: float,
    coordination: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The month's service channels (services.Channels): every organization alone, then
    each pool's cases on the shared list, then its other cases. Returns (units, quality,
    targeting, coordinated), what this states in numpy:

        pool_tau = np.minimum(1.0, (membership * targeting).max(axis=1, initial=0.0)
                                   + push * linked)
        share = np.where(formal, 1.0, informal_strength)[:, None]
        units = np.concatenate([solo_units, share * pool_units, (1.0 - share) * pool_units])
        quality = np.concatenate([expertise, pool_quality, pool_quality])
        targeting = np.concatenate([targeting, pool_tau, pool_tau])
        coordinated = [False] * organizations + [coordination] * pools + [False] * pools
    """
    n_orgs, n_domains = solo_units.shape
    n_pools = pool_units.shape[0]
    channels = n_orgs + 2 * n_pools
    units = np.empty((channels, n_domains))
    quality = np.empty((channels, n_domains))
    taus = np.empty(channels)
    coordinated = np.empty(channels, np.bool_)
    for o in range(n_orgs):  # element by element: a row copy compiles seconds slower
        for d in range(n_domains):
            units[o, d] = solo_units[o, d]
            quality[o, d] = expertise[o, d]
        taus[o] = targeting[o]
        coordinated[o] = False
    for k in range(n_pools):
        best = 0.0
        for o in range(n_orgs):
            best = maximum(best, membership[k, o] * targeting[o])
        tau = minimum(1.0, best + push * (1.0 if linked[k] else 0.0))
        share = 1.0 if formal[k] else informal_strength
        rest = 1.0 - share
        listed, other = n_orgs + k, n_orgs + n_pools + k
        for d in range(n_domains):
            units[listed, d] = share * pool_units[k, d]
            units[other, d] = rest * pool_units[k, d]
            quality[listed, d] = quality[other, d] = pool_quality[k, d]
        taus[listed] = taus[other] = tau
        coordinated[listed], coordinated[other] = coordination, False
    return units, quality, taus, coordinated


@njit(cache=True, error_model="numpy")  # IEEE division: a size of 0 tolerates anything
def governance_fits(
    size: np.ndarray, mean_trust: np.ndarray, consensus: np.ndarray, needs: np.ndarray
) -> np.ndarray:
    """(P x modes): each mode's fit to each network (partnership.governance_fit).

    `needs` has a column per mode and rows: its best fit, the trust it needs, the size it
    tolerates and how much its fit depends on consensus; fit = best x min(1, trust / needed)
    x min(1, tolerated / size) x ((1 - weight) + weight x consensus), multiplied in that order.
    """
    n_pools, n_modes = size.size, needs.shape[1]
    fits = np.empty((n_pools, n_modes))
    for k in range(n_pools):
        for j in range(n_modes):
            weight = needs[3, j]
            fits[k, j] = (
                needs[0, j]
                * minimum(1.0, mean_trust[k] / needs[1, j])
                * minimum(1.0, needs[2, j] / size[k])
                * ((1.0 - weight) + weight * consensus[k])
            )
    return fits


@njit(cache=True)
def governance_choice(
    fits: np.ndarray,
    requested: np.ndarray,
    membership: np.ndarray,
    leadership: np.ndarray,
    adaptive: int,
    shared: int,
    lead: int,
    administrator: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each pool's governance mode and effectiveness (Organization.choose_governance).

    The mode is the one `requested`, or for `adaptive` the column of `fits` that fits best
    (the first on a tie, as numpy's argmax; fits are never NaN, as the trust and size a
    mode needs are validated positive). Effectiveness = fit x the quality of whoever
    leads: the members' mean leadership when `shared`, the best leader's under a `lead`
    organization, `administrator` otherwise. Returns (modes, effectiveness).
    """
    n_pools, n_orgs = membership.shape
    mode = np.empty(n_pools, dtype=np.int64)
    effectiveness = np.empty(n_pools)
    leaders = np.empty(n_orgs)
    for k in range(n_pools):
        chosen = requested[k]
        if chosen == adaptive:
            chosen = 0
            for j in range(1, fits.shape[1]):
                if fits[k, j] > fits[k, chosen]:
                    chosen = j
        mode[k] = chosen
        best = 0.0
        size = 0.0  # membership is 0 or 1: the count is exact in any order
        for o in range(n_orgs):
            size += membership[k, o]
            leaders[o] = membership[k, o] * leadership[o]
            best = maximum(best, leaders[o])
        if chosen == shared:
            quality = (0.0 + pairwise_sum(leaders, 0, n_orgs)) / maximum(size, 1.0)
        elif chosen == lead:
            quality = best
        else:
            quality = administrator
        effectiveness[k] = fits[k, chosen] * quality
    return mode, effectiveness


@njit(cache=True)
def governance_costs(
    mode: np.ndarray,
    effectiveness: np.ndarray,
    consensus: np.ndarray,
    formal: np.ndarray,
    nao: int,
    governance_cost: float,
    nao_cost: float,
    governance: np.ndarray,
    effective: np.ndarray,
    agreed: np.ndarray,
    conflicts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """What each pool's governance costs it this month (C1, C6): the overhead share of its
    spending (formal pools: `governance_cost`, plus `nao_cost` under an NAO) and the share of
    its output lost to conflict, (1 - consensus) x (1 - effectiveness). The pools' mode,
    effectiveness, consensus and conflict are written into the table's columns of those
    names (`governance`, `effective`, `agreed`, `conflicts`). Returns (overhead, conflict)."""
    n_pools = mode.size
    overhead = np.empty(n_pools)
    conflict = np.empty(n_pools)
    for k in range(n_pools):
        cost = governance_cost + (nao_cost if mode[k] == nao else 0.0)
        overhead[k] = cost if formal[k] else 0.0
        conflict[k] = (1.0 - consensus[k]) * (1.0 - effectiveness[k])
        governance[k] = mode[k]
        effective[k] = effectiveness[k]
        agreed[k] = consensus[k]
        conflicts[k] = conflict[k]
    return overhead, conflict


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
    solo_value = np.empty(n_orgs)
    for o in range(n_orgs):
        solo_value[o] = 0.0
        for d in range(n_domains):
            solo_value[o] += priorities[o, d] * factor[o, d] * expertise[o, d] / unit_cost[d]
    r = np.empty(n_pools)
    for k in range(n_pools):
        r[k] = 1.0
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
    mean = np.empty(n_pools)
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


@njit(cache=True)
def promises(
    membership: np.ndarray,
    formal: np.ndarray,
    announced: np.ndarray,
    spend: np.ndarray,
    member_trust: np.ndarray,
    pool_return: np.ndarray,
    members: np.ndarray,
    formal_commitment: float,
    informal_commitment: float,
    sanction_rate: float,
    warned: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What each member promises each pool (P x O), each pool's marginal per-capita return
    (P x 1) and which members expect a sanction for a shortfall (P x O), step 4. Returns
    (promise, mpcr, deterred), what this states in numpy:

        promise = membership * np.where(
            formal[:, None],
            formal_commitment * announced,
            informal_commitment * spend * member_trust,
        )
        mpcr = pool_return[:, None] / np.maximum(members, 1.0)[:, None]
        deterred = formal[:, None] & (sanction_rate >= 1.0 - mpcr) & warned
    """
    n_pools, n_orgs = membership.shape
    promise = np.empty((n_pools, n_orgs))
    mpcr = np.empty((n_pools, 1))
    deterred = np.empty((n_pools, n_orgs), np.bool_)
    for k in range(n_pools):
        rate = pool_return[k] / maximum(members[k], 1.0)
        mpcr[k, 0] = rate
        sanctioned = formal[k] and sanction_rate >= 1.0 - rate
        for o in range(n_orgs):
            if formal[k]:
                offer = formal_commitment * announced[o]
            else:
                offer = informal_commitment * spend[o] * member_trust[k, o]
            promise[k, o] = membership[k, o] * offer
            deterred[k, o] = sanctioned and warned[k, o]
    return promise, mpcr, deterred


@njit(cache=True)
def payments(
    membership: np.ndarray,
    formal: np.ndarray,
    chosen: np.ndarray,
    promise: np.ndarray,
    lapse_draws: np.ndarray,
    defection_rate: float,
    stressed: np.ndarray,
    cap: np.ndarray,
    sanction_rate: float,
    budgets: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What members pay their pools this month, and the fines formal pools levy (step 4).

    A member gives the share it `chosen` of its promise, nothing after a lapse (its draw
    below `defection_rate`) or under funding stress; where an organization's payments
    exceed its `cap`, all of them are scaled down together. A formal pool fines a member
    not under stress `sanction_rate` x what it withheld of its scaled promise, and a member
    fined more than its budget has its fines shrunk to what it holds.

    Returns (given: the share of its promise each member gave, paid, fines, each
    (P x O); what each organization owes in fines (O,)). Column sums add one pool after
    another, as numpy's `sum(axis=0)` does.
    """
    n_pools, n_orgs = membership.shape
    given = np.empty((n_pools, n_orgs))
    paid = np.empty((n_pools, n_orgs))
    total = np.empty(n_orgs)
    for o in range(n_orgs):
        total[o] = 0.0
    for k in range(n_pools):
        for o in range(n_orgs):
            lapsed = lapse_draws[k, o] < defection_rate or stressed[o]
            share = (0.0 if lapsed else chosen[k, o]) * membership[k, o]
            given[k, o] = share
            paid[k, o] = share * promise[k, o]
            total[o] += paid[k, o]
    scale = np.empty(n_orgs)
    for o in range(n_orgs):
        scale[o] = cap[o] / maximum(total[o], 1e-300) if total[o] > cap[o] else 1.0
    fines = np.empty((n_pools, n_orgs))
    due = np.empty(n_orgs)
    for o in range(n_orgs):
        due[o] = 0.0
    for k in range(n_pools):
        for o in range(n_orgs):
            paid[k, o] *= scale[o]
            if formal[k] and not stressed[o]:
                fines[k, o] = sanction_rate * ((1.0 - given[k, o]) * promise[k, o] * scale[o])
            else:
                fines[k, o] = 0.0
            due[o] += fines[k, o]
    shrink = np.empty(n_orgs)
    over = False
    for o in range(n_orgs):
        shrink[o] = 1.0
        if due[o] > budgets[o]:
            shrink[o] = budgets[o] / maximum(due[o], 1e-300)
            over = True
    if not over:
        return given, paid, fines, due
    for o in range(n_orgs):
        due[o] = 0.0
    for k in range(n_pools):
        for o in range(n_orgs):
            fines[k, o] *= shrink[o]
            due[o] += fines[k, o]
    return given, paid, fines, due


@njit(cache=True)
def levy_fines(
    fines: np.ndarray,
    due: np.ndarray,
    carry: np.ndarray,
    warned: np.ndarray,
    budgets: np.ndarray,
) -> float:
    """Formal pools levy this month's `fines` (P x O, from `payments`), in place: each pool
    carries what it fined into next month's inflow, a fined member is `warned` in that pool
    from now on, and each organization pays its `due` (O,) out of its budget (never below
    0). Returns the fines in all; sums in numpy's order, as `_sanction` states them."""
    n_pools, n_orgs = fines.shape
    for k in range(n_pools):
        carry[k] = carry[k] + (0.0 + pairwise_sum(fines[k], 0, n_orgs))
        for o in range(n_orgs):
            warned[k, o] = warned[k, o] or fines[k, o] > 0
    for o in range(n_orgs):
        if due[o] != 0:  # a fine of all one holds leaves exactly 0
            budgets[o] = maximum(budgets[o] - due[o], 0.0)
    return 0.0 + pairwise_sum(due, 0, n_orgs)


@njit(cache=True)
def pool_inflow(
    paid: np.ndarray, is_government: np.ndarray, leakage_rate: float, carry: np.ndarray
) -> tuple[np.ndarray, float, float, float]:
    """What flows into each pool this month (model step 6): its members' payments less the
    government money that leaks (`leakage_rate` of it), plus the exit fees and fines it
    carried in, which are taken out of `carry` (in place).

    Returns (inflow per pool, government money paid in, money leaked, money carried in).
    """
    n_pools, n_orgs = paid.shape
    governments = 0
    for o in range(n_orgs):
        governments += is_government[o]
    from_government = np.empty(n_pools * governments)
    lost = np.empty(n_pools * n_orgs)
    kept = np.empty(n_orgs)
    inflow = np.empty(n_pools)
    for k in range(n_pools):
        g = 0  # numpy gathers paid[:, is_government] column after column: summed so
        for o in range(n_orgs):
            leaked = paid[k, o] * (leakage_rate if is_government[o] else 0.0)
            lost[k * n_orgs + o] = leaked
            kept[o] = paid[k, o] - leaked
            if is_government[o]:
                from_government[g * n_pools + k] = paid[k, o]
                g += 1
        inflow[k] = 0.0 + pairwise_sum(kept, 0, n_orgs) + carry[k]
    carried = 0.0 + pairwise_sum(carry, 0, n_pools)
    for k in range(n_pools):  # a loop, not carry[:] = 0.0: faster to compile
        carry[k] = 0.0
    return (
        inflow,
        0.0 + pairwise_sum(from_government, 0, from_government.size),
        0.0 + pairwise_sum(lost, 0, lost.size),
        carried,
    )


@njit(cache=True)
def reserves(
    inflow: np.ndarray,
    usual_inflow: np.ndarray,
    reserve: np.ndarray,
    share: float,
    memory: float,
) -> tuple[np.ndarray, float]:
    """Pools' reserves (Z1 buffering), in place: a pool saves `share` of its inflow in a
    month at or above its usual inflow (a moving average with `memory`; this month's
    inflow for a new pool) and draws on its reserve, up to the shortfall, in a month below
    it. Returns (what each pool spends, money drawn less money saved)."""
    n_pools = inflow.size
    spent = np.empty(n_pools)
    saved = np.empty(n_pools)
    drawn = np.empty(n_pools)
    for k in range(n_pools):
        money = inflow[k]
        usual = usual_inflow[k] if usual_inflow[k] > 0 else money
        saved[k] = share * money if money >= usual else 0.0
        drawn[k] = minimum(reserve[k], usual - money) if money < usual else 0.0
        spent[k] = money - saved[k] + drawn[k]
        reserve[k] = reserve[k] + saved[k] - drawn[k]
        usual_inflow[k] = memory * usual + (1 - memory) * money
    moved = (0.0 + pairwise_sum(drawn, 0, n_pools)) - (0.0 + pairwise_sum(saved, 0, n_pools))
    return spent, moved


@njit(cache=True)
def partner_choice(
    chooser: int,
    kind_allowed: np.ndarray,
    membership_counts: np.ndarray,
    max_memberships: int,
    partners: np.ndarray,
    scores: np.ndarray,
    temperature: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Whom organization `chooser` may approach, and the chance of picking each (step 3).

    Candidates are the organizations other than itself and its `partners` that are below
    `max_memberships` and with whose sector its own makes an allowed kind (`kind_allowed`).
    Each is picked with probability proportional to exp((score - best score) / temperature)
    (a softmax over `scores`, Organization.partner_scores), laid out as `Generator.choice`
    lays out p = weights / weights.sum() (sampling.distribution): numpy's exp, its pairwise
    sum and its running sum, bit for bit, so that `sampling.pick` draws the partner numpy's
    choice would. Returns (candidates in ascending order, cumulative distribution), both
    empty when there is no candidate.
    """
    n_orgs = scores.size
    allowed = np.empty(n_orgs, np.bool_)
    for j in range(n_orgs):
        allowed[j] = kind_allowed[chooser, j] and membership_counts[j] < max_memberships
    allowed[chooser] = False
    for j in partners:
        allowed[j] = False
    count = 0
    for j in range(n_orgs):
        count += allowed[j]
    candidates = np.empty(count, np.int64)
    cdf = np.empty(count)
    if count == 0:
        return candidates, cdf
    k = 0
    best = -math.inf
    for j in range(n_orgs):
        if allowed[j]:
            candidates[k] = j
            best = maximum(best, scores[j])
            k += 1
    weights = np.empty(count)
    for k in range(count):
        weights[k] = math.exp((scores[candidates[k]] - best) / temperature)
    total = 0.0 + pairwise_sum(weights, 0, count)
    running = 0.0
    for k in range(count):  # numpy's cumsum: one running sum, the first term as it is
        share = weights[k] / total
        running = share if k == 0 else running + share
        cdf[k] = running
    last = cdf[count - 1]
    for k in range(count):
        cdf[k] /= last
    return candidates, cdf


@njit(cache=True)
def trust_in_shared_pools(
    membership: np.ndarray, mean_trust: np.ndarray, age: np.ndarray
) -> tuple[float, float]:
    """The partnership metrics of trust (`partner_trust`, `trust_age_correlation`): over the
    pools with two or more members, the mean of their members' mean trust (0 with none), and
    its Pearson correlation with the pools' age in months (0 with fewer than three, or no
    spread). Sums in numpy's order, as `PartnershipModel._partnership_metrics` states them."""
    n_pools, n_orgs = membership.shape
    trust = np.empty(n_pools)
    ages = np.empty(n_pools, np.int64)
    members = np.empty(n_orgs, np.int64)
    count = 0
    for k in range(n_pools):
        if pool_members(membership, k, members) > 1:
            trust[count] = mean_trust[k]
            ages[count] = age[k]
            count += 1
    if count == 0:
        return 0.0, 0.0
    mean = (0.0 + pairwise_sum(trust, 0, count)) / count
    if count < 3:
        return mean, 0.0
    age_total = 0
    for k in range(count):
        age_total += ages[k]
    mean_age = age_total / count
    age_squares = np.empty(count)
    trust_squares = np.empty(count)
    products = np.empty(count)
    for k in range(count):
        age_gap = ages[k] - mean_age
        trust_gap = trust[k] - mean
        age_squares[k] = age_gap * age_gap
        trust_squares[k] = trust_gap * trust_gap
        products[k] = age_gap * trust_gap
    spread = math.sqrt(
        (0.0 + pairwise_sum(age_squares, 0, count)) * (0.0 + pairwise_sum(trust_squares, 0, count))
    )
    if not spread > 0.0:
        return mean, 0.0
    return mean, (0.0 + pairwise_sum(products, 0, count)) / spread


@njit(cache=True)
def contribution_rates(
    promise: np.ndarray, given: np.ndarray, cohort: np.ndarray
) -> tuple[float, float]:
    """The month's mean share of its promise a member gave, over every member with a promise
    and over those of the fixed `cohort` of organizations (`contribution_rate`,
    `cohort_contribution_rate`; 0 with none). The shares are taken pool after pool, member
    after member, and summed in numpy's order, as numpy's mean of `given[promise > 0]`."""
    n_pools, n_orgs = promise.shape
    shares = np.empty(n_pools * n_orgs)
    cohort_shares = np.empty(n_pools * n_orgs)
    count = 0
    cohort_count = 0
    for k in range(n_pools):
        for o in range(n_orgs):
            if promise[k, o] > 0:
                shares[count] = given[k, o]
                count += 1
                if cohort[o]:
                    cohort_shares[cohort_count] = given[k, o]
                    cohort_count += 1
    if count == 0:
        return 0.0, 0.0
    rate = (0.0 + pairwise_sum(shares, 0, count)) / count
    if cohort_count == 0:
        return rate, 0.0
    return rate, (0.0 + pairwise_sum(cohort_shares, 0, cohort_count)) / cohort_count


@njit(cache=True)
def update_accountability(
    accountability: np.ndarray,
    is_government: np.ndarray,
    membership: np.ndarray,
    kind: np.ndarray,
    k2: int,
    gain: float,
    decay: float,
    baseline: float,
) -> None:
    """Government agencies' accountability this month (B7), in place: an agency in a
    government-community partnership (kind code `k2`) gains `gain` of what it lacks; any
    other drifts back towards `baseline` by `decay` of the gap."""
    n_pools, n_orgs = membership.shape
    for o in range(n_orgs):
        if not is_government[o]:
            continue
        in_k2 = False
        for k in range(n_pools):
            in_k2 = in_k2 or (kind[k] == k2 and membership[k, o] != 0)
        acc = accountability[o]
        if in_k2:
            accountability[o] = acc + gain * (1.0 - acc)
        else:
            accountability[o] = acc - decay * (acc - baseline)
