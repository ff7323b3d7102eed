"""Property: whatever malformed scenario file, sweep file or bad option a user gives, the
command ends with exactly one line on stderr, exit 2, no traceback, and nothing written."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulation.cli import main
from simulation.scenario import ScenarioError, load_scenario
from simulation.sweep import SweepError, load_sweep

# TOML literals: some valid for some keys, most wrong somewhere (type, range, syntax).
LITERALS = [
    '"x"', '"../up"', '""', '"a/b"', "true", "false", "0", "1", "-1", "12", "1.5", "0.5",
    "1e400", "nan", "inf", "-inf", "2000000000000000000000", '"120"', "[]", "[1, 2]",
    "{a = 1}", "1979-05-27", '"""multi"""', "[[1]]", "0x10", "'single'", "= 2", '"\\u0000"',
]  # fmt: skip
SCENARIO_KEYS = ["name", "steps", "seed", "description", "colour"]
MODEL_KEYS = ["initial_trust", "n_citizens", "allowed_kinds", "partnering_rate", "unknown"]
SWEEP_KEYS = ["name", "base", "steps", "replications", "root_seed", "bogus"]
FACTOR_KEYS = ["values", "low", "high", "type", "extra"]
DESIGN_KEYS = ["method", "samples", "second_order", "common_random_numbers"]


def _line(key: str, value: str) -> str:
    return f"{key} = {value}\n"


@st.composite
def scenario_text(draw: st.DrawFn) -> str:
    top = draw(st.dictionaries(st.sampled_from(SCENARIO_KEYS), st.sampled_from(LITERALS)))
    model = draw(st.dictionaries(st.sampled_from(MODEL_KEYS), st.sampled_from(LITERALS)))
    text = "".join(_line(k, v) for k, v in top.items())
    if model:
        text += "[model]\n" + "".join(_line(k, v) for k, v in model.items())
    if draw(st.booleans()):
        text += "[[shocks]]\n" + _line("step", draw(st.sampled_from(["5", "0", "200", "true"])))
        text += _line("kind", draw(st.sampled_from(['"funding_cut"', '"quake"', "1"])))
    return text


@st.composite
def sweep_text(draw: st.DrawFn) -> str:
    top = draw(st.dictionaries(st.sampled_from(SWEEP_KEYS), st.sampled_from(LITERALS)))
    text = "".join(_line(k, v) for k, v in top.items())
    design = draw(st.dictionaries(st.sampled_from(DESIGN_KEYS), st.sampled_from(
        [*LITERALS, '"grid"', '"lhs"', '"sobol"', "8", "100000000"])))  # fmt: skip
    if design:
        text += "[design]\n" + "".join(_line(k, v) for k, v in design.items())
    factor = draw(st.sampled_from(["trust_gain", "n_ngo", "no_such", "allowed_kinds"]))
    body = draw(st.dictionaries(st.sampled_from(FACTOR_KEYS), st.sampled_from(LITERALS)))
    if body:
        text += f"[factors.{factor}]\n" + "".join(_line(k, v) for k, v in body.items())
    return text


BAD_OPTIONS = {
    "--steps": ["0", "-1", "x", "1.5", "", str(2**70), "100001", "nan"],
    "--seed": ["-1", "x", str(2**64), "1e3", ""],
    "--out": ["", ".", "..", "afile", "afile/inside", "sub/../.."],
}
BAD_SWEEP_OPTIONS = {
    "--workers": ["0", "-3", "two", ""],
    "--timeout": ["inf", "nan", "0", "-1", "x", "1e9"],
    "--out": ["", ".", "..", "afile", "afile/inside"],
    "--scheduler": [""],
}


def invoke(args: list[str], cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def check_refused(args: list[str], text: str | None, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        place = Path(tmp)
        (place / "afile").write_text("mine")
        (place / "small.toml").write_text('name = "small"\nsteps = 2\n')
        if text is not None:
            (place / name).write_text(text, encoding="utf-8")
        before = sorted(p.name for p in place.iterdir())
        code, _, err = invoke(args, place)
        assert code == 2, (args, text, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, text, err)
        assert "Traceback" not in err
        assert sorted(p.name for p in place.iterdir()) == before
        assert (place / "afile").read_text() == "mine"


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _invalid_scenario(text: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError:
            return True
    return False


@SETTINGS
@given(scenario_text(), st.sampled_from(["validate", "run"]))
def test_malformed_scenarios_are_one_line_exit_2(text: str, command: str) -> None:
    assume(_invalid_scenario(text))
    args = [command, "s.toml"] + (["--out", "out"] if command == "run" else [])
    check_refused(args, text, "s.toml")


def _invalid_sweep(text: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "small.toml").write_text('name = "small"\nsteps = 2\n')
        path = Path(tmp) / "w.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_sweep(path)
        except SweepError:
            return True
    return False


@SETTINGS
@given(sweep_text())
def test_malformed_sweeps_are_one_line_exit_2(text: str) -> None:
    assume(_invalid_sweep(text))
    check_refused(["sweep", "w.toml", "--workers", "1", "--out", "out"], text, "w.toml")


@SETTINGS
@given(
    st.sampled_from(sorted(BAD_OPTIONS)).flatmap(
        lambda o: st.tuples(st.just(o), st.sampled_from(BAD_OPTIONS[o]))
    )
)
def test_bad_run_options_are_one_line_exit_2(option: tuple[str, str]) -> None:
    args = ["run", "small.toml", *option]
    if option[0] != "--out":
        args += ["--out", "out"]
    check_refused(args, None, "")


@SETTINGS
@given(
    st.sampled_from(sorted(BAD_SWEEP_OPTIONS)).flatmap(
        lambda o: st.tuples(st.just(o), st.sampled_from(BAD_SWEEP_OPTIONS[o]))
    )
)
def test_bad_sweep_options_are_one_line_exit_2(option: tuple[str, str]) -> None:
    sweep = 'name = "w"\nbase = "small.toml"\n[factors.trust_gain]\nvalues = [0.1]\n'
    args = ["sweep", "w.toml", *option]
    if option[0] != "--out":
        args += ["--out", "out"]
    check_refused(args, sweep, "w.toml")
