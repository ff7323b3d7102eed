"""Shared helpers for the model tests: cached small-town runs and paired comparisons.

Mechanism tests compare the same seeds with a mechanism switched on and off (common random
numbers), so most of the run-to-run noise cancels in the paired differences. Runs are cached
for the whole pytest session, because several tests share a baseline town.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation import PartnershipModel, Sector, Shock
from simulation.partnership import KIND_OF_PAIR
from simulation.runner import resilience

# A small town: fast, but large enough that the mechanisms show through the noise.
TOWN: dict[str, Any] = {"n_citizens": 300}
STEPS = 60
SEEDS: tuple[int, ...] = (1, 2, 3, 4, 5)
NO_PARTNERSHIPS: dict[str, Any] = {"partnering_rate": 0.0}


@dataclass(frozen=True)
class Run:
    """What the tests read from one run: the metrics frame and some internal state."""

    frame: pd.DataFrame  # metrics_frame(): step 0..steps
    extras: dict[str, Any]


def _key(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def kind_matches_members(kind: str, sectors: set[Sector]) -> bool:
    """Whether a partnership's member sectors fit its kind (K1-K6 pairs, K7 a lone host)."""
    if kind == "K7":
        return len(sectors) == 1
    allowed = set().union(*(pair for pair, k in KIND_OF_PAIR.items() if k == kind))
    return sectors <= allowed


@lru_cache(maxsize=1024)
def _run(key: tuple[tuple[str, Any], ...], seed: int, steps: int, shocks: tuple[Shock, ...]):
    model = PartnershipModel(rng=seed, shocks=shocks, **dict(key))
    conflict, effectiveness = [], []
    income = np.zeros((steps, len(model.organizations)))
    kinds_ok = True
    for t in range(steps):
        model.step()
        income[t] = [o.income for o in model.organizations]
        multi = [ps for ps in model.partnerships if len(ps.members) > 1]
        if multi:
            conflict.append(np.mean([ps.conflict for ps in multi]))
            effectiveness.append(np.mean([ps.effectiveness for ps in multi]))
        kinds_ok &= all(kind_matches_members(ps.kind, ps.sectors) for ps in model.partnerships)
    sectors = np.array([o.sector for o in model.organizations])
    cv = income.std(axis=0) / income.mean(axis=0)
    network = model.org_network
    multi = [ps for ps in model.partnerships if len(ps.members) > 1]
    left = [e for e in model.events if e.kind == "left"]
    ended = [e for e in model.events if e.kind == "dissolved"]
    formed = {e.data["pid"]: e.step for e in model.events if e.kind == "formed"}
    extras = {
        "shock_step": min((s.step for s in shocks), default=None),
        "consensus_conflict": (
            [ps.consensus for ps in multi],
            [ps.conflict for ps in multi],
        ),
        "conflict": float(np.mean(conflict)) if conflict else math.nan,
        "effectiveness": float(np.mean(effectiveness)) if effectiveness else math.nan,
        "ledger": dict(model.ledger),
        "income_cv": {s: float(cv[sectors == s].mean()) for s in Sector if (sectors == s).any()},
        "kinds_match_members": kinds_ok,
        "formed": model.formed,
        "tie_edges": network.number_of_edges(),
        "partner_pairs_tied": all(
            network.has_edge(a.index, b.index)
            for ps in model.partnerships
            for a in ps.members
            for b in ps.members
            if a is not b
        ),
        "composite": model.citizens.composite.astype(float).copy(),
        "left_for_distrust": sum(e.data.get("reason") == "distrust" for e in left),
        "left_for_poor_value": sum(e.data.get("reason") == "poor value" for e in left),
        "first_month_endings": float(np.mean([formed[e.data["pid"]] == e.step for e in ended]))
        if ended
        else 0.0,
    }
    return Run(model.metrics_frame(), extras)


def run(
    params: Mapping[str, Any] | None = None,
    *,
    seed: int,
    steps: int = STEPS,
    shocks: Sequence[Shock] = (),
    town: Mapping[str, Any] = TOWN,
) -> Run:
    """One small-town run (cached for the session; treat the result as read-only)."""
    return _run(_key({**town, **(params or {})}), seed, steps, tuple(shocks))


def value(r: Run, metric: str) -> float:
    """A number from a run.

    `welfare_mean`: mean community welfare over months 1..steps (as run_one reports it);
    `welfare_drop`, `recovery_time`: run_one's resilience after the first shock;
    `<metric>@mean`: mean of a metric over months 1..steps; `<metric>`: final value of a
    metric; `ledger:<entry>`: money accounts; any other name: an entry of `extras`.
    """
    if metric == "welfare_mean":
        return float(r.frame["community_welfare"].iloc[1:].mean())
    if metric in ("welfare_drop", "recovery_time"):
        drop, months = resilience(r.frame["community_welfare"].to_numpy(), r.extras["shock_step"])
        return drop if metric == "welfare_drop" else months
    if metric.endswith("@mean"):
        return float(r.frame[metric.removesuffix("@mean")].iloc[1:].mean())
    if metric in r.frame.columns:
        return float(r.frame[metric].iloc[-1])
    if metric.startswith("ledger:"):
        return float(r.extras["ledger"][metric.removeprefix("ledger:")])
    return float(r.extras[metric])


def outcome(
    params: Mapping[str, Any] | None,
    metric: str,
    *,
    seeds: Iterable[int] = SEEDS,
    steps: int = STEPS,
    shocks: Sequence[Shock] = (),
) -> np.ndarray:
    """One value of `metric` per seed."""
    return np.array([value(run(params, seed=s, steps=steps, shocks=shocks), metric) for s in seeds])


@dataclass(frozen=True)
class Paired:
    """Paired differences (on - off) over seeds."""

    diffs: np.ndarray
    label: str

    @property
    def mean(self) -> float:
        return float(self.diffs.mean())

    @property
    def se(self) -> float:
        return float(self.diffs.std(ddof=1) / math.sqrt(self.diffs.size))

    @property
    def t(self) -> float:
        if self.se > 0:
            return self.mean / self.se
        return math.copysign(math.inf, self.mean) if self.mean else 0.0

    def __str__(self) -> str:
        return (
            f"{self.label}: mean difference {self.mean:+.5f}, paired SE {self.se:.5f}, "
            f"t = {self.t:+.2f}, n = {self.diffs.size}, diffs = {np.round(self.diffs, 5)}"
        )


def paired(
    on: Mapping[str, Any] | None,
    off: Mapping[str, Any] | None,
    metric: str,
    *,
    seeds: Iterable[int] = SEEDS,
    steps: int = STEPS,
    shocks: Sequence[Shock] = (),
) -> Paired:
    """Differences of `metric` between two parameter sets on the same seeds."""
    seeds = tuple(seeds)
    a = outcome(on, metric, seeds=seeds, steps=steps, shocks=shocks)
    b = outcome(off, metric, seeds=seeds, steps=steps, shocks=shocks)
    return Paired(a - b, f"{metric} [{dict(on or {})} minus {dict(off or {})}]")


def assert_increases(p: Paired, min_t: float = 2.0) -> None:
    """The mechanism raises the outcome: positive mean difference, over min_t paired SEs."""
    assert p.mean > 0 and p.t > min_t, f"expected an increase; {p}"


def assert_decreases(p: Paired, min_t: float = 2.0) -> None:
    """The mechanism lowers the outcome: negative mean difference, over min_t paired SEs."""
    assert p.mean < 0 and p.t < -min_t, f"expected a decrease; {p}"


# The model configured as the laboratory public-goods game of Fehr & Gaechter (2000): groups
# of four identical organizations in fixed formal groups, no other sectors, no noise, no
# partner search or exit. A member's "endowment" is its promise (its whole usual income).
# The pool's return r is measured by the model, not set: scale_elasticity 0.69 was found by
# bisection so that a fully contributing group's measured MPCR = r / N is 0.40 (the test
# checks it), as in the laboratory design.
LAB_ELASTICITY = 0.69
LAB: dict[str, Any] = {
    "n_citizens": 10,
    "n_business": 0,
    "n_government": 0,
    "n_education": 0,
    "n_community": 0,
    "partnering_rate": 0.0,
    "goal_divergence": 0.0,
    "cultural_distance": 0.0,
    "expertise_spread": 0.0,
    "defection_rate": 0.0,
    "funding_volatility": 0.0,
    "competition": 0.0,
    "leadership_turnover": 0.0,
    "governance_cost": 0.0,
    "formal_commitment": 1.0,
    "formal_duration": 36,
    "trust_threshold": 0.0,
    "initial_trust": 0.6,
    "scale_elasticity": LAB_ELASTICITY,
}


@dataclass(frozen=True)
class LabGame:
    """Per round: mean share of the endowment given, and the groups' measured MPCR."""

    given: np.ndarray
    mpcr: np.ndarray
    model: PartnershipModel


def lab_game(
    *, sanction_rate: float, seed: int, groups: int = 25, rounds: int = 10, **params: Any
) -> LabGame:
    """Play `rounds` rounds of the game in the model itself, `groups` groups of four
    (`params`: further model parameters, e.g. the conditional cooperators' slope)."""
    model = PartnershipModel(
        rng=seed, n_ngo=4 * groups, sanction_rate=sanction_rate, **{**LAB, **params}
    )
    orgs = model.organizations
    pools = [model.form_partnership(orgs[4 * g : 4 * g + 4], formal=True) for g in range(groups)]
    given, mpcr = [], []
    for _ in range(rounds):
        model.step()
        assert model.partnerships == pools, "a laboratory group changed"
        given.append(np.mean([model.given[k, ps.indices].mean() for k, ps in enumerate(pools)]))
        mpcr.append(np.mean([ps.pool_return / len(ps.members) for ps in pools]))
    return LabGame(np.array(given), np.array(mpcr), model)


def written_by_another_model(folder: Path) -> None:
    """Make a sweep folder's manifest say another version of the model's source wrote it."""
    path = folder / "_manifest.json"
    manifest = json.loads(path.read_text())
    manifest["model_code"] = "another model"
    path.write_text(json.dumps(manifest))
