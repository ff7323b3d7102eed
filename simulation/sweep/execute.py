"""Running runs on any `concurrent.futures` executor, surviving failing runs and dying workers.

* A task is a *chunk* of runs (`run_chunk`); the chunk size adapts so a task lasts about
  `target_task_s` seconds, which keeps per-task overhead low for tiny runs without
  hurting load balance (never more than a fair share of what is left).
* The worker draws each run's seed and encodes the chunk's results as Parquet
  (`encode.py`), so the coordinator only schedules and writes bytes: it loads neither the
  model nor numpy, pyarrow or pandas.
* Each run is wrapped in ``try/except BaseException``: a run that raises comes back as a
  record with its error and traceback.  (Dask never completes a future whose task raised a
  BaseException, and `multiprocessing.Pool` hangs on it; EMA Workbench's hang.)
* A worker that dies breaks a `ProcessPoolExecutor`: we build a new pool and retry the runs
  that were in flight *one at a time*, so the culprit is identified; a run is recorded as
  failed only after it has killed its worker `max_deaths` times on its own.
* A run that hangs is stopped after the sweep's time limit (`--timeout`) and recorded as
  failed (EMA Workbench and BehaviorSpace wait for ever), in process pools and on Dask's
  worker threads alike; see `time_limit`.
* Only a bounded number of tasks is in flight, so the coordinator's memory does not grow
  with the number of runs.
* A worker whose model source differs from the coordinator's (a Dask worker on another
  machine, say) runs nothing: each of its runs fails with that reason, so a dataset never
  mixes two models (`RunContext.model_code`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import math
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from simulation.params import Shock
from simulation.sweep.errors import ModelChangedError, SweepAbortedError, SweepError
from simulation.sweep.manifest import model_fingerprint
from simulation.sweep.point import scenario_for
from simulation.sweep.seeds import run_seed
from simulation.sweep.store import EncodedPart

_HOST = socket.gethostname()
DASK_PATIENCE_S = 60.0  # seconds without a scheduler or without workers before giving up
PATIENCE_ENV = "PARTNERSHIP_DASK_PATIENCE"
# How long the Dask client tries to connect, and to reconnect to a lost scheduler before it
# closes for good; also the bound on any call to a scheduler that does not answer.
DASK_CONNECT_S = 20.0
DASK_QUERY_S = 5.0  # the worker count asked of a connected scheduler, at most this long


@dataclass(frozen=True)
class RunTask:
    """One run: its id, design point, replicate and factor values (the worker draws its seed)."""

    run_id: str
    point_id: int
    replicate: int
    factors: dict[str, Any]


@dataclass(frozen=True)
class RunContext:
    """What every run of a sweep shares; sent with each chunk (small, plain values)."""

    base_params: dict[str, Any]
    shocks: tuple[dict[str, Any], ...]
    steps: int
    series_every: int = 0
    outcomes: tuple[str, ...] | None = None
    series: tuple[str, ...] | None = None
    run_fn: Callable[..., Any] | None = None  # default: simulation.runner.run_one
    timeout_s: float | None = None  # per run; None: no limit
    root_seed: int = 0
    common_random_numbers: bool = True
    factor_types: dict[str, str] = field(default_factory=dict)  # column types of the factors
    bases: dict[str, dict[str, Any]] | None = None  # levels of a `base` factor (point.py)
    model_code: str | None = None  # the coordinator's model fingerprint; None: not checked

    def seed(self, task: RunTask) -> int:
        """The run's seed, a pure function of the root seed, design point and replicate."""
        return run_seed(
            self.root_seed, task.point_id, task.replicate, common=self.common_random_numbers
        )


_SHOCK_CACHE: dict[int, tuple[Any, ...]] = {}


def _shocks(shocks: tuple[dict[str, Any], ...]) -> tuple[Any, ...]:
    key = hash(repr(shocks))
    if key not in _SHOCK_CACHE:
        _SHOCK_CACHE[key] = tuple(Shock.model_validate(s) for s in shocks)
    return _SHOCK_CACHE[key]


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ").strip()
    return text if len(text) <= 500 else text[:497] + "..."


class RunTimeoutError(Exception):
    """A run went on longer than the sweep's per-run time limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise RunTimeoutError in the running code once `seconds` have passed.

    Pool workers and serial sweeps run their tasks in the main thread: a SIGALRM timer
    interrupts them.  Dask runs tasks in worker threads, where signals cannot reach: there a
    timer thread raises the error asynchronously in the run's thread (`_raise_in_thread`).
    Either way the error lands at the run's next Python bytecode; the model's compiled loops
    and numpy calls each take milliseconds, so it lands promptly.
    """
    if seconds is None:
        yield
    elif threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _thread_alarm(seconds):
            yield


def _timeout_error(seconds: float) -> RunTimeoutError:
    return RunTimeoutError(f"the run took longer than the time limit of {seconds:g} s")


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """The main thread's limit: SIGALRM."""

    def expire(signum: int, frame: Any) -> None:
        raise _timeout_error(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _thread_alarm(seconds: float) -> Iterator[None]:
    """A worker thread's limit: a timer raises RunTimeoutError in this thread.

    The lock and flag make the timer act only while the run is inside the block, so a run
    that ends just as the limit passes is never hit after it has left (an error raised then
    would escape into the worker's own code)."""

    class ExpiredError(RunTimeoutError):  # raised by type, so it carries its own message
        def __init__(self) -> None:
            super().__init__(str(_timeout_error(seconds)))

    target = threading.get_ident()
    lock = threading.Lock()
    running = [True]

    def expire() -> None:
        with lock:
            if running[0]:
                _raise_in_thread(target, ExpiredError)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except ExpiredError:
        raise _timeout_error(seconds) from None  # reported as the main thread's is
    finally:
        with lock:
            running[0] = False
        timer.cancel()


def _raise_in_thread(thread_id: int, exc_type: type[BaseException]) -> None:
    """Schedule `exc_type` in another thread (CPython's PyThreadState_SetAsyncExc)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type)
    )


class _Stop:
    """A pool worker's stop state (see `_worker_init`): asked to stop, and inside a run."""

    requested = False
    in_run = False


def _on_stop(signum: int, frame: Any) -> None:
    """SIGINT in a pool worker: abandon the run in progress, take no new one.

    Never raised outside a run, so a worker that is sending a finished part completes the
    message: a worker killed mid-message would leave the executor's result reader waiting
    for the rest for ever (it holds the pipe's write end too), and the coordinator could
    then not exit.
    """
    _Stop.requested = True
    if _Stop.in_run:
        raise KeyboardInterrupt


def _identity(ctx: RunContext, task: RunTask) -> dict[str, Any]:
    """The fields that say which run a record is about."""
    return {
        "run_id": task.run_id,
        "point_id": task.point_id,
        "replicate": task.replicate,
        "seed": ctx.seed(task),
        "factors": task.factors,
    }


@functools.cache
def loaded_model() -> str:
    """The fingerprint of the model source this process runs, read once: the files may change
    on disk while the process runs, the code it imported does not."""
    return model_fingerprint()


def _check_model(ctx: RunContext) -> None:
    """Refuse to run another version of the model than the coordinator's."""
    if ctx.model_code is None or ctx.model_code == loaded_model():
        return
    raise ModelChangedError(
        f"worker {_HOST}:{os.getpid()} runs another version of the model's source "
        f"({loaded_model()[:12]}) than the sweep's ({ctx.model_code[:12]}); give it the "
        "sweep's version, then run the same command with --retry-failed"
    )


def run_task(ctx: RunContext, task: RunTask) -> dict[str, Any]:
    """Run one simulation and return its record; never raises except on Ctrl-C."""
    start = time.perf_counter()
    cpu = time.process_time()
    record: dict[str, Any] = {**_identity(ctx, task), "attempts": 1, "series": None}
    try:
        _check_model(ctx)
        fn = ctx.run_fn
        if fn is None:
            from simulation.runner import run_one as fn
        try:
            _Stop.in_run = True  # only now may a stop request interrupt this worker
            with time_limit(ctx.timeout_s):
                params, shocks = scenario_for(task.factors, ctx.base_params, ctx.shocks, ctx.bases)
                result = fn(
                    params,
                    seed=record["seed"],
                    steps=ctx.steps,
                    shocks=_shocks(shocks),
                    series_every=ctx.series_every or None,
                )
        finally:
            _Stop.in_run = False
        outcomes = dict(result.outcomes)
        if ctx.outcomes is not None:
            missing = [k for k in ctx.outcomes if k not in outcomes]
            if missing:
                raise KeyError(f"the run reported no outcome {missing[0]!r}")
            outcomes = {k: outcomes[k] for k in ctx.outcomes}
        record["outcomes"] = {k: (math.nan if v is None else float(v)) for k, v in outcomes.items()}
        if ctx.series_every and result.series is not None:
            frame = result.series
            cols = (
                ctx.series if ctx.series is not None else [c for c in frame.columns if c != "step"]
            )
            record["series"] = {
                "step": frame["step"].to_numpy(dtype="int64"),
                **{c: frame[c].to_numpy(dtype="float64") for c in cols},
            }
        record["status"] = "ok"
    except KeyboardInterrupt:
        raise  # Ctrl-C is not a model failure: the run is simply not recorded
    except BaseException as exc:  # failure isolation, incl. SystemExit from model code
        record.update(
            status="failed",
            error=_one_line(exc),
            traceback=traceback.format_exc(),
            outcomes=None,
            series=None,
        )
    record["duration_s"] = time.perf_counter() - start
    record["cpu_s"] = time.process_time() - cpu
    record["finished_at"] = time.time()
    record["worker"] = f"{_HOST}:{os.getpid()}"
    return record


def run_chunk(ctx: RunContext, tasks: list[RunTask]) -> EncodedPart:
    """One executor task: several runs in a row (amortizes per-task overhead), returned as
    one Parquet part."""
    from simulation.sweep.encode import encode_records

    records = []
    for t in tasks:
        if _Stop.requested:
            raise KeyboardInterrupt
        records.append(run_task(ctx, t))
    return encode_records(records, ctx.factor_types)


def died_part(ctx: RunContext, task: RunTask, attempts: int, cause: BaseException) -> EncodedPart:
    """The record of a run that kept killing its worker process (segfault, OOM kill...).

    Encoded here, in the coordinator, since no worker can be trusted with it; this is the
    only time the coordinator loads pyarrow.
    """
    from simulation.sweep.encode import encode_records

    record = {
        **_identity(ctx, task),
        "status": "failed",
        "error": (
            f"WorkerDied: the worker process died (or the result was lost) while running this "
            f"run, {attempts} times on its own ({_one_line(cause)})"
        ),
        "traceback": None,
        "attempts": attempts,
        "outcomes": None,
        "series": None,
        "duration_s": math.nan,
        "cpu_s": math.nan,
        "finished_at": time.time(),
        "worker": None,
    }
    return encode_records([record], ctx.factor_types)


# --- worker processes ---------------------------------------------------------------------------


def _proc_start(pid: int) -> str | None:
    """Start time and state of a process from /proc (Linux), or None if unavailable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{fields[0]}:{fields[19]}"  # state, starttime


def _alive(pid: int, start: str | None) -> bool:
    """Is the coordinator still running?  A killed but unreaped process (zombie) or a new
    process that reused the pid counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    now = _proc_start(pid)
    if start is None or now is None:
        return True
    state, started = now.split(":")
    return state not in {"Z", "X"} and started == start.split(":")[1]


def _worker_init(coordinator_pid: int, coordinator_start: str | None) -> None:
    """Runs in each pool worker: exit when the coordinator is gone (e.g. kill -9), rather than
    lingering as an orphan blocked on its task queue.  (With forkserver the parent is the
    server, which itself waits for its workers, so the coordinator is watched directly.)"""
    # Ctrl-C (to the terminal's process group, or forwarded by LocalPool.close) abandons the
    # run in progress; the coordinator saves what finished.
    signal.signal(signal.SIGINT, _on_stop)
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent or not _alive(coordinator_pid, coordinator_start):
                os._exit(1)

    threading.Thread(target=watch, name="sweep-coordinator-watch", daemon=True).start()
    _warm_up()


def _warm_up() -> None:
    """Load the model's compiled kernels (numba's on-disk cache) before the worker's first run.

    Otherwise the first run of every worker pays that start-up, which under load can exceed a
    short `--timeout` and fail a run that is not slow at all. A Ctrl-C meanwhile only marks
    the worker as stopping (no run is in progress), so it takes no run afterwards.
    """
    from simulation.runner import run_one

    run_one({"n_citizens": 20, "n_ngo": 2, "n_business": 2}, seed=0, steps=2)


def _mp_context() -> Any:
    """forkserver where available, else spawn; never fork (unsafe with threads).

    The server preloads the model once, so new workers (also after a crash) start in
    milliseconds.  As with spawn, a script's main module is imported in each worker, so a
    script must call run_sweep under ``if __name__ == "__main__":``.  The process-wide default
    start method is left alone (mesa.batch_run forces "spawn" on everyone).
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["simulation.sweep.execute", "simulation.runner"])
        return ctx
    return multiprocessing.get_context("spawn")


class Pool:
    """An executor plus what the dispatcher needs to know about it."""

    executor: Executor
    capacity: int
    description: str
    hint: str = ""  # added to "the executor looks broken" messages

    def renew(self, cause: BaseException) -> None:
        """Replace a broken executor, or give up."""
        raise SweepAbortedError(
            f"the executor broke ({_one_line(cause)}); finished runs are saved, run the same "
            "command again to resume"
        )

    def close(self, *, cancel: bool = False) -> None:
        """Release the executor; ``cancel`` stops queued work (Ctrl-C, errors)."""

    def check(self) -> None:
        """Raise SweepAbortedError if the executor can no longer finish work."""


class LocalPool(Pool):
    """A process pool we own and may rebuild when a worker dies."""

    def __init__(self, workers: int) -> None:
        self.capacity = workers
        self.description = f"process pool ({workers} workers)"
        self.hint = (
            ' (from a script, call run_sweep under `if __name__ == "__main__":`, since '
            "each worker process imports the script)"
        )
        self.renewals = 0
        self._make()

    def _make(self) -> None:
        ctx = _mp_context()
        self.executor = ProcessPoolExecutor(
            max_workers=self.capacity,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(os.getpid(), _proc_start(os.getpid())),
        )
        if ctx.get_start_method() == "forkserver":
            # start the server now: it imports the model while we scan the results folder
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def renew(self, cause: BaseException) -> None:
        self.renewals += 1
        if self.renewals > 1000:
            super().renew(cause)
        self.close(cancel=True)
        self._make()

    def close(self, *, cancel: bool = False) -> None:
        ex = self.executor
        assert isinstance(ex, ProcessPoolExecutor)
        if not cancel:
            ex.shutdown(wait=True)
            return
        # Ask the workers to drop their runs rather than killing them: a worker killed while
        # sending a result would leave the executor's reader thread blocked for ever.
        procs = list((getattr(ex, "_processes", None) or {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive() and p.pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(p.pid, signal.SIGINT)
        for p in procs:
            p.join(timeout=10)
        for p in procs:  # stuck in compiled code that ignores signals: no choice left
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)


class ExternalPool(Pool):
    """An executor the caller owns (we neither rebuild nor shut it down)."""

    def __init__(self, executor: Executor, capacity: int | None = None) -> None:
        self.executor = executor
        self.capacity = capacity or getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        self.description = type(executor).__name__


class DaskPool(Pool):
    """A Dask distributed cluster, through its concurrent.futures interface."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - distributed is a declared dependency
            raise SweepError(
                "--scheduler needs the 'distributed' package (pip install 'dask[distributed]')"
            ) from None
        # The client's background loop logs every lost connection with a traceback; the
        # sweep reports a lost cluster itself, in one line (see `check`).
        # distributed's own logging config names sub-loggers (tornado.application, ...) with
        # levels of their own, so quiet every logger of the two libraries, not just the roots.
        for name in ["distributed", "tornado", *logging.root.manager.loggerDict]:
            if name.split(".")[0] in {"distributed", "tornado"}:
                logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            self.client = Client(address, timeout=f"{DASK_CONNECT_S:g}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepError(
                f"scheduler {address!r}: cannot connect ({_one_line(exc)}); allowed: the "
                "address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786"
            ) from None
        # pure=False: a resubmitted chunk must run again, not reuse an erred result
        self.executor = self.client.get_executor(pure=False)
        self._capacity = max(1, sum(self.client.nthreads().values()))
        self._checked = time.monotonic()
        self.description = f"dask {address} ({self._capacity} threads)"
        self.address = address
        self.patience_s = float(os.environ.get(PATIENCE_ENV, DASK_PATIENCE_S))
        self._last_good = time.monotonic()

    def _threads(self) -> int | None:
        """Worker threads in the cluster, or None when the scheduler cannot say now.

        The scheduler is asked only while the client is connected, and for at most
        DASK_QUERY_S: a call to a lost scheduler would wait out the whole reconnection
        window, and the sweep would stop only after the client had closed.
        """
        if str(self.client.status) != "running":
            return None
        try:
            return sum(self.client.nthreads(callback_timeout=DASK_QUERY_S).values())
        except Exception:  # lost or closing meanwhile, or too slow to answer
            return None

    def check(self) -> None:
        """A lost scheduler, or a cluster without workers, for `patience_s` seconds ends the
        sweep (exit 1; the same command resumes) instead of waiting for ever.  So does a
        client that gave up reconnecting (after DASK_CONNECT_S): waiting longer cannot help."""
        threads = self._threads()
        now = time.monotonic()
        if threads:
            self._last_good = now
            return
        status = str(self.client.status)
        gave_up = status not in {"running", "connecting"}
        if now - self._last_good < self.patience_s and not gave_up:
            return
        waited = min(now - self._last_good, self.patience_s)
        why = (
            f"lost the Dask scheduler at {self.address} (client {status})"
            if status != "running"
            else f"the Dask cluster at {self.address} has had no workers"
        )
        raise SweepAbortedError(
            f"{why} for {waited:.0f} s; finished runs are saved, run the same command "
            "again to resume once the cluster is back"
        )

    @property
    def capacity(self) -> int:  # type: ignore[override]
        """Worker threads in the cluster, rechecked every 10 s (clusters scale)."""
        if time.monotonic() - self._checked > 10:
            self._checked = time.monotonic()
            self._capacity = self._threads() or self._capacity
        return self._capacity

    def close(self, *, cancel: bool = False) -> None:
        """Release the client.  Cancelling is best effort: with the scheduler gone the client
        refuses every message, and the error that stopped the sweep is the news."""
        try:
            if cancel:
                with contextlib.suppress(Exception):
                    self.executor.shutdown(wait=False)
            else:
                self.executor.shutdown(wait=True)
        finally:
            with contextlib.suppress(Exception):  # a dead scheduler must not block the exit
                self.client.close(timeout=5)


class InlineExecutor(Executor):
    """Runs each task at submit time in this process (workers=0: debugging, profiling)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


class InlinePool(Pool):
    """The serial executor."""

    def __init__(self) -> None:
        self.executor = InlineExecutor()
        self.capacity = 1
        self.description = "serial (in-process)"


def make_pool(executor: Executor | str | None, workers: int | None, scheduler: str | None) -> Pool:
    """The executor to use: a given Executor, a Dask scheduler, serial, or a local pool."""
    if isinstance(executor, Executor):
        return ExternalPool(executor, workers)
    if scheduler:
        return DaskPool(scheduler)
    if executor == "serial" or workers == 0:
        return InlinePool()
    if executor not in (None, "process"):
        raise SweepError(
            f"executor = {executor!r}: unknown (allowed: 'process', 'serial', or a "
            "concurrent.futures.Executor)"
        )
    if workers is not None and workers < 0:
        raise SweepError(f"workers = {workers}: must be 0 (serial) or more")
    return LocalPool(workers or os.cpu_count() or 1)


# --- the dispatch loop --------------------------------------------------------------------------


@dataclass
class _Chunk:
    tasks: list[RunTask]
    alone: bool  # submitted with nothing else in flight: a failure is its own fault


@dataclass
class Dispatcher:
    """Feeds chunks to a pool and hands every finished chunk, encoded, to `on_part`."""

    ctx: RunContext
    pool: Pool
    on_part: Callable[[EncodedPart], None]
    target_task_s: float = 2.0
    max_chunk: int = 256
    max_deaths: int = 2
    max_consecutive_infra: int = 3
    mean_run_s: float | None = None
    _deaths: dict[str, int] = field(default_factory=dict)
    _infra_streak: int = 0

    def chunk_size(self, remaining: int) -> int:
        """Runs per task: about target_task_s of work, at most a fair share of what is left."""
        if self.mean_run_s is None:
            return 1
        size = int(self.target_task_s / max(self.mean_run_s, 1e-6))
        fair = math.ceil(remaining / (4 * self.pool.capacity))
        return max(1, min(size, fair, self.max_chunk))

    def _learn(self, durations: Iterable[float]) -> None:
        for d in durations:
            if not math.isfinite(d):
                continue
            self.mean_run_s = d if self.mean_run_s is None else 0.8 * self.mean_run_s + 0.2 * d

    def run(self, tasks: Iterator[RunTask], n_tasks: int) -> None:
        """Run every task; returns when all are recorded.  Ctrl-C propagates."""
        inflight: dict[Future[Any], _Chunk] = {}
        suspects: deque[RunTask] = deque()
        submitted = 0
        exhausted = False

        def submit(chunk: list[RunTask], *, alone: bool = False) -> None:
            try:
                fut = self.pool.executor.submit(run_chunk, self.ctx, chunk)
            except BrokenExecutor as exc:
                # A worker died since the last wait: the pool refuses new work.  Handled like
                # a lost task below (pool renewed, runs retried), but not counted against
                # these runs, which never started.
                fut = Future()
                fut.set_exception(exc)
                alone = False
            inflight[fut] = _Chunk(chunk, alone)

        while True:
            if suspects:
                if not inflight:  # suspects run on their own until cleared
                    submit([suspects.popleft()], alone=True)
            elif not exhausted:
                while len(inflight) < 2 * self.pool.capacity:
                    chunk = list(islice(tasks, self.chunk_size(n_tasks - submitted)))
                    if not chunk:
                        exhausted = True
                        break
                    submitted += len(chunk)
                    submit(chunk)
            if not inflight:
                if suspects:
                    continue
                break
            done, _ = wait(list(inflight), timeout=1.0, return_when=FIRST_COMPLETED)
            if not done:
                self.pool.check()  # e.g. a Dask scheduler that went away: stop, do not hang
            for fut in done:
                if fut not in inflight:
                    continue  # already handled with a broken pool
                chunk = inflight.pop(fut)
                try:
                    exc = fut.exception()
                except CancelledError as cancelled:  # e.g. a Dask cluster shutting down
                    exc = cancelled
                if exc is None:
                    part = fut.result()
                    self._infra_streak = 0
                    self._learn(d for _, _, d in part.runs)
                    self.on_part(part)
                    continue
                if isinstance(exc, KeyboardInterrupt):
                    raise exc
                broken = isinstance(exc, BrokenExecutor)
                # With a broken pool every task in flight is lost; keep any that finished.
                lost = [chunk]
                if broken:
                    for other, other_chunk in list(inflight.items()):
                        inflight.pop(other)
                        if other.done() and not other.cancelled() and other.exception() is None:
                            self.on_part(other.result())
                        else:
                            lost.append(other_chunk)
                for c in lost:
                    self._suspect(c, exc, suspects)
                if broken:
                    self.pool.renew(exc)

    def _suspect(self, chunk: _Chunk, exc: BaseException, suspects: deque[RunTask]) -> None:
        if not chunk.alone:
            suspects.extend(chunk.tasks)  # retried one by one to find the culprit
            return
        (task,) = chunk.tasks
        n = self._deaths.get(task.run_id, 0) + 1
        self._deaths[task.run_id] = n
        if n < self.max_deaths:
            suspects.appendleft(task)
            return
        self._infra_streak += 1
        if self._infra_streak >= self.max_consecutive_infra:
            raise SweepAbortedError(
                f"{self._infra_streak} runs in a row lost their worker ({_one_line(exc)}); the "
                f"executor looks broken{self.pool.hint}. Finished runs are saved; run the same "
                "command again to resume"
            )
        self.on_part(died_part(self.ctx, task, n, exc))
