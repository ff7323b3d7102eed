"""Compiled loops of service delivery: the only per-person work in a month.

Each function makes one pass (delivery: two) over the population arrays, over the month's
service channels, or over the pools and their members (numba, compiled once and cached on disk),
so a month costs a few passes instead of dozens of numpy temporaries. Random numbers
are drawn by the caller from the model's numpy Generator, keeping one random stream; the
loops themselves are deterministic arithmetic in a fixed order. Where a loop replaces numpy
code it gives the same bits: the same operations in the same order, no fast-math.

Arrays are allocated with np.empty and filled by a loop: each np.zeros or np.ones of another
shape or type costs a fresh clone's first run about a tenth of a second of compiling, and
their loops cost nothing to run.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SERIES_LIMIT = 0.25  # below this, 1 - exp(-x) by series: 8 terms, error < x^9/9! < 1e-10


@njit(cache=True, inline="always")  # compiled into its callers only
def reach_series(lam: float) -> float:
    """1 - exp(-lam), the chance that Poisson(lam) units reach someone, for lam below
    SERIES_LIMIT (serve takes libm's expm1 above it).

    libm's expm1 costs ~10x the rest of a citizen's month, and lam is usually small, so a
    Horner series is used. It has no branch, so a loop of it over citizens is vectorized.
    """
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


@njit(cache=True)
def decay_and_sum_need(
    welfare: np.ndarray, awareness: np.ndarray, vulnerability: np.ndarray, decay: float
) -> tuple[np.ndarray, np.ndarray, float, float, np.ndarray]:
    """Erode citizen i's welfare by decay x vulnerability[i] (clipped to [0, 1], in float32
    as numpy computes it for the float32 arrays); return sums of need, awareness*need and
    awareness, and the largest awareness and awareness*need (the bound of anyone's reach)."""
    n, n_domains = welfare.shape
    rate = np.float32(decay)
    need_sum = np.empty(n_domains)
    aware_need = np.empty(n_domains)
    aware_need_peak = np.empty(n_domains)
    for d in range(n_domains):
        need_sum[d] = 0.0
        aware_need[d] = 0.0
        aware_need_peak[d] = 0.0
    aware_sum = 0.0
    aware_peak = 0.0
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
    sums = np.empty((2, 4, n_domains))
    for g in range(2):
        for s in range(4):
            for d in range(n_domains):
                sums[g, s, d] = 0.0
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
def serve_terms(
    c0: np.ndarray,
    c1: np.ndarray,
    mean_need: np.ndarray,
    aware_peak: float,
    aware_need_peak: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, bool]:
    """serve's terms for each group of channels (0 coordinated, 1 the others), and whether
    the shared registry may saturate. Returns (terms, saturable): terms (2, 3, D) holds each
    group's rows c0, k1 = c1 / mean need and a water-fill scale of 1; saturable is whether
    any domain's bound on a coordinated citizen's chance passes `limit`. In numpy:

        k1 = c1 / mean_need
        bound = c0[0] * aware_peak + k1[0] * aware_need_peak
        saturable = (bound > limit).any()
        terms = np.array([[c0[g], k1[g], np.ones(D)] for g in (0, 1)])
    """
    n_domains = c0.shape[1]
    terms = np.empty((2, 3, n_domains))
    saturable = False
    for g in range(2):
        for d in range(n_domains):
            k1 = c1[g, d] / mean_need[d]
            terms[g, 0, d], terms[g, 1, d], terms[g, 2, d] = c0[g, d], k1, 1.0
            if g == 0 and c0[g, d] * aware_peak + k1 * aware_need_peak[d] > limit:
                saturable = True
    return terms, saturable


@njit(cache=True)
def coordinated_reach(
    welfare: np.ndarray, awareness: np.ndarray, c0: np.ndarray, k1: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per domain: max of scale*lambda over citizens and sum of min(1, scale*lambda)."""
    n, n_domains = welfare.shape
    peak = np.empty(n_domains)
    capped = np.empty(n_domains)
    for d in range(n_domains):
        peak[d] = 0.0
        capped[d] = 0.0
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

    Two passes. The first computes every citizen's chances in each domain: a loop without
    branches over contiguous arrays, which the compiler vectorizes (several citizens per
    instruction, each with the same operations as alone). The second serves citizens in
    order and sums in the same order as one pass would: the same bits, in about two thirds
    of the time. (Written out here, not as a function of its own: inlining one would cost
    the first run a third of a second of compiling.)
    """
    n, n_domains = welfare.shape
    # First pass, (D, n) each: the chance of a coordinated unit, the expected uncoordinated
    # units, and their chance of reaching the citizen by series (valid below SERIES_LIMIT).
    # Need is gathered domain by domain into a contiguous array, so the loop is vectorized.
    chance_c = np.empty((n_domains, n))
    units = np.empty((n_domains, n))
    chance_u = np.empty((n_domains, n))
    needs = np.empty(n)
    for d in range(n_domains):
        for i in range(n):
            needs[i] = 1.0 - welfare[i, d]
        c0 = coord[0, d]
        k1 = coord[1, d]
        scale = coord[2, d]
        u0 = uncoord[0, d]
        u1 = uncoord[1, d]
        for i in range(n):
            lam_c = awareness[i] * (c0 + k1 * needs[i]) * scale
            chance_c[d, i] = lam_c if lam_c < 1.0 else 1.0
            lam_u = awareness[i] * (u0 + u1 * needs[i])
            units[d, i] = lam_u
            chance_u[d, i] = reach_series(lam_u)
    # Second pass: serve, in citizen order.
    hits_c = 0.0
    units_u = 0.0
    reach_u = 0.0
    overlap = 0.0
    gained = 0.0
    domain_sum = np.empty(n_domains)
    for d in range(n_domains):
        domain_sum[d] = 0.0
    reached = 0
    for i in range(n):
        boost = 1.0 + ownership if participating[i] else 1.0
        product = 1.0
        any_hit = False
        for d in range(n_domains):
            p_c = chance_c[d, i]
            lam_u = units[d, i]
            p_u = -math.expm1(-lam_u) if lam_u >= SERIES_LIMIT else chance_u[d, i]
            x = draws[i, d]
            w = welfare[i, d]
            if x < p_c + p_u - p_c * p_u:
                need = 1.0 - w
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
