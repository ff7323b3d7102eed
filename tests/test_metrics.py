"""The monthly metrics and their recorder: what the recorder keeps is what the properties say,
the metrics computed together agree with their definitions computed partnership by
partnership, and the tables the recorder builds are typed, complete and detached."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from simulation import PartnershipModel
from simulation.metrics import COUNTS, METRICS, MetricRecorder
from simulation.params import KINDS
from simulation.runner import run_one, simulate

TOWN = {"n_citizens": 200, "partnering_rate": 0.5}


def _months(steps: int, seed: int = 4, **params: object):
    """The model after each of `steps` months (the same object, stepped on)."""
    model = PartnershipModel(rng=seed, **{**TOWN, **params})
    for _ in range(steps):
        model.step()
        yield model


def test_current_metrics_are_the_properties() -> None:
    """Each month, the metrics computed together equal each property read on its own."""
    for model in _months(24):
        together = model.current_metrics()
        assert list(together) == list(METRICS)
        for name in METRICS:
            alone = getattr(model, name)
            assert type(together[name]) is type(alone), name
            assert together[name] == alone or (np.isnan(alone) and np.isnan(together[name]))


def test_partnership_metrics_follow_their_definitions() -> None:
    """Counts, partner trust and the trust-age correlation, from the Partnership objects."""
    checked = 0
    for model in _months(30):
        parts = model.partnerships
        shared = [ps for ps in parts if len(ps.members) > 1]
        assert model.formal_partnerships == sum(ps.formal for ps in parts)
        assert model.informal_partnerships == sum(not ps.formal for ps in parts)
        for kind in KINDS:
            assert model.partnerships_of_kind(kind) == sum(ps.kind == kind for ps in parts)
        trust = [ps.mean_trust for ps in shared]
        assert model.partner_trust == (pytest.approx(np.mean(trust)) if trust else 0.0)
        if len(shared) >= 3:
            age = [ps.age for ps in shared]
            expected = np.corrcoef(age, trust)[0, 1] if np.std(age) and np.std(trust) else 0.0
            assert model.trust_age_correlation == pytest.approx(expected)
            checked += 1
    assert checked > 10  # the months with three pools or more were checked


def test_contribution_rates_follow_their_definitions() -> None:
    """Mean share of its promise each member gave; the cohort's, from the first month with
    promises, whatever pools its members are in later."""
    cohort = None
    for model in _months(18):
        promised = model._promise > 0
        if not promised.any():
            assert model.contribution_rate == model.cohort_contribution_rate == 0.0
            continue
        cohort = promised.any(axis=0) if cohort is None else cohort
        assert model.contribution_rate == pytest.approx(model.given[promised].mean())
        held = promised & cohort[None, :]
        expected = model.given[held].mean() if held.any() else 0.0
        assert model.cohort_contribution_rate == pytest.approx(expected)
    assert cohort is not None


def test_frame_is_typed_complete_and_detached() -> None:
    """One row per month from the initial state, counts as integers, and a table that later
    months do not change."""
    model = simulate(TOWN, seed=2, steps=6)
    frame = model.metrics_frame()
    assert list(frame.columns) == ["step", *METRICS]
    assert frame["step"].tolist() == list(range(7))
    assert isinstance(frame.index, pd.RangeIndex)
    for name in frame.columns:
        wanted = np.int64 if name == "step" or name in COUNTS else np.float64
        assert frame[name].dtype == wanted, name
    before = frame.copy()
    for _ in range(3):
        model.step()
    assert_frame_equal(frame, before, check_exact=True)
    assert len(model.metrics_frame()) == 10


def test_recorder_grows_past_its_first_storage() -> None:
    """A run longer than the recorder's first allocation keeps every month."""
    grown = PartnershipModel(rng=5, **TOWN)
    grown.datacollector = MetricRecorder(METRICS, capacity=1)
    grown.datacollector.collect(grown)
    usual = PartnershipModel(rng=5, **TOWN)
    for _ in range(5):
        grown.step()
        usual.step()
    assert_frame_equal(grown.metrics_frame(), usual.metrics_frame(), check_exact=True)


def test_recorder_series_and_every_kth_month() -> None:
    """A metric's series and a thinned table are the full table's column and rows."""
    model = simulate(TOWN, seed=3, steps=9)
    recorder = model.datacollector
    full = model.metrics_frame()
    for name in ("community_welfare", "active_partnerships"):
        assert recorder.series(name).tolist() == full[name].tolist()
    thinned = full.iloc[::4].reset_index(drop=True)
    assert_frame_equal(recorder.frame(every=4), thinned, check_exact=True)
    assert recorder.latest() == {m: float(full[m].iloc[-1]) for m in METRICS}
    assert_frame_equal(recorder.get_model_vars_dataframe(), full.drop(columns="step"))


def test_run_one_reads_the_recorded_months() -> None:
    """run_one's outcomes are the last month's metrics; its series every k-th month."""
    result = run_one(TOWN, seed=3, steps=9, series_every=4)
    full = simulate(TOWN, seed=3, steps=9).metrics_frame()
    for name in METRICS:
        assert result.outcomes[name] == float(full[name].iloc[-1]), name
    assert result.outcomes["welfare_mean"] == full["community_welfare"].iloc[1:].mean()
    assert_frame_equal(result.series, full.iloc[::4].reset_index(drop=True), check_exact=True)
