"""Experiments: definitions load, statistics are right on known inputs, and one quick
experiment runs end to end and `--check` catches a changed number."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from simulation.experiments.analysis import paired_resilience
from simulation.experiments.check import compare, read_summary
from simulation.experiments.cli import check_command, experiment_command
from simulation.experiments.definition import list_experiments, load_experiment, variant
from simulation.experiments.pipeline import results_folder, run_and_report
from simulation.experiments.stats import paired_effect, stable_replications


def test_all_seven_definitions_load_with_quick_variants() -> None:
    exps = list_experiments()
    assert len(exps) == 7
    for e in exps:
        full, quick = variant(e, False), variant(e, True)
        assert quick["replications"] <= full["replications"]
        assert e.one_line and e.claims


def test_list_prints_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert experiment_command(None, list_=True) == 0
    out = capsys.readouterr().out
    assert all(e.name in out for e in list_experiments())


def test_unknown_experiment_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert experiment_command("no-such-experiment") == 2
    assert "no such experiment" in capsys.readouterr().err


def test_paired_effect_on_known_differences() -> None:
    ref = pd.Series([1.0, 2.0, 3.0, 4.0])
    eff = paired_effect(ref + 1.0 + np.array([0.1, -0.1, 0.1, -0.1]), ref)
    assert eff["diff"] == pytest.approx(1.0)
    assert eff["diff_low"] < 1.0 < eff["diff_high"]
    assert eff["cohen_d"] == pytest.approx(1.0 / ref.std(), rel=0.1)


def test_replication_criterion_needs_a_stable_tail() -> None:
    rng = np.random.default_rng(1)
    stable = stable_replications(10 + rng.normal(0, 1, 60))
    assert stable["met"] == 1.0 and stable["n_stable"] < 45
    drifting = stable_replications(np.r_[10 + rng.normal(0, 1, 9), 40.0])  # late outlier
    assert drifting["met"] == 0.0


def test_paired_resilience_measures_gap_to_unshocked_run() -> None:
    steps = np.arange(0, 21)
    calm = pd.DataFrame({"step": steps, "community_welfare": np.full(21, 0.5)})
    w = np.full(21, 0.5)
    w[11:14] = [0.4, 0.45, 0.498]  # shock at month 10: 20 % gap, closed at month 13
    shocked = pd.DataFrame({"step": steps, "community_welfare": w})
    drop, months, censored, _ = paired_resilience(shocked, calm, 10)
    assert drop == pytest.approx(0.2)
    assert months == 3 and not censored


def test_compare_reports_each_changed_cell() -> None:
    df = pd.DataFrame(
        {
            "table": ["a", "a", "b"],
            "row": ["x", "y", "x"],
            "outcome": ["o"] * 3,
            "statistic": ["mean"] * 3,
            "value": [0.1, math.nan, 2.0],
        }
    )
    changed = df.copy()
    changed.loc[2, "value"] = np.nextafter(2.0, 3.0)  # one ulp: bitwise check must see it
    verdicts = {v.table: v for v in compare(df, changed)}
    assert verdicts["a"].ok
    assert not verdicts["b"].ok and len(verdicts["b"].differing) == 1
    assert compare(df, changed, rtol=1e-9)[1].ok


def test_quick_experiment_end_to_end_and_check(tmp_path, capsys) -> None:
    exp = load_experiment("partnerships-welfare")
    out = results_folder(exp, True, tmp_path)
    res = run_and_report(exp, out, quick=True, workers=2, progress=False)
    assert res.data.failed == 0
    for name in ("summary.csv", "summary.md", "report.md", "manifest.json", "figures/means.png"):
        assert (out / name).is_file(), name
    assert list((out / "data" / "none" / "runs").glob("part-*.parquet"))
    summary = read_summary(out / "summary.csv")
    # the answer is computed, not written in: formal partnerships raise welfare_mean here
    formal = summary[
        (summary["table"] == "effects")
        & (summary["outcome"] == "welfare_mean")
        & (summary["row"].str.startswith("Formal"))
        & (summary["statistic"] == "diff")
    ]
    assert len(formal) == 1 and "welfare_mean" in (out / "report.md").read_text()

    # tamper with one committed number: --check must re-run, match the rest, flag that one
    i = summary.index[(summary["table"] == "means") & (summary["statistic"] == "mean")][0]
    summary.loc[i, "value"] = summary.loc[i, "value"] * (1 + 1e-12)
    summary.to_csv(out / "summary.csv", index=False, float_format="%.17g")
    code = check_command("partnerships-welfare", True, 2, results_root=tmp_path, progress=False)
    text = capsys.readouterr().out
    assert code == 1
    assert "means" in text and "1 of" in text and "DIFFERS" in text
    assert "effects" in text and "match" in text  # the untouched tables reproduce bitwise


def test_experiment_workers_exit_when_the_coordinator_is_killed(tmp_path: Path) -> None:
    """kill -9 of `partnership experiment` must not leave its worker processes behind."""
    script = tmp_path / "coordinator.py"
    script.write_text(
        "import os\n"
        "from simulation.experiments.execute import shared_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = shared_pool(1)\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    input()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        assert psutil.pid_exists(worker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not psutil.pid_exists(worker) or psutil.Process(worker).status() == "zombie":
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"worker {worker} outlived its killed coordinator")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_level_contrasts_are_paired_on_the_other_factors_and_the_replicate() -> None:
    """A small effect hidden under large replicate-to-replicate spread is recovered exactly
    by pairing runs that share the other factors' values and the seed."""
    from simulation.experiments.analysis import Analysis, _level_contrasts

    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1.0, 10)  # one draw per replicate: common random numbers
    rows = [
        {
            "a": a,
            "b": b,
            "replicate": r,
            "y": noise[r] + (5.0 if b == "y" else 0.0) + 0.01 * a + rng.normal(0.0, 1e-4),
        }
        for a in (0.0, 1.0)
        for b in ("x", "y")
        for r in range(10)
    ]
    a = Analysis()
    answers = _level_contrasts(a, pd.DataFrame(rows), ["a", "b"], ("y",), "y")
    table = pd.DataFrame(a.rows)
    diff = table[(table["row"] == "a: 1 - 0") & (table["statistic"] == "diff")]["value"]
    assert math.isclose(float(diff.iloc[0]), 0.01, abs_tol=1e-4)
    assert any(s.startswith("a: 1 - 0, paired: y +0.01") and s.endswith("higher.") for s in answers)
    assert any(s.startswith("b: y - x, paired: y +5") for s in answers)
