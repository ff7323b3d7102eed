"""`run_sweep`: validate, refuse or resume the results folder, run what is missing, record it."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from simulation.outdir import OutputRefusedError, check_folder, mark
from simulation.sweep.errors import ModelChangedError, SweepError
from simulation.sweep.execute import Dispatcher, RunContext, RunTask, make_pool
from simulation.sweep.manifest import (
    MANIFEST_FORMAT,
    diff_keys,
    environment,
    file_sha256,
    model_fingerprint,
    now_iso,
    read_manifest,
    write_manifest,
)
from simulation.sweep.seeds import context_digest, run_id, spawn_key
from simulation.sweep.spec import ResolvedSweep, SweepSpec, load_sweep
from simulation.sweep.store import (
    SWEEP_COPY,
    EncodedPart,
    RunStore,
    compact_in_child,
    write_bytes_atomic,
)


@dataclass
class SweepReport:
    """What a sweep call did and where the results are."""

    name: str
    results_dir: Path
    total: int  # runs in the design
    skipped: int  # already on disk at start
    ran: int  # recorded in this call
    ok: int  # successful runs in this call
    failed: int  # failed runs in the whole dataset
    elapsed_s: float
    executor: str
    warnings: tuple[str, ...] = ()
    summary: Any = None  # simulation.sweep.summary.Summary when summarized

    @property
    def complete(self) -> bool:
        """Every run of the design is on disk (successful or failed)."""
        return self.skipped + self.ran >= self.total

    @property
    def exit_code(self) -> int:
        """0 if every run succeeded, 1 if some failed or are missing."""
        return 0 if self.complete and self.failed == 0 else 1

    @property
    def rate(self) -> float:
        """Runs per second in this call."""
        return self.ran / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _qualified_name(fn: Callable[..., Any]) -> str:
    """module.name of a run function, or of its class for a callable object."""
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{fn.__module__}.{name}"


def iter_runs(resolved: ResolvedSweep) -> Iterator[RunTask]:
    """Every run of the design, replicate by replicate (a whole-design picture comes early)."""
    ctx = context_digest(resolved.base_params, resolved.shocks, resolved.steps)
    common = resolved.spec.design.common_random_numbers
    root = resolved.root_seed
    for rep in range(resolved.spec.replications):
        for pid, point in enumerate(resolved.points):
            key = spawn_key(pid, rep, common=common)
            yield RunTask(run_id(ctx, point, pid, rep, root_seed=root, key=key), pid, rep, point)


def _check_folder(store: RunStore, resolved: ResolvedSweep, fresh: bool, model: str) -> None:
    """Refuse results of another sweep or another model; they would be mixed with new runs."""
    if fresh or not store.has_results():
        return
    old = read_manifest(store.manifest_path)
    if old is None:
        raise SweepError(
            f"{store.root}: holds results but no readable _manifest.json, so they cannot be "
            "matched to this sweep (allowed: --fresh to discard them, or --out elsewhere)"
        )
    if old.get("spec_hash") != resolved.spec_hash:
        changed = diff_keys(old.get("spec", {}), resolved.normalized())
        if "format" in changed:  # SPEC_FORMAT: how a sweep maps to runs, not the user's file
            changed[changed.index("format")] = "format (written by an older version)"
        what = ", ".join(changed[:6]) + (" ..." if len(changed) > 6 else "") or "the spec"
        raise SweepError(
            f"{store.root}: holds results of a different sweep (changed: {what}); refusing to "
            "mix them (allowed: --fresh to discard them, or --out for a new folder)"
        )
    if old.get("model_code") != model:
        written = "another version" if old.get("model_code") else "a version that did not record it"
        raise ModelChangedError(
            f"{store.root}: holds runs of {written} of the model's source, which may differ "
            "from runs made now; refusing to mix them (allowed: --fresh to run them again, or "
            "--out for a new folder)"
        )


def _new_manifest(
    resolved: ResolvedSweep, old: dict[str, Any] | None, model: str
) -> dict[str, Any]:
    spec = resolved.spec
    manifest = dict(old) if old else {}
    outcome_order = resolved.outcomes or resolved.known_outcomes
    manifest.update(
        format=MANIFEST_FORMAT,
        name=spec.name,
        description=spec.description,
        sweep_file=str(spec.source) if spec.source else None,
        sweep_file_sha256=file_sha256(spec.source_text),
        spec_hash=resolved.spec_hash,
        spec=resolved.normalized(),
        model_code=model,
        base=resolved.base_name,
        root_seed=resolved.root_seed,
        steps=resolved.steps,
        method=spec.design.method,
        common_random_numbers=spec.design.common_random_numbers,
        factors=list(resolved.factor_names),
        factor_types=resolved.factor_types,
        problem=resolved.problem,
        n_points=resolved.n_points,
        replications=spec.replications,
        n_runs=resolved.n_runs,
        outcome_order=list(outcome_order),
        highlight=list(spec.outputs.highlight) if spec.outputs.highlight else None,
        series_every=spec.outputs.series_every,
    )
    manifest.setdefault("created", now_iso())
    manifest.setdefault("sessions", [])
    _mark_stale(manifest)
    return manifest


def _mark_stale(manifest: dict[str, Any]) -> None:
    """Sessions still "running" on disk were killed (kill -9, power loss): the folder lock,
    which the kernel drops when a process dies, is held by this session now."""
    for session in [*manifest["sessions"], manifest.get("latest") or {}]:
        if session.get("status") == "running":
            session["status"] = "killed"
            session["note"] = "the process stopped without recording its end (e.g. kill -9)"


def run_sweep(
    spec: SweepSpec | str | Path,
    out_dir: str | Path | None = None,
    *,
    executor: Executor | str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    progress: bool = True,
    retry_failed: bool = False,
    summarize: bool = True,
    run_fn: Callable[..., Any] | None = None,
    target_task_s: float = 2.0,
    max_task_runs: int = 256,
    timeout_s: float | None = None,
    compact: bool = True,
) -> SweepReport:
    """Run (or resume) a sweep, streaming results to ``out_dir`` (default results/<name>/).

    executor: None or "process" (local process pool, ``workers`` processes, default all
    cores), "serial" (in this process; also ``workers=0``), or any concurrent.futures
    Executor.  ``scheduler``: address of a Dask scheduler (overrides executor).
    Runs already on disk are skipped; a different sweep in ``out_dir`` is refused
    (`SweepError`), and so are runs of another version of the model's source
    (`ModelChangedError`), unless ``fresh=True``.  Failed runs are kept as data and not
    retried unless ``retry_failed``.  ``timeout_s`` stops a run that takes longer and records
    it as failed (local pools, serial sweeps and Dask).  ``run_fn`` replaces
    `simulation.runner.run_one` (a picklable, module-level function; for tests and wrappers).
    Runs go to workers in tasks of about ``target_task_s`` seconds and at most
    ``max_task_runs`` runs; each finished task is published at once as one Parquet part.
    Ctrl-C saves every finished task and re-raises.  Once every run is on disk, the parts
    are compacted into one row per run (``compact=False`` keeps them as written).
    """
    t0 = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    resolved = spec.resolve()
    root = Path(out_dir) if out_dir is not None else Path("results") / spec.name
    store = RunStore(root)
    try:  # a folder this tool did not write is never written to, even with --fresh
        check_folder(root, "sweep", "--out" if out_dir is not None else "results folder")
    except OutputRefusedError as exc:
        raise SweepError(str(exc)) from None
    model = model_fingerprint()
    _check_folder(store, resolved, fresh, model)  # before anything is written or started
    pool = make_pool(executor, workers, scheduler)

    ok_now = failed_now = ran = 0
    interrupted = True
    bar = None
    session: dict[str, Any] | None = None
    manifest: dict[str, Any] = {}
    warnings: list[str] = []
    skipped = 0
    try:
        store.lock()
        mark(root, "sweep")
        if fresh:
            store.wipe()
        warnings = store.prepare()
        on_disk = store.scan()
        if resolved.spec.source_text is not None:
            write_bytes_atomic(resolved.spec.source_text.encode(), root / SWEEP_COPY)

        # Memory: only the ids already on disk are held; the design is streamed.
        done = {rid for rid, status in on_disk.items() if status == "ok" or not retry_failed}
        failed_before = sum(1 for rid in done if on_disk[rid] != "ok")
        del on_disk
        todo = sum(1 for t in iter_runs(resolved) if t.run_id not in done)
        skipped = resolved.n_runs - todo

        manifest = _new_manifest(resolved, read_manifest(store.manifest_path), model)
        session = {
            "started": now_iso(),
            "ended": None,
            "status": "running",
            "argv": list(sys.argv),
            "cwd": os.getcwd(),
            "executor": pool.description,
            "run_fn": None if run_fn is None else _qualified_name(run_fn),
            "skipped": skipped,
            "to_run": todo,
            "timeout_s": timeout_s,
            "environment": environment(),
        }
        manifest["sessions"].append(session)
        manifest["latest"] = session
        write_manifest(store.manifest_path, manifest)

        if progress:
            bar = tqdm(
                total=resolved.n_runs,
                initial=skipped,
                unit="run",
                desc=spec.name,
                dynamic_ncols=True,
                smoothing=0.1,
            )
            bar.set_postfix(failed=failed_before)

        def on_part(part: EncodedPart) -> None:
            nonlocal ok_now, failed_now, ran
            store.write(part)
            failed = sum(1 for _, status, _ in part.runs if status != "ok")
            ran += len(part.runs)
            ok_now += len(part.runs) - failed
            failed_now += failed
            if bar is not None:
                bar.update(len(part.runs))
                if failed:
                    bar.set_postfix(failed=failed_before + failed_now)

        ctx = RunContext(
            base_params=resolved.base_params,
            shocks=resolved.shocks,
            steps=resolved.steps,
            series_every=spec.outputs.series_every,
            outcomes=resolved.outcomes,
            series=resolved.series,
            run_fn=run_fn,
            timeout_s=timeout_s,
            root_seed=resolved.root_seed,
            common_random_numbers=spec.design.common_random_numbers,
            factor_types=resolved.factor_types,
            bases=resolved.bases,
            model_code=model,
        )
        pending = (t for t in iter_runs(resolved) if t.run_id not in done)
        Dispatcher(ctx, pool, on_part, target_task_s=target_task_s, max_chunk=max_task_runs).run(
            pending, todo
        )
        interrupted = False
        if compact and skipped + ran >= resolved.n_runs and store.needs_compaction():
            # one row per run, in a few files, once nothing is missing
            problem = compact_in_child(root)
            warnings += [problem] if problem else []
    finally:
        if bar is not None:
            bar.close()
        try:
            pool.close(cancel=interrupted)
        finally:
            store.unlock()
            if session is not None:
                session.update(
                    ended=now_iso(),
                    status="interrupted" if interrupted else "complete",
                    ran=ran,
                    ok=ok_now,
                    failed=failed_now,
                )
                # best effort: on a full disk the error that stopped the sweep is the news
                with contextlib.suppress(OSError):
                    write_manifest(store.manifest_path, manifest)

    report = SweepReport(
        name=spec.name,
        results_dir=root,
        total=resolved.n_runs,
        skipped=skipped,
        ran=ran,
        ok=ok_now,
        failed=failed_before + failed_now,
        elapsed_s=time.perf_counter() - t0,
        executor=pool.description,
        warnings=tuple(warnings),
    )
    if summarize:
        # pandas, SciPy and matplotlib load only now: the coordinator stays small while it runs
        from simulation.sweep.summary import summarize as _summarize

        try:
            report.summary = _summarize(root)
        except Exception as exc:  # the runs are safe on disk; say so rather than crash
            report.warnings += (
                f"summary failed ({type(exc).__name__}: {exc}); the runs are saved, retry with "
                f"'partnership summarize {root}'",
            )
    return report


def run_owned_sweep(spec: SweepSpec, out_dir: Path, **options: Any) -> SweepReport:
    """`run_sweep` for a folder a command keeps its own design runs in (an experiment's arm,
    a calibration's or a screening's design): runs written by another version of the model
    are run again rather than refused, since the command, not the user, owns them."""
    try:
        return run_sweep(spec, out_dir, **options)
    except ModelChangedError:
        return run_sweep(spec, out_dir, **{**options, "fresh": True})
