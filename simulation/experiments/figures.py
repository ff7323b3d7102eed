"""Small PNG figures (about 100 KB) for the experiment reports, drawn from `Analysis.frames`.

Each figure is named after the summary table it shows, so `--check` can report figure by
figure (see `FIGURE_OF_TABLE`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.analysis import Analysis
from simulation.experiments.definition import ExperimentDef

DPI = 80
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


def _figure(rows: int, cols: int, w: float = 3.4, h: float = 2.7) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w * cols, h * rows), layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False)


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=DPI)
    return path


def _means(exp: ExperimentDef, m: pd.DataFrame, path: Path) -> Path:
    outs = list(exp.outcomes)
    cols = min(3, len(outs))
    rows = -(-len(outs) // cols)
    fig, axes = _figure(rows, cols)
    for i, o in enumerate(outs):
        ax = axes[i // cols][i % cols]
        t = m[m["outcome"] == o]
        x = np.arange(len(t))
        err = np.vstack([t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]])
        ax.bar(x, t["mean"], yerr=np.nan_to_num(err), capsize=3, color="#4c78a8")
        ax.set_xticks(x, list(t["arm"]), rotation=30, ha="right", fontsize=7)
        ax.set_title(o, fontsize=9)
        lo = float(np.nanmin(t["ci_low"].fillna(t["mean"])))
        hi = float(np.nanmax(t["ci_high"].fillna(t["mean"])))
        pad = 0.15 * (hi - lo) if hi > lo else 0.05 * (abs(hi) + 1e-9)
        ax.set_ylim(min(0.0, lo - pad) if lo < 0 else max(0.0, lo - 3 * pad), hi + pad)
    for j in range(len(outs), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(f"{exp.title}: mean and 95 % CI", fontsize=10)
    return _save(fig, path)


def _effects(exp: ExperimentDef, e: pd.DataFrame, path: Path) -> Path:
    t = e.pivot_table(index="arm", columns="outcome", values="cohen_d", sort=False)
    t = t[[o for o in exp.outcomes if o in t.columns]]
    fig, axes = _figure(1, 1, w=1.2 * len(t.columns) + 2.5, h=0.45 * len(t) + 1.8)
    ax = axes[0][0]
    vals = t.to_numpy(float)
    lim = float(np.nanmax(np.abs(vals))) if np.isfinite(vals).any() else 1.0
    im = ax.imshow(vals, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(len(t.columns)), list(t.columns), rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(t.index)), list(t.index), fontsize=7)
    for (r, c), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, label="Cohen's d vs reference")
    ax.set_title(
        f"Effect vs {exp.arm(exp.reference).label if exp.reference else 'reference'}", fontsize=9
    )
    return _save(fig, path)


def _heat(ax: Any, t: pd.DataFrame, title: str, cmap: str = "viridis", center: bool = False) -> Any:
    vals = t.to_numpy(float)
    kw: dict[str, Any] = {"cmap": cmap, "origin": "lower", "aspect": "auto"}
    if center and np.isfinite(vals).any():
        lim = float(np.nanmax(np.abs(vals))) or 1.0
        kw.update(vmin=-lim, vmax=lim)
    im = ax.imshow(vals, **kw)
    ax.set_xticks(
        range(len(t.columns)),
        [f"{c:g}" if isinstance(c, float) else str(c) for c in t.columns],
        fontsize=7,
    )
    ax.set_yticks(
        range(len(t.index)),
        [f"{c:g}" if isinstance(c, float) else str(c) for c in t.index],
        fontsize=7,
    )
    for (r, c), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize=6, color="white")
    ax.set_title(title, fontsize=8)
    return im


def _phase(
    p: pd.DataFrame,
    factors: list[str],
    value: str,
    outcomes: list[str],
    path: Path,
    *,
    center: bool = False,
) -> Path:
    f1, f2 = factors[0], factors[1]
    facet = factors[2] if len(factors) > 2 else None
    levels = list(dict.fromkeys(p[facet])) if facet else [None]
    fig, axes = _figure(len(outcomes), len(levels), w=3.3, h=2.8)
    for i, o in enumerate(outcomes):
        for j, lv in enumerate(levels):
            sub = p[p["outcome"] == o]
            if facet:
                sub = sub[sub[facet] == lv]
            t = sub.pivot_table(index=f1, columns=f2, values=value)
            im = _heat(
                axes[i][j],
                t,
                f"{o}" + (f" | {facet}={lv}" if facet else ""),
                cmap="RdBu" if center else "viridis",
                center=center,
            )
            axes[i][j].set_xlabel(f2, fontsize=8)
            axes[i][j].set_ylabel(f1, fontsize=8)
        fig.colorbar(im, ax=axes[i][-1])
    return _save(fig, path)


def _resilience(exp: ExperimentDef, res: pd.DataFrame, path: Path) -> Path:
    outs = ["paired_drop", "paired_recovery"]
    fig, axes = _figure(1, 2, w=3.8)
    for j, o in enumerate(outs):
        ax = axes[0][j]
        t = res[res["outcome"] == o]
        x = np.arange(len(t))
        err = np.vstack([t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]])
        ax.bar(x, t["mean"], yerr=np.nan_to_num(err), capsize=3, color="#f58518")
        ax.set_xticks(x, list(t["arm"]), rotation=25, ha="right", fontsize=7)
        ax.set_title(
            {
                "paired_drop": "max welfare gap vs unshocked run",
                "paired_recovery": "months until gap < 1 %",
            }[o],
            fontsize=9,
        )
    return _save(fig, path)


def _gap(gaps: pd.DataFrame, path: Path) -> Path:
    shocks = list(dict.fromkeys(gaps["shock"]))
    fig, axes = _figure(1, len(shocks), w=3.8)
    for j, s in enumerate(shocks):
        ax = axes[0][j]
        for arm, grp in gaps[gaps["shock"] == s].groupby("arm", sort=False):
            g = grp.groupby("month")["gap"]
            m, sd, n = g.mean(), g.std(ddof=1), g.count()
            half = 1.96 * sd / np.sqrt(n)
            (line,) = ax.plot(m.index, 100 * m, lw=1.2, label=arm)
            ax.fill_between(
                m.index, 100 * (m - half), 100 * (m + half), alpha=0.2, color=line.get_color(), lw=0
            )
        ax.axhline(1.0, color="grey", lw=0.6, ls="--")
        ax.set_title(s, fontsize=9)
        ax.set_xlabel("month")
        ax.set_ylabel("welfare gap vs unshocked run (%)")
        ax.legend(fontsize=6)
    return _save(fig, path)


def _sobol(exp: ExperimentDef, tab: pd.DataFrame, path: Path) -> Path:
    t = tab[tab["outcome"] == exp.primary].sort_values("ST", ascending=False)
    fig, axes = _figure(1, 1, w=max(4.0, 0.55 * len(t) + 1.5), h=3.0)
    ax = axes[0][0]
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=2, label="S1")
    ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=2, label="ST")
    ax.set_xticks(x, list(t["factor"]), rotation=35, ha="right", fontsize=7)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_title(f"Sobol' indices of {exp.primary} (95 % CI)", fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)


def draw(exp: ExperimentDef, a: Analysis, factors: list[str], out: Path) -> list[Path]:
    """Draw every figure the analysis has data for into `out` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    f = a.frames
    if "means" in f:
        files.append(_means(exp, f["means"], out / "means.png"))
    if "effects" in f and exp.analysis == "compare" and not f["effects"].empty:
        files.append(_effects(exp, f["effects"], out / "effects.png"))
    if "points" in f and len(factors) >= 2:
        outs = [exp.primary, *[o for o in exp.outcomes[1:2] if o != exp.primary]]
        files.append(_phase(f["points"], factors, "mean", outs, out / "phase_diagram.png"))
    if "gains" in f and len(factors) >= 2:
        files.append(
            _phase(f["gains"], factors, "diff", [exp.primary], out / "gain.png", center=True)
        )
    if "resilience" in f:
        files.append(_resilience(exp, f["resilience"], out / "resilience.png"))
    if "gaps" in f and not f["gaps"].empty:
        files.append(_gap(f["gaps"], out / "gap.png"))
    if "sobol" in f:
        files.append(_sobol(exp, f["sobol"], out / "sobol.png"))
    return files
