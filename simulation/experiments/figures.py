"""PNG figures for the experiment reports, drawn from `Analysis.frames`.

Each figure is named after the summary table it shows, so `--check` can report figure by
figure (see `FIGURE_OF_TABLE`).  They follow the project's print rules (`simulation.plots`):
A4 text width, labels of at least 8 pt, bars from zero.  Comparisons are shown as paired
differences in the outcome's own units with their 95 % CIs, never as standardized effect
sizes, so that a larger gain always looks larger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation.experiments.analysis import Analysis
from simulation.experiments.definition import ExperimentDef
from simulation.plots import new_figure, print_style, save

FIGURE_OF_TABLE = {
    "means": "means.png",
    "effects": "effects.png",
    "points": "phase_diagram.png",
    "gain_vs_reference": "gain.png",
    "reference": "gain.png",
    "collapse": "gain.png",
    "levels": "phase_diagram.png",
    "resilience": "resilience.png",
    "with_minus_without": "gap.png",
    "sobol": "sobol.png",
    "distribution": "sobol.png",
    "replication": "(table only)",
}
MAX_COLS = 3  # panels per row at A4 text width (about 2 inches each)
CI = "95 % CI"


def _grid(n: int, row_height: float, **kw: Any) -> tuple[Any, list[Any]]:
    """`n` panels in rows of at most `MAX_COLS`; the unused ones hidden."""
    cols = min(MAX_COLS, n)
    rows = -(-n // cols)
    fig, axes = new_figure(rows, cols, row_height=row_height, **kw)
    flat = [axes[i // cols][i % cols] for i in range(rows * cols)]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _dots(ax: Any, labels: list[str], mid: Any, lo: Any, hi: Any, *, color: str) -> None:
    """Horizontal dot-and-CI plot: one row per label, top to bottom."""
    y = np.arange(len(labels))[::-1]
    mid, lo, hi = (np.asarray(v, float) for v in (mid, lo, hi))
    err = np.nan_to_num(np.vstack([mid - lo, hi - mid]))
    ax.errorbar(mid, y, xerr=err, fmt="o", ms=4, capsize=3, color=color, lw=1.2)
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.xaxis.set_major_locator(_locator())
    ax.grid(axis="x", lw=0.4, alpha=0.5)


def _locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=3)


def _means(exp: ExperimentDef, m: pd.DataFrame) -> Any:
    """Mean and CI per arm, one panel per outcome (dots: the axis need not include zero,
    the differences are in `effects.png`)."""
    outs = list(exp.outcomes)
    arms = list(dict.fromkeys(m["arm"]))
    fig, axes = _grid(len(outs), row_height=0.28 * len(arms) + 1.0, sharey=True)
    for ax, o in zip(axes, outs, strict=True):
        t = m[m["outcome"] == o].set_index("arm").loc[arms]
        _dots(ax, arms, t["mean"], t["ci_low"], t["ci_high"], color="#4c78a8")
        ax.set_title(o)
    fig.suptitle(f"{exp.title}: mean and {CI}")
    return fig


def _effects(exp: ExperimentDef, e: pd.DataFrame) -> Any:
    """Forest plot: the paired difference vs the reference arm with its CI, in the
    outcome's units, one panel per outcome; a zero line marks "no difference"."""
    outs = [o for o in exp.outcomes if o in set(e["outcome"])]
    arms = list(dict.fromkeys(e["arm"]))
    fig, axes = _grid(len(outs), row_height=0.28 * len(arms) + 1.0, sharey=True)
    for ax, o in zip(axes, outs, strict=True):
        t = e[e["outcome"] == o].set_index("arm").loc[arms]
        ax.axvline(0.0, color="grey", lw=0.8)
        _dots(ax, arms, t["diff"], t["diff_low"], t["diff_high"], color="#e45756")
        ax.set_title(o)
    ref = exp.arm(exp.reference).label if exp.reference else "the reference"
    fig.suptitle(f"Difference vs {ref} (paired, {CI}), in outcome units")
    return fig


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _heat(
    ax: Any, t: pd.DataFrame, title: str, *, center: bool, lim: float, hatch: Any = None
) -> Any:
    """One heat map panel with each cell's value written in it; `hatch` marks cells (a
    boolean frame like `t`) whose CI includes zero."""
    from matplotlib.patches import Rectangle

    vals = t.to_numpy(float)
    kw: dict[str, Any] = {"origin": "lower", "aspect": "auto"}
    if center:
        kw.update(cmap="RdBu", vmin=-lim, vmax=lim)
    else:
        kw.update(cmap="viridis")
    im = ax.imshow(vals, **kw)
    ax.set_xticks(range(len(t.columns)), [_fmt(c) for c in t.columns])
    ax.set_yticks(range(len(t.index)), [_fmt(c) for c in t.index])
    for (r, c), v in np.ndenumerate(vals):
        if np.isfinite(v):
            rgba = im.cmap(im.norm(v))
            dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
            ax.text(c, r, f"{v:.3g}", ha="center", va="center", color="white" if dark else "black")
            if hatch is not None and bool(hatch.to_numpy()[r, c]):
                ax.add_patch(
                    Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="//", lw=0, alpha=0.5)
                )
    ax.set_title(title)
    return im


def _phase(
    p: pd.DataFrame,
    factors: list[str],
    value: str,
    outcomes: list[str],
    *,
    center: bool = False,
    reference: str = "the reference",
) -> Any:
    """Heat maps over the first two factors (rows: outcomes; columns: levels of a third).
    With `center`, `value` is a difference: a diverging scale centred on zero, and cells
    whose CI includes zero are hatched."""
    f1, f2 = factors[0], factors[1]
    facet = factors[2] if len(factors) > 2 else None
    levels = list(dict.fromkeys(p[facet])) if facet else [None]
    fig, axes = new_figure(len(outcomes), len(levels), row_height=2.6, sharey=True)
    for i, o in enumerate(outcomes):
        sub_o = p[p["outcome"] == o]
        finite = sub_o[value].to_numpy(float)
        finite = finite[np.isfinite(finite)]
        lim = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
        for j, lv in enumerate(levels):
            sub = sub_o[sub_o[facet] == lv] if facet else sub_o
            t = sub.pivot_table(index=f1, columns=f2, values=value)
            hatch = None
            if center:
                lo = sub.pivot_table(index=f1, columns=f2, values="diff_low")
                hi = sub.pivot_table(index=f1, columns=f2, values="diff_high")
                hatch = (lo <= 0) & (hi >= 0)
            title = o if not facet else (f"{o}\n{facet}={_fmt(lv)}" if i == 0 else o)
            im = _heat(axes[i][j], t, title, center=center, lim=lim, hatch=hatch)
            axes[i][j].set_xlabel(f2)
            if j == 0:
                axes[i][j].set_ylabel(f1)
        label = f"difference vs {reference}\n(outcome units)" if center else "mean"
        fig.colorbar(im, ax=list(axes[i]), label=label, shrink=0.9)
    if center:
        fig.suptitle(f"Paired difference vs {reference}; hatched: {CI} includes 0")
    else:
        fig.suptitle("Mean per design point (colours span each row's range; see the numbers)")
    return fig


RESILIENCE_TITLES = {
    "paired_drop": "largest welfare gap vs the\nsame seed's unshocked run",
    "paired_recovery": "months until the gap < 1 %",
}


def _resilience(res: pd.DataFrame) -> Any:
    """Drop and recovery per arm: bars from zero (both are magnitudes) with CIs."""
    outs = list(RESILIENCE_TITLES)
    arms = list(dict.fromkeys(res["arm"]))
    fig, axes = _grid(len(outs), row_height=0.3 * len(arms) + 1.2, sharey=True)
    for ax, o in zip(axes, outs, strict=True):
        t = res[res["outcome"] == o].set_index("arm").loc[arms]
        y = np.arange(len(arms))[::-1]
        err = np.nan_to_num(np.vstack([t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]]))
        ax.barh(y, t["mean"], xerr=err, capsize=3, color="#f58518")
        ax.set_yticks(y, arms)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_locator(_locator())
        ax.set_title(RESILIENCE_TITLES[o])
    fig.suptitle(f"Resilience: mean and {CI} over replicates")
    return fig


def _gap(gaps: pd.DataFrame) -> Any:
    """The paired welfare gap month by month, mean and CI band per arm, one panel per shock."""
    shocks = list(dict.fromkeys(gaps["shock"]))
    fig, axes = _grid(len(shocks), row_height=2.8, sharey=True)
    for ax, s in zip(axes, shocks, strict=True):
        for arm, grp in gaps[gaps["shock"] == s].groupby("arm", sort=False):
            g = grp.groupby("month")["gap"]
            m, sd, n = g.mean(), g.std(ddof=1), g.count()
            half = stats.t.ppf(0.975, (n - 1).clip(lower=1)) * sd / np.sqrt(n)
            (line,) = ax.plot(m.index, 100 * m, lw=1.2, label=arm)
            ax.fill_between(
                m.index, 100 * (m - half), 100 * (m + half), alpha=0.2, color=line.get_color(), lw=0
            )
        ax.axhline(1.0, color="grey", lw=0.6, ls="--")
        ax.set_title(s)
        ax.set_xlabel("month")
        ax.legend()
    axes[0].set_ylabel("welfare gap vs unshocked run (%)")
    fig.suptitle(f"Welfare gap after the shock (mean and {CI})")
    return fig


def _sobol(exp: ExperimentDef, tab: pd.DataFrame) -> Any:
    """First-order and total Sobol' indices of the primary outcome: bars from zero, one row
    per factor (largest total effect on top), so the factor names stay horizontal."""
    t = tab[tab["outcome"] == exp.primary].sort_values("ST", ascending=False)
    fig, axes = new_figure(1, 1, row_height=0.3 * len(t) + 1.4)
    ax = axes[0][0]
    y = np.arange(len(t))[::-1]
    ax.barh(y + 0.2, t["S1"], 0.4, xerr=t["S1_conf"], capsize=2, label="S1 (first order)")
    ax.barh(y - 0.2, t["ST"], 0.4, xerr=t["ST_conf"], capsize=2, label="ST (total)")
    ax.set_yticks(y, list(t["factor"]))
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlabel("Sobol' index")
    ax.set_title(f"Sobol' indices of {exp.primary} ({CI})")
    ax.legend(loc="lower right")
    return fig


def figures(exp: ExperimentDef, a: Analysis, factors: list[str]) -> dict[str, Any]:
    """Every figure the analysis has data for, by file name (matplotlib figures, not saved)."""
    out: dict[str, Any] = {}
    f = a.frames
    with print_style():
        if "means" in f:
            out["means.png"] = _means(exp, f["means"])
        if "effects" in f and exp.analysis == "compare" and not f["effects"].empty:
            out["effects.png"] = _effects(exp, f["effects"])
        if "points" in f and len(factors) >= 2:
            outs = [exp.primary, *[o for o in exp.outcomes[1:2] if o != exp.primary]]
            out["phase_diagram.png"] = _phase(f["points"], factors, "mean", outs)
        if "gains" in f and len(factors) >= 2:
            ref = exp.arm(exp.reference).label if exp.reference else "the reference"
            out["gain.png"] = _phase(
                f["gains"], factors, "diff", [exp.primary], center=True, reference=ref
            )
        if "resilience" in f:
            out["resilience.png"] = _resilience(f["resilience"])
        if "gaps" in f and not f["gaps"].empty:
            out["gap.png"] = _gap(f["gaps"])
        if "sobol" in f:
            out["sobol.png"] = _sobol(exp, f["sobol"])
    return out


def draw(exp: ExperimentDef, a: Analysis, factors: list[str], out: Path) -> list[Path]:
    """Draw every figure the analysis has data for into `out` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    return [save(fig, out / name) for name, fig in figures(exp, a, factors).items()]
