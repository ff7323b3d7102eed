"""Service delivery to citizens: reach (B1), duplication and coordination (B3), targeting by
need (B5, B7) and quality from expertise (B6).

Every provider channel (an organization alone, or a partnership's pool) offers service units
in each domain. A unit reaches citizen i with probability proportional to
awareness_i * ((1 - tau) + tau * need_i / mean need), where tau is the channel's targeting.
Because that weight is linear in need, the expected units per citizen from all channels
collapse into two coefficients per domain, so delivery costs O(citizens), not
O(citizens x channels).

Coordinated channels share one registry and never serve the same person twice in a month:
a citizen gets a coordinated unit with probability min(1, lambda_c). Uncoordinated channels
draw independently, so a citizen receives Poisson(lambda_u) units of which only the first
helps: the rest is duplicated effort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .population import CitizenPopulation

Array = NDArray[np.float64]
_EPS = 1e-12


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
    hits: float  # units received, duplicates included
    served: NDArray[np.bool_]  # (n, D) served at least once
    welfare_gain: float  # sum of welfare gained over citizens and domains
    duplicates: float  # units that reached someone already served by another channel


def _expected_units(
    units: Array, targeting: Array, awareness: Array, relative_need: Array
) -> tuple[Array, Array]:
    """Expected units per citizen and domain, and the unit-weighted channel quality weights."""
    a_sum = awareness.sum()
    b = awareness @ relative_need  # (D,)
    tau = targeting[:, None]
    z = a_sum * (1.0 - tau) + tau * b[None, :]  # normalizer per channel and domain
    z = np.maximum(z, _EPS)
    c0 = (units * (1.0 - tau) / z).sum(axis=0)
    c1 = (units * tau / z).sum(axis=0)
    return awareness[:, None] * (c0[None, :] + c1[None, :] * relative_need), units.sum(axis=0)


def water_fill(lam: Array, iterations: int = 12) -> Array:
    """Chance of one coordinated unit per citizen: min(1, s * lam), s set so no unit is lost.

    A shared registry sends units that would reach someone already served to the next person
    in line, so the expected total stays sum(lam) until everyone is served.
    """
    total = lam.sum(axis=0)
    scale = np.ones_like(total)
    for _ in range(iterations):
        capped = np.minimum(scale[None, :] * lam, 1.0).sum(axis=0)
        scale = np.where(capped > _EPS, scale * total / np.maximum(capped, _EPS), scale)
    return np.minimum(scale[None, :] * lam, 1.0)


def deliver(
    pop: CitizenPopulation,
    channels: Channels,
    *,
    service_effect: float,
    ownership_effect: float,
    rng: np.random.Generator,
) -> Delivery:
    """Deliver one month of services and raise citizens' welfare in place."""
    n, n_domains = pop.welfare.shape
    need = pop.need()
    relative_need = need / np.maximum(need.mean(axis=0), _EPS)
    lam = {}
    quality = {}
    for flag in (True, False):
        sel = channels.coordinated == flag
        units = channels.units[sel]
        lam[flag], total = _expected_units(
            units, channels.targeting[sel], pop.awareness, relative_need
        )
        quality[flag] = (units * channels.quality[sel]).sum(axis=0) / np.maximum(total, _EPS)

    coordinated_hit = rng.random((n, n_domains)) < water_fill(lam[True])
    uncoordinated_hits = rng.poisson(lam[False])
    served = coordinated_hit | (uncoordinated_hits > 0)
    q = np.where(coordinated_hit, quality[True][None, :], quality[False][None, :])
    boost = 1.0 + ownership_effect * pop.participating[:, None]
    gain = np.where(served, np.minimum(service_effect * q * boost, 1.0) * need, 0.0)
    pop.welfare += gain
    pop.served = served
    pop.touch()
    hits = float(coordinated_hit.sum() + uncoordinated_hits.sum())
    n_served = float(served.sum())
    return Delivery(
        units=float(channels.units.sum()),
        hits=hits,
        served=served,
        welfare_gain=float(gain.sum()),
        duplicates=hits - n_served,
    )
