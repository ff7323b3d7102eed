"""`partnership calibrate`: end to end as a user runs it (tiny budget), the rejection step on
known numbers, and bad input refused with one line, exit 2 and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.calibration.posterior import abc_reject, pattern_shares
from simulation.experiments.patterns import load_patterns
from simulation.params import plausible_ranges
from simulation.scenario import load_scenario

CLI = [sys.executable, "-m", "simulation"]
TINY = ["--quick", "--points", "6", "--months", "12", "--workers", "1", "--no-progress"]


def _calibrate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "calibrate", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_calibrate_end_to_end_writes_a_loadable_calibrated_scenario(tmp_path: Path) -> None:
    done = _calibrate(tmp_path, *TINY, "--out", "cal")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "cal"
    for name in ("report.md", "marginals.png", "pairs.png", "pattern_shares.csv", "check.csv"):
        assert (out / name).is_file(), name
    posterior = pd.read_parquet(out / "posterior.parquet")
    ranges = plausible_ranges()
    assert len(posterior) == 2  # a quarter of 6 points, at least two
    for name, (low, high) in ranges.items():
        assert posterior[name].between(low, high).all(), name
    calibrated = load_scenario(out / "calibrated.toml")
    assert calibrated.name == "calibrated" and calibrated.model.n_citizens == 300
    for name in ranges:
        assert getattr(calibrated.model, name) == pytest.approx(posterior[name].median())
    check = pd.read_csv(out / "check.csv")
    assert set(check["pattern"]) == {p.id for p in load_patterns()}
    report = (out / "report.md").read_text()
    assert "Held-out (validation) patterns met:" in report
    ran = subprocess.run(
        [*CLI, "run", str(out / "calibrated.toml"), "--steps", "2", "--out", "run"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    again = _calibrate(tmp_path, *TINY, "--out", "cal")  # resumes: nothing left to run
    assert again.returncode == 0 and " 0 model runs now" in again.stdout, again.stdout
    changed = _calibrate(tmp_path, *TINY, "--points", "8", "--out", "cal")
    assert changed.returncode == 2 and "--fresh" in changed.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "sanction_rate=1.0"], "a calibrated parameter"),
        (["--set", "n_citizens=true"], "n_citizens"),
        (["--set", "no_such=1"], "no_such"),
        (["--points", "1"], "--points"),
        (["--accept", "0"], "--accept"),
        (["bad.toml"], "bad.toml"),
        (["--out", "mine"], "did not write"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, args: list[str], says: str
) -> None:
    (tmp_path / "bad.toml").write_text("[[pattern]]\nid = 3\n")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    done = _calibrate(tmp_path, "--quick", "--no-progress", *args)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr, done.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "results").exists()


def test_rejection_keeps_the_points_closest_in_tolerance_units() -> None:
    """Two patterns with tolerances 0.1 and 10: a point off by 5 on the second is closer
    than one off by 0.3 on the first (0.5 vs 3 tolerances)."""
    patterns = [p for p in load_patterns() if p.use == "calibration"][:2]
    a, b = patterns
    rows = []
    offsets = {0: (0.0, 0.0), 1: (3 * a.tolerance, 0.0), 2: (0.0, 0.5 * b.tolerance), 3: (9, 9)}
    for point, (da, db) in offsets.items():
        for rep in range(2):
            rows.append(
                {
                    "point_id": point,
                    "replicate": rep,
                    "status": "ok",
                    "x": float(point),
                    a.id: a.target + da,
                    b.id: b.target + db,
                }
            )
    runs = pd.DataFrame(rows)
    post = abc_reject(runs, ["x"], patterns, accept=0.5)
    assert list(post.sample["point_id"]) == [0, 2]
    assert post.threshold == pytest.approx(np.sqrt(0.5**2 / 2))
    shares = pattern_shares(runs, post, patterns).set_index("pattern")
    assert shares.loc[a.id, "posterior_share_of_runs_met"] == 1.0
    assert shares.loc[a.id, "prior_share_of_runs_met"] == 0.5
