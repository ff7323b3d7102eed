"""Morris screening: a sweep file with design.method = "morris" (design, summary) and the
`partnership sensitivity` command end to end, bad input refused with one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import written_by_another_model

from simulation.params import plausible_ranges
from simulation.plots import print_problems
from simulation.sweep import SweepError, parse_sweep, run_sweep

CLI = [sys.executable, "-m", "simulation"]


def _morris(samples: int | None = 3, **extra: object) -> dict[str, object]:
    return {
        "name": "m",
        "steps": 6,
        "root_seed": 3,
        "design": {"method": "morris", "samples": samples},
        "factors": {
            "partnering_rate": {"low": 0.0, "high": 0.3},
            "n_citizens": {"low": 60, "high": 120},
            "trust_gain": {"low": 0.02, "high": 0.3},
        },
        "outputs": {"outcomes": ["community_welfare", "partnership_survival"]},
        **extra,
    }


def test_a_morris_design_is_one_at_a_time_trajectories() -> None:
    resolved = parse_sweep(_morris()).resolve()
    assert resolved.n_points == 3 * (3 + 1) and resolved.problem is not None
    points = pd.DataFrame(resolved.points)
    for start in range(0, 12, 4):  # each step of a trajectory moves exactly one factor
        path = points.iloc[start : start + 4]
        moved = (path.diff().iloc[1:] != 0).sum(axis=1)
        assert (moved == 1).all()
    assert points["n_citizens"].map(type).eq(int).all()


def test_morris_needs_samples_and_a_bounded_size() -> None:
    with pytest.raises(SweepError, match=r"design\.samples: required for morris"):
        parse_sweep(_morris(None)).resolve()
    with pytest.raises(SweepError, match=r"design\.samples x \(factors \+ 1\)"):
        parse_sweep(_morris(40_000)).resolve()


def test_the_summary_ranks_factors_by_morris_effects(tmp_path: Path) -> None:
    report = run_sweep(parse_sweep(_morris()), tmp_path / "m", executor="serial", progress=False)
    table = pd.read_csv(tmp_path / "m" / "summary" / "morris.csv")
    assert set(table["factor"]) == {"partnering_rate", "n_citizens", "trust_gain"}
    assert (table["mu_star"] >= 0).all()
    survival = table[table["outcome"] == "partnership_survival"].set_index("factor")
    assert survival.loc["partnering_rate", "mu_star"] > 0  # no partners, nothing fails
    assert "Morris elementary effects" in (tmp_path / "m" / "summary" / "summary.md").read_text()
    assert report.summary is not None and any(f.name == "morris.png" for f in report.summary.files)


def _screen(cwd: Path) -> subprocess.CompletedProcess[str]:
    """A tiny `partnership sensitivity` into cwd/s."""
    args = ["--quick", "--trajectories", "2", "--months", "12", "--workers", "1"]
    return subprocess.run(
        [*CLI, "sensitivity", *args, "--no-progress", "--out", "s"],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_sensitivity_command_end_to_end(tmp_path: Path) -> None:
    done = _screen(tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "s" / "morris.csv")
    assert set(table["factor"]) == set(plausible_ranges())
    assert {"welfare_gain", "gini", "partnership_survival"} <= set(table["outcome"])
    assert "welfare_gain:" in done.stdout
    report = tmp_path / "s" / "report.md"
    assert "Main drivers of each outcome" in report.read_text()
    assert _screen(tmp_path).returncode == 0  # resumes: nothing left to run
    assert "- 0 model runs in this call" in report.read_text()
    written_by_another_model(tmp_path / "s" / "design")
    rerun = _screen(tmp_path)  # the sweep resumes by parameters and seed only
    assert rerun.returncode == 0, rerun.stderr
    assert "- 0 model runs in this call" not in report.read_text()
    assert _screen(tmp_path).returncode == 0  # the runs now carry this model's stamp
    assert "- 0 model runs in this call" in report.read_text()


def test_sensitivity_figure_is_fit_for_print() -> None:
    from simulation.plots import print_style
    from simulation.sweep.summary import draw_morris

    table = pd.DataFrame(
        {
            "outcome": ["a"] * 9 + ["b"] * 9,
            "factor": [f"parameter_{i}" for i in range(9)] * 2,
            "mu_star": [0.1 * i for i in range(18)],
            "mu_star_conf": [0.01] * 18,
            "sigma": [0.05] * 18,
        }
    )
    with print_style():
        fig = draw_morris(table, ["a", "b"])
    assert print_problems(fig) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "leakage=0.2"], "a screened parameter"),
        (["--set", "n_citizens=2.5"], "n_citizens"),
        (["--trajectories", "1"], "--trajectories"),
        (["--out", "mine"], "did not write"),
    ],
)
def test_sensitivity_bad_input_is_one_line_exit_2(
    tmp_path: Path, args: list[str], says: str
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    done = subprocess.run(
        [*CLI, "sensitivity", "--quick", "--no-progress", *args],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr, done.stderr
    assert not (tmp_path / "results").exists()
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
