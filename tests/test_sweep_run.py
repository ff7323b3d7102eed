"""Running sweeps on the real model: determinism across executors, failure isolation, dying
workers, refusal of a changed sweep, and resume after Ctrl-C and after a real kill -9."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.runner import run_one
from simulation.sweep import (
    ModelChangedError,
    SweepError,
    load_sweep,
    read_runs,
    read_series,
    run_sweep,
)
from simulation.sweep import manifest as manifest_module
from simulation.sweep.cli import summarize_command, sweep_command
from simulation.sweep.encode import arrow_column
from simulation.sweep.manifest import model_fingerprint
from simulation.sweep.run import run_owned_sweep
from simulation.sweep.store import INDEX, RunStore

ROOT = Path(__file__).resolve().parents[1]

BASE = """\
name = "small"
steps = 12
seed = 3

[model]
n_citizens = {citizens}
"""

SWEEP = """\
name = "{name}"
base = "small.toml"
replications = {reps}
root_seed = 5
steps = {steps}

[design]
method = "grid"

[factors.trust_gain]
values = {trust}

[factors.funding_volatility]
values = [0.0, 0.5]

[outputs]
series_every = {series_every}
"""


def make_sweep(
    tmp: Path,
    *,
    name: str = "t",
    reps: int = 2,
    trust: str = "[0.05, 0.2, 0.3]",
    steps: int = 12,
    citizens: int = 60,
    series_every: int = 4,
) -> Path:
    (tmp / "small.toml").write_text(BASE.format(citizens=citizens))
    path = tmp / f"{name}.toml"
    path.write_text(
        SWEEP.format(name=name, reps=reps, trust=trust, steps=steps, series_every=series_every)
    )
    return path


def same(a: Path, b: Path) -> None:
    """Two results folders hold bitwise the same runs and series."""
    pd.testing.assert_frame_equal(
        read_runs(a, volatile=False), read_runs(b, volatile=False), check_exact=True
    )
    pd.testing.assert_frame_equal(read_series(a), read_series(b), check_exact=True)


def raw_rows(results: Path) -> int:
    return sum(pq.read_metadata(p).num_rows for p in (results / "runs").glob("part-*.parquet"))


# --- run functions injected into workers (module level, so they pickle by reference) ---------


def failing_run(params: dict[str, Any], **kw: Any) -> Any:
    if params["trust_gain"] == 0.2:
        raise ValueError(f"boom at trust_gain={params['trust_gain']}")
    return run_one(params, **kw)


def deadly_run(params: dict[str, Any], **kw: Any) -> Any:
    if params["trust_gain"] == 0.2 and params["funding_volatility"] == 0.5:
        os.kill(os.getpid(), signal.SIGKILL)  # like a segfault or the OOM killer
    return run_one(params, **kw)


def hanging_run(params: dict[str, Any], **kw: Any) -> Any:
    if params["trust_gain"] == 0.2 and params["funding_volatility"] == 0.5:
        while True:  # a model stuck in a loop
            time.sleep(0.05)
    return run_one(params, **kw)


def marked_hang(params: dict[str, Any], **kw: Any) -> Any:
    Path(params["marker"]).write_text("started")
    while True:  # a long run, in Python code
        time.sleep(0.05)


_calls = {"n": 0}


def interrupted_run(params: dict[str, Any], **kw: Any) -> Any:
    _calls["n"] += 1
    if _calls["n"] == 5:
        raise KeyboardInterrupt
    return run_one(params, **kw)


# --- tests --------------------------------------------------------------------------------------


def test_bitwise_same_serial_pool_and_dask_cluster(tmp_path: Path) -> None:
    from distributed import LocalCluster

    spec = load_sweep(make_sweep(tmp_path))
    opts: dict[str, Any] = {"progress": False, "summarize": False}
    serial = run_sweep(spec, tmp_path / "serial", workers=0, **opts)
    pool = run_sweep(spec, tmp_path / "pool", workers=2, target_task_s=0.2, **opts)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        dask = run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, **opts)
    for report in (serial, pool, dask):
        assert report.ran == report.total == 12 and report.failed == 0
    assert "dask" in dask.executor and "process pool" in pool.executor
    same(tmp_path / "serial", tmp_path / "pool")
    same(tmp_path / "serial", tmp_path / "dask")

    runs = read_runs(tmp_path / "serial")
    assert (runs["status"] == "ok").all()
    # each row is the real model's run with that seed: check one against run_one directly
    row = runs.iloc[7]
    params = {
        **spec.resolve().base_params,
        "trust_gain": row["trust_gain"],
        "funding_volatility": row["funding_volatility"],
    }
    direct = run_one(params, seed=int(row["seed"]), steps=12)
    assert row["community_welfare"] == direct.outcomes["community_welfare"]
    assert row["welfare_mean"] == direct.outcomes["welfare_mean"]
    series = read_series(tmp_path / "serial")
    assert sorted(series["step"].unique()) == [0, 4, 8, 12]
    assert len(series) == 12 * 4


def test_failing_run_is_recorded_and_the_others_complete(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path, series_every=0))
    report = run_sweep(
        spec, tmp_path / "out", workers=2, run_fn=failing_run, progress=False, summarize=False
    )
    assert report.total == 12 and report.failed == 4 and report.ok == 8
    assert report.exit_code == 1
    runs = read_runs(tmp_path / "out")
    bad = runs[runs["trust_gain"] == 0.2]
    assert (bad["status"] == "failed").all()
    assert bad["error"].str.startswith("ValueError: boom at trust_gain=0.2").all()
    assert bad["traceback"].str.contains("in failing_run").all()
    assert bad["community_welfare"].isna().all()
    good = runs[runs["trust_gain"] != 0.2]
    assert (good["status"] == "ok").all() and good["community_welfare"].notna().all()

    # failed runs are data: a plain rerun does not redo them, --retry-failed does
    again = run_sweep(spec, tmp_path / "out", workers=0, progress=False, summarize=False)
    assert again.ran == 0 and again.failed == 4
    retried = run_sweep(
        spec, tmp_path / "out", workers=0, retry_failed=True, progress=False, summarize=False
    )
    assert retried.ran == 4 and retried.failed == 0 and retried.exit_code == 0
    reference = run_sweep(spec, tmp_path / "ref", workers=0, progress=False, summarize=False)
    assert reference.failed == 0
    same(tmp_path / "out", tmp_path / "ref")
    # what a DuckDB or pyarrow query of runs/*.parquet sees: one row per run, none failed
    raw = pa.concat_tables(
        [pq.read_table(p) for p in (tmp_path / "out" / "runs").glob("part-*.parquet")],
        promote_options="default",
    )
    assert raw.num_rows == 12 and len(raw["run_id"].unique()) == 12
    assert set(raw["status"].to_pylist()) == {"ok"}
    assert len(list((tmp_path / "out" / "runs").glob("part-*.parquet"))) == 1


def flip_bytes(part: Path) -> None:
    """Damage a part inside its body, where the Parquet frame still looks whole."""
    data = bytearray(part.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4] = bytes(b ^ 0xFF for b in data[middle : middle + 4])
    part.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["runs", "series"])
def test_a_part_whose_bytes_changed_is_set_aside_and_its_runs_rerun(
    tmp_path: Path, which: str
) -> None:
    """Bytes flipped inside a part (a bad disk, a bad copy) fail the index's checksum: readers
    leave the part out with a warning, `summarize` and a resume set it aside and say so, and
    the resume reruns exactly its runs, ending bitwise equal to an untouched sweep."""
    spec = load_sweep(make_sweep(tmp_path, reps=2))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=0, progress=False, summarize=False, max_task_runs=4, compact=False)
    victim = sorted((out / which).glob("part-*.parquet"))[1]
    lost = _rows(out / "runs" / victim.name)
    flip_bytes(victim)
    with pytest.warns(UserWarning, match="checksum mismatch"):
        assert len(read_runs(out)) == 12 - lost
    assert summarize_command(out) == 0
    assert (out / "runs" / f".corrupt-{victim.name}").exists()
    report = run_sweep(spec, out, workers=0, progress=False, summarize=False)
    assert report.skipped == 12 - lost and report.ran == lost
    run_sweep(spec, tmp_path / "ref", workers=0, progress=False, summarize=False)
    same(out, tmp_path / "ref")


def test_resume_warns_about_a_corrupt_part(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=0, progress=False, summarize=False)
    (part,) = (out / "runs").glob("part-*.parquet")
    flip_bytes(part)
    report = run_sweep(spec, out, workers=0, progress=False, summarize=False)
    assert report.ran == 6
    (warning,) = report.warnings
    assert "checksum mismatch" in warning and "its 6 runs will run again" in warning


def test_a_killed_session_is_marked_killed_not_running(tmp_path: Path) -> None:
    """A session that ended by kill -9 never wrote its end: the next session, which holds the
    folder lock, marks it killed."""
    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=0, progress=False, summarize=False)
    manifest = json.loads((out / "_manifest.json").read_text())
    manifest["sessions"][0].update(status="running", ended=None)
    manifest["latest"] = manifest["sessions"][0]
    (out / "_manifest.json").write_text(json.dumps(manifest))
    run_sweep(spec, out, workers=0, progress=False, summarize=False)
    manifest = json.loads((out / "_manifest.json").read_text())
    assert [s["status"] for s in manifest["sessions"]] == ["killed", "complete"]
    assert manifest["latest"]["status"] == "complete"


def test_cli_exits_non_zero_with_the_failure_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_sweep(tmp_path, series_every=0)
    # serial runs happen in this process, so patching the model's entry point reaches them
    monkeypatch.setattr("simulation.runner.run_one", _failing_direct)
    monkeypatch.chdir(tmp_path)
    code = sweep_command(path, workers=0, progress=False)
    captured = capsys.readouterr()
    assert code == 1
    assert "error: 4 of 12 runs failed" in captured.err
    assert (tmp_path / "results" / "t" / "summary" / "summary.md").exists()  # summarized


def _failing_direct(params: dict[str, Any], **kw: Any) -> Any:
    if params["trust_gain"] == 0.2:
        raise RuntimeError("model blew up")
    return run_one(params, **kw)


def test_a_worker_that_dies_does_not_stop_the_sweep(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path, series_every=0))
    t0 = time.monotonic()
    report = run_sweep(
        spec, tmp_path / "out", workers=2, run_fn=deadly_run, progress=False, summarize=False
    )
    assert time.monotonic() - t0 < 60
    assert report.total == 12 and report.ok == 10 and report.failed == 2
    runs = read_runs(tmp_path / "out")
    dead = runs[(runs["trust_gain"] == 0.2) & (runs["funding_volatility"] == 0.5)]
    assert (dead["status"] == "failed").all()
    assert dead["error"].str.startswith("WorkerDied").all()
    assert (dead["attempts"] == 2).all()
    # every other run finished with the model's true result
    reference = run_sweep(spec, tmp_path / "ref", workers=0, progress=False, summarize=False)
    ref = read_runs(tmp_path / "ref", volatile=False).set_index("run_id")
    ok = runs[runs["status"] == "ok"].set_index("run_id")
    assert reference.failed == 0 and len(ok) == 10
    cols = ["community_welfare", "gini", "welfare_mean"]
    pd.testing.assert_frame_equal(ok[cols], ref.loc[ok.index, cols], check_exact=True)


def test_changed_sweep_is_refused_unless_fresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_sweep(tmp_path, series_every=0, reps=1)
    out = tmp_path / "out"
    assert sweep_command(path, workers=0, out=out, progress=False, summary=False) == 0
    before = sorted(p.name for p in (out / "runs").iterdir())
    path.write_text(path.read_text().replace("steps = 12", "steps = 10"))
    capsys.readouterr()
    assert sweep_command(path, workers=0, out=out, progress=False, summary=False) == 2
    err = capsys.readouterr().err
    assert "different sweep" in err and "steps" in err and "--fresh" in err
    assert sorted(p.name for p in (out / "runs").iterdir()) == before
    assert sweep_command(path, workers=0, out=out, fresh=True, progress=False, summary=False) == 0
    assert read_runs(out)["run_id"].nunique() == 6
    assert before != sorted(p.name for p in (out / "runs").iterdir())
    with pytest.raises(SweepError):  # the Python API refuses the same way
        run_sweep(load_sweep(make_sweep(tmp_path, reps=1)), out, workers=0, progress=False)


def test_results_of_an_older_runner_version_are_refused_unless_fresh(tmp_path: Path) -> None:
    """Run ids depend on the runner's format: an older folder is refused, not half-reused."""
    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=0, progress=False, summarize=False)
    manifest = json.loads((out / "_manifest.json").read_text())
    manifest["spec"]["format"] -= 1
    manifest["spec_hash"] = "older"
    (out / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepError, match=r"changed: format \(written by an older version\)"):
        run_sweep(spec, out, workers=0, progress=False, summarize=False)
    assert run_sweep(spec, out, workers=0, fresh=True, progress=False, summarize=False).ran == 6


def test_runs_of_another_model_are_refused_unless_fresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep resumes by parameters and seed, so runs of an edited model would be mixed in."""
    path = make_sweep(tmp_path, series_every=0, reps=1)
    out = tmp_path / "out"
    assert sweep_command(path, workers=0, out=out, progress=False, summary=False) == 0
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["model_code"] == model_fingerprint()
    before = {p.name: p.read_bytes() for p in (out / "runs").iterdir()}
    monkeypatch.setattr("simulation.sweep.run.model_fingerprint", lambda: "an edited model")
    monkeypatch.setattr("simulation.sweep.execute.loaded_model", lambda: "an edited model")
    capsys.readouterr()
    assert sweep_command(path, workers=0, out=out, progress=False, summary=False) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "another version of the model" in err and "--fresh" in err
    assert {p.name: p.read_bytes() for p in (out / "runs").iterdir()} == before
    assert json.loads((out / "_manifest.json").read_text()) == manifest  # nothing written
    assert sweep_command(path, workers=0, out=out, fresh=True, progress=False, summary=False) == 0
    assert json.loads((out / "_manifest.json").read_text())["model_code"] == "an edited model"
    resumed = run_sweep(load_sweep(path), out, workers=0, progress=False, summarize=False)
    assert (resumed.skipped, resumed.ran) == (6, 0)  # the new runs carry the new stamp


@pytest.mark.parametrize("workers", [0, 2])
def test_a_worker_running_another_model_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """A worker checks its own model source against the coordinator's (a Dask worker on
    another machine may run another version); with 2 workers, in processes of their own."""
    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    monkeypatch.setattr("simulation.sweep.run.model_fingerprint", lambda: "f" * 64)
    report = run_sweep(spec, tmp_path / "out", workers=workers, progress=False, summarize=False)
    assert (report.ok, report.failed) == (0, 6)
    errors = read_runs(tmp_path / "out")["error"]
    assert errors.str.startswith("ModelChangedError: worker ").all(), errors.iloc[0]
    assert errors.str.contains("than the sweep's (ffffffffffff)", regex=False).all()


def test_runs_of_a_version_that_did_not_record_its_model_are_refused(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=0, progress=False, summarize=False)
    manifest = json.loads((out / "_manifest.json").read_text())
    del manifest["model_code"]
    (out / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelChangedError, match="did not record it"):
        run_sweep(spec, out, workers=0, progress=False, summarize=False)
    again = run_owned_sweep(spec, out, workers=0, progress=False, summarize=False)
    assert again.ran == 6 and again.skipped == 0  # a command's own design runs again


def test_the_model_fingerprint_covers_the_model_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "simulation"
    shutil.copytree(ROOT / "simulation", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(manifest_module, "PACKAGE", package)
    original = model_fingerprint()
    for name in sorted(manifest_module.NOT_MODEL):
        (package / name).write_text((package / name).read_text() + "\n# a comment\n")
    assert model_fingerprint() == original  # the page, the CLI, plots: no result changes
    for name in ("model.py", "agents.py", "numpy_dispatch.py"):
        text = (package / name).read_text()
        (package / name).write_text(text + "\n# a comment\n")
        assert model_fingerprint() != original, name
        (package / name).write_text(text)
    assert model_fingerprint() == original


def test_a_folder_in_use_by_another_sweep_is_refused(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    other = RunStore(tmp_path / "out")
    other.lock()  # as if a second terminal were running the same sweep
    try:
        with pytest.raises(SweepError, match="another sweep is writing"):
            run_sweep(spec, tmp_path / "out", workers=0, progress=False, summarize=False)
    finally:
        other.unlock()
    assert run_sweep(spec, tmp_path / "out", workers=0, progress=False, summarize=False).ran == 6


def test_interrupted_sweep_resumes_with_only_missing_runs(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            spec,
            tmp_path / "out",
            workers=0,
            run_fn=interrupted_run,
            progress=False,
            summarize=False,
            max_task_runs=1,  # every run its own task: all four finished runs are saved
        )
    assert raw_rows(tmp_path / "out") == 4
    report = run_sweep(spec, tmp_path / "out", workers=0, progress=False, summarize=False)
    assert report.skipped == 4 and report.ran == 8
    run_sweep(spec, tmp_path / "ref", workers=0, progress=False, summarize=False)
    same(tmp_path / "out", tmp_path / "ref")
    assert raw_rows(tmp_path / "out") == 12


def _cli(path: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "simulation.sweep",
        "sweep",
        str(path),
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-progress",
        "--no-summary",
    ]


def _stop_midway(cmd: list[str], out: Path, sig: int, total: int, at_least: int) -> int:
    """Start the sweep, send `sig` once `at_least` runs are on disk, check nothing lingers.

    The sweep starts with Ctrl-C's default handling even where the tests run with SIGINT
    ignored (a background job of a script, `nohup`): a child inherits an ignored signal, and
    a sweep started that way rightly ignores Ctrl-C too."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # SIG_DFL after exec
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 60
    children: list[psutil.Process] = []
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sweep ended before it could be stopped: {proc.communicate()}")
        try:
            children = psutil.Process(proc.pid).children(recursive=True) or children
            done = raw_rows(out) if (out / "runs").is_dir() else 0
        except (FileNotFoundError, OSError, psutil.Error):
            done = 0
        if done >= at_least:
            break
        time.sleep(0.02)
    else:
        pytest.fail("no runs reached the disk in 60 s")
    os.kill(proc.pid, sig)
    proc.communicate(timeout=30)
    # the pool's workers and forkserver go away with the coordinator (no orphans)
    _, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, alive
    on_disk = raw_rows(out)
    assert on_disk < total, "stopped too late to test resume"
    return proc.returncode


def test_resume_after_kill_9_and_ctrl_c_equals_uninterrupted(tmp_path: Path) -> None:
    path = make_sweep(tmp_path, reps=4, trust="[0.05, 0.1, 0.2, 0.3]", steps=36, citizens=300)
    total = 32
    out = tmp_path / "out"
    cmd = _cli(path, out)

    code = _stop_midway(cmd, out, signal.SIGKILL, total, at_least=3)
    assert code == -signal.SIGKILL
    after_kill = raw_rows(out)

    code = _stop_midway(cmd, out, signal.SIGINT, total, at_least=after_kill + 3)
    assert code == 130
    after_int = raw_rows(out)
    assert after_int > after_kill

    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{after_int} already done, {total - after_int} run now" in done.stdout
    assert raw_rows(out) == total  # nothing lost, nothing duplicated

    run_sweep(load_sweep(path), tmp_path / "ref", workers=0, progress=False, summarize=False)
    same(out, tmp_path / "ref")
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0 and f"{total} already done, 0 run now" in again.stdout
    assert raw_rows(out) == total


def _rows(part: Path) -> int:
    return pq.read_metadata(part).num_rows


def test_leftovers_of_a_crash_are_cleaned_and_never_read(tmp_path: Path) -> None:
    spec = load_sweep(make_sweep(tmp_path, reps=2))
    out = tmp_path / "out"
    run_sweep(spec, out, workers=0, progress=False, summarize=False, max_task_runs=2, compact=False)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) >= 4 and sum(_rows(p) for p in parts) == 12
    lost = _rows(parts[0]) + _rows(parts[1])
    # a kill between the series and the runs rename, a torn part, a half-written temp file,
    # an index line torn by a kill during the append, and a part the index does not list
    parts[0].unlink()
    parts[1].write_bytes(parts[1].read_bytes()[:100])
    (out / "runs" / ".part-x.parquet.tmp").write_bytes(b"PAR1 half")
    with open(out / "runs" / INDEX, "a") as fh:
        fh.write('{"part": "part-9.parquet", "runs": [["ab')
    stray = out / "runs" / "part-stray.parquet"
    stray.write_bytes(parts[2].read_bytes())
    report = run_sweep(spec, out, workers=0, progress=False, summarize=False)
    assert report.skipped == 12 - lost and report.ran == lost
    assert sum("unreadable" in w for w in report.warnings) == 1
    assert sum("not listed" in w for w in report.warnings) == 1 and not stray.exists()
    assert not list((out / "runs").glob(".part-*.tmp"))
    lines = [json.loads(line) for line in (out / "runs" / INDEX).read_text().splitlines()]
    assert [len(e["runs"]) for e in lines] == [12]  # compacted once complete
    assert sorted((out / "runs").glob("part-*.parquet")) == [out / "runs" / lines[0]["part"]]
    run_sweep(spec, tmp_path / "ref", workers=0, progress=False, summarize=False)
    same(out, tmp_path / "ref")
    assert raw_rows(out) == 12
    again = run_sweep(spec, out, workers=0, progress=False, summarize=False)
    assert again.skipped == 12 and again.ran == 0 and not again.warnings


def test_small_runs_are_batched_but_the_tail_is_shared_out() -> None:
    from simulation.sweep.execute import Dispatcher, ExternalPool, InlinePool, RunContext

    ctx = RunContext(base_params={}, shocks=(), steps=1)
    pool = ExternalPool(executor=InlinePool().executor, capacity=2)
    d = Dispatcher(ctx, pool, on_part=lambda p: None, target_task_s=2.0)
    assert d.chunk_size(1000) == 1  # nothing measured yet
    d._learn([0.01])
    assert d.chunk_size(10_000) == 200  # ~2 s of work per task
    assert d.chunk_size(12) == 2  # near the end: small shares, so workers finish together
    d._learn([30.0] * 50)
    assert d.chunk_size(10_000) == 1  # long runs: one per task
    serial = Dispatcher(ctx, InlinePool(), on_part=lambda p: None, max_chunk=50)
    serial._learn([0.001])
    assert serial.chunk_size(10_000) == 50  # never more runs per task (and part) than asked


HEAVY = (
    "mesa",
    "numba",
    "networkx",
    "numpy",
    "pyarrow",
    "pandas",
    "scipy",
    "SALib",
    "matplotlib",
    "solara",
)


@pytest.mark.parametrize("design", ["grid", "lhs"])
def test_coordinator_runs_a_sweep_without_loading_the_model(tmp_path: Path, design: str) -> None:
    """The coordinating process only schedules and writes bytes: the model, the seeds and the
    Parquet encoding live in workers, and a sampled design is drawn in a child process, so
    the coordinator's memory is its own small footprint, not the model's nor pyarrow's."""
    path = make_sweep(tmp_path)
    if design == "lhs":
        text = path.read_text().replace('method = "grid"', 'method = "lhs"\nsamples = 6')
        text = text.replace("values = [0.05, 0.2, 0.3]", "low = 0.05\nhigh = 0.3")
        path.write_text(text.replace("values = [0.0, 0.5]", "low = 0.0\nhigh = 0.5"))
    code = f"""
import contextlib, io, sys
from pathlib import Path
from simulation.sweep.cli import summarize_command, sweep_command
with contextlib.redirect_stdout(io.StringIO()):
    rc = sweep_command(Path({str(path)!r}), 1, None, True, Path({str(tmp_path / "out")!r}),
                       progress=False, summary=False)
print(rc, [m for m in {HEAVY!r} if m in sys.modules])
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "0 []"
    assert len(read_runs(tmp_path / "out")) == 12


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.tuples(st.lists(st.one_of(st.none(), st.text())), st.just(pa.string())),
        st.tuples(st.lists(st.one_of(st.none(), st.booleans())), st.just(pa.bool_())),
        st.tuples(
            st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))), st.just(pa.int64())
        ),
        st.tuples(st.lists(st.one_of(st.none(), st.floats())), st.just(pa.float64())),
    )
)
def test_arrow_columns_equal_what_pa_array_builds(case: tuple[list[Any], pa.DataType]) -> None:
    """The pandas-free column builder agrees with pyarrow's own, nulls included."""
    values, kind = case
    ours = arrow_column(values, kind)
    ours.validate(full=True)
    ref = pa.array(values, kind)
    assert ours.type == ref.type
    assert ours.is_null().to_pylist() == ref.is_null().to_pylist()
    assert repr(ours.to_pylist()) == repr(ref.to_pylist())  # repr: nan == nan, -0.0 != 0.0


@pytest.mark.parametrize("workers", [0, 2])
def test_a_hanging_run_is_stopped_at_the_time_limit(tmp_path: Path, workers: int) -> None:
    """A run that never ends is stopped, recorded as failed, and the sweep finishes."""
    spec = load_sweep(make_sweep(tmp_path, series_every=0))
    start = time.perf_counter()
    report = run_sweep(
        spec,
        tmp_path / "out",
        workers=workers,
        run_fn=hanging_run,
        # a worker's first run also loads the compiled kernels (about 0.6 s, more on a busy
        # machine): the limit leaves room for that, so only the hanging runs exceed it
        timeout_s=5.0,
        progress=False,
        summarize=False,
    )
    assert time.perf_counter() - start < 60
    assert report.total == 12 and report.failed == 2 and report.ok == 10
    runs = read_runs(tmp_path / "out")
    bad = runs[runs["status"] == "failed"]
    assert set(bad["trust_gain"]) == {0.2} and set(bad["funding_volatility"]) == {0.5}
    assert bad["error"].str.startswith("RunTimeoutError: the run took longer than").all()
    assert (bad["duration_s"] >= 5.0).all() and (bad["duration_s"] < 15).all()
    # the limit is lifted after each run: the same process goes on to finish normal runs
    assert (runs[runs["status"] == "ok"]["community_welfare"].notna()).all()


def test_the_time_limit_reaches_a_run_on_a_worker_thread() -> None:
    """On a thread (as on Dask's workers) the limit stops Python code with RunTimeoutError,
    and a run that ended in time is never hit afterwards."""
    from simulation.sweep.execute import RunTimeoutError, time_limit

    outcome: dict[str, object] = {}

    def hang() -> None:
        start = time.perf_counter()
        try:
            with time_limit(0.3):
                while time.perf_counter() - start < 30:
                    time.sleep(0.01)
        except RunTimeoutError as exc:
            outcome["stopped_after"] = time.perf_counter() - start
            outcome["message"] = str(exc)

    def finish_in_time() -> None:
        with time_limit(0.2):
            pass
        time.sleep(0.5)  # past the limit, outside the block: nothing may be raised
        outcome["finished"] = True

    for target in (hang, finish_in_time):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert 0.3 <= outcome["stopped_after"] < 5  # type: ignore[operator]
    assert outcome["message"] == "the run took longer than the time limit of 0.3 s"
    assert outcome["finished"] is True


def test_ctrl_c_stops_workers_without_killing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Ctrl-C the pool asks its workers to drop their runs (SIGINT) and they exit on
    their own: killing a worker while it sends a result could leave the executor's reader
    blocked for ever, and the coordinator unable to exit.

    Whether a worker was killed is read from the pool's own calls, not from its exit code:
    a forkserver child's exit code reaches us through the server, and reads as 255 whenever
    an earlier test's server has gone (multiprocessing's popen_forkserver)."""
    import multiprocessing.process

    from simulation.sweep.execute import LocalPool, RunContext, RunTask, run_chunk

    killed: list[int | None] = []
    terminate = multiprocessing.process.BaseProcess.terminate

    def record(self: multiprocessing.process.BaseProcess) -> None:
        killed.append(self.pid)
        terminate(self)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "terminate", record)

    marker = tmp_path / "started"
    ctx = RunContext(base_params={"marker": str(marker)}, shocks=(), steps=1, run_fn=marked_hang)
    pool = LocalPool(1)
    fut = pool.executor.submit(run_chunk, ctx, [RunTask("x", 0, 0, {})])
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the run never started"
    procs = list(pool.executor._processes.values())  # type: ignore[attr-defined]
    start = time.monotonic()
    pool.close(cancel=True)
    assert time.monotonic() - start < 8
    assert killed == [], "a worker had to be terminated"
    assert not any(p.is_alive() for p in procs)
    assert isinstance(fut.exception(timeout=5), KeyboardInterrupt)


def test_a_pool_that_breaks_between_waits_is_renewed_not_fatal(tmp_path: Path) -> None:
    """The race that once failed `make test`: a worker dies after the dispatcher's last wait,
    so the next `executor.submit` raises BrokenProcessPool itself.  The pool is renewed and
    every run is recorded, none counted as failed (they never started)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from simulation.sweep.execute import Dispatcher, LocalPool, RunContext
    from simulation.sweep.run import iter_runs

    spec = load_sweep(make_sweep(tmp_path, reps=1, series_every=0))
    resolved = spec.resolve()
    pool = LocalPool(1)
    first = pool.executor
    calls = 0

    def submit(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise BrokenProcessPool("a child process terminated abruptly")
        return ProcessPoolExecutor.submit(first, *args, **kwargs)  # type: ignore[arg-type]

    first.submit = submit  # type: ignore[method-assign]
    parts: list[Any] = []
    ctx = RunContext(base_params=resolved.base_params, shocks=(), steps=resolved.steps)
    try:
        Dispatcher(ctx, pool, parts.append).run(iter_runs(resolved), resolved.n_runs)
    finally:
        pool.close()
    statuses = [status for part in parts for _, status, _ in part.runs]
    assert len(statuses) == 6 and set(statuses) == {"ok"}
    assert pool.renewals == 1 and pool.executor is not first


def test_a_full_disk_ends_the_sweep_with_one_line_exit_1_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC while publishing a part: one line naming the folder, exit 1, the parts already
    published intact and no half-written file left; the same command then completes."""
    import errno

    from simulation.sweep import store

    path = make_sweep(tmp_path, reps=2, series_every=0)
    out = tmp_path / "out"
    real = os.replace
    calls = {"n": 0}

    def filling(src: Any, dst: Any) -> None:
        if Path(dst).name.startswith("part-"):
            calls["n"] += 1
            if calls["n"] == 3:  # the third part's bytes are written, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(store.os, "replace", filling)
    code = sweep_command(path, 0, None, False, out, progress=False, summary=False)
    err = capsys.readouterr().err
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("error: ") and "No space left on device" in line and str(out) in line
    assert raw_rows(out) == 2 and not list((out / "runs").glob(".*.tmp"))
    monkeypatch.setattr(store.os, "replace", real)
    report = run_sweep(load_sweep(path), out, workers=0, progress=False, summarize=False)
    assert report.skipped == 2 and report.ran == 10 and report.failed == 0
