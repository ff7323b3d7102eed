"""Plain command functions (printing, returning an exit code) for `partnership experiment`.

Exit codes: 0 ok; 1 a check mismatch or failed runs; 2 bad input.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from simulation import shipped
from simulation.experiments.check import (
    compare,
    describe_tolerance,
    read_summary,
    reference_path,
    refresh_quick_reference,
    tolerance,
)
from simulation.experiments.definition import (
    RESULTS_DIR,
    ExperimentError,
    list_experiments,
    load_experiment,
)
from simulation.experiments.draws import choose_draws, read_posterior
from simulation.experiments.pipeline import results_folder, run_and_report
from simulation.experiments.posterior_runs import (
    RUN_FAILURES,
    check_posterior_target,
    posterior_folder,
    report_failure,
    run_posterior_experiment,
)
from simulation.outdir import owner
from simulation.sweep import SweepError

DEFAULT_DRAWS = 20


def check_results_folder(out: Path, name: str) -> None:
    """An experiment rewrites its own results folder only: new, empty, or holding this
    experiment's manifest or data.  Anything else is the user's, and is refused."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExperimentError(f"{out}: exists and is not a folder (allowed: a folder, or none)")
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    ours = isinstance(manifest, dict) and manifest.get("experiment") == name
    data = out / "data"  # an interrupted first run: only the arms' sweep folders so far
    started = data.is_dir() and any(owner(d) == "sweep" for d in data.iterdir())
    if ours or started or not any(out.iterdir()):
        return
    raise ExperimentError(
        f"{out}: holds files that experiment {name} did not write; refusing to write there "
        "(allowed: start it in another folder, or move them away)"
    )


def list_command() -> int:
    """Print every experiment with its one-line question."""
    try:
        exps = list_experiments()
    except ExperimentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max(len(e.name) for e in exps)
    for e in exps:
        print(f"{e.name:<{width}}  [{', '.join(e.claims)}] {e.one_line}")
    return 0


def simd_hint(manifest: Path) -> str:
    """numpy's SIMD targets here and in the reference's run: a difference there, not the
    model, is what an unpinned process on another CPU shows (simulation/numpy_dispatch.py)."""
    from simulation.numpy_dispatch import enabled

    def shown(targets: list[str] | None) -> str:
        if targets is None:
            return "not recorded"
        return ", ".join(targets) or "none (baseline code, as pinned)"

    try:
        theirs = json.loads(manifest.read_text(encoding="utf-8")).get("numpy_simd")
    except (OSError, ValueError):
        theirs = None
    return f"numpy SIMD targets: here {shown(enabled())}; the reference's run {shown(theirs)}"


def check_command(
    name: str,
    quick: bool,
    workers: int | None,
    results_root: Path = RESULTS_DIR,
    progress: bool = True,
) -> int:
    """Re-run the experiment in a scratch folder and compare with the committed summary."""
    exp = load_experiment(name)
    committed = reference_path(exp, quick, results_root)
    if not committed.is_file():  # outside the repository: the summary the package ships
        committed = reference_path(exp, quick, shipped.folder("results"))
    if not committed.is_file():
        print(
            f"error: {committed}: no committed summary to check against "
            f"(the full run 'partnership experiment {name}' writes it)",
            file=sys.stderr,
        )
        return 2
    scratch = Path(tempfile.mkdtemp(prefix=f"check-{name}-"))
    try:
        t0 = time.perf_counter()
        out = run_and_report(exp, scratch, quick=quick, workers=workers, progress=progress)
        fresh = read_summary(scratch / "summary.csv")
        verdicts = compare(read_summary(committed), fresh, tolerance(exp))
        how = describe_tolerance(tolerance(exp))
        print(
            f"check {name}{' (quick)' if quick else ''}: fresh run of "
            f"{out.data.runs_total} runs in {time.perf_counter() - t0:.0f} s vs {committed} "
            f"({how})"
        )
        for v in verdicts:
            print("  " + v.line())
            for d in v.differing[:5]:
                print(f"      {d}")
            if len(v.differing) > 5:
                print(f"      ... and {len(v.differing) - 5} more")
        ok = all(v.ok for v in verdicts) and out.data.failed == 0
        print(f"verdict: {'REPRODUCED' if ok else 'NOT REPRODUCED'}")
        if not ok:
            print(simd_hint(committed.parent / "manifest.json"))
        return 0 if ok else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def posterior_command(
    name: str,
    posterior_file: Path,
    draws: int | None,
    *,
    quick: bool,
    workers: int | None,
    results_root: Path = RESULTS_DIR,
    progress: bool = True,
) -> int:
    """`partnership experiment NAME --posterior FILE --draws K [--quick]`: every input is
    checked before anything is written; one line and exit 2 if one is bad."""
    try:
        exp = load_experiment(name)
        out = posterior_folder(exp, quick, results_root)
        check_posterior_target(exp, out)
        posterior = read_posterior(posterior_file)
        k = min(DEFAULT_DRAWS, posterior.size) if draws is None else draws
        chosen = choose_draws(posterior, k, exp.root_seed)
    except ExperimentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        effects, result = run_posterior_experiment(
            exp, posterior, chosen, out, quick=quick, workers=workers, progress=progress
        )
    except RUN_FAILURES as exc:
        return report_failure(exc, out)
    print(
        f"{exp.name}{' (quick)' if quick else ''} under the posterior: {len(chosen)} draws, "
        f"{result.runs} runs, {result.failed} failed, {result.elapsed_s:.0f} s -> {out}/"
    )
    for r in effects[effects["outcome"] == exp.primary].itertuples():
        print(
            f"  - {r.effect}: {r.mean:+.4g} [{r.ci_low:+.4g}, {r.ci_high:+.4g}] "
            f"(positive in {r.share_draws_positive:.0%} of draws)"
        )
    print(f"report: {out / 'report.md'}")
    return 1 if result.failed else 0


def experiment_command(  # noqa: PLR0917 (the signature the typer command mirrors)
    name: str | None,
    list_: bool = False,
    quick: bool = False,
    check: bool = False,
    workers: int | None = None,
    results_root: Path = RESULTS_DIR,
    progress: bool = True,
    posterior: Path | None = None,
    draws: int | None = None,
) -> int:
    """`partnership experiment NAME [--quick] [--check] [--workers N]` / `--list` /
    `NAME --posterior FILE [--draws K]`."""
    if list_ or name is None:
        if name is None and not list_:
            print("error: name an experiment or use --list", file=sys.stderr)
            list_command()
            return 2
        return list_command()
    workers = 2 if workers is None else workers
    if posterior is None and draws is not None:
        print("error: --draws: needs --posterior FILE (allowed: both, or neither)", file=sys.stderr)
        return 2
    if posterior is not None:
        if check:
            print(
                "error: --check: compares the committed single-parameter run (allowed: "
                "--check or --posterior, not both)",
                file=sys.stderr,
            )
            return 2
        return posterior_command(
            name,
            posterior,
            draws,
            quick=quick,
            workers=workers,
            results_root=results_root,
            progress=progress,
        )
    try:
        if check:
            return check_command(name, quick, workers, results_root, progress)
        exp = load_experiment(name)
        out = results_folder(exp, quick, results_root)
        check_results_folder(out, exp.name)
        t0 = time.perf_counter()
        res = run_and_report(exp, out, quick=quick, workers=workers, progress=progress)
        if not quick:  # only the full run writes the quick variant's reference
            refresh_quick_reference(exp, results_root, workers=workers, progress=progress)
    except ExperimentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine: a full disk, a folder that cannot be written
        where = exc.filename or "results"
        print(
            f"error: {where}: {exc.strerror or exc}; finished runs are saved, run the same "
            "command again to resume",
            file=sys.stderr,
        )
        return 1
    print(
        f"{exp.name}{' (quick)' if quick else ''}: {res.data.runs_total} runs, "
        f"{res.data.failed} failed, {time.perf_counter() - t0:.0f} s -> {out}/"
    )
    for s in res.analysis.answers:
        print(f"  - {s}")
    print(f"report: {out / 'report.md'}")
    return 1 if res.data.failed else 0
