"""Write a calibration's results into its folder (each file replaced atomically)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulation.calibration import report
from simulation.calibration.discovery import discover, summary_lines
from simulation.calibration.posterior import Posterior, parameter_table, pattern_shares
from simulation.experiments.patterns import summarize_statistics
from simulation.plots import save
from simulation.sweep.store import read_runs

if TYPE_CHECKING:
    from simulation.calibration.command import Plan


def check_table(plan: Plan) -> pd.DataFrame:
    """Every pattern at the calibrated scenario: mean over the check's seeds, met or not."""
    runs = read_runs(plan.out / "check")
    ok = runs[runs["status"] == "ok"]
    per_seed = [{p.id: row[p.id] for p in plan.patterns} for _, row in ok.iterrows()]
    return summarize_statistics(plan.patterns, per_seed, plan.months)


def notes(plan: Plan) -> list[str]:
    """What the reader must know to judge the result."""
    out = []
    short = [p.id for p in plan.patterns if p.months > plan.months]
    if short:
        out.append(
            f"A budget of {plan.months} months reads these patterns earlier than they are "
            f"defined (a shorter question): {', '.join(short)}."
        )
    recalled = [p.id for p in plan.patterns if p.evidence == "recalled"]
    if recalled:
        out.append(
            "Targets recalled, not yet re-read in the source (experiments/patterns/"
            f"patterns.toml): {', '.join(recalled)}."
        )
    if plan.budget.overrides:
        out.append("Fixed overrides change the town: results hold for that town only.")
    return out


def write_outputs(
    plan: Plan,
    runs: pd.DataFrame,
    posterior: Posterior,
    calibrated: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> tuple[list[Path], pd.DataFrame]:
    """Write posterior, tables, figures, scenario and report; return the files and the
    check of every pattern at the calibrated scenario."""
    out = plan.out
    params = parameter_table(posterior, plan.ranges)
    shares = pattern_shares(runs, posterior, plan.calibration)
    check = check_table(plan)
    pairs = report.pair_parameters(params)
    found = discover(posterior.points, list(posterior.parameters))
    files = {
        "posterior.parquet": report.posterior_parquet(posterior),
        "rejection.parquet": report.rejection_parquet(posterior),
        "parameters.csv": params.to_csv(index=False),
        "pattern_shares.csv": shares.to_csv(index=False),
        "check.csv": check.to_csv(index=False),
        "prim_boxes.csv": found.boxes.to_csv(index=False),
        "calibrated.toml": report.scenario_toml(
            calibrated,
            f"Weighted posterior median of a regression-adjusted ABC calibration on "
            f"{plan.patterns_file.name} ({len(posterior.sample)} accepted points); see "
            "report.md beside this file.",
        ),
        "report.md": report.report_markdown(
            settings=settings,
            parameters=params,
            shares=shares,
            check=check,
            posterior=posterior,
            pairs=pairs,
            notes=notes(plan),
            discovery=summary_lines(found, posterior.accepted),
        ),
    }
    for name, data in files.items():
        report.write_atomic(out / name, data)
    figures = {
        "marginals.png": report.marginals_figure(posterior, plan.ranges),
        "pairs.png": report.pairs_figure(posterior, plan.ranges, pairs),
    }
    for name, fig in figures.items():
        tmp = out / f".{name}.tmp.png"
        save(fig, tmp)
        tmp.replace(out / name)
    return [out / n for n in (*files, *figures)], check
