"""Strict input: no coercion, regular files of bounded size only, bounded nesting, bounded
designs and options; one formatter for scenarios, sweeps and experiment definitions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulation.cli import app, main
from simulation.experiments.definition import ExperimentError, load_experiment
from simulation.inputs import MAX_FILE_BYTES
from simulation.scenario import ScenarioError, load_scenario
from simulation.sweep import SweepError, load_sweep

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = 'name = "x"\nsteps = 10\n'
SWEEP = 'name = "s"\nbase = "x.toml"\n[factors.trust_gain]\nvalues = [0.1, 0.2]\n'

COERCED_SCENARIO = {
    "bool as number": ("[model]\ninitial_trust = true\n", "model.initial_trust"),
    "string as integer": ('steps = "120"\n', "steps"),
    "bool as seed": ("seed = true\n", "seed"),
    "float as integer": ("steps = 12.0\n", "steps"),
    "string as number": ('[model]\ntrust_gain = "0.1"\n', "model.trust_gain"),
}
COERCED_SWEEP = {
    "string replications": ('replications = "2"\n', "replications"),
    "string bool": (
        '[design]\nmethod = "sobol"\nsamples = 8\nsecond_order = "yes"\n'
        "[factors.trust_gain]\nlow = 0.0\nhigh = 0.5\n",
        "design.second_order",
    ),
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(COERCED_SCENARIO))
def test_scenario_values_are_never_coerced(tmp_path: Path, case: str):
    extra, key = COERCED_SCENARIO[case]
    body = SCENARIO.replace("steps = 10\n", "") if "steps" in extra else SCENARIO
    path = write(tmp_path, "x.toml", body + extra)
    with pytest.raises(ScenarioError, match=f"key '{key}'") as info:
        load_scenario(path)
    assert "\n" not in str(info.value) and "allowed:" in str(info.value)


@pytest.mark.parametrize("case", sorted(COERCED_SWEEP))
def test_sweep_values_are_never_coerced(tmp_path: Path, case: str):
    extra, key = COERCED_SWEEP[case]
    write(tmp_path, "x.toml", SCENARIO)
    body = SWEEP if "factors" not in extra else 'name = "s"\nbase = "x.toml"\n'
    path = write(tmp_path, "s.toml", body.replace("[factors", extra + "[factors", 1))
    if "[factors" not in body:
        path.write_text(body + extra)
    with pytest.raises(SweepError, match=f"key '{key}'"):
        load_sweep(path)


def test_a_grid_level_true_is_not_read_as_one(tmp_path: Path):
    write(tmp_path, "x.toml", SCENARIO)
    path = write(tmp_path, "s.toml", SWEEP.replace("[0.1, 0.2]", "[true, 0.2]"))
    with pytest.raises(SweepError, match="valid number"):
        load_sweep(path)


def test_experiment_definitions_share_the_formatter(tmp_path: Path):
    source = (ROOT / "experiments" / "trust-phase.toml").read_text(encoding="utf-8")
    path = write(tmp_path, "trust-phase.toml", source.replace("root_seed =", "root_seed = true #"))
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert str(info.value).startswith(f"{path}: key 'root_seed'")
    assert "allowed: an integer >= 0" in str(info.value)


def test_shocks_after_the_last_month_are_refused(tmp_path: Path):
    path = write(tmp_path, "x.toml", SCENARIO + '[[shocks]]\nstep = 11\nkind = "funding_cut"\n')
    with pytest.raises(ScenarioError, match=r"after the last month \(steps = 10\)"):
        load_scenario(path)


@pytest.mark.parametrize("kind", ["fifo", "device", "huge", "deep", "directory"])
@pytest.mark.parametrize("reader", ["scenario", "sweep"])
def test_only_small_regular_files_are_read(tmp_path: Path, kind: str, reader: str):
    """A FIFO or /dev/zero would block or fill memory: refused at once, one line."""
    path = tmp_path / "in.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        path.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    elif kind == "deep":
        path.write_text("a = " + "[" * 500 + "]" * 500 + "\n")
    else:
        path.mkdir()
    load = load_scenario if reader == "scenario" else load_sweep
    error = ScenarioError if reader == "scenario" else SweepError
    with pytest.raises(error) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message and "in.toml" in message


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        ("grid", "100000000 design points, too many"),
        ("lhs", "design.samples = 10000000"),
        ("sobol", "design points, too many"),
    ],
)
def test_huge_designs_are_refused_before_they_are_built(tmp_path: Path, design: str, expected):
    write(tmp_path, "x.toml", SCENARIO)
    levels = "[" + ", ".join(f"{i / 100:.2f}" for i in range(100)) + "]"
    names = ("trust_gain", "trust_loss", "synergy", "competition")
    if design == "grid":
        factors = "".join(f"[factors.{n}]\nvalues = {levels}\n" for n in names)
        body = f'name = "big"\nbase = "x.toml"\n{factors}'
    else:
        samples = 10_000_000 if design == "lhs" else 2**20
        factors = "".join(f"[factors.{n}]\nlow = 0.0\nhigh = 0.5\n" for n in names)
        body = f'name = "big"\nbase = "x.toml"\n[design]\nmethod = "{design}"\n'
        body += f"samples = {samples}\n{factors}"
    with pytest.raises(SweepError, match=expected):
        load_sweep(write(tmp_path, "big.toml", body))


def test_validate_reports_every_file_and_exits_2_if_any_is_bad(tmp_path: Path):
    good = write(tmp_path, "good.toml", SCENARIO)
    bad1 = write(tmp_path, "bad1.toml", SCENARIO + "seed = true\n")
    bad2 = write(tmp_path, "bad2.toml", 'name = "../up"\n')
    result = CliRunner().invoke(app, ["validate", str(bad1), str(good), str(bad2)])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"ok: {good} (scenario 'x', 0 overrides)"]
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and str(bad1) in errors[0] and str(bad2) in errors[1]


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e7"])
def test_sweep_timeout_must_be_a_finite_number_of_seconds(tmp_path: Path, value: str, capsys):
    write(tmp_path, "x.toml", SCENARIO)
    sweep = write(tmp_path, "s.toml", SWEEP)
    code = main(["sweep", str(sweep), "--timeout", value, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--timeout" in err
    assert not (tmp_path / "o").exists()


def test_more_workers_than_cores_is_capped_with_a_warning(capsys):
    from simulation.sweep.cli import usable_workers

    cores = os.cpu_count() or 1
    assert usable_workers(cores * 500) == cores
    assert "more than the" in capsys.readouterr().err
    assert usable_workers(1) == 1 and usable_workers(None) is None


def test_run_validates_before_loading_the_model(tmp_path: Path):
    bad = write(tmp_path, "bad.toml", SCENARIO + "seed = true\n")
    code = (
        "import sys\nfrom simulation.cli import main\n"
        f"rc = main(['run', {str(bad)!r}])\n"
        "print(rc, 'simulation.model' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout.split() == ["2", "False"], proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
