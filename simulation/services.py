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


def reach_coefficients(
    units: Array, targeting: Array, aware_sum: float, aware_relneed: Array
) -> tuple[Array, Array]:
    """(c0, c1) per domain with lambda_i = a_i (c0 + c1 * need_i / mean need).

    A channel with u units and targeting tau gives citizen i the expected share
    a_i ((1 - tau) + tau n_i) / Z with Z = A (1 - tau) + tau B, A = sum a, B = sum a n.
    """
    tau = targeting[:, None]
    z = np.maximum(aware_sum * (1.0 - tau) + tau * aware_relneed[None, :], _EPS)
    return (units * (1.0 - tau) / z).sum(axis=0), (units * tau / z).sum(axis=0)


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
    keep = np.clip(1.0 - decay * pop.vulnerability, 0.0, 1.0).astype(np.float32)
    need_sum, aware_need, aware_sum = kernels.decay_and_sum_need(pop.welfare, pop.awareness, keep)
    mean_need = np.maximum(need_sum / n, _EPS)
    aware_relneed = aware_need / mean_need
    rows = {}
    quality = {}
    for flag in (True, False):
        sel = channels.coordinated if flag else ~channels.coordinated
        units = channels.units[sel]
        total = units.sum(axis=0)
        c0, c1 = reach_coefficients(units, channels.targeting[sel], aware_sum, aware_relneed)
        k1 = c1 / mean_need
        scale = water_fill_scale(pop, c0, k1, total) if flag else np.ones(n_domains)
        rows[flag] = np.array([c0, k1, scale])
        quality[flag] = (units * channels.quality[sel]).sum(axis=0) / np.maximum(total, _EPS)
    draws = rng.random((n, n_domains), dtype=np.float32)
    composite = np.empty(n, dtype=np.float32)
    hits_c, units_u, reach_u, overlap, gained, domain_sum, reached = kernels.serve(
        pop.welfare,
        pop.awareness,
        pop.participating,
        draws,
        rows[True],
        rows[False],
        quality[True],
        quality[False],
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
