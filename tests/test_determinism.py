"""Determinism: the same scenario and seed give bitwise identical outputs (also in a fresh
process), different seeds differ, and the model works as a `mesa.batch_run` client."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import mesa
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from simulation import METRICS, PartnershipModel, Sector, Shock
from simulation.runner import run_one

ROOT = Path(__file__).resolve().parents[1]
PARAMS = {"n_citizens": 150, "partnering_rate": 0.3, "leadership_turnover": 0.05}
STEPS = 24
SHOCKS = (
    Shock(
        step=8,
        kind="funding_cut",
        sectors=(Sector.NGO, Sector.COMMUNITY),
        magnitude=0.5,
        duration=6,
    ),
    Shock(step=12, kind="leadership_change", magnitude=0.5),
)


def frame(seed: int, shocks=(), steps: int = STEPS, **extra) -> pd.DataFrame:
    model = PartnershipModel(rng=seed, shocks=shocks, **{**PARAMS, **extra})
    for _ in range(steps):
        model.step()
    return model.metrics_frame()


def csv_digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()


SCRIPT = f"""
import hashlib
from simulation import PartnershipModel, Shock
shocks = [Shock.model_validate_json(s) for s in {[s.model_dump_json() for s in SHOCKS]!r}]
model = PartnershipModel(rng=7, shocks=shocks, **{PARAMS!r})
for _ in range({STEPS}):
    model.step()
print(hashlib.sha256(model.metrics_frame().to_csv(index=False).encode()).hexdigest())
"""


def test_same_seed_gives_identical_metrics():
    """Two models with the same parameters and seed give bitwise identical metrics."""
    a, b = frame(3), frame(3)
    assert_frame_equal(a, b, check_exact=True)
    assert list(a.columns) == ["step", *METRICS] and len(a) == STEPS + 1


def test_different_seeds_differ():
    """Different seeds give different towns and different histories."""
    a, b = frame(3), frame(4)
    assert not a.equals(b)
    assert a["community_welfare"].iloc[0] != b["community_welfare"].iloc[0]
    assert (a["community_welfare"] != b["community_welfare"]).sum() > STEPS // 2


def test_fresh_process_gives_identical_csv():
    """A fresh interpreter (with another hash seed) writes a bitwise identical CSV, so no
    result depends on set or dict order, object ids or leftover state."""
    expected = csv_digest(frame(7, shocks=SHOCKS))
    for hash_seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        assert out.stdout.strip() == expected, out.stderr


def test_run_one_is_pure():
    """run_one with the same inputs returns identical outcomes and series."""
    a = run_one(PARAMS, seed=5, steps=12, shocks=SHOCKS, series_every=3)
    b = run_one(PARAMS, seed=5, steps=12, shocks=SHOCKS, series_every=3)
    assert a.outcomes == b.outcomes
    assert_frame_equal(a.series, b.series, check_exact=True)
    assert set(METRICS) | {"welfare_mean", "welfare_drop", "recovery_time"} <= set(a.outcomes)
    assert list(a.series["step"]) == [0, 3, 6, 9, 12]
    c = run_one(PARAMS, seed=6, steps=12, shocks=SHOCKS)
    assert c.outcomes != a.outcomes


def test_scheduled_shocks_are_deterministic():
    """Shocks scheduled with Shock objects give identical runs; they change the run only
    after the month they hit."""
    a, b = frame(9, shocks=SHOCKS), frame(9, shocks=SHOCKS)
    assert_frame_equal(a, b, check_exact=True)
    calm = frame(9)
    first = min(s.step for s in SHOCKS)
    assert_frame_equal(a.iloc[: first + 1], calm.iloc[: first + 1], check_exact=True)
    assert not a.iloc[first + 1 :].equals(calm.iloc[first + 1 :])


def test_apply_shock_now_is_deterministic():
    """Shocks applied by hand (visualizer buttons) are reproducible too, and logged."""

    def run_with_button(seed):
        model = PartnershipModel(rng=seed, **PARAMS)
        for month in range(12):
            model.step()
            if month == 5:
                model.apply_shock(Shock(step=1, kind="leadership_change", magnitude=1.0))
        return model

    a, b = run_with_button(2), run_with_button(2)
    assert_frame_equal(a.metrics_frame(), b.metrics_frame(), check_exact=True)
    assert [(e.step, e.kind) for e in a.events] == [(e.step, e.kind) for e in b.events]
    assert any(e.kind == "leadership_change" and e.data.get("cause") == "shock" for e in a.events)


@pytest.fixture
def restore_start_method():
    """mesa.batch_run forces the 'spawn' start method globally; put the old one back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_mesa_batch_run_client(restore_start_method):
    """mesa.batch_run drives the model with `rng` and keyword parameters: one row per
    collected step, metrics as columns, same values as a direct run with that seed."""
    rows = mesa.batch_run(
        PartnershipModel,
        parameters={"n_citizens": 60, "partnering_rate": [0.0, 0.3]},
        rng=[1, 2],
        max_steps=5,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 2 * 2 * 6  # 2 seeds x 2 parameter values x steps 0..5
    assert set(METRICS) <= set(df.columns)
    assert df.groupby("RunId")["Step"].apply(list).map(lambda s: s == [0, 1, 2, 3, 4, 5]).all()
    assert df["community_welfare"].between(0, 1).all()
    direct = PartnershipModel(rng=2, n_citizens=60, partnering_rate=0.3)
    for _ in range(5):
        direct.step()
    run = df[(df["rng"] == 2) & (df["partnering_rate"] == 0.3)].sort_values("Step")
    expected = direct.metrics_frame()
    for m in METRICS:
        assert run[m].tolist() == expected[m].tolist(), m
    last = mesa.batch_run(
        PartnershipModel,
        parameters={"n_citizens": 60},
        rng=[1, 2],
        max_steps=5,
        number_processes=1,
        display_progress=False,
    )
    assert [r["Step"] for r in last] == [5, 5]
    assert last[0]["community_welfare"] != last[1]["community_welfare"]
