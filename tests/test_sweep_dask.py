"""A real Dask cluster: `dask scheduler` and `dask worker` as separate processes on
127.0.0.1, as sweeps/README.md shows.  A sweep on it equals a serial sweep bitwise; a lost
scheduler or losing every worker ends the sweep with one line and exit 1 within the set
patience, and the same command resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_sweep_run import hanging_run  # the workers import it too: tests/ is on their path

from simulation.sweep import load_sweep, read_runs, run_sweep

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
BASE = 'name = "small"\nsteps = 12\nseed = 3\n\n[model]\nn_citizens = 60\n'
SWEEP = """\
name = "on-dask"
base = "small.toml"
replications = {reps}

[factors.trust_gain]
values = [0.05, 0.2, 0.3]

[factors.funding_volatility]
values = [0.0, 0.5]
"""


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    # the package, and this module's run functions, importable on the workers
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    with open(log, "wb") as fh:
        return subprocess.Popen(
            args, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, object]]:
    """One scheduler and two single-threaded workers, loopback only; torn down always."""
    info = tmp_path / "scheduler.json"
    procs: dict[str, object] = {}
    scheduler = start(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(info),
        ],
        tmp_path / "scheduler.log",
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert time.monotonic() < deadline, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        for i in range(2):
            workers.append(
                start(
                    [
                        str(DASK),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--name",
                        f"w{i}",
                    ],
                    tmp_path / f"worker{i}.log",
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        procs.update(address=address, scheduler=scheduler, workers=workers)
        yield procs
    finally:
        for p in [scheduler, *workers]:
            stop(p)


def sweep_cli(path: Path, out: Path, address: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PARTNERSHIP_DASK_PATIENCE": "5"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulation",
            "sweep",
            str(path),
            "--scheduler",
            address,
            "--out",
            str(out),
        ],
        cwd=path.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def make(tmp_path: Path, reps: int) -> Path:
    (tmp_path / "small.toml").write_text(BASE)
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(reps=reps))
    return path


def test_a_sweep_on_separate_scheduler_and_worker_processes(tmp_path: Path, cluster) -> None:
    path = make(tmp_path, reps=2)
    proc = sweep_cli(path, tmp_path / "dask", str(cluster["address"]))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    run_sweep(load_sweep(path), tmp_path / "serial", workers=0, progress=False, summarize=False)
    a = read_runs(tmp_path / "dask", volatile=False)
    b = read_runs(tmp_path / "serial", volatile=False)
    assert len(a) == 12 and a.equals(b)


@pytest.mark.parametrize("lost", ["scheduler", "workers"])
def test_a_lost_cluster_ends_the_sweep_with_exit_1_and_it_resumes(
    tmp_path: Path, cluster, lost: str
) -> None:
    path = make(tmp_path, reps=20)
    out = tmp_path / "dask"
    proc = sweep_cli(path, out, str(cluster["address"]))
    index = out / "runs" / "_index.jsonl"
    deadline = time.monotonic() + 120
    while not (index.exists() and index.read_text().count("\n") >= 1):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    victims = [cluster["scheduler"]] if lost == "scheduler" else cluster["workers"]
    for victim in victims:  # type: ignore[union-attr]
        stop(victim)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err[-2000:]
    assert time.monotonic() - t0 < 60
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "resume" in lines[0] and "Traceback" not in err, err[-3000:]
    # the same folder resumes (here on a local pool) and completes
    report = run_sweep(load_sweep(path), out, workers=0, progress=False, summarize=False)
    assert report.skipped >= 1 and report.skipped + report.ran == 120 and report.failed == 0


def test_a_hanging_run_on_a_dask_worker_thread_is_stopped_at_the_time_limit(
    tmp_path: Path, cluster
) -> None:
    """Dask runs tasks in threads, out of reach of signals: the limit still stops the run,
    records it as failed, and the worker goes on with the other runs."""
    path = make(tmp_path, reps=2)
    report = run_sweep(
        load_sweep(path),
        tmp_path / "out",
        scheduler=str(cluster["address"]),
        run_fn=hanging_run,
        timeout_s=5.0,
        progress=False,
        summarize=False,
    )
    assert report.total == 12 and report.failed == 2 and report.ok == 10
    runs = read_runs(tmp_path / "out")
    bad = runs[runs["status"] == "failed"]
    assert set(bad["trust_gain"]) == {0.2} and set(bad["funding_volatility"]) == {0.5}
    assert bad["error"].str.startswith("RunTimeoutError: the run took longer than the time").all()
    assert (bad["duration_s"] >= 5.0).all() and (bad["duration_s"] < 15).all()


def test_a_dask_worker_running_another_model_runs_nothing(
    tmp_path: Path, cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers on other machines may hold another version of the model's source: each
    checks its own against the coordinator's, so a dataset never mixes two models."""
    monkeypatch.setattr("simulation.sweep.run.model_fingerprint", lambda: "f" * 64)
    path = make(tmp_path, reps=1)
    out = tmp_path / "out"
    report = run_sweep(
        load_sweep(path), out, scheduler=str(cluster["address"]), progress=False, summarize=False
    )
    assert (report.ok, report.failed) == (0, 6)
    errors = read_runs(out)["error"]
    assert errors.str.startswith("ModelChangedError: worker ").all(), errors.iloc[0]


def test_a_lost_scheduler_ends_the_sweep_once_the_client_gives_up_reconnecting(
    cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the default patience (longer than the client's reconnection window), the sweep
    stops as soon as the client has given up, and no check waits on the dead scheduler."""
    from simulation.sweep import execute

    monkeypatch.setattr(execute, "DASK_CONNECT_S", 4.0)
    monkeypatch.setattr(execute, "DASK_QUERY_S", 1.0)
    monkeypatch.delenv(execute.PATIENCE_ENV, raising=False)
    pool = execute.DaskPool(str(cluster["address"]))
    try:
        pool.executor.submit(time.sleep, 60)  # something the close will try to cancel
        stop(cluster["scheduler"])  # type: ignore[arg-type]
        t0 = time.monotonic()
        with pytest.raises(execute.SweepAbortedError, match=r"client clos.*resume"):
            while time.monotonic() - t0 < 30:
                started = time.monotonic()
                pool.check()
                assert time.monotonic() - started <= execute.DASK_QUERY_S + 1
                time.sleep(0.2)
        assert time.monotonic() - t0 < 4.0 + 5
    finally:
        pool.close(cancel=True)  # a closed client refuses the cancel: close still returns


def test_the_pool_counts_the_threads_of_every_worker() -> None:
    """The sweep keeps twice the cluster's threads busy: the count, at the start and as it
    is rechecked (clusters scale), is of threads over every worker, not of workers."""
    from distributed import LocalCluster

    from simulation.sweep.execute import DaskPool

    with LocalCluster(
        n_workers=3, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as local:
        pool = DaskPool(local.scheduler_address)
        try:
            assert pool.capacity == 6
            pool._checked -= 11  # due for its recheck
            assert pool.capacity == 6
        finally:
            pool.close()
