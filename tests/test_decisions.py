"""Organizations' decisions and partnerships' bookkeeping, one rule at a time (agents.py,
partnership.py).

The direction tests in test_mechanisms.py judge these rules through whole towns over years;
these tests call each rule on a small real town (ten organizations, a few dozen citizens, a
fixed seed) with the inputs set by hand, and check what the docstrings and docs/ODD.md
promise: who is attractive and why, who is approached, what each contribution type gives,
which governance mode fits which network (Provan & Kenis 2008), who leaves and why. Every
expected number is derived by hand from the rule's stated form. They run in seconds, so
mutation testing can afford them.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import PartnershipModel, Sector
from simulation.agents import (
    CULTURE,
    EXPERTISE,
    LEAVE_REASONS,
    MAX_RESERVE_MONTHS,
    PRIORITIES,
    TARGETING,
    WORTH_IT,
    Organization,
)
from simulation.cooperation import Cooperation
from simulation.params import Governance, ModelParams, profile
from simulation.partner_kernels import delivered_units, partner_choice, pool_operations
from simulation.partnership import (
    GOVERNANCE_CODES,
    GOVERNANCE_MODES,
    KIND_CODES,
    Partnership,
    PartnershipTable,
    governance_fit,
    kind_of,
)
from simulation.sampling import distribution, pick

# Ten organizations, two per sector, in the fixed creation order: NGO 0-1, business 2-3,
# government 4-5, education 6-7, community 8-9.
SECTORS = {"n_ngo": 2, "n_business": 2, "n_government": 2, "n_education": 2, "n_community": 2}
NGO, BUSINESS, GOVERNMENT, EDUCATION, COMMUNITY = 0, 2, 4, 6, 8
SHARED, LEAD, NAO, ADAPTIVE = (GOVERNANCE_CODES[g] for g in Governance)


def town(seed: int = 1, **params) -> PartnershipModel:
    """A small town at month 0 (no partnership yet)."""
    return PartnershipModel(rng=seed, **{"n_citizens": 60, **SECTORS, **params})


def welcoming(model: PartnershipModel) -> PartnershipModel:
    """Everybody trusts everybody fully and shares every goal: nothing blocks a partnership."""
    model.trust_state.matrix[:] = 1.0
    model.alignment[:] = 1.0
    return model


def partners_of(model: PartnershipModel, org: Organization) -> set[int]:
    return {m.index for ps in org.memberships for m in ps.members if m is not org}


# --------------------------------------------------------------------- set-up of an organization
def test_organizations_start_with_their_sector_profile():
    """Without spreads an organization is its sector's row of the stylised tables."""
    model = town(
        goal_divergence=0.0,
        expertise_spread=0.0,
        culture_spread=0.0,
        leadership_spread=0.0,
        accountability=0.4,
    )
    for org in model.organizations:
        s = org.sector
        assert org.name == f"{s.value}-{org.index}"
        priorities = np.asarray(PRIORITIES[s]) / sum(PRIORITIES[s])
        np.testing.assert_allclose(org.priorities, priorities, rtol=1e-12)
        np.testing.assert_allclose(org.expertise, EXPERTISE[s], rtol=1e-12)
        np.testing.assert_allclose(org.culture, CULTURE[s], rtol=1e-12)
        assert org.leadership == pytest.approx(0.6)
        # Accountability 0.4 raises the sector's targeting by half of it: x (0.5 + 0.2).
        assert org.sector_targeting == pytest.approx(TARGETING[s] * 0.7)
        assert org.memberships == []
        assert 0.0 <= org.own_share < 1.0
        assert isinstance(org.cooperation, Cooperation)
    assert [o.sector for o in model.organizations[::2]] == list(Sector)
    assert model.leadership.tolist() == [o.leadership for o in model.organizations]


def test_spreads_make_organizations_of_a_sector_differ_within_bounds():
    model = town(
        **dict.fromkeys(SECTORS, 6),
        goal_divergence=0.8,
        expertise_spread=0.5,
        culture_spread=0.3,
        leadership_spread=0.5,
        profile_contrast=2.0,
    )
    orgs = model.organizations
    for org in orgs:
        assert org.priorities.sum() == pytest.approx(1.0)
        assert (org.priorities >= 0).all()
        assert ((org.expertise >= 0.02) & (org.expertise <= 0.98)).all()
        assert 0.0 <= org.leadership <= 1.0
    for a, b in zip(orgs[::6], orgs[1::6], strict=True):
        assert not np.allclose(a.priorities, b.priorities)
        assert not np.allclose(a.expertise, b.expertise)
        assert not np.allclose(a.culture, b.culture)
    # A spread this wide pushes some expertise and some leadership onto their bounds.
    expertise = np.array([o.expertise for o in orgs])
    assert expertise.max() == 0.98 and expertise.min() == 0.02
    leadership = [o.leadership for o in orgs]
    assert 0.0 in leadership or 1.0 in leadership
    assert len(set(leadership)) >= 6
    # The expertise draw is the contrast-scaled profile times U(1 - spread, 1 + spread).
    centred = np.array([profile(EXPERTISE, o.sector, 2.0) for o in orgs])
    inside = (centred > 0) & (expertise > 0.02) & (expertise < 0.98)
    ratio = expertise[inside] / centred[inside]
    assert ratio.min() >= 0.5 and ratio.max() <= 1.5
    assert ratio.min() < 0.6 and ratio.max() > 1.4
    assert (expertise[centred == 0] == 0.02).all()
    # One draw per domain: an organization's domains are not all scaled alike.
    whole = inside.all(axis=1)
    assert whole.any()
    assert (np.ptp(expertise[whole] / centred[whole], axis=1) > 0.05).all()
    # Likewise one draw per axis of the culture plane.
    moved = np.array([o.culture - CULTURE[o.sector] for o in orgs])
    assert np.abs(moved[:, 0] - moved[:, 1]).min() > 1e-6


def test_goal_divergence_weighs_own_priorities_against_the_sector():
    """Half divergence puts the priorities halfway between the sector's and the own draw:
    twice as far from the sector profile as a quarter does, with the same seed."""

    def gap(divergence: float) -> np.ndarray:
        model = town(seed=3, goal_divergence=divergence)
        sector = np.array(
            [
                np.asarray(PRIORITIES[o.sector]) / sum(PRIORITIES[o.sector])
                for o in model.organizations
            ]
        )
        return model.priorities - sector

    np.testing.assert_allclose(gap(0.5), 2.0 * gap(0.25), atol=1e-12)


def test_own_priorities_are_a_sparse_dirichlet_draw():
    """With full divergence priorities are Dirichlet(0.4, ..., 0.4): each share has mean 1/4
    and variance (1/4)(3/4)/(1.6 + 1) = 0.072 (most of an organization's weight on one or
    two domains)."""
    shares = np.concatenate(
        [
            town(seed=seed, **dict.fromkeys(SECTORS, 6), goal_divergence=1.0).priorities
            for seed in (1, 2, 3, 4)
        ]
    ).ravel()
    assert shares.mean() == pytest.approx(0.25)
    assert shares.var() == pytest.approx(0.25 * 0.75 / 2.6, abs=0.012)


def test_opening_reserves_are_the_steady_state_capped_at_a_year():
    """B = I (1 - s) / s: a quarter spent a month means three months of income in reserve;
    a spend rate that low would mean more than a year, and the cap holds it there."""
    for spend_rate, months in ((0.25, 3.0), (0.5, 1.0), (0.05, MAX_RESERVE_MONTHS)):
        model = town(spend_rate=spend_rate)
        for org in model.organizations:
            assert org.opening_budget == pytest.approx(months * org.base_income)
        np.testing.assert_allclose(model.budget, months * model.base_income)
    assert all(o.base_income > 0 for o in town().organizations)


def test_organization_entries_read_and_write_the_models_arrays():
    model = town()
    org = model.organizations[3]
    assert Organization.budget.array == "budget"  # the descriptor itself, from the class
    org.budget = 7.0
    org.income = 3.0
    org.spending = 2.0
    org.accountability = 0.25
    assert model.budget[3] == 7.0 and model.income[3] == 3.0
    assert model.org_spending[3] == 2.0 and model.accountability[3] == 0.25
    assert model.budget[2] != 7.0
    model.budget[3] = 5.0
    assert org.budget == 5.0


def test_targeting_is_accountability_for_government_and_the_sector_rule_otherwise():
    model = town(accountability=0.5)
    model.accountability[:] = 0.9
    for org in model.organizations:
        if org.sector is Sector.GOVERNMENT:
            assert org.targeting == 0.9
        else:
            assert org.targeting == pytest.approx(TARGETING[org.sector] * 0.75)
    np.testing.assert_allclose(model.targeting, [o.targeting for o in model.organizations])


# --------------------------------------------------------------------- partner attractiveness
def test_lasting_appeal_is_added_expertise_plus_weighted_money():
    """appeal[i, j] = mean over domains of what j knows beyond i + money_weight x
    I_j / (I_i + I_j); worked by hand for two organizations."""
    model = town(money_weight=0.5)
    model.expertise = np.array([[0.2, 0.2, 0.2, 0.2], [0.6, 0.2, 0.2, 0.0]])
    model.base_income = np.array([1.0, 3.0])
    appeal = Organization.lasting_appeal(model)
    # j=1 adds 0.4 in health to i=0 (and nothing elsewhere): 0.1; money 3/4 x 0.5.
    # j=0 adds 0.2 in livelihood to i=1: 0.05; money 1/4 x 0.5. Oneself adds nothing.
    np.testing.assert_allclose(appeal, [[0.25, 0.1 + 0.375], [0.05 + 0.125, 0.25]], rtol=1e-12)


def test_the_model_ranks_partners_by_the_lasting_appeal_it_computed_at_set_up():
    model = town(money_weight=0.7)
    np.testing.assert_allclose(model.lasting_appeal, Organization.lasting_appeal(model))
    poorer = Organization.lasting_appeal(town(money_weight=0.0))
    assert (model.lasting_appeal > poorer).all()


def test_partner_scores_add_trust_goals_ties_and_subtract_culture_gap():
    """Each term moves a candidate's score one for one, in its stated direction, and only
    that candidate's."""
    model = town()
    org = model.organizations[NGO]
    base = org.partner_scores()
    i, j = org.index, COMMUNITY
    expected = (
        model.lasting_appeal[i]
        + model.trust[i]
        + model.alignment[i]
        - model.culture_gap[i]
        + model.ties[i]
    )
    np.testing.assert_allclose(base, expected)
    for array, step in (
        (model.trust_state.matrix, 0.1),
        (model.alignment, 0.2),
        (model.ties, 0.3),
        (model.lasting_appeal, 0.4),
        (model.culture_gap, -0.5),
    ):
        array[i, j] += abs(step)
        moved = org.partner_scores() - base
        assert moved[j] == pytest.approx(step)
        assert np.delete(moved, j) == pytest.approx(0.0)
        array[i, j] -= abs(step)
    # The column organization's view of the row one does not enter the row one's scores.
    model.ties[j, i] += 1.0
    model.trust_state.matrix[j, i] = 0.0
    np.testing.assert_allclose(org.partner_scores(), base)


# --------------------------------------------------------------------- partner search
def test_a_seeker_approaches_the_candidate_it_finds_most_attractive():
    """At a low choice temperature the softmax picks the best-scoring candidate."""
    picks = []
    for seed in range(1, 9):
        model = welcoming(town(seed=seed, choice_temperature=0.01, allowed_kinds=("K1",)))
        ngo = model.organizations[NGO]
        model.ties[NGO, BUSINESS + 1] = 3.0  # the second business is far the most attractive
        ngo.seek_partner()
        picks.append(partners_of(model, ngo))
    assert picks == [{BUSINESS + 1}] * 8


def test_a_hot_choice_spreads_over_candidates():
    """At a high temperature the same favourite is only one candidate among several."""
    picks = set()
    for seed in range(1, 13):
        model = welcoming(town(seed=seed, choice_temperature=5.0, allowed_kinds=("K6",)))
        community = model.organizations[COMMUNITY]
        model.ties[COMMUNITY, NGO] = 0.3
        community.seek_partner()
        picks |= partners_of(model, community)
    assert len(picks) >= 3  # NGOs, education and the other community organization


def test_seek_partner_only_approaches_allowed_kinds_below_the_cap():
    model = welcoming(town(allowed_kinds=("K3",)))  # education - business only
    for org in model.organizations:
        org.seek_partner()
    for ps in model.partnerships:
        assert ps.kind == "K3"
        assert {m.sector for m in ps.members} == {Sector.EDUCATION, Sector.BUSINESS}
    assert model.partnerships
    nobody = welcoming(town(allowed_kinds=("K3",)))
    nobody.organizations[COMMUNITY].seek_partner()  # no kind lets community organizations in
    assert nobody.partnerships == []


def test_both_sides_must_trust_enough():
    """The smaller of the two trusts decides (C2): one-sided trust is not enough."""
    for trusts_back, formed in ((0.29, False), (0.3, True)):
        model = welcoming(town(trust_threshold=0.3, allowed_kinds=("K1",)))
        model.trust_state.matrix[BUSINESS:GOVERNMENT, NGO] = trusts_back
        model.organizations[NGO].seek_partner()
        assert bool(model.partnerships) is formed
        model = welcoming(town(trust_threshold=0.3, allowed_kinds=("K1",)))
        model.trust_state.matrix[NGO, BUSINESS:GOVERNMENT] = trusts_back
        model.organizations[NGO].seek_partner()
        assert bool(model.partnerships) is formed


def test_goals_too_far_apart_turn_a_candidate_down():
    """C1: an approach is accepted with chance = alignment of the two organizations' goals."""
    accepted = []
    for alignment in (0.0, 0.5, 1.0):
        count = 0
        for seed in range(1, 41):
            model = welcoming(town(seed=seed, allowed_kinds=("K1",)))
            model.alignment[:] = alignment
            model.organizations[NGO].seek_partner()
            count += bool(model.partnerships)
        accepted.append(count)
    assert accepted[0] == 0 and accepted[2] == 40
    assert 10 <= accepted[1] <= 30


def test_look_for_partners_seeks_at_the_partnering_rate():
    """With chance `partnering_rate` an organization below its cap seeks a partner."""
    formed = []
    for rate in (0.0, 1.0):
        model = welcoming(town(partnering_rate=rate, allowed_kinds=("K1",)))
        model.organizations[NGO].look_for_partners()
        formed.append(len(model.partnerships))
    assert formed == [0, 1]
    count = 0
    for seed in range(1, 41):
        model = welcoming(town(seed=seed, partnering_rate=0.5, allowed_kinds=("K1",)))
        model.organizations[NGO].look_for_partners()
        count += len(model.partnerships)
    assert 10 <= count <= 30


def test_an_organization_at_its_membership_cap_does_not_look():
    model = welcoming(town(partnering_rate=1.0, max_memberships=1, allowed_kinds=("K1",)))
    ngo = model.organizations[NGO]
    ngo.look_for_partners()
    assert len(ngo.memberships) == 1
    state = model.rng.bit_generator.state
    ngo.look_for_partners()  # at the cap: no search and no draw
    assert len(ngo.memberships) == 1 and len(model.partnerships) == 1
    assert model.rng.bit_generator.state == state


def test_hosts_start_volunteer_groups_at_the_hosting_rate():
    """K7: an NGO, community organization or school that looks for partners starts a
    volunteer group with chance `volunteer_hosting`; a business never does, and nobody
    does when K7 is not an allowed kind."""

    def kinds(index: int, **params) -> list[str]:
        model = welcoming(town(n_citizens=200, partnering_rate=1.0, participation=1.0, **params))
        model.organizations[index].look_for_partners()
        return [ps.kind for ps in model.partnerships]

    for host in (NGO, COMMUNITY, EDUCATION):
        assert kinds(host, volunteer_hosting=1.0) == ["K7"]
        assert kinds(host, volunteer_hosting=0.0)[0] != "K7"
        assert kinds(host, volunteer_hosting=1.0, allowed_kinds=("K1", "K5", "K6", "K3"))[0] != (
            "K7"
        )
    assert kinds(BUSINESS, volunteer_hosting=1.0)[0] != "K7"
    assert kinds(GOVERNMENT, volunteer_hosting=1.0)[0] != "K7"


# --------------------------------------------------------------------- contributions
def test_each_contribution_type_gives_its_share():
    """Fischbacher, Gaechter & Fehr (2001) types: conditional cooperators give slope x
    belief, hump-shaped slope x min(b, 1 - b), unconditional their own share, free riders
    nothing; a deterrent sanction or a privately paying pool makes everyone give in full."""
    model = town(cooperation_slope=0.8)
    model.cooperation_types = np.array([int(c) for c in Cooperation])
    model.own_share = np.array([0.9, 0.9, 0.9, 0.35])
    beliefs = np.array([[0.7, 0.7, 0.7, 0.7], [0.2, 0.2, 0.2, 0.2]])
    no = np.zeros((2, 4), dtype=bool)
    low = np.full((2, 1), 0.4)
    given = Organization.decide_contributions(model, beliefs, low, no)
    np.testing.assert_allclose(given, [[0.0, 0.56, 0.24, 0.35], [0.0, 0.16, 0.16, 0.35]])
    pays = np.array([[0.4], [1.0]])
    given = Organization.decide_contributions(model, beliefs, pays, no)
    np.testing.assert_allclose(given[1], 1.0)
    np.testing.assert_allclose(given[0], [0.0, 0.56, 0.24, 0.35])
    deterred = no.copy()
    deterred[0, :2] = True
    given = Organization.decide_contributions(model, beliefs, low, deterred)
    np.testing.assert_allclose(given[0], [1.0, 1.0, 0.24, 0.35])


# --------------------------------------------------------------------- governance (C6)
def fits_of(size: float, trust: float, consensus: float, **params) -> np.ndarray:
    p = ModelParams(**params)
    return governance_fit(np.array([size]), np.array([trust]), np.array([consensus]), p)[0]


def test_governance_fit_worked_examples():
    """Default contingencies, by hand: shared 0.6 trust / 3 members, lead 0.8 x (0.4 trust,
    6 members, consensus weight 0.5), NAO 0.75 x (0.3 trust, consensus weight 0.3)."""
    # Two trusting members who agree: shared fits fully; the others at their best fit.
    np.testing.assert_allclose(fits_of(2, 0.9, 1.0), [1.0, 0.8, 0.75])
    # Five members, trust 0.5, consensus 0.9: shared 0.5/0.6 x 3/5 x 0.9, lead 0.8 x 0.95,
    # NAO 0.75 x (0.7 + 0.27).
    np.testing.assert_allclose(fits_of(5, 0.5, 0.9), [0.45, 0.76, 0.7275])
    # Twelve members, trust 0.15, consensus 0.5: shared 0.25 x 0.25 x 0.5, lead 0.8 x 0.375 x
    # 0.5 x 0.75, NAO 0.75 x 0.5 x 0.85.
    np.testing.assert_allclose(fits_of(12, 0.15, 0.5), [0.03125, 0.1125, 0.31875])


def test_each_mode_fits_the_network_provan_and_kenis_give_it():
    """Shared governance for few trusting members who agree; a lead organization for a
    moderate number with less consensus; an NAO for many members with moderate trust."""
    best = {
        Governance.SHARED: fits_of(3, 0.8, 0.95),
        Governance.LEAD: fits_of(5, 0.5, 0.9),
        Governance.NAO: fits_of(12, 0.35, 0.8),
    }
    for mode, fits in best.items():
        assert GOVERNANCE_MODES[int(fits.argmax())] is mode


def test_governance_fit_directions_and_bounds():
    rng = np.random.default_rng(7)
    n = 500
    size = rng.integers(1, 20, n).astype(float)
    trust = rng.random(n)
    consensus = rng.random(n)
    p = ModelParams()
    fits = governance_fit(size, trust, consensus, p)
    assert fits.shape == (n, 3)
    assert ((fits >= 0) & (fits <= 1)).all()
    bigger = governance_fit(size + 3, trust, consensus, p)
    assert (bigger[:, :2] <= fits[:, :2]).all()
    np.testing.assert_array_equal(bigger[:, 2], fits[:, 2])  # an NAO suits any size
    for more_trust, more_consensus in ((0.2, 0.0), (0.0, 0.2)):
        up = governance_fit(
            size, np.minimum(trust + more_trust, 1), np.minimum(consensus + more_consensus, 1), p
        )
        assert (up >= fits).all()
    # Consensus matters most to shared governance, then to a lead, least to an NAO.
    agree = governance_fit(size, trust, np.ones(n), p)
    disagree = governance_fit(size, trust, np.full(n, 0.5), p)
    ratio = disagree / agree
    np.testing.assert_allclose(ratio, np.tile([0.5, 0.75, 0.85], (n, 1)))


def governance(model: PartnershipModel, fits, requested, membership):
    return Organization.choose_governance(
        model, np.asarray(fits, float), np.asarray(requested), np.asarray(membership, float)
    )


def test_adaptive_pools_take_the_best_fitting_mode_others_keep_theirs():
    model = town()
    fits = [[0.9, 0.5, 0.4], [0.2, 0.7, 0.6], [0.1, 0.3, 0.8], [0.9, 0.5, 0.4]]
    membership = np.zeros((4, 10))
    membership[:, :2] = 1.0
    mode, _ = governance(model, fits, [ADAPTIVE, ADAPTIVE, ADAPTIVE, NAO], membership)
    assert mode.tolist() == [SHARED, LEAD, NAO, NAO]
    mode, _ = governance(model, fits, [LEAD, SHARED, LEAD, SHARED], membership)
    assert mode.tolist() == [LEAD, SHARED, LEAD, SHARED]


def test_effectiveness_is_fit_times_whoever_leads():
    """Shared: the members' mean leadership; lead organization: the best member leader;
    NAO: a professional of average quality, 0.5 + 0.5 x leadership_quality."""
    model = town(leadership_quality=0.4)
    model.leadership = np.linspace(0.0, 0.9, 10)  # organization k leads with quality k / 10
    membership = np.zeros((4, 10))
    membership[0, [2, 6]] = 1.0  # mean 0.4, best 0.6
    membership[1, [2, 6, 9]] = 1.0  # mean 17/30, best 0.9
    membership[2, 5] = 1.0  # a lone host: 0.5
    membership[3, [1, 3]] = 1.0  # mean 0.2, best 0.3
    fits = np.array([[0.5, 0.8, 0.6], [0.4, 0.7, 0.9], [0.3, 0.2, 0.1], [0.6, 0.5, 0.4]])
    for requested, lead in (
        (SHARED, [0.4, 17 / 30, 0.5, 0.2]),
        (LEAD, [0.6, 0.9, 0.5, 0.3]),
        (NAO, [0.7] * 4),
    ):
        _, effectiveness = governance(model, fits, [requested] * 4, membership)
        np.testing.assert_allclose(effectiveness, fits[:, requested] * np.array(lead))
    # No members (a pool emptied this month): shared and lead effectiveness are zero.
    empty = np.zeros((1, 10))
    for requested in (SHARED, LEAD):
        assert governance(model, [[1.0, 1.0, 1.0]], [requested], empty)[1][0] == 0.0


# --------------------------------------------------------------------- review (C1, C2)
def reviewed(
    trust: float,
    value: float,
    *,
    free: bool = True,
    threshold: float = 0.3,
):
    """Reasons codes for a three-member pool whose member 1 has the given mean trust and
    payoff ratio (the others content), plus a lone-host pool, in a small town."""
    model = town(trust_threshold=threshold)
    orgs = model.organizations
    model.form_partnership([orgs[NGO], orgs[BUSINESS], orgs[BUSINESS + 1]], formal=False)
    model.form_partnership([orgs[COMMUNITY]], formal=False)
    trusts = model.table["membership"] * 0.9
    trusts[0, BUSINESS] = trust
    trusts[1, COMMUNITY] = 0.0  # a lone member is never asked
    model.table["values"][:] = 1.5
    model.table["values"][0, BUSINESS] = value
    model.table["values"][:, NGO] = 0.0  # outside pool 0, NGO 0 is no member: never read
    model.table["values"][0, NGO] = 1.5
    return Organization.reasons_to_leave(model, trusts, np.array([free, free]))


def test_members_leave_for_distrust_or_poor_value_and_say_why():
    assert LEAVE_REASONS[1] == "distrust" and LEAVE_REASONS[2] == "poor value"
    distrust = reviewed(0.29, 1.5)
    assert distrust[0].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert distrust[1].tolist() == [0] * 10
    poor = reviewed(0.9, 0.99)
    assert poor[0, BUSINESS] == 2 and np.count_nonzero(poor) == 1
    # Distrust is the reason given when both hold.
    assert reviewed(0.1, 0.5)[0, BUSINESS] == 1


def test_either_member_of_a_pair_may_leave():
    model = town()
    orgs = model.organizations
    model.form_partnership([orgs[NGO], orgs[BUSINESS]], formal=False)
    trusts = model.table["membership"] * 0.9
    trusts[0, NGO] = 0.1
    reasons = Organization.reasons_to_leave(model, trusts, np.array([False]))
    assert reasons[0, NGO] == 1 and np.count_nonzero(reasons) == 1


def test_members_stay_at_the_thresholds_and_when_bound():
    """Exactly the trust threshold and exactly the loner's payoff are enough to stay; a
    formal member not at the end of its term cannot leave for poor value (D1) but leaves
    for distrust."""
    assert WORTH_IT == 1.0
    assert not reviewed(0.3, WORTH_IT).any()
    assert not reviewed(0.45, 1.2, threshold=0.45).any()
    assert not reviewed(0.9, 0.2, free=False).any()
    assert reviewed(0.2, 0.2, free=False)[0, BUSINESS] == 1


def test_reasons_to_leave_reads_the_review_of_a_running_town():
    """In a real town after two years, every member the rule names has that reason."""
    model = town(n_citizens=100, partnering_rate=0.3, formal_share=0.3)
    for _ in range(24):
        model.step()
    table = model.table
    trusts = model._member_trust(table["membership"])
    free = ~table["formal"]
    reasons = Organization.reasons_to_leave(model, trusts, free)
    members = table["membership"] > 0
    assert members.any()
    assert not reasons[~members].any()
    distrust = reasons == 1
    assert (trusts[distrust] < model.p.trust_threshold).all()
    poor = reasons == 2
    assert (table["values"][poor] < WORTH_IT).all() and free[poor.any(axis=1)].all()


# --------------------------------------------------------------------- leadership turnover (C7)
def test_a_new_leader_shifts_priorities_and_resets_partners_trust():
    model = town(priority_shift=0.5, trust_reset=0.5, leadership_spread=0.3)
    org = model.organizations[EDUCATION]
    before = org.priorities.copy()
    trust = model.trust_state
    trust.matrix[EDUCATION, :] = 0.9
    trust.matrix[:, EDUCATION] = 0.9
    start = trust.initial.copy()
    leaders = set()
    for _ in range(5):
        leaders.add(org.leadership)
        org.change_leader()
    assert len(leaders) == 5
    assert org.priorities.sum() == pytest.approx(1.0)
    assert not np.allclose(org.priorities, before)
    # Five resets at half strength leave 1/32 of the built trust above the start.
    row = start[EDUCATION] + (0.9 - start[EDUCATION]) / 32
    row[EDUCATION] = 1.0
    np.testing.assert_allclose(trust.matrix[EDUCATION], row)
    unchanged = town(priority_shift=0.0, trust_reset=0.0)
    org = unchanged.organizations[EDUCATION]
    before = org.priorities.copy()
    org.change_leader()
    np.testing.assert_allclose(org.priorities, before)


def test_a_new_leaders_priorities_are_mixed_in_by_priority_shift():
    """Without goal divergence a new leader brings the sector's priorities: shift 0.5 puts
    an organization devoted to health halfway back to its sector's profile."""
    model = town(goal_divergence=0.0, priority_shift=0.5)
    org = model.organizations[BUSINESS]
    org.priorities = np.array([1.0, 0.0, 0.0, 0.0])
    org.change_leader()
    sector = np.asarray(PRIORITIES[Sector.BUSINESS]) / sum(PRIORITIES[Sector.BUSINESS])
    np.testing.assert_allclose(org.priorities, 0.5 * np.array([1.0, 0, 0, 0]) + 0.5 * sector)


def test_priority_shift_is_the_weight_of_the_new_leaders_draw():
    """Mixed priorities lie on the segment between old and new: shift 0.25 moves a quarter."""
    moved = []
    for shift in (0.25, 1.0):
        model = town(seed=5, priority_shift=shift)
        org = model.organizations[NGO]
        before = org.priorities.copy()
        org.change_leader()
        moved.append(org.priorities - before)
    np.testing.assert_allclose(moved[0], 0.25 * moved[1], atol=1e-12)


# --------------------------------------------------------------------- citizens seen as agents
def test_a_citizen_agent_reads_its_row_of_the_population():
    model = town()
    pop = model.citizens
    pop.participating[4] = True
    pop.volunteering[4] = False
    citizen = model.citizen(4)
    assert model.citizen(4) is citizen
    np.testing.assert_array_equal(citizen.welfare, pop.welfare[4])
    assert citizen.participating is True and citizen.volunteering is False
    pop.volunteering[4] = True
    pop.participating[4] = False
    assert citizen.volunteering is True and citizen.participating is False


# --------------------------------------------------------------------- partnerships' records
def test_kinds_follow_the_founders_sectors():
    assert kind_of(Sector.BUSINESS, Sector.NGO) == "K1"
    assert kind_of(Sector.COMMUNITY, Sector.GOVERNMENT) == "K2"
    assert kind_of(Sector.NGO, Sector.NGO) == "K5"
    assert kind_of(Sector.BUSINESS, Sector.BUSINESS) is None


def test_a_partnership_keeps_its_members_and_row():
    model = town(governance_mode="lead", formal_duration=12)
    orgs = model.organizations
    ps = model.form_partnership([orgs[GOVERNMENT], orgs[COMMUNITY]], formal=True)
    assert ps.kind == "K2" and ps.formal and ps.community_linked
    assert ps.governance is Governance.LEAD
    assert ps.indices == [GOVERNMENT, COMMUNITY]
    assert ps.sectors == {Sector.GOVERNMENT, Sector.COMMUNITY}
    assert model.table["kind"][ps.row] == KIND_CODES["K2"]
    assert model.table["requested"][ps.row] == LEAD
    joined = model.table["joined"][ps.row]
    ps.add(orgs[NGO])
    assert joined[[GOVERNMENT, COMMUNITY, NGO]].tolist() == [1, 2, 3]
    ps.values[NGO] = 0.4
    ps.remove(orgs[NGO])
    assert ps.values[NGO] == 1.0 and ps.table["membership"][ps.row, NGO] == 0.0
    assert ps.indices == [GOVERNMENT, COMMUNITY]
    # A formal agreement is up for renewal at each end of its term, not at its start.
    for age, over in ((0, False), (11, False), (12, True), (13, False), (24, True)):
        ps.age = age
        assert bool(ps.term_over) is over
    informal = model.form_partnership([orgs[NGO], orgs[BUSINESS]], formal=False)
    informal.age = 12
    assert not informal.term_over and not informal.community_linked
    assert model.table["linked"].tolist() == [True, False]
    informal.add(orgs[COMMUNITY + 1])  # a community member links citizens (B5)
    assert informal.community_linked and model.table["linked"][informal.row]
    informal.volunteers = np.array([3, 5, 8])
    assert model.table["volunteers"][informal.row] == 3
    assert informal.volunteers.tolist() == [3, 5, 8]


def test_the_shortest_term_ends_every_month_from_the_first():
    """`formal_duration` may be 1 (its lower bound): such an agreement is up for renewal at
    the end of every month it has run, the first included (age 1), never when it starts
    (age 0); an informal one never. The review asks about a table's columns at once."""
    formal = np.array([True, True, True, False])
    age = np.array([0, 1, 2, 1])
    assert Partnership.terms_over(formal, age, 1).tolist() == [False, True, True, False]
    # A three-month term ends at ages 3 and 6.
    ends = Partnership.terms_over(np.ones(8, dtype=bool), np.arange(8), 3)
    assert np.flatnonzero(ends).tolist() == [3, 6]
    model = town(formal_duration=1)
    orgs = model.organizations
    ps = model.form_partnership([orgs[NGO], orgs[BUSINESS]], formal=True)
    ps.age = 1
    assert ps.term_over


def test_an_ended_partnership_keeps_a_copy_of_its_row():
    """Partnerships dissolved in a review leave the table together at its end; each keeps
    its row, readable as before, and the others are renumbered in order."""
    model = town()
    orgs = model.organizations
    pairs = [(NGO, BUSINESS), (NGO + 1, BUSINESS + 1), (NGO + 2, BUSINESS + 2)]
    first, second, third = (
        model.form_partnership([orgs[a], orgs[b]], formal=False) for a, b in pairs
    )
    for ps, pool in ((first, 4.0), (second, 9.0), (third, 5.0)):
        ps.pool = pool
    third.values[BUSINESS + 2] = 0.5
    model._dissolve(third, "test", failed=True)
    model._dissolve(first, "test", failed=False)
    assert model.table.n == 3  # rows stay put until the review ends
    model._drop_ended()
    assert model.partnerships == [second] and second.row == 0 and model.table.n == 1
    assert model.table["pool"].tolist() == [9.0]
    assert first.table is third.table and first.table.n == 2
    assert (first.row, third.row) == (0, 1)
    assert first.pool == 4.0 and third.pool == 5.0 and third.values[BUSINESS + 2] == 0.5
    assert first.indices == [NGO, BUSINESS] and first.table["membership"][0, NGO] == 1.0
    first.pool = 1.0  # the copy is its own
    assert model.table["pool"].tolist() == [9.0] and third.pool == 5.0
    assert model.ended == [third, first] and model.failed == 1


def test_the_table_grows_without_losing_rows():
    table = PartnershipTable(3, 4, capacity=2)
    for k in range(5):
        row = table.append()
        assert row == k
        table["pool"][row] = float(k)
        table["membership"][row, k % 3] = 1.0
    assert table.n == 5 and len(table["pool"]) == 5
    assert table["pool"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert table["values"].tolist() == [[1.0] * 3] * 5  # starting values, also after growth
    assert table["consensus"].tolist() == [1.0] * 5
    table["values"][3, 1] = 0.25
    ended = table.drop([1, 3])
    assert table["pool"].tolist() == [0.0, 2.0, 4.0]
    assert table["membership"].tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert ended.n == 2 and ended.n_organizations == 3
    assert ended["pool"].tolist() == [1.0, 3.0]
    assert ended["values"].tolist() == [[1.0] * 3, [1.0, 0.25, 1.0]]
    assert ended["membership"].tolist() == [[0, 1, 0], [1, 0, 0]]
    ended["pool"][0] = 7.0  # the copies are their own
    assert table["pool"].tolist() == [0.0, 2.0, 4.0]
    # A row appended over an old one starts afresh.
    table.append()
    assert table["pool"][3] == 0.0 and table["values"][3].tolist() == [1.0] * 3


@pytest.mark.parametrize("dropped", [[0], [5], [1, 2], [0, 5], [0, 1, 2, 3, 4, 5], [2, 4]])
def test_dropping_rows_keeps_the_others_in_order(dropped):
    """Whatever rows go (first, last, neighbours, all), the others keep their order and
    contents, the removed ones come back in order, and freed rows start afresh."""
    table = PartnershipTable(2, 1, capacity=8)
    for k in range(6):
        table.append()
        table["age"][k] = k
        table["values"][k] = [k, -k]
        table["linked"][k] = k % 2 == 1
    ended = table.drop(dropped)
    kept = [k for k in range(6) if k not in dropped]
    assert table["age"].tolist() == kept and ended["age"].tolist() == dropped
    assert table["values"].tolist() == [[k, -k] for k in kept]
    assert table["linked"].tolist() == [k % 2 == 1 for k in kept]
    assert ended["values"].tolist() == [[k, -k] for k in dropped]
    for _ in dropped:
        row = table.append()
        assert table["age"][row] == 0 and table["values"][row].tolist() == [1.0, 1.0]
        assert not table["linked"][row]


def test_a_copied_town_runs_on_as_the_original():
    """A deep copy or pickle of a running town (a checkpoint) steps exactly as the original:
    the copy's partnership table keeps its columns as views of its own storage."""
    import copy
    import pickle

    model = town(n_citizens=200, partnering_rate=0.3, formal_share=0.3)
    for _ in range(12):
        model.step()
    copies = [copy.deepcopy(model), pickle.loads(pickle.dumps(model))]
    for other in [model, *copies]:
        for _ in range(24):
            other.step()
    frame = model.metrics_frame()
    assert len(model.ended) > 0
    for other in copies:
        assert other.metrics_frame().equals(frame)
        assert np.array_equal(other.table["membership"], model.table["membership"])


def test_a_new_row_starts_empty_and_neutral():
    """No members, no money, no volunteers, age 0, informal, shared governance requested;
    ratios at 1 (as good as going alone, a pool returning what it costs, full consensus)."""
    table = PartnershipTable(4, 3, capacity=1)
    table.append()
    table.append()  # the second row is on grown storage
    for row in (0, 1):
        for name in ("membership", "beliefs", "payoffs", "joined", "quality"):
            assert (table[name][row] == 0).all(), name
        assert (table["values"][row] == 1.0).all()
        assert not table["warned"][row].any()
        for name in ("formal", "linked"):
            assert not table[name][row], name
        for name in ("kind", "governance", "requested", "volunteers", "age"):
            assert table[name][row] == 0, name
        for name in ("pool", "output", "effectiveness", "conflict", "mean_trust", "carry"):
            assert table[name][row] == 0.0, name
        for name in ("reserve", "usual_inflow"):
            assert table[name][row] == 0.0, name
        for name in ("value_ratio", "pool_return", "consensus"):
            assert table[name][row] == 1.0, name
    assert table["membership"].shape == (2, 4) and table["quality"].shape == (2, 3)
    assert table["joined"].dtype == np.int64 and table["warned"].dtype == np.bool_
    assert table["formal"].dtype == np.bool_ and table["kind"].dtype == np.int64
    assert table["pool"].dtype == np.float64 and table["membership"].dtype == np.float64


def pool_runs(
    paid: np.ndarray,
    membership: np.ndarray,
    priorities: np.ndarray,
    *,
    expertise: np.ndarray | None = None,
    division: bool = False,
) -> tuple[np.ndarray, ...]:
    """pool_operations for pools spending 1 each, with no money of their own and no
    memory, so each organization's operation `size` is the pools' money it runs."""
    n_pools, n_orgs = membership.shape
    return pool_operations(
        membership,
        paid,
        np.ones(n_pools),
        np.ones(n_pools),
        priorities,
        np.ones_like(priorities) if expertise is None else expertise,
        division,
        np.zeros(n_orgs),
        np.empty((0, priorities.shape[1])),
        0.0,
        1.0,
    )


def test_pool_focus_follows_contributions_and_falls_back_to_membership():
    priorities = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    membership = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    weights = np.array([[3.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    *_, focus, _, share = pool_runs(weights, membership, priorities)
    np.testing.assert_allclose(focus, [[0.75, 0.25], [0.25, 0.75]])
    np.testing.assert_array_equal(share, [[0.75, 0.25, 0.0], [0.0, 0.5, 0.5]])
    # 5e-324 x 0.5 rounds to zero: the first pool falls back to its members.
    # The second pool's small contributions are its weights, not its membership.
    tiny = np.array([[0.0, 0.0, 5e-324], [0.0, 0.3, 0.1]])
    *_, focus, _, share = pool_runs(tiny, membership, priorities)
    assert np.isfinite(focus).all()
    np.testing.assert_allclose(focus, [[0.5, 0.5], [0.125, 0.875]])
    np.testing.assert_allclose(share, [[0.5, 0.5, 0.0], [0.0, 0.75, 0.25]])


def test_a_partnership_records_its_governance_and_dates():
    model = town(governance_mode="nao")
    orgs = model.organizations
    ps = Partnership(
        99,
        [orgs[NGO], orgs[NGO + 1]],
        table=model.table,
        kind="K5",
        formal=False,
        governance=Governance.NAO,
        started=7,
        duration=24,
    )
    assert (ps.pid, ps.started, ps.duration, ps.active) == (99, 7, 24, True)
    assert ps.requested_governance is Governance.NAO and ps.governance is Governance.NAO
    assert model.table["governance"][ps.row] == NAO
    assert ps.volunteers.size == 0


def test_runners_move_each_domain_to_the_member_that_runs_it():
    """Division of labour (B2, B6): each pool's money in a domain lands on the one member
    with most expertise there, and the pool reads that member's scale and expertise."""
    membership = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]])
    expertise = np.array(
        [[0.9, 0.1, 0.2, 0.9], [0.1, 0.3, 0.8, 0.9], [0.5, 0.9, 0.1, 0.1], [1.0, 1.0, 1.0, 1.0]]
    )
    priorities = np.full((4, 4), 0.25)
    size, _, solo_domain, pool_domain, _, best, share = pool_runs(
        membership, membership, priorities, expertise=expertise, division=True
    )
    np.testing.assert_array_equal(best, [[0, 2, 1, 0], [2, 2, 1, 1]])  # a tie: the first
    expected = np.zeros((4, 4))
    for k in range(2):
        for d in range(4):
            expected[best[k, d], d] += pool_domain[k, d]
    np.testing.assert_array_equal(size, expected)
    assert size[3].sum() == 0  # organization 3 runs nothing: gets nothing
    factor = np.arange(16, dtype=float).reshape(4, 4) + 1.0  # organizations x domains
    _, _, run_factor, quality = delivered_units(
        solo_domain, pool_domain, factor, expertise, True, best, share, np.ones(4)
    )
    rows, domains = best, np.arange(4)[None, :]
    np.testing.assert_array_equal(run_factor, factor[rows, domains])
    np.testing.assert_array_equal(quality, expertise[rows, domains])


def test_lone_runners_give_the_same_units_with_or_without_division_of_labour():
    """A pool of one member is run by that member either way: the index of division of
    labour and the weighted shares without it give bitwise the same units and quality."""
    rng = np.random.default_rng(3)
    membership = np.eye(5)[[0, 3, 3, 1]]
    priorities, expertise = rng.random((5, 4)), rng.random((5, 4))
    paid = membership * rng.random((4, 1))
    outputs = []
    for division in (True, False):
        size, ratio, solo_domain, pool_domain, _, best, share = pool_runs(
            paid, membership, priorities, expertise=expertise, division=division
        )
        units = delivered_units(
            solo_domain, pool_domain, ratio**0.3, expertise, division, best, share, np.ones(4)
        )
        outputs.append((size, *units))
    for with_division, without in zip(*outputs, strict=True):
        np.testing.assert_array_equal(with_division, without)


def test_a_pick_draws_what_generator_choice_draws():
    """A pick from `sampling.distribution` consumes the same random number and returns the
    same index as numpy's `Generator.choice(n, p=...)`, which it replaces for speed."""
    weights_rng = np.random.default_rng(5)
    for seed in range(200):
        weights = weights_rng.random(weights_rng.integers(1, 60)) ** 3
        weights[weights_rng.random(len(weights)) < 0.3] = 0.0
        if weights.sum() == 0:
            continue
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        expected = theirs.choice(len(weights), p=weights / weights.sum())
        assert pick(distribution(weights), ours) == expected
        assert ours.random() == theirs.random()  # the same stream afterwards


@pytest.mark.parametrize("seed", range(6))
def test_partner_choice_is_numpys_mask_and_softmax_bit_for_bit(seed):
    """The compiled partner choice gives the candidates the rule states (an allowed kind,
    below the cap, not itself or a partner) and numpy's softmax distribution over them, bit
    for bit: so the partner drawn is the one `Generator.choice` draws."""
    rng = np.random.default_rng(seed)
    n = 60
    kind_allowed = rng.random((n, n)) < 0.6
    counts = rng.integers(0, 4, n)
    for chooser in range(0, n, 7):
        partners = rng.choice(n, size=rng.integers(0, 5), replace=False)
        scores = rng.normal(0.0, 1.0, n) * 10.0 ** rng.uniform(-3, 1)
        temperature = float(rng.choice([0.01, 0.2, 5.0]))
        candidates, cdf = partner_choice(
            chooser, kind_allowed, counts, 3, partners.astype(np.int64), scores, temperature
        )
        mask = kind_allowed[chooser] & (counts < 3)
        mask[chooser] = False
        mask[partners] = False
        np.testing.assert_array_equal(candidates, mask.nonzero()[0])
        if not candidates.size:
            assert cdf.size == 0
            continue
        chosen = scores[candidates]
        weights = np.exp((chosen - chosen.max()) / temperature)
        assert cdf.tobytes() == distribution(weights).tobytes()
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        expected = candidates[theirs.choice(candidates.size, p=weights / weights.sum())]
        assert candidates[pick(cdf, ours)] == expected


def test_goal_alignment_after_leadership_changes_is_the_full_cosine_matrix():
    """After leaders change, only the changed organizations' rows and columns of goal
    alignment are recomputed; the matrix must still be every pair's cosine, bit for bit,
    and symmetric."""
    model = PartnershipModel(rng=5, leadership_turnover=0.3)
    changes = 0
    for _ in range(12):
        before = model.priorities.copy()
        model.step()
        changes += int((model.priorities != before).any(axis=1).sum())
        unit = model.priorities / np.linalg.norm(model.priorities, axis=1, keepdims=True)
        full = (unit[:, None, :] * unit[None, :, :]).sum(axis=2)
        assert np.array_equal(model.alignment, full)
    assert changes > 0  # the partial refresh was exercised


def test_volunteering_flags_are_exactly_the_k7_groups_volunteers():
    """The citizens flagged as volunteering are exactly the members of the K7 groups, month
    after month, while volunteers drop out of many groups at once."""
    model = PartnershipModel(
        rng=3, n_citizens=600, volunteer_hosting=1.0, volunteer_dropout=0.3, partnering_rate=0.5
    )
    dropped = 0
    for _ in range(24):
        before = int(np.count_nonzero(model.citizens.volunteering))
        model.step()
        in_groups = np.concatenate(
            [ps.volunteers for ps in model.partnerships if ps.volunteers.size]
            or [np.zeros(0, dtype=np.int64)]
        )
        assert np.array_equal(np.sort(in_groups), np.flatnonzero(model.citizens.volunteering))
        dropped += max(0, before - int(np.count_nonzero(model.citizens.volunteering)))
    assert dropped > 0


class _Draws:
    """Stands in for the model's generator in one call: returns the given uniform draws."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def random(self, size: int) -> np.ndarray:
        assert size == self.values.size
        return self.values


def test_each_drop_out_leaves_the_group_its_draw_belongs_to():
    """The month's one draw for all volunteers is read group by group in partnership order:
    a drop-out at the first place of a group (the only one there) leaves that group, not
    the one before it."""
    model = PartnershipModel(rng=3, n_citizens=600, volunteer_hosting=1.0, volunteer_dropout=0.3)
    while np.count_nonzero(model.table["volunteers"]) < 2:
        model.step()
    hosts = np.flatnonzero(model.table["volunteers"])
    groups = [model.partnerships[k] for k in hosts]
    sizes = [ps.volunteers.size for ps in groups]
    first_of_second = sizes[0]  # position of the second group's first volunteer in the draw
    leaving = groups[1].volunteers[0]
    draws = np.ones(sum(sizes))
    draws[first_of_second] = 0.0  # below volunteer_dropout: this one volunteer drops out
    model.rng = _Draws(draws)
    model._review_volunteers()
    assert leaving not in groups[1].volunteers
    assert groups[1].volunteers.size == sizes[1] - 1
    assert groups[0].volunteers.size == sizes[0]
    assert not model.citizens.volunteering[leaving]


def test_partners_are_pairs_sharing_a_pool_and_linked_pools_count_their_members():
    """Ties grow between organizations that share a partnership (B4), and participation
    rises with the organizations in pools linked to the community (B5): three pools of
    five organizations, worked by hand."""
    from simulation.partner_kernels import co_membership

    membership = np.zeros((3, 5))
    membership[0, [0, 1, 2]] = 1.0  # linked
    membership[1, [2, 3]] = 1.0
    membership[2, [4]] = 1.0  # a lone host, linked
    linked = np.array([True, False, True])
    together, in_linked = co_membership(membership, linked)
    pairs = {(0, 1), (0, 2), (1, 2), (2, 3)}
    expected = np.zeros((5, 5), dtype=bool)
    for i, j in pairs:
        expected[i, j] = expected[j, i] = True
    assert (together == expected).all()  # nobody is its own partner, a lone host has none
    assert in_linked == 4  # 0, 1, 2 and the host 4; 3 only in an unlinked pool
