"""The partnership network: organizations as nodes, partnerships as edges (SVG).

The layout is fixed by sector and index (sector clusters on a pentagon, members on a sunflower
spiral), so a node never moves between frames and the same town always looks the same: students
can follow one organization month after month.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulation import Sector
from simulation.i18n import t
from simulation.viz.frame import Frame
from simulation.viz.narrative import org_label
from simulation.viz.style import SECTOR_COLORS, TRUST_STOPS, VOLUNTEER_COLOR, trust_color
from simulation.viz.svg import Svg, legend

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
CLUSTER_RADIUS = 0.42
WIDTH, HEIGHT = 640.0, 545.0
SCALE = 150.0  # pixels per layout unit
CENTER = (WIDTH / 2, 262.0)


def layout(sectors: Sequence[Sector]) -> np.ndarray:
    """(n, 2) positions: one cluster per sector present, deterministic (no random numbers)."""
    present = [s for s in Sector if s in set(sectors)]
    n_max = max((sum(1 for x in sectors if x is s) for s in present), default=1)
    scale = CLUSTER_RADIUS / math.sqrt(n_max)
    if len(present) == 1:
        centers = {present[0]: (0.0, 0.0)}
    else:
        centers = {
            s: (
                math.cos(math.pi / 2 + 2 * math.pi * k / len(present)),
                math.sin(math.pi / 2 + 2 * math.pi * k / len(present)),
            )
            for k, s in enumerate(present)
        }
    pos = np.zeros((len(sectors), 2))
    seen: dict[Sector, int] = {}
    for i, s in enumerate(sectors):
        j = seen.get(s, 0)
        seen[s] = j + 1
        r = scale * math.sqrt(j + 0.5)
        pos[i] = (
            centers[s][0] + r * math.cos(j * GOLDEN_ANGLE),
            centers[s][1] + r * math.sin(j * GOLDEN_ANGLE),
        )
    return pos


def node_radii(budgets: np.ndarray, reference: float) -> np.ndarray:
    """Radii growing with the square root of reserves, against a fixed reference budget."""
    rel = np.sqrt(np.clip(budgets, 0.0, None) / max(reference, 1e-12))
    return 4.0 + 6.0 * np.clip(rel, 0.0, 2.5)


def to_pixels(pos: np.ndarray) -> np.ndarray:
    """Layout units to SVG pixels (y up in layout, down in SVG)."""
    return np.column_stack([CENTER[0] + SCALE * pos[:, 0], CENTER[1] - SCALE * pos[:, 1]])


def draw_network(frame: Frame, lang: str, reference_budget: float) -> str:
    """SVG of the organizations and their active partnerships."""
    svg = Svg(
        WIDTH,
        HEIGHT,
        label=t(lang, "network_title", step=frame.step),
        css_class="kemitraan-svg kemitraan-network",
    )
    px = to_pixels(layout(frame.sectors))
    radii = node_radii(frame.budgets, reference_budget)
    memberships = np.zeros(len(frame.sectors), dtype=int)
    for tie in frame.ties:
        memberships[tie.a] += 1
        memberships[tie.b] += 1

    for tie in sorted(frame.ties, key=lambda e: e.formal):  # formal drawn on top
        a, b = px[tie.a], px[tie.b]
        kind = t(lang, f"kind_{tie.kind}")
        form = t(lang, "formal" if tie.formal else "informal")
        title = (
            f"{org_label(frame.names[tie.a], lang)} - {org_label(frame.names[tie.b], lang)}: "
            f"{kind}, {form}, {t(lang, 'kpi_trust').lower()} {tie.trust:.2f}"
        )
        svg.line(
            a[0],
            a[1],
            b[0],
            b[1],
            trust_color(tie.trust),
            width=3.2 if tie.formal else 2.2,
            dash=None if tie.formal else "7 5",
            opacity=0.9,
            title=title,
        )

    for host, count in sorted(frame.volunteers.items()):
        svg.circle(
            px[host, 0],
            px[host, 1],
            radii[host] + 4.0 + min(8.0, count / 3.0),
            "none",
            stroke=VOLUNTEER_COLOR,
            width=2.2,
            title=f"{org_label(frame.names[host], lang)}: {count} {t(lang, 'legend_volunteers')}",
        )
    for i, sector in enumerate(frame.sectors):
        svg.circle(
            px[i, 0],
            px[i, 1],
            radii[i],
            SECTOR_COLORS[sector],
            stroke="white",
            width=1.2,
            css_class="org",
            title=f"{org_label(frame.names[i], lang)}: {frame.budgets[i]:.1f}",
        )

    for s in Sector:
        members = [i for i, x in enumerate(frame.sectors) if x is s]
        if not members:
            continue
        cx, cy = px[members].mean(axis=0)
        dx, dy = cx - CENTER[0], cy - CENTER[1]
        norm = math.hypot(dx, dy)
        lx, ly = (cx + 88 * dx / norm, cy + 88 * dy / norm) if norm > 1 else (cx, cy - 90)
        svg.text(
            lx,
            ly + 5,
            t(lang, f"sector_{s.value}"),
            size=15,
            anchor="middle",
            fill=SECTOR_COLORS[s],
            weight="700",
        )

    if not frame.ties and not frame.volunteers:
        svg.rect(CENTER[0] - 190, CENTER[1] - 16, 380, 32, "white", opacity=0.92, stroke="#cccccc")
        svg.text(
            CENTER[0],
            CENTER[1] + 5,
            t(lang, "network_empty"),
            size=13,
            anchor="middle",
            fill="#444",
        )

    # legend: line styles and volunteers, then the trust scale
    legend(
        svg,
        20,
        HEIGHT - 62,
        [
            ("line", "#555", t(lang, "formal")),
            ("dash", "#555", t(lang, "informal")),
            ("ring", VOLUNTEER_COLOR, t(lang, "legend_volunteers")),
        ],
        columns=3,
        col_width=205,
        size=12.5,
    )
    svg.gradient("trust-scale", TRUST_STOPS)
    x0, y0, w = 150.0, HEIGHT - 34, 340.0
    svg.text(x0 - 8, y0 + 10, t(lang, "legend_trust"), size=11, anchor="end", fill="#333")
    svg.rect(x0, y0, w, 12, "url(#trust-scale)")
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        svg.text(x0 + v * w, y0 + 26, f"{v:g}", size=10, anchor="middle", fill="#555")
    return str(svg)
