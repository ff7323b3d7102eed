"""Calibration speed, printed as figures: `python benchmarks/calibration_bench.py`.

Runs a small calibration of the shipped patterns at full length (every pattern at its own
months, the default town) through the sweep runner on 2 workers, and prints:
- model runs, wall time and wall time per 1,000 model runs (what the issue's budget asks:
  at least 20,000 runs in under 30 minutes on 2 cores), with the extrapolation;
- CPU seconds per model run (median over the design's tasks; robust to a loaded machine).
A "model run" is one simulation; each design point and seed needs a few (the patterns share
runs where they can: `simulation.experiments.patterns.run_plan`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

TARGET_RUNS = 20_000
TARGET_MINUTES = 30.0


def main() -> None:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=32, help="design points")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from simulation.calibration.command import Budget, calibrate, prepare
    from simulation.calibration.design import PatternRun
    from simulation.experiments.patterns import patterns_file
    from simulation.sweep.store import read_runs

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "calibration"
        budget = Budget(points=args.points, seeds=1, accept=0.25, check_seeds=2)
        plan = prepare(patterns_file(), budget, out)
        result = calibrate(plan, workers=args.workers, progress=False)
        per_task = PatternRun(plan.calibration, (), gain=True).model_runs(plan.months)
        cpu = read_runs(out / "design")["cpu_s"].dropna() / per_task
    wall_per_run = 1.0 / result.runs_per_s
    per_1000 = 1000 * wall_per_run
    minutes = TARGET_RUNS * wall_per_run / 60
    print(
        f"design: {args.points} points x 1 seed, {per_task} model runs each, {args.workers} workers"
    )
    print(f"model runs           {result.model_runs}")
    print(f"runs per second      {result.runs_per_s:.2f}")
    print(f"wall s per 1000 runs {per_1000:.0f}")
    print(f"CPU s per run        {statistics.median(cpu):.3f} (median over tasks)")
    print(
        f"{TARGET_RUNS} runs          {minutes:.0f} min on {args.workers} workers "
        f"(target {TARGET_MINUTES:.0f} min: {'met' if minutes <= TARGET_MINUTES else 'not met'}; "
        f"needs {TARGET_RUNS / (TARGET_MINUTES * 60):.1f} runs/s)"
    )
    print(f"whole command        {result.elapsed_s:.0f} s (design, check of 2 seeds, figures)")


if __name__ == "__main__":
    main()
