"""Citizens and service delivery, one rule at a time (population.py, services.py).

Small populations built directly with a seeded generator: each test checks a property the
module docstrings state (units are conserved by the reach coefficients, a shared registry
never serves anyone twice, targeting follows need, welfare erodes by vulnerability, the
small world starts as a ring lattice, the poor are the most vulnerable) or a number worked
by hand. They run in seconds, so mutation testing can afford them.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import kernels
from simulation.population import CitizenPopulation, small_world
from simulation.services import Channels, channel_offers, deliver, water_fill_scale
from simulation.welfare import gini


def population(n: int = 400, seed: int = 1, **params) -> CitizenPopulation:
    settings = {"degree": 6, "rewiring": 0.1, "initial_welfare": 0.5, "participation": 0.5}
    return CitizenPopulation(n, np.random.default_rng(seed), **{**settings, **params})


def channels(units, quality, targeting, coordinated) -> Channels:
    return Channels(
        units=np.atleast_2d(np.asarray(units, float)),
        quality=np.atleast_2d(np.asarray(quality, float)),
        targeting=np.asarray(targeting, float),
        coordinated=np.asarray(coordinated, bool),
    )


def month(pop: CitizenPopulation, ch: Channels, seed: int = 2, **params):
    settings = {"decay": 0.0, "service_effect": 0.5, "ownership_effect": 0.0}
    return deliver(pop, ch, rng=np.random.default_rng(seed), **{**settings, **params})


# --------------------------------------------------------------------- the small world (B4)
def test_small_world_without_rewiring_is_a_ring_lattice():
    table = small_world(10, 4, 0.0, np.random.default_rng(1))
    assert table.dtype == np.int32 and table.shape == (10, 4)
    assert table[0].tolist() == [1, 2, 9, 8]
    assert table[5].tolist() == [6, 7, 4, 3]
    assert small_world(1, 2, 0.0, np.random.default_rng(1)).tolist() == [[0, 0]]
    # An odd degree keeps k // 2 ties on each side.
    assert small_world(10, 5, 0.0, np.random.default_rng(1))[0].tolist() == [1, 2, 9, 8]


def test_rewiring_replaces_that_share_of_ties_with_random_ones():
    n, k = 2000, 6
    ring = small_world(n, k, 0.0, np.random.default_rng(1))
    for rewiring in (0.2, 1.0):
        table = small_world(n, k, rewiring, np.random.default_rng(1))
        assert ((table >= 0) & (table < n)).all()
        changed = (table != ring).mean()
        # A rewired tie lands on its old neighbour with chance 1/n only.
        assert changed == pytest.approx(rewiring, abs=0.02)
    # Fully rewired, ties point anywhere in the town, the first and last citizens included.
    assert table.min() == 0 and table.max() == n - 1


# --------------------------------------------------------------------- the population (A4)
def test_initial_welfare_centres_the_town_and_stays_in_bounds():
    poor, rich = population(4000, initial_welfare=0.3), population(4000, initial_welfare=0.7)
    for pop, level in ((poor, 0.3), (rich, 0.7)):
        assert pop.welfare.dtype == np.float32 and pop.welfare.shape == (4000, 4)
        assert pop.welfare.min() >= 0.01 and pop.welfare.max() <= 0.99
        assert pop.welfare.mean() == pytest.approx(level, abs=0.02)
        # One common factor per person: domains of a person move together.
        corr = np.corrcoef(pop.welfare[:, 0], pop.welfare[:, 1])[0, 1]
        assert corr > 0.5
    # Beta(4w, 4(1 - w)) has variance w(1 - w)/5; the domain noise adds 0.08^2.
    # At the extremes the bounds and noise pull the mean inward, by less than 0.04.
    assert population(4000, initial_welfare=0.1).welfare.mean() < 0.14
    assert population(4000, initial_welfare=0.9).welfare.mean() > 0.86
    spread = population(4000, initial_welfare=0.5).welfare[:, 0].std()
    assert spread == pytest.approx(np.sqrt(0.25 / 5 + 0.08**2), abs=0.008)


def test_the_poor_are_the_most_vulnerable_and_the_mean_vulnerability_is_one():
    pop = population(2000)
    assert pop.vulnerability.dtype == np.float32
    assert pop.vulnerability.mean() == pytest.approx(1.0, abs=1e-5)
    shortfall = 1.0 - pop.welfare.mean(axis=1)
    assert np.corrcoef(shortfall, pop.vulnerability)[0, 1] > 0.9
    assert (pop.vulnerability > 0).all()
    # Vulnerability is shortfall / mean shortfall: sd of Beta(2, 2), sqrt(0.05), over 0.5.
    assert pop.vulnerability.std() == pytest.approx(np.sqrt(0.05) / 0.5, abs=0.03)


def test_a_town_at_full_welfare_is_equally_vulnerable():
    """Small towns at full welfare often have no shortfall at all (0/0): all alike."""
    alike = 0
    for seed in range(1, 7):
        pop = population(10, seed=seed, initial_welfare=1.0)
        assert pop.vulnerability.shape == (10,) and np.isfinite(pop.vulnerability).all()
        assert pop.vulnerability.mean() == pytest.approx(1.0, abs=1e-5)
        alike += bool((pop.vulnerability == 1.0).all())
    assert alike >= 1


def test_awareness_and_propensity_to_take_part():
    """Awareness ~ Beta(2, 3) (mean 0.4); propensity 2 x participation x Beta(2, 2), in [0, 1]."""
    pop = population(6000, participation=0.3)
    assert pop.awareness.dtype == np.float32 and pop.propensity.dtype == np.float32
    assert pop.awareness.mean() == pytest.approx(0.4, abs=0.01)
    assert pop.propensity.mean() == pytest.approx(0.3, abs=0.01)
    assert pop.propensity.max() <= 0.6
    eager = population(6000, participation=0.9)
    assert eager.propensity.max() == 1.0 and eager.propensity.min() >= 0.0
    # 2 x 0.9 x B with B ~ Beta(2, 2) is capped at 1 above B = 5/9.
    assert (eager.propensity == 1.0).mean() == pytest.approx(0.4, abs=0.03)
    nobody = population(100, participation=0.0)
    assert nobody.propensity.dtype == np.float32 and not nobody.propensity.any()
    for flags in (pop.participating, pop.volunteering, pop.served_any):
        assert flags.dtype == np.bool_ and flags.shape == (6000,) and not flags.any()
    assert pop.neighbours.shape == (6000, 6)


def test_participation_is_propensity_times_engagement():
    pop = population(8000, participation=0.5)
    rng = np.random.default_rng(3)
    shares = []
    for engagement in (0.0, 0.5, 1.0):
        pop.draw_participation(engagement, rng)
        assert pop.participating.dtype == np.bool_
        shares.append(pop.participating.mean())
    assert shares[0] == 0.0
    assert shares[1] == pytest.approx(0.25, abs=0.015)
    assert shares[2] == pytest.approx(0.5, abs=0.015)
    pop.propensity[:] = 1.0
    pop.draw_participation(1.0, rng)
    assert pop.participating.all()


def test_summaries_of_welfare_and_their_caches():
    pop = population(500)
    composite = np.prod(pop.welfare.astype(np.float64), axis=1) ** 0.25
    np.testing.assert_allclose(pop.composite, composite, rtol=1e-5)
    assert pop.composite is pop.composite  # cached
    np.testing.assert_allclose(pop.domain_means, pop.welfare.mean(axis=0), rtol=1e-6)
    g, sen = pop.inequality
    assert g == pytest.approx(gini(composite), rel=1e-5)
    assert sen == pytest.approx(composite.mean() * (1.0 - g), rel=1e-5)
    assert pop.inequality is pop.inequality
    flat = np.full(500, 0.5, dtype=np.float32)
    pop.refresh(composite=flat, domain_means=np.full(4, 0.5))
    assert pop.composite is flat and pop.domain_means.tolist() == [0.5] * 4
    assert pop.inequality == (0.0, pytest.approx(0.5))


def test_news_spreads_along_ties_and_fades():
    """a <- (1 - f) a + rate (1 - a) mean(neighbours' a), then served citizens learn more."""
    pop = population(100)
    pop.awareness[:] = 0.5
    pop.served_any[:10] = True
    pop.spread_awareness(0.4, 0.2, 0.5)
    # 0.4 + 0.4 x 0.6 x 0.5 = 0.52; served: 0.52 + 0.5 x 0.48 = 0.76.
    np.testing.assert_allclose(pop.awareness[10:], 0.52, rtol=1e-6)
    np.testing.assert_allclose(pop.awareness[:10], 0.76, rtol=1e-6)


# --------------------------------------------------------------------- reach (B1, B5, B7)
def reach_coefficients(units, targeting, aware_sum, aware_relneed):
    """(c0, c1) of channels that are all uncoordinated (row 1 of channel_offers)."""
    offer = channels(units, np.ones_like(units), targeting, [False] * len(targeting))
    _, _, c0, c1 = channel_offers(offer, aware_sum, np.asarray(aware_relneed, float))
    return c0[1], c1[1]


def test_reach_coefficients_worked_example():
    """Z = A (1 - tau) + tau B; c0 = sum u (1 - tau) / Z, c1 = sum u tau / Z."""
    c0, c1 = reach_coefficients(
        np.array([[2.0, 4.0], [3.0, 3.0]]), np.array([0.0, 0.5]), 10.0, np.array([5.0, 20.0])
    )
    # Channel 1 (untargeted): 2/10, 4/10. Channel 2: Z = 5 + [2.5, 10] = [7.5, 15].
    np.testing.assert_allclose(c0, [0.2 + 0.2, 0.4 + 0.1])
    np.testing.assert_allclose(c1, [0.2, 0.1])


def test_reach_coefficients_share_out_every_unit():
    """Summed over citizens, the expected units a_i (c0 + c1 n_i / mean n) equal the units."""
    rng = np.random.default_rng(4)
    aware, need = rng.random(300), rng.random((300, 4))
    relneed = need / need.mean(axis=0)
    units = rng.random((5, 4)) * 50
    for targeting in (np.zeros(5), np.ones(5), rng.random(5)):
        c0, c1 = reach_coefficients(units, targeting, aware.sum(), aware @ relneed)
        offered = (aware[:, None] * (c0 + c1 * relneed)).sum(axis=0)
        np.testing.assert_allclose(offered, units.sum(axis=0))
        assert (c0 >= 0).all() and (c1 >= 0).all()
    c0, c1 = reach_coefficients(units, np.ones(5), aware.sum(), aware @ relneed)
    assert (c0 == 0).all()  # fully targeted: only need counts
    c0, c1 = reach_coefficients(units, np.zeros(5), 0.0, np.zeros(4))
    assert np.isfinite(c0).all() and np.isfinite(c1).all()


def test_channel_offers_split_channels_by_coordination():
    """Row 0 sums the coordinated channels, row 1 the others: units, their mean quality and
    the reach coefficients of each group as if it were alone."""
    units = np.array([[10.0, 0.0], [30.0, 4.0], [20.0, 8.0]])
    quality = np.array([[0.2, 0.9], [0.6, 0.5], [0.4, 0.25]])
    targeting = np.array([0.0, 0.5, 1.0])
    offer = channels(units, quality, targeting, [True, False, True])
    total, mean_quality, c0, c1 = channel_offers(offer, 10.0, np.array([5.0, 20.0]))
    np.testing.assert_allclose(total, [[30.0, 8.0], [30.0, 4.0]])
    # Coordinated: (10 x 0.2 + 20 x 0.4) / 30; nothing offered in domain 2 by channel 0.
    np.testing.assert_allclose(mean_quality, [[1.0 / 3.0, 0.25], [0.6, 0.5]])
    for row, sel in ((0, [0, 2]), (1, [1])):
        alone = reach_coefficients(units[sel], targeting[sel], 10.0, [5.0, 20.0])
        np.testing.assert_allclose(c0[row], alone[0])
        np.testing.assert_allclose(c1[row], alone[1])
    # Nothing offered: quality 0, not 0 / 0.
    _, empty_quality, _, _ = channel_offers(
        channels(np.zeros((1, 2)), np.ones((1, 2)), [0.5], [True]), 10.0, np.ones(2)
    )
    assert (empty_quality == 0.0).all()


def test_water_filling_loses_no_unit_to_saturation():
    """sum_i min(1, s lambda_i) = units: a shared registry passes surplus units on."""
    pop = population(200)
    c0 = np.array([0.01, 1.0, 1.5, 0.5])
    k1 = np.array([0.0, 1.0, 0.0, 2.0])
    total = (pop.awareness[:, None] * (c0 + k1 * (1.0 - pop.welfare))).sum(axis=0)
    scale = water_fill_scale(pop, c0, k1, total.astype(float))
    lam = pop.awareness[:, None] * (c0 + k1 * (1.0 - pop.welfare)) * scale
    assert scale[0] == 1.0  # nobody is offered more than one unit: untouched
    assert (scale[1:] > 1.0).all()
    np.testing.assert_allclose(np.minimum(lam, 1.0).sum(axis=0), total, rtol=1e-5)
    # More units than citizens: everyone is served, the scale stays finite.
    scale = water_fill_scale(pop, c0, k1, np.full(4, 1000.0))
    assert np.isfinite(scale).all()


def test_the_decay_pass_bounds_everyone_s_coordinated_reach():
    """deliver skips water-filling when max a x c0 + max(a x need) x k1 <= 1: the peaks the
    decay pass returns bound every citizen's lambda, and are attained."""
    rng = np.random.default_rng(5)
    for seed in range(4):
        pop = population(300, seed=seed)
        need_sum, _, aware_sum, aware_peak, need_peak = kernels.decay_and_sum_need(
            pop.welfare, pop.awareness, pop.vulnerability, 0.05
        )
        need = 1.0 - pop.welfare.astype(float)
        assert aware_peak == pop.awareness.max()
        np.testing.assert_array_equal(need_peak, (pop.awareness[:, None] * need).max(axis=0))
        np.testing.assert_allclose(need_sum, need.sum(axis=0), rtol=1e-9)
        assert aware_sum == pytest.approx(pop.awareness.sum(dtype=float), rel=1e-9)
        c0, k1 = rng.random(4), rng.random(4)
        peak, _ = kernels.coordinated_reach(pop.welfare, pop.awareness, c0, k1, np.ones(4))
        assert (peak <= c0 * aware_peak + k1 * need_peak).all()


# --------------------------------------------------------------------- delivery (B1, B3, B6)
def test_without_services_welfare_erodes_by_vulnerability():
    pop = population(300)
    before = pop.welfare.copy()
    vulnerability = pop.vulnerability.copy()
    done = month(pop, channels(np.zeros((1, 4)), np.ones((1, 4)), [0.5], [False]), decay=0.1)
    expected = before * np.clip(1.0 - 0.1 * vulnerability, 0.0, 1.0)[:, None]
    np.testing.assert_allclose(pop.welfare, expected, rtol=1e-6)
    assert (done.units, done.reached, done.welfare_gain) == (0.0, 0, 0.0)
    assert done.hits == 0.0 and done.duplicates == 0.0
    np.testing.assert_allclose(pop.composite, np.prod(expected, axis=1) ** 0.25, rtol=1e-5)
    np.testing.assert_allclose(pop.domain_means, expected.mean(axis=0), rtol=1e-5)
    month(pop, channels(np.zeros((1, 4)), np.ones((1, 4)), [0.5], [False]), decay=1e6)
    assert (pop.welfare == 0.0).all()  # erosion stops at nothing, never below


def test_delivery_accounts_for_what_it_did():
    pop = population(500)
    before = pop.welfare.copy()
    units = np.array([[40.0, 30.0, 20.0, 10.0], [60.0, 0.0, 5.0, 25.0]])
    done = month(pop, channels(units, np.full((2, 4), 0.6), [0.3, 0.8], [True, False]))
    assert done.units == pytest.approx(190.0)
    assert 0 < done.hits <= done.units + 1e-9
    gained = pop.welfare - before
    assert (gained >= 0).all() and (pop.welfare <= 1.0).all()
    assert done.welfare_gain == pytest.approx(gained.sum(), rel=1e-4)
    assert done.reached == int(pop.served_any.sum()) == int((gained > 0).any(axis=1).sum())
    assert 0.0 <= done.duplicates < done.hits
    assert pop.composite.dtype == np.float32
    # One served unit lifts welfare by service_effect x quality x need.
    served = gained > 0
    np.testing.assert_allclose(gained[served], (0.5 * 0.6 * (1.0 - before))[served], rtol=1e-4)


def test_a_shared_case_list_serves_nobody_twice():
    """B3: the same units spread more widely and duplicate nothing when coordinated."""
    units = np.full((3, 4), 60.0)
    quality = np.full((3, 4), 0.5)
    done = {}
    for shared in (True, False):
        pop = population(300)
        done[shared] = month(pop, channels(units, quality, [0.5] * 3, [shared] * 3))
    assert done[True].duplicates == pytest.approx(0.0, abs=1e-6)
    assert done[True].hits == pytest.approx(720.0, rel=1e-4)
    assert done[False].duplicates > 50.0
    assert done[True].reached > done[False].reached
    assert done[True].welfare_gain > done[False].welfare_gain


def test_a_saturated_shared_registry_still_delivers_every_unit():
    """deliver water-fills whenever someone could be offered more than one coordinated unit,
    through awareness alone (untargeted) or through need (fully targeted). A channel's
    expected units reach citizen i in proportion to w_i = a_i ((1 - tau) + tau need_i)
    (module docstring); units u = 1.5 sum w / max w offer the most reachable citizen 1.5
    units, so without water-filling the surplus over one unit would be lost."""
    for targeting in (0.0, 1.0):
        pop = population(300)
        weight = pop.awareness[:, None] * ((1.0 - targeting) + targeting * (1.0 - pop.welfare))
        units = 1.5 * weight.sum(axis=0, dtype=float) / weight.max(axis=0)
        offered = units * weight / weight.sum(axis=0, dtype=float)
        assert (offered.max(axis=0) > 1.0).all()  # some units would reach the served
        assert (np.minimum(offered, 1.0).sum(axis=0) < units - 0.5).all()
        done = month(pop, channels([units], np.ones((1, 4)), [targeting], [True]))
        assert done.hits == pytest.approx(units.sum(), rel=1e-9), targeting
        assert done.duplicates == pytest.approx(0.0, abs=1e-6)


def test_units_minus_duplicates_are_the_citizens_served():
    """Expected hits less expected duplicates is the expected number of (citizen, domain)
    pairs served, sum of p_c + p_u - p_c p_u: compare with what one month's draws served."""
    units = np.array([[150.0] * 4, [120.0] * 4, [200.0] * 4])
    ch = channels(units, np.full((3, 4), 0.5), [0.2, 0.6, 0.9], [True, False, False])
    served, expected = [], []
    for seed in range(1, 6):
        pop = population(600, seed=seed)
        before = pop.welfare.copy()
        done = month(pop, ch, seed=seed)
        served.append(int((pop.welfare > before).sum()))
        expected.append(done.hits - done.duplicates)
        assert done.duplicates > 0.0
    # Five months of 2400 pairs each: the sampling sd of the total is below 50.
    assert sum(served) == pytest.approx(sum(expected), abs=150)


def test_hits_are_the_units_when_nobody_is_saturated():
    units = np.full((2, 4), 10.0)
    for shared in (True, False):
        pop = population(400)
        done = month(pop, channels(units, np.ones((2, 4)), [0.4, 0.4], [shared] * 2))
        assert done.hits == pytest.approx(80.0, rel=1e-4)


def test_targeting_serves_the_needy_and_quality_lifts_more():
    def served_need(targeting: float, quality: float = 0.5):
        pop = population(2000, seed=6)
        need = 1.0 - pop.welfare.copy()
        done = month(pop, channels(np.full((1, 4), 300.0), [[quality] * 4], [targeting], [False]))
        return need[pop.served_any].mean(), done.welfare_gain

    untargeted, gain_low = served_need(0.0)
    for targeting in (0.7, 1.0):
        targeted, _ = served_need(targeting)
        assert targeted > untargeted + 0.03, targeting
    _, gain_high = served_need(0.0, quality=1.0)
    assert gain_high == pytest.approx(2.0 * gain_low, rel=1e-4)


def test_taking_part_adds_the_ownership_effect():
    """B5: a participating citizen gets (1 + ownership_effect) times the lift."""
    gains = {}
    for ownership in (0.0, 0.5):
        pop = population(1000)
        pop.participating[:500] = True
        before = pop.welfare.copy()
        month(
            pop,
            channels(np.full((1, 4), 400.0), [[0.4] * 4], [0.0], [False]),
            ownership_effect=ownership,
        )
        gains[ownership] = pop.welfare - before
    ratio = gains[0.5][:500].sum() / gains[0.0][:500].sum()
    assert ratio == pytest.approx(1.5, rel=1e-4)
    np.testing.assert_allclose(gains[0.5][500:], gains[0.0][500:])
    # The lift never exceeds what is missing.
    pop = population(300)
    before = pop.welfare.copy()
    month(pop, channels(np.full((1, 4), 900.0), [[1.0] * 4], [0.0], [False]), service_effect=3.0)
    assert (pop.welfare <= 1.0 + 1e-6).all()
    assert ((pop.welfare == before) | (np.abs(pop.welfare - 1.0) < 1e-6)).all()


def test_channel_quality_is_the_unit_weighted_mean():
    """Two coordinated channels of quality 0.2 and 0.8 with 1:3 units serve at 0.65."""
    pop = population(2000)
    before = pop.welfare.copy()
    units = np.array([[50.0] * 4, [150.0] * 4])
    month(pop, channels(units, [[0.2] * 4, [0.8] * 4], [0.0, 0.0], [True, True]))
    gained = pop.welfare - before
    served = gained > 0
    np.testing.assert_allclose(gained[served], (0.5 * 0.65 * (1.0 - before))[served], rtol=1e-4)
