"""From the runs of an experiment to its summary: tables, effect sizes and the answer.

`analyze` returns an `Analysis`: a long summary table (table, row, outcome, statistic,
value) that is written as `summary.csv` and compared by `--check`, wide Markdown tables, data
frames for the figures and plain-sentence answers built from the numbers (never hard-coded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.execute import SERIES_METRIC, ExperimentData
from simulation.experiments.stats import (
    CV_TOLERANCE,
    cell,
    describe,
    long_rows,
    paired_effect,
    stable_replications,
)
from simulation.scenario import load_scenario
from simulation.sweep import summarize

RECOVERED = 0.01  # the paired welfare gap counts as closed below 1 %
RESILIENCE_OUTCOMES = (
    "paired_drop",
    "paired_recovery",
    "welfare_mean_loss",
    "welfare_drop",
    "recovery_time",
)


@dataclass
class Analysis:
    """Summary rows (for the CSV and --check), Markdown tables, figure data and answers."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replication: pd.DataFrame | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """The long summary table."""
        return pd.DataFrame(self.rows, columns=["table", "row", "outcome", "statistic", "value"])


def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def _label(point: pd.Series, factors: list[str]) -> str:
    return ", ".join(f"{f}={_fmt(point[f])}" for f in factors)


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):g}"
    return str(v)


def _verdict(eff: dict[str, float]) -> str:
    if not np.isfinite(eff["diff_low"]):
        return "undetermined"
    if eff["diff_low"] > 0:
        return "higher"
    if eff["diff_high"] < 0:
        return "lower"
    return "no clear difference"


def _effect_text(name: str, eff: dict[str, float]) -> str:
    return (
        f"{name} {eff['diff']:+.4g} [{eff['diff_low']:+.4g}, {eff['diff_high']:+.4g}] "
        f"(d = {eff['cohen_d']:.2f}, paired p = {eff['p_value']:.2g})"
    )


def _replication_rows(a: Analysis, groups: dict[str, pd.Series], outcome: str) -> None:
    recs = []
    for label, values in groups.items():
        r = stable_replications(values.to_numpy(float))
        a.rows += long_rows("replication", label, outcome, r)
        recs.append({"condition": label, **r})
    a.replication = pd.DataFrame(recs)


# --- compare: arms as conditions --------------------------------------------------------------


def analyze_compare(data: ExperimentData) -> Analysis:
    """Means per arm, paired effects vs the reference arm, best arm per outcome."""
    exp, a = data.exp, Analysis()
    ref = exp.reference or exp.arms[0].name
    runs = {n: _ok(d.runs).set_index("replicate") for n, d in data.arms.items()}
    labels = {arm.name: arm.label for arm in exp.arms}
    means, effects = [], []
    for arm in exp.arms:
        for o in exp.outcomes:
            s = describe(runs[arm.name][o])
            a.rows += long_rows("means", arm.label, o, s)
            means.append({"arm": arm.label, "outcome": o, **s})
    for arm in exp.arms:
        if arm.name == ref:
            continue
        for o in exp.outcomes:
            e = paired_effect(runs[arm.name][o], runs[ref][o])
            a.rows += long_rows("effects", f"{arm.label} - {labels[ref]}", o, e)
            effects.append({"arm": arm.label, "outcome": o, **e})
    m, e = pd.DataFrame(means), pd.DataFrame(effects)
    a.frames.update(means=m, effects=e)
    a.tables["Means and 95 % CI per condition"] = _wide(m, "arm", exp.outcomes)
    a.tables[f"Paired difference vs {labels[ref]} (95 % CI) and Cohen's d"] = _wide_eff(
        e, "arm", exp.outcomes
    )
    for arm in exp.arms:
        if arm.name == ref:
            continue
        sub = e[e["arm"] == arm.label].set_index("outcome")
        eff = sub.loc[exp.primary].to_dict()
        a.answers.append(
            f"{arm.label} vs {labels[ref]}: {_effect_text(exp.primary, eff)}: {_verdict(eff)}."
        )
    if len(exp.arms) > 3:
        for o in exp.outcomes:
            sub = e[e["outcome"] == o].sort_values("diff", ascending=False)
            top = sub.iloc[0]
            a.answers.append(
                f"{o}: largest gain with {top['arm']} ({top['diff']:+.4g} "
                f"[{top['diff_low']:+.4g}, {top['diff_high']:+.4g}]); smallest with "
                f"{sub.iloc[-1]['arm']} ({sub.iloc[-1]['diff']:+.4g})."
            )
    else:
        for arm in exp.arms:
            if arm.name == ref:
                continue
            sub = e[e["arm"] == arm.label]
            parts = [
                f"{r.outcome} {_verdict(r._asdict())} ({r.diff:+.3g})"
                for r in sub.itertuples()
                if r.outcome != exp.primary
            ]
            a.answers.append(f"{arm.label}, other outcomes vs {labels[ref]}: " + "; ".join(parts))
    _replication_rows(a, {labels[n]: runs[n][exp.primary] for n in runs}, exp.primary)
    return a


def _wide(m: pd.DataFrame, key: str, outcomes: tuple[str, ...]) -> pd.DataFrame:
    out = m.pivot_table(index=key, columns="outcome", values="mean", sort=False)
    wide = pd.DataFrame(index=out.index)
    for o in outcomes:
        sub = m[m["outcome"] == o].set_index(key)
        wide[o] = [cell(*sub.loc[k, ["mean", "ci_low", "ci_high"]]) for k in wide.index]
    return wide.reset_index()


def _wide_eff(e: pd.DataFrame, key: str, outcomes: tuple[str, ...]) -> pd.DataFrame:
    keys = list(dict.fromkeys(e[key]))
    wide = pd.DataFrame({key: keys})
    for o in outcomes:
        sub = e[e["outcome"] == o].set_index(key)
        wide[o] = [
            cell(*sub.loc[k, ["diff", "diff_low", "diff_high"]])
            + f", d={sub.loc[k, 'cohen_d']:.2f}"
            for k in keys
        ]
    return wide


# --- grid: a phase diagram over two or three factors --------------------------------------------


def analyze_grid(data: ExperimentData) -> Analysis:
    """Means per design point, main effects per level, gains vs the reference arm and, when
    asked, where along the second factor the gain disappears ("collapse")."""
    exp, a = data.exp, Analysis()
    main = next(d for d in data.arms.values() if d.factors)
    factors = main.factors
    runs = _ok(main.runs)
    ref = data.arms.get(exp.reference) if exp.reference else None
    ref_runs = _ok(ref.runs).set_index("replicate") if ref is not None else None
    points = runs.drop_duplicates("point_id").set_index("point_id")[factors]
    recs, gains = [], []
    for pid, grp in runs.groupby("point_id"):
        label = _label(points.loc[pid], factors)
        g = grp.set_index("replicate")
        for o in exp.outcomes:
            s = describe(g[o])
            a.rows += long_rows("points", label, o, s)
            recs.append({"point": label, **points.loc[pid].to_dict(), "outcome": o, **s})
            if ref_runs is not None:
                e = paired_effect(g[o], ref_runs[o])
                a.rows += long_rows("gain_vs_reference", label, o, e)
                gains.append({"point": label, **points.loc[pid].to_dict(), "outcome": o, **e})
    p = pd.DataFrame(recs)
    a.frames["points"] = p
    a.tables["Means and 95 % CI per design point"] = _wide(p, "point", exp.outcomes)
    if ref_runs is not None:
        for o in exp.outcomes:
            a.rows += long_rows("reference", exp.arm(exp.reference).label, o, describe(ref_runs[o]))
        g = pd.DataFrame(gains)
        a.frames["gains"] = g
        a.tables[f"Paired difference vs {exp.arm(exp.reference).label} (95 % CI), Cohen's d"] = (
            _wide_eff(g, "point", (exp.primary,))
        )
    level_recs = []
    for f in factors:
        for level, grp in runs.groupby(f, sort=True):
            s = describe(grp[exp.primary])
            a.rows += long_rows("levels", f"{f}={_fmt(level)}", exp.primary, s)
            level_recs.append({"factor": f, "level": _fmt(level), **s})
    lv = pd.DataFrame(level_recs)
    a.tables[f"Main effects on {exp.primary} (pooled over the other factors)"] = lv[
        ["factor", "level", "n"]
    ].assign(**{exp.primary: [cell(r.mean, r.ci_low, r.ci_high) for r in lv.itertuples()]})
    prim = p[p["outcome"] == exp.primary].sort_values("mean")
    a.answers.append(
        f"{exp.primary} ranges from {prim.iloc[0]['mean']:.4g} ({prim.iloc[0]['point']}) to "
        f"{prim.iloc[-1]['mean']:.4g} ({prim.iloc[-1]['point']})."
    )
    for f in factors:
        sub = lv[lv["factor"] == f]
        levels = ", ".join(f"{r.level}: {r.mean:.4g}" for r in sub.itertuples())
        a.answers.append(f"Main effect of {f} on {exp.primary}: {levels}.")
    if ref_runs is not None:
        g = a.frames["gains"]
        gp = g[g["outcome"] == exp.primary]
        pos = int((gp["diff_low"] > 0).sum())
        neg = int((gp["diff_high"] < 0).sum())
        a.answers.append(
            f"Gain in {exp.primary} vs {exp.arm(exp.reference).label}: significantly positive "
            f"at {pos} of {len(gp)} design points, significantly negative at {neg}, "
            f"undetermined at {len(gp) - pos - neg}."
        )
        if exp.boundary and len(factors) >= 2:
            a.answers += _boundary(a, gp, factors, exp.primary)
    a.answers += _level_contrasts(a, runs, factors, tuple(exp.outcomes), exp.primary)
    _replication_rows(
        a,
        {
            _label(points.loc[pid], factors): grp.set_index("replicate")[exp.primary]
            for pid, grp in runs.groupby("point_id")
        },
        exp.primary,
    )
    return a


def _level_contrasts(
    a: Analysis, runs: pd.DataFrame, factors: list[str], outcomes: tuple[str, ...], primary: str
) -> list[str]:
    """Paired differences between each level of a factor and its first level, matched on the
    other factors' values and the replicate (same seed: common random numbers).

    Pooled main effects hide small differences under the spread between design points;
    pairing removes that spread, so a small but consistent effect shows as such.
    """
    recs, answers = [], []
    for f in factors:
        matched = [g for g in factors if g != f] + ["replicate"]
        levels = sorted(runs[f].unique())
        base = levels[0]
        for o in outcomes:
            wide = runs.pivot_table(index=matched, columns=f, values=o)
            for level in levels[1:]:
                e = paired_effect(wide[level], wide[base])
                label = f"{f}: {_fmt(level)} - {_fmt(base)}"
                a.rows += long_rows("level_contrasts", label, o, e)
                recs.append({"contrast": label, "outcome": o, **e})
                if o == primary:
                    answers.append(f"{label}, paired: {_effect_text(o, e)}: {_verdict(e)}.")
    a.tables[
        "Paired differences between factor levels (matched on the other factors and the "
        "replicate; 95 % CI), Cohen's d"
    ] = _wide_eff(pd.DataFrame(recs), "contrast", outcomes)
    return answers


def _boundary(a: Analysis, gp: pd.DataFrame, factors: list[str], primary: str) -> list[str]:
    """For each level of the first factor (and of any facet factor), the lowest level of the
    second factor from which the gain's CI no longer lies above zero."""
    f1, f2, rest = factors[0], factors[1], factors[2:]
    out = []
    for raw, unsorted in gp.groupby([f1, *rest], sort=True):
        key = raw if isinstance(raw, tuple) else (raw,)
        grp = unsorted.sort_values(f2)
        lost = grp[~(grp["diff_low"] > 0)]
        name = ", ".join(f"{f}={_fmt(v)}" for f, v in zip([f1, *rest], key, strict=True))
        a.rows += long_rows(
            "collapse",
            name,
            primary,
            {f"first_{f2}_without_gain": float(lost.iloc[0][f2]) if len(lost) else math.nan},
        )
        if len(lost):
            out.append(
                f"Collapse ({name}): the gain in {primary} is no longer significantly "
                f"positive from {f2} = {_fmt(lost.iloc[0][f2])} on."
            )
        else:
            out.append(
                f"No collapse ({name}): the gain in {primary} stays significantly "
                f"positive at every {f2} level tested."
            )
    return out


# --- shocks: paired counterfactual resilience ---------------------------------------------------


def paired_resilience(
    shocked: pd.DataFrame, calm: pd.DataFrame, shock_step: int
) -> tuple[float, float, bool, np.ndarray]:
    """Drop = max over months after the shock of (W_calm - W_shock) / W_calm; recovery = months
    after the shock until that gap, after its deepest point, first falls below 1 %.
    Returns (drop, months, censored, gap series)."""
    w_s = shocked.set_index("step")[SERIES_METRIC]
    w_c = calm.set_index("step")[SERIES_METRIC]
    steps = [s for s in w_s.index if s > shock_step and s in w_c.index]
    gap = ((w_c.loc[steps] - w_s.loc[steps]) / w_c.loc[steps]).to_numpy(float)
    if gap.size == 0:
        return 0.0, 0.0, False, gap
    low = int(np.argmax(gap))
    drop = max(0.0, float(gap[low]))
    if drop < RECOVERED:
        return drop, 0.0, False, gap
    closed = np.flatnonzero(gap[low:] < RECOVERED)
    if closed.size:
        return drop, float(low + int(closed[0]) + 1), False, gap
    return drop, float(gap.size + 1), True, gap


def _points(runs: pd.DataFrame, factors: list[str]) -> dict[str, pd.DataFrame]:
    """An arm's runs by design point label ("" when the arm has no factors), each indexed by
    replicate."""
    ok = _ok(runs)
    if not factors:
        return {"": ok.set_index("replicate")}
    return {
        _label(grp.iloc[0], factors): grp.set_index("replicate")
        for _, grp in ok.groupby("point_id", sort=True)
    }


def _with_point(name: str, point: str) -> str:
    return f"{name} [{point}]" if point else name


def resilience_frames(data: ExperimentData) -> tuple[dict[tuple[str, str], pd.DataFrame], list]:
    """Per shocked arm and design point (e.g. which sectors a cut hits): one row per
    replicate with the paired drop and recovery against the same seed's unshocked run of the
    counterfactual arm; and the monthly gap series for the figure."""
    exp = data.exp
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    gaps: list[dict[str, Any]] = []
    for arm in exp.arms:
        if arm.counterfactual is None:
            continue
        shocked = data.arms[arm.name]
        c_runs = _ok(data.arms[arm.counterfactual].runs).set_index("replicate")
        c_ser = data.arms[arm.counterfactual].series
        assert shocked.series is not None and c_ser is not None
        for point, s_runs in _points(shocked.runs, shocked.factors).items():
            shock_step = _shock_step(shocked.folder, arm.name)
            recs = []
            for rep in s_runs.index.intersection(c_runs.index):
                drop, months, censored, gap = paired_resilience(
                    shocked.series[shocked.series["run_id"] == s_runs.loc[rep, "run_id"]],
                    c_ser[c_ser["run_id"] == c_runs.loc[rep, "run_id"]],
                    shock_step,
                )
                recs.append(
                    {
                        "replicate": rep,
                        "paired_drop": drop,
                        "paired_recovery": months,
                        "censored": censored,
                        "welfare_drop": s_runs.loc[rep, "welfare_drop"],
                        "recovery_time": s_runs.loc[rep, "recovery_time"],
                        "welfare_mean": s_runs.loc[rep, "welfare_mean"],
                        "welfare_mean_loss": c_runs.loc[rep, "welfare_mean"]
                        - s_runs.loc[rep, "welfare_mean"],
                    }
                )
                gaps += [
                    {
                        "arm": arm.label,
                        "group": arm.group,
                        "shock": _with_point(arm.shock or "", point),
                        "replicate": rep,
                        "month": shock_step + i + 1,
                        "gap": g,
                    }
                    for i, g in enumerate(gap)
                ]
            frames[arm.name, point] = pd.DataFrame(recs).set_index("replicate")
    return frames, gaps


def _shock_step(folder: Any, arm: str) -> int:
    sc = load_scenario(folder.parent / f"{arm}.scenario.toml")
    return min(s.step for s in sc.shocks)


def shock_pairs(
    exp: Any, frames: dict[tuple[str, str], pd.DataFrame]
) -> list[tuple[str, Any, Any]]:
    """(row label, with-partnerships frame, without-partnerships frame) per shock and design
    point: the pairs whose difference answers "do partnerships soften the shock?"."""
    out = []
    shocks = sorted({x.shock for x in exp.arms if x.shock and x.counterfactual})
    for shock in shocks:
        arms = [x for x in exp.arms if x.shock == shock and x.counterfactual]
        with_ = next(x for x in arms if x.group == "with")
        without = next(x for x in arms if x.group == "without")
        points = [p for (name, p) in frames if name == with_.name]
        for point in points:
            if (without.name, point) in frames:
                row = f"{shock}, {point}" if point else shock
                out.append((row, frames[with_.name, point], frames[without.name, point]))
    return out


def analyze_shocks(data: ExperimentData) -> Analysis:
    """Paired-counterfactual drop and recovery per shocked arm (and design point, e.g. the
    sectors a cut hits); with vs without partnerships."""
    exp, a = data.exp, Analysis()
    frames, gaps = resilience_frames(data)
    labels = {(name, p): _with_point(exp.arm(name).label, p) for name, p in frames}
    for key, df in frames.items():
        for o in RESILIENCE_OUTCOMES:
            a.rows += long_rows("resilience", labels[key], o, describe(df[o]))
        a.rows += long_rows(
            "resilience", labels[key], "censored_recoveries", {"count": float(df["censored"].sum())}
        )
    a.frames["gaps"] = pd.DataFrame(gaps)
    res = pd.DataFrame(
        [
            {"arm": labels[key], "outcome": o, **describe(df[o])}
            for key, df in frames.items()
            for o in RESILIENCE_OUTCOMES
        ]
    )
    a.frames["resilience"] = res
    a.tables["Resilience per arm (mean and 95 % CI over replicates)"] = _wide(
        res, "arm", RESILIENCE_OUTCOMES
    )
    effs = []
    for row, with_, without in shock_pairs(exp, frames):
        for o in ("paired_drop", "paired_recovery", "welfare_mean_loss"):
            e = paired_effect(with_[o], without[o])
            a.rows += long_rows("with_minus_without", row, o, e)
            effs.append({"shock": row, "outcome": o, **e})
        dw, dwo = with_["paired_drop"], without["paired_drop"]
        rw, rwo = with_["paired_recovery"], without["paired_recovery"]
        n_cens = [int(f["censored"].sum()) for f in (with_, without)]
        a.answers.append(
            f"{row}: welfare falls at most {dw.mean():.2%} below the same seeds' unshocked "
            f"run with partnerships vs {dwo.mean():.2%} without; recovery (gap < 1 %) takes "
            f"{rw.mean():.1f} vs {rwo.mean():.1f} months (never recovered within the run: "
            f"{n_cens[0]} vs {n_cens[1]} replicates)."
        )
        eff_d = paired_effect(dw, dwo)
        eff_r = paired_effect(rw, rwo)
        a.answers.append(
            f"{row}, with minus without partnerships: {_effect_text('drop', eff_d)}: "
            f"{_verdict(eff_d)}; {_effect_text('recovery months', eff_r)}: {_verdict(eff_r)}."
        )
    e = pd.DataFrame(effs)
    a.frames["effects"] = e
    if not e.empty:
        a.tables["With minus without partnerships (paired by seed, 95 % CI), Cohen's d"] = (
            _wide_eff(e, "shock", ("paired_drop", "paired_recovery", "welfare_mean_loss"))
        )
    _replication_rows(
        a, {labels[key]: df["paired_drop"] for key, df in frames.items()}, "paired_drop"
    )
    return a


# --- sobol: global sensitivity ------------------------------------------------------------------


def analyze_sobol(data: ExperimentData) -> Analysis:
    """First-order and total Sobol' indices (SALib, via the sweep runner's summary)."""
    exp, a = data.exp, Analysis()
    main = next(d for d in data.arms.values() if d.factors)
    s = summarize(main.folder, figures=False)
    a.notes += s.notes
    if s.sobol is None:
        a.answers.append("No Sobol' indices could be computed (see notes).")
        return a
    tab = s.sobol
    a.frames["sobol"] = tab
    for r in tab.itertuples():
        a.rows += long_rows(
            "sobol",
            r.factor,
            r.outcome,
            {"S1": r.S1, "S1_conf": r.S1_conf, "ST": r.ST, "ST_conf": r.ST_conf},
        )
    for o in dict.fromkeys(tab["outcome"]):
        sub = tab[tab["outcome"] == o].sort_values("ST", ascending=False)
        a.tables[f"Sobol' indices of {o} (ranked by total effect ST)"] = (
            sub[["factor", "S1", "S1_conf", "ST", "ST_conf"]].round(4).reset_index(drop=True)
        )
    prim = tab[tab["outcome"] == exp.primary].sort_values("ST", ascending=False)
    a.answers.append(
        f"Ranking of levers by total Sobol' index of {exp.primary}: "
        + ", ".join(
            f"{r.factor} (ST {r.ST:.2f} +/- {r.ST_conf:.2f}, S1 {r.S1:.2f})"
            for r in prim.itertuples()
        )
        + "."
    )
    a.answers.append(
        f"Sum of first-order indices {prim['S1'].sum():.2f}: "
        + (
            "interactions matter little."
            if prim["S1"].sum() > 0.8
            else "a sizeable share of the variance comes from interactions or noise."
        )
    )
    runs = _ok(main.runs)
    y = runs.groupby("point_id")[exp.primary].mean()
    a.rows += long_rows("distribution", "all design points", exp.primary, describe(y))
    a.answers.append(
        f"Across the {len(y)} design points {exp.primary} spans {y.min():.4g} to {y.max():.4g} "
        f"(mean {y.mean():.4g})."
    )
    return a


ANALYSES = {
    "compare": analyze_compare,
    "grid": analyze_grid,
    "shocks": analyze_shocks,
    "sobol": analyze_sobol,
}


def analyze(data: ExperimentData) -> Analysis:
    """Dispatch on the definition's `analysis`."""
    a = ANALYSES[data.exp.analysis](data)
    if a.replication is not None and not a.replication.empty:
        r = a.replication
        worst = r["n_stable"].max()
        met = int((r["met"] == 1.0).sum())
        a.notes.append(
            f"Replication criterion (Lee et al. 2015): the CV of the primary outcome over the "
            f"first n replicates stays within {CV_TOLERANCE:.0%} of its final value from "
            f"n = {worst:g} on in the worst condition, with {data.replications} replications; "
            f"stable over at least the last quarter of the replications in {met} of {len(r)} "
            "conditions"
            + (
                "."
                if met == len(r)
                else " (where not, the CIs are still valid but wider than planned)."
            )
        )
    return a
