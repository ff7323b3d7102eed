"""Sweep factors that vary the scenario: the base scenario itself and a shock's fields.  A run
of such a sweep is exactly the run of the scenario it names, and mistakes are one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulation.params import Shock
from simulation.runner import run_one
from simulation.scenario import load_scenario
from simulation.sweep import SweepError, parse_sweep, read_runs, run_sweep
from simulation.sweep.seeds import run_seed

STEPS = 64
OUTCOMES = ["welfare_drop", "community_welfare"]


def _spec(factors: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": "composition",
        "base": "shock-funding-cut",
        "steps": STEPS,
        "root_seed": 11,
        "replications": 1,
        "factors": {**factors, "n_citizens": {"values": [80]}},
        "outputs": {"outcomes": OUTCOMES},
        **extra,
    }


def test_shock_fields_are_factors_and_each_run_is_that_scenario(tmp_path: Path) -> None:
    spec = parse_sweep(
        _spec(
            {
                "shock.sectors": {"values": [["ngo"], ["government", "business"]]},
                "shock.magnitude": {"values": [0.2, 0.9]},
            }
        )
    )
    run_sweep(spec, tmp_path / "c", executor="serial", progress=False, summarize=False)
    runs = read_runs(tmp_path / "c").set_index(["shock.sectors", "shock.magnitude"])
    assert sorted(runs.index) == [
        ("government+business", 0.2),
        ("government+business", 0.9),
        ("ngo", 0.2),
        ("ngo", 0.9),
    ]
    base = load_scenario("shock-funding-cut")
    shock = base.shocks[0].model_dump()
    seed = run_seed(11, 0, 0, common=True)
    alone = run_one(
        {**base.model.model_dump(), "n_citizens": 80},
        seed=seed,
        steps=STEPS,
        shocks=[Shock(**{**shock, "sectors": ["government", "business"], "magnitude": 0.9})],
    )
    row = runs.loc[("government+business", 0.9)]
    assert row["seed"] == seed  # one root seed: every composition on the same seeds
    assert row["welfare_drop"] == alone.outcomes["welfare_drop"]
    assert row["community_welfare"] == alone.outcomes["community_welfare"]
    deep, mild = runs.loc[("ngo", 0.9), "welfare_drop"], runs.loc[("ngo", 0.2), "welfare_drop"]
    assert deep != mild


def test_the_base_scenario_is_a_factor(tmp_path: Path) -> None:
    kinds = ["kind-k1-ngo-business", "kind-k6-community"]
    spec = parse_sweep(
        _spec({"base": {"values": kinds}}, base="default", outputs={"outcomes": ["gini"]})
    )
    run_sweep(spec, tmp_path / "k", executor="serial", progress=False, summarize=False)
    runs = read_runs(tmp_path / "k").set_index("base")
    for kind in kinds:
        sc = load_scenario(kind)
        alone = run_one(
            {**sc.model.model_dump(), "n_citizens": 80},
            seed=int(runs.loc[kind, "seed"]),
            steps=STEPS,
            shocks=sc.shocks,
        )
        assert runs.loc[kind, "gini"] == alone.outcomes["gini"], kind
    assert runs.loc[kinds[0], "seed"] == runs.loc[kinds[1], "seed"]


def test_shipped_scenario_sweeps_resolve() -> None:
    from simulation.sweep import load_sweep

    composition = load_sweep("resilience-composition").resolve()
    assert composition.n_points == 16
    kinds = load_sweep("partnership-kinds").resolve()
    assert len({p["base"] for p in kinds.points}) == 7 and kinds.n_points == 14


@pytest.mark.parametrize(
    ("factors", "extra", "says"),
    [
        ({"shock.size": {"values": [0.1]}}, {}, "not a shock field"),
        ({"shock.sectors": {"values": [["ngo", "banks"]]}}, {}, "sectors"),
        ({"shock.magnitude": {"values": [1.5]}}, {}, "magnitude"),
        ({"shock.step": {"values": [STEPS + 1]}}, {}, "after the last month"),
        ({"shock.magnitude": {"values": [0.5]}}, {"base": "default"}, "has no shock"),
        ({"base": {"values": ["default", "no-such-scenario"]}}, {}, "no-such-scenario"),
        ({"base": {"values": ["default"]}}, {"steps": None}, "steps: required"),
        (
            {"shock.sectors": {"low": 0.0, "high": 1.0}},
            {"design": {"method": "lhs", "samples": 4}},
            "only be a grid factor",
        ),
    ],
)
def test_scenario_factor_mistakes_are_one_line(
    factors: dict[str, Any], extra: dict[str, Any], says: str
) -> None:
    data = _spec(factors, **extra)
    if data.get("steps") is None:
        data.pop("steps")
    with pytest.raises(SweepError, match=says) as info:
        parse_sweep(data).resolve()
    assert "\n" not in str(info.value)
