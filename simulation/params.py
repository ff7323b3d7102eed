"""Model parameters: one validated schema for the model, scenario files, sweeps and sliders.

Every field names the seed concept it switches or scales (see docs/ODD.md).  Ranges are
enforced by pydantic, so a scenario file, a sweep factor and a slider all share one
definition of what is allowed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    import numpy as np

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


def plausible(low: float, high: float, reason: str) -> dict[str, object]:
    """Field metadata for a parameter with no agreed published value.

    The range is what calibration takes as its prior and what sensitivity analysis varies;
    `reason` says where the range comes from (a source, or why it is a guess).
    """
    return {"plausible": [low, high], "reason": reason}


def published(source: str) -> dict[str, object]:
    """Field metadata for a parameter whose default is a published value, kept fixed.

    Calibration does not fit it and sensitivity analysis does not vary it; `source` names
    the study (docs/ODD.md, References).
    """
    return {"published": source}


def structural(reason: str) -> dict[str, object]:
    """Field metadata for a structural setting: town size, network degree, an initial condition.

    It defines the experiment rather than a behaviour, so nothing fits or varies it; `reason`
    says why.
    """
    return {"structural": reason}


DOMAINS: tuple[str, ...] = ("health", "education", "housing", "livelihood")
KINDS: tuple[str, ...] = ("K1", "K2", "K3", "K4", "K5", "K6", "K7")


class Sector(StrEnum):
    """Organizational sectors (actors A1, A2, A3, A5, A6); citizens (A4) are the population."""

    NGO = "ngo"
    BUSINESS = "business"
    GOVERNMENT = "government"
    EDUCATION = "education"
    COMMUNITY = "community"


class Governance(StrEnum):
    """Partnership governance modes of Provan & Kenis (2008), plus their contingency rule."""

    SHARED = "shared"
    LEAD = "lead"
    NAO = "nao"
    ADAPTIVE = "adaptive"


class TrustRule(StrEnum):
    """Trust update rules with closed-form expectations (modelling-references §2)."""

    ASYMMETRIC = "asymmetric"
    BETA = "beta"


class ModelParams(BaseModel):
    """All model parameters with defaults for a classroom-scale town (2,000 citizens, 50 orgs).

    Every number is one of three kinds, recorded in its field's metadata: a `published`
    value (kept fixed, source cited), a `plausible` range with its reason (what calibration
    fits and sensitivity analysis varies: `plausible_ranges()`), or `structural` (town size,
    network degree, initial conditions). Switches and enums choose a mechanism.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # --- population and organizations (A1-A6) -------------------------------------------------
    n_citizens: int = Field(
        2000,
        ge=10,
        le=2_000_000,
        json_schema_extra=structural("town size"),
        description="Citizens (A4).",
    )
    n_ngo: int = Field(
        12,
        ge=0,
        le=500,
        json_schema_extra=structural("town size"),
        description="Non-profit organizations (A1).",
    )
    n_business: int = Field(
        12, ge=0, le=500, json_schema_extra=structural("town size"), description="Businesses (A2)."
    )
    n_government: int = Field(
        6,
        ge=0,
        le=500,
        json_schema_extra=structural("town size"),
        description="Government agencies (A3).",
    )
    n_education: int = Field(
        8,
        ge=0,
        le=500,
        json_schema_extra=structural("town size"),
        description="Education institutions (A5).",
    )
    n_community: int = Field(
        12,
        ge=0,
        le=500,
        json_schema_extra=structural("town size"),
        description="Community organizations: faith groups, centres (A6).",
    )
    network_degree: int = Field(
        6,
        ge=2,
        le=50,
        json_schema_extra=structural(
            "even integer: the citizens' network; the spread of news is varied by info_spread"
        ),
        description="Citizens' social ties per person (even; B4).",
    )
    network_rewiring: Unit = Field(
        0.1,
        json_schema_extra=plausible(
            0.01, 0.3, "Watts & Strogatz 1998: small-world range, clustered with short paths"
        ),
        description="Watts-Strogatz rewiring probability (B4). Plausible range 0.01-0.3, the "
        "small-world regime (Watts & Strogatz 1998).",
    )
    size_spread: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        json_schema_extra=plausible(
            0.25, 1.0, "organization sizes are right-skewed; no Indonesian figure read"
        ),
        description="Log-sd of organizations' size (base income) within a sector (A1-A6). "
        "Plausible range 0.25-1 (sizes are right-skewed; no figure for a town read).",
    )

    # --- funding (C4, C5) ---------------------------------------------------------------------
    funding_per_citizen: float = Field(
        0.5,
        ge=1e-6,
        le=100.0,
        json_schema_extra=plausible(
            0.25, 1.0, "service units a town's spending buys per citizen; no budget mapped"
        ),
        description="Monthly social spending in the town per citizen, in service units at "
        "list cost (UNIT_COST 1 for health); it sets how much service a town can afford, so "
        "welfare rises steeply with it (C4). Plausible range 0.25-1 (no Indonesian budget "
        "was mapped to service units).",
    )
    spend_rate: Unit = Field(
        0.6,
        json_schema_extra=plausible(
            0.3, 0.9, "reserves of 0.1-2.3 months of income, B = I (1 - s) / s; a guess"
        ),
        description="Share of its reserves an organization spends each month (C4). Plausible "
        "range 0.3-0.9: steady reserves of 0.1-2.3 months of income (no source).",
    )
    funding_volatility: Unit = Field(
        0.2,
        json_schema_extra=plausible(0.05, 0.5, "C4 lever; challenge-c4 raises it to 0.9"),
        description="Std. dev. of monthly income shocks; hits NGOs and communities most (C4). "
        "Plausible range 0.05-0.5 (a lever; no source for a town's social funding). How much a "
        "year's income varies depends on income_persistence too: with independent months an "
        "NGO's annual income CV is only about 0.01-0.09 over this range (`ngo_income_cv`).",
    )
    income_persistence: Unit = Field(
        0.0,
        json_schema_extra=plausible(
            0.0,
            0.95,
            "no source; 0 = independent months (the default), 0.92 = a one-year correlation "
            "time, as grants, contracts and budgets that run a year",
        ),
        description="Month-to-month autocorrelation of income shocks (AR(1)): a grant won or "
        "lost, a donor gained or lost, lasts. The monthly spread stays funding_volatility; a "
        "year's income varies more the more persistent the shocks (C4). Plausible range "
        "0-0.95; calibration fits it to non-profits' year-to-year income variation.",
    )
    competition: Unit = Field(
        0.2,
        json_schema_extra=plausible(0.0, 0.5, "C5 lever; challenge-c5 raises it to 0.9"),
        description="Share of the grant pool NGOs and communities must compete for; a Tullock "
        "contest burns (n-1)/n of it (C5). Plausible range 0-0.5 (a lever).",
    )
    funding_stress: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.3, 0.7, "no published value"),
        description="Income below this share of the announced income leaves a member nothing "
        "to give to its pools that month (C4). Plausible range 0.3-0.7 (no published value).",
    )

    # --- partnership formation (D1, D2, K1-K7, C1, C3) ----------------------------------------
    partnering_rate: Unit = Field(
        0.1,
        json_schema_extra=plausible(0.02, 0.3, "no published value; 0 is the baseline town"),
        description="Monthly probability that an organization looks for a partner; 0 = none "
        "(Z1). Plausible range 0.02-0.3 (no published value).",
    )
    formal_share: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.2, 0.8, "no published mix of formal and informal ties"),
        description="Probability that a new partnership is formal (D1) not informal (D2). "
        "Plausible range 0.2-0.8 (no published mix).",
    )
    allowed_kinds: tuple[Literal["K1", "K2", "K3", "K4", "K5", "K6", "K7"], ...] = Field(
        KINDS, description="Kinds of partnership that may form (K1-K7)."
    )
    max_members: int = Field(
        4,
        ge=2,
        le=20,
        json_schema_extra=plausible(3, 8, "no published value; integer"),
        description="Most organizations in one partnership (D1, D2). Plausible range 3-8.",
    )
    max_memberships: int = Field(
        5,
        ge=1,
        le=20,
        json_schema_extra=plausible(2, 8, "no published value; integer"),
        description="Most partnerships one organization belongs to (D1, D2). Plausible range "
        "2-8. At 5, one organization in seven is at the cap after ten years; at 3, two in "
        "five were (docs/ODD.md, Appendix B).",
    )
    money_weight: float = Field(
        0.3,
        ge=0.0,
        le=5.0,
        json_schema_extra=plausible(
            0.0, 1.0, "Klos & Nooteboom 2001 weigh profit against trust; no value"
        ),
        description="Weight of a candidate's money in its attractiveness as a partner, beside "
        "expertise, trust, goals, culture and ties (each of order 1). Plausible range 0-1 "
        "(Klos & Nooteboom 2001 weigh profit against trust, with no value to transfer).",
    )
    choice_temperature: float = Field(
        0.2,
        ge=0.01,
        le=5.0,
        json_schema_extra=plausible(0.05, 1.0, "no published value; scores are of order 1"),
        description="Softmax temperature of partner choice: near 0 picks the most attractive "
        "candidate, large values pick at random. Plausible range 0.05-1 (scores are of order "
        "1; no published value).",
    )
    join_chance: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.2, 0.8, "no published value"),
        description="Chance that an organization joins a partner's existing pool rather than "
        "start a new one with it (D1, D2). Plausible range 0.2-0.8.",
    )
    volunteer_hosting: Unit = Field(
        0.25,
        json_schema_extra=plausible(0.1, 0.5, "no published value"),
        description="Share of a host's partner searches (NGO, community, education) that "
        "start a citizen volunteer group instead (K7). Plausible range 0.1-0.5.",
    )
    citizens_per_volunteer: int = Field(
        200,
        ge=1,
        le=100_000,
        json_schema_extra=plausible(100, 500, "no published value; integer"),
        description="A volunteer group recruits one of this many citizens, at least 3 (K7). "
        "Plausible range 100-500.",
    )
    goal_divergence: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.6, "C1 lever; challenge-c1 raises it to 0.95"),
        description="Spread of organizations' priorities over welfare domains (C1). Plausible "
        "range 0.1-0.6 (a lever).",
    )
    profile_contrast: float = Field(
        1.0,
        ge=0.0,
        le=2.0,
        json_schema_extra=plausible(
            0.5, 1.5, "the sector profiles are stylised, not estimated; +-50 %"
        ),
        description="How far each sector's expertise and priorities stand from the average "
        "sector: 1 = the stylised profiles of docs/ODD.md (section 2.3), 0 = all sectors "
        "alike (B2, B6, C1). Plausible range 0.5-1.5 (the profiles are not estimated).",
    )
    cultural_distance: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.6, "C3 lever; challenge-c3 raises it to 1"),
        description="Scale of the organizational-culture gap between sectors (C3). Plausible "
        "range 0.1-0.6 (a lever).",
    )
    culture_spread: float = Field(
        0.08,
        ge=0.0,
        le=0.5,
        json_schema_extra=plausible(0.02, 0.15, "no published value"),
        description="Std. dev. of an organization's own culture around its sector's position "
        "(C3). Plausible range 0.02-0.15.",
    )
    culture_trust_penalty: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.25, 1.0, "no published value"),
        description="Share of strangers' trust lost across the widest cultural gap (C2, C3). "
        "Plausible range 0.25-1.",
    )
    misunderstanding: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.5, "no published value"),
        description="Chance per unit of cultural distance that good conduct is misread (C3). "
        "Plausible range 0.1-0.5.",
    )

    # --- formal vs informal (D1, D2) ----------------------------------------------------------
    formal_commitment: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.5, "no published value"),
        description="Monthly promise of a formal member, as a share of its usual income (D1). "
        "Plausible range 0.1-0.5.",
    )
    informal_commitment: Unit = Field(
        0.15,
        json_schema_extra=plausible(0.05, 0.3, "no published value; below formal promises"),
        description="Share of spending an informal member offers, scaled by trust (D2). "
        "Plausible range 0.05-0.3.",
    )
    max_committed: Unit = Field(
        0.8,
        json_schema_extra=plausible(0.5, 1.0, "no published value"),
        description="Most of its monthly spending an organization puts into pools; promises "
        "beyond it are scaled down, not broken (D1, D2). Plausible range 0.5-1.",
    )
    formal_duration: int = Field(
        36,
        ge=1,
        le=600,
        json_schema_extra=plausible(12, 60, "agreements of one to five years; integer"),
        description="Months a formal agreement runs before renewal (D1). Plausible range "
        "12-60 (one- to five-year agreements; no source for a town).",
    )
    governance_cost: Unit = Field(
        0.08,
        json_schema_extra=plausible(0.03, 0.15, "no published value"),
        description="Share of a formal pool spent on governance (D1). Plausible range "
        "0.03-0.15 (no published value).",
    )
    exit_cost: Unit = Field(
        0.1,
        json_schema_extra=plausible(0.0, 0.3, "no published value"),
        description="Share of its reserves a member pays to leave a formal pool early (D1). "
        "Plausible range 0-0.3.",
    )
    informal_strength: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.2, 0.8, "no published value"),
        description="Share of an informal pool's cases kept on the partners' shared case list "
        "(D2); formal pools share all of them. Plausible range 0.2-0.8 (no published value).",
    )
    sanction_rate: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        json_schema_extra=plausible(
            0.5, 3.0, "Fehr & Gaechter 2002: 1 unit spent removes 3 from the target"
        ),
        description="Fine per unit of shortfall a formal partnership levies on a member that "
        "gives less than it promised (D1); informal cooperation cannot sanction (D2). Plausible "
        "range 0.5-3 (Fehr & Gaechter 2002: 1 unit spent removes 3 from the target).",
    )

    mutual_cover: bool = Field(
        True,
        description="Formal partners cover an announced shortfall of a member hit by a funding "
        "cut, as far as their own spending allows (Z1 buffering).",
    )
    reserve_share: Unit = Field(
        0.1,
        json_schema_extra=plausible(
            0.0, 0.25, "no published value; a quarter of inflow is an upper guess"
        ),
        description="Share of a pool's normal inflow it saves as a reserve, drawn when inflow "
        "falls below normal (Z1 buffering); 0 = no reserves. Plausible range 0-0.25.",
    )
    reserve_memory: Unit = Field(
        0.9,
        json_schema_extra=plausible(0.8, 0.97, "a usual inflow remembered for 5-33 months"),
        description="Weight of the past in a pool's usual monthly inflow, against which a lean "
        "month is judged (Z1). Plausible range 0.8-0.97 (a memory of 5-33 months).",
    )

    # --- benefits (B1-B7) ---------------------------------------------------------------------
    scale_elasticity: float = Field(
        0.9,
        ge=0.4,
        le=1.0,
        json_schema_extra=plausible(
            0.8, 1.0, "mild scale economies of local social and health services"
        ),
        description="Cost elasticity of service output (B1): cost ~ output^e, so e < 1 means "
        "economies of scale and a pooled budget buys more than its parts. Plausible range "
        "0.8-1.0 (mild scale economies of local social and health services); 1 = none.",
    )
    operation_memory: Unit = Field(
        0.9,
        json_schema_extra=plausible(0.8, 0.97, "staff and premises adjust over 5-33 months"),
        description="Weight of the past in the size of an organization's operation in a "
        "domain, which sets its economies of scale (B1). Plausible range 0.8-0.97.",
    )
    expertise_spread: float = Field(
        0.2,
        ge=0.0,
        le=0.5,
        json_schema_extra=plausible(0.1, 0.3, "no published value"),
        description="Half-width of organizations' expertise around their sector profile (B2, "
        "B6): what a partner of the same sector can add. Plausible range 0.1-0.3.",
    )
    division_of_labour: bool = Field(
        True,
        description="A pool gives each domain's cases to the member with most expertise in it "
        "(B2, B6); off: each member serves its own share with its own expertise.",
    )
    coordination: bool = Field(
        True, description="Partners keep a shared case list, so they do not duplicate (B3)."
    )
    info_spread: Unit = Field(
        0.1,
        json_schema_extra=plausible(0.02, 0.3, "no published value"),
        description="Monthly spread of service awareness on ties (B4). Plausible range 0.02-0.3.",
    )
    awareness_forgetting: Unit = Field(
        0.02,
        json_schema_extra=plausible(0.01, 0.05, "no published value"),
        description="Monthly share of awareness of services lost without reminders (B4). "
        "Plausible range 0.01-0.05.",
    )
    served_awareness: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.25, 0.75, "no published value"),
        description="Share of a citizen's awareness gap closed by being served (B4). "
        "Plausible range 0.25-0.75.",
    )
    tie_gain: Unit = Field(
        0.1,
        json_schema_extra=plausible(0.05, 0.3, "no published value"),
        description="Monthly growth of the tie between two partners, towards 1 (B4). "
        "Plausible range 0.05-0.3.",
    )
    tie_decay: Unit = Field(
        0.98,
        json_schema_extra=plausible(0.95, 0.995, "a tie fades over 2-10 years unused"),
        description="Monthly retention of a tie's strength (B4). Plausible range 0.95-0.995: "
        "an unused tie fades over about 2-10 years.",
    )
    tie_min: Unit = Field(
        0.02,
        json_schema_extra=plausible(0.0, 0.05, "bookkeeping floor; no published value"),
        description="Ties weaker than this are forgotten (B4). Plausible range 0-0.05.",
    )
    participation: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.5, "no published value"),
        description="Citizens' propensity to take part in decisions and delivery (B5). "
        "Plausible range 0.1-0.5.",
    )
    base_engagement: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.25, 0.75, "no published value"),
        description="How much citizens are asked to take part in a town where no organization "
        "is in a community-linked partnership; it rises to 1 as all are (B5). Plausible range "
        "0.25-0.75.",
    )
    participation_targeting: Unit = Field(
        0.5,
        json_schema_extra=plausible(
            0.0, 0.5, "Alatas et al. 2012: community targeting is no better at finding the poor"
        ),
        description="Extra targeting by need of a community-linked pool per unit of "
        "participation (B5). Plausible range 0-0.5: Alatas et al. (2012) found community "
        "targeting in Indonesia no better at finding the consumption-poor than a means test.",
    )
    ownership_effect: float = Field(
        0.3,
        ge=0.0,
        le=3.0,
        json_schema_extra=plausible(0.0, 0.6, "no published value"),
        description="Extra benefit for citizens who take part (B5). Plausible range 0-0.6.",
    )
    accountability: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.6, "B7 lever; no published value"),
        description="Transparency towards citizens: how closely services follow real need (B7); "
        "government agencies gain it in government-community partnerships (K2). Plausible "
        "range 0.1-0.6 (a lever).",
    )
    accountability_gain: Unit = Field(
        0.05,
        json_schema_extra=plausible(0.01, 0.1, "no published value"),
        description="Monthly rise of an agency's accountability, towards 1, while it works "
        "with the community (K2, B7). Plausible range 0.01-0.1.",
    )
    accountability_decay: Unit = Field(
        0.01,
        json_schema_extra=plausible(0.005, 0.05, "no published value"),
        description="Monthly return of an agency's accountability to `accountability` when "
        "it does not (K2, B7). Plausible range 0.005-0.05.",
    )
    audit_probability: Unit = Field(
        0.04,
        json_schema_extra=published("Olken 2007: the usual audit rate in Indonesian villages"),
        description="Chance that a government project is audited (B7). Olken (2007): 4 % is "
        "the usual Indonesian rate; raising it to 100 % cut missing expenditure by 8 points.",
    )
    leakage: float = Field(
        0.28,
        ge=0.0,
        le=0.6,
        json_schema_extra=plausible(0.1, 0.4, "Olken 2007 control villages: 0.24-0.28"),
        description="Share of government spending that goes missing at a 4 % audit rate (B7). "
        "Olken (2007) control villages: roughly a quarter (0.24-0.28); plausible range 0.1-0.4.",
    )
    volunteer_value: float = Field(
        0.05,
        ge=0.0,
        le=10.0,
        json_schema_extra=plausible(0.01, 0.2, "no published value; in money units"),
        description="Service value of one volunteer-month, in money units (K7). Plausible "
        "range 0.01-0.2 (a tenth of a citizen's monthly social funding at the default).",
    )
    volunteer_dropout: Unit = Field(
        0.05,
        json_schema_extra=plausible(0.02, 0.1, "no published value"),
        description="Monthly chance that a volunteer leaves a group (K7). Plausible range "
        "0.02-0.1.",
    )

    # --- trust (C2) ---------------------------------------------------------------------------
    trust_rule: TrustRule = Field(TrustRule.ASYMMETRIC, description="Trust update rule (C2).")
    initial_trust: Unit = Field(
        0.5,
        json_schema_extra=plausible(
            0.3, 0.7, "trust games: about half is sent to a stranger (recalled)"
        ),
        description="Trust between strangers before cultural distance lowers it (C2, C3). "
        "Plausible range 0.3-0.7 (in trust games about half the endowment is sent to a "
        "stranger, Johnson & Mislin 2011; recalled, not re-read).",
    )
    trust_gain: Unit = Field(
        0.10,
        json_schema_extra=plausible(0.05, 0.2, "Pant & Yu 2025: 0.10 (not peer reviewed)"),
        description="alpha+: trust gained on a good experience (C2). Pant & Yu (2025): 0.10; "
        "plausible range 0.05-0.2 (a technical report, so varied).",
    )
    trust_loss: Unit = Field(
        0.30,
        json_schema_extra=plausible(
            0.15, 0.5, "Pant & Yu 2025: 0.30, 3:1 negativity bias (Slovic 1993)"
        ),
        description="alpha-: trust lost on a bad experience (C2). Pant & Yu (2025): 0.30, a "
        "3:1 negativity bias (Slovic 1993); plausible range 0.15-0.5.",
    )
    beta_forgetting: Unit = Field(
        0.9,
        json_schema_extra=plausible(0.8, 0.99, "Josang & Ismail 2002 leave it to the user"),
        description="lambda: memory of the Beta rule (C2; used only by trust_rule = beta). "
        "Plausible range 0.8-0.99 (Josang & Ismail 2002 give no value).",
    )
    defection_rate: Unit = Field(
        0.05,
        json_schema_extra=plausible(0.0, 0.1, "no published value"),
        description="Monthly chance that a member, whatever it intended, fails to pay (a "
        "trembling hand, C2). Plausible range 0-0.1.",
    )
    free_rider_share: Unit = Field(
        0.3,
        json_schema_extra=published("Fischbacher, Gaechter & Fehr 2001: about a third"),
        description="Share of organizations that give nothing unless sanctioned (C2); the rest "
        "split as in Fischbacher, Gaechter & Fehr (2001): 50 % conditional cooperators, 14 % "
        "hump-shaped, 6 % unconditional, out of their 70 %.",
    )
    cooperation_slope: Unit = Field(
        0.9,
        json_schema_extra=plausible(
            0.7, 1.0, "Fischbacher & Gaechter 2010: imperfect conditional cooperation"
        ),
        description="What a conditional cooperator gives per unit it believes its partners "
        "give (C2). Below 1: imperfect conditional cooperation (Fischbacher & Gaechter 2010); "
        "plausible range 0.7-1.",
    )
    belief_memory: Unit = Field(
        0.4,
        json_schema_extra=plausible(0.2, 0.8, "Fischbacher & Gaechter 2010 estimate about 0.4"),
        description="Weight of last month's belief when a member updates what it expects its "
        "partners to give (Fischbacher & Gaechter 2010 estimate about 0.4); range 0.2-0.8.",
    )
    good_contribution: Unit = Field(
        0.75,
        json_schema_extra=plausible(0.5, 0.9, "no published value"),
        description="A partner giving less than this share of what an observer expected is a "
        "bad experience for the observer's trust (C2). Plausible range 0.5-0.9.",
    )
    value_memory: Unit = Field(
        0.8,
        json_schema_extra=plausible(0.5, 0.95, "no published value"),
        description="Weight of the past in a member's running payoff ratio, which decides "
        "whether a pool is worth staying in (C1, D2). Plausible range 0.5-0.95.",
    )
    goodwill: float = Field(
        0.25,
        ge=0.0,
        le=2.0,
        json_schema_extra=plausible(
            0.05, 0.5, "Fichman & Levinthal 1991 give the form (an initial stock), no size"
        ),
        description="A newcomer's opening stock of goodwill: its running payoff ratio starts "
        "this far above the loner's payoff, so a few poor months must use it up before the "
        "member judges a pool not worth it (the honeymoon of Fichman & Levinthal 1991; C1, "
        "D2). With `value_memory` 0.8, 0.25 carries a member through about 2 months of half "
        "the loner's payoff, or 6 months at 0.9 of it; 0 = none (one poor month ends an "
        "informal tie). Plausible range 0.05-0.5 (a trial of about 1-12 months).",
    )
    trust_threshold: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.15, 0.45, "no published value"),
        description="Below this mean trust a member leaves or refuses (C2). Plausible range "
        "0.15-0.45.",
    )
    rivalry: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.2, 1.0, "no published value"),
        description="Chance per unit of `competition` that a fellow grant seeker's conduct is "
        "resented as a bad experience (C5). Plausible range 0.2-1.",
    )

    # --- governance and leadership (C6, C7) ---------------------------------------------------
    governance_mode: Governance = Field(
        Governance.ADAPTIVE, description="Partnership governance mode (C6, Provan & Kenis 2008)."
    )
    shared_trust: float = Field(
        0.6,
        ge=0.01,
        le=1.0,
        json_schema_extra=plausible(0.4, 0.8, "Provan & Kenis 2008: high trust (no number)"),
        description="Mean trust at which shared governance fits fully (C6; Provan & Kenis "
        "2008: shared governance needs high trust, no number). Plausible range 0.4-0.8.",
    )
    shared_size: float = Field(
        3.0,
        ge=1.0,
        le=20.0,
        json_schema_extra=plausible(2.0, 5.0, "Provan & Kenis 2008: few members (no number)"),
        description="Members above which shared governance fits less, as size/this (C6; "
        "Provan & Kenis 2008: few members). Plausible range 2-5.",
    )
    lead_fit: Unit = Field(
        0.8,
        json_schema_extra=plausible(0.6, 1.0, "no published value"),
        description="Best fit of lead-organization governance relative to a fitting shared "
        "one (C6). Plausible range 0.6-1.",
    )
    lead_trust: float = Field(
        0.4,
        ge=0.01,
        le=1.0,
        json_schema_extra=plausible(0.2, 0.6, "Provan & Kenis 2008: low trust (no number)"),
        description="Mean trust at which lead-organization governance fits fully (C6; Provan "
        "& Kenis 2008: low trust density suffices). Plausible range 0.2-0.6.",
    )
    lead_size: float = Field(
        6.0,
        ge=1.0,
        le=50.0,
        json_schema_extra=plausible(4.0, 10.0, "Provan & Kenis 2008: moderate size"),
        description="Members above which a lead organization fits less (C6; Provan & Kenis "
        "2008: a moderate number). Plausible range 4-10.",
    )
    lead_consensus: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.3, 0.7, "Provan & Kenis 2008: moderately low consensus"),
        description="Weight of goal consensus in a lead organization's fit, as (1 - w) + w x "
        "consensus (C6, C1). Plausible range 0.3-0.7.",
    )
    nao_fit: Unit = Field(
        0.75,
        json_schema_extra=plausible(0.5, 1.0, "no published value"),
        description="Best fit of a network administrative organization (NAO) relative to a "
        "fitting shared governance (C6). Plausible range 0.5-1.",
    )
    nao_trust: float = Field(
        0.3,
        ge=0.01,
        le=1.0,
        json_schema_extra=plausible(0.1, 0.5, "Provan & Kenis 2008: moderate trust"),
        description="Mean trust at which an NAO fits fully; it suits any size (C6). Plausible "
        "range 0.1-0.5.",
    )
    nao_consensus: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.5, "Provan & Kenis 2008: moderately high consensus"),
        description="Weight of goal consensus in an NAO's fit, as (1 - w) + w x consensus "
        "(C6, C1). Plausible range 0.1-0.5.",
    )
    nao_cost: Unit = Field(
        0.04,
        json_schema_extra=plausible(0.0, 0.1, "no published value"),
        description="Extra share of a formal pool an NAO costs on top of `governance_cost` "
        "(C6). Plausible range 0-0.1.",
    )
    leadership_quality: Unit = Field(
        0.6,
        json_schema_extra=plausible(0.3, 0.9, "C6 lever; challenge-c6 lowers it to 0.15"),
        description="Mean leadership quality (C6). Plausible range 0.3-0.9 (a lever).",
    )
    leadership_spread: float = Field(
        0.1,
        ge=0.0,
        le=0.5,
        json_schema_extra=plausible(0.05, 0.2, "no published value"),
        description="Std. dev. of leadership quality between organizations (C6). Plausible "
        "range 0.05-0.2.",
    )
    leadership_turnover: Unit = Field(
        0.01,
        json_schema_extra=plausible(0.005, 0.03, "leaders serving about 3-15 years"),
        description="Monthly chance that an organization changes leader (C7). Plausible range "
        "0.005-0.03 (leaders serving about 3-15 years; no source for a town).",
    )
    trust_reset: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.2, 0.8, "no published value"),
        description="Share of built trust lost when a leader changes (C7). Plausible range "
        "0.2-0.8.",
    )
    priority_shift: Unit = Field(
        0.5,
        json_schema_extra=plausible(0.2, 0.8, "no published value"),
        description="How far a new leader moves the organization's priorities (C7, C1). "
        "Plausible range 0.2-0.8.",
    )

    # --- citizens' welfare --------------------------------------------------------------------
    welfare_decay: Unit = Field(
        0.03,
        json_schema_extra=plausible(0.01, 0.06, "no published value"),
        description="Monthly erosion of welfare without services (needs arise), for a "
        "citizen of average vulnerability. Plausible range 0.01-0.06.",
    )
    service_effect: Unit = Field(
        0.3,
        json_schema_extra=plausible(0.1, 0.5, "no published value"),
        description="Share of the welfare gap one quality-1 service closes. Plausible range "
        "0.1-0.5.",
    )
    initial_welfare: Unit = Field(
        0.3,
        json_schema_extra=structural("initial condition"),
        description="Mean initial welfare in each domain.",
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> ModelParams:
        if self.network_degree % 2:
            raise ValueError("network_degree must be even (a ring lattice joins k/2 each side)")
        if self.n_organizations < 2:
            raise ValueError("a town needs at least two organizations")
        if len(set(self.allowed_kinds)) != len(self.allowed_kinds):
            raise ValueError("allowed_kinds lists a kind twice")
        return self

    @property
    def n_organizations(self) -> int:
        """Number of organizations of all sectors."""
        return (
            self.n_ngo + self.n_business + self.n_government + self.n_education + (self.n_community)
        )

    def sector_counts(self) -> dict[Sector, int]:
        """Organizations per sector, in the fixed creation order."""
        return {
            Sector.NGO: self.n_ngo,
            Sector.BUSINESS: self.n_business,
            Sector.GOVERNMENT: self.n_government,
            Sector.EDUCATION: self.n_education,
            Sector.COMMUNITY: self.n_community,
        }


class Shock(BaseModel):
    """A scheduled disturbance (Z1 resilience): a funding cut (C4) or a leadership change (C7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: int = Field(ge=1, le=100_000, description="Month at whose end the shock hits.")
    kind: Literal["funding_cut", "leadership_change"]
    sectors: tuple[Sector, ...] = Field(tuple(Sector), description="Sectors hit (default: all).")
    magnitude: Unit = Field(
        0.5, description="funding_cut: share of income lost; leadership_change: share of orgs."
    )
    duration: int = Field(12, ge=1, le=100_000, description="funding_cut: months it lasts.")


def plausible_ranges() -> dict[str, tuple[float, float]]:
    """Every parameter with a documented plausible range, in declaration order.

    These are the parameters calibration fits and sensitivity analysis varies; the rest
    have a published value, are structural (town size, network degree, initial conditions) or
    are switches. A few are integers (`max_members`, `max_memberships`, `formal_duration`,
    `citizens_per_volunteer`): their bounds are integers and a design must round them.
    """
    ranges: dict[str, tuple[float, float]] = {}
    for name, field in ModelParams.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and "plausible" in extra:
            low, high = extra["plausible"]  # type: ignore[misc]
            ranges[name] = (float(low), float(high))
    return ranges


def parameter_kind(name: str) -> str:
    """How a parameter's value is justified: "plausible", "published", "structural" or
    "switch" (a bool, enum or list of kinds, which chooses a mechanism); "" if undocumented."""
    field = ModelParams.model_fields[name]
    extra = field.json_schema_extra
    for kind in ("plausible", "published", "structural"):
        if isinstance(extra, dict) and kind in extra:
            return kind
    if field.annotation not in (int, float):
        return "switch"
    return ""


def profile(table: dict[Sector, tuple[float, ...]], sector: Sector, contrast: float) -> np.ndarray:
    """A sector's row of a stylised profile table, its contrast to the average sector scaled.

    row + (contrast - 1) (row - mean row), floored at 0: contrast 1 gives the table exactly,
    0 makes every sector the average one (`profile_contrast`, the sensitivity analysis's
    handle on tables that no source gives).
    """
    import numpy as np  # here, so that the sweep coordinator loads the schema without numpy

    row = np.asarray(table[sector])
    mean = np.mean(np.asarray(list(table.values())), axis=0)
    return np.maximum(row + (contrast - 1.0) * (row - mean), 0.0)


def _allowed(name: str) -> str:
    field = ModelParams.model_fields[name]
    ann = field.annotation
    if ann is bool:
        return "true / false"
    if isinstance(ann, type) and issubclass(ann, StrEnum):
        return ", ".join(f"`{m.value}`" for m in ann)
    if ann not in (int, float):
        return "subset of K1-K7, no repeats"
    bounds = {a: getattr(m, a) for m in field.metadata for a in ("ge", "le") if hasattr(m, a)}
    return f"[{bounds.get('ge', '-inf')}, {bounds.get('le', 'inf')}]"


def _default(name: str) -> str:
    value = ModelParams.model_fields[name].default
    if isinstance(value, StrEnum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "all seven"
    return str(value)


def parameter_table() -> str:
    """The parameter table of docs/ODD.md (section 7.12), generated from the schema.

    Run `python -m simulation.params` to print it; a test checks that the ODD holds it.
    """
    rows = [
        "| Parameter | Default | Allowed | Kind | Plausible range (reason) or source | Meaning |",
        "|---|---|---|---|---|---|",
    ]
    for name, field in ModelParams.model_fields.items():
        kind = parameter_kind(name)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if kind == "plausible":
            low, high = extra["plausible"]  # type: ignore[misc]
            basis = f"{low}-{high} ({extra['reason']})"
        else:
            basis = str(extra.get(kind, ""))
        rows.append(
            f"| `{name}` | {_default(name)} | {_allowed(name)} | {kind} | {basis} "
            f"| {field.description} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(parameter_table(), end="")
