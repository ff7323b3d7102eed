"""Service delivery to citizens: reach (B1), duplication and coordination (B3), targeting by
need (B5, B7) and quality from expertise (B6).

Every provider channel (an organization alone, or a partnership's pool) offers service units
in each domain. A unit reaches citizen i with probability proportional to
awareness_i * ((1 - tau) + tau * need_i / mean need), where tau is the channel's targeting.
Because that weight is linear in need, the expected units per citizen from all channels
collapse into two coefficients per domain, so delivery costs O(citizens), not
O(citizens x channels).

Coordinated channels share one registry and never serve the same person twice in a month:
a citizen gets a coordinated unit with probability p_c = min(1, s lambda_c) (water-filling).
Uncoordinated channels draw independently, so a citizen receives Poisson(lambda_u) units
and is served by them with probability p_u = 1 - exp(-lambda_u); all units beyond the first
are duplicated effort, E = lambda_u - p_u per citizen, plus p_c p_u where both reach the
same person. One uniform draw per citizen and domain decides: coordinated if u < p_c, served
if u < 1 - (1 - p_c)(1 - p_u).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import kernels
from .population import CitizenPopulation

Array = NDArray[np.float64]
_EPS = 1e-12
FILL_ITERATIONS = 40
SATURATION_MARGIN = 1e-9  # rounding room when a bound rules out saturation


@dataclass(frozen=True)
class Channels:
    """Service channels for one month: units (P, D), quality (P, D), targeting (P,)."""

    units: Array
    quality: Array
    targeting: Array
    coordinated: NDArray[np.bool_]


@dataclass(frozen=True)
class Delivery:
    """What one month of delivery did."""

    units: float  # units offered
    hits: float  # expected units received, duplicates included
    reached: int  # citizens served in at least one domain
    welfare_gain: float  # sum of welfare gained over citizens and domains
    duplicates: float  # expected units that reached someone already served


def channel_offers(
    channels: Channels, aware_sum: float, aware_relneed: Array
) -> tuple[Array, Array, Array, Array]:
    """What each group of channels offers: (units, mean quality, c0, c1), each (2 x D), row 0
    the coordinated channels and row 1 the others, with lambda_i = a_i (c0 + c1 * need_i /
    mean need) the units citizen i can expect from the group.

    A channel with u units and targeting tau gives citizen i the expected share
    a_i ((1 - tau) + tau n_i) / Z with Z = A (1 - tau) + tau B, A = sum a, B = sum a n.
    The sums over a month's few hundred channels are one compiled pass (kernels.channel_sums).
    """
    sums = kernels.channel_sums(
        channels.units,
        channels.quality,
        channels.targeting,
        channels.coordinated,
        aware_sum,
        aware_relneed,
        _EPS,
    )
    units = sums[:, 0]
    return units, sums[:, 1] / np.maximum(units, _EPS), sums[:, 2], sums[:, 3]


def water_fill_scale(pop: CitizenPopulation, c0: Array, k1: Array, total: Array) -> Array:
    """Scale s per domain so that sum_i min(1, s lambda_i) = total units (none lost).

    A shared registry sends units that would reach someone already served to the next person
    in line. Domains where nobody is offered more than one unit keep s = 1.
    """
    scale = np.ones_like(total)
    for _ in range(FILL_ITERATIONS):
        peak, capped = kernels.coordinated_reach(pop.welfare, pop.awareness, c0, k1, scale)
        saturated = (peak > 1.0) & (capped > _EPS) & (capped < pop.n - 1e-9)
        if not saturated.any():
            break
        new = np.where(saturated, scale * total / np.maximum(capped, _EPS), scale)
        if np.all(np.abs(new - scale) <= 1e-12 * scale):
            break
        scale = new
    return scale


def deliver(
    pop: CitizenPopulation,
    channels: Channels,
    *,
    decay: float,
    service_effect: float,
    ownership_effect: float,
    rng: np.random.Generator,
) -> Delivery:
    """Erode welfare by `decay` x each citizen's vulnerability, then deliver one month of
    services and lift welfare."""
    n, n_domains = pop.welfare.shape
    need_sum, aware_need, aware_sum, aware_peak, aware_need_peak = kernels.decay_and_sum_need(
        pop.welfare, pop.awareness, pop.vulnerability, decay
    )
    mean_need = np.maximum(need_sum / n, _EPS)
    units, quality, c0, c1 = channel_offers(channels, aware_sum, aware_need / mean_need)
    # No citizen's chance of a coordinated unit exceeds a bound (awareness and need at their
    # peaks): only when it may pass 1 can the shared registry saturate and water-fill.
    terms, saturable = kernels.serve_terms(
        c0, c1, mean_need, aware_peak, aware_need_peak, 1.0 - SATURATION_MARGIN
    )
    if saturable:
        terms[0, 2] = water_fill_scale(pop, terms[0, 0], terms[0, 1], units[0])
    draws = rng.random((n, n_domains), dtype=np.float32)
    composite = np.empty(n, dtype=np.float32)
    hits_c, units_u, reach_u, overlap, gained, domain_sum, reached = kernels.serve(
        pop.welfare,
        pop.awareness,
        pop.participating,
        draws,
        terms[0],
        terms[1],
        quality[0],
        quality[1],
        service_effect,
        ownership_effect,
        pop.served_any,
        composite,
    )
    pop.refresh(composite=composite, domain_means=domain_sum / n)
    return Delivery(
        units=float(channels.units.sum()),
        hits=hits_c + units_u,
        reached=int(reached),
        welfare_gain=gained,
        duplicates=units_u - reach_u + overlap,
    )
