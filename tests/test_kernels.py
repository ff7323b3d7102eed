"""The compiled bookkeeping gives bitwise what numpy gives.

Each compiled pass added to the month to replace numpy code (numpy's summation order, the
Gini's sort, members' payments and fines, the pools' inflow and reserves, the count of
partners) is compared, bit for bit, with the numpy expression of its equations on random
towns: numpy's summation order, evaluation order and special values included. A kernel that
adds in another order, or drops a term, differs in the last bits at least.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from simulation.kernels import serve_terms
from simulation.model import UNIT_COST
from simulation.partner_kernels import (
    co_membership,
    contribution_rates,
    delivered_units,
    governance_choice,
    governance_costs,
    governance_fits,
    groups_left,
    leave_reasons,
    levy_fines,
    payments,
    pool_inflow,
    pool_operations,
    promises,
    reserves,
    service_channels,
    strengthen_ties,
    trust_in_shared_pools,
    update_accountability,
)
from simulation.payoff import group_payoffs
from simulation.summation import pairwise_sum
from simulation.welfare import gini, sorted_values

SEEDS = range(8)


def spread_values(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """Positive numbers over many orders of magnitude, with zeros: rounding shows."""
    values = rng.random(shape) * 10.0 ** rng.uniform(-6, 6, shape)
    return np.where(rng.random(shape) < 0.2, 0.0, values)


def town(seed: int, pools: int = 9, orgs: int = 13) -> dict[str, np.ndarray]:
    """A random partnership table: memberships of one to all organizations, some empty."""
    rng = np.random.default_rng(seed)
    membership = (rng.random((pools, orgs)) < 0.4).astype(float)
    membership[0] = 0.0  # a pool without members
    membership[1, 3] = 1.0  # a lone member
    membership[1, np.arange(orgs) != 3] = 0.0
    return {
        "rng": rng,
        "membership": membership,
        "formal": rng.random(pools) < 0.5,
        "is_government": rng.random(orgs) < 0.3,
    }


@pytest.mark.parametrize("n", [*range(300), 511, 512, 1000, 1027, 5000, 40_000])
def test_pairwise_sum_adds_in_numpys_order(n):
    values = spread_values(np.random.default_rng(n), n)
    assert 0.0 + pairwise_sum(values, 0, n) == values.sum()


@pytest.mark.parametrize("shape", [(3, 5), (20, 50), (7, 130), (2, 300)])
def test_rows_and_whole_tables_sum_as_numpy_sums_them(shape):
    values = spread_values(np.random.default_rng(shape[1]), shape)
    rows = [0.0 + pairwise_sum(row, 0, shape[1]) for row in values]
    assert_array_equal(rows, values.sum(axis=1))
    assert 0.0 + pairwise_sum(values.ravel(), 0, values.size) == values.sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_the_radix_sort_gives_numpys_sorted_values(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=3000) * 10.0 ** rng.uniform(-310, 300, 3000)
    values[:40] = [0.0, -0.0, np.inf, -np.inf, 5e-324, -5e-324, np.nan, 1.0] * 5
    ours, theirs = sorted_values(values), np.sort(values)
    assert_array_equal(ours, theirs)  # equal, NaN to NaN
    assert_array_equal(np.signbit(ours[ours == 0]), [True] * 5 + [False] * 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_values_sort_on_their_own_bits_as_numpy_sorts_them(seed):
    """Citizens' welfare (float32) sorts on 32-bit keys and comes back widened to float64."""
    rng = np.random.default_rng(seed)
    values = (rng.normal(size=3000) * 10.0 ** rng.uniform(-40, 38, 3000)).astype(np.float32)
    values[:40] = np.array([0.0, -0.0, np.inf, -np.inf, 1e-45, -1e-45, np.nan, 1.0] * 5, "f4")
    ours, theirs = sorted_values(values), np.sort(values).astype(np.float64)
    assert ours.dtype == np.float64
    assert_array_equal(ours, theirs)
    assert_array_equal(np.signbit(ours[ours == 0]), [True] * 5 + [False] * 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_gini_of_float32_welfare_is_numpys_to_the_bit(seed):
    composite = np.random.default_rng(seed).random(2000, dtype=np.float32) ** 3
    x = np.sort(composite).astype(np.float64)
    n = x.size
    ranks = np.arange(n, 0, -1, dtype=float)
    expected = float(1.0 + 1.0 / n - 2.0 * (x * ranks).sum() / (n * x.sum()))
    assert gini(composite) == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_payments_and_fines_follow_their_equations(seed):
    """The numpy of the model's step 4: lapses and funding stress give nothing, payments
    beyond an organization's cap scale down together, formal pools fine what a member not
    under stress withheld, and fines beyond a member's budget shrink to it."""
    t = town(seed, orgs=40)  # columns long enough for the order of summation to show
    rng, m, formal = t["rng"], t["membership"], t["formal"]
    pools, orgs = m.shape
    promise = spread_values(rng, (pools, orgs)) * m
    chosen, draws = rng.random((pools, orgs)), rng.random((pools, orgs))
    stressed, cap = rng.random(orgs) < 0.2, spread_values(rng, orgs) / 50
    budgets = spread_values(rng, orgs) / 1e3
    given, paid, fines, due = payments(
        m, formal, chosen, promise, draws, 0.1, stressed, cap, 1.5, budgets
    )

    expected_given = np.where((draws < 0.1) | stressed, 0.0, chosen) * m
    wanted = expected_given * promise
    total = wanted.sum(axis=0)
    scale = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
    liable = formal[:, None] & ~stressed
    expected_fines = np.where(liable, 1.5 * ((1.0 - expected_given) * promise * scale), 0.0)
    owed = expected_fines.sum(axis=0)
    expected_fines *= np.where(owed > budgets, budgets / np.maximum(owed, 1e-300), 1.0)
    assert_array_equal(given, expected_given)
    assert_array_equal(paid, wanted * scale)
    assert_array_equal(fines, expected_fines)
    assert_array_equal(due, expected_fines.sum(axis=0))
    assert (scale < 1).any() and (scale == 1).any()  # both branches taken
    assert (owed > budgets).any()  # fines shrunk to a budget


def test_fines_within_every_budget_are_left_whole():
    membership = np.ones((2, 3))
    formal = np.array([True, False])
    given, paid, fines, due = payments(
        membership,
        formal,
        np.full((2, 3), 0.5),
        np.ones((2, 3)),
        np.full((2, 3), 0.1),  # draws at the lapse rate: no lapse (below it would be)
        0.1,
        np.array([False, True, False]),  # the second member is under stress
        np.full(3, 10.0),
        2.0,
        np.full(3, 10.0),
    )
    assert_array_equal(given, np.full((2, 3), 0.5) * [1, 0, 1])
    assert_array_equal(paid, given)
    assert_array_equal(fines, [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    assert_array_equal(due, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_fines_go_to_the_pools_warn_the_fined_and_come_out_of_budgets(seed):
    """levy_fines, in place, against its numpy statement: carry += fines.sum(axis=1),
    warned |= fines > 0, budgets of those who owe = max(budget - due, 0); it returns
    due.sum(). Some owe more than they hold, some nothing (one of them in debt)."""
    t = town(seed)
    rng, m = t["rng"], t["membership"]
    fines = spread_values(rng, m.shape) * m * (rng.random(m.shape[0]) < 0.6)[:, None]
    fines[:, 0] = 0.0  # the first organization owes nothing...
    due = fines.sum(axis=0)
    carry = spread_values(rng, m.shape[0])
    warned = rng.random(m.shape) < 0.2
    budgets = spread_values(rng, m.shape[1])
    budgets[0] = -5.0  # ... and is in debt: its budget is left as it is
    expected_carry = carry + fines.sum(axis=1)
    expected_warned = warned | (fines > 0)
    expected_budgets = budgets.copy()
    owes = due != 0
    expected_budgets[owes] = np.maximum(budgets[owes] - due[owes], 0.0)
    assert levy_fines(fines, due, carry, warned, budgets) == due.sum()
    assert_array_equal(carry, expected_carry)
    assert_array_equal(warned, expected_warned)
    assert_array_equal(budgets, expected_budgets)
    assert (budgets == 0.0).any() and (budgets > 0.0).any() and (budgets < 0.0).any()


@pytest.mark.parametrize("seed", SEEDS)
def test_pool_inflow_leaks_government_money_and_takes_the_carry(seed):
    t = town(seed)
    rng, m, gov = t["rng"], t["membership"], t["is_government"]
    paid = spread_values(rng, m.shape) * m
    carry = spread_values(rng, m.shape[0])
    carried = carry.copy()
    inflow, from_government, leaked, paid_in = pool_inflow(paid, gov, 0.3, carry)
    lost = paid * np.where(gov, 0.3, 0.0)
    assert_array_equal(inflow, (paid - lost).sum(axis=1) + carried)
    assert from_government == paid[:, gov].sum()
    assert leaked == lost.sum()
    assert paid_in == carried.sum()
    assert not carry.any()


@pytest.mark.parametrize("seed", SEEDS)
def test_reserves_save_in_good_months_and_draw_in_lean_ones(seed):
    rng = np.random.default_rng(seed)
    inflow, usual = spread_values(rng, 40), spread_values(rng, 40)
    reserve = spread_values(rng, 40)
    usual_now, reserve_now = usual.copy(), reserve.copy()
    spent, moved = reserves(inflow, usual_now, reserve_now, 0.1, 0.8)
    base = np.where(usual > 0, usual, inflow)
    saved = np.where(inflow >= base, 0.1 * inflow, 0.0)
    drawn = np.where(inflow < base, np.minimum(reserve, base - inflow), 0.0)
    assert saved.any() and drawn.any()
    assert_array_equal(spent, inflow - saved + drawn)
    assert_array_equal(reserve_now, reserve + saved - drawn)
    assert_array_equal(usual_now, 0.8 * base + (1 - 0.8) * inflow)
    assert moved == drawn.sum() - saved.sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_partners_and_linked_members_are_counted_by_pools(seed):
    t = town(seed, pools=12, orgs=15)
    m, linked = t["membership"], t["rng"].random(12) < 0.4
    together, linked_members = co_membership(m, linked)
    shared = m.T @ m > 0
    np.fill_diagonal(shared, False)
    assert_array_equal(together, shared)
    assert linked_members == np.count_nonzero(m[linked].any(axis=0))


def numpy_delivery(  # noqa: PLR0917 (the kernels' arguments, in their order)
    m, paid, pool, net, priorities, expertise, division, solo, last, memory, usual, exponent
):
    """Step 6's delivery arithmetic as numpy code: focus, runners, operations and units."""
    weights = np.where(paid.sum(axis=1)[:, None] > 0, paid, m)
    focus = (weights[:, :, None] * priorities[None, :, :]).sum(axis=1)  # organization order
    total = focus.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, weights, m)
    focus = (weights[:, :, None] * priorities[None, :, :]).sum(axis=1)
    focus /= focus.sum(axis=1, keepdims=True)
    pool_domain = (pool * net)[:, None] * focus
    n_orgs, n_domains = priorities.shape
    if division:
        best = np.array(
            [[max(np.flatnonzero(row), key=lambda o: expertise[o, d]) for d in range(n_domains)]
             for row in m]
        ).reshape(-1, n_domains)  # fmt: skip
        cells = (best * n_domains + np.arange(n_domains)).ravel()
        run_money = np.bincount(cells, pool_domain.ravel(), n_orgs * n_domains)
        run_money = run_money.reshape(n_orgs, n_domains)
        read = lambda figure: figure[best, np.arange(n_domains)[None, :]]  # noqa: E731
    else:
        share = weights / weights.sum(axis=1, keepdims=True)
        shares = np.repeat(share[:, :, None], n_domains, axis=2)
        run_money = np.einsum("kod,kd->od", shares, pool_domain)
        read = lambda figure: np.einsum("kod,od->kd", shares, figure)  # noqa: E731
    solo_domain = solo[:, None] * priorities
    operations = solo_domain + run_money
    size = memory * (operations if last is None else last) + (1.0 - memory) * operations
    factor = (np.maximum(size, 0.0) / usual) ** exponent
    return (
        size,
        solo_domain * factor / UNIT_COST,
        pool_domain * read(factor) / UNIT_COST,
        read(expertise),
        focus,
    )


@pytest.mark.parametrize("division", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_delivery_passes_give_numpys_focus_runners_and_units(seed, division):
    """pool_operations and delivered_units, around numpy's power, against the numpy of
    step 6: pools paid for by their members or (nothing paid, or a mix that underflows)
    by membership, runners by expertise (ties to the first) or by shares, last month's
    operations or none, and a pool whose governance costs more than its money."""
    t = town(seed, orgs=40)
    rng, m = t["rng"], t["membership"]
    m[0, :3] = 1.0  # members who pay nothing
    pools, orgs = m.shape
    paid = spread_values(rng, m.shape) * m
    paid[0] = 0.0
    paid[2] = m[2] * 5e-324  # underflows when mixed with priorities below one half
    priorities, expertise = rng.random((orgs, 4)), rng.random((orgs, 4))
    priorities[m[2] > 0] *= 0.49
    expertise[1:3] = 1.0  # two members of pool 0 tie as its most expert
    pool, net, solo = spread_values(rng, pools), rng.random(pools), spread_values(rng, orgs)
    net[1] = -1.0  # governance_cost and nao_cost may add up to more than a pool's money
    for last in (None, spread_values(rng, (orgs, 4))):
        expected = numpy_delivery(
            m, paid, pool, net, priorities, expertise, division, solo, last, 0.7, 3.0, 0.11
        )
        size, ratio, solo_domain, pool_domain, focus, best, share = pool_operations(
            m, paid, pool, net, priorities, expertise, division, solo,
            np.empty((0, 4)) if last is None else last, 0.7, 3.0,
        )  # fmt: skip
        factor = ratio**0.11
        solo_units, pool_units, _, quality = delivered_units(
            solo_domain, pool_domain, factor, expertise, division, best, share, UNIT_COST
        )
        for ours, theirs in zip(
            (size, solo_units, pool_units, quality, focus), expected, strict=True
        ):
            assert_array_equal(ours, theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_governance_fits_and_choice_follow_their_equations(seed):
    """governance_fits and governance_choice against the numpy of their equations: fits
    as products in order, the requested mode or (adaptive) the best fit (the first of a
    tie), effectiveness =
    fit x members' mean leadership (shared), best leader (lead) or the administrator's."""
    t = town(seed, orgs=40)
    rng, m = t["rng"], t["membership"]
    pools = m.shape[0]
    size = m.sum(axis=1) + (rng.random(pools) < 0.3)
    trust, consensus = rng.random(pools), rng.random(pools)
    trust[0] = 0.0  # every mode fits 0: a tie, to the first mode
    needs = np.vstack([rng.random(3), rng.random(3) + 0.1, [2.0, 5.0, np.inf], rng.random(3)])
    fits = governance_fits(size, trust, consensus, needs)
    best, needed, tolerated, weight = needs
    with np.errstate(divide="ignore"):  # a pool without members tolerates any mode
        expected = (
            best
            * np.minimum(1.0, trust[:, None] / needed)
            * np.minimum(1.0, tolerated / size[:, None])
            * ((1.0 - weight) + weight * consensus[:, None])
        )
    assert_array_equal(fits, expected)
    requested = rng.integers(0, 4, pools)  # 3 = adaptive
    requested[0] = 3
    leadership = rng.random(m.shape[1])
    mode, effectiveness = governance_choice(fits, requested, m, leadership, 3, 0, 1, 0.7)
    chosen = np.where(requested == 3, fits.argmax(axis=1), requested)
    leaders = m * leadership[None, :]
    lead = np.where(
        chosen == 0,
        leaders.sum(axis=1) / np.maximum(m.sum(axis=1), 1.0),
        np.where(chosen == 1, leaders.max(axis=1, initial=0.0), 0.7),
    )
    assert_array_equal(mode, chosen)
    assert_array_equal(effectiveness, fits[np.arange(pools), chosen] * lead)
    assert set(chosen) == {0, 1, 2}


@pytest.mark.parametrize("seed", SEEDS)
def test_group_payoffs_follow_the_public_goods_game(seed):
    t = town(seed, orgs=40)
    rng, m = t["rng"], t["membership"]
    endowments = spread_values(rng, m.shape) * m
    contributions = endowments * rng.random(m.shape)
    r = rng.random(m.shape[0]) * 3
    member = endowments > 0
    size = np.maximum(member.sum(axis=1, keepdims=True), 1)
    expected = np.where(
        member,
        endowments - contributions + r[:, None] * contributions.sum(axis=1, keepdims=True) / size,
        0.0,
    )
    assert_array_equal(group_payoffs(endowments, contributions, r), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("pools", [0, 1, 2, 3, 9, 40])
def test_trust_in_shared_pools_is_numpys_mean_and_correlation(seed, pools):
    """trust_in_shared_pools against the numpy statement in _partnership_metrics, bit for
    bit: pools of one member left out, 0 below one (mean) or three (correlation) pools."""
    rng = np.random.default_rng(seed)
    membership = (rng.random((pools, 13)) < 0.2).astype(float)
    mean_trust = rng.random(pools)
    age = rng.integers(0, 200, pools)
    if seed == 0:
        age[:] = 7  # no spread in age: no correlation
    shared = membership.sum(axis=1) > 1
    trust, ages = mean_trust[shared], age[shared]
    expected_mean = trust.sum() / trust.size if trust.size else 0.0
    expected_correlation = 0.0
    if trust.size >= 3:
        ages = ages - ages.sum() / ages.size
        trust = trust - expected_mean
        spread = math.sqrt((ages * ages).sum() * (trust * trust).sum())
        expected_correlation = (ages * trust).sum() / spread if spread > 0.0 else 0.0
    assert trust_in_shared_pools(membership, mean_trust, age) == (
        expected_mean,
        expected_correlation,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_contribution_rates_are_numpys_means_of_the_promised_shares(seed):
    t = town(seed, pools=30)
    rng, m = t["rng"], t["membership"]
    promise = spread_values(rng, m.shape) * m
    given = rng.random(m.shape) * m
    cohort = rng.random(m.shape[1]) < 0.5
    promised = promise > 0
    held = promised & cohort[None, :]
    rate, cohort_rate = contribution_rates(promise, given, cohort)
    assert rate == given[promised].sum() / given[promised].size
    assert cohort_rate == given[held].sum() / given[held].size
    nobody = np.zeros(m.shape[1], dtype=bool)
    assert contribution_rates(promise, given, nobody)[1] == 0.0
    assert contribution_rates(np.zeros_like(promise), given, cohort) == (0.0, 0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_ties_fade_break_and_grow_as_numpy_states_it(seed):
    """strengthen_ties against its numpy statement, bit for bit: some ties fall below the
    threshold, some partners' ties start from nothing."""
    rng = np.random.default_rng(seed)
    ties = rng.random((13, 13)) * (rng.random((13, 13)) < 0.7)
    together = rng.random((13, 13)) < 0.3
    ties[0, 1], together[0, 1] = 0.5, False  # fades to the threshold exactly: it stays
    expected = ties * 0.5
    expected *= expected >= 0.25
    expected += (1.0 - expected) * 0.15 * together
    strengthen_ties(ties, together, 0.5, 0.25, 0.15)
    assert_array_equal(ties, expected)
    assert ties[0, 1] == 0.25
    assert ((ties == 0.0) & ~together).any() and (ties > 0.0).any()


@pytest.mark.parametrize("seed", SEEDS)
def test_governance_costs_are_numpys_overhead_and_conflict(seed):
    """governance_costs against the numpy statement it replaced, bit for bit, and the
    table's columns written: formal pools pay the overhead, more under an NAO (code 2)."""
    rng = np.random.default_rng(seed)
    pools = 30
    mode = rng.integers(0, 3, pools)
    effectiveness, consensus = rng.random(pools), rng.random(pools)
    formal = rng.random(pools) < 0.5
    columns = np.zeros(pools, np.int64), np.zeros(pools), np.zeros(pools), np.zeros(pools)
    overhead, conflict = governance_costs(
        mode, effectiveness, consensus, formal, 2, 0.07, 0.05, *columns
    )
    assert_array_equal(overhead, np.where(formal, 0.07 + np.where(mode == 2, 0.05, 0.0), 0.0))
    assert_array_equal(conflict, (1.0 - consensus) * (1.0 - effectiveness))
    for column, expected in zip(columns, (mode, effectiveness, consensus, conflict), strict=True):
        assert_array_equal(column, expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_accountability_rises_in_k2_pools_and_drifts_back_elsewhere(seed):
    """update_accountability against the numpy statement it replaced, bit for bit: only
    government agencies move; those in a pool of kind K2 (code 1 here) gain."""
    t = town(seed, pools=12)
    rng, m, gov = t["rng"], t["membership"], t["is_government"]
    gov[:2] = True  # at least two agencies
    kind = rng.integers(0, 3, m.shape[0])
    accountability = rng.random(m.shape[1])
    in_k2 = m[kind == 1].any(axis=0)[gov]
    acc = accountability[gov]
    expected = accountability.copy()
    expected[gov] = np.where(in_k2, acc + 0.1 * (1.0 - acc), acc - 0.05 * (acc - 0.4))
    update_accountability(accountability, gov, m, kind, 1, 0.1, 0.05, 0.4)
    assert_array_equal(accountability, expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_service_channels_are_numpys_layout_of_the_channels(seed):
    """service_channels against the numpy statement it replaced, bit for bit: organizations
    alone, pools' listed cases, their other cases; a pool's targeting its best member's, plus
    the participation push when linked, at most 1; a pool without members targets by the
    push alone."""
    t = town(seed)
    rng, m, formal = t["rng"], t["membership"], t["formal"]
    pools, orgs = m.shape
    solo, pooled = spread_values(rng, (orgs, 4)), spread_values(rng, (pools, 4))
    expertise, pool_quality = rng.random((orgs, 4)), rng.random((pools, 4))
    targeting = rng.random(orgs) * (rng.random(orgs) < 0.8)
    linked = rng.random(pools) < 0.5
    linked[0] = True  # a pool without members, linked
    m[2, 5], targeting[5], linked[2] = 1.0, 0.95, True  # a pool whose targeting passes 1
    push, strength = 0.3 + 0.3 * rng.random(), rng.random()
    pool_tau = np.minimum(1.0, (m * targeting).max(axis=1, initial=0.0) + push * linked)
    share = np.where(formal, 1.0, strength)[:, None]
    for coordination in (True, False):
        units, quality, taus, coordinated = service_channels(
            solo,
            pooled,
            expertise,
            pool_quality,
            targeting,
            m,
            linked,
            formal,
            push,
            strength,
            coordination,
        )
        assert_array_equal(units, np.concatenate([solo, share * pooled, (1.0 - share) * pooled]))
        assert_array_equal(quality, np.concatenate([expertise, pool_quality, pool_quality]))
        assert_array_equal(taus, np.concatenate([targeting, pool_tau, pool_tau]))
        listed = np.zeros(orgs + 2 * pools, bool)
        listed[orgs : orgs + pools] = coordination
        assert_array_equal(coordinated, listed)
    assert taus[orgs] == push and taus[orgs + 2] == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_serve_terms_are_numpys_and_tell_when_the_registry_may_saturate(seed):
    """serve_terms against the numpy statement it replaced in services.deliver, bit for bit:
    each group's c0, k1 = c1 / mean need and a scale of 1, and whether the coordinated
    group's bound passes the limit in any domain (only the coordinated group's counts)."""
    rng = np.random.default_rng(seed)
    sums = spread_values(rng, (2, 4, 4))
    c0, c1 = sums[:, 2], sums[:, 3]  # strided, as channel_offers returns them
    mean_need, aware_need_peak = rng.random(4) + 0.01, rng.random(4)
    aware_peak = float(rng.random())
    k1 = c1 / mean_need
    bound = c0[0] * aware_peak + k1[0] * aware_need_peak
    ones = np.ones(4)
    for limit in (float(bound.max()), float(np.nextafter(bound.max(), 0.0)), 1e300):
        terms, saturable = serve_terms(c0, c1, mean_need, aware_peak, aware_need_peak, limit)
        assert_array_equal(terms, np.array([[c0[0], k1[0], ones], [c0[1], k1[1], ones]]))
        assert saturable == bool((bound > limit).any())
    c0[1] += 1e6  # the other group's bound passes any limit: it does not count
    limit = float(bound.max())
    assert not serve_terms(c0, c1, mean_need, aware_peak, aware_need_peak, limit)[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_leave_reasons_are_numpys_codes(seed):
    """leave_reasons against the numpy statement it replaced in Organization.reasons_to_leave,
    bit for bit: only members of pools of two or more are asked; distrust before poor value,
    which counts only where the member is free to go; the thresholds themselves are enough."""
    t = town(seed)
    rng, m = t["rng"], t["membership"]
    trust, values = rng.random(m.shape), rng.random(m.shape) * 2.0
    trust[2, :3], values[3, :3] = 0.4, 1.0  # exactly at the thresholds
    free = rng.random(m.shape[0]) < 0.5
    asked = (m > 0) & (m.sum(axis=1) > 1)[:, None]
    distrust = trust < 0.4
    poor = (values < 1.0) & free[:, None] & ~distrust
    expected = (distrust.view(np.int8) + 2 * poor.view(np.int8)) * asked
    reasons = leave_reasons(m, trust, values, free, 0.4, 1.0)
    assert reasons.dtype == np.int8
    assert_array_equal(reasons, expected)
    assert (reasons == 1).any() and (reasons == 2).any() and not reasons[1].any()


@pytest.mark.parametrize("seed", SEEDS)
def test_promises_are_numpys_promises_returns_and_deterrence(seed):
    """promises against the numpy statement it replaced in the model's step 4, bit for bit:
    formal members promise a share of announced income, informal ones of spending scaled by
    trust; a pool's return per member; a warned formal member expects a sanction when the
    sanction outweighs what the pool pays back (a tie included)."""
    t = town(seed)
    rng, m, formal = t["rng"], t["membership"], t["formal"]
    pools, orgs = m.shape
    announced, spend = spread_values(rng, orgs), spread_values(rng, orgs)
    trust, warned = rng.random((pools, orgs)), rng.random((pools, orgs)) < 0.6
    pool_return, members = rng.random(pools) * 3.0, m.sum(axis=1)
    formal[2], pool_return[2], members[2] = True, 1.5, 3.0  # 1 - mpcr = 0.5: a tie
    warned[2] = True
    promise, mpcr, deterred = promises(
        m, formal, announced, spend, trust, pool_return, members, 0.1, 0.3, 0.5, warned
    )
    expected = m * np.where(formal[:, None], 0.1 * announced, 0.3 * spend * trust)
    assert_array_equal(promise, expected)
    assert_array_equal(mpcr, pool_return[:, None] / np.maximum(members, 1.0)[:, None])
    assert_array_equal(deterred, formal[:, None] & (1.0 - mpcr <= 0.5) & warned)
    assert deterred[2].all() and mpcr.shape == (pools, 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_groups_left_are_numpys_groups_and_their_starts(seed):
    """groups_left against cumsum and searchsorted, the numpy it stands for: each group a
    volunteer left, once, with where its flags start; groups of none are skipped."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 6, 40) * (rng.random(40) < 0.4)
    sizes[[3, 4]] = 2  # two groups side by side
    stay = rng.random(int(sizes.sum())) >= 0.2
    ends = np.cumsum(sizes)
    stay[ends[3] - 1], stay[ends[4] - 2] = False, False  # the last of one, the first of the next
    rows = np.unique(np.searchsorted(ends, np.flatnonzero(~stay), side="right"))
    groups = groups_left(sizes, stay)
    assert_array_equal(groups, np.stack([rows, ends[rows] - sizes[rows]], axis=1).reshape(-1, 2))
    assert {3, 4} <= set(groups[:, 0].tolist())
    assert groups_left(sizes, np.ones(stay.size, bool)).shape == (0, 2)
