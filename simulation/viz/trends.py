"""Time series: welfare and its domains, inequality, trust, and partnerships by kind (SVG)."""

from __future__ import annotations

import numpy as np

from simulation import DOMAINS, KINDS
from simulation.i18n import t
from simulation.viz.frame import Frame
from simulation.viz.style import DOMAIN_COLORS, KIND_COLORS
from simulation.viz.svg import Axes, Svg, legend

WIDTH, HEIGHT = 900.0, 700.0
TRUST_COLOR = "#1B7837"
GINI_COLOR = "#7D3C98"


def _span(values: np.ndarray, floor: float = 0.05) -> tuple[float, float]:
    """y-limits hugging the data with a margin, at least ``floor`` tall."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = max(floor - (hi - lo), 0.0) / 2 + 0.1 * (hi - lo)
    return max(0.0, lo - pad), min(1.0, hi + pad) if hi <= 1.0 else hi + pad


def _series(
    svg: Svg,
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    color: str,
    *,
    width: float = 1.6,
    dash: str | None = None,
    title: str | None = None,
) -> None:
    if len(x) == 0:
        return
    if len(x) == 1:
        svg.circle(ax.sx(x[0]), ax.sy(y[0]), 2.5, color, title=title)
        return
    svg.polyline(zip(map(ax.sx, x), map(ax.sy, y), strict=True), color, width, dash, title)


def _shocks(svg: Svg, ax: Axes, steps: tuple[int, ...]) -> None:
    for s in steps:
        if ax.xlim[0] <= s <= ax.xlim[1]:
            svg.line(ax.sx(s), ax.y, ax.sx(s), ax.y + ax.h, "#333", width=1.3, dash="2 3")


def draw_trends(frame: Frame, lang: str) -> str:
    """Four panels sharing the month axis; shocks as dotted vertical lines."""
    df = frame.metrics
    x = df["step"].to_numpy(dtype=float)
    xlim = (0.0, float(max(12, int(x[-1]))))
    svg = Svg(
        WIDTH, HEIGHT, label=t(lang, "trends_title"), css_class="kemitraan-svg kemitraan-trends"
    )
    w, h = 350.0, 200.0
    boxes = {"welfare": (70, 40), "gini": (520, 40), "trust": (70, 350), "parts": (520, 350)}
    xlabel = t(lang, "ts_xlabel")

    # welfare and domains
    cols = ["community_welfare", *(f"welfare_{d}" for d in DOMAINS)]
    ax = Axes(*boxes["welfare"], w, h, xlim, _span(df[cols].to_numpy(), 0.1))
    ax.frame(svg, title=t(lang, "ts_welfare"), xlabel=xlabel)
    _shocks(svg, ax, frame.shock_steps)
    for d in DOMAINS:
        _series(
            svg,
            ax,
            x,
            df[f"welfare_{d}"].to_numpy(),
            DOMAIN_COLORS[d],
            width=1.4,
            title=t(lang, f"domain_{d}"),
        )
    _series(
        svg,
        ax,
        x,
        df["community_welfare"].to_numpy(),
        "#111",
        width=2.8,
        title=t(lang, "ts_community"),
    )
    legend(
        svg,
        ax.x,
        ax.y + ax.h + 48,
        [("line", "#111", t(lang, "ts_community"))]
        + [("line", DOMAIN_COLORS[d], t(lang, f"domain_{d}")) for d in DOMAINS],
        columns=3,
        col_width=125,
        size=10,
    )

    # inequality
    gini = df["gini"].to_numpy()
    ax = Axes(*boxes["gini"], w, h, xlim, _span(gini, 0.05))
    ax.frame(svg, title=t(lang, "ts_gini"), xlabel=xlabel)
    _shocks(svg, ax, frame.shock_steps)
    _series(svg, ax, x, gini, GINI_COLOR, width=2.2, title="Gini")

    # trust
    ax = Axes(*boxes["trust"], w, h, xlim, (0.0, 1.0))
    ax.frame(svg, title=t(lang, "ts_trust"), xlabel=xlabel)
    _shocks(svg, ax, frame.shock_steps)
    _series(
        svg,
        ax,
        x,
        df["mean_trust"].to_numpy(),
        TRUST_COLOR,
        width=2.2,
        title=t(lang, "ts_trust_all"),
    )
    partnered = df["active_partnerships"].to_numpy() > 0  # no partners, no partner trust
    _series(
        svg,
        ax,
        x[partnered],
        df["partner_trust"].to_numpy()[partnered],
        TRUST_COLOR,
        width=1.6,
        dash="6 4",
        title=t(lang, "ts_trust_partners"),
    )
    legend(
        svg,
        ax.x,
        ax.y + ax.h + 48,
        [
            ("line", TRUST_COLOR, t(lang, "ts_trust_all")),
            ("dash", TRUST_COLOR, t(lang, "ts_trust_partners")),
        ],
        columns=2,
        col_width=175,
        size=10,
    )

    # partnerships by kind (stacked), with formal / informal totals
    stacks = np.vstack([df[f"partnerships_{k}"].to_numpy(dtype=float) for k in KINDS])
    top = float(df["active_partnerships"].max())
    ax = Axes(*boxes["parts"], w, h, xlim, (0.0, max(4.0, top * 1.15)))
    ax.frame(svg, title=t(lang, "ts_partnerships"), xlabel=xlabel)
    cum = np.cumsum(stacks, axis=0)
    base = np.zeros_like(x)
    for k, kind in enumerate(KINDS):
        upper = cum[k]
        if upper.max() > base.max() or (upper - base).any():
            pts = list(zip(map(ax.sx, x), map(ax.sy, upper), strict=True))
            pts += list(zip(map(ax.sx, x[::-1]), map(ax.sy, base[::-1]), strict=True))
            svg.polygon(pts, KIND_COLORS[kind], opacity=0.85, title=t(lang, f"kind_{kind}"))
        base = upper
    _shocks(svg, ax, frame.shock_steps)
    _series(
        svg,
        ax,
        x,
        df["formal_partnerships"].to_numpy(dtype=float),
        "#111",
        width=2.0,
        title=t(lang, "ts_total_formal"),
    )
    _series(
        svg,
        ax,
        x,
        df["informal_partnerships"].to_numpy(dtype=float),
        "#111",
        width=1.6,
        dash="6 4",
        title=t(lang, "ts_total_informal"),
    )
    legend(
        svg,
        ax.x - 30,
        ax.y + ax.h + 48,
        [("box", KIND_COLORS[k], t(lang, f"kind_{k}")) for k in KINDS]
        + [
            ("line", "#111", t(lang, "ts_total_formal")),
            ("dash", "#111", t(lang, "ts_total_informal")),
        ],
        columns=2,
        col_width=190,
        size=10,
    )
    return str(svg)
