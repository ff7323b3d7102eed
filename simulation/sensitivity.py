"""`partnership sensitivity`: Morris screening over every parameter with a plausible range.

Which of the parameters that have no published value drive the headline outcomes?  A Morris
design (SALib; `--trajectories` one-at-a-time paths through the plausible ranges of
`simulation.params.plausible_ranges()`, 4 levels) is run by the sweep runner.  Each run
yields the headline outcomes (`HEADLINES`), among them the welfare gain over the same town
without partnerships, which needs a second run with `partnering_rate = 0` on the same seed.
Elementary effects are computed from the replicate means of each point; mu* (mean absolute
effect, in the outcome's units, with a bootstrap CI) ranks the parameters, sigma flags
interactions or non-linearity (Campolongo, Cariboni & Saltelli 2007).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from simulation.calibration.command import CalibrationError
from simulation.calibration.design import digest
from simulation.outdir import OutputRefusedError, check_folder, check_out_path, mark
from simulation.params import ModelParams, plausible_ranges
from simulation.sweep.errors import SweepAbortedError, SweepError
from simulation.sweep.spec import SweepSpec, parse_sweep

HEADLINES = {
    "welfare_gain": "mean community welfare minus that of the same town without partnerships",
    "welfare_mean": "mean community welfare over the run",
    "gini": "Gini of citizens' welfare at the end",
    "partnership_survival": "share of partnerships formed that did not fail",
    "coverage": "share of citizens served in the last month",
}
TOP = 3  # drivers named per outcome in the report
OUTPUT_FILES = frozenset({"design", "morris.csv", "morris.png", "report.md"})


@dataclass(frozen=True)
class HeadlineRun:
    """A sweep's run function: the headline outcomes at one point for one seed."""

    factors: tuple[str, ...]
    overrides: tuple[tuple[str, Any], ...] = ()

    def __call__(
        self,
        params: Mapping[str, Any],
        *,
        seed: int,
        steps: int,
        shocks: Sequence[Any] = (),
        series_every: int | None = None,
    ) -> Any:
        """Same signature as `simulation.runner.run_one`."""
        from simulation.runner import RunResult, run_one

        point = {**dict(self.overrides), **{name: params[name] for name in self.factors}}
        run = {**params, **point}
        with_partners = run_one(run, seed=seed, steps=steps, shocks=shocks).outcomes
        alone = run_one({**run, "partnering_rate": 0.0}, seed=seed, steps=steps, shocks=shocks)
        outcomes = {k: with_partners[k] for k in HEADLINES if k in with_partners}
        outcomes["welfare_gain"] = with_partners["welfare_mean"] - alone.outcomes["welfare_mean"]
        return RunResult(outcomes=outcomes, series=None)


@dataclass(frozen=True)
class Budget:
    """Trajectories, seeds per point, months, fixed overrides, root seed."""

    trajectories: int = 20
    seeds: int = 2
    months: int = 120
    root_seed: int = 7
    overrides: dict[str, Any] | None = None


QUICK = Budget(trajectories=4, seeds=1, months=24, overrides={"n_citizens": 300})


def morris_sweep(ranges: Mapping[str, tuple[float, float]], budget: Budget) -> SweepSpec:
    """The Morris design over the plausible ranges, as a sweep of the default scenario."""
    overrides = budget.overrides or {}
    factors = {}
    for name, (low, high) in ranges.items():
        integer = ModelParams.model_fields[name].annotation is int
        factors[name] = (
            {"low": float(round(low)), "high": float(round(high)), "type": "int"}
            if integer
            else {"low": low, "high": high}
        )
    return parse_sweep(
        {
            "name": f"sensitivity-{digest(sorted(overrides.items()))}",
            "description": "Morris screening of the parameters with a plausible range.",
            "base": "default",
            "steps": budget.months,
            "replications": budget.seeds,
            "root_seed": budget.root_seed,
            "design": {"method": "morris", "samples": budget.trajectories},
            "factors": factors,
        },
        label="sensitivity design",
    )


def drivers(table: Any) -> Any:
    """The TOP parameters by mu* for each outcome, with mu* and its CI."""
    ranked = table.sort_values(["outcome", "mu_star"], ascending=[True, False])
    return ranked.groupby("outcome", sort=False).head(TOP)


def report_markdown(table: Any, spec: SweepSpec, runs: int, rate: float) -> str:
    """Which parameters drive each headline outcome."""
    from simulation.sweep.summary import markdown_table

    lines = [
        "# Morris screening of the parameters with a plausible range",
        "",
        f"- design: {spec.design.samples} trajectories x {len(spec.factors)} + 1 points x "
        f"{spec.replications} seeds, {spec.steps} months, default scenario",
        f"- {runs} model runs in this call at {rate:.2f} runs/s (two per point and seed: "
        "with and without partnerships)",
        "- mu*: mean absolute elementary effect over a move across the parameter's range "
        "(4 levels), in the outcome's units, with a 95 % bootstrap CI; sigma large next to "
        "mu*: interactions or non-linearity",
        "",
        "## Main drivers of each outcome",
        "",
    ]
    for outcome, group in drivers(table).groupby("outcome", sort=False):
        named = ", ".join(
            f"{r.factor} (mu* {r.mu_star:.3g} +/- {r.mu_star_conf:.2g})" for r in group.itertuples()
        )
        lines.append(f"- **{outcome}** ({HEADLINES.get(outcome, '')}): {named}")
    lines += ["", "## All effects", "", markdown_table(table), ""]
    return "\n".join(lines)


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def prepare(budget: Budget, out: Path | None) -> tuple[SweepSpec, Path]:
    """Check every input before anything is written (CalibrationError: one line)."""
    ranges = plausible_ranges()
    fixed = sorted(set(budget.overrides or {}) & set(ranges))
    if fixed:
        raise CalibrationError(
            f"--set {fixed[0]}: a screened parameter (allowed: parameters without a "
            f"plausible range; screened: {', '.join(ranges)})"
        )
    try:
        folder = Path("results") / "sensitivity" if out is None else check_out_path(out)
        check_folder(folder, "sensitivity", replaces=OUTPUT_FILES)
        spec = morris_sweep(ranges, budget)
        spec.resolve()
    except (OutputRefusedError, SweepError) as exc:
        raise CalibrationError(str(exc)) from None
    return spec, folder


def sensitivity_command(budget: Budget, out: Path | None, **options: Any) -> int:
    """Run the screening; write morris.csv, morris.png and report.md; print the drivers."""
    from simulation.calibration.report import write_atomic
    from simulation.sweep.run import run_owned_sweep
    from simulation.sweep.store import read_runs
    from simulation.sweep.summary import morris_figure, morris_table

    try:
        spec, folder = prepare(budget, out)
    except CalibrationError as exc:
        _err(str(exc))
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    mark(folder, "sensitivity")
    run_fn = HeadlineRun(tuple(spec.factors), tuple(sorted((budget.overrides or {}).items())))
    design = folder / "design"
    try:
        report = run_owned_sweep(spec, design, run_fn=run_fn, summarize=False, **options)
    except SweepError as exc:
        _err(str(exc))
        return 2
    except SweepAbortedError as exc:
        _err(str(exc))
        return 1
    except KeyboardInterrupt:
        _err(f"interrupted: finished runs are saved in {folder}; the same command resumes")
        return 130
    resolved = spec.resolve()
    runs = read_runs(design)
    table, notes = morris_table(
        runs, resolved.problem or {}, resolved.n_points, list(HEADLINES), budget.root_seed
    )
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if table is None:
        _err(f"no outcome could be analysed; see {folder / 'design'}")
        return 1
    write_atomic(folder / "morris.csv", table.to_csv(index=False))
    text = report_markdown(table, spec, 2 * report.ran, 2 * report.rate)
    write_atomic(folder / "report.md", text)
    from simulation.plots import print_style

    with print_style():
        drawn = morris_figure(table, list(HEADLINES), folder / ".morris.tmp.png")
    drawn.replace(folder / "morris.png")
    for outcome, group in drivers(table).groupby("outcome", sort=False):
        print(f"{outcome}: {', '.join(group['factor'])}")
    print(f"results: {folder}/ (report.md, morris.csv, morris.png)")
    return 1 if report.failed else 0


def with_options(budget: Budget, **changes: Any) -> Budget:
    """`budget` with the options the user gave (None: keep the budget's)."""
    return replace(budget, **{k: v for k, v in changes.items() if v is not None})
