"""The community: how citizens' welfare is spread, overall and per domain; who is left behind.

Two panels (one SVG each): a histogram of citizens' welfare with the left-behind in red, and a
box plot per welfare domain.
"""

from __future__ import annotations

import numpy as np

from simulation import DOMAINS
from simulation.i18n import number, percent, t
from simulation.viz.frame import Frame
from simulation.viz.style import DOMAIN_COLORS, LEFT_BEHIND, NEUTRAL
from simulation.viz.svg import PANEL_WIDTH, Axes, Svg, legend

# Composite welfare below which a citizen counts as left behind in the views (the model's need
# line is 0.5 per domain; a citizen in need in every domain has a composite below it).
LEFT_BEHIND_LINE = 0.3
BINS = np.linspace(0.0, 1.0, 41)
HEIGHT = 340.0


def left_behind_share(composite: np.ndarray, line: float = LEFT_BEHIND_LINE) -> float:
    """Share of citizens whose composite welfare is below ``line``."""
    return float((composite < line).mean()) if composite.size else 0.0


def _left_behind_marker(svg: Svg, ax: Axes, *, width: float) -> None:
    """Dashed vertical line at the welfare level below which a citizen is left behind."""
    x = ax.sx(LEFT_BEHIND_LINE)
    svg.line(x, ax.y, x, ax.y + ax.h, LEFT_BEHIND, width=width, dash="5 3")


def histogram(frame: Frame, lang: str) -> str:
    """Citizens counted by composite welfare; participants solid, the others faint."""
    svg = Svg(
        PANEL_WIDTH,
        HEIGHT,
        label=t(lang, "community_title", step=frame.step),
        css_class="kemitraan-svg kemitraan-community kemitraan-histogram",
    )
    w, part = frame.composite, frame.participating
    counts_n, _ = np.histogram(w[~part], BINS)
    counts_p, _ = np.histogram(w[part], BINS)
    total = counts_n + counts_p
    top = max(5.0, float(total.max()) * 1.3)
    ax = Axes(66, 56, PANEL_WIDTH - 86, 200, (0.0, 1.0), (0.0, top))
    ax.frame(
        svg,
        xlabel=t(lang, "hist_xlabel"),
        ylabel=t(lang, "hist_ylabel"),
        xticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        lang=lang,
    )
    svg.rect(ax.sx(0), ax.y, ax.sx(LEFT_BEHIND_LINE) - ax.sx(0), ax.h, LEFT_BEHIND, opacity=0.06)
    for k, lo in enumerate(BINS[:-1]):
        color = LEFT_BEHIND if lo < LEFT_BEHIND_LINE - 1e-9 else NEUTRAL
        x0, x1 = ax.sx(lo) + 0.5, ax.sx(BINS[k + 1]) - 0.5
        label = t(
            lang,
            "tip_bin",
            low=number(lang, lo, 3),
            high=number(lang, BINS[k + 1], 3),
            count=int(total[k]),
        )
        if counts_n[k]:
            height = ax.sy(0) - ax.sy(counts_n[k])
            svg.rect(x0, ax.sy(counts_n[k]), x1 - x0, height, color, opacity=0.45, title=label)
        if counts_p[k]:
            y_top, y_bottom = ax.sy(total[k]), ax.sy(counts_n[k])
            svg.rect(x0, y_top, x1 - x0, y_bottom - y_top, color, title=label)
    mean = float(w.mean()) if w.size else 0.0
    svg.line(ax.sx(mean), ax.y, ax.sx(mean), ax.y + ax.h, "#111", width=1.6)
    mean_text = t(lang, "hist_mean", value=number(lang, mean))
    right = ax.sx(mean) + 4 + 0.56 * 17 * len(mean_text) < ax.x + ax.w
    svg.text(
        ax.sx(mean) + (4 if right else -4), ax.y + 18, mean_text, anchor="start" if right else "end"
    )
    _left_behind_marker(svg, ax, width=1.4)
    svg.text(
        ax.sx(LEFT_BEHIND_LINE) + 4,
        ax.y + 40,
        t(lang, "hist_left_behind", share=percent(lang, left_behind_share(w))),
        fill=LEFT_BEHIND,
        weight="700",
    )
    legend(
        svg,
        12,
        22,
        [
            ("box", NEUTRAL, t(lang, "participants")),
            ("box", "#aeb6bf", t(lang, "non_participants")),
        ],
        columns=2,
        col_width=200,
    )
    return str(svg)


def domains(frame: Frame, lang: str) -> str:
    """One box plot per welfare domain: middle half in the box, 5% to 95% in the whiskers."""
    svg = Svg(
        PANEL_WIDTH,
        HEIGHT,
        label=t(lang, "domains_xlabel"),
        css_class="kemitraan-svg kemitraan-community kemitraan-domains",
    )
    ax = Axes(170, 40, PANEL_WIDTH - 190, 216, (0.0, 1.0), (0.0, float(len(DOMAINS))))
    ax.frame(
        svg,
        xlabel=t(lang, "domains_xlabel"),
        xticks=[0, 0.25, 0.5, 0.75, 1.0],
        yticks=[],
        grid=False,
        lang=lang,
    )
    for v in (0.25, 0.5, 0.75):
        svg.line(ax.sx(v), ax.y, ax.sx(v), ax.y + ax.h, "#e3e3e3", width=1.0)
    _left_behind_marker(svg, ax, width=1.2)
    for k, d in enumerate(DOMAINS):
        values = frame.welfare[:, k]
        p5, p25, p50, p75, p95 = (float(v) for v in np.percentile(values, [5, 25, 50, 75, 95]))
        cy = ax.sy(len(DOMAINS) - k - 0.5)
        color = DOMAIN_COLORS[d]
        label = t(lang, f"domain_{d}")
        title = t(
            lang,
            "tip_domain",
            domain=label,
            **{
                f"p{q}": number(lang, v)
                for q, v in zip((5, 25, 50, 75, 95), (p5, p25, p50, p75, p95), strict=True)
            },
        )
        svg.line(ax.sx(p5), cy, ax.sx(p95), cy, color, width=1.8)
        svg.line(ax.sx(p5), cy - 8, ax.sx(p5), cy + 8, color, width=1.8)
        svg.line(ax.sx(p95), cy - 8, ax.sx(p95), cy + 8, color, width=1.8)
        svg.rect(ax.sx(p25), cy - 16, ax.sx(p75) - ax.sx(p25), 32, color, opacity=0.8, title=title)
        svg.line(ax.sx(p50), cy - 16, ax.sx(p50), cy + 16, "#111", width=2.0)
        svg.text(ax.x - 10, cy + 6, label, anchor="end", fill=color, weight="600")
    return str(svg)


def draw_community(frame: Frame, lang: str) -> list[str]:
    """The histogram and the per-domain box plots."""
    return [histogram(frame, lang), domains(frame, lang)]
