"""Summaries of a results folder: means with Student-t confidence intervals over replications,
per design point and per factor level, Sobol' indices for Sobol' designs, and figures.

Everything is computed from the folder alone (runs + manifest), so `summarize` works on a
copied or half-finished folder, and failed runs are counted, never averaged.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris, sobol
from scipy import stats

from simulation.sweep.errors import SweepError
from simulation.sweep.manifest import read_manifest
from simulation.sweep.store import MANIFEST, outcome_column, read_runs, read_series

CONFIDENCE = 0.95
DEFAULT_HIGHLIGHT = ("community_welfare", "welfare_mean", "gini", "coverage")
MAX_MD_ROWS = 60


@dataclass
class Summary:
    """Tables (pandas) and the files written under ``<results>/summary/``."""

    results_dir: Path
    by_point: pd.DataFrame  # long: point_id, factors..., outcome, n, failed, mean, sd, ci_*
    by_level: pd.DataFrame | None  # long: factor, level, outcome, n, mean, sd, ci_*
    sobol: pd.DataFrame | None  # outcome, factor, S1, S1_conf, ST, ST_conf
    highlight: list[str]
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def mean_ci(values: Any, confidence: float = CONFIDENCE) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, ci_low, ci_high): Student-t interval for the mean; NaN-safe, n<2 -> NaN."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def _stats_table(groups: pd.core.groupby.DataFrameGroupBy, outcomes: list[str]) -> pd.DataFrame:
    """Vectorized mean_ci for every group and outcome (long format)."""
    frames = []
    for name in outcomes:
        g = groups[name]
        t = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)})
        dof = (t["n"] - 1).where(t["n"] > 1)
        q = pd.Series(stats.t.ppf(0.5 + CONFIDENCE / 2, dof.to_numpy()), index=t.index)
        half = q * t["sd"] / np.sqrt(t["n"])
        t["ci_low"], t["ci_high"] = t["mean"] - half, t["mean"] + half
        t.insert(0, "outcome", name)
        frames.append(t)
    return pd.concat(frames).reset_index()


def _fmt(x: Any) -> str:
    if isinstance(x, float | np.floating):
        return "" if np.isnan(x) else f"{x:.4g}"
    return str(x)


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def _cell(mean: float, lo: float, hi: float) -> str:
    if np.isnan(mean):
        return "-"
    if np.isnan(lo):
        return f"{mean:.4g}"
    return f"{mean:.4g} [{lo:.4g}, {hi:.4g}]"


def _wide(long: pd.DataFrame, keys: list[str], highlight: list[str]) -> pd.DataFrame:
    """Keys, n, then one 'mean [lo, hi]' column per highlighted outcome (Markdown view)."""
    sub = long[long["outcome"].isin(highlight)]
    base = sub.drop_duplicates(keys)[keys].reset_index(drop=True)
    out = base.copy()
    first = sub[sub["outcome"] == highlight[0]].set_index(keys)
    out["n"] = [int(first.loc[tuple(r) if len(keys) > 1 else r[0], "n"]) for r in base.to_numpy()]
    if "failed" in sub:
        out["failed"] = [
            int(first.loc[tuple(r) if len(keys) > 1 else r[0], "failed"]) for r in base.to_numpy()
        ]
    for name in highlight:
        s = sub[sub["outcome"] == name].set_index(keys)
        out[name] = [
            _cell(*s.loc[tuple(r) if len(keys) > 1 else r[0], ["mean", "ci_low", "ci_high"]])
            for r in base.to_numpy()
        ]
    return out


def _sobol(
    runs: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str], notes: list[str]
) -> pd.DataFrame | None:
    problem = manifest.get("problem")
    if not problem:
        return None
    n_points = int(manifest["n_points"])
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point_id")[outcomes].mean().reindex(range(n_points))
    rows = []
    second = bool(manifest.get("spec", {}).get("design", {}).get("second_order", False))
    for name in outcomes:
        y = means[name].to_numpy(dtype=float)
        if np.isnan(y).any():
            notes.append(
                f"Sobol' indices for {name} skipped: {int(np.isnan(y).sum())} design points "
                "have no successful run (finish or rerun the sweep)"
            )
            continue
        if np.nanstd(y) == 0:
            notes.append(f"Sobol' indices for {name} skipped: the outcome never varies")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = sobol.analyze(
                problem,
                y,
                calc_second_order=second,
                conf_level=CONFIDENCE,
                seed=int(manifest.get("root_seed", 0)) % 2**32,
            )
        for i, factor in enumerate(problem["names"]):
            rows.append(
                {
                    "outcome": name,
                    "factor": factor,
                    "S1": float(res["S1"][i]),
                    "S1_conf": float(res["S1_conf"][i]),
                    "ST": float(res["ST"][i]),
                    "ST_conf": float(res["ST_conf"][i]),
                }
            )
    return pd.DataFrame(rows) if rows else None


def morris_table(
    runs: pd.DataFrame, problem: dict[str, Any], n_points: int, outcomes: list[str], seed: int
) -> tuple[pd.DataFrame | None, list[str]]:
    """Morris elementary effects (SALib): mu* (mean absolute effect, with its bootstrap CI)
    and sigma (spread: interactions or non-linearity) per outcome and factor, from the
    replicate means of each design point; also the notes on outcomes left out."""
    notes: list[str] = []
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point_id")[outcomes].mean().reindex(range(n_points))
    x = ok.groupby("point_id")[problem["names"]].first().reindex(range(n_points))
    rows = []
    for name in outcomes:
        y = means[name].to_numpy(dtype=float)
        if np.isnan(y).any() or x.isna().any().any():
            notes.append(f"Morris effects for {name} skipped: some design points have no run")
            continue
        res = morris.analyze(
            problem, x.to_numpy(dtype=float), y, conf_level=CONFIDENCE, seed=seed % 2**32
        )
        for i, factor in enumerate(problem["names"]):
            rows.append(
                {
                    "outcome": name,
                    "factor": factor,
                    "mu_star": float(res["mu_star"][i]),
                    "mu_star_conf": float(res["mu_star_conf"][i]),
                    "sigma": float(res["sigma"][i]),
                }
            )
    return (pd.DataFrame(rows) if rows else None), notes


# --- figures ------------------------------------------------------------------------------------
# Drawn at the A4 text width with labels of at least 8 pt (the rules of `simulation.plots`).


def _figure(rows: int, cols: int, row_height: float = 2.4, **kw: Any) -> tuple[Any, Any]:
    # object API: no global backend, safe in notebooks; imported only when drawing
    from simulation.plots import new_figure

    return new_figure(rows, cols, row_height=row_height, **kw)


def _save(fig: Any, path: Path) -> Path:
    from simulation.plots import save

    return save(fig, path)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _band(ax: Any, x: pd.Series, t: pd.DataFrame, label: str | None = None) -> None:
    if _is_numeric(x):
        order = np.argsort(x.to_numpy())
        xs = x.to_numpy()[order]
        (line,) = ax.plot(xs, t["mean"].to_numpy()[order], marker="o", ms=3, label=label)
        ax.fill_between(
            xs,
            t["ci_low"].to_numpy()[order],
            t["ci_high"].to_numpy()[order],
            alpha=0.25,
            color=line.get_color(),
            lw=0,
        )
    else:
        pos = np.arange(len(x))
        m = t["mean"].to_numpy()
        err = np.vstack([m - t["ci_low"].to_numpy(), t["ci_high"].to_numpy() - m])
        ax.errorbar(pos, m, yerr=np.nan_to_num(err), fmt="o", capsize=4, label=label)
        ax.set_xticks(pos, [str(v) for v in x])


def _effects_figure(
    by: pd.DataFrame,
    *,
    key: str,
    value: str,
    factors: list[str],
    highlight: list[str],
    path: Path,
) -> Path:
    """Outcome (rows) vs each factor (columns), mean with 95% CI band."""
    fig, axes = _figure(len(highlight), len(factors), row_height=2.0, sharey="row")
    for i, name in enumerate(highlight):
        for j, f in enumerate(factors):
            ax = axes[i][j]
            t = by[(by["outcome"] == name) & (by[key] == f)] if key else by[by["outcome"] == name]
            _band(ax, t[value].reset_index(drop=True), t.reset_index(drop=True))
            ax.set_xlabel(f)
        axes[i][0].set_ylabel(name)
    fig.suptitle(f"Mean and {CONFIDENCE:.0%} CI over replications")
    return _save(fig, path)


def _heatmap(by_point: pd.DataFrame, f1: str, f2: str, name: str, path: Path) -> Path:
    t = by_point[by_point["outcome"] == name].pivot_table(
        index=f1, columns=f2, values="mean", aggfunc="mean"
    )
    fig, axes = _figure(1, 2, row_height=3.0)
    ax = axes[0][0]
    im = ax.imshow(t.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(t.columns)), [_fmt(c) for c in t.columns])
    ax.set_yticks(range(len(t.index)), [_fmt(c) for c in t.index])
    ax.set_xlabel(f2)
    ax.set_ylabel(f1)
    ax.set_title(f"{name}: mean")
    vals = t.to_numpy()
    for (r, c), v in np.ndenumerate(vals):
        if np.isfinite(v):
            rgba = im.cmap(im.norm(v))
            dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
            ax.text(c, r, f"{v:.3g}", ha="center", va="center", color="white" if dark else "black")
    fig.colorbar(im, ax=ax)
    ax2 = axes[0][1]
    sub = by_point[by_point["outcome"] == name]
    for level, grp in sub.groupby(f2, sort=True):
        _band(
            ax2,
            grp[f1].reset_index(drop=True),
            grp.reset_index(drop=True),
            label=f"{f2}={_fmt(level)}",
        )
    ax2.set_xlabel(f1)
    ax2.set_ylabel(name)
    ax2.legend()
    ax2.set_title(f"mean and {CONFIDENCE:.0%} CI")
    return _save(fig, path)


def _scatter(by_point: pd.DataFrame, factors: list[str], highlight: list[str], path: Path) -> Path:
    fig, axes = _figure(len(highlight), len(factors), row_height=2.0, sharey="row")
    for i, name in enumerate(highlight):
        t = by_point[by_point["outcome"] == name]
        for j, f in enumerate(factors):
            ax = axes[i][j]
            m = t["mean"].to_numpy()
            err = np.vstack([m - t["ci_low"].to_numpy(), t["ci_high"].to_numpy() - m])
            ax.errorbar(
                t[f], m, yerr=np.nan_to_num(err), fmt="o", ms=2.5, alpha=0.6, elinewidth=0.6
            )
            ax.set_xlabel(f)
        axes[i][0].set_ylabel(name)
    fig.suptitle(f"Design points: mean and {CONFIDENCE:.0%} CI over replications")
    return _save(fig, path)


SOBOL_COLS = 2


def morris_figure(table: pd.DataFrame, outcomes: list[str], path: Path) -> Path:
    """Draw `draw_morris` and save it to `path`."""
    return _save(draw_morris(table, outcomes), path)


def draw_morris(table: pd.DataFrame, outcomes: list[str]) -> Any:
    """mu* with its CI per factor, one panel per outcome, largest first; bars from zero."""
    names = [o for o in dict.fromkeys(table["outcome"]) if o in outcomes] or list(
        dict.fromkeys(table["outcome"])
    )
    cols = min(SOBOL_COLS, len(names))
    rows = -(-len(names) // cols)
    n_factors = table["factor"].nunique()
    fig, axes = _figure(rows, cols, row_height=0.8 + 0.22 * n_factors)
    for j, name in enumerate(names):
        ax = axes[j // cols][j % cols]
        t = table[table["outcome"] == name].sort_values("mu_star")
        y = np.arange(len(t))
        ax.barh(y, t["mu_star"], xerr=t["mu_star_conf"], capsize=2, color="C0")
        ax.set_yticks(y, list(t["factor"]))
        ax.set_xlim(0, None)
        ax.set_title(name)
        ax.set_xlabel(f"mu* ({CONFIDENCE:.0%} CI), outcome units")
    for j in range(len(names), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return fig


def _sobol_figure(table: pd.DataFrame, path: Path) -> Path:
    names = list(dict.fromkeys(table["outcome"]))
    cols = min(SOBOL_COLS, len(names))
    rows = -(-len(names) // cols)
    fig, axes = _figure(rows, cols, row_height=2.8)
    for j, name in enumerate(names):
        ax = axes[j // cols][j % cols]
        t = table[table["outcome"] == name]
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=3, label="S1 (first order)")
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=3, label="ST (total)")
        ax.set_xticks(x, list(t["factor"]), rotation=30, ha="right")
        ax.set_title(name)
        ax.axhline(0, color="black", lw=0.5)
        if j % cols == 0:
            ax.set_ylabel(f"Sobol' index ({CONFIDENCE:.0%} CI)")
    for j in range(len(names), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    axes[0][0].legend()
    return _save(fig, path)


SERIES_PER_FIGURE = 8  # lines per panel that stay tellable apart
MAX_SERIES_FIGURES = 6


def series_names(series_columns: list[str], highlight: list[str]) -> list[str]:
    """The metrics the time-series figure shows: the highlighted outcomes that were kept as
    series (an outcome such as welfare_drop is a number per run, not a series), else the
    first kept series; at most three."""
    kept = [c for c in series_columns if c not in ("run_id", "step")]
    wanted = [n for n in highlight if n in kept and n != "welfare_mean"]
    return (wanted or kept)[:3]


def _series_pages(n_points: int) -> int:
    """How many figures the time series of `n_points` design points take (0: too many)."""
    pages = -(-n_points // SERIES_PER_FIGURE)
    return pages if pages <= MAX_SERIES_FIGURES else 0


def _series_figures(
    series: pd.DataFrame,
    runs: pd.DataFrame,
    factors: list[str],
    names: list[str],
    fig_dir: Path,
) -> list[Path]:
    """Mean and CI band per design point over time, `SERIES_PER_FIGURE` points a figure."""
    ok = runs[runs["status"] == "ok"][["run_id", "point_id", *factors]]
    data = series.merge(ok, on="run_id")
    pids = sorted(data["point_id"].unique())
    pages = _series_pages(len(pids))
    paths = []
    for page in range(pages):
        chunk = pids[page * SERIES_PER_FIGURE : (page + 1) * SERIES_PER_FIGURE]
        fig, axes = _figure(len(names), 1, row_height=2.2)
        for i, name in enumerate(names):
            ax = axes[i][0]
            for pid in chunk:
                grp = data[data["point_id"] == pid]
                t = _stats_table(grp.groupby("step"), [name]).sort_values("step")
                first = grp.iloc[0]
                label = ", ".join(f"{f}={_fmt(first[f])}" for f in factors) or f"point {pid}"
                (line,) = ax.plot(t["step"], t["mean"], lw=1.2, label=f"{pid}: {label}")
                ax.fill_between(
                    t["step"], t["ci_low"], t["ci_high"], alpha=0.2, color=line.get_color(), lw=0
                )
            ax.set_ylabel(name)
        axes[-1][0].set_xlabel("month")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=2)
        part = f" (design points {chunk[0]}-{chunk[-1]}, figure {page + 1} of {pages})"
        fig.suptitle(f"Mean and {CONFIDENCE:.0%} CI over replications" + (part * (pages > 1)))
        name = "series.png" if pages == 1 else f"series_{page + 1}.png"
        paths.append(_save(fig, fig_dir / name))
    return paths


# --- entry point --------------------------------------------------------------------------------


def _series_section(
    root: Path,
    runs: pd.DataFrame,
    *,
    factors: list[str],
    highlight: list[str],
    fig_dir: Path,
    notes: list[str],
) -> list[Path]:
    """The time-series figures, split over several files; a note when left out."""
    series = read_series(root)
    names = series_names(list(series.columns), highlight)
    if series.empty or not names:
        return []
    n_points = int(runs["point_id"].nunique())
    if not _series_pages(n_points):
        notes.append(
            f"Time-series figures left out: {n_points} design points would need more than "
            f"{MAX_SERIES_FIGURES} figures of {SERIES_PER_FIGURE} lines; the series are in "
            "series/ (read them with simulation.sweep.read_series)"
        )
        return []
    paths = _series_figures(series, runs, factors, names, fig_dir)
    if len(paths) > 1:
        notes.append(
            f"Time series of the {n_points} design points are split over {len(paths)} "
            f"figures of at most {SERIES_PER_FIGURE} points each"
        )
    return paths


def summarize(results_dir: str | Path, *, figures: bool = True) -> Summary:
    """Summarize a results folder into ``<results_dir>/summary/`` and return the tables."""
    root = Path(results_dir)
    manifest = read_manifest(root / MANIFEST)
    if manifest is None:
        raise SweepError(
            f"{root}: no readable {MANIFEST} (allowed: a folder written by 'partnership sweep')"
        )
    runs = read_runs(root)
    if runs.empty:
        raise SweepError(f"{root}: no finished runs yet (run the sweep first)")
    factors: list[str] = list(manifest.get("factors", []))
    order = manifest.get("outcome_order") or []
    outcomes = [outcome_column(n, factors) for n in order if outcome_column(n, factors) in runs]
    notes: list[str] = []
    runs_ok = runs[runs["status"] == "ok"]
    n_failed = int((runs["status"] != "ok").sum())
    if n_failed:
        notes.append(f"{n_failed} failed runs are excluded from the statistics (see runs/ error)")
    missing = int(manifest.get("n_runs", len(runs))) - len(runs)
    if missing > 0:
        notes.append(f"{missing} runs of the design are not finished yet")
    wanted = manifest.get("highlight") or [n for n in DEFAULT_HIGHLIGHT if n in outcomes]
    highlight = [n for n in wanted if n in outcomes] or outcomes[:4]

    if runs_ok.empty or not outcomes:
        notes.append("no successful runs yet: nothing to average")
        out = root / "summary"
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.md").write_text(
            f"# Sweep `{manifest.get('name')}`\n\n" + "\n".join(f"> {n}" for n in notes) + "\n"
        )
        return Summary(root, pd.DataFrame(), None, None, [], [out / "summary.md"], notes)

    keys = ["point_id", *factors]
    points = runs.drop_duplicates("point_id")[keys].sort_values("point_id")
    by_point = _stats_table(runs_ok.groupby("point_id"), outcomes)
    by_point = points.merge(by_point, on="point_id", how="right")
    failed = runs.assign(f=runs["status"] != "ok").groupby("point_id")["f"].sum()
    by_point.insert(len(keys) + 1, "failed", by_point["point_id"].map(failed).astype(int))
    by_point = by_point.sort_values(["outcome", "point_id"], kind="stable", key=None)
    by_point["outcome"] = pd.Categorical(by_point["outcome"], outcomes, ordered=True)
    by_point = by_point.sort_values(["outcome", "point_id"]).reset_index(drop=True)
    by_point["outcome"] = by_point["outcome"].astype(str)

    method = manifest.get("method", "grid")
    # Factors held at one level (a grid "constant") are listed but not plotted or pooled.
    varying = [f for f in factors if runs[f].nunique(dropna=False) > 1]
    by_level = None
    if method == "grid" and len(varying) >= 2:
        frames = []
        for f in varying:
            t = _stats_table(runs_ok.groupby(f), outcomes).rename(columns={f: "level"})
            t.insert(0, "factor", f)
            frames.append(t)
        by_level = pd.concat(frames, ignore_index=True)
    sobol_table = _sobol(runs, manifest, outcomes, notes) if method == "sobol" else None
    morris_effects = None
    if method == "morris" and manifest.get("problem"):
        morris_effects, morris_notes = morris_table(
            runs,
            manifest["problem"],
            int(manifest["n_points"]),
            outcomes,
            int(manifest.get("root_seed", 0)),
        )
        notes += morris_notes

    out = root / "summary"
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    by_point.to_csv(out / "by_point.csv", index=False)
    files.append(out / "by_point.csv")
    if by_level is not None:
        by_level.to_csv(out / "by_level.csv", index=False)
        files.append(out / "by_level.csv")
    if sobol_table is not None:
        sobol_table.to_csv(out / "sobol.csv", index=False)
        files.append(out / "sobol.csv")
    if morris_effects is not None:
        morris_effects.to_csv(out / "morris.csv", index=False)
        files.append(out / "morris.csv")

    if figures and highlight:
        from simulation.plots import print_style

        with print_style():
            if method == "grid" and len(varying) == 1:
                files.append(
                    _effects_figure(
                        by_point,
                        key="",
                        value=varying[0],
                        factors=varying,
                        highlight=highlight,
                        path=fig_dir / f"by_{varying[0]}.png",
                    )
                )
            elif method == "grid" and len(varying) >= 2:
                assert by_level is not None
                files.append(
                    _effects_figure(
                        by_level,
                        key="factor",
                        value="level",
                        factors=varying,
                        highlight=highlight,
                        path=fig_dir / "main_effects.png",
                    )
                )
                if len(varying) == 2:
                    for name in highlight:
                        files.append(
                            _heatmap(
                                by_point,
                                varying[0],
                                varying[1],
                                name,
                                fig_dir / f"heatmap_{name}.png",
                            )
                        )
            elif varying:
                files.append(_scatter(by_point, varying, highlight, fig_dir / "design_points.png"))
            if sobol_table is not None:
                files.append(
                    _sobol_figure(
                        sobol_table[sobol_table["outcome"].isin(highlight)]
                        if sobol_table["outcome"].isin(highlight).any()
                        else sobol_table,
                        fig_dir / "sobol.png",
                    )
                )
            if morris_effects is not None:
                files.append(morris_figure(morris_effects, highlight, fig_dir / "morris.png"))
            if manifest.get("series_every"):
                files += _series_section(
                    root, runs, factors=varying, highlight=highlight, fig_dir=fig_dir, notes=notes
                )

    md = _markdown(
        manifest,
        by_point=by_point,
        by_level=by_level,
        sobol_table=sobol_table,
        morris_effects=morris_effects,
        keys=keys,
        highlight=highlight,
        notes=notes,
        files=files,
        out=out,
    )
    (out / "summary.md").write_text(md, encoding="utf-8")
    files.append(out / "summary.md")
    return Summary(root, by_point, by_level, sobol_table, highlight, files, notes)


def _markdown(
    manifest: dict[str, Any],
    *,
    by_point: pd.DataFrame,
    by_level: pd.DataFrame | None,
    sobol_table: pd.DataFrame | None,
    keys: list[str],
    highlight: list[str],
    morris_effects: pd.DataFrame | None = None,
    notes: list[str],
    files: list[Path],
    out: Path,
) -> str:
    lines = [f"# Sweep `{manifest.get('name')}`", ""]
    if manifest.get("description"):
        lines += [str(manifest["description"]).strip(), ""]
    lines += [
        f"- base scenario: `{manifest.get('base')}`, {manifest.get('steps')} months, "
        f"root seed {manifest.get('root_seed')}",
        f"- design: {manifest.get('method')}, {manifest.get('n_points')} points x "
        f"{manifest.get('replications')} replications = {manifest.get('n_runs')} runs"
        + (" (common random numbers)" if manifest.get("common_random_numbers") else ""),
        f"- cells show the mean and its {CONFIDENCE:.0%} Student-t confidence interval over "
        "replications",
        "",
    ]
    lines += [f"> {n}" for n in notes] + ([""] if notes else [])
    if sobol_table is not None:
        lines += ["## Sobol' indices (first order S1, total ST)", ""]
        lines += [markdown_table(sobol_table), ""]
    if morris_effects is not None:
        lines += ["## Morris elementary effects (mu*: mean absolute effect; sigma: spread)", ""]
        lines += [markdown_table(morris_effects), ""]
    if by_level is not None and highlight:
        lines += ["## By factor level (pooled over the other factors)", ""]
        lines += [markdown_table(_wide(by_level, ["factor", "level"], highlight)), ""]
    if highlight:
        wide = _wide(by_point, keys, highlight)
        lines += ["## By design point", ""]
        if len(wide) > MAX_MD_ROWS:
            lines += [f"(first {MAX_MD_ROWS} of {len(wide)} points; all in by_point.csv)", ""]
            wide = wide.head(MAX_MD_ROWS)
        lines += [markdown_table(wide), ""]
    figs = [f for f in files if f.suffix == ".png"]
    if figs:
        lines += ["## Figures", ""] + [f"![{f.stem}]({f.relative_to(out)})" for f in figs] + [""]
    return "\n".join(lines)
