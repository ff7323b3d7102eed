"""`partnership calibrate PATTERNS`: check the input, run the design and the check of the
calibrated scenario through the sweep runner, analyse, write.

Exit codes as for sweeps: 0 done, 1 runs failed or the executor broke (what finished is
saved; the same command resumes), 2 bad input (one line, nothing written), 130 interrupted.
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simulation.calibration.design import PatternRun, check_sweep, design_sweep, prior
from simulation.experiments.patterns import Pattern, PatternError, load_patterns
from simulation.inputs import InputError, validate
from simulation.outdir import OutputRefusedError, check_folder, check_out_path, mark
from simulation.params import ModelParams
from simulation.sweep.errors import SweepAbortedError, SweepError

DESIGN, CHECK = "design", "check"
QUICK_FOLDER = "quick"  # --quick's default folder, inside the full calibration's folder
OUTPUT_FILES = frozenset(
    {
        DESIGN,
        CHECK,
        "posterior.parquet",
        "rejection.parquet",
        "parameters.csv",
        "pattern_shares.csv",
        "check.csv",
        "prim_boxes.csv",
        "marginals.png",
        "pairs.png",
        "calibrated.toml",
        "report.md",
    }
)


class CalibrationError(ValueError):
    """Bad input to a calibration; `str()` is one line naming the option or file."""


@dataclass(frozen=True)
class Budget:
    """How many runs: design points, seeds per point, months (None: each pattern's own),
    the accepted share, and seeds for the check of the calibrated scenario."""

    points: int = 2000
    seeds: int = 5
    months: int | None = None
    accept: float = 0.05
    check_seeds: int = 10
    root_seed: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)


QUICK = Budget(
    points=16, seeds=1, months=24, accept=0.25, check_seeds=2, overrides={"n_citizens": 300}
)


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs; VALUE is read as a TOML value (a bare word is a string)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise CalibrationError(f"--set {item!r}: allowed: KEY=VALUE, e.g. n_citizens=500")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        out[key.strip()] = value
    try:
        validate(ModelParams, out, "--set")
    except InputError as exc:
        raise CalibrationError(str(exc)) from None
    return out


@dataclass(frozen=True)
class Plan:
    """A checked calibration: everything needed to run it."""

    patterns_file: Path
    patterns: tuple[Pattern, ...]
    ranges: dict[str, tuple[float, float]]
    budget: Budget
    months: int
    out: Path

    @property
    def calibration(self) -> tuple[Pattern, ...]:
        """The patterns fitted."""
        return tuple(p for p in self.patterns if p.use == "calibration")


def prepare(patterns_file: Path, budget: Budget, out: Path | None) -> Plan:
    """Check every input before anything is written; CalibrationError (one line) if bad."""
    try:
        patterns = load_patterns(patterns_file)
    except PatternError as exc:
        raise CalibrationError(str(exc)) from None
    ranges = prior()
    if not ranges:
        raise CalibrationError("no parameter has a plausible range (simulation.params)")
    if not any(p.use == "calibration" for p in patterns):
        raise CalibrationError(f"{patterns_file}: no pattern has use = 'calibration'")
    fixed = sorted(set(budget.overrides) & set(ranges))
    if fixed:
        raise CalibrationError(
            f"--set {fixed[0]}: a calibrated parameter (allowed: parameters without a "
            f"plausible range; calibrated: {', '.join(ranges)})"
        )
    if not 0 < budget.accept <= 1:
        raise CalibrationError(f"--accept {budget.accept}: allowed: a share in (0, 1]")
    months = budget.months or max(p.months for p in patterns)
    try:
        folder = Path("results") / "calibration" if out is None else check_out_path(out)
        # a full run leaves the quick calibration's folder beside its files alone
        check_folder(folder, "calibrate", replaces=OUTPUT_FILES | {QUICK_FOLDER})
    except OutputRefusedError as exc:
        raise CalibrationError(str(exc)) from None
    plan = Plan(patterns_file, patterns, ranges, budget, months, folder)
    try:
        _design(plan).resolve()
    except SweepError as exc:
        raise CalibrationError(str(exc)) from None
    return plan


def _design(plan: Plan) -> Any:
    b = plan.budget
    return design_sweep(
        plan.calibration,
        plan.ranges,
        points=b.points,
        seeds=b.seeds,
        months=plan.months,
        root_seed=b.root_seed,
        overrides=b.overrides,
    )


@dataclass
class Outcome:
    """What a calibration did: files, sizes and speed."""

    out: Path
    posterior_size: int
    design_points: int
    model_runs: int
    runs_per_s: float
    validation_met: int
    validation_total: int
    failed: int
    elapsed_s: float
    files: list[Path] = field(default_factory=list)


def calibrate(plan: Plan, **options: Any) -> Outcome:
    """Run the design, analyse it, check the calibrated scenario, write everything.

    `options` go to `run_sweep` (workers, scheduler, fresh, progress)."""
    from simulation.sweep.run import run_owned_sweep
    from simulation.sweep.store import read_runs

    t0 = time.perf_counter()
    plan.out.mkdir(parents=True, exist_ok=True)
    mark(plan.out, "calibrate")
    b = plan.budget
    overrides = tuple(sorted(b.overrides.items()))
    fit = PatternRun(plan.calibration, tuple(plan.ranges), overrides, gain=True)
    design = run_owned_sweep(
        _design(plan), plan.out / DESIGN, run_fn=fit, summarize=False, **options
    )
    from simulation.calibration.posterior import abc_reject

    runs = read_runs(plan.out / DESIGN)
    posterior = abc_reject(runs, tuple(plan.ranges), plan.calibration, accept=b.accept)
    if posterior.sample.empty:
        raise SweepAbortedError("no design point has every calibration statistic; see design/")
    centre = posterior.centre()
    fixed = {**b.overrides, **centre}
    spec = check_sweep(
        plan.patterns,
        seeds=b.check_seeds,
        months=plan.months,
        root_seed=b.root_seed + 1,
        overrides=fixed,
    )
    check_fn = PatternRun(plan.patterns, (), tuple(sorted(fixed.items())))
    checked = run_owned_sweep(spec, plan.out / CHECK, run_fn=check_fn, summarize=False, **options)
    from simulation.calibration.write import write_outputs

    files, check = write_outputs(plan, runs, posterior, fixed, settings(plan, design))
    validation = check[check["use"] == "validation"]
    return Outcome(
        out=plan.out,
        posterior_size=len(posterior.sample),
        design_points=len(posterior.points),
        model_runs=design.ran * fit.model_runs(plan.months),
        runs_per_s=design.rate * fit.model_runs(plan.months),
        validation_met=int(validation["met"].sum()),
        validation_total=len(validation),
        failed=design.failed + checked.failed,
        elapsed_s=time.perf_counter() - t0,
        files=files,
    )


def settings(plan: Plan, design: Any) -> dict[str, Any]:
    """The calibration's settings, for the report."""
    b = plan.budget
    per_task = PatternRun(plan.calibration, (), gain=True).model_runs(plan.months)
    ran = design.ran * per_task
    this_call = (
        f"{ran} run in this call at {design.rate * per_task:.2f} runs/s on {design.executor}"
        if ran
        else "all read back from an earlier call of this calibration"
    )
    return {
        "patterns file": plan.patterns_file.name,
        "calibration patterns": ", ".join(p.id for p in plan.calibration),
        "parameters (uniform priors)": len(plan.ranges),
        "design": f"Latin hypercube, {b.points} points x {b.seeds} seeds "
        f"(common random numbers), root seed {b.root_seed}",
        "model runs": f"{b.points * b.seeds * per_task} ({per_task} per point and seed; "
        f"{this_call})",
        "months read": f"at most {plan.months}",
        "fixed overrides": ", ".join(f"{k} = {v}" for k, v in b.overrides.items()) or "none",
        "accepted share": b.accept,
        "check of the calibrated scenario": f"{b.check_seeds} seeds, root seed {b.root_seed + 1}",
    }


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def calibrate_command(
    patterns_file: Path,
    budget: Budget,
    out: Path | None,
    *,
    workers: int | None,
    scheduler: str | None,
    fresh: bool,
    progress: bool,
) -> int:
    """Run a calibration from the command line; print where the results are."""
    try:
        plan = prepare(patterns_file, budget, out)
    except CalibrationError as exc:
        _err(str(exc))
        return 2
    options = {"workers": workers, "scheduler": scheduler, "fresh": fresh, "progress": progress}
    try:
        result = calibrate(plan, **options)
    except SweepError as exc:
        _err(str(exc))
        return 2
    except SweepAbortedError as exc:
        _err(str(exc))
        return 1
    except OSError as exc:
        _err(f"{plan.out}: {exc.strerror or exc}; finished runs are saved, rerun to resume")
        return 1
    except KeyboardInterrupt:
        _err(f"interrupted: finished runs are saved in {plan.out}; the same command resumes")
        return 130
    print(
        f"calibration: {result.posterior_size} of {result.design_points} design points "
        f"accepted; {result.model_runs} model runs now at {result.runs_per_s:.2f} runs/s; "
        f"held-out patterns met at the calibrated scenario: {result.validation_met} of "
        f"{result.validation_total}"
    )
    print(f"results: {result.out}/ (report.md, calibrated.toml, posterior.parquet, figures)")
    if result.failed:
        _err(f"{result.failed} runs failed (see {result.out / DESIGN} and {result.out / CHECK})")
        return 1
    return 0


def with_options(budget: Budget, **changes: Any) -> Budget:
    """`budget` with the options the user gave (None: keep the budget's)."""
    return replace(budget, **{k: v for k, v in changes.items() if v is not None})
