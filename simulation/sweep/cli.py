"""Command bodies for `partnership sweep` and `partnership summarize`.

Plain functions returning exit codes, so the typer app in `simulation/cli.py` (and
`python -m simulation.sweep`) only parse arguments.  Exit codes: 0 all runs succeeded,
1 some runs failed (count printed) or the executor broke, 2 bad input (one line, nothing
written), 130 interrupted (finished runs are saved; the same command resumes).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from simulation.outdir import OutputRefusedError, check_out_path, owner
from simulation.sweep.errors import SweepAbortedError, SweepError
from simulation.sweep.run import run_sweep
from simulation.sweep.spec import load_sweep
from simulation.sweep.store import RunStore


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


MAX_TIMEOUT_S = 1e6  # about 11 days; inf and nan are refused too


def usable_workers(workers: int | None, option: str = "--workers") -> int | None:
    """More worker processes than cores only slow CPU-bound runs down and cost memory: warn,
    and use one per core."""
    cores = os.cpu_count() or 1
    if workers is not None and workers > cores:
        print(
            f"warning: {option} {workers} is more than the {cores} cores here; using {cores}",
            file=sys.stderr,
        )
        return cores
    return workers


def _os_message(exc: OSError, folder: str | Path) -> str:
    """One line for an operating-system error while writing results."""
    if exc.strerror is None:  # raised with a message of our own
        return str(exc)
    where = exc.filename or folder
    return (
        f"{where}: {exc.strerror}; finished runs are saved in {folder}, run the same command "
        "again to resume once this is mended"
    )


def _sigterm_as_interrupt() -> Any:
    """Batch schedulers (SLURM, Kubernetes) stop jobs with SIGTERM: save like on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def sweep_command(
    path: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    out: str | Path | None = None,
    *,
    retry_failed: bool = False,
    progress: bool = True,
    summary: bool = True,
    timeout_s: float | None = None,
) -> int:
    """Run or resume the sweep in ``path``; print where results are and what failed."""
    try:
        if timeout_s is not None and not 0 < timeout_s <= MAX_TIMEOUT_S:
            raise SweepError(
                f"--timeout {timeout_s}: allowed: seconds, more than 0 and at most "
                f"{MAX_TIMEOUT_S:g} (leave it out for no limit)"
            )
        if scheduler is not None and not scheduler.strip():
            raise SweepError(
                "--scheduler '': empty (allowed: the address of a running Dask scheduler, "
                "e.g. tcp://10.0.0.5:8786)"
            )
        if out is not None:
            out = check_out_path(out)
        workers = usable_workers(workers)
        spec = load_sweep(path)
    except (SweepError, OutputRefusedError) as exc:
        _err(str(exc))
        return 2
    previous = _sigterm_as_interrupt()
    try:
        report = run_sweep(
            spec,
            out,
            workers=workers,
            scheduler=scheduler,
            fresh=fresh,
            progress=progress,
            retry_failed=retry_failed,
            summarize=summary,
            timeout_s=timeout_s,
        )
    except SweepError as exc:
        _err(str(exc))
        return 2
    except SweepAbortedError as exc:
        _err(str(exc))
        return 1
    except OSError as exc:  # the environment: a full disk, a folder made read-only meanwhile
        _err(_os_message(exc, out or Path("results") / spec.name))
        return 1
    except KeyboardInterrupt:
        target = out or Path("results") / spec.name
        print(
            f"interrupted: finished runs are saved in {target}; run the same command again "
            "to finish the missing ones",
            file=sys.stderr,
            flush=True,
        )
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(
        f"{report.name}: {report.total} runs ({report.skipped} already done, {report.ran} run "
        f"now at {report.rate:.2f} runs/s on {report.executor}); results in {report.results_dir}"
    )
    if report.summary is not None:
        print(f"summary: {report.results_dir / 'summary' / 'summary.md'}")
        for note in report.summary.notes:
            print(f"note: {note}")
    if report.failed:
        _err(
            f"{report.failed} of {report.total} runs failed (status='failed' rows in "
            f"{report.results_dir / 'runs'}; rerun them with --retry-failed)"
        )
    return report.exit_code


def _set_aside_damaged(root: Path) -> list[str]:
    """Check every part against its checksum and set damaged ones aside (when no sweep is
    writing to the folder; otherwise the readers just leave them out)."""
    if owner(root) != "sweep":
        return []
    store = RunStore(root)
    try:
        store.lock()
    except SweepError:
        return []
    try:
        return store.set_aside_damaged()
    finally:
        store.unlock()


def summarize_command(results_dir: str | Path) -> int:
    """Write tables and figures for a results folder and print where they are."""
    root = Path(results_dir)
    try:
        from simulation.sweep.summary import summarize

        for warning in _set_aside_damaged(root):
            print(f"warning: {warning}", file=sys.stderr)
        summary = summarize(root)
    except SweepError as exc:
        _err(str(exc))
        return 2
    except OSError as exc:
        _err(_os_message(exc, root))
        return 1
    print(f"summary: {root / 'summary' / 'summary.md'} ({len(summary.files)} files)")
    for note in summary.notes:
        print(f"note: {note}")
    return 0
