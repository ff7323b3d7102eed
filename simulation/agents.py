"""Agents: organizations of five sectors (A1, A2, A3, A5, A6) and citizens (A4).

Organizations are Mesa agents holding their own state and their decision rules: what share
of a promise to give to a pool (conditional cooperation, Fischbacher, Gaechter & Fehr 2001).
Citizens' state lives in the numpy arrays of `CitizenPopulation`, so that the model updates a
whole town in a few vector operations; a `Citizen` agent is a view on one row, created only
when something asks for it (`PartnershipModel.citizen`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from mesa import Agent

from .cooperation import draw_cooperation
from .params import DOMAINS, Sector, profile
from .partnership import VOLUNTEER_HOSTS

if TYPE_CHECKING:
    from .model import PartnershipModel
    from .partnership import Partnership

# Sector profiles: priorities over (health, education, housing, livelihood), expertise in each
# domain, a position on a two-dimensional organizational-culture plane, how strongly income
# swings with the economy (C4), and how well services reach those in most need.
PRIORITIES: dict[Sector, tuple[float, ...]] = {
    Sector.NGO: (0.35, 0.15, 0.30, 0.20),
    Sector.BUSINESS: (0.10, 0.20, 0.10, 0.60),
    Sector.GOVERNMENT: (0.30, 0.30, 0.20, 0.20),
    Sector.EDUCATION: (0.05, 0.70, 0.05, 0.20),
    Sector.COMMUNITY: (0.30, 0.20, 0.20, 0.30),
}
EXPERTISE: dict[Sector, tuple[float, ...]] = {
    Sector.NGO: (0.60, 0.40, 0.55, 0.40),
    Sector.BUSINESS: (0.20, 0.30, 0.30, 0.65),
    Sector.GOVERNMENT: (0.50, 0.50, 0.50, 0.40),
    Sector.EDUCATION: (0.30, 0.80, 0.10, 0.50),
    Sector.COMMUNITY: (0.40, 0.30, 0.30, 0.40),
}
CULTURE: dict[Sector, tuple[float, float]] = {
    Sector.NGO: (0.2, 0.8),
    Sector.BUSINESS: (0.9, 0.2),
    Sector.GOVERNMENT: (0.8, 0.8),
    Sector.EDUCATION: (0.5, 0.6),
    Sector.COMMUNITY: (0.1, 0.5),
}
INCOME_SENSITIVITY: dict[Sector, float] = {
    Sector.NGO: 1.0,
    Sector.BUSINESS: 0.7,
    Sector.GOVERNMENT: 0.3,
    Sector.EDUCATION: 0.5,
    Sector.COMMUNITY: 1.2,
}
TARGETING: dict[Sector, float] = {
    Sector.NGO: 0.6,
    Sector.BUSINESS: 0.2,
    Sector.GOVERNMENT: 0.5,
    Sector.EDUCATION: 0.4,
    Sector.COMMUNITY: 0.7,
}
# Share of the town's monthly social spending that flows to each sector; the rest is a grant
# pool that NGOs and community organizations compete for (C5).
FUNDING_SHARE: dict[Sector, float] = {
    Sector.GOVERNMENT: 0.40,
    Sector.BUSINESS: 0.20,
    Sector.NGO: 0.12,
    Sector.EDUCATION: 0.12,
    Sector.COMMUNITY: 0.04,
}
GRANT_SHARE = 0.12
GRANT_SEEKERS = frozenset({Sector.NGO, Sector.COMMUNITY})
WORTH_IT = 1.0  # a member leaves a pool that pays it less than going alone (loner payoff)
MAX_RESERVE_MONTHS = 12.0  # cap on opening reserves, in months of income


class Organization(Agent):
    """An organization that funds and delivers services, alone or through partnerships."""

    sector: ClassVar[Sector]
    model: PartnershipModel

    def __init__(self, model: PartnershipModel, *, index: int, base_income: float) -> None:
        super().__init__(model)
        p = model.p
        rng = model.rng
        self.index = index
        self.name = f"{self.sector.value}-{index}"
        self.base_income = base_income
        # Reserves start at their steady state under spend_rate s, B = I (1 - s) / s, so the
        # town does not spend down an arbitrary opening balance (no drift from set-up); at
        # most a year's income (s near 0 has no finite steady state).
        rest = 1.0 - p.spend_rate
        self.budget = base_income * min(rest / max(p.spend_rate, 1e-9), MAX_RESERVE_MONTHS)
        spread = p.expertise_spread
        self.expertise = np.clip(
            profile(EXPERTISE, self.sector, p.profile_contrast)
            * rng.uniform(1 - spread, 1 + spread, len(DOMAINS)),
            0.02,
            0.98,
        )
        self.priorities = self._draw_priorities(p.goal_divergence)
        self.culture = np.asarray(CULTURE[self.sector]) + rng.normal(0.0, p.culture_spread, 2)
        self.leadership = self._draw_leadership()
        self.cooperation = draw_cooperation(p.free_rider_share, rng)
        self.own_share = float(rng.random())  # what an unconditional type gives
        self.memberships: list[Partnership] = []
        self.accountability = p.accountability  # grows through government-community work (K2)
        self.income = base_income
        self.spending = 0.0

    def _draw_priorities(self, divergence: float) -> np.ndarray:
        """Sector priorities mixed with idiosyncratic ones; divergence is C1's lever."""
        own = self.model.rng.dirichlet(np.full(len(DOMAINS), 0.4))
        contrast = self.model.p.profile_contrast
        mix = (1.0 - divergence) * profile(PRIORITIES, self.sector, contrast) + divergence * own
        return mix / mix.sum()

    def _draw_leadership(self) -> float:
        q = self.model.p.leadership_quality
        return float(
            np.clip(q + self.model.rng.normal(0.0, self.model.p.leadership_spread), 0.0, 1.0)
        )

    @property
    def targeting(self) -> float:
        """How closely services follow real need (B7): 0 = first come, 1 = by need."""
        if self.sector is Sector.GOVERNMENT:
            return self.accountability
        return TARGETING[self.sector] * (0.5 + 0.5 * self.model.p.accountability)

    def look_for_partners(self) -> None:
        """This month's partner search (D1, D2, K1-K7): with chance `partnering_rate`, an
        organization below its membership cap hosts volunteers (K7) or seeks a partner."""
        model, p = self.model, self.model.p
        if len(self.memberships) >= p.max_memberships or model.rng.random() >= p.partnering_rate:
            return
        if (
            "K7" in p.allowed_kinds
            and self.sector in VOLUNTEER_HOSTS
            and model.rng.random() < p.volunteer_hosting
        ):
            model.host_volunteers(self)
            return
        self.seek_partner()

    def seek_partner(self) -> None:
        """Pick a candidate by attractiveness (softmax); both sides must trust enough (C2)
        and the goals must be close enough (C1, accepted with chance = alignment)."""
        model, p = self.model, self.model.p
        candidates = np.flatnonzero(model.partner_candidates(self))
        if not candidates.size:
            return
        scores = self.partner_scores()[candidates]
        weights = np.exp((scores - scores.max()) / p.choice_temperature)
        pick = int(candidates[model.rng.choice(candidates.size, p=weights / weights.sum())])
        trust = model.trust
        if min(trust[self.index, pick], trust[pick, self.index]) < p.trust_threshold:
            return
        if model.rng.random() >= model.alignment[self.index, pick]:
            return
        model.start_or_join(self, model.organizations[pick])

    def reason_to_leave(self, ps: Partnership, *, trust: float) -> str | None:
        """Why this member would leave `ps` now, or None (C2, C1; D1 terms, D2 free exit).

        It leaves when its mean trust in the others is below `trust_threshold`, or when
        the pool pays it less than going alone (its smoothed payoff ratio below WORTH_IT,
        the loner's payoff; Hauert et al. 2002) and it is free to go: the partnership is
        informal or its formal term has just ended.
        """
        if trust < self.model.p.trust_threshold:
            return "distrust"
        if ps.values[self.index] < WORTH_IT and (not ps.formal or ps.term_over):
            return "poor value"
        return None

    def partner_scores(self) -> np.ndarray:
        """How attractive every organization is as a partner: the expertise it adds where
        this one is weak, its money, trust, shared goals, minus culture gap, plus old ties."""
        model, i = self.model, self.index
        complement = (np.maximum(model.expertise, self.expertise) - self.expertise).mean(axis=1)
        money = model.base_income / (self.base_income + model.base_income)
        return (
            complement
            + model.p.money_weight * money
            + model.trust[i]
            + model.alignment[i]
            - model.culture_gap[i]
            + model.ties[i]
        )

    def change_leader(self) -> None:
        """A new leader (C7): new priorities within the mission (drawn as at set-up, so the
        town stays at rest) and leadership; partners' trust partly resets."""
        p = self.model.p
        new = self._draw_priorities(p.goal_divergence)
        mixed = (1.0 - p.priority_shift) * self.priorities + p.priority_shift * new
        self.priorities = mixed / mixed.sum()
        self.leadership = self._draw_leadership()
        self.model.trust_state.reset(self.index, p.trust_reset)


class NGO(Organization):
    """Non-profit organization (A1): expertise in health and housing, volatile donations."""

    sector = Sector.NGO


class Business(Organization):
    """Business (A2): finance and jobs; spends a social-responsibility budget."""

    sector = Sector.BUSINESS


class GovernmentAgency(Organization):
    """Government agency (A3): the largest, steadiest budget; accountability matters (B7)."""

    sector = Sector.GOVERNMENT


class EducationInstitution(Organization):
    """School, college or training centre (A5): education and skills for work (K3)."""

    sector = Sector.EDUCATION


class CommunityOrganization(Organization):
    """Community-based organization (A6): faith group or recreation centre, close to people."""

    sector = Sector.COMMUNITY


ORGANIZATION_CLASSES: dict[Sector, type[Organization]] = {
    cls.sector: cls
    for cls in (NGO, Business, GovernmentAgency, EducationInstitution, CommunityOrganization)
}


class Citizen(Agent):
    """A citizen (A4): receives services, takes part in decisions and may volunteer (K7).

    Its state is a row of the population arrays; these properties only read it.
    """

    model: PartnershipModel

    def __init__(self, model: PartnershipModel, *, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def welfare(self) -> np.ndarray:
        """Welfare in each domain (health, education, housing, livelihood), in [0, 1]."""
        return self.model.citizens.welfare[self.index]

    @property
    def participating(self) -> bool:
        """Whether the citizen takes part in decisions this month (B5)."""
        return bool(self.model.citizens.participating[self.index])

    @property
    def volunteering(self) -> bool:
        """Whether the citizen volunteers in a K7 group."""
        return bool(self.model.citizens.volunteering[self.index])
