"""Nothing lost, nothing escapes: `run` and `sweep` write only where the user pointed them,
never replace or write into a folder they did not write themselves, and refuse unusable
output paths with one line before doing any work."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.outdir import MARKER, mark

TINY = """\
name = "tiny"
steps = 2
seed = 5

[model]
n_citizens = 40
"""
SWEEP = """\
name = "tiny-sweep"
base = "tiny.toml"
steps = 2

[factors.trust_gain]
values = [0.1, 0.2]
"""


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a scenario, a sweep and a folder of the user's documents."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.txt").write_text("precious", encoding="utf-8")
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


def refused(args: list[str], code: int = 2) -> str:
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_folder_of_the_users_files_is_never_touched(place: Path, command: str):
    before = tree(place)
    args = ["run", "tiny.toml"] if command == "run" else ["sweep", "sweep.toml", "--workers", "1"]
    line = refused([*args, "--out", "docs"])
    assert "docs" in line and "did not write" in line
    if command == "sweep":
        refused([*args, "--out", "docs", "--fresh"])
    assert tree(place) == before


def test_each_command_keeps_to_its_own_folders(place: Path):
    """A sweep's results folder is not a run's output, nor the other way round."""
    (place / "swept").mkdir()
    mark(place / "swept", "sweep")
    (place / "swept" / "_manifest.json").write_text("{}", encoding="utf-8")
    (place / "ran").mkdir()
    mark(place / "ran", "run")
    (place / "ran" / "timeseries.csv").write_text("step\n", encoding="utf-8")
    before = tree(place)
    assert "partnership sweep" in refused(["run", "tiny.toml", "--out", "swept"])
    assert "partnership run" in refused(["sweep", "sweep.toml", "--workers", "1", "--out", "ran"])
    assert tree(place) == before


@pytest.mark.parametrize("out", ["", ".", "..", "docs/..", "sub/../.."])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_out_naming_the_working_folder_or_above_is_refused(place: Path, out: str, command: str):
    before = tree(place)
    args = ["run", "tiny.toml"] if command == "run" else ["sweep", "sweep.toml", "--workers", "1"]
    refused([*args, "--out", out])
    assert tree(place) == before


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_out_onto_or_inside_a_file_is_refused(place: Path, command: str):
    args = ["run", "tiny.toml"] if command == "run" else ["sweep", "sweep.toml", "--workers", "1"]
    before = tree(place)
    assert "not a folder" in refused([*args, "--out", "docs/thesis.txt"])
    assert "is a file" in refused([*args, "--out", "docs/thesis.txt/inside"])
    assert tree(place) == before


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_read_only_folder_is_left_as_it_is(place: Path, command: str):
    """Exit 1 (the environment, not the input), one line; the folder keeps its name, mode and
    contents (no hidden '.NAME.old' copy)."""
    args = ["run", "tiny.toml"] if command == "run" else ["sweep", "sweep.toml", "--workers", "1"]
    locked = place / "locked"
    locked.mkdir()
    if command == "run":
        mark(locked, "run")
    locked.chmod(0o555)
    try:
        before = tree(place)
        assert "permission denied" in refused([*args, "--out", "locked"], code=1)
        assert "permission denied" in refused([*args, "--out", "locked/sub"], code=1)
        assert tree(place) == before  # also: no hidden '.locked.old-PID' beside it
        assert stat.S_IMODE(locked.stat().st_mode) == 0o555
    finally:
        locked.chmod(0o755)


def test_a_file_added_to_an_earlier_run_output_is_never_deleted(place: Path):
    out = place / "mine"
    assert CliRunner().invoke(app, ["run", "tiny.toml", "--out", str(out)]).exit_code == 0
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    before = tree(place)
    assert "notes.txt" in refused(["run", "tiny.toml", "--out", str(out)])
    assert tree(place) == before


def test_a_symbolic_link_is_not_replaced(place: Path):
    (place / "link").symlink_to(place / "docs")
    before = tree(place / "docs")
    assert "symbolic link" in refused(["run", "tiny.toml", "--out", "link"])
    assert (place / "link").is_symlink() and tree(place / "docs") == before


@pytest.mark.parametrize(
    "name", ["../../../victim", "/etc/victim", "a/b", ".hidden", "", "x" * 101]
)
def test_a_scenario_name_that_is_not_a_folder_name_is_refused(place: Path, name: str):
    bad = place / "bad.toml"
    bad.write_text(TINY.replace('name = "tiny"', f"name = {json.dumps(name)}"), encoding="utf-8")
    before = tree(place.parent)
    assert "key 'name'" in refused(["validate", str(bad)])
    assert "key 'name'" in refused(["run", str(bad)])
    assert tree(place.parent) == before


@pytest.mark.parametrize(
    ("option", "value"), [("--seed", str(2**70)), ("--steps", str(2**70)), ("--steps", "100001")]
)
def test_run_bounds_are_checked_before_the_run(place: Path, option: str, value: str):
    result = CliRunner().invoke(app, ["run", "tiny.toml", option, value, "--out", "o"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert option in result.output and not (place / "o").exists()


def test_run_records_what_ran_and_replaces_only_its_own_output(place: Path):
    """scenario.json says the seed and steps used; a rerun into the same folder replaces the
    earlier run's files; the folder is readable by the group and carries the marker."""
    out = place / "results" / "mine"
    result = CliRunner().invoke(
        app, ["run", "tiny.toml", "--seed", "7", "--steps", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    recorded = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert (recorded["seed"], recorded["steps"]) == (7, 3)
    assert json.loads((out / MARKER).read_text())["kind"] == "run"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    result = CliRunner().invoke(app, ["run", "tiny.toml", "--out", str(out)])
    assert result.exit_code == 0, result.output
    recorded = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert (recorded["seed"], recorded["steps"]) == (5, 2)
    assert sorted(p.name for p in out.parent.iterdir()) == ["mine"]  # nothing left beside it


def test_default_run_folder_stays_under_results(place: Path):
    result = CliRunner().invoke(app, ["run", "tiny.toml"])
    assert result.exit_code == 0, result.output
    assert (place / "results" / "runs" / "tiny-seed5" / "timeseries.csv").is_file()


def test_a_run_output_from_before_the_marker_is_still_replaced(place: Path):
    """`make run` twice in a clone that ran it before this version: the old output folder
    (exactly run's four files) counts as run's own."""
    out = place / "results" / "runs" / "tiny-seed5"
    assert CliRunner().invoke(app, ["run", "tiny.toml"]).exit_code == 0
    (out / MARKER).unlink()
    assert CliRunner().invoke(app, ["run", "tiny.toml"]).exit_code == 0
    assert (out / MARKER).is_file()
    (out / MARKER).unlink()
    (out / "figure.png").unlink()  # no longer exactly run's files: not taken for its own
    refused(["run", "tiny.toml"])


def test_an_experiment_never_writes_into_a_folder_of_the_users_files(place: Path, capsys):
    from simulation.experiments.cli import experiment_command

    folder = place / "results" / "trust-phase" / "quick"
    folder.mkdir(parents=True)
    (folder / "summary.csv").write_text("mine", encoding="utf-8")
    before = tree(place)
    code = experiment_command("trust-phase", quick=True, results_root=place / "results")
    assert code == 2 and "did not write" in capsys.readouterr().err
    assert tree(place) == before
