"""Model parameters: one validated schema for the model, scenario files, sweeps and sliders.

Every field names the seed concept it switches or scales (see docs/ODD.md).  Ranges are
enforced by pydantic, so a scenario file, a sweep factor and a slider all share one
definition of what is allowed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


def plausible(low: float, high: float, reason: str) -> dict[str, object]:
    """Field metadata for a parameter with no agreed published value.

    The range is what calibration takes as its prior and what sensitivity analysis varies;
    `reason` says where the range comes from (a source, or why it is a guess).
    """
    return {"plausible": [low, high], "reason": reason}


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
    """All model parameters with defaults for a classroom-scale town (2,000 citizens, 50 orgs)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # --- population and organizations (A1-A6) -------------------------------------------------
    n_citizens: int = Field(2000, ge=10, le=2_000_000, description="Citizens (A4).")
    n_ngo: int = Field(12, ge=0, le=500, description="Non-profit organizations (A1).")
    n_business: int = Field(12, ge=0, le=500, description="Businesses (A2).")
    n_government: int = Field(6, ge=0, le=500, description="Government agencies (A3).")
    n_education: int = Field(8, ge=0, le=500, description="Education institutions (A5).")
    n_community: int = Field(
        12, ge=0, le=500, description="Community organizations: faith groups, centres (A6)."
    )
    network_degree: int = Field(
        6, ge=2, le=50, description="Citizens' social ties per person (even; B4)."
    )
    network_rewiring: Unit = Field(0.1, description="Watts-Strogatz rewiring probability (B4).")

    # --- funding (C4, C5) ---------------------------------------------------------------------
    funding_per_citizen: float = Field(
        0.5, ge=1e-6, le=100.0, description="Monthly social spending in the town per citizen."
    )
    spend_rate: Unit = Field(
        0.6, description="Share of its reserves an organization spends each month."
    )
    funding_volatility: Unit = Field(
        0.2, description="Std. dev. of monthly income shocks; hits NGOs and communities most (C4)."
    )
    competition: Unit = Field(
        0.2,
        description="Share of the grant pool NGOs and communities must compete for; a Tullock "
        "contest burns (n-1)/n of it (C5).",
    )

    # --- partnership formation (D1, D2, K1-K7, C1, C3) ----------------------------------------
    partnering_rate: Unit = Field(
        0.1, description="Monthly probability that an organization looks for a partner; 0 = none."
    )
    formal_share: Unit = Field(
        0.5, description="Probability that a new partnership is formal (D1) not informal (D2)."
    )
    allowed_kinds: tuple[Literal["K1", "K2", "K3", "K4", "K5", "K6", "K7"], ...] = Field(
        KINDS, description="Kinds of partnership that may form (K1-K7)."
    )
    max_members: int = Field(4, ge=2, le=20, description="Most organizations in one partnership.")
    max_memberships: int = Field(
        3, ge=1, le=20, description="Most partnerships one organization belongs to."
    )
    goal_divergence: Unit = Field(
        0.3, description="Spread of organizations' priorities over welfare domains (C1)."
    )
    cultural_distance: Unit = Field(
        0.3, description="Scale of the organizational-culture gap between sectors (C3)."
    )
    misunderstanding: Unit = Field(
        0.3, description="Chance per unit of cultural distance that good conduct is misread (C3)."
    )

    # --- formal vs informal (D1, D2) ----------------------------------------------------------
    formal_commitment: Unit = Field(
        0.3, description="Monthly promise of a formal member, as a share of its usual income (D1)."
    )
    informal_commitment: Unit = Field(
        0.15, description="Share of spending an informal member offers, scaled by trust (D2)."
    )
    formal_duration: int = Field(
        36, ge=1, le=600, description="Months a formal agreement runs before renewal (D1)."
    )
    governance_cost: Unit = Field(
        0.08, description="Share of a formal pool spent on governance (D1)."
    )
    exit_cost: Unit = Field(
        0.1, description="Share of its reserves a member pays to leave a formal pool early (D1)."
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
    info_spread: Unit = Field(0.1, description="Monthly spread of service awareness on ties (B4).")
    participation: Unit = Field(
        0.3, description="Citizens' propensity to take part in decisions and delivery (B5)."
    )
    ownership_effect: float = Field(
        0.3, ge=0.0, le=3.0, description="Extra benefit for citizens who take part (B5)."
    )
    accountability: Unit = Field(
        0.3,
        description="Transparency towards citizens: how closely services follow real need (B7); "
        "government agencies gain it in government-community partnerships (K2).",
    )
    audit_probability: Unit = Field(
        0.04,
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
        0.05, ge=0.0, le=10.0, description="Service value of one volunteer-month (K7)."
    )

    # --- trust (C2) ---------------------------------------------------------------------------
    trust_rule: TrustRule = Field(TrustRule.ASYMMETRIC, description="Trust update rule (C2).")
    initial_trust: Unit = Field(
        0.5, description="Trust between strangers before cultural distance lowers it (C2, C3)."
    )
    trust_gain: Unit = Field(0.10, description="alpha+: trust gained on a good experience (C2).")
    trust_loss: Unit = Field(0.30, description="alpha-: trust lost on a bad experience (C2).")
    beta_forgetting: Unit = Field(0.9, description="lambda: memory of the Beta rule (C2).")
    defection_rate: Unit = Field(
        0.05,
        json_schema_extra=plausible(0.0, 0.1, "no published value"),
        description="Monthly chance that a member, whatever it intended, fails to pay (a "
        "trembling hand, C2). Plausible range 0-0.1.",
    )
    free_rider_share: Unit = Field(
        0.3,
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
    trust_threshold: Unit = Field(
        0.3, description="Below this mean trust a member leaves or refuses (C2)."
    )

    # --- governance and leadership (C6, C7) ---------------------------------------------------
    governance_mode: Governance = Field(
        Governance.ADAPTIVE, description="Partnership governance mode (C6, Provan & Kenis 2008)."
    )
    leadership_quality: Unit = Field(0.6, description="Mean leadership quality (C6).")
    leadership_turnover: Unit = Field(
        0.01, description="Monthly chance that an organization changes leader (C7)."
    )
    trust_reset: Unit = Field(
        0.5, description="Share of built trust lost when a leader changes (C7)."
    )
    priority_shift: Unit = Field(
        0.5, description="How far a new leader moves the organization's priorities (C7)."
    )

    # --- citizens' welfare --------------------------------------------------------------------
    welfare_decay: Unit = Field(
        0.03, description="Monthly erosion of welfare without services (needs arise)."
    )
    service_effect: Unit = Field(
        0.3, description="Share of the welfare gap one quality-1 service closes."
    )
    initial_welfare: Unit = Field(0.3, description="Mean initial welfare in each domain.")

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
    have a published value, are structural (town size, switches) or are scenario levers.
    """
    ranges: dict[str, tuple[float, float]] = {}
    for name, field in ModelParams.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and "plausible" in extra:
            low, high = extra["plausible"]  # type: ignore[misc]
            ranges[name] = (float(low), float(high))
    return ranges
