"""Every number in the model has a source or a range, and each parameter moves its mechanism.

The classification test keeps a new unsourced number from slipping in: a numeric
ModelParams field must carry a plausible range (calibration's prior, the sensitivity design),
a published source, or a structural reason. The direction tests run small towns with a
parameter at the two ends of its plausible range and check that its mechanism moves the way
docs/ODD.md says; each fails when the parameter is not wired to its mechanism.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation import PartnershipModel
from simulation.agents import EXPERTISE
from simulation.params import (
    Governance,
    ModelParams,
    Sector,
    parameter_kind,
    parameter_table,
    plausible_ranges,
    profile,
)
from simulation.partnership import GOVERNANCE_MODES, governance_fit


def _bounds(name: str) -> tuple[float, float]:
    lo, hi = -np.inf, np.inf
    for meta in ModelParams.model_fields[name].metadata:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


def test_every_numeric_parameter_has_a_source_a_range_or_a_structural_reason():
    """A float or int field without a classification is an unsourced number (issue 14)."""
    undocumented = [n for n in ModelParams.model_fields if not parameter_kind(n)]
    assert undocumented == []
    numeric = [n for n, f in ModelParams.model_fields.items() if f.annotation in (int, float)]
    assert {parameter_kind(n) for n in numeric} <= {"plausible", "published", "structural"}


def test_plausible_ranges_hold_the_default_inside_the_schema():
    ranges = plausible_ranges()
    defaults = ModelParams()
    for name, (low, high) in ranges.items():
        lo, hi = _bounds(name)
        assert lo <= low < high <= hi, name
        assert low <= getattr(defaults, name) <= high, name
        extra = ModelParams.model_fields[name].json_schema_extra
        assert isinstance(extra, dict) and str(extra["reason"]).strip(), name
        if ModelParams.model_fields[name].annotation is int:
            assert low == int(low) and high == int(high), name
    # Every plausible range and every published source is stated in the description too.
    for name, field in ModelParams.model_fields.items():
        if parameter_kind(name) == "plausible":
            assert "lausible range" in (field.description or "") or "range" in (
                field.description or ""
            ), name


def test_every_plausible_range_parameter_is_accepted_at_both_ends():
    """The sensitivity design can set any parameter to either end of its range."""
    for name, (low, high) in plausible_ranges().items():
        for value in (low, high):
            cast = int(value) if ModelParams.model_fields[name].annotation is int else value
            ModelParams(**{name: cast})


def test_profile_contrast_one_gives_the_table_and_zero_the_average_sector():
    for sector in Sector:
        assert np.array_equal(profile(EXPERTISE, sector, 1.0), np.asarray(EXPERTISE[sector]))
    mean = np.mean([EXPERTISE[s] for s in Sector], axis=0)
    for sector in Sector:
        assert np.allclose(profile(EXPERTISE, sector, 0.0), mean)
    sharp = profile(EXPERTISE, Sector.EDUCATION, 2.0)
    assert sharp.min() >= 0.0
    assert np.ptp(sharp) > np.ptp(np.asarray(EXPERTISE[Sector.EDUCATION]))


def test_governance_fit_follows_its_parameters():
    """Provan & Kenis's contingencies, with the numbers as parameters (C6)."""
    p = ModelParams()

    def fit(mode: Governance, size: int, trust: float, consensus: float, params: ModelParams):
        fits = governance_fit(np.array([size]), np.array([trust]), np.array([consensus]), params)
        return float(fits[0, GOVERNANCE_MODES.index(mode)])

    shared = Governance.SHARED
    # Shared governance: more trust needed -> worse fit at moderate trust; a larger
    # tolerated size -> better fit for a large network.
    assert fit(shared, 3, 0.4, 1.0, p.model_copy(update={"shared_trust": 0.8})) < fit(
        shared, 3, 0.4, 1.0, p
    )
    assert fit(shared, 5, 0.9, 1.0, p.model_copy(update={"shared_size": 5.0})) > fit(
        shared, 5, 0.9, 1.0, p
    )
    lead = Governance.LEAD
    assert fit(lead, 3, 0.9, 1.0, p.model_copy(update={"lead_fit": 1.0})) > fit(
        lead, 3, 0.9, 1.0, p
    )
    assert fit(lead, 3, 0.3, 1.0, p.model_copy(update={"lead_trust": 0.6})) < fit(
        lead, 3, 0.3, 1.0, p
    )
    assert fit(lead, 9, 0.9, 1.0, p.model_copy(update={"lead_size": 9.0})) > fit(
        lead, 9, 0.9, 1.0, p
    )
    assert fit(lead, 3, 0.9, 0.2, p.model_copy(update={"lead_consensus": 0.7})) < fit(
        lead, 3, 0.9, 0.2, p
    )
    nao = Governance.NAO
    assert fit(nao, 3, 0.9, 1.0, p.model_copy(update={"nao_fit": 1.0})) > fit(nao, 3, 0.9, 1.0, p)
    assert fit(nao, 3, 0.2, 1.0, p.model_copy(update={"nao_trust": 0.5})) < fit(nao, 3, 0.2, 1.0, p)
    assert fit(nao, 3, 0.9, 0.2, p.model_copy(update={"nao_consensus": 0.5})) < fit(
        nao, 3, 0.9, 0.2, p
    )


def test_nao_cost_is_paid_by_formal_nao_pools_only():
    """`nao_cost` adds to what a formal pool governed by an NAO spends on running itself."""

    def governance_spent(mode: str, nao_cost: float) -> float:
        m = PartnershipModel(
            rng=1, n_citizens=200, formal_share=1.0, governance_mode=mode, nao_cost=nao_cost
        )
        for _ in range(24):
            m.step()
        return m.ledger["governance"]

    assert governance_spent("nao", 0.07) > governance_spent("nao", 0.0)
    assert governance_spent("lead", 0.07) == governance_spent("lead", 0.0)


# --- set-up parameters: measured at month 0 ------------------------------------------------


def _initial(**overrides):
    return PartnershipModel(rng=3, n_citizens=100, **overrides)


def test_culture_trust_penalty_lowers_strangers_trust():
    assert (
        _initial(culture_trust_penalty=1.0).mean_trust
        < _initial(culture_trust_penalty=0.25).mean_trust
    )


def test_within_sector_spreads_widen_differences():
    def spread(attribute, **overrides):
        m = _initial(**overrides)
        values = [np.atleast_1d(getattr(o, attribute)) for o in m.organizations]
        by_sector = {}
        for o, v in zip(m.organizations, values, strict=True):
            by_sector.setdefault(o.sector, []).append(v)
        return np.mean([np.std(np.array(v), axis=0).mean() for v in by_sector.values()])

    assert spread("base_income", size_spread=1.0) > spread("base_income", size_spread=0.25)
    assert spread("culture", culture_spread=0.15) > spread("culture", culture_spread=0.02)
    assert spread("leadership", leadership_spread=0.2) > spread(
        "leadership", leadership_spread=0.05
    )


def test_profile_contrast_makes_sectors_differ_in_expertise():
    def between_sectors(contrast):
        m = _initial(profile_contrast=contrast, expertise_spread=0.0)
        means = [
            np.mean([o.expertise for o in m.organizations if o.sector is s], axis=0) for s in Sector
        ]
        return np.std(means, axis=0).mean()

    assert between_sectors(0.0) == pytest.approx(0.0, abs=1e-12)
    assert between_sectors(1.5) > between_sectors(1.0) > between_sectors(0.5)


# --- dynamic parameters: paired small towns at both ends of the plausible range -------------

SEEDS = (1, 2, 3)


def _after(months, seed, **overrides):
    m = PartnershipModel(rng=seed, n_citizens=200, **overrides)
    for _ in range(months):
        m.step()
    return m


def _ties(m):
    return float(m.ties.mean())


def _volunteers_per_group(m):
    groups = [ps.volunteers.size for ps in m.partnerships if ps.volunteers.size]
    groups += [ps.volunteers.size for ps in m.ended if ps.kind == "K7"]
    return float(np.mean(groups)) if groups else 0.0


def _k7_formed(m):
    return float(sum(ps.kind == "K7" for ps in m.partnerships + m.ended))


def _mean_size(m):
    sizes = [len(ps.members) for ps in m.partnerships if not ps.volunteers.size]
    return float(np.mean(sizes)) if sizes else 0.0


def _pooled_share(m):
    return m.ledger["pooled"] / m.ledger["spent"]


BUSY = {"partnering_rate": 0.3}
K7 = {"allowed_kinds": ("K7",), "partnering_rate": 0.5, "participation": 0.5}
K2 = {"allowed_kinds": ("K2",), "partnering_rate": 0.3}
SEEKERS = {"allowed_kinds": ("K5", "K6"), "partnering_rate": 0.3, "competition": 1.0}

# (parameter, low, high, metric, months, extra settings, +1 if the metric rises with it)
DIRECTIONS = [
    ("tie_gain", 0.05, 0.3, _ties, 24, BUSY, +1),
    ("tie_decay", 0.95, 0.995, _ties, 24, BUSY, +1),
    ("volunteer_dropout", 0.02, 0.1, lambda m: float(m.volunteers), 24, K7, -1),
    ("volunteer_hosting", 0.1, 0.5, _k7_formed, 24, {"partnering_rate": 0.3}, +1),
    ("citizens_per_volunteer", 20, 100, _volunteers_per_group, 6, K7, -1),
    ("accountability_gain", 0.01, 0.1, lambda m: m.government_accountability, 24, K2, +1),
    ("awareness_forgetting", 0.01, 0.05, lambda m: m.awareness, 12, {}, -1),
    ("served_awareness", 0.25, 0.75, lambda m: m.awareness, 12, {}, +1),
    ("base_engagement", 0.25, 0.75, lambda m: m.participation_rate, 3, {}, +1),
    ("join_chance", 0.2, 0.8, _mean_size, 24, BUSY, +1),
    ("max_committed", 0.5, 1.0, _pooled_share, 24, {**BUSY, "formal_share": 1.0}, +1),
    ("funding_stress", 0.3, 0.7, _pooled_share, 24, {**BUSY, "funding_volatility": 0.6}, -1),
    ("rivalry", 0.2, 1.0, lambda m: m.mean_trust, 24, SEEKERS, -1),
]


@pytest.mark.parametrize("case", DIRECTIONS, ids=[d[0] for d in DIRECTIONS])
def test_parameter_moves_its_mechanism(case):
    name, low, high, metric, months, extra, sign = case
    diffs = [
        metric(_after(months, s, **extra, **{name: high}))
        - metric(_after(months, s, **extra, **{name: low}))
        for s in SEEDS
    ]
    assert sign * np.mean(diffs) > 0, diffs
    assert sum(sign * d > 0 for d in diffs) >= 2, diffs


def test_accountability_decay_returns_agencies_to_the_base_level():
    """Agencies that leave government-community work drift back to `accountability`."""

    def after_k2_ends(decay):
        m = _after(24, 1, **K2, accountability_decay=decay)
        for ps in list(m.partnerships):
            m._dissolve(ps, "test", failed=False)  # end K2 work at once
        m.p = m.p.model_copy(update={"partnering_rate": 0.0})
        for _ in range(12):
            m.step()
        return m.government_accountability

    assert after_k2_ends(0.05) < after_k2_ends(0.005)


def test_money_weight_draws_partners_to_the_rich():
    def partner_income(weight):
        incomes = []
        for s in SEEDS:
            m = _after(12, s, **BUSY, money_weight=weight)
            members = {o.index for ps in m.partnerships + m.ended for o in ps.members}
            incomes.append(np.mean([m.base_income[i] for i in members]) / m.base_income.mean())
        return np.mean(incomes)

    assert partner_income(1.0) > partner_income(0.0)


def test_odd_parameter_table_is_the_generated_one():
    """docs/ODD.md section 7.12 stays true to the schema (regenerate with
    `python -m simulation.params`)."""
    odd = (Path(__file__).resolve().parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert parameter_table() in odd
