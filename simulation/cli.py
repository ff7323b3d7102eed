"""The `partnership` command: run, validate, sweep, summarize, experiment, viz."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from .scenario import Scenario, ScenarioError, default_scenario, list_scenarios, load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate partnerships (kemitraan) between organizations and their effect on welfare.",
)
RESULTS = Path("results")
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
    """Move a finished output folder into place; the old one goes only once the new is there."""
    out.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@app.command()
def run(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario file or name in scenarios/ (default: default)")
    ] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="Months to simulate.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Random seed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
) -> None:
    """Run one scenario: write a tidy time series (CSV, Parquet) and a figure; print a summary."""
    from tqdm import tqdm

    from .model import PartnershipModel
    from .plots import save_run_figure

    sc = _load(scenario)
    steps = steps or sc.steps
    seed = sc.seed if seed is None else seed
    out = out or RESULTS / "runs" / f"{sc.name}-seed{seed}"
    try:  # find out now, not after the run, whether the output folder can be written
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(f"{out} exists and is not a folder")
        tempfile.TemporaryDirectory(dir=out.parent).cleanup()
    except OSError as exc:
        raise fail(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    model = PartnershipModel(rng=seed, shocks=sc.shocks, params=sc.model)
    for _ in tqdm(range(steps), desc=f"{sc.name}", unit="month", disable=None, file=sys.stderr):
        model.step()
    frame = model.metrics_frame()
    frame.insert(0, "seed", seed)
    frame.insert(0, "scenario", sc.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        frame.to_csv(tmp / "timeseries.csv", index=False)
        frame.to_parquet(tmp / "timeseries.parquet", index=False)
        save_run_figure(frame, f"{sc.name} (seed {seed})", tmp / "figure.png")
        (tmp / "scenario.json").write_text(sc.model_dump_json(indent=2), encoding="utf-8")
        publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    last = frame.iloc[-1]
    typer.echo(f"scenario {sc.name}, seed {seed}, {steps} months, {sc.model.n_citizens} citizens")
    typer.echo(f"{'metric':<24}{'month 0':>10}{'month ' + str(steps):>12}")
    for m in SUMMARY_METRICS:
        typer.echo(f"{m:<24}{frame[m].iloc[0]:>10.3f}{last[m]:>12.3f}")
    typer.echo(f"outputs: {out}/ (timeseries.csv, timeseries.parquet, figure.png, scenario.json)")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files without running them."""
    for f in files:
        try:
            sc = load_scenario(f)
        except ScenarioError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"ok: {f} (scenario '{sc.name}', {len(sc.overrides())} overrides)")


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
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over even if results exist for another spec.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Results folder (default results/NAME).")] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Also rerun runs that failed before.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(min=0.001, help="Seconds a run may take; a longer run is stopped, failed."),
    ] = None,
) -> None:
    """Run (or resume) a parameter sweep; results stream to Parquet and are summarized."""
    from .sweep.cli import sweep_command

    code = sweep_command(
        path, workers, scheduler, fresh, out, retry_failed=retry_failed, timeout_s=timeout
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
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
) -> None:
    """Run a reproducible experiment on the seed articles' claims, or check a committed one."""
    from .experiments.cli import experiment_command

    raise typer.Exit(experiment_command(name, list_, quick, check, workers))


def main() -> None:
    """Entry point that keeps tracebacks away from people for expected errors."""
    app()
