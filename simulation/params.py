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
        0.5, description="Share of pooling and coordination gains informal cooperation gets (D2)."
    )

    # --- benefits (B1-B7) ---------------------------------------------------------------------
    pooling_gain: float = Field(
        0.4, ge=0.0, le=3.0, description="Extra reach per pooled unit: shared networks (B1)."
    )
    synergy: float = Field(
        0.15, ge=-0.5, le=1.0, description="Synergy w-1 per unit of sector diversity (B2)."
    )
    coordination: bool = Field(
        True, description="Partnerships coordinate delivery, so members do not duplicate (B3)."
    )
    network_effect: float = Field(
        0.5, ge=0.0, le=5.0, description="How much partnerships speed news of services (B4)."
    )
    info_spread: Unit = Field(0.1, description="Monthly spread of service awareness on ties (B4).")
    participation: Unit = Field(
        0.3, description="Citizens' propensity to take part in decisions and delivery (B5)."
    )
    ownership_effect: float = Field(
        0.3, ge=0.0, le=3.0, description="Extra benefit for citizens who take part (B5)."
    )
    quality_pooling: Unit = Field(
        1.0, description="How fully partners' expertise combines into service quality (B6)."
    )
    accountability: Unit = Field(
        0.3, description="Monitoring and transparency: targeting, less leakage and shirking (B7)."
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
        0.05, description="Monthly chance that a member breaks its promise (betrayal, C2)."
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


def parameter_table() -> list[dict[str, object]]:
    """Name, default, range and description of every parameter, for docs and the CLI."""
    rows = []
    for name, field in ModelParams.model_fields.items():
        bounds = {
            type(m).__name__: getattr(m, type(m).__name__.lower(), None) for m in field.metadata
        }
        rows.append(
            {
                "name": name,
                "default": field.default,
                "bounds": bounds,
                "description": field.description or "",
            }
        )
    return rows
