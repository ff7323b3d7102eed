"""Colours shared by all views, so a sector, domain or kind looks the same everywhere."""

from __future__ import annotations

import itertools

from simulation import DOMAINS, KINDS, Sector

# Colour-blind-safe (Okabe-Ito) sector colours.
SECTOR_COLORS: dict[Sector, str] = {
    Sector.NGO: "#E69F00",
    Sector.BUSINESS: "#0072B2",
    Sector.GOVERNMENT: "#D55E00",
    Sector.EDUCATION: "#009E73",
    Sector.COMMUNITY: "#CC79A7",
}
DOMAIN_COLORS: dict[str, str] = dict(
    zip(DOMAINS, ("#C0392B", "#2E86C1", "#A67C00", "#1E8449"), strict=True)
)
KIND_COLORS: dict[str, str] = dict(
    zip(
        KINDS,
        ("#E69F00", "#CC79A7", "#009E73", "#D55E00", "#F0E442", "#56B4E9", "#8E44AD"),
        strict=True,
    )
)
VOLUNTEER_COLOR = "#8E44AD"
LEFT_BEHIND = "#C0392B"
NEUTRAL = "#5D6D7E"
# Red (distrust) through amber to green (trust); fixed on 0..1 so a colour means the same
# trust every month.
TRUST_STOPS: tuple[tuple[float, str], ...] = (
    (0.0, "#B2182B"),
    (0.25, "#EF8A62"),
    (0.5, "#F2C14E"),
    (0.75, "#7FBF7B"),
    (1.0, "#1B7837"),
)


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def trust_color(value: float) -> str:
    """Colour of a trust level in [0, 1] on the red-amber-green scale."""
    v = min(1.0, max(0.0, float(value)))
    for (lo, c0), (hi, c1) in itertools.pairwise(TRUST_STOPS):
        if v <= hi:
            f = (v - lo) / (hi - lo)
            a, b = _rgb(c0), _rgb(c1)
            r, g, bl = (round(x + f * (y - x)) for x, y in zip(a, b, strict=True))
            return f"#{r:02x}{g:02x}{bl:02x}"
    return TRUST_STOPS[-1][1]
