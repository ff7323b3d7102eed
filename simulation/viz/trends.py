"""Time series: welfare and its domains, inequality, trust, and partnerships by kind (SVG).

Four panels, one SVG each, so the page can lay them out in one or two columns and keep their
text readable.  Each panel can draw the previous run of the same tab faintly underneath, so a
teacher can reset with another setting and compare the two curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation import DOMAINS, KINDS
from simulation.i18n import t
from simulation.viz.frame import Frame
from simulation.viz.style import DOMAIN_COLORS, KIND_COLORS
from simulation.viz.svg import PANEL_WIDTH, Axes, Svg, legend

TRUST_COLOR = "#1B7837"
GINI_COLOR = "#7D3C98"
PREVIOUS_COLOR = "#9AA5B1"
PLOT = (66.0, 48.0, PANEL_WIDTH - 86.0, 190.0)  # x, y, width, height of every plot area
LEGEND_TOP = 318.0
ROW = 24.0
PANELS: tuple[str, ...] = ("welfare", "gini", "trust", "partnerships")


def _span(
    values: np.ndarray, previous: pd.DataFrame | None, column: str, floor: float = 0.05
) -> tuple[float, float]:
    """y-limits hugging the data (and the previous run's ``column``, when it is drawn) with a
    margin, at least ``floor`` tall, so the two runs share one scale."""
    if previous is not None:
        values = np.concatenate([np.ravel(values), previous[column].to_numpy()])
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
    keep = x <= ax.xlim[1]
    x, y = x[keep], y[keep]
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


class _Panel:
    """One chart: its SVG, its axes and the shared month data."""

    def __init__(
        self,
        name: str,
        frame: Frame,
        *,
        lang: str,
        previous: pd.DataFrame | None,
        ylim: tuple[float, float],
        legend_rows: int,
    ) -> None:
        self.frame, self.lang, self.previous = frame, lang, previous
        self.x = frame.metrics["step"].to_numpy(dtype=float)
        last = max(12, int(self.x[-1]))
        if previous is not None and len(previous):
            last = max(last, int(previous["step"].iloc[-1]))
        self.svg = Svg(
            PANEL_WIDTH,
            LEGEND_TOP + ROW * legend_rows,
            label=t(lang, f"ts_{name}"),
            css_class=f"kemitraan-svg kemitraan-trend kemitraan-trend-{name}",
        )
        self.ax = Axes(*PLOT, (0.0, float(last)), ylim)
        self.ax.frame(self.svg, title=t(lang, f"ts_{name}"), xlabel=t(lang, "ts_xlabel"), lang=lang)
        _shocks(self.svg, self.ax, frame.shock_steps)

    def faint(self, column: str) -> None:
        """The previous run's curve of ``column``, in light grey underneath."""
        if self.previous is None or column not in self.previous:
            return
        _series(
            self.svg,
            self.ax,
            self.previous["step"].to_numpy(dtype=float),
            self.previous[column].to_numpy(dtype=float),
            PREVIOUS_COLOR,
            width=2.4,
            title=t(self.lang, "previous_run"),
        )

    def line(self, column: str, color: str, width: float, title: str, dash: str | None = None):
        """This run's curve of ``column``."""
        y = self.frame.metrics[column].to_numpy(dtype=float)
        _series(self.svg, self.ax, self.x, y, color, width=width, dash=dash, title=title)

    def legend(self, items: list[tuple[str, str, str]], columns: int = 1, x: float = 16.0):
        """Legend rows under the plot; the previous run joins when it is drawn."""
        if self.previous is not None:
            items = [*items, ("line", PREVIOUS_COLOR, t(self.lang, "previous_run"))]
        legend(self.svg, x, LEGEND_TOP - 4, items, columns=columns, col_width=226)


def _rows(items: int, columns: int, previous: pd.DataFrame | None) -> int:
    return -(-(items + (previous is not None)) // columns)


def welfare_panel(frame: Frame, lang: str, previous: pd.DataFrame | None = None) -> str:
    """Community welfare (bold) and its four domains."""
    df = frame.metrics
    cols = ["community_welfare", *(f"welfare_{d}" for d in DOMAINS)]
    panel = _Panel(
        "welfare",
        frame,
        lang=lang,
        previous=previous,
        ylim=_span(df[cols].to_numpy(), previous, "community_welfare", 0.1),
        legend_rows=_rows(5, 2, previous),
    )
    panel.faint("community_welfare")
    for d in DOMAINS:
        panel.line(f"welfare_{d}", DOMAIN_COLORS[d], 1.6, t(lang, f"domain_{d}"))
    panel.line("community_welfare", "#111", 3.0, t(lang, "ts_community"))
    panel.legend(
        [("line", "#111", t(lang, "ts_community"))]
        + [("line", DOMAIN_COLORS[d], t(lang, f"domain_{d}")) for d in DOMAINS],
        columns=2,
    )
    return str(panel.svg)


def gini_panel(frame: Frame, lang: str, previous: pd.DataFrame | None = None) -> str:
    """Inequality of welfare."""
    panel = _Panel(
        "gini",
        frame,
        lang=lang,
        previous=previous,
        ylim=_span(frame.metrics["gini"].to_numpy(), previous, "gini"),
        legend_rows=_rows(1, 1, previous),
    )
    panel.faint("gini")
    panel.line("gini", GINI_COLOR, 2.4, "Gini")
    panel.legend([("line", GINI_COLOR, t(lang, "ts_gini"))])
    return str(panel.svg)


def trust_panel(frame: Frame, lang: str, previous: pd.DataFrame | None = None) -> str:
    """Mean trust between all pairs and between partners."""
    panel = _Panel(
        "trust",
        frame,
        lang=lang,
        previous=previous,
        ylim=(0.0, 1.0),
        legend_rows=_rows(2, 1, previous),
    )
    panel.faint("mean_trust")
    panel.line("mean_trust", TRUST_COLOR, 2.4, t(lang, "ts_trust_all"))
    df = frame.metrics
    partnered = df["active_partnerships"].to_numpy() > 0  # no partners, no partner trust
    _series(
        panel.svg,
        panel.ax,
        panel.x[partnered],
        df["partner_trust"].to_numpy()[partnered],
        TRUST_COLOR,
        width=1.8,
        dash="6 4",
        title=t(lang, "ts_trust_partners"),
    )
    panel.legend(
        [
            ("line", TRUST_COLOR, t(lang, "ts_trust_all")),
            ("dash", TRUST_COLOR, t(lang, "ts_trust_partners")),
        ]
    )
    return str(panel.svg)


def partnerships_panel(frame: Frame, lang: str, previous: pd.DataFrame | None = None) -> str:
    """Active partnerships stacked by kind, with the formal and informal totals."""
    df = frame.metrics
    top = float(df["active_partnerships"].max())
    if previous is not None:
        top = max(top, float(previous["active_partnerships"].max()))
    rows = _rows(len(KINDS) + 2, 2, previous)
    panel = _Panel(
        "partnerships",
        frame,
        lang=lang,
        previous=previous,
        ylim=(0.0, max(4.0, top * 1.15)),
        legend_rows=rows,
    )
    x, ax, svg = panel.x, panel.ax, panel.svg
    cum = np.cumsum(np.vstack([df[f"partnerships_{k}"].to_numpy(dtype=float) for k in KINDS]), 0)
    base = np.zeros_like(x)
    for k, kind in enumerate(KINDS):
        upper = cum[k]
        if (upper - base).any():
            pts = list(zip(map(ax.sx, x), map(ax.sy, upper), strict=True))
            pts += list(zip(map(ax.sx, x[::-1]), map(ax.sy, base[::-1]), strict=True))
            svg.polygon(pts, KIND_COLORS[kind], opacity=0.85, title=t(lang, f"kind_{kind}"))
        base = upper
    panel.faint("active_partnerships")
    panel.line("formal_partnerships", "#111", 2.2, t(lang, "ts_total_formal"))
    panel.line("informal_partnerships", "#111", 1.8, t(lang, "ts_total_informal"), dash="6 4")
    panel.legend(
        [("box", KIND_COLORS[k], t(lang, f"kind_{k}")) for k in KINDS]
        + [
            ("line", "#111", t(lang, "ts_total_formal")),
            ("dash", "#111", t(lang, "ts_total_informal")),
        ],
        columns=2,
        x=6.0,
    )
    return str(panel.svg)


def draw_trends(frame: Frame, lang: str, previous: pd.DataFrame | None = None) -> list[str]:
    """The four panels sharing the month axis; shocks as dotted vertical lines."""
    return [
        welfare_panel(frame, lang, previous),
        gini_panel(frame, lang, previous),
        trust_panel(frame, lang, previous),
        partnerships_panel(frame, lang, previous),
    ]
