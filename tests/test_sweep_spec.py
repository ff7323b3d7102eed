"""Sweep files, designs and seeds: validation messages, design layout, seed derivation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from simulation.sweep import SweepError, iter_runs, load_sweep
from simulation.sweep.cli import sweep_command
from simulation.sweep.design import _sample_in_child, sample
from simulation.sweep.execute import RunContext
from simulation.sweep.seeds import run_seed

ROOT = Path(__file__).resolve().parents[1]

SMALL_BASE = """\
name = "small"
steps = 12
seed = 3

[model]
n_citizens = 60
"""

GOOD = """\
name = "t"
base = "small.toml"
replications = 2
root_seed = 11

[design]
method = "grid"

[factors.trust_gain]
values = [0.05, 0.2]

[factors.funding_volatility]
values = [0.0, 0.5]
"""


def write(tmp: Path, text: str, name: str = "sweep.toml") -> Path:
    (tmp / "small.toml").write_text(SMALL_BASE)
    path = tmp / name
    path.write_text(textwrap.dedent(text))
    return path


BAD = {
    "unknown top-level key": (
        GOOD.replace("replications = 2", "replicatons = 2"),
        ["replicatons", "unknown key", "allowed:", "replications"],
    ),
    "unknown factor": (
        GOOD.replace("factors.trust_gain]", "factors.trust_gian]"),
        ["factors.trust_gian", "not a model parameter", "did you mean 'trust_gain'"],
    ),
    "value out of range": (
        GOOD.replace("[0.05, 0.2]", "[0.05, 1.5]"),
        ["factors.trust_gain.values[1] = 1.5", "allowed: a number in [0, 1]"],
    ),
    "wrong enum level": (
        GOOD.replace(
            "[factors.trust_gain]\nvalues = [0.05, 0.2]",
            '[factors.governance_mode]\nvalues = ["shared", "dictator"]',
        ),
        ["factors.governance_mode.values[1] = 'dictator'", "'shared', 'lead', 'nao'"],
    ),
    "inconsistent with base": (
        GOOD.replace(
            "[factors.trust_gain]\nvalues = [0.05, 0.2]",
            "[factors.network_degree]\nvalues = [4, 5]",
        ),
        ["factors.network_degree.values[1] = 5", "must be even"],
    ),
    "list-valued parameter": (
        GOOD.replace(
            "[factors.trust_gain]\nvalues = [0.05, 0.2]", '[factors.allowed_kinds]\nvalues = ["K1"]'
        ),
        ["factors.allowed_kinds", "cannot be swept"],
    ),
    "grid level is a table": (
        GOOD.replace("[0.05, 0.2]", "[0.05, {a = 1}]"),
        ["factors.trust_gain.values[1]", "not a single value", "a number, true/false or a string"],
    ),
    "duplicate level": (
        GOOD.replace("[0.05, 0.2]", "[0.05, 0.05]"),
        ["factors.trust_gain.values", "listed twice"],
    ),
    "range on a grid": (
        GOOD.replace("values = [0.05, 0.2]", "low = 0.0\nhigh = 0.3"),
        ["factors.trust_gain", "needs 'values'"],
    ),
    "sobol samples not a power of 2": (
        GOOD.replace('method = "grid"', 'method = "sobol"\nsamples = 48')
        .replace("values = [0.05, 0.2]", "low = 0.0\nhigh = 0.3")
        .replace("values = [0.0, 0.5]", "low = 0.0\nhigh = 0.5"),
        ["design.samples = 48", "power of 2"],
    ),
    "lhs without samples": (
        GOOD.replace('method = "grid"', 'method = "lhs"')
        .replace("values = [0.05, 0.2]", "low = 0.0\nhigh = 0.3")
        .replace("values = [0.0, 0.5]", "low = 0.0\nhigh = 0.5"),
        ["design.samples", "required for lhs"],
    ),
    "sampling a switch": (
        GOOD.replace('method = "grid"', 'method = "lhs"\nsamples = 4')
        .replace(
            "[factors.trust_gain]\nvalues = [0.05, 0.2]",
            "[factors.coordination]\nlow = 0\nhigh = 1",
        )
        .replace("values = [0.0, 0.5]", "low = 0.0\nhigh = 0.5"),
        ["factors.coordination", "only numeric parameters", "true or false"],
    ),
    "range beyond the field": (
        GOOD.replace('method = "grid"', 'method = "lhs"\nsamples = 4')
        .replace("values = [0.05, 0.2]", "low = 0.0\nhigh = 3.0")
        .replace("values = [0.0, 0.5]", "low = 0.0\nhigh = 0.5"),
        ["factors.trust_gain.high = 3.0", "allowed: a number in [0, 1]"],
    ),
    "float type for an integer parameter": (
        GOOD.replace('method = "grid"', 'method = "lhs"\nsamples = 4')
        .replace(
            "[factors.trust_gain]\nvalues = [0.05, 0.2]",
            '[factors.max_members]\nlow = 2\nhigh = 6\ntype = "float"',
        )
        .replace("values = [0.0, 0.5]", "low = 0.0\nhigh = 0.5"),
        ["factors.max_members.type = 'float'", "allowed: 'int'"],
    ),
    "unknown design method": (
        GOOD.replace('method = "grid"', 'method = "fast"'),
        ["design.method", "'grid', 'lhs', 'sobol' or 'morris'"],
    ),
    "zero replications": (
        GOOD.replace("replications = 2", "replications = 0"),
        ["key 'replications'", "greater than or equal to 1", "(got 0)", "an integer >= 1"],
    ),
    "unknown outcome": (
        GOOD + '\n[outputs]\noutcomes = ["community_welfare", "welfare_meen"]\n',
        ["outputs.outcomes[1] = 'welfare_meen'", "did you mean 'welfare_mean'"],
    ),
    "series interval beyond steps": (
        GOOD + "\n[outputs]\nseries_every = 99\n",
        ["outputs.series_every = 99", "1..12"],
    ),
    "resilience outcome without a shock": (
        GOOD + '\n[outputs]\noutcomes = ["welfare_drop"]\n',
        ["outputs.outcomes[0] = 'welfare_drop'", "only when the base scenario has a shock"],
    ),
    "missing base": (
        GOOD.replace('base = "small.toml"', 'base = "no-such-scenario"'),
        ["base = 'no-such-scenario'", "available:"],
    ),
    "name unusable as a folder": (
        GOOD.replace('name = "t"', 'name = "../evil"'),
        ["key 'name'", "'../evil'", "a folder name: letters, digits"],
    ),
    "missing name": (
        GOOD.replace('name = "t"\n', ""),
        ["key 'name': required key is missing"],
    ),
    "not TOML": (GOOD.replace("replications = 2", "replications = = 2"), ["not valid TOML"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sweep_file_is_one_clear_line_exit_2_and_nothing_written(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for part in expected:
        assert part in message, (part, message)

    out = tmp_path / "out"
    assert sweep_command(path, workers=0, out=out, progress=False) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {message}"
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sweep_command(tmp_path / "nope.toml", out=tmp_path / "o", progress=False) == 2
    assert "file not found" in capsys.readouterr().err


def test_examples_in_sweeps_folder_are_valid() -> None:
    files = sorted((ROOT / "sweeps").glob("*.toml"))
    assert len(files) >= 4
    methods = set()
    for f in files:
        spec = load_sweep(f)
        resolved = spec.resolve()
        assert resolved.n_runs >= 50, f
        methods.add(spec.design.method)
    assert methods == {"grid", "lhs", "sobol"}


def test_grid_is_full_factorial_last_factor_fastest(tmp_path: Path) -> None:
    spec = load_sweep(write(tmp_path, GOOD))
    r = spec.resolve()
    assert r.points == (
        {"trust_gain": 0.05, "funding_volatility": 0.0},
        {"trust_gain": 0.05, "funding_volatility": 0.5},
        {"trust_gain": 0.2, "funding_volatility": 0.0},
        {"trust_gain": 0.2, "funding_volatility": 0.5},
    )
    assert r.n_runs == 8
    assert r.steps == 12 and r.root_seed == 11  # steps from the base, seed from the file
    assert r.base_params["n_citizens"] == 60


def test_int_levels_of_a_float_field_become_floats(tmp_path: Path) -> None:
    r = load_sweep(write(tmp_path, GOOD.replace("[0.0, 0.5]", "[0, 1]"))).resolve()
    assert [p["funding_volatility"] for p in r.points[:2]] == [0.0, 1.0]
    assert all(isinstance(p["funding_volatility"], float) for p in r.points)
    assert r.factor_types["funding_volatility"] == "float"


def _sampled(method: str, samples: int, extra: str = "") -> str:
    return (
        GOOD.replace('method = "grid"', f'method = "{method}"\nsamples = {samples}{extra}')
        .replace(
            "[factors.trust_gain]\nvalues = [0.05, 0.2]", "[factors.max_members]\nlow = 2\nhigh = 5"
        )
        .replace("values = [0.0, 0.5]", "low = 0.1\nhigh = 0.4")
    )


def test_lhs_is_stratified_reproducible_and_respects_bounds(tmp_path: Path) -> None:
    path = write(tmp_path, _sampled("lhs", 40))
    a = load_sweep(path).resolve()
    b = load_sweep(path).resolve()
    assert a.points == b.points and len(a.points) == 40
    vol = np.array([p["funding_volatility"] for p in a.points])
    assert ((vol >= 0.1) & (vol <= 0.4)).all()
    # Latin hypercube: exactly one point in each of the 40 equal strata
    strata = np.floor((vol - 0.1) / 0.3 * 40).astype(int)
    assert sorted(strata) == list(range(40))
    members = [p["max_members"] for p in a.points]
    assert all(isinstance(m, int) for m in members)
    assert set(members) == {2, 3, 4, 5}
    assert all(members.count(v) == 10 for v in (2, 3, 4, 5))  # integers equally likely
    other = load_sweep(write(tmp_path, _sampled("lhs", 40).replace("= 11", "= 12"))).resolve()
    assert other.points != a.points  # the design follows the root seed


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_a_design_drawn_in_a_child_process_equals_one_drawn_here(method: str) -> None:
    """The coordinator draws sampled designs in a child (to keep SciPy/SALib out of its
    memory); the points must be bitwise those the libraries give in this process."""
    problem = {"num_vars": 2, "names": ["x", "y"], "bounds": [[0.1, 0.4], [2.0, 6.0]]}
    args = {"method": method, "problem": problem, "n": 16, "root_seed": 7, "second_order": True}
    here = sample(**args)
    there = _sample_in_child(args)
    assert len(here) == (16 if method == "lhs" else 16 * 6)
    assert [[x.hex() for x in row] for row in there] == [[x.hex() for x in row] for row in here]


def test_sobol_design_has_saltelli_layout(tmp_path: Path) -> None:
    r = load_sweep(write(tmp_path, _sampled("sobol", 8))).resolve()
    assert len(r.points) == 8 * (2 + 2)  # N (D + 2) without second order
    assert r.problem is not None and r.problem["names"] == ["max_members", "funding_volatility"]
    # Saltelli blocks: A, AB_1 (column 1 from B), AB_2, B
    a, ab1, ab2 = r.points[0], r.points[1], r.points[2]
    assert ab1["funding_volatility"] == a["funding_volatility"]
    assert ab2["max_members"] == a["max_members"]
    second = load_sweep(write(tmp_path, _sampled("sobol", 8, "\nsecond_order = true"))).resolve()
    assert len(second.points) == 8 * (2 * 2 + 2)


def test_seeds_are_common_random_numbers_and_ids_unique(tmp_path: Path) -> None:
    spec = load_sweep(write(tmp_path, GOOD))
    runs = list(iter_runs(spec.resolve()))
    assert len(runs) == 8 and len({r.run_id for r in runs}) == 8
    worker = RunContext(base_params={}, shocks=(), steps=1, root_seed=11)  # draws seeds
    by_rep: dict[int, set[int]] = {}
    for r in runs:
        by_rep.setdefault(r.replicate, set()).add(worker.seed(r))
    assert all(len(s) == 1 for s in by_rep.values())  # same seed at every point
    assert by_rep[0] != by_rep[1]
    # Equivalent to SeedSequence(root).spawn(2)[1].spawn(n)[r]
    child = np.random.SeedSequence(11).spawn(2)[1].spawn(2)[1]
    lo, hi = child.generate_state(2, dtype=np.uint32)
    assert run_seed(11, 3, 1) == ((int(hi) << 32) | int(lo)) & (2**63 - 1)

    indep = load_sweep(
        write(
            tmp_path,
            GOOD.replace('method = "grid"', 'method = "grid"\ncommon_random_numbers = false'),
        )
    )
    worker = RunContext(
        base_params={}, shocks=(), steps=1, root_seed=11, common_random_numbers=False
    )
    runs = list(iter_runs(indep.resolve()))
    assert len({worker.seed(r) for r in runs}) == 8
    assert len({r.run_id for r in runs} & {r.run_id for r in iter_runs(spec.resolve())}) == 0


def test_changing_only_the_description_keeps_the_hash(tmp_path: Path) -> None:
    a = load_sweep(write(tmp_path, GOOD)).resolve().spec_hash
    b = load_sweep(write(tmp_path, 'description = "why"\n' + GOOD)).resolve().spec_hash
    c = load_sweep(write(tmp_path, GOOD.replace("root_seed = 11", "root_seed = 12")))
    assert a == b
    assert c.resolve().spec_hash != a
