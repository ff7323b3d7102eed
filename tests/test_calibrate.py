"""`partnership calibrate`: end to end as a user runs it (tiny budget), the rejection step on
known numbers, and bad input refused with one line, exit 2 and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import written_by_another_model

from simulation.calibration.posterior import (
    abc_reject,
    parameter_table,
    pattern_shares,
    weighted_quantile,
)
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


def test_quick_calibration_leaves_the_committed_one_alone(tmp_path: Path) -> None:
    """Without --out, --quick writes under results/calibration/quick/ (ignored by git), never
    over the committed results/calibration/, as an experiment's --quick does; a full run
    afterwards replaces the committed one and leaves quick/ alone."""
    committed = tmp_path / "results" / "calibration"
    committed.mkdir(parents=True)
    (committed / ".partnership").write_text('{"written_by": "partnership", "kind": "calibrate"}')
    (committed / "report.md").write_text("the committed calibration")
    done = _calibrate(tmp_path, *TINY)
    assert done.returncode == 0, done.stderr
    assert (committed / "report.md").read_text() == "the committed calibration"
    quick_report = (committed / "quick" / "report.md").read_text()
    small = ["--points", "6", "--months", "12", "--seeds", "1", "--check-seeds", "1"]
    full = _calibrate(tmp_path, *small, "--workers", "1", "--no-progress")  # not --quick
    assert full.returncode == 0, full.stderr  # the README's order: quick first, then the full one
    assert (committed / "report.md").read_text() != "the committed calibration"
    assert (committed / "quick" / "report.md").read_text() == quick_report


def test_calibrate_end_to_end_writes_a_loadable_calibrated_scenario(tmp_path: Path) -> None:
    done = _calibrate(tmp_path, *TINY, "--out", "cal")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "cal"
    names = ("report.md", "marginals.png", "pairs.png", "pattern_shares.csv", "check.csv")
    for name in (*names, "prim_boxes.csv"):
        assert (out / name).is_file(), name
    posterior = pd.read_parquet(out / "posterior.parquet")
    ranges = plausible_ranges()
    assert len(posterior) == 2  # a quarter of 6 points, at least two
    for name, (low, high) in ranges.items():
        assert posterior[name].between(low, high).all(), name
    calibrated = load_scenario(out / "calibrated.toml")
    assert calibrated.name == "calibrated" and calibrated.model.n_citizens == 300
    assert (out / "rejection.parquet").is_file() and "weight" in posterior
    for name in ranges:  # the weighted posterior median; integer parameters rounded
        value = getattr(calibrated.model, name)
        median = weighted_quantile(posterior[name].to_numpy(), 0.5, posterior["weight"].to_numpy())
        assert value == (round(median) if isinstance(value, int) else pytest.approx(median))
    check = pd.read_csv(out / "check.csv")
    assert set(check["pattern"]) == {p.id for p in load_patterns()}
    report = (out / "report.md").read_text()
    assert "Held-out (validation) patterns met:" in report
    assert "PRIM scenario discovery" in report and "welfare_gain" in posterior
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
    written_by_another_model(out / "design")
    rerun = _calibrate(tmp_path, *TINY, "--out", "cal")  # the sweep resumes by seed only
    assert rerun.returncode == 0 and " 0 model runs now" not in rerun.stdout, rerun.stdout
    stamped = _calibrate(tmp_path, *TINY, "--out", "cal")  # now stamped with this model
    assert " 0 model runs now" in stamped.stdout, stamped.stdout
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
    assert list(post.accepted["point_id"]) == [0, 2]
    assert post.threshold == pytest.approx(np.sqrt(0.5**2 / 2))
    shares = pattern_shares(runs, post, patterns).set_index("pattern")
    assert shares.loc[a.id, "accepted_share_of_runs_met"] == 1.0
    assert shares.loc[a.id, "prior_share_of_runs_met"] == 0.5


def test_prim_finds_the_region_where_partnerships_fail() -> None:
    """No welfare gain exactly where a > 0.7 and b < 0.5: the first box restricts a from
    about 0.7 up and b up to about 0.5, and holds mostly failures."""
    from simulation.calibration.discovery import discover, summary_lines

    rng = np.random.default_rng(4)
    points = pd.DataFrame(rng.random((400, 3)), columns=["a", "b", "c"])
    fail = (points["a"] > 0.7) & (points["b"] < 0.5)
    points["welfare_gain"] = np.where(fail, -0.01, 0.02) + rng.normal(0, 1e-3, 400)
    found = discover(points, ["a", "b", "c"])
    first = found.boxes[found.boxes["box"] == 1].set_index("parameter")
    assert set(first.index) == {"a", "b"}
    assert first.loc["a", "low"] == pytest.approx(0.7, abs=0.05)
    assert 0.45 <= first.loc["b", "high"] <= 0.7  # the densest-enough box with most coverage
    assert first["density"].iloc[0] >= 0.8 and first["coverage"].iloc[0] >= 0.8
    assert (first["quasi_p"] <= 0.05).all()
    assert found.cases == int(fail.sum())
    text = "\n".join(summary_lines(found, points))
    assert "box 1: a in [0.7" in text
    assert "a (higher without a gain" in text and "b (lower without a gain" in text


def _noisy_failures(seed: int) -> tuple[pd.DataFrame, list[str]]:
    """A town where no gain is likelier, not certain, for a > 0.6 and b < 0.4 (60 % of those
    points against 8 % elsewhere), and 30 parameters that do nothing."""
    rng = np.random.default_rng(seed)
    names = ["a", "b", *(f"noise_{k}" for k in range(30))]
    points = pd.DataFrame(rng.random((1500, len(names))), columns=names)
    region = (points["a"] > 0.6) & (points["b"] < 0.4)
    fail = rng.random(1500) < np.where(region, 0.6, 0.08)
    points["welfare_gain"] = np.where(fail, -0.01, 0.02)
    return points, names


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prim_keeps_only_significant_restrictions(seed: int) -> None:
    """With failures merely likelier in one region and thirty idle parameters, PRIM's peeling
    alone restricts idle ones too (they fit the sample's noise); screening and the quasi-p
    pruning leave the first box on a and b only."""
    from simulation.calibration.discovery import discover

    points, names = _noisy_failures(seed)
    found = discover(points, names)
    assert {"a", "b"} <= set(found.drivers["parameter"])
    first = found.boxes[found.boxes["box"] == 1]
    assert set(first["parameter"]) == {"a", "b"}
    assert (first["quasi_p"] <= 0.05).all()
    assert first["density"].iloc[0] >= 0.5


def test_prim_says_why_it_found_nothing() -> None:
    from simulation.calibration.discovery import discover

    points = pd.DataFrame({"a": np.linspace(0, 1, 50), "welfare_gain": 0.01})
    found = discover(points, ["a"])
    assert found.boxes.empty and "only 0" in found.note


def test_prim_looks_for_no_box_when_no_parameter_matters() -> None:
    """Failures at random (no parameter differs): no driver, no box, and the report says so."""
    from simulation.calibration.discovery import discover, summary_lines

    rng = np.random.default_rng(6)
    points = pd.DataFrame(rng.random((600, 4)), columns=list("abcd"))
    points["welfare_gain"] = np.where(rng.random(600) < 0.2, -0.01, 0.02)
    found = discover(points, list("abcd"))
    assert found.drivers.empty and found.boxes.empty
    assert "No boxes: no parameter differs" in "\n".join(summary_lines(found, points))


def _synthetic_design(target: float, n: int = 2000) -> tuple[pd.DataFrame, list]:
    """A design where the statistic is 2 a + noise and b is ignored: the regression
    adjustment must find a from the statistic and leave b at its prior."""
    from simulation.experiments.patterns import Pattern

    rng = np.random.default_rng(7)
    a, b = rng.random(n), rng.random(n)
    pattern = Pattern(
        id="synthetic",
        level="town",
        use="calibration",
        observed="x",
        source="x",
        evidence="verified",
        metric="community_welfare",
        statistic="final",
        target=target,
        tolerance=0.2,
    )
    runs = pd.DataFrame(
        {
            "point_id": np.arange(n),
            "status": "ok",
            "a": a,
            "b": b,
            "synthetic": 2.0 * a + rng.normal(0.0, 0.05, n),
        }
    )
    return runs, [pattern]


def test_regression_adjustment_centres_on_the_truth_and_narrows() -> None:
    runs, patterns = _synthetic_design(target=0.6)  # statistic 0.6 <=> a = 0.3
    ranges = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
    post = abc_reject(runs, ["a", "b"], patterns, accept=0.3, ranges=ranges)
    assert post.adjusted
    w = post.sample["weight"].to_numpy()
    adjusted, rejected = post.sample["a"].to_numpy(), post.accepted["a"].to_numpy()
    assert np.average(adjusted, weights=w) == pytest.approx(0.3, abs=0.01)
    assert adjusted.std() < 0.5 * rejected.std()
    table = parameter_table(post, ranges).set_index("parameter")
    assert table.loc["a", "median"] == pytest.approx(0.3, abs=0.01)
    assert table.loc["a", "sd_ratio"] < 0.5 * table.loc["a", "rejection_sd_ratio"]
    assert table.loc["b", "sd_ratio"] > 0.85  # ignored by the statistic: about the prior
    assert table.loc["b", "median"] == pytest.approx(0.5, abs=0.1)
    assert post.centre()["a"] == pytest.approx(0.3, abs=0.01)
    assert table.loc["a", "adjusted"] and table.loc["a", "slope_q"] < 1e-6
    assert not table.loc["b", "adjusted"]
    assert (post.sample["b"].to_numpy() == post.accepted["b"].to_numpy()).all()


def test_a_parameter_the_patterns_do_not_read_is_not_moved_by_extrapolation() -> None:
    """With the pattern beyond the accepted points (every z about -8.5), an unread parameter's
    noisy slope times z would shift all its values (b's median from 0.52 to 0.34 here, with
    a slope of p = 0.44); it fails the slope test and keeps its accepted values."""
    runs, patterns = _synthetic_design(target=3.5, n=5000)
    ranges = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
    post = abc_reject(runs, ["a", "b"], patterns, accept=0.2, ranges=ranges)
    assert post.was_adjusted("a") and not post.was_adjusted("b")
    assert (post.sample["b"].to_numpy() == post.accepted["b"].to_numpy()).all()
    assert post.centre()["b"] == pytest.approx(0.5, abs=0.05)


def test_slope_tests_control_the_false_discovery_rate() -> None:
    """Benjamini-Hochberg: the k-th smallest of m p-values is compared with k q / m."""
    from simulation.calibration.posterior import slope_tests

    p = {"w": 0.001, "x": 0.02, "y": 0.03, "z": 0.5}  # thresholds 0.0125, 0.025, 0.0375, 0.05
    tests = slope_tests(p, fdr=0.05)
    assert tests["adjusted"].to_dict() == {"w": True, "x": True, "y": True, "z": False}
    assert tests.loc["y", "q_value"] == pytest.approx(0.04)
    strict = slope_tests(p, fdr=0.01)
    assert strict["adjusted"].to_dict() == {"w": True, "x": False, "y": False, "z": False}


def test_the_slope_test_passes_a_read_parameter_and_not_an_ignored_one() -> None:
    from simulation.calibration.posterior import fit_slopes

    rng = np.random.default_rng(3)
    z = rng.normal(size=(300, 2))
    weights = rng.uniform(0.1, 1.0, 300)
    read = 1.0 / (1.0 + np.exp(-(0.4 * z[:, 0] + rng.normal(0.0, 0.5, 300))))
    ignored = rng.uniform(0.0, 1.0, 300)
    assert fit_slopes(read, z, weights, (0.0, 1.0)).p_value < 1e-6
    p_ignored = [
        fit_slopes(rng.uniform(0.0, 1.0, 300), z, weights, (0.0, 1.0)).p_value for _ in range(200)
    ]
    # under the null the p-value is uniform: about 5 % below 0.05
    assert 0.01 <= np.mean(np.array(p_ignored) < 0.05) <= 0.10
    assert fit_slopes(ignored, z, weights, (0.0, 1.0)).slopes.shape == (2,)


def test_adjusted_values_stay_inside_the_prior_when_the_pattern_is_out_of_reach() -> None:
    runs, patterns = _synthetic_design(target=3.0)  # a = 1.5: beyond the prior's edge
    ranges = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
    post = abc_reject(runs, ["a", "b"], patterns, accept=0.1, ranges=ranges)
    assert post.sample["a"].between(0.0, 1.0, inclusive="neither").all()
    assert post.sample["a"].median() > 0.95  # pushed to the edge it extrapolates towards


def test_too_few_accepted_points_leave_the_rejection_sample_unadjusted() -> None:
    runs, patterns = _synthetic_design(target=0.6, n=20)
    post = abc_reject(runs, ["a", "b"], patterns, accept=0.1, ranges={"a": (0, 1), "b": (0, 1)})
    assert not post.adjusted and len(post.sample) == 2
    assert (post.sample["a"].to_numpy() == post.accepted["a"].to_numpy()).all()
    assert (post.sample["weight"] == 1.0).all()


def _integer_design(n: int = 3000) -> tuple[pd.DataFrame, list]:
    """A design like the calibration's for two integer parameters drawn on 3..8 as the sweep
    draws them (floor of a uniform on [3, 9)): the statistic is k / 4 + noise, j is ignored."""
    runs, patterns = _synthetic_design(target=5.5 / 4.0, n=n)  # k = 5 is the observed cell
    rng = np.random.default_rng(11)
    k = np.floor(rng.uniform(3.0, 9.0, n))
    runs["k"], runs["j"] = k, np.floor(rng.uniform(3.0, 9.0, n))
    runs["synthetic"] = (k + 0.5) / 4.0 + rng.normal(0.0, 0.05, n)
    return runs, patterns


def test_integer_parameters_keep_their_accepted_values() -> None:
    """Integer parameters are not regression-adjusted: the accepted values, weighted, narrow
    where the statistic reads the parameter (k) and stay about the prior where it does not
    (j), instead of being shifted by a noisy slope extrapolated to the observed patterns."""
    runs, patterns = _integer_design()
    ranges = {"k": (3.0, 8.0), "j": (3.0, 8.0)}
    post = abc_reject(
        runs, ["k", "j"], patterns, accept=0.3, ranges=ranges, integers=frozenset({"k", "j"})
    )
    assert post.adjusted
    for name in ("k", "j"):
        assert (post.sample[name].to_numpy() == post.accepted[name].to_numpy()).all()
    table = parameter_table(post, ranges).set_index("parameter")
    assert table.loc["k", "median"] == 5 and post.centre()["k"] == 5
    assert table.loc["k", "sd_ratio"] < 0.6
    # ignored: about its discrete prior (the uniform on 3..8 has sd 1.71)
    assert 0.85 < table.loc["j", "sd_ratio"] < 1.1
    assert table.loc["j", "median"] in (5, 6)


def test_a_calibration_point_runs_each_distinct_model_once() -> None:
    """The calibration patterns need the default town (failure share, NGO volatility, the
    audit's 4 % reference), the town with every project audited, and the town without
    partnerships (the welfare gain): three runs, unless the audit rate is itself a factor."""
    from simulation.calibration.design import PatternRun

    calibration = tuple(p for p in load_patterns() if p.use == "calibration")
    factors = tuple(plausible_ranges())
    assert PatternRun(calibration, factors, gain=True).model_runs(120) == 3
    assert PatternRun(calibration, factors, gain=False).model_runs(120) == 2
    with_audit = (*factors, "audit_probability")
    assert PatternRun(calibration, with_audit, gain=True).model_runs(120) == 4
