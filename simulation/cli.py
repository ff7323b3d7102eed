"""The `partnership` command: run, validate, sweep, summarize, experiment, calibrate, viz."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from . import inputs
from .outdir import OutputRefusedError, check_folder, check_out_path, group_readable, mark
from .scenario import (
    MAX_SEED,
    MAX_STEPS,
    Scenario,
    ScenarioError,
    default_scenario,
    list_scenarios,
    load_scenario,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate partnerships (kemitraan) between organizations and their effect on welfare.",
)
RESULTS = Path("results")
RUN_FILES = frozenset({"timeseries.csv", "timeseries.parquet", "figure.png", "scenario.json"})
SUMMARY_METRICS = (
    "community_welfare",
    "welfare_health",
    "welfare_education",
    "welfare_housing",
    "welfare_livelihood",
    "gini",
    "coverage",
    "active_partnerships",
    "formal_partnerships",
    "informal_partnerships",
    "mean_trust",
    "partner_trust",
    "partnership_survival",
    "duplication_waste",
    "resource_efficiency",
)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear line to stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _load(scenario: str | None) -> Scenario:
    try:
        return load_scenario(scenario) if scenario else default_scenario()
    except ScenarioError as exc:
        raise fail(str(exc)) from None


def publish(tmp: Path, out: Path) -> None:
    """Move a finished output folder into place.

    `out` is new, empty or an earlier run's output (`outdir.check_folder` said so just
    before): the old folder is set aside and deleted only once the new one is in place.
    """
    check_folder(out, "run", replaces=RUN_FILES)  # again: the folder may have changed meanwhile
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _out_folder(out: Path | None, sc: Scenario, seed: int) -> Path:
    """The run's output folder, checked before the run: exit 2 for a path the tool must not
    use (or replace), exit 1 for one it cannot write to."""
    try:
        out = RESULTS / "runs" / f"{sc.name}-seed{seed}" if out is None else check_out_path(out)
        check_folder(out, "run", replaces=RUN_FILES)
    except OutputRefusedError as exc:
        raise fail(str(exc)) from None
    except PermissionError as exc:
        raise fail(str(exc), 1) from None
    return out


def _write_outputs(frame: Any, sc: Scenario, out: Path) -> None:
    """Write every file into a hidden folder beside `out`, then publish it in one rename."""
    from .plots import save_run_figure

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        group_readable(tmp)
        mark(tmp, "run")
        frame.to_csv(tmp / "timeseries.csv", index=False)
        frame.to_parquet(tmp / "timeseries.parquet", index=False)
        save_run_figure(frame, f"{sc.name} (seed {sc.seed})", tmp / "figure.png")
        (tmp / "scenario.json").write_text(sc.model_dump_json(indent=2), encoding="utf-8")
        publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


NoProgress = Annotated[
    bool, typer.Option("--no-progress", help="No progress bar (logs, batch jobs).")
]
Scheduler = Annotated[
    str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
]
Workers = Annotated[int | None, typer.Option(min=1, help="Worker processes.")]
Overrides = Annotated[
    list[str] | None,
    typer.Option("--set", help="KEY=VALUE fixed for every run (e.g. n_citizens=500)."),
]


@app.command()
def run(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario file or name in scenarios/ (default: default)")
    ] = None,
    steps: Annotated[
        int | None, typer.Option(min=1, max=MAX_STEPS, help="Months to simulate.")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="Random seed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
) -> None:
    """Run one scenario: write a tidy time series (CSV, Parquet) and a figure; print a summary."""
    sc = _load(scenario)
    used = {"steps": steps or sc.steps, "seed": sc.seed if seed is None else seed}
    try:  # scenario.json records what ran; shocks must still fall within the run
        sc = inputs.validate(Scenario, {**sc.model_dump(mode="json"), **used}, sc.name)
    except inputs.InputError as exc:
        raise fail(str(exc)) from None
    out = _out_folder(out, sc, sc.seed)

    from tqdm import tqdm

    from .model import PartnershipModel  # only now: bad input never waits for the model

    model = PartnershipModel(rng=sc.seed, shocks=sc.shocks, params=sc.model)
    for _ in tqdm(range(sc.steps), desc=f"{sc.name}", unit="month", disable=None, file=sys.stderr):
        model.step()
    frame = model.metrics_frame()
    frame.insert(0, "seed", sc.seed)
    frame.insert(0, "scenario", sc.name)
    try:
        _write_outputs(frame, sc, out)
    except OutputRefusedError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"--out {out}: cannot write the results ({exc.strerror or exc})", 1) from None
    last = frame.iloc[-1]
    typer.echo(
        f"scenario {sc.name}, seed {sc.seed}, {sc.steps} months, {sc.model.n_citizens} citizens"
    )
    typer.echo(f"{'metric':<24}{'month 0':>10}{'month ' + str(sc.steps):>12}")
    for m in SUMMARY_METRICS:
        typer.echo(f"{m:<24}{frame[m].iloc[0]:>10.3f}{last[m]:>12.3f}")
    typer.echo(f"outputs: {out}/ (timeseries.csv, timeseries.parquet, figure.png, scenario.json)")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files without running them: one line per file; exit 2 if any is bad."""
    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except ScenarioError as exc:
            typer.echo(f"error: {exc}", err=True)
            bad += 1
            continue
        typer.echo(f"ok: {f} (scenario '{sc.name}', {len(sc.overrides())} overrides)")
    if bad:
        raise typer.Exit(2)


@app.command()
def scenarios() -> None:
    """List the scenarios shipped in scenarios/."""
    for path in list_scenarios():
        try:
            sc = load_scenario(path)
            typer.echo(f"{path.stem:<36}{sc.description.splitlines()[0][:90]}")
        except ScenarioError as exc:
            typer.echo(f"{path.stem:<36}INVALID: {exc}")


@app.command()
def params() -> None:
    """List every model parameter with its default and meaning."""
    from .params import ModelParams

    for name, field in ModelParams.model_fields.items():
        default = field.default.value if hasattr(field.default, "value") else field.default
        typer.echo(f"{name:<22}{default!s:<14}{field.description}")


@app.command()
def viz(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="Open a browser tab.")] = False,
) -> None:
    """Start the browser visualizer (works offline; every asset is served locally)."""
    from .viz.serve import serve

    serve(host=host, port=port, open_browser=open_browser)


@app.command()
def sweep(
    path: Annotated[
        Path, typer.Argument(help="Sweep file (TOML), e.g. sweeps/trust-x-volatility.toml")
    ],
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local worker processes (default: all cores).")
    ] = None,
    scheduler: Scheduler = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over even if results exist for another spec.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Results folder (default results/NAME).")] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Also rerun runs that failed before.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=0.001, max=1e6, help="Seconds a run may take; a longer run is stopped, failed."
        ),
    ] = None,
    no_progress: NoProgress = False,
    no_summary: Annotated[
        bool, typer.Option("--no-summary", help="Skip the tables and figures at the end.")
    ] = False,
) -> None:
    """Run (or resume) a parameter sweep; results stream to Parquet and are summarized."""
    from .sweep.cli import sweep_command

    code = sweep_command(
        path,
        workers,
        scheduler,
        fresh,
        out,
        retry_failed=retry_failed,
        progress=not no_progress,
        summary=not no_summary,
        timeout_s=timeout,
    )
    raise typer.Exit(code)


@app.command()
def summarize(
    results_dir: Annotated[Path, typer.Argument(help="A sweep's results folder.")],
) -> None:
    """Means with 95% confidence intervals per factor level, figures, Sobol indices."""
    from .sweep.cli import summarize_command

    raise typer.Exit(summarize_command(results_dir))


@app.command()
def experiment(
    name: Annotated[str | None, typer.Argument(help="Experiment name (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the experiments.")] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer replications, smaller town (about a minute).")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Re-run and compare with the committed summary.")
    ] = False,
    workers: Workers = None,
    no_progress: NoProgress = False,
    posterior: Annotated[
        Path | None,
        typer.Option(
            help="Rerun with parameters drawn from this calibration posterior "
            "(posterior.parquet of 'partnership calibrate'); writes results/NAME/posterior/."
        ),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            help="Posterior draws, chosen with the experiment's root seed [20, at most the "
            "posterior's size]."
        ),
    ] = None,
) -> None:
    """Run a reproducible experiment on the seed articles' claims, or check a committed one."""
    from .experiments.cli import experiment_command
    from .sweep.cli import usable_workers

    code = experiment_command(
        name,
        list_,
        quick,
        check,
        usable_workers(workers),
        progress=not no_progress,
        posterior=posterior,
        draws=draws,
    )
    raise typer.Exit(code)


@app.command()
def calibrate(
    patterns: Annotated[
        Path | None,
        typer.Argument(help="Patterns file (default: the shipped experiments/patterns)."),
    ] = None,
    points: Annotated[
        int | None, typer.Option(min=2, max=100_000, help="Latin hypercube points [2000].")
    ] = None,
    seeds: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Seeds per design point [5].")
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(min=2, max=1200, help="Read every pattern by this month at the latest."),
    ] = None,
    accept: Annotated[
        float | None,
        typer.Option(min=0.0001, max=1.0, help="Share of design points accepted [0.05]."),
    ] = None,
    check_seeds: Annotated[
        int | None,
        typer.Option(min=1, max=1000, help="Seeds for the check of the calibrated scenario [10]."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="Root seed [1].")] = None,
    set_: Overrides = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="A tiny budget for tests: 16 points, 24 months.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Results folder (default results/calibration; with --quick, its quick/)."
        ),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard earlier runs of another calibration.")
    ] = False,
    no_progress: NoProgress = False,
) -> None:
    """Fit the parameters without a published value to the observed patterns
    (regression-adjusted ABC); write the posterior, figures, a `calibrated` scenario and the
    held-out check."""
    from .calibration.command import (
        QUICK,
        QUICK_FOLDER,
        Budget,
        CalibrationError,
        calibrate_command,
        parse_overrides,
        with_options,
    )
    from .experiments.patterns import patterns_file
    from .sweep.cli import usable_workers

    try:
        overrides = parse_overrides(set_ or [])
    except CalibrationError as exc:
        raise fail(str(exc)) from None
    base = QUICK if quick else Budget()
    if quick and out is None:  # never over the committed calibration, as experiments' --quick
        out = RESULTS / "calibration" / QUICK_FOLDER
    budget = with_options(
        base,
        points=points,
        seeds=seeds,
        months=months,
        accept=accept,
        check_seeds=check_seeds,
        root_seed=seed,
        overrides={**base.overrides, **overrides},
    )
    code = calibrate_command(
        patterns or patterns_file(),
        budget,
        out,
        workers=usable_workers(workers),
        scheduler=scheduler,
        fresh=fresh,
        progress=not no_progress,
    )
    raise typer.Exit(code)


@app.command()
def robustness(
    posterior: Annotated[
        Path | None,
        typer.Option(help="Calibration posterior (default: the committed one beside the claims)."),
    ] = None,
    draws: Annotated[
        int | None, typer.Option(help="Posterior draws (default: the claims file's `draws`).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default results/robustness).")
    ] = None,
    workers: Workers = None,
    no_progress: NoProgress = False,
) -> None:
    """Share of posterior draws in which each claim's direction holds, with CIs."""
    from .experiments.robustness import robustness_command
    from .sweep.cli import usable_workers

    code = robustness_command(
        posterior,
        draws,
        out,
        workers=usable_workers(workers) or 2,
        progress=not no_progress,
    )
    raise typer.Exit(code)


@app.command()
def sensitivity(
    trajectories: Annotated[
        int | None, typer.Option(min=2, max=10_000, help="Morris trajectories [20].")
    ] = None,
    seeds: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Seeds per design point [2].")
    ] = None,
    months: Annotated[int | None, typer.Option(min=2, max=1200, help="Months [120].")] = None,
    seed: Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="Root seed [7].")] = None,
    set_: Overrides = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="A tiny budget for tests: 4 trajectories, 24 months.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default results/sensitivity).")
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard earlier runs of another screening.")
    ] = False,
    no_progress: NoProgress = False,
) -> None:
    """Morris screening of every parameter with a plausible range: which drive welfare gain,
    welfare, inequality, partnership survival and coverage."""
    from .calibration.command import CalibrationError, parse_overrides
    from .sensitivity import QUICK, Budget, sensitivity_command, with_options
    from .sweep.cli import usable_workers

    try:
        overrides = parse_overrides(set_ or [])
    except CalibrationError as exc:
        raise fail(str(exc)) from None
    base = QUICK if quick else Budget()
    budget = with_options(
        base,
        trajectories=trajectories,
        seeds=seeds,
        months=months,
        root_seed=seed,
        overrides={**(base.overrides or {}), **overrides},
    )
    code = sensitivity_command(
        budget,
        out,
        workers=usable_workers(workers),
        scheduler=scheduler,
        fresh=fresh,
        progress=not no_progress,
    )
    raise typer.Exit(code)


def version_callback(value: bool) -> None:
    """--version: print the installed version and stop."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"partnership (kemitraan) {version('kemitraan')}")
        except PackageNotFoundError:
            typer.echo("partnership (kemitraan, not installed)")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Simulate partnerships (kemitraan) between organizations and their effect on welfare."""


def main(argv: list[str] | None = None) -> int:
    """The `partnership` command: a usage error is one line on stderr and exit 2, like every
    other bad input (click would print a usage block)."""
    try:  # typer vendors click since 0.2x; older ones use click itself
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:  # pragma: no cover
        from click.exceptions import NoArgsIsHelpError, UsageError

    try:
        code = app(args=argv, prog_name="partnership", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 0
    except UsageError as exc:
        where = f"partnership {exc.ctx.info_name}: " if exc.ctx and exc.ctx.parent else ""
        message = " ".join(exc.format_message().split())
        typer.echo(f"error: {where}{message}", err=True)
        return 2
    except typer.Abort:  # Ctrl-C outside a sweep (which handles it itself)
        typer.echo("interrupted", err=True)
        return 130
    return code if isinstance(code, int) else 0


def main_exit() -> None:
    """Console-script entry point: exit with `main`'s code."""
    raise SystemExit(main())
