"""The partnership network: organizations as nodes, partnerships as edges (SVG).

The layout is fixed by sector and index (sector clusters on a pentagon, members on a sunflower
spiral), so a node never moves between frames and the same town always looks the same: students
can follow one organization month after month.  Each node carries ``data-org`` (its index), so
a click on it opens the organization's details.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulation import Sector
from simulation.i18n import number, t
from simulation.viz.frame import Frame
from simulation.viz.narrative import org_label
from simulation.viz.style import SECTOR_COLORS, TRUST_STOPS, VOLUNTEER_COLOR, trust_color
from simulation.viz.svg import PANEL_WIDTH, SMALL, Svg, legend

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
CLUSTER_RADIUS = 0.42
WIDTH = PANEL_WIDTH
SCALE = 118.0  # pixels per layout unit
CENTER = (WIDTH / 2, 210.0)
LEGEND_TOP = 400.0
HEIGHT = LEGEND_TOP + 3 * 24 + 78
CHAR = 0.56  # average glyph width per unit of font size, to keep labels inside the panel


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
    return 4.0 + 5.0 * np.clip(rel, 0.0, 2.5)


def to_pixels(pos: np.ndarray) -> np.ndarray:
    """Layout units to SVG pixels (y up in layout, down in SVG)."""
    return np.column_stack([CENTER[0] + SCALE * pos[:, 0], CENTER[1] - SCALE * pos[:, 1]])


def _ties(svg: Svg, frame: Frame, px: np.ndarray, lang: str) -> None:
    for tie in sorted(frame.ties, key=lambda e: e.formal):  # formal drawn on top
        a, b = px[tie.a], px[tie.b]
        title = t(
            lang,
            "tip_tie",
            a=org_label(frame.names[tie.a], lang),
            b=org_label(frame.names[tie.b], lang),
            kind=t(lang, f"kind_{tie.kind}"),
            form=t(lang, "formal" if tie.formal else "informal"),
            trust=number(lang, tie.trust),
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


def _nodes(
    svg: Svg, frame: Frame, px: np.ndarray, radii: np.ndarray, *, lang: str, selected: int | None
) -> None:
    partnerships = np.zeros(len(frame.sectors), dtype=int)
    for index, count in frame.memberships.items():
        partnerships[index] = count
    for host, count in sorted(frame.volunteers.items()):
        svg.circle(
            px[host, 0],
            px[host, 1],
            radii[host] + 4.0 + min(8.0, count / 3.0),
            "none",
            stroke=VOLUNTEER_COLOR,
            width=2.2,
            title=t(lang, "tip_volunteers", org=org_label(frame.names[host], lang), count=count),
        )
    for i, sector in enumerate(frame.sectors):
        chosen = i == selected
        svg.circle(
            px[i, 0],
            px[i, 1],
            radii[i] + (2.0 if chosen else 0.0),
            SECTOR_COLORS[sector],
            stroke="#111" if chosen else "white",
            width=3.0 if chosen else 1.2,
            css_class="org",
            data_org=i,
            title=t(
                lang,
                "tip_org",
                org=org_label(frame.names[i], lang),
                reserves=number(lang, frame.budgets[i], 1),
                count=int(partnerships[i]),
            ),
        )


def _sector_labels(svg: Svg, frame: Frame, px: np.ndarray, lang: str) -> None:
    """Each sector's name above its cluster, kept inside the panel."""
    for s in Sector:
        members = [i for i, x in enumerate(frame.sectors) if x is s]
        if not members:
            continue
        label = t(lang, f"sector_{s.value}")
        half = 0.5 * CHAR * SMALL * len(label) + 4
        x = min(max(float(px[members, 0].mean()), half), WIDTH - half)
        y = max(float(px[members, 1].min()) - 12, SMALL + 2)
        svg.text(x, y, label, anchor="middle", fill=SECTOR_COLORS[s], weight="700")


def _legend(svg: Svg, lang: str) -> None:
    legend(
        svg,
        16,
        LEGEND_TOP,
        [
            ("line", "#555", t(lang, "formal")),
            ("dash", "#555", t(lang, "informal")),
            ("ring", VOLUNTEER_COLOR, t(lang, "legend_volunteers")),
        ],
    )
    svg.gradient("trust-scale", TRUST_STOPS)
    x0, y0, w = 24.0, LEGEND_TOP + 3 * 24 + 4, WIDTH - 60
    svg.text(x0, y0 + 6, t(lang, "legend_trust"), fill="#333")
    svg.rect(x0, y0 + 14, w, 12, "url(#trust-scale)")
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        svg.text(x0 + v * w, y0 + 46, number(lang, v, 2, trim=True), anchor="middle", fill="#444")


def draw_network(
    frame: Frame, lang: str, reference_budget: float, selected: int | None = None
) -> str:
    """SVG of the organizations and their active partnerships (``selected`` outlined)."""
    svg = Svg(
        WIDTH,
        HEIGHT,
        label=t(lang, "network_title", step=frame.step),
        css_class="kemitraan-svg kemitraan-network",
    )
    px = to_pixels(layout(frame.sectors))
    radii = node_radii(frame.budgets, reference_budget)
    _ties(svg, frame, px, lang)
    _nodes(svg, frame, px, radii, lang=lang, selected=selected)
    _sector_labels(svg, frame, px, lang)
    if not frame.ties and not frame.volunteers:
        message = t(lang, "network_empty")
        width = min(WIDTH - 8, CHAR * SMALL * len(message) + 24)
        svg.rect(CENTER[0] - width / 2, CENTER[1] - 18, width, 34, "white", opacity=0.92)
        svg.text(CENTER[0], CENTER[1] + 5, message, anchor="middle", fill="#333")
    _legend(svg, lang)
    return str(svg)
