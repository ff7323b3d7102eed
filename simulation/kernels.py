"""Compiled loops of service delivery (the only per-person work in a month), of the pools'
money (payments, fines, reserves) and of the month's partnership metrics.

Each function makes one pass over the population arrays, over the month's service
channels, or over the pools and their members (numba, compiled once and cached on disk),
so a month costs a few passes instead of dozens of numpy temporaries. Random numbers
are drawn by the caller from the model's numpy Generator, keeping one random stream; the
loops themselves are deterministic arithmetic in a fixed order. Where a loop replaces numpy
code it gives the same bits: the same operations in the same order, sums in numpy's own
order (`numpy_sum`: numpy's pairwise summation), no fast-math.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SERIES_LIMIT = 0.25  # below this, 1 - exp(-x) by series: 8 terms, error < x^9/9! < 1e-10


@njit(cache=True, inline="always")  # compiled into its callers only
def reach_chance(lam: float) -> float:
    """1 - exp(-lam), the chance that Poisson(lam) units reach someone.

    libm's expm1 costs ~10x the rest of a citizen's month, and lam is usually small, so a
    Horner series is used below SERIES_LIMIT.
    """
    if lam >= SERIES_LIMIT:
        return -math.expm1(-lam)
    x = -lam  # multiplied by reciprocals: a division costs several multiplications
    s = 1.0 + x * (1.0 / 8.0)
    s = 1.0 + x * (1.0 / 7.0) * s
    s = 1.0 + x * (1.0 / 6.0) * s
    s = 1.0 + x * (1.0 / 5.0) * s
    s = 1.0 + x * (1.0 / 4.0) * s
    s = 1.0 + x * (1.0 / 3.0) * s
    s = 1.0 + x * (1.0 / 2.0) * s
    return -x * s


@njit(cache=True, inline="always")  # compiled into its callers only
def geometric_mean_row(product: float, n_domains: int) -> float:
    """product ** (1 / n); two square roots for the usual four domains (pow is slow)."""
    if n_domains == 4:
        return math.sqrt(math.sqrt(product))
    return product ** (1.0 / n_domains)


@njit(cache=True, inline="always")  # compiled into its callers only
def minimum(a: float, b: float) -> float:
    """np.minimum of two numbers: NaN if either is, `b` on a tie (as for 0.0 and -0.0)."""
    return a if a < b or math.isnan(a) else b


@njit(cache=True, inline="always")  # compiled into its callers only
def maximum(a: float, b: float) -> float:
    """np.maximum of two numbers: NaN if either is, `b` on a tie (as for 0.0 and -0.0)."""
    return a if a > b or math.isnan(a) else b


PAIRWISE_BLOCK = 128  # numpy's pairwise summation: runs up to this length are summed directly


@njit(cache=True)
def numpy_sum(values: np.ndarray) -> float:
    """The sum of a 1-D float64 array in numpy's order, bit for bit what `values.sum()` and
    each row of `.sum(axis=-1)` give: from 0.0, by numpy's pairwise summation, which splits
    a run longer than PAIRWISE_BLOCK in two halves (the first a multiple of 8 long) and adds
    their sums (done here with a stack of pending halves instead of recursion)."""
    n = values.size
    if n <= PAIRWISE_BLOCK:
        return 0.0 + _block_sum(values, 0, n)
    starts = np.empty(64, dtype=np.int64)  # halves still to sum, depth-first
    sizes = np.empty(64, dtype=np.int64)
    split = np.zeros(64, dtype=np.bool_)  # whether that run's halves are pushed already
    sums = np.empty(64)  # sums of finished runs, awaiting their sibling
    starts[0], sizes[0] = 0, n
    top, done = 0, 0
    while top >= 0:
        if sizes[top] <= PAIRWISE_BLOCK:
            sums[done] = _block_sum(values, starts[top], sizes[top])
            done += 1
            top -= 1
        elif split[top]:  # both halves summed: left + right
            done -= 1
            sums[done - 1] = sums[done - 1] + sums[done]
            split[top] = False
            top -= 1
        else:
            split[top] = True
            half = sizes[top] // 2
            half -= half % 8
            start, size = starts[top], sizes[top]
            starts[top + 1], sizes[top + 1] = start + half, size - half  # right, summed last
            starts[top + 2], sizes[top + 2] = start, half
            split[top + 1] = split[top + 2] = False
            top += 2
    return 0.0 + sums[0]


@njit(cache=True)
def _block_sum(values: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise_sum of at most PAIRWISE_BLOCK values from `start`: fewer than 8 in
    order, else eight interleaved partial sums combined as a tree, then the rest in order."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    r = values[start : start + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += values[start + i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for k in range(start + i, start + n):
        total += values[k]
    return total


@njit(cache=True)
def partner_trust_stats(
    membership: np.ndarray, mean_trust: np.ndarray, age: np.ndarray
) -> tuple[float, float]:
    """(mean, Pearson correlation with age) of `mean_trust` over the pools with more than
    one member (0 for none; correlation 0 with fewer than three or no spread): the month's
    `partner_trust` and `trust_age_correlation`, with numpy's sums (numpy_sum) in numpy's
    order, so bitwise what the same numpy expressions give."""
    n_pools = membership.shape[0]
    trust = np.empty(n_pools)
    ages = np.empty(n_pools, dtype=np.int64)
    count = 0
    for k in range(n_pools):
        if numpy_sum(membership[k]) > 1:
            trust[count] = mean_trust[k]
            ages[count] = age[k]
            count += 1
    if count == 0:
        return 0.0, 0.0
    trust, ages = trust[:count], ages[:count]
    mean = numpy_sum(trust) / count
    if count < 3:
        return mean, 0.0
    age_sum = 0
    for i in range(count):
        age_sum += ages[i]
    mean_age = age_sum / count
    squares = np.empty((3, count))  # age gap squared, trust gap squared, their product
    for i in range(count):
        age_gap, trust_gap = ages[i] - mean_age, trust[i] - mean
        squares[0, i] = age_gap * age_gap
        squares[1, i] = trust_gap * trust_gap
        squares[2, i] = age_gap * trust_gap
    spread = math.sqrt(numpy_sum(squares[0]) * numpy_sum(squares[1]))
    return mean, numpy_sum(squares[2]) / spread if spread > 0.0 else 0.0


@njit(cache=True)
def promised_means(
    promise: np.ndarray, given: np.ndarray, cohort: np.ndarray
) -> tuple[float, float]:
    """Mean of `given` (pools x organizations) over the cells with a promise, and over those
    of the organizations in `cohort` (each 0 for none): what numpy's
    `given[promise > 0].mean()` gives, bit for bit (numpy_sum of the same cells in order)."""
    n_pools, n_orgs = promise.shape
    promised = np.empty(n_pools * n_orgs)
    held = np.empty(n_pools * n_orgs)
    n_promised = n_held = 0
    for k in range(n_pools):
        for o in range(n_orgs):
            if promise[k, o] > 0:
                promised[n_promised] = given[k, o]
                n_promised += 1
                if cohort[o]:
                    held[n_held] = given[k, o]
                    n_held += 1
    rate = numpy_sum(promised[:n_promised]) / n_promised if n_promised else 0.0
    return rate, numpy_sum(held[:n_held]) / n_held if n_held else 0.0


@njit(cache=True)
def pledged_payments(
    chosen: np.ndarray,
    membership: np.ndarray,
    promise: np.ndarray,
    lapsed: np.ndarray,
    stressed: np.ndarray,
    cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(given, paid, shortfall), each pools x organizations: the share of its promise each
    member gives (0 where its hand `lapsed` or its income is `stressed`), what it pays once
    an organization's promises beyond its `cap` are scaled down, and what it withholds at
    that scale. The same operations as the model's numpy expressions in the same order;
    each organization's total wanted is summed over pools in order, as numpy sums a column
    (pairwise when there is one organization, as numpy does then)."""
    n_pools, n_orgs = chosen.shape
    given = np.empty((n_pools, n_orgs))
    wanted = np.empty((n_pools, n_orgs))
    total = np.zeros(n_orgs)
    for k in range(n_pools):
        for o in range(n_orgs):
            share = 0.0 if lapsed[k, o] or stressed[o] else chosen[k, o]
            given[k, o] = share * membership[k, o]
            wanted[k, o] = given[k, o] * promise[k, o]
            total[o] += wanted[k, o]
    if n_orgs == 1:  # wanted's one column is contiguous: numpy sums it pairwise
        total[0] = numpy_sum(wanted.ravel())
    scale = np.ones(n_orgs)
    for o in range(n_orgs):
        if total[o] > cap[o]:
            scale[o] = cap[o] / maximum(total[o], 1e-300)
    paid = np.empty((n_pools, n_orgs))
    shortfall = np.empty((n_pools, n_orgs))
    for k in range(n_pools):
        for o in range(n_orgs):
            paid[k, o] = wanted[k, o] * scale[o]
            shortfall[k, o] = (1.0 - given[k, o]) * promise[k, o] * scale[o]
    return given, paid, shortfall


@njit(cache=True)
def pool_inflow(
    paid: np.ndarray, is_government: np.ndarray, leakage_rate: float
) -> tuple[float, float, np.ndarray]:
    """(government money paid in, money leaked, each pool's inflow after leakage) for the
    pools x organizations payments `paid`, government members losing `leakage_rate` of
    theirs; the sums are numpy's, in numpy's order, of the same numbers."""
    n_pools, n_orgs = paid.shape
    government = np.empty(n_pools * n_orgs)
    count = 0
    for o in range(n_orgs):  # column by column: numpy's `paid[:, is_government]` is F-ordered
        if is_government[o]:
            for k in range(n_pools):
                government[count] = paid[k, o]
                count += 1
    lost = np.empty((n_pools, n_orgs))
    kept = np.empty(n_orgs)
    inflow = np.empty(n_pools)
    for k in range(n_pools):
        for o in range(n_orgs):
            lost[k, o] = paid[k, o] * (leakage_rate if is_government[o] else 0.0)
            kept[o] = paid[k, o] - lost[k, o]
        inflow[k] = numpy_sum(kept)
    return numpy_sum(government[:count]), numpy_sum(lost.ravel()), inflow


@njit(cache=True)
def reserve_flows(
    inflow: np.ndarray, usual: np.ndarray, reserve: np.ndarray, share: float, memory: float
) -> tuple[np.ndarray, float]:
    """(what each pool spends, total drawn - total saved); `reserve` and `usual` (a pool's
    usual inflow) are updated in place. A pool saves `share` of a normal month's inflow and
    draws on its reserve when inflow falls below its usual level, up to that level; the
    first month's inflow is its usual level. Element by element as the numpy expressions,
    the totals summed as numpy sums them."""
    n_pools = inflow.size
    spent = np.empty(n_pools)
    saved = np.empty(n_pools)
    drawn = np.empty(n_pools)
    for k in range(n_pools):
        level = usual[k] if usual[k] > 0 else inflow[k]
        saved[k] = share * inflow[k] if inflow[k] >= level else 0.0
        drawn[k] = minimum(reserve[k], level - inflow[k]) if inflow[k] < level else 0.0
        spent[k] = inflow[k] - saved[k] + drawn[k]
        reserve[k] = reserve[k] + saved[k] - drawn[k]
        usual[k] = memory * level + (1 - memory) * inflow[k]
    return spent, numpy_sum(drawn) - numpy_sum(saved)


@njit(cache=True)
def decay_and_sum_need(
    welfare: np.ndarray, awareness: np.ndarray, vulnerability: np.ndarray, decay: float
) -> tuple[np.ndarray, np.ndarray, float, float, np.ndarray]:
    """Erode citizen i's welfare by decay x vulnerability[i] (clipped to [0, 1], in float32
    as numpy computes it for the float32 arrays); return sums of need, awareness*need and
    awareness, and the largest awareness and awareness*need (the bound of anyone's reach)."""
    n, n_domains = welfare.shape
    rate = np.float32(decay)
    need_sum = np.zeros(n_domains)
    aware_need = np.zeros(n_domains)
    aware_sum = 0.0
    aware_peak = 0.0
    aware_need_peak = np.zeros(n_domains)
    for i in range(n):
        a = awareness[i]
        aware_sum += a
        aware_peak = max(aware_peak, a)
        k = min(max(np.float32(1.0) - rate * vulnerability[i], np.float32(0.0)), np.float32(1.0))
        for d in range(n_domains):
            w = welfare[i, d] * k
            welfare[i, d] = w
            need = 1.0 - welfare[i, d]
            need_sum[d] += need
            aware_need[d] += a * need
            aware_need_peak[d] = max(aware_need_peak[d], a * need)
    return need_sum, aware_need, aware_sum, aware_peak, aware_need_peak


@njit(cache=True)
def channel_sums(
    units: np.ndarray,
    quality: np.ndarray,
    targeting: np.ndarray,
    coordinated: np.ndarray,
    aware_sum: float,
    aware_relneed: np.ndarray,
    floor: float,
) -> np.ndarray:
    """(2, 4, D): per group of channels (0 coordinated, 1 the others) and domain, the sums of
    units, units x quality, and the reach terms u (1 - tau) / Z and u tau / Z with
    Z = max(A (1 - tau) + tau B, floor) (services.channel_offers), channels in order."""
    n_channels, n_domains = units.shape
    sums = np.zeros((2, 4, n_domains))
    for c in range(n_channels):
        g = 0 if coordinated[c] else 1
        tau = targeting[c]
        for d in range(n_domains):
            u = units[c, d]
            z = aware_sum * (1.0 - tau) + tau * aware_relneed[d]
            z = z if z > floor else floor
            sums[g, 0, d] += u
            sums[g, 1, d] += u * quality[c, d]
            sums[g, 2, d] += u * (1.0 - tau) / z
            sums[g, 3, d] += u * tau / z
    return sums


@njit(cache=True)
def weighted_mix(weights: np.ndarray, priorities: np.ndarray) -> np.ndarray:
    """(P, D): weights @ priorities, each pool's products added in organization order from
    zero: the order in which numpy sums `(weights[:, :, None] * priorities[None, :, :])`
    over its middle axis for several domains (not BLAS's, which depends on the CPU), without
    the (P, O, D) temporary that made that the costliest line of a month's delivery."""
    n_pools, n_orgs = weights.shape
    n_domains = priorities.shape[1]
    mix = np.zeros((n_pools, n_domains))
    for k in range(n_pools):
        for o in range(n_orgs):
            w = weights[k, o]
            for d in range(n_domains):
                mix[k, d] += w * priorities[o, d]
    return mix


@njit(cache=True)
def coordinated_reach(
    welfare: np.ndarray, awareness: np.ndarray, c0: np.ndarray, k1: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per domain: max of scale*lambda over citizens and sum of min(1, scale*lambda)."""
    n, n_domains = welfare.shape
    peak = np.zeros(n_domains)
    capped = np.zeros(n_domains)
    for i in range(n):
        a = awareness[i]
        for d in range(n_domains):
            lam = a * (c0[d] + k1[d] * (1.0 - welfare[i, d])) * scale[d]
            peak[d] = max(peak[d], lam)
            capped[d] += lam if lam < 1.0 else 1.0
    return peak, capped


@njit(cache=True)
def serve(
    welfare: np.ndarray,
    awareness: np.ndarray,
    participating: np.ndarray,
    draws: np.ndarray,
    coord: np.ndarray,
    uncoord: np.ndarray,
    quality_c: np.ndarray,
    quality_u: np.ndarray,
    effect: float,
    ownership: float,
    served_any: np.ndarray,
    composite: np.ndarray,
) -> tuple[float, float, float, float, float, np.ndarray, int]:
    """Deliver one month of services in place; see services.py for the equations.

    `coord` and `uncoord` are (3, D): rows c0, k1 (c1 / mean need) and water-fill scale
    (uncoordinated scale unused). Returns expected coordinated hits, expected uncoordinated
    units, their chance of reaching someone, coordinated-uncoordinated overlap, welfare
    gained, welfare sum per domain after service, and citizens reached.
    """
    n, n_domains = welfare.shape
    hits_c = 0.0
    units_u = 0.0
    reach_u = 0.0
    overlap = 0.0
    gained = 0.0
    domain_sum = np.zeros(n_domains)
    reached = 0
    for i in range(n):
        a = awareness[i]
        boost = 1.0 + ownership if participating[i] else 1.0
        product = 1.0
        any_hit = False
        for d in range(n_domains):
            w = welfare[i, d]
            need = 1.0 - w
            lam_c = a * (coord[0, d] + coord[1, d] * need) * coord[2, d]
            p_c = lam_c if lam_c < 1.0 else 1.0
            lam_u = a * (uncoord[0, d] + uncoord[1, d] * need)
            p_u = reach_chance(lam_u)
            x = draws[i, d]
            if x < p_c + p_u - p_c * p_u:
                q = quality_c[d] if x < p_c else quality_u[d]
                g = effect * q * boost
                g = min(g, 1.0)
                g *= need
                welfare[i, d] = w + g
                gained += g
                any_hit = True
            w = welfare[i, d]
            domain_sum[d] += w
            product *= w
            hits_c += p_c
            units_u += lam_u
            reach_u += p_u
            overlap += p_c * p_u
        composite[i] = geometric_mean_row(product, n_domains)
        served_any[i] = any_hit
        reached += any_hit
    return hits_c, units_u, reach_u, overlap, gained, domain_sum, reached


@njit(cache=True)
def spread(
    awareness: np.ndarray,
    neighbours: np.ndarray,
    served_any: np.ndarray,
    rate: float,
    forgetting: float,
    served_gain: float,
) -> None:
    """Synchronous news spread: a <- (1-f)a + rate(1-a)*mean neighbour a, then served boost."""
    n, k = neighbours.shape
    new = np.empty_like(awareness)
    for i in range(n):
        heard = 0.0
        for j in range(k):
            heard += awareness[neighbours[i, j]]
        heard /= k
        a = awareness[i] * (1.0 - forgetting)
        a += rate * (1.0 - a) * heard
        if served_any[i]:
            a += served_gain * (1.0 - a)
        new[i] = min(max(a, 0.0), 1.0)
    for i in range(n):  # an element loop: a slice assignment would compile numba's shape check,
        awareness[i] = new[i]  # about 3 s of a fresh clone's first run
