"""Every benefit (B1-B7), challenge (C1-C7), definition (D1, D2), kind (K1-K7) and conclusion
(Z1-Z3) of the source articles: the mechanism moves the outcome in the claimed direction.

Each test compares the same seeds with the mechanism on and off (paired differences, common
random numbers) in a small town, and asserts the sign of the mean difference and, where the
effect is clear, that it exceeds `min_t` paired standard errors. Where the model shows a
condition under which a claim does not hold, a test named `..._documented_...` records the
evidence (see its docstring). docs/ODD.md maps concept IDs to these test names.
"""

# ruff: noqa: N802 - test names carry the concept IDs (B1, C7, K2, Z1...) of docs/ODD.md

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    NO_PARTNERSHIPS,
    SEEDS,
    Paired,
    assert_decreases,
    assert_increases,
    lab_game,
    outcome,
    paired,
    run,
    value,
)

from simulation import KINDS, PartnershipModel, Sector, Shock
from simulation.payoff import member_payoffs

DEFAULT: dict = {}


# --------------------------------------------------------------------------- benefits
def test_B1_economies_of_scale_widen_reach():
    """B1: services cost less per unit in larger operations (cost elasticity below 1), so
    the town reaches more citizens and welfare is higher than with constant costs; a pool
    runs each domain's pooled work in one member's operation, which is larger than that
    member's own operation there (finding: at the default elasticity 0.9 this adds little
    to the partnership gain itself, see docs/ODD.md)."""
    on, off = DEFAULT, {"scale_elasticity": 1.0}
    assert_increases(paired(on, off, "coverage@mean"))
    assert_increases(paired(on, off, "welfare_mean"))


def test_B2_B6_complementary_expertise_raises_quality_and_welfare():
    """B2, B6: a pool gives each domain's cases to the member best at it, so partners with
    different expertise serve better than each serving its own share with its own
    expertise (division_of_labour off): welfare rises."""
    assert_increases(paired(DEFAULT, {"division_of_labour": False}, "welfare_mean"))


def test_B2_B6_pool_of_equals_gains_nothing_from_complementarity():
    """B2, B6: the quality of a pool is the best member's expertise per domain: a pool of
    identical organizations gains nothing, a pool of an NGO and a school gains in both
    the NGO's and the school's strong domains (the model's own delivery step)."""
    same = PartnershipModel(rng=3, n_citizens=50, partnering_rate=0.0, expertise_spread=0.0)
    ngos = [o for o in same.organizations if o.sector is Sector.NGO][:2]
    school = next(o for o in same.organizations if o.sector is Sector.EDUCATION)
    equals = same.form_partnership(ngos, formal=True)
    mixed = same.form_partnership([ngos[0], school], formal=True)
    same.step()
    np.testing.assert_allclose(equals.quality, ngos[0].expertise)
    assert np.all(mixed.quality >= ngos[0].expertise)
    assert np.all(mixed.quality >= school.expertise)
    assert np.any(mixed.quality > ngos[0].expertise)
    assert np.any(mixed.quality > school.expertise)


def test_B3_coordination_cuts_duplication():
    """B3: coordinated delivery (one case registry) avoids duplicated effort and so raises
    welfare for the same money; without partnerships the switch has no effect at all."""
    off = {"coordination": False}
    assert_decreases(paired(DEFAULT, off, "duplication_waste@mean"))
    assert_increases(paired(DEFAULT, off, "welfare_mean"))
    alone = paired(NO_PARTNERSHIPS, {**off, **NO_PARTNERSHIPS}, "duplication_waste@mean")
    assert np.all(alone.diffs == 0), alone


def test_B4_partnerships_build_ties_that_spread_news():
    """B4: partnerships create ties between organizations (every pair of partners is tied,
    no ties without partnerships), and old ties make the same partners likelier to work
    together again (partner_scores). Finding: citizens' awareness of services is not higher
    in the partnered town; news travels among citizens, and partnerships reach no more
    citizens (docs/ODD.md)."""
    for seed in SEEDS[:2]:
        with_ps = run(DEFAULT, seed=seed).extras
        assert with_ps["tie_edges"] > 0 and with_ps["partner_pairs_tied"]
        assert run(NO_PARTNERSHIPS, seed=seed).extras["tie_edges"] == 0


def test_B5_participation_and_ownership_raise_welfare():
    """B5: community-linked partnerships draw citizens into decisions (participation rate
    rises vs no partnerships); taking part raises ownership and outcomes (ownership_effect,
    participation)."""
    assert_increases(paired(DEFAULT, NO_PARTNERSHIPS, "participation_rate@mean"))
    assert_increases(paired(DEFAULT, {"ownership_effect": 0.0}, "welfare_mean"))
    assert_increases(paired({"participation": 0.8}, DEFAULT, "welfare_mean"))


def test_B7_accountability_targets_services_to_need():
    """B7: accountability to citizens fits programs to real needs (targeting): welfare and
    government accountability rise; it does not change leakage (Olken 2007: grassroots
    monitoring had little overall effect on missing expenditure)."""
    on, off = {"accountability": 0.9}, {"accountability": 0.0}
    assert_increases(paired(on, off, "welfare_mean"))
    assert_increases(paired(on, off, "government_accountability"))


def test_B7_audits_cut_leakage_of_all_government_money():
    """B7: audits cut leakage of government money, solo and pooled alike, and so raise
    welfare; with partnerships government money leaks at the same rate as without."""
    audited, usual = {"audit_probability": 1.0}, DEFAULT
    assert_decreases(paired(audited, usual, "ledger:leakage"))
    assert_increases(paired(audited, usual, "welfare_mean"))
    for params in (DEFAULT, NO_PARTNERSHIPS):
        share = outcome(params, "ledger:leakage") / outcome(params, "ledger:government")
        np.testing.assert_allclose(share, 0.28, rtol=1e-9)


def test_B7_olken_audit_field_experiment():
    """B7, Olken (2007): raising the audit probability from 4 % to 100 % lowers missing
    government expenditure by about 8 percentage points (from roughly a quarter)."""
    missing = {}
    for audit in (0.04, 1.0):
        params = {"audit_probability": audit}
        missing[audit] = outcome(params, "ledger:leakage") / outcome(params, "ledger:government")
    drop = missing[0.04] - missing[1.0]
    assert np.all((missing[0.04] > 0.2) & (missing[0.04] < 0.3)), missing
    np.testing.assert_allclose(drop, 0.08, atol=0.01)


# --------------------------------------------------------------------------- challenges
def test_C1_goal_divergence_lowers_welfare():
    """C1: organizations whose priorities diverge (goal_divergence) reach lower welfare."""
    assert_decreases(paired({"goal_divergence": 0.95}, DEFAULT, "welfare_mean"), min_t=1.0)


def test_C1_differing_goals_mean_conflict_inside_partnerships():
    """C1: inside running partnerships, members whose priorities differ more (lower goal
    consensus) have more conflict and find the partnership worth less to them."""
    consensus, conflict = [], []
    for seed in SEEDS:
        for params in ({"goal_divergence": 0.95}, DEFAULT):
            c, k = run(params, seed=seed).extras["consensus_conflict"]
            consensus.extend(c)
            conflict.extend(k)
    consensus, conflict = np.array(consensus), np.array(conflict)
    assert consensus.size > 30
    low = consensus < np.median(consensus)
    assert conflict[low].mean() > conflict[~low].mean(), (
        conflict[low].mean(),
        conflict[~low].mean(),
    )
    assert np.corrcoef(consensus, conflict)[0, 1] < -0.3


def test_C2_defection_erodes_trust_and_partnerships():
    """C2: betrayal (defection_rate) lowers partners' trust; with less trust fewer
    partnerships last. Finding: welfare barely moves, because money a member keeps back is
    still spent on services, by itself (docs/ODD.md)."""
    on, off = {"defection_rate": 0.4}, DEFAULT
    assert_decreases(paired(on, off, "partner_trust@mean"))
    assert_decreases(paired(on, off, "active_partnerships@mean"))


def test_C2_lack_of_trust_blocks_cooperation():
    """C2: wary strangers (low initial_trust) and a demanding trust_threshold block the
    formation of partnerships (their welfare effect is that of partnerships, small)."""
    low, high = {"initial_trust": 0.3}, DEFAULT
    assert_decreases(paired(low, high, "active_partnerships@mean"))
    strict, lax = {"trust_threshold": 0.45}, DEFAULT
    assert_decreases(paired(strict, lax, "active_partnerships@mean"))


def test_C3_cultural_distance_causes_misunderstanding():
    """C3: cultural distance lowers trust between sectors and misunderstanding turns good
    conduct into bad news: fewer, less trusting partnerships."""
    on, off = {"cultural_distance": 1.0, "misunderstanding": 1.0}, DEFAULT
    assert_decreases(paired(on, off, "mean_trust@mean"))
    assert_decreases(paired(on, off, "active_partnerships@mean"))
    misread, clear = {"misunderstanding": 0.9}, DEFAULT
    assert_decreases(paired(misread, clear, "partner_trust@mean"))
    assert_decreases(paired(misread, clear, "partnership_survival"))


def test_C4_funding_volatility_shortens_partnerships():
    """C4: volatile funding makes partnerships harder to sustain: fewer survive and fewer
    are active (a member whose income falls below half the announced cannot pay)."""
    on, off = {"funding_volatility": 0.9}, DEFAULT
    assert_decreases(paired(on, off, "partnership_survival"))
    assert_decreases(paired(on, off, "active_partnerships@mean"), min_t=1.0)


def test_C4_ngo_and_community_income_most_volatile():
    """C4: funding is least stable for non-profits and community organizations: their
    month-to-month income varies more than government agencies'."""
    for seed in SEEDS[:3]:
        cv = run(DEFAULT, seed=seed).extras["income_cv"]
        assert cv[Sector.NGO] > cv[Sector.GOVERNMENT], cv
        assert cv[Sector.COMMUNITY] > cv[Sector.GOVERNMENT], cv
    calm = run({"funding_volatility": 0.0}, seed=1).extras["income_cv"]
    assert calm[Sector.GOVERNMENT] == pytest.approx(0.0, abs=1e-12)


def test_C4_lasting_income_shocks_make_years_vary_more():
    """C4: income shocks that last (a grant won or lost for a year) make an NGO's annual
    income vary more than independent months of the same monthly spread do: the
    year-to-year revenue volatility reported for non-profits (income_persistence)."""
    lasting = paired({"income_persistence": 0.9}, DEFAULT, "ngo_income_cv")
    assert_increases(lasting, min_t=3.0)


FUNDING_CUT = Shock(
    step=36,
    kind="funding_cut",
    sectors=(Sector.NGO, Sector.COMMUNITY, Sector.GOVERNMENT),
    magnitude=0.6,
    duration=12,
)


def test_C4_funding_cut_lowers_welfare():
    """C4: losing funding (a one-year cut for NGOs, community groups and government) lowers
    welfare compared with the same town and seed without the cut."""
    cut = outcome(DEFAULT, "welfare_mean", shocks=(FUNDING_CUT,))
    assert_decreases(Paired(cut - outcome(DEFAULT, "welfare_mean"), "funding cut"))


def test_C5_competition_strains_partnerships():
    """C5: partners competing for the same grants burn reserves in the contest and resent
    rivals: trust falls, fewer partnerships form and survive, and welfare is lower, with
    partnerships and (through the burnt money alone) without them."""
    on, off = {"competition": 0.9}, DEFAULT
    more = range(1, 11)
    assert_increases(paired(on, off, "ledger:contest"))
    assert np.all(outcome({"competition": 0.0, **NO_PARTNERSHIPS}, "ledger:contest") == 0)
    assert_decreases(paired(on, off, "mean_trust@mean"))
    assert_decreases(paired(on, off, "active_partnerships@mean", seeds=more), min_t=1.0)
    assert_decreases(paired(on, off, "partnership_survival", seeds=more), min_t=1.0)
    assert_decreases(paired(on, off, "welfare_mean"))
    assert_decreases(paired({**on, **NO_PARTNERSHIPS}, NO_PARTNERSHIPS, "welfare_mean"))


def test_C6_weak_leadership_raises_conflict_and_lowers_welfare():
    """C6: weak leadership makes governance less effective, so conflict inside
    partnerships rises and welfare falls."""
    weak, strong = {"leadership_quality": 0.1}, {"leadership_quality": 0.9}
    assert_decreases(paired(weak, strong, "effectiveness"))
    assert_increases(paired(weak, strong, "conflict"))
    assert_decreases(paired(weak, strong, "welfare_mean"))


def test_C6_governance_misfit_raises_conflict():
    """C6: imposing shared governance whatever the network (instead of the mode that fits,
    Provan & Kenis) lowers governance effectiveness and raises conflict."""
    misfit, fit = {"governance_mode": "shared"}, DEFAULT
    seeds = range(1, 9)
    assert_decreases(paired(misfit, fit, "effectiveness", seeds=seeds))
    assert_increases(paired(misfit, fit, "conflict", seeds=seeds), min_t=1.0)


CHURN = {"leadership_turnover": 0.1, "priority_shift": 0.0, "formal_share": 1.0}


def test_C7_leadership_turnover_undermines_partnerships():
    """C7: when leaders change (leadership_turnover) built trust resets (trust_reset) and
    priorities shift (priority_shift): partners trust less and more members leave their
    partnerships for distrust.

    A new leader's trust falls back toward the strangers' level, which is above
    `trust_threshold` for every pair that could partner, so a reset cannot by itself end a
    partnership: it removes the cushion of built trust, and the next bad experiences end it
    sooner. With turnover ten times the default in an all-formal town, resetting 90 % of built
    trust adds about 8 departures for distrust per run (t about 5-7 on each of two independent
    blocks of 40 seeds; 30 seeds here). Documented condition: the share of partnerships that
    survive moves little, because the town replaces the partnerships that fail and informal
    pools fail anyway (default town: -0.5 points, SE 0.5, 80 seeds; all-formal town: about
    -1.7 points, t -1 to -4 between blocks of 40 seeds; docs/ODD.md, Appendix B 14). A new
    leader's priorities are drawn within the organization's mission, so the welfare effect is
    also too small to detect here."""
    on = {"leadership_turnover": 0.1, "trust_reset": 0.9, "priority_shift": 0.9}
    off = DEFAULT
    assert_decreases(paired(on, off, "partner_trust@mean"))
    reset, kept = {**CHURN, "trust_reset": 0.9}, {**CHURN, "trust_reset": 0.0}
    assert_decreases(paired(reset, kept, "partner_trust@mean"))
    assert_increases(paired(reset, kept, "left_for_distrust", seeds=range(1, 31)), min_t=3.0)
    more = range(1, 11)
    survival = paired(on, off, "partnership_survival", seeds=more)
    assert abs(survival.mean) < 0.04, survival
    welfare = paired(on, off, "welfare_mean", seeds=more)
    assert abs(welfare.mean) < 0.005, welfare


# --------------------------------------------------------------------------- D1, D2
FORMAL, INFORMAL = {"formal_share": 1.0}, {"formal_share": 0.0}


def test_D1_formal_partnerships_commit_and_pay_for_governance():
    """D1: formal partnerships pool committed budgets under a governance cost, and give a
    larger welfare effect than informal cooperation of the same town."""
    for seed in SEEDS[:3]:
        r = run(FORMAL, seed=seed)
        assert r.frame["formal_partnerships"].max() > 0
        # volunteer groups (K7) are informal by nature; every other partnership is formal
        assert (r.frame["informal_partnerships"] == r.frame["partnerships_K7"]).all()
        assert value(r, "ledger:governance") > 0
    assert_increases(paired(FORMAL, INFORMAL, "welfare_mean"))


def test_D2_informal_cooperation_is_cheap_and_smaller():
    """D2: informal cooperation costs no governance, and still raises welfare over working
    alone, but by less than formal partnership."""
    for seed in SEEDS[:3]:
        r = run(INFORMAL, seed=seed)
        assert r.frame["informal_partnerships"].max() > 0
        assert (r.frame["formal_partnerships"] == 0).all()
        assert value(r, "ledger:governance") == 0
    informal_gain = paired(INFORMAL, NO_PARTNERSHIPS, "welfare_mean")
    formal_gain = paired(FORMAL, NO_PARTNERSHIPS, "welfare_mean")
    assert_increases(informal_gain)
    assert_increases(Paired(formal_gain.diffs - informal_gain.diffs, "formal minus informal"))


def test_D2_goodwill_gives_new_members_a_trial_period():
    """D1, D2 (exit rule): a newcomer opens its running payoff ratio above the loner's
    payoff by its stock of `goodwill` (the honeymoon of Fichman & Levinthal 1991), so
    one poor first month no longer ends a tie: far fewer members leave for poor value and
    almost no partnership ends in the month it formed (about half did without goodwill;
    docs/ODD.md, Appendix B 14)."""
    none = {"goodwill": 0.0}
    assert_decreases(paired(DEFAULT, none, "left_for_poor_value"))
    first_month = paired(DEFAULT, none, "first_month_endings")
    assert_decreases(first_month)
    assert outcome(none, "first_month_endings").mean() > 0.3, first_month
    assert outcome(DEFAULT, "first_month_endings").mean() < 0.1, first_month


# --------------------------------------------------------------------------- kinds
def only_kind_forms(kind: str) -> dict:
    """Runs with allowed_kinds = [kind]: that kind forms, no other does, members fit it."""
    params = {"allowed_kinds": (kind,)}
    for seed in SEEDS:
        r = run(params, seed=seed)
        assert r.frame[f"partnerships_{kind}"].max() > 0, (kind, seed)
        for other in KINDS:
            if other != kind:
                assert (r.frame[f"partnerships_{other}"] == 0).all(), (kind, other, seed)
        assert r.extras["kinds_match_members"], (kind, seed)
    return params


def test_K1_ngo_business_partnerships():
    """K1: NGO-business partnerships form alone when allowed and pool business money with
    NGO expertise: the NGO runs the domains it knows best. Finding: their welfare effect is
    within noise in a small town (experiment kinds-domains measures it)."""
    only_kind_forms("K1")


def test_K2_government_community_raises_accountability():
    """K2: government-community partnerships make government agencies more accountable
    (programs fit needs better) and involve citizens."""
    params = only_kind_forms("K2")
    assert_increases(paired(params, NO_PARTNERSHIPS, "government_accountability"))
    assert_increases(paired(params, NO_PARTNERSHIPS, "participation_rate@mean"))
    other = paired(
        {"allowed_kinds": ("K1", "K3", "K5")}, NO_PARTNERSHIPS, "government_accountability"
    )
    assert np.all(other.diffs == 0), other


def test_K3_education_industry_raises_skills_and_livelihood():
    """K3: education-industry partnerships form alone when allowed. Finding: their effect
    on education and livelihood welfare is within noise in a small town (experiment
    kinds-domains)."""
    only_kind_forms("K3")


def test_K4_public_private_partnerships():
    """K4: government agencies with non-profits or businesses form alone when allowed
    (welfare effect: experiment kinds-domains)."""
    only_kind_forms("K4")


def test_K5_inter_organizational_partnerships():
    """K5: non-profits sharing a mission partner among themselves (welfare effect:
    experiment kinds-domains; pools of similar organizations gain little, B2)."""
    only_kind_forms("K5")


def test_K6_community_partnerships_involve_citizens():
    """K6: welfare organizations with faith groups and recreation centres bring citizens
    into decisions (participation rises)."""
    params = only_kind_forms("K6")
    assert_increases(paired(params, NO_PARTNERSHIPS, "participation_rate@mean"))


def test_K7_volunteer_groups_create_volunteers():
    """K7: individual partnerships: hosts recruit citizen volunteers (none exist without
    K7), participation and welfare rise."""
    params = only_kind_forms("K7")
    assert np.all(outcome(params, "volunteers@mean") > 0)
    assert np.all(outcome({"allowed_kinds": ("K1", "K2", "K3")}, "volunteers") == 0)
    assert np.all(outcome(NO_PARTNERSHIPS, "volunteers") == 0)
    assert_increases(paired(params, NO_PARTNERSHIPS, "participation_rate@mean"))
    assert_increases(paired(params, NO_PARTNERSHIPS, "welfare_mean"), min_t=1.0)


# --------------------------------------------------------------------------- conclusions
TEN = range(1, 11)


def test_Z1_partnerships_raise_community_welfare():
    """Z1: compared with a world without partnerships (partnering_rate = 0), partnerships
    raise community welfare (the HDI-style composite) and its inequality-adjusted version
    (Sen). The gain comes only from mechanisms and is small: about +0.003 (1 %) here."""
    assert_increases(paired(DEFAULT, NO_PARTNERSHIPS, "welfare_mean", seeds=TEN))
    assert_increases(paired(DEFAULT, NO_PARTNERSHIPS, "sen_welfare", seeds=TEN))


def relative_loss(params: dict, shock: Shock, seeds=TEN) -> np.ndarray:
    """Per seed: the deepest relative welfare loss after `shock` against the same seed's
    unshocked run (the paired counterfactual)."""
    losses = []
    for seed in seeds:
        calm = run(params, seed=seed).frame["community_welfare"].to_numpy()
        hit = run(params, seed=seed, shocks=(shock,)).frame["community_welfare"].to_numpy()
        losses.append(np.max(1 - hit[shock.step + 1 :] / calm[shock.step + 1 :]))
    return np.array(losses)


NO_BUFFERS = {"mutual_cover": False, "reserve_share": 0.0}


def test_Z1_buffers_soften_a_funding_cut():
    """Z1 resilience: formal partners covering a cut member's promise (mutual_cover) and pools
    drawing their reserves (reserve_share) make a funding cut cost the partnered town a
    smaller share of its welfare than with both switched off; an announced cut is not a
    betrayal, so partnerships survive it.

    The effect is real but small against the seed-to-seed spread of the loss. At the defaults:
    about half a point of welfare share (0.100 vs 0.105 at the deepest point; 80 seeds, paired
    SE 0.001, t about -5), four fifths of it from reserves; ten seeds find it only by luck (t
    from -0.9 to -3 in blocks of ten). So the direction test uses reserves at the top of their
    plausible range (0.25: about -1 point, t -5.3 and -7.4 on two independent blocks of 40
    seeds; 30 seeds here). Partner cover only moves a partner's own spending into the pool,
    whose return is barely above its own (cover alone: -0.13 points, t about -2 with 80
    seeds); what it must do, carry pooled money through the cut, is checked directly: it acts
    only while a cut is in force, so the runs with and without it are identical until then
    (docs/ODD.md, Appendix B 14)."""
    thirty = range(1, 31)
    buffered = relative_loss({"reserve_share": 0.25}, FUNDING_CUT, seeds=thirty)
    bare = relative_loss(NO_BUFFERS, FUNDING_CUT, seeds=thirty)
    assert_decreases(Paired(buffered - bare, "relative loss: buffers minus none"))
    cut_end = FUNDING_CUT.step + 1 + FUNDING_CUT.duration
    cover = paired(
        {"reserve_share": 0.0}, NO_BUFFERS, "ledger:pooled", steps=cut_end, shocks=(FUNDING_CUT,)
    )
    assert np.all(cover.diffs >= 0) and cover.mean > 0, cover
    window = slice(FUNDING_CUT.step + 1, FUNDING_CUT.step + 1 + FUNDING_CUT.duration)
    calm = [run(DEFAULT, seed=s).frame["active_partnerships"].iloc[window].min() for s in SEEDS]
    hit = [
        run(DEFAULT, seed=s, shocks=(FUNDING_CUT,)).frame["active_partnerships"].iloc[window].min()
        for s in SEEDS
    ]
    assert np.mean(hit) >= 0.8 * np.mean(calm), "a public funding cut broke partnerships"


def test_Z1_documented_resilience_gain_is_small():
    """Z1, documented condition: against each town's own unshocked run, the partnered town
    loses about the same share of welfare to a funding cut as the town without
    partnerships: the buffers soften the loss of pooled money, which the town without
    partnerships does not have to lose. In this small town the difference is within noise;
    experiment shock-resilience (2,000 citizens, 20 seeds) finds 9.9 % vs 10.5 %. Either
    way it is far below a point of welfare share."""
    diff = Paired(
        relative_loss(DEFAULT, FUNDING_CUT) - relative_loss(NO_PARTNERSHIPS, FUNDING_CUT),
        "relative loss: with minus without partnerships",
    )
    assert abs(diff.mean) < 0.01, f"partnerships changed resilience a lot after all; {diff}"


STRESSED = {
    "defection_rate": 0.25,
    "initial_trust": 0.35,
    "cultural_distance": 1.0,
    "misunderstanding": 0.9,
    "leadership_quality": 0.15,
    "governance_mode": "shared",
    "leadership_turnover": 0.08,
    "goal_divergence": 0.95,
    "competition": 0.9,
    "funding_volatility": 0.9,
}


def test_Z2_documented_gain_survives_severe_challenges():
    """Z2, documented condition: with all challenges severe the (small) welfare gain from
    partnerships stays positive, though smaller than when they are handled: fewer
    partnerships form, but the ones that last are those that work, and money kept back is
    still spent. Over 30 seeds the severe gain is about 0.003 (SE 0.0005) against 0.0047
    (SE 0.0006) handled, a difference of 0.0017 (t = 2.5): twenty seeds show the positive
    gain firmly and that severe challenges never raise it; "about as large", which ten seeds
    once suggested (t = 1.9 under a limit of 2), does not hold."""
    twenty = range(1, 21)
    handled = paired(DEFAULT, NO_PARTNERSHIPS, "welfare_mean", seeds=twenty)
    severe = paired(STRESSED, {**STRESSED, **NO_PARTNERSHIPS}, "welfare_mean", seeds=twenty)
    assert_increases(severe)
    diff = Paired(handled.diffs - severe.diffs, "gain handled minus gain severe")
    assert diff.t > -2.0, diff  # severe challenges do not raise the gain


def test_Z3_partnerships_help_the_worst_off_but_reach_fewer():
    """Z3: partnerships raise the welfare of those in most need (the poorest fifth):
    pools target by need through their best-informed member. Documented condition: they
    reach fewer citizens (coverage falls), because governance cost and targeting
    concentrate fewer units on the neediest. Twenty seeds: with five memberships per
    organization the gain to the poorest fifth (about +0.006) varies more between towns."""
    poorest = [
        np.quantile(run(DEFAULT, seed=s).extras["composite"], 0.2)
        - np.quantile(run(NO_PARTNERSHIPS, seed=s).extras["composite"], 0.2)
        for s in range(1, 21)
    ]
    assert_increases(Paired(np.array(poorest), "20th percentile of composite welfare"))
    assert_decreases(paired(DEFAULT, NO_PARTNERSHIPS, "coverage@mean", seeds=TEN))


# --------------------------------------------------------------------------- the dilemma
def test_lab_game_has_the_fehr_gaechter_design():
    """The model configured as the laboratory game: groups of 4 whose measured MPCR is 0.4
    when everyone gives everything (here: with sanctions, from round 2 on)."""
    game = lab_game(sanction_rate=1.0, seed=1)
    assert np.all(game.given[1:] == 1.0)
    np.testing.assert_allclose(game.mpcr[3:], 0.4, atol=0.03)


def test_lab_game_defection_pays_when_r_below_n():
    """In the model's own payoffs, a member that had given nothing would have earned
    c (1 - r / N) more: positive, so defection dominates, because the measured r < N."""
    game = lab_game(sanction_rate=0.0, seed=2, rounds=3)
    model = game.model
    checked = 0
    for k, ps in enumerate(model.partnerships):
        idx, r = ps.indices, ps.pool_return
        endowment, paid = model._promise[k, idx], model._paid[k, idx]
        np.testing.assert_allclose(member_payoffs(endowment, paid, r), ps.payoffs[idx])
        assert r < len(idx)
        for i in np.flatnonzero(paid > 0):
            shirk = paid.copy()
            shirk[i] = 0.0
            gain = member_payoffs(endowment, shirk, r)[i] - ps.payoffs[idx][i]
            np.testing.assert_allclose(gain, paid[i] * (1 - r / len(idx)))
            assert gain > 0
            checked += 1
    assert checked > 10


def test_lab_game_contributions_decay_without_sanctions():
    """Fehr & Gaechter (2000), no punishment: contributions start at 30-60 % of the
    endowment (Ledyard 1995: 40-60 %; our free riders give nothing from round 1) and decay:
    by round 10 they are below half of round 1 and below 20 %."""
    for seed in (1, 2, 3):
        given = lab_game(sanction_rate=0.0, seed=seed).given
        assert 0.3 <= given[0] <= 0.6, given
        assert np.all(np.diff(given) < 0), given
        assert given[-1] < 0.5 * given[0] and given[-1] < 0.2, given


def test_lab_game_contributions_sustained_with_sanctions():
    """Fehr & Gaechter (2000), punishment: contributions are sustained and rise; by round
    10 they are at least 70 % of the endowment and above round 1."""
    for seed in (1, 2, 3):
        given = lab_game(sanction_rate=1.0, seed=seed).given
        assert given[-1] >= 0.7 and given[-1] > given[0], given


def test_informal_cooperation_cannot_sanction():
    """D2: informal pools levy no fines whatever members give; formal ones do (D1)."""
    for seed in SEEDS[:3]:
        assert value(run({"formal_share": 0.0}, seed=seed), "ledger:fines") == 0
        assert value(run({"formal_share": 1.0}, seed=seed), "ledger:fines") > 0


def test_C2_free_riders_erode_trust_and_pooling():
    """C2: more free riders (FGF 2001 share 0.3 by default) mean more broken expectations:
    partners trust less and fewer partnerships last (t about -9 with 20 seeds), so less
    money is pooled; the pooled total falls less (about -7 %, t about -2 with 20 seeds),
    because a member paired with a free rider now gives for the month or two until its
    trust breaks instead of leaving after its first poor month (`goodwill`), so it is not
    asserted on five seeds. Finding: welfare barely moves, because money kept
    back is still spent on services by the free rider itself (docs/ODD.md)."""
    on, off = {"free_rider_share": 0.7}, {"free_rider_share": 0.0}
    assert_decreases(paired(on, off, "partner_trust@mean"))
    assert_decreases(paired(on, off, "active_partnerships@mean"))
