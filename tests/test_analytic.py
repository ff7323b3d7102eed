"""Analytic checks: the model's trust rules, payoffs and welfare measures against their
closed forms and textbook values (docs: modelling-references sections 2, 3, 4.1 and 7)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import payoff, trust
from simulation import welfare as wf

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
        assert fixed < q


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
    """pi_D - pi_C = c (1 - r/N) for a focal member, whatever the others do."""
    c, endowment = 5.0, 20.0
    for r in (0.5, n - 0.5, float(n), n + 0.5, 2.0 * n):
        for k in range(n):  # contributors among the other n - 1
            others = [c] * k + [0.0] * (n - 1 - k)
            cooperate = payoff.public_goods_payoffs([c, *others], endowment, r)[0]
            defect = payoff.public_goods_payoffs([0.0, *others], endowment, r)[0]
            assert defect - cooperate == pytest.approx(payoff.defection_advantage(c, r, n))
            assert defect - cooperate == pytest.approx(c * (1 - r / n))


@pytest.mark.parametrize("n", [2, 4, 7])
def test_defection_dominates_iff_r_below_n(n):
    """Defection dominates iff r < N: checked at r = N - 0.5 and r = N + 0.5."""
    assert payoff.defection_advantage(1.0, n - 0.5, n) > 0
    assert payoff.defection_advantage(1.0, n + 0.5, n) < 0
    assert payoff.defection_advantage(1.0, n, n) == pytest.approx(0.0)


def test_fehr_gaechter_design():
    """N = 4, endowment 20, r = 1.6: all contribute -> 32 each; a lone free rider gets 44."""
    assert payoff.public_goods_payoffs([20] * 4, 20, 1.6) == pytest.approx([32] * 4)
    assert payoff.public_goods_payoffs([0, 20, 20, 20], 20, 1.6) == pytest.approx([44, 24, 24, 24])
    assert payoff.public_goods_payoffs([0] * 4, 20, 1.6) == pytest.approx([20] * 4)


amounts = st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=1, max_size=8)


@given(c=amounts, r=st.floats(0.0, 10.0))
def test_synergy_one_is_the_linear_game(c, r):
    """w = 1: the public good is r * sum(c), whatever the order of contributions."""
    assert payoff.synergy_output(c, r, 1.0) == pytest.approx(r * sum(c), rel=1e-12, abs=1e-9)


@given(c=st.lists(st.floats(1.0, 100.0), min_size=2, max_size=8))
def test_synergy_and_discounting_bracket_the_linear_game(c):
    """w > 1 (synergy) yields more than the linear game, w < 1 (discounting) less."""
    linear = payoff.synergy_output(c, 1.5, 1.0)
    assert payoff.synergy_output(c, 1.5, 1.2) > linear > payoff.synergy_output(c, 1.5, 0.8)


def test_synergy_output_weights_sorted_contributions():
    """The j-th largest contribution is weighted w^j (Hauert et al. 2006)."""
    assert payoff.synergy_output([1.0, 4.0, 2.0], 2.0, 0.5) == pytest.approx(2 * (4 + 1 + 0.25))


@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    data=st.data(),
)
def test_synergy_outputs_row_wise_equals_synergy_output(rows, cols, data):
    """The vectorized synergy_outputs equals synergy_output per row (zeros = non-members)."""
    values = st.one_of(st.just(0.0), st.floats(0.0, 50.0, allow_nan=False))
    matrix = np.array(
        data.draw(
            st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
        )
    )
    mult = data.draw(st.lists(st.floats(0.0, 3.0), min_size=rows, max_size=rows))
    w = data.draw(st.lists(st.floats(0.5, 1.5), min_size=rows, max_size=rows))
    got = payoff.synergy_outputs(matrix, mult, w)
    for k in range(rows):
        assert got[k] == pytest.approx(
            payoff.synergy_output(matrix[k], mult[k], w[k]), rel=1e-12, abs=1e-9
        )


def test_synergy_factor_scales_with_sector_diversity():
    """One sector: no bonus; five sectors: the full synergy; negative synergy discounts."""
    assert payoff.synergy_factor(1, 0.4) == 1.0
    assert payoff.synergy_factor(5, 0.4) == pytest.approx(1.4)
    assert payoff.synergy_factor(3, 0.4) == pytest.approx(1.2)
    assert payoff.synergy_factor(5, -0.4) == pytest.approx(0.6)


# --------------------------------------------------------------------------- welfare
def test_hdi_worked_example():
    """LE 70, MYS 8, EYS 13, GNI 10,000 -> indices .769, .628, .696 and HDI .695."""
    health = wf.dimension_index(70, 20, 85)
    education = (wf.dimension_index(8, 0, 15) + wf.dimension_index(13, 0, 18)) / 2
    income = wf.dimension_index(math.log(10_000), math.log(100), math.log(75_000))
    assert health == pytest.approx(50 / 65)
    assert health == pytest.approx(0.769, abs=5e-4)
    assert education == pytest.approx(0.628, abs=5e-4)
    assert income == pytest.approx(0.696, abs=5e-4)
    assert wf.geometric_mean([health, education, income]) == pytest.approx(0.695, abs=1e-3)


def test_geometric_mean_limits():
    """All indices at 1 give 1; any index at 0 gives 0; uneven development is penalized."""
    assert wf.geometric_mean([1.0, 1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert wf.geometric_mean([0.0, 0.9, 0.9, 0.9]) == 0.0
    assert wf.geometric_mean([0.2, 0.8]) < np.mean([0.2, 0.8])
    rows = wf.geometric_mean(np.array([[1.0, 1.0], [0.25, 1.0], [0.0, 0.5]]), axis=1)
    assert rows == pytest.approx([1.0, 0.5, 0.0])


def test_dimension_index_clips_to_goalposts():
    """Values outside the goalposts are clipped to [0, 1]."""
    assert wf.dimension_index([10, 20, 52.5, 85, 90], 20, 85) == pytest.approx([0, 0, 0.5, 1, 1])


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


def test_sen_welfare_is_mean_times_one_minus_gini():
    """W = mean (1 - G): [1,2,3,4] -> 2.5 * 0.75 = 1.875; equal values -> their mean."""
    assert wf.sen_welfare([1, 2, 3, 4]) == pytest.approx(1.875)
    assert wf.sen_welfare([0.4] * 5) == pytest.approx(0.4)
    rng = np.random.default_rng(5)
    x = rng.random(50)
    assert wf.sen_welfare(x) == pytest.approx(x.mean() * (1 - wf.gini(x)))


def test_atkinson_sanity():
    """Equal -> 0; eps = 0 -> 0; [1, 4] -> 0.1 (eps .5), 0.2 (eps 1), 0.36 (eps 2); rises with
    inequality aversion."""
    assert wf.atkinson([2.0] * 6, 0.5) == pytest.approx(0.0, abs=1e-12)
    assert wf.atkinson([1.0, 4.0], 0.0) == pytest.approx(0.0, abs=1e-12)
    assert wf.atkinson([1.0, 4.0], 0.5) == pytest.approx(0.1)
    assert wf.atkinson([1.0, 4.0], 1.0) == pytest.approx(0.2)
    assert wf.atkinson([1.0, 4.0], 2.0) == pytest.approx(0.36)
    x = np.random.default_rng(2).random(40)
    values = [wf.atkinson(x, e) for e in (0.25, 0.5, 1.0, 1.5)]
    assert all(0 < v < 1 for v in values)
    assert values == sorted(values)
