"""A tiny SVG writer with just the plotting pieces the views need.

Why not matplotlib: on the 2-core classroom-grade machine a matplotlib redraw of the four
panels took 0.4-1.4 s per month, far over the half-second budget for a Step; writing SVG text
takes a few milliseconds, stays sharp on a projector, needs no front-end library (so nothing to
fetch offline), and gives hover tooltips for free through ``<title>``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from simulation.i18n import number

FONT = "Roboto, 'Helvetica Neue', Arial, sans-serif"
# Every view is at most PANEL_WIDTH units wide and writes no text smaller than SMALL units, so
# text stays at or above 12 CSS px wherever a view is shown at least 345 px wide (a phone
# held upright, one of two columns on a 1024 px projector).
PANEL_WIDTH = 480.0
SMALL = 17.0
TITLE = 19.0


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def _attrs(**kw: object) -> str:
    out = []
    for key, value in kw.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = _num(value) if isinstance(value, float) else str(value)
        out.append(f'{name}="{escape(text, quote=True)}"')
    return " ".join(out)


def _title(title: str | None) -> str:
    return f"<title>{escape(title)}</title>" if title else ""


class Svg:
    """Accumulates SVG elements; ``str(svg)`` is a complete, scalable ``<svg>`` element."""

    def __init__(self, width: float, height: float, *, label: str = "", css_class: str = ""):
        self.width = width
        self.height = height
        self.label = label
        self.css_class = css_class
        self.defs: list[str] = []
        self.parts: list[str] = []

    def add(self, raw: str) -> None:
        """Append raw SVG markup (callers escape their own text)."""
        self.parts.append(raw)

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str,
        *,
        width: float = 1.0,
        dash: str | None = None,
        opacity: float | None = None,
        title: str | None = None,
    ) -> None:
        """A straight line."""
        a = _attrs(
            x1=float(x1),
            y1=float(y1),
            x2=float(x2),
            y2=float(y2),
            stroke=stroke,
            stroke_width=float(width),
            stroke_dasharray=dash,
            stroke_opacity=opacity,
            stroke_linecap="round",
        )
        self.parts.append(f"<line {a}>{_title(title)}</line>")

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        fill: str,
        *,
        stroke: str | None = None,
        width: float | None = None,
        opacity: float | None = None,
        title: str | None = None,
        css_class: str | None = None,
        data_org: int | None = None,
    ) -> None:
        """A circle (``fill="none"`` for a ring); ``data_org`` tags an organization for clicks."""
        a = _attrs(
            cx=float(cx),
            cy=float(cy),
            r=float(r),
            fill=fill,
            stroke=stroke,
            stroke_width=None if width is None else float(width),
            fill_opacity=opacity,
            class_=css_class,
            data_org=data_org,
        )
        self.parts.append(f"<circle {a}>{_title(title)}</circle>")

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        *,
        opacity: float | None = None,
        stroke: str | None = None,
        title: str | None = None,
    ) -> None:
        """An axis-aligned rectangle."""
        a = _attrs(
            x=float(x),
            y=float(y),
            width=float(max(w, 0.0)),
            height=float(max(h, 0.0)),
            fill=fill,
            fill_opacity=opacity,
            stroke=stroke,
        )
        self.parts.append(f"<rect {a}>{_title(title)}</rect>")

    def polyline(
        self,
        points: Iterable[tuple[float, float]],
        stroke: str,
        width: float = 1.5,
        dash: str | None = None,
        title: str | None = None,
    ) -> None:
        """An open line through points."""
        pts = " ".join(f"{_num(float(x))},{_num(float(y))}" for x, y in points)
        a = _attrs(
            points=pts,
            fill="none",
            stroke=stroke,
            stroke_width=float(width),
            stroke_dasharray=dash,
            stroke_linejoin="round",
        )
        self.parts.append(f"<polyline {a}>{_title(title)}</polyline>")

    def polygon(
        self,
        points: Iterable[tuple[float, float]],
        fill: str,
        opacity: float | None = None,
        title: str | None = None,
    ) -> None:
        """A filled closed shape."""
        pts = " ".join(f"{_num(float(x))},{_num(float(y))}" for x, y in points)
        a = _attrs(points=pts, fill=fill, fill_opacity=opacity)
        self.parts.append(f"<polygon {a}>{_title(title)}</polygon>")

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float = SMALL,
        anchor: str = "start",
        fill: str = "#222",
        weight: str | None = None,
        rotate: float | None = None,
        baseline: str | None = None,
    ) -> None:
        """A label; ``rotate`` turns it about its anchor point."""
        transform = f"rotate({_num(rotate)} {_num(float(x))} {_num(float(y))})" if rotate else None
        a = _attrs(
            x=float(x),
            y=float(y),
            font_size=float(size),
            text_anchor=anchor,
            fill=fill,
            font_weight=weight,
            transform=transform,
            dominant_baseline=baseline,
        )
        self.parts.append(f"<text {a}>{escape(content)}</text>")

    def gradient(self, ident: str, stops: Sequence[tuple[float, str]]) -> None:
        """A horizontal linear gradient usable as ``url(#ident)``."""
        body = "".join(f'<stop offset="{_num(100 * o)}%" stop-color="{c}"/>' for o, c in stops)
        self.defs.append(f'<linearGradient id="{ident}" x1="0" x2="1">{body}</linearGradient>')

    def __str__(self) -> str:
        head = _attrs(
            xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {_num(self.width)} {_num(self.height)}",
            width="100%",
            role="img",
            aria_label=self.label or None,
            class_=self.css_class or None,
            font_family=FONT,
            preserveAspectRatio="xMidYMid meet",
        )
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return f"<svg {head}>{defs}{''.join(self.parts)}</svg>"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5, 5 x 10^k steps)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * step:
        ticks.append(round(v, 10))
        v += step
    return ticks


def fmt_tick(v: float, lang: str = "en") -> str:
    """Short tick label in the language's number format: 0.25 / 0,25, 12, 1.5k / 1,5k."""
    if abs(v) >= 1000:
        return f"{number(lang, v / 1000, digits=1, trim=True)}k"
    return number(lang, v, digits=3, trim=True)


@dataclass
class Axes:
    """A plotting box in pixel space with data limits; ``sx``/``sy`` map data to pixels."""

    x: float
    y: float
    w: float
    h: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def sx(self, v: float) -> float:
        """Data x to pixel x."""
        lo, hi = self.xlim
        return self.x + (v - lo) / ((hi - lo) or 1.0) * self.w

    def sy(self, v: float) -> float:
        """Data y to pixel y (up is up)."""
        lo, hi = self.ylim
        return self.y + self.h - (v - lo) / ((hi - lo) or 1.0) * self.h

    def frame(
        self,
        svg: Svg,
        *,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        xticks: Sequence[float] | None = None,
        yticks: Sequence[float] | None = None,
        grid: bool = True,
        lang: str = "en",
    ) -> None:
        """Axis lines, ticks, grid, labels and title (tick numbers in ``lang``'s format)."""
        xticks = nice_ticks(*self.xlim) if xticks is None else xticks
        yticks = nice_ticks(*self.ylim) if yticks is None else yticks
        for v in yticks:
            py = self.sy(v)
            if grid:
                svg.line(self.x, py, self.x + self.w, py, "#e3e3e3", width=1.0)
            svg.text(self.x - 6, py + 6, fmt_tick(v, lang), anchor="end", fill="#444")
        for v in xticks:
            px = self.sx(v)
            svg.line(px, self.y + self.h, px, self.y + self.h + 4, "#888", width=1.0)
            svg.text(px, self.y + self.h + 22, fmt_tick(v, lang), anchor="middle", fill="#444")
        svg.line(self.x, self.y + self.h, self.x + self.w, self.y + self.h, "#888", width=1.0)
        svg.line(self.x, self.y, self.x, self.y + self.h, "#888", width=1.0)
        if title:
            svg.text(self.x - 50, self.y - 14, title, size=TITLE, weight="600")
        if xlabel:
            svg.text(
                self.x + self.w / 2, self.y + self.h + 46, xlabel, anchor="middle", fill="#333"
            )
        if ylabel:
            svg.text(
                self.x - 46,
                self.y + self.h / 2,
                ylabel,
                anchor="middle",
                fill="#333",
                rotate=-90,
            )


def legend(
    svg: Svg,
    x: float,
    y: float,
    items: Sequence[tuple[str, str, str]],
    *,
    columns: int = 1,
    col_width: float = 150.0,
    size: float = SMALL,
) -> None:
    """Legend rows of (kind, colour, label); kind is "line", "dash", "box", "dot" or "ring"."""
    for i, (kind, color, label) in enumerate(items):
        cx = x + (i % columns) * col_width
        cy = y + (i // columns) * (size + 7)
        if kind in ("line", "dash"):
            svg.line(
                cx,
                cy,
                cx + 22,
                cy,
                color,
                width=2.4 if kind == "line" else 1.8,
                dash="5 3" if kind == "dash" else None,
            )
        elif kind == "box":
            svg.rect(cx + 4, cy - 6, 14, 12, color)
        elif kind == "dot":
            svg.circle(cx + 11, cy, 6, color)
        elif kind == "ring":
            svg.circle(cx + 11, cy, 6, "none", stroke=color, width=2.0)
        svg.text(cx + 28, cy + 6, label, size=size, fill="#333")
