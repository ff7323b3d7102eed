"""One experiment end to end: run the arms, analyze, draw, write the results folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulation.experiments.analysis import Analysis, analyze
from simulation.experiments.definition import RESULTS_DIR, ExperimentDef
from simulation.experiments.execute import ExperimentData, run_experiment
from simulation.experiments.figures import draw
from simulation.experiments.report import write_manifest, write_report, write_summary


@dataclass
class Outcome:
    """What an experiment produced."""

    data: ExperimentData
    analysis: Analysis
    folder: Path
    files: list[Path]


def results_folder(exp: ExperimentDef, quick: bool, root: Path = RESULTS_DIR) -> Path:
    """results/<name>/ for the full variant, results/<name>/quick/ for the quick one."""
    return root / exp.name / "quick" if quick else root / exp.name


def run_and_report(
    exp: ExperimentDef, out: Path, *, quick: bool, workers: int | None, progress: bool = True
) -> Outcome:
    """Run (resuming what is on disk), analyze and write every file of `out`."""
    data = run_experiment(exp, out, quick=quick, workers=workers, progress=progress)
    a = analyze(data)
    factors = next((d.factors for d in data.arms.values() if d.factors), [])
    figures = draw(exp, a, factors, out / "figures")
    files = [write_summary(a, out), *figures]
    files.append(write_report(data, a, out, figures))
    files.append(out / "summary.md")
    files.append(write_manifest(data, out, [*files, out / "manifest.json"]))
    return Outcome(data, a, out, files)
