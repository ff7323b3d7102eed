"""The `partnership` command: bad input exits 2 with one line on stderr, no traceback and no
output written; `run` writes a reproducible time series, Parquet and figure; `validate`
accepts the shipped scenarios."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulation import METRICS
from simulation.cli import app
from simulation.outdir import MARKER, mark
from simulation.scenario import SCENARIO_DIR

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("partnership")
SMALL = """\
name = "small"
description = "A small town for CLI tests."
steps = 120
seed = 11

[model]
n_citizens = 150
partnering_rate = 0.3

[[shocks]]
step = 3
kind = "funding_cut"
magnitude = 0.5
duration = 2
"""
BAD = {
    "malformed": 'name = "x\n',
    "unknown-key": 'name = "x"\ncolour = "red"\n',
    "unknown-model-key": 'name = "x"\n[model]\npartnering_rat = 0.2\n',
    "unknown-shock-key": 'name = "x"\n[[shocks]]\nstep = 2\nkind = "funding_cut"\nsize = 1\n',
    "wrong-type": 'name = "x"\n[model]\nn_citizens = "many"\n',
    "out-of-range": 'name = "x"\n[model]\npartnering_rate = 1.5\n',
}


def partnership(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a user would."""
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run(
        [str(EXE), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_one_line_error(stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_console_script_is_installed():
    assert EXE.is_file(), EXE


def test_validate_accepts_shipped_scenarios():
    """`partnership validate` prints ok for every shipped file and exits 0."""
    files = sorted(SCENARIO_DIR.glob("*.toml"))
    result = CliRunner().invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    for line, f in zip(lines, files, strict=True):
        assert line.startswith(f"ok: {f}")


@pytest.mark.parametrize("case", sorted(BAD))
def test_validate_rejects_bad_files(tmp_path: Path, case: str):
    """A bad scenario: exit 2, one line on stderr naming the file, no traceback."""
    path = tmp_path / f"{case}.toml"
    path.write_text(BAD[case], encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    assert str(path) in result.stderr
    assert result.stdout == ""


def test_validate_missing_file(tmp_path: Path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "gone.toml")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert_one_line_error(result.stderr)
    assert "gone.toml" in result.stderr


def earlier_output(tmp_path: Path) -> Path:
    earlier = tmp_path / "results" / "earlier"
    earlier.mkdir(parents=True)
    (earlier / "timeseries.csv").write_text("step\n0\n", encoding="utf-8")
    mark(earlier, "run")
    return earlier


@pytest.mark.parametrize("case", [*sorted(BAD), "missing"])
def test_run_with_bad_scenario_writes_nothing(tmp_path: Path, case: str):
    """`run` with a bad scenario: exit 2, one line on stderr, no traceback; the --out folder
    is not created and an earlier output folder is left untouched."""
    scenario = tmp_path / f"{case}.toml"
    if case != "missing":
        scenario.write_text(BAD[case], encoding="utf-8")
    earlier = earlier_output(tmp_path)
    before = snapshot(tmp_path / "results")
    new = tmp_path / "results" / "new"
    for out in (new, earlier):
        result = CliRunner().invoke(app, ["run", str(scenario), "--steps", "5", "--out", str(out)])
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == 2
        assert_one_line_error(result.stderr)
        assert result.stdout == ""
    assert not new.exists()
    assert snapshot(tmp_path / "results") == before
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["earlier"]


def test_run_error_in_a_fresh_process(tmp_path: Path):
    """The installed console script, as a user runs it: exit 2, one line, no traceback,
    nothing written, the earlier output untouched."""
    scenario = tmp_path / "typo.toml"
    scenario.write_text(BAD["unknown-model-key"], encoding="utf-8")
    earlier = earlier_output(tmp_path)
    before = snapshot(tmp_path / "results")
    proc = partnership("run", str(scenario), "--steps", "5", "--out", str(earlier), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert_one_line_error(proc.stderr)
    assert "partnering_rat" in proc.stderr and proc.stdout == ""
    assert snapshot(tmp_path / "results") == before


def test_run_with_unusable_out_path_fails_cleanly(tmp_path: Path, small: Path):
    """--out inside a regular file cannot be written: exit 2, one line, no traceback."""
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["run", str(small), "--steps", "2", "--out", str(blocker / "out")]
    )
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_usage_errors_exit_2_without_traceback(tmp_path: Path):
    """Bad options are usage errors: exit 2, the reason shown, no traceback, nothing written."""
    result = CliRunner().invoke(app, ["run", "--steps", "0", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "--steps" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()
    sweep = Path(__file__).resolve().parents[1] / "sweeps" / "trust-x-volatility.toml"
    for bad in ("0", "-1", "soon"):
        result = CliRunner().invoke(
            app, ["sweep", str(sweep), "--timeout", bad, "--out", str(tmp_path / "s")]
        )
        assert result.exit_code == 2 and "--timeout" in result.output, bad
        assert "Traceback" not in result.output and not (tmp_path / "s").exists()


def test_run_writes_outputs_and_rerun_is_identical(tmp_path: Path, small: Path):
    """`partnership run <scenario> --steps 5 --out DIR` writes the CSV, Parquet, figure and
    scenario; a rerun (here in-process) into another folder gives a bitwise identical CSV, and
    a rerun with another seed into the same folder replaces it cleanly."""
    first, second = tmp_path / "a", tmp_path / "b"
    proc = partnership("run", str(small), "--steps", "5", "--out", str(first), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert str(first) in proc.stdout
    result = CliRunner().invoke(app, ["run", str(small), "--steps", "5", "--out", str(second)])
    assert result.exit_code == 0, result.output
    names = {"timeseries.csv", "timeseries.parquet", "figure.png", "scenario.json", MARKER}
    assert {p.name for p in first.iterdir()} == names
    csv = (first / "timeseries.csv").read_bytes()
    assert csv == (second / "timeseries.csv").read_bytes()
    assert (first / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    df = pd.read_csv(first / "timeseries.csv")
    assert list(df.columns) == ["scenario", "seed", "step", *METRICS]
    assert df["step"].tolist() == [0, 1, 2, 3, 4, 5]
    assert (df["scenario"] == "small").all() and (df["seed"] == 11).all()
    pq = pd.read_parquet(first / "timeseries.parquet")
    pd.testing.assert_frame_equal(pq, df, check_dtype=False)

    result = CliRunner().invoke(
        app, ["run", str(small), "--steps", "5", "--seed", "12", "--out", str(first)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in first.iterdir()} == names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "small.toml"]
    assert (first / "timeseries.csv").read_bytes() != csv


def test_make_help_lists_every_target():
    """Every target the Makefile declares phony has a `## ` description that `make help` shows."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:"))
    targets = set(phony.split(":", 1)[1].split())
    proc = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    listed = {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}
    assert targets == listed


def test_version_and_module_entry_points_agree(tmp_path: Path):
    """`partnership --version`, `python -m simulation` and the sweep/experiment modules are
    one command line: the same options, one-line usage errors, exit 2."""
    from importlib.metadata import version

    assert partnership("--version", cwd=tmp_path).stdout.strip().endswith(version("kemitraan"))
    for module, args in (
        ("simulation", ["run", "--steps", "0"]),
        ("simulation.sweep", ["sweep", "missing.toml", "--no-progress", "--timeout", "0"]),
        ("simulation.experiments", ["no-such-experiment", "--no-progress"]),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 2, (module, proc.stderr)
        assert_one_line_error(proc.stderr)
    assert list(tmp_path.iterdir()) == []
