"""Figures: a run's main metrics, and the print rules every figure of the project follows.

Every figure is drawn at the size it is printed: at most the text width of an A4 page
(210 mm less two 25 mm margins = 160 mm = 6.3 in), with every label at least 8 pt at that
size, saved at 150 dpi (so it is also sharp on screen and on paper).  `print_problems` checks
a drawn figure against these rules and against bars that do not start at zero; the tests
run it on every figure the experiments and the sweep summary draw.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .params import DOMAINS, KINDS

PRINT_WIDTH_IN = 160 / 25.4  # A4 text width with 25 mm margins
MIN_FONT_PT = 8.0
DPI = 150
STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
}


@contextmanager
def print_style() -> Iterator[None]:
    """Font sizes for figures drawn at their printed size (labels >= 8 pt)."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def new_figure(
    rows: int, cols: int, *, width: float = PRINT_WIDTH_IN, row_height: float = 2.4, **kw: Any
) -> tuple[Any, Any]:
    """A constrained-layout figure of `rows` x `cols` panels, `width` inches wide (the A4
    text width by default), without pyplot's global state."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, row_height * rows), layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False, **kw)


def save(fig: Any, path: Path) -> Path:
    """Write `fig` as a PNG at `DPI`."""
    fig.savefig(path, dpi=DPI)
    return path


def print_problems(fig: Any) -> list[str]:
    """What makes `fig` unfit for print: labels below `MIN_FONT_PT` once the figure is
    scaled to the A4 text width (if wider), tick labels that overlap, bars whose value axis
    leaves out zero.
    Empty when the figure is fine."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.container import BarContainer
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    scale = min(1.0, PRINT_WIDTH_IN / fig.get_figwidth())
    problems = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        printed = t.get_fontsize() * scale
        if printed < MIN_FONT_PT - 1e-9:
            problems.append(f"text {t.get_text()!r}: {printed:.1f} pt when printed")
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        if ax.get_visible():
            problems += _overlapping_ticks(ax, renderer)
        for c in ax.containers:
            if isinstance(c, BarContainer):
                lo, hi = ax.get_ylim() if c.orientation == "vertical" else ax.get_xlim()
                if not min(lo, hi) <= 0 <= max(lo, hi):
                    problems.append(f"bars in {ax.get_title()!r} do not start at zero")
    return problems


def _overlapping_ticks(ax: Any, renderer: Any) -> list[str]:
    """Tick labels of one axis that overlap their neighbour (unreadable when printed)."""
    out = []
    for axis, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())):
        shown = [t for t in labels if t.get_text().strip() and t.get_rotation() % 90 == 0]
        boxes = [t.get_window_extent(renderer) for t in shown]  # exact for upright labels
        boxes.sort(key=lambda b: b.x0 if axis == "x" else b.y0)
        for a, b in itertools.pairwise(boxes):
            if a.overlaps(b):
                out.append(f"{axis} tick labels overlap in {ax.get_title()!r}")
                break
    return out


def run_figure(frame: pd.DataFrame, title: str) -> Any:
    """Four panels: welfare and domains; inequality and reach; partnerships by kind; trust."""
    with print_style():
        fig, axes = new_figure(2, 2, row_height=3.1, sharex=True)
        step = frame["step"]
        ax = axes[0, 0]
        ax.plot(step, frame["community_welfare"], color="black", lw=2.0, label="community")
        for d in DOMAINS:
            ax.plot(step, frame[f"welfare_{d}"], lw=1.0, label=d)
        ax.set(title="Welfare", ylabel="index (0-1)", ylim=(0, 1))
        ax.legend(ncol=2)
        ax = axes[0, 1]
        for col, label in (("gini", "Gini"), ("coverage", "coverage"), ("sen_welfare", "Sen W")):
            ax.plot(step, frame[col], label=label)
        ax.set(title="Inequality and reach", ylim=(0, 1))
        ax.legend()
        ax = axes[1, 0]
        ax.stackplot(step, *(frame[f"partnerships_{k}"] for k in KINDS), labels=KINDS)
        ax.set(title="Active partnerships by kind", xlabel="month", ylabel="count")
        ax.set_ylim(0, 1.4 * max(ax.get_ylim()[1], 1))  # room for the legend above the stack
        ax.legend(ncol=4, loc="upper left")
        ax = axes[1, 1]
        ax.plot(step, frame["mean_trust"], label="all pairs")
        ax.plot(step, frame["partner_trust"], label="between partners")
        ax.plot(step, frame["partnership_survival"], label="survival", ls="--")
        ax.set(title="Trust and survival", xlabel="month", ylim=(0, 1))
        ax.legend()
        fig.suptitle(title)
    return fig


def save_run_figure(frame: pd.DataFrame, title: str, path: Path) -> None:
    """Write the run figure as a PNG."""
    save(run_figure(frame, title), path)
