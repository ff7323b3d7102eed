"""Effects under parameter uncertainty: paired differences per draw, pooled over draws.

Each posterior draw is a whole run of the experiment with its own parameters and its own
seeds; within a draw the arms share seeds, so every effect is a set of *paired* differences
(one per replicate, or per matched cell and replicate for a factor's levels).  The pooled
effect is the mean over draws of each draw's mean difference.  Its CI comes from a
two-stage (hierarchical, cluster) bootstrap: resample the draws with replacement, then,
within each resampled draw, its paired differences with replacement (Davison & Hinkley
1997, section 3.8; Ren et al. 2010, J. Appl. Stat. 37(9):1487-1498), and take the 2.5 and
97.5 percentiles of the resampled grand means.  The interval therefore widens with the
spread between draws (parameter uncertainty) and with the spread within them (seeds).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.analysis import (
    _fmt,
    _label,
    _ok,
    resilience_frames,
    shock_pairs,
)
from simulation.experiments.execute import ExperimentData

BOOTSTRAP = 2000
CONFIDENCE = 0.95
COLUMNS = ["effect", "outcome", "unit", "diff"]


def _rows(effect: str, outcome: str, diffs: pd.Series) -> list[dict[str, Any]]:
    d = diffs.dropna()
    return [
        {"effect": effect, "outcome": outcome, "unit": str(k), "diff": float(v)}
        for k, v in d.items()
    ]


def _compare(data: ExperimentData) -> list[dict[str, Any]]:
    exp = data.exp
    ref = exp.reference or exp.arms[0].name
    runs = {n: _ok(d.runs).set_index("replicate") for n, d in data.arms.items()}
    out = []
    for arm in exp.arms:
        if arm.name == ref:
            continue
        effect = f"{arm.label} - {exp.arm(ref).label}"
        for o in exp.outcomes:
            out += _rows(effect, o, runs[arm.name][o] - runs[ref][o])
    return out


def _grid(data: ExperimentData) -> list[dict[str, Any]]:
    exp = data.exp
    main = next(d for d in data.arms.values() if d.factors)
    factors, runs = main.factors, _ok(main.runs)
    out = []
    if exp.reference:
        ref = _ok(data.arms[exp.reference].runs).set_index("replicate")
        for _, grp in runs.groupby("point_id", sort=True):
            g = grp.set_index("replicate")
            effect = f"{_label(grp.iloc[0], factors)} - {exp.arm(exp.reference).label}"
            for o in exp.outcomes:
                out += _rows(effect, o, g[o] - ref[o])
    for f in factors:  # each level against the first, matched on the other factors and seed
        matched = [g for g in factors if g != f] + ["replicate"]
        levels = sorted(runs[f].unique())
        for o in exp.outcomes:
            wide = runs.pivot_table(index=matched, columns=f, values=o)
            for level in levels[1:]:
                effect = f"{f}: {_fmt(level)} - {_fmt(levels[0])}"
                out += _rows(effect, o, wide[level] - wide[levels[0]])
    return out


def _shocks(data: ExperimentData) -> list[dict[str, Any]]:
    exp = data.exp
    frames, _ = resilience_frames(data)
    out = []
    for row, with_, without in shock_pairs(exp, frames):
        for o in ("paired_drop", "paired_recovery", "welfare_mean_loss"):
            out += _rows(f"with - without partnerships: {row}", o, with_[o] - without[o])
    for (name, point), frame in frames.items():  # each shock against its own calm run
        arm = exp.arm(name)
        label = f"{arm.label} [{point}]" if point else arm.label
        out += _rows(
            f"{label} - {exp.arm(arm.counterfactual or '').label}",
            "welfare_mean",
            -frame["welfare_mean_loss"],
        )
    return out


PAIRED = {"compare": _compare, "grid": _grid, "shocks": _shocks}


def paired_differences(data: ExperimentData) -> pd.DataFrame:
    """Every effect the experiment reports as paired differences, one row per pair."""
    if data.exp.analysis not in PAIRED:
        raise ValueError(f"analysis {data.exp.analysis!r} has no paired effects")
    return pd.DataFrame(PAIRED[data.exp.analysis](data), columns=COLUMNS)


def draw_means(diffs: pd.DataFrame) -> pd.DataFrame:
    """Per draw and effect: the mean paired difference, its SD and count."""
    g = diffs.groupby(["effect", "outcome", "draw"], sort=False)["diff"]
    return g.agg(mean="mean", sd="std", n="count").reset_index()


def hierarchical_bootstrap(
    groups: list[np.ndarray], rng: np.random.Generator, reps: int = BOOTSTRAP
) -> np.ndarray:
    """Grand means of `reps` two-stage resamples: draws with replacement, then each drawn
    group's values with replacement (vectorised over resamples)."""
    sizes = np.array([g.size for g in groups])
    padded = np.zeros((len(groups), sizes.max()))
    for j, g in enumerate(groups):
        padded[j, : g.size] = g
    picks = rng.integers(0, len(groups), size=(reps, len(groups)))
    n = sizes[picks][..., None]  # (reps, draws, 1)
    idx = np.floor(rng.random((reps, len(groups), sizes.max())) * n).astype(np.int64)
    values = padded[picks[..., None], idx]
    used = np.arange(sizes.max()) < n
    means = np.where(used, values, 0.0).sum(axis=-1) / n[..., 0]
    return means.mean(axis=-1)


def pooled_effects(diffs: pd.DataFrame, seed: int, reps: int = BOOTSTRAP) -> pd.DataFrame:
    """Per effect and outcome: the mean over draws of the draws' mean paired difference, its
    hierarchical-bootstrap CI, the share of draws whose mean lies above / below zero, and how
    the spread splits into between draws (parameters) and within draws (seeds)."""
    rng = np.random.default_rng(seed)
    alpha = (1 - CONFIDENCE) / 2
    recs = []
    keys = [k for k in ("experiment", "effect", "outcome") if k in diffs.columns]
    for key, grp in diffs.groupby(keys, sort=False):
        groups = [g["diff"].to_numpy(float) for _, g in grp.groupby("draw", sort=True)]
        groups = [g for g in groups if g.size]
        means = np.array([g.mean() for g in groups])
        boot = hierarchical_bootstrap(groups, rng, reps)
        within = np.mean([g.var(ddof=1) if g.size > 1 else np.nan for g in groups])
        recs.append(
            {
                **dict(zip(keys, key, strict=True)),
                "draws": len(groups),
                "pairs": int(sum(g.size for g in groups)),
                "mean": float(means.mean()),
                "ci_low": float(np.quantile(boot, alpha)),
                "ci_high": float(np.quantile(boot, 1 - alpha)),
                "share_draws_positive": float((means > 0).mean()),
                "share_draws_negative": float((means < 0).mean()),
                "sd_between_draws": float(means.std(ddof=1)) if means.size > 1 else np.nan,
                "sd_within_draws": float(np.sqrt(within)),
            }
        )
    return pd.DataFrame(recs)
