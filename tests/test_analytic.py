"""Analytic checks: the model's trust rules, payoffs and welfare measures against their
closed forms and textbook values (docs: modelling-references sections 2, 3, 4.1 and 7)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import PartnershipModel, Sector, audit, funding, payoff, trust
from simulation import welfare as wf
from simulation.cooperation import (
    NON_FREE_RIDER_SHARES,
    Cooperation,
    contribution_shares,
    draw_cooperation,
)

rates = st.floats(0.0, 1.0, allow_nan=False)
unit = st.floats(0.0, 1.0, allow_nan=False)


# --------------------------------------------------------------------------- asymmetric trust
def simulate_asymmetric(t0, q, gain, loss, checkpoints, *, n=20_000, seed=7):
    """Mean and standard error of T_t over n independent relationships at each checkpoint."""
    rng = np.random.default_rng(seed)
    t = np.full(n, t0)
    out = {}
    for step in range(1, max(checkpoints) + 1):
        t = trust.asymmetric_update(t, rng.random(n) < q, gain, loss)
        if step in checkpoints:
            out[step] = (t.mean(), t.std(ddof=1) / math.sqrt(n))
    return out


@pytest.mark.parametrize(
    ("t0", "q", "gain", "loss"),
    [(0.9, 0.75, 0.05, 0.15), (0.2, 0.9, 0.10, 0.30), (0.5, 0.5, 0.10, 0.30)],
)
def test_asymmetric_trust_simulated_mean_matches_closed_form(t0, q, gain, loss):
    """E[T_t] = T* + (T0 - T*)(1 - q a+ - (1-q) a-)^t, checked against 20,000 replicates."""
    checkpoints = (1, 3, 10, 30, 80)
    sim = simulate_asymmetric(t0, q, gain, loss, checkpoints)
    for t, (mean, se) in sim.items():
        exact = trust.asymmetric_expectation(t0, q, gain, loss, t)
        assert abs(mean - exact) < 4 * se, (t, mean, exact, se)
    # the simulation is sensitive enough to tell the closed form from a wrong rate
    wrong = trust.asymmetric_expectation(t0, q, gain * 1.5, loss, 10)
    assert abs(sim[10][0] - wrong) > 4 * sim[10][1]


def test_trust_network_follows_the_same_closed_form():
    """The model's TrustNetwork (asymmetric rule) reproduces E[T_t] over ~20,000 pairs."""
    n, q, gain, loss, t0, steps = 142, 0.8, 0.10, 0.30, 0.4, 12
    net = trust.TrustNetwork(
        np.full((n, n), t0), rule="asymmetric", gain=gain, loss=loss, forgetting=0.9
    )
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    rng = np.random.default_rng(11)
    for _ in range(steps):
        net.observe(i, j, rng.random(i.size) < q)
    values = net.matrix[i, j]
    se = values.std(ddof=1) / math.sqrt(values.size)
    exact = trust.asymmetric_expectation(t0, q, gain, loss, steps)
    assert abs(values.mean() - exact) < 4 * se
    assert np.all(np.diag(net.matrix) == t0)  # unobserved pairs keep their trust


def test_asymmetric_fixed_points():
    """T* = q a+ / (q a+ + (1-q) a-): 0.50 for (.05, .15, q=.75); 0.75 for q = .9."""
    assert trust.asymmetric_fixed_point(0.75, 0.05, 0.15) == pytest.approx(0.5, abs=1e-12)
    assert trust.asymmetric_fixed_point(0.9, 0.05, 0.15) == pytest.approx(0.75, abs=1e-12)
    # the expectation converges to the fixed point
    assert trust.asymmetric_expectation(0.9, 0.75, 0.05, 0.15, 2000) == pytest.approx(0.5)
    assert trust.asymmetric_expectation(0.37, 0.75, 0.05, 0.15, 0) == pytest.approx(0.37)


@given(gain=st.floats(0.001, 1.0), loss=st.floats(0.001, 1.0), q=st.floats(0.0, 1.0))
def test_fixed_point_is_stationary(gain, loss, q):
    """T* is a fixed point of the expected update, and negativity bias keeps it below q."""
    fixed = trust.asymmetric_fixed_point(q, gain, loss)
    expected_next = fixed + q * gain * (1 - fixed) - (1 - q) * loss * fixed
    assert expected_next == pytest.approx(fixed, abs=1e-12)
    if loss > gain and 0 < q < 1:
        assert fixed < q or fixed == pytest.approx(q, abs=1e-12)  # equal within rounding


def test_negativity_bias_keeps_even_odds_below_half():
    """With a- > a+ and q = 1/2 the stationary trust is below 1/2 (Slovic's asymmetry)."""
    assert trust.asymmetric_fixed_point(0.5, 0.10, 0.30) < 0.5
    assert trust.asymmetric_fixed_point(0.5, 0.30, 0.30) == pytest.approx(0.5)


def test_recovery_after_one_betrayal_takes_17_successes():
    """From T = .9 with (.05, .15), one failure needs n = 16.7 successes to be made good."""
    gain, loss, start = 0.05, 0.15, 0.9
    n = math.log((1 - start) / (1 - start * (1 - loss))) / math.log(1 - gain)
    assert n == pytest.approx(16.7, abs=0.05)
    t = trust.asymmetric_update(np.array([start]), np.array([False]), gain, loss)
    for _ in range(16):
        t = trust.asymmetric_update(t, np.array([True]), gain, loss)
    assert t[0] < start
    t = trust.asymmetric_update(t, np.array([True]), gain, loss)
    assert t[0] >= start


@settings(max_examples=200)
@given(
    t0=unit,
    gain=rates,
    loss=rates,
    outcomes=st.lists(st.booleans(), min_size=1, max_size=60),
)
def test_asymmetric_trust_stays_in_unit_interval(t0, gain, loss, outcomes):
    """Any rates in [0, 1] and any run of experiences keep trust in [0, 1]."""
    t = np.array([t0])
    for good in outcomes:
        t = trust.asymmetric_update(t, np.array([good]), gain, loss)
        assert 0.0 <= t[0] <= 1.0


# --------------------------------------------------------------------------- Beta trust
def test_beta_laplace_value():
    """(r, s) = (8, 2) gives E = 0.75 (Laplace's rule of succession)."""
    assert trust.beta_trust(np.array(8.0), np.array(2.0)) == pytest.approx(0.75)
    assert trust.beta_trust(np.array(0.0), np.array(0.0)) == pytest.approx(0.5)


@pytest.mark.parametrize(("q", "lam"), [(0.8, 0.9), (0.3, 0.95), (0.6, 1.0)])
def test_beta_simulated_mean_matches_exact_expectation(q, lam):
    """E[E_t] = (q S_t + 1)/(S_t + 2) exactly, S_t = (1 - lam^t)/(1 - lam); 20,000 replicates."""
    n = 20_000
    rng = np.random.default_rng(3)
    r = np.zeros(n)
    s = np.zeros(n)
    for t in range(1, 41):
        r, s = trust.beta_update(r, s, rng.random(n) < q, lam)
        if t in (1, 2, 5, 15, 40):
            e = trust.beta_trust(r, s)
            se = e.std(ddof=1) / math.sqrt(n)
            exact = trust.beta_expectation(q, lam, t)
            assert abs(e.mean() - exact) < 4 * se, (t, e.mean(), exact, se)
            assert np.allclose(r + s, t if lam == 1 else (1 - lam**t) / (1 - lam))


def test_beta_stationary_limits():
    """lambda < 1: limit (q + 1 - lam)/(1 + 2(1 - lam)): .75 for (.8, .9), .7941 for .99;
    lambda = 1: E tends to q."""
    assert trust.beta_expectation(0.8, 0.9, 10_000) == pytest.approx(0.75, abs=1e-9)
    assert trust.beta_expectation(0.8, 0.99, 100_000) == pytest.approx(0.7941, abs=1e-4)
    assert trust.beta_expectation(0.8, 1.0, 10**7) == pytest.approx(0.8, abs=1e-6)


def test_beta_network_keeps_evidence_consistent():
    """TrustNetwork (Beta rule) starts at the given trust and its matrix is the Beta mean."""
    initial = np.array([[1.0, 0.3, 0.6], [0.4, 1.0, 0.7], [0.5, 0.5, 1.0]])
    net = trust.TrustNetwork(initial, rule="beta", gain=0.1, loss=0.3, forgetting=0.9)
    off = ~np.eye(3, dtype=bool)
    assert np.allclose(net.matrix[off], initial[off])
    assert np.allclose(trust.beta_trust(net.r, net.s)[off], initial[off])
    i, j = np.nonzero(off)
    net.observe(i, j, np.array([True, False, True, True, False, False]))
    assert np.allclose(net.matrix[i, j], trust.beta_trust(net.r[i, j], net.s[i, j]))
    assert np.all((net.matrix >= 0) & (net.matrix <= 1))
    assert net.matrix[0, 1] > initial[0, 1] and net.matrix[0, 2] < initial[0, 2]


# --------------------------------------------------------------------------- payoffs
@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_defection_advantage_for_every_composition(n):
    """pi_D - pi_C = c (1 - r/N) for a focal member, whatever the others do: defection
    dominates iff r < N (member_payoffs, a wrapper of the group_payoffs the model calls
    every month)."""
    c, endowment = 5.0, 20.0
    for r in (0.5, n - 0.5, float(n), n + 0.5, 2.0 * n):
        for k in range(n):  # contributors among the other n - 1
            others = [c] * k + [0.0] * (n - 1 - k)
            e = [endowment] * n
            cooperate = payoff.member_payoffs(e, [c, *others], r)[0]
            defect = payoff.member_payoffs(e, [0.0, *others], r)[0]
            assert defect - cooperate == pytest.approx(c * (1 - r / n))
            assert (defect > cooperate) == (r < n) or r == n


def test_fehr_gaechter_design():
    """N = 4, endowment 20, r = 1.6: all contribute -> 32 each; a lone free rider gets 44."""
    e = [20] * 4
    assert payoff.member_payoffs(e, [20] * 4, 1.6) == pytest.approx([32] * 4)
    assert payoff.member_payoffs(e, [0, 20, 20, 20], 1.6) == pytest.approx([44, 24, 24, 24])
    assert payoff.member_payoffs(e, [0] * 4, 1.6) == pytest.approx([20] * 4)


def test_member_payoffs_row_wise_ignores_non_members():
    """Rows are groups; zero endowments are non-members and neither count in N nor earn."""
    e = np.array([[20.0, 20.0, 0.0], [10.0, 10.0, 10.0]])
    c = np.array([[20.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    got = payoff.member_payoffs(e, c, [1.0, 1.5])
    assert got == pytest.approx(np.array([[10.0, 30.0, 0.0], [15.0, 15.0, 15.0]]))


# --------------------------------------------------------------------------- contributions
def test_contribution_types_follow_fgf_rules():
    """Conditional cooperators give slope x belief, hump-shaped slope x min(b, 1-b),
    unconditional their own share, free riders nothing (agents.contribution_shares)."""
    types = np.array([c.value for c in Cooperation])
    beliefs = np.array([[0.8, 0.8, 0.8, 0.8], [0.2, 0.2, 0.2, 0.2]])
    own = np.array([0.0, 0.0, 0.0, 0.35])
    no = np.zeros((2, 4), dtype=bool)
    got = contribution_shares(
        types, beliefs, own, slope=0.9, mpcr=np.full((2, 1), 0.4), deterred=no
    )
    assert got == pytest.approx(np.array([[0.0, 0.72, 0.18, 0.35], [0.0, 0.18, 0.18, 0.35]]))


def test_everyone_gives_all_when_it_pays_or_sanctions_deter():
    """With MPCR >= 1 giving pays privately (no dilemma): every type gives all; so does a
    member that expects a sanction (formal pools, D1)."""
    types = np.array([c.value for c in Cooperation])
    beliefs = np.full((1, 4), 0.3)
    own = np.full(4, 0.1)
    no = np.zeros((1, 4), dtype=bool)
    assert np.all(
        contribution_shares(types, beliefs, own, slope=0.9, mpcr=np.ones((1, 1)), deterred=no)
        == 1.0
    )
    low = np.full((1, 1), 0.4)
    deterred = np.array([[True, False, False, False]])
    got = contribution_shares(types, beliefs, own, slope=0.9, mpcr=low, deterred=deterred)
    assert got[0, 0] == 1.0 and np.all(got[0, 1:] < 1.0)


def test_type_shares_follow_fischbacher_gaechter_fehr():
    """Drawn types: about a third free riders, half conditional cooperators, 14 % hump."""
    rng = np.random.default_rng(3)
    draws = np.array([draw_cooperation(0.3, rng) for _ in range(20_000)])
    shares = np.bincount(draws, minlength=4) / draws.size
    assert shares == pytest.approx([0.30, 0.50, 0.14, 0.06], abs=0.015)


@pytest.mark.parametrize("free_riders", [0.0, 0.3, 0.55, 1.0])
def test_a_type_is_drawn_as_generator_choice_draws_it(free_riders):
    """The type's draw takes the one number `Generator.choice(4, p=FGF shares)` would take
    and gives its type, for every organization in turn (it replaces that call for speed)."""
    rest = 1.0 - free_riders
    shares = np.array([free_riders, *(rest * s for s in NON_FREE_RIDER_SHARES)])
    ours, theirs = np.random.default_rng(11), np.random.default_rng(11)
    for _ in range(2_000):
        assert draw_cooperation(free_riders, ours) == theirs.choice(4, p=shares / shares.sum())
    assert ours.random() == theirs.random()  # the same stream afterwards


# --------------------------------------------------------------------------- audits
def test_missing_share_matches_olken_arms():
    """Leakage at 4 % audits is the base; full audit removes 8 points (Olken 2007)."""
    assert audit.missing_share(0.04, 0.28) == pytest.approx(0.28)
    assert audit.missing_share(1.0, 0.28) == pytest.approx(0.20)
    assert audit.missing_share(1.0, 0.0) == 0.0
    assert audit.missing_share(0.52, 0.28) == pytest.approx(0.24)


# --------------------------------------------------------------------------- welfare
def test_hdi_worked_example():
    """LE 70, MYS 8, EYS 13, GNI 10,000 -> indices .769, .628, .696 and HDI .695."""
    health = (70 - 20) / (85 - 20)
    education = (8 / 15 + 13 / 18) / 2
    income = (math.log(10_000) - math.log(100)) / (math.log(75_000) - math.log(100))
    assert wf.geometric_mean([health, education, income]) == pytest.approx(0.695, abs=1e-3)


def test_geometric_mean_limits():
    """All indices at 1 give 1; any index at 0 gives 0; uneven development is penalized."""
    assert wf.geometric_mean([1.0, 1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert wf.geometric_mean([0.0, 0.9, 0.9, 0.9]) == 0.0
    assert wf.geometric_mean([0.2, 0.8]) < np.mean([0.2, 0.8])
    rows = wf.geometric_mean(np.array([[1.0, 1.0], [0.25, 1.0], [0.0, 0.5]]), axis=1)
    assert rows == pytest.approx([1.0, 0.5, 0.0])


def test_geometric_mean_of_an_index_at_zero_warns_nobody():
    """An index at 0 is an ordinary state (a domain with no welfare left), not an error: its
    log of 0 must not reach the user as NumPy's divide-by-zero warning, and one row gives a
    Python float (a metric's value), as does any other row."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert wf.geometric_mean([0.0, 0.9, 0.9, 0.9]) == 0.0
        rows = wf.geometric_mean(np.array([[0.0, 1.0], [0.25, 1.0]]), axis=1)
    assert rows == pytest.approx([0.0, 0.5])
    assert type(wf.geometric_mean([0.25, 1.0])) is float
    assert type(wf.geometric_mean([0.0, 1.0])) is float


def test_gini_canonical_values():
    """[1,2,3,4] -> 0.25; equal -> 0; one holder of ten -> 0.9 = 1 - 1/n."""
    assert wf.gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert wf.gini([3.0] * 7) == pytest.approx(0.0, abs=1e-12)
    assert wf.gini([0] * 9 + [5]) == pytest.approx(0.9)
    assert wf.gini([0, 0, 0]) == 0.0


@given(
    x=st.lists(st.floats(0.0, 1e3, allow_nan=False), min_size=1, max_size=30),
    scale=st.floats(0.01, 100.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_gini_matches_mean_absolute_difference_and_is_invariant(x, scale, seed):
    """G = sum|xi - xj| / (2 n^2 mean); invariant to scale and permutation; in [0, 1 - 1/n]."""
    a = np.array(x)
    g = wf.gini(a)
    if a.sum() > 1e-6:
        mad = np.abs(a[:, None] - a[None, :]).sum() / (2 * a.size**2 * a.mean())
        assert g == pytest.approx(mad, abs=1e-9)
        assert wf.gini(a * scale) == pytest.approx(g, abs=1e-9)
    assert wf.gini(np.random.default_rng(seed).permutation(a)) == pytest.approx(g, abs=1e-12)
    assert -1e-12 <= g <= 1 - 1 / a.size + 1e-12


def test_model_sen_welfare_is_mean_times_one_minus_gini():
    """The model's Sen welfare is W = mean (1 - G) of citizens' composite welfare."""
    model = PartnershipModel(rng=4, n_citizens=200)
    for _ in range(3):
        model.step()
    composite = model.citizens.composite.astype(float)
    assert model.gini == pytest.approx(wf.gini(composite))
    assert model.sen_welfare == pytest.approx(composite.mean() * (1 - model.gini), rel=1e-6)


# --------------------------------------------------------------------------- edge cases
def test_fixed_point_without_any_experience_rates_is_zero():
    """With q a+ + (1-q) a- = 0 (no movement at all) the stationary mean is defined as 0."""
    assert trust.asymmetric_fixed_point(0.0, 0.1, 0.0) == 0.0
    assert trust.asymmetric_fixed_point(1.0, 0.0, 0.3) == 0.0


def test_beta_evidence_is_clipped_to_valid_counts():
    """Pseudo-counts never go negative: low trust gives r = 0, high trust s = 0."""
    r, s = trust.beta_evidence(np.array([0.1, 0.5, 0.95]))
    assert r == pytest.approx([0.0, 1.0, 2.8])
    assert s == pytest.approx([2.0, 1.0, 0.0])


def test_trust_network_observes_a_single_pair():
    """One observation is applied (not skipped as if empty); the Beta rule counts it."""
    for rule in ("asymmetric", "beta"):
        net = trust.TrustNetwork(np.full((2, 2), 0.5), rule=rule, gain=0.1, loss=0.3, forgetting=1)
        net.observe(np.array([0]), np.array([1]), np.array([True]))
        assert net.matrix[0, 1] > 0.5 and net.matrix[1, 0] == 0.5, rule


@pytest.mark.parametrize("rule", ["asymmetric", "beta"])
def test_trust_reset_moves_part_way_back_to_the_start(rule):
    """A leadership change (C7) takes `fraction` of built trust back to its initial value,
    in both directions of the relationships of that organization only; self-trust stays 1."""
    n = 3
    net = trust.TrustNetwork(np.full((n, n), 0.5), rule=rule, gain=0.2, loss=0.3, forgetting=0.9)
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    for _ in range(5):
        net.observe(i, j, np.ones(i.size, dtype=bool))
    built = net.matrix.copy()
    net.reset(0, 0.25)
    after = net.matrix
    expected = 0.5 + (built - 0.5) * 0.75
    if rule == "asymmetric":
        assert after[0, 1] == pytest.approx(expected[0, 1])
        assert after[1, 0] == pytest.approx(expected[1, 0])
    else:
        r0, s0 = trust.beta_evidence(np.array(0.5))
        assert net.r[0, 1] > r0 and net.s[0, 1] < s0
        assert after[0, 1] == pytest.approx(trust.beta_trust(net.r[0, 1], net.s[0, 1]))
        assert 0.5 < after[0, 1] < built[0, 1]
    assert after[1, 2] == built[1, 2]  # other relationships are untouched
    assert after[0, 0] == 1.0
    net.reset(1, 1.0)
    assert after[1, 2] == pytest.approx(0.5) and after[2, 1] == pytest.approx(0.5)


def test_member_payoffs_of_a_lone_member():
    """A pool with one member (a K7 host) shares its good with nobody: N = 1."""
    assert payoff.member_payoffs([10.0, 0.0], [4.0, 0.0], 1.5) == pytest.approx([12.0, 0.0])


# --------------------------------------------------------------------------- funding
def test_volatile_income_has_the_base_as_its_mean():
    """Lognormal income base * exp(s z - s^2/2) has mean base (the -s^2/2 correction);
    zero volatility or zero sensitivity gives exactly the base."""
    rng = np.random.default_rng(1)
    base = np.full(200_000, 2.0)
    income = funding.volatile_income(
        base, np.full(base.size, 1.2), 0.5, rng.standard_normal(base.size)
    )
    se = income.std() / math.sqrt(income.size)
    assert abs(income.mean() - 2.0) < 4 * se
    assert np.log(income).std() == pytest.approx(0.6, rel=0.01)
    calm = funding.volatile_income(np.array([1.0, 3.0]), np.array([1.0, 0.0]), 0.0, np.ones(2))
    assert calm.tolist() == [1.0, 3.0]
    still = funding.volatile_income(np.array([1.0]), np.array([0.0]), 0.7, np.ones(1))
    assert still.tolist() == [1.0]


@pytest.mark.parametrize("persistence", [0.0, 0.5, 0.9])
def test_income_shocks_are_standard_normal_each_month_and_persist(persistence: float):
    """AR(1): every month is N(0, 1) (so funding_volatility stays the monthly spread), the
    correlation with last month is the persistence, and a year's mean has the spread of
    twelve such months (sqrt(sum of r^|i-j|)/12: 0.29 independent, 0.83 at r = 0.9)."""
    rng = np.random.default_rng(7)
    months = [funding.income_shocks(None, persistence, 40_000, rng)]
    for _ in range(23):
        months.append(funding.income_shocks(months[-1], persistence, 40_000, rng))
    z = np.array(months)
    assert z.mean() == pytest.approx(0.0, abs=0.01)
    assert z[0].std() == pytest.approx(1.0, abs=0.02) and z[-1].std() == pytest.approx(
        1.0, abs=0.02
    )
    lag1 = np.mean([np.corrcoef(z[t], z[t + 1])[0, 1] for t in range(23)])
    assert lag1 == pytest.approx(persistence, abs=0.02)
    expected = math.sqrt(sum(persistence ** abs(i - j) for i in range(12) for j in range(12))) / 12
    assert z[12:].mean(axis=0).std() == pytest.approx(expected, rel=0.03)


def test_independent_income_shocks_are_the_raw_draws():
    """Persistence 0 gives exactly the generator's draws, month after month."""
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    first = funding.income_shocks(None, 0.0, 5, a)
    second = funding.income_shocks(first, 0.0, 5, a)
    assert first.tolist() == b.standard_normal(5).tolist()
    assert second.tolist() == b.standard_normal(5).tolist()


def test_grant_contest_dissipates_as_tullock():
    """Symmetric Tullock (1980): seekers burn (n - 1)/n of the contested prize, each its
    need share; the whole pool is handed out; without competition grants follow need."""
    need = np.array([0.5, 0.3, 0.2])
    rich = np.full(3, 100.0)
    grants, burnt = funding.grant_contest(need, rich, 10.0, 0.4)
    assert burnt.sum() == pytest.approx(4.0 * 2 / 3)
    assert burnt == pytest.approx(4.0 * 2 / 3 * need)
    assert grants.sum() == pytest.approx(10.0)
    assert grants == pytest.approx(10.0 * need)  # effort proportional to need: same split
    grants, burnt = funding.grant_contest(need, rich, 10.0, 0.0)
    assert burnt.sum() == 0 and grants == pytest.approx(10.0 * need)
    poor = np.array([100.0, 0.0, 100.0])  # a seeker with nothing cannot bid
    grants, burnt = funding.grant_contest(need, poor, 10.0, 1.0)
    assert burnt[1] == 0.0 and grants[1] == 0.0 and grants.sum() == pytest.approx(10.0)
    broke = np.zeros(3)  # nobody can bid: the contested part also goes by need
    grants, burnt = funding.grant_contest(need, broke, 10.0, 1.0)
    assert burnt.sum() == 0.0 and grants == pytest.approx(10.0 * need)
    one, burnt = funding.grant_contest(np.array([1.0]), np.array([5.0]), 10.0, 0.5)
    assert one.tolist() == [10.0] and burnt.tolist() == [0.0]  # a lone seeker burns nothing
    none, burnt = funding.grant_contest(need, rich, 0.0, 0.5)
    assert none.tolist() == [0.0, 0.0, 0.0] and burnt.tolist() == [0.0, 0.0, 0.0]
    empty, burnt = funding.grant_contest(np.zeros(0), np.zeros(0), 10.0, 0.5)
    assert empty.size == 0 and burnt.size == 0  # no seekers: nothing to split
    small = np.array([1.0, 0.0, 1.0])  # total effort below 1: still split by effort
    grants, burnt = funding.grant_contest(need, small, 1.0, 1.0)
    assert burnt.sum() < 1.0 and grants[1] == 0.0 and grants.sum() == pytest.approx(1.0)


def test_funding_shocks_multiply_while_in_force():
    """Cuts multiply the income of the sectors they name, until their end month."""
    shocks = funding.FundingShocks()
    shocks.add(frozenset({Sector.NGO}), 0.5, until=10)
    shocks.add(frozenset({Sector.NGO, Sector.GOVERNMENT}), 0.2, until=5)
    assert shocks.multiplier(Sector.NGO, 4) == pytest.approx(0.4)
    assert shocks.multiplier(Sector.GOVERNMENT, 4) == pytest.approx(0.8)
    assert shocks.multiplier(Sector.BUSINESS, 4) == 1.0
    assert shocks.multiplier(Sector.NGO, 5) == pytest.approx(0.5)
    assert shocks.multiplier(Sector.NGO, 10) == 1.0
    shocks.expire(5)
    assert len(shocks.cuts) == 1 and shocks.multiplier(Sector.NGO, 5) == pytest.approx(0.5)
    shocks.expire(10)
    assert shocks.cuts == []
