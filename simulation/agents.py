"""Agents: organizations of five sectors (A1, A2, A3, A5, A6) and citizens (A4).

Organizations are Mesa agents holding their own state and their decision rules: what share
of a promise to give to a pool (conditional cooperation, Fischbacher, Gaechter & Fehr 2001).
Citizens' state lives in the numpy arrays of `CitizenPopulation`, so that the model updates a
whole town in a few vector operations; a `Citizen` agent is a view on one row, created only
when something asks for it (`PartnershipModel.citizen`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from mesa import Agent

from .cooperation import contribution_shares, draw_cooperation
from .params import DOMAINS, Governance, Sector, profile
from .partner_kernels import governance_choice, leave_reasons, partner_choice
from .partnership import GOVERNANCE_CODES, VOLUNTEER_HOSTS
from .sampling import pick

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
LEAVE_REASONS = (None, "distrust", "poor value")  # codes of Organization.reasons_to_leave


class _Entry:
    """An organization's entry in one of the model's per-organization arrays.

    The model keeps money and accountability of all organizations in arrays, so that a
    month's funding, fines and accountability are a few array operations; an organization
    reads and writes its own entry through this attribute.
    """

    def __init__(self, array: str) -> None:
        self.array = array

    def __get__(self, org: Organization | None, owner: type | None = None) -> Any:
        if org is None:
            return self
        return getattr(org.model, self.array)[org.index]

    def __set__(self, org: Organization, value: float) -> None:
        getattr(org.model, self.array)[org.index] = value


@lru_cache(maxsize=32)  # a sweep varies the setting run after run: keep the last few
def sector_profile(table: str, sector: Sector, contrast: float) -> np.ndarray:
    """A sector's row of the `expertise` or `priorities` table (params.profile), worked out
    once per setting of `profile_contrast`: every organization of a sector asks for the same
    row, and working it out cost more than the rest of setting an organization up. Shared,
    so read-only."""
    row = profile({"expertise": EXPERTISE, "priorities": PRIORITIES}[table], sector, contrast)
    row.flags.writeable = False
    return row


class Organization(Agent):
    """An organization that funds and delivers services, alone or through partnerships."""

    sector: ClassVar[Sector]
    model: PartnershipModel
    budget = _Entry("budget")  # reserves: what it holds after this month's spending
    income = _Entry("income")  # this month's income, grants included
    spending = _Entry("org_spending")  # what it spent this month
    accountability = _Entry("accountability")  # grows through government-community work (K2)

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
        self.opening_budget = base_income * min(rest / max(p.spend_rate, 1e-9), MAX_RESERVE_MONTHS)
        spread = p.expertise_spread
        self.expertise = np.clip(
            sector_profile("expertise", self.sector, p.profile_contrast)
            * rng.uniform(1 - spread, 1 + spread, len(DOMAINS)),
            0.02,
            0.98,
        )
        # The sector's priorities, which every leader's own draw is mixed with (C1, C7).
        self.sector_priorities = sector_profile("priorities", self.sector, p.profile_contrast)
        self.priorities = self._draw_priorities(p.goal_divergence)
        self.culture = np.asarray(CULTURE[self.sector]) + rng.normal(0.0, p.culture_spread, 2)
        self.leadership = self._draw_leadership()
        self.cooperation = draw_cooperation(p.free_rider_share, rng)
        self.own_share = float(rng.random())  # what an unconditional type gives
        self.memberships: list[Partnership] = []
        # How closely its services follow need when it is not a government agency (whose
        # targeting is its accountability): the sector's, raised by accountability to citizens.
        self.sector_targeting = TARGETING[self.sector] * (0.5 + 0.5 * p.accountability)

    def _draw_priorities(self, divergence: float) -> np.ndarray:
        """Sector priorities mixed with idiosyncratic ones; divergence is C1's lever."""
        own = self.model.rng.dirichlet(np.full(len(DOMAINS), 0.4))
        mix = (1.0 - divergence) * self.sector_priorities + divergence * own
        return mix / mix.sum()

    def _draw_leadership(self) -> float:
        """Leadership quality around the town's, clipped to [0, 1] (a Python float: numpy's
        clip of one number costs more than the draw)."""
        p = self.model.p
        return min(
            max(p.leadership_quality + self.model.rng.normal(0.0, p.leadership_spread), 0.0), 1.0
        )

    @property
    def targeting(self) -> float:
        """How closely services follow real need (B7): 0 = first come, 1 = by need."""
        if self.sector is Sector.GOVERNMENT:
            return float(self.accountability)
        return self.sector_targeting

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
        partners = [m.index for ps in self.memberships for m in ps.members]
        candidates, chances = partner_choice(
            self.index,
            model.kind_allowed,
            model.membership_counts,
            p.max_memberships,
            np.array(partners, dtype=np.int64),
            self.partner_scores(),
            p.choice_temperature,
        )
        if not candidates.size:
            return
        choice = int(candidates[pick(chances, model.rng)])
        trust, i = model.trust, self.index
        if min(trust[i, choice], trust[choice, i]) < p.trust_threshold:
            return
        if model.rng.random() >= model.alignment[i, choice]:
            return
        model.start_or_join(self, model.organizations[choice])

    # Decisions every member takes for all its memberships each month. Each is a rule of this
    # class applied to every organization's column of the model's (partnerships x
    # organizations) arrays in one array operation: the same rule, called once per
    # organization, would cost some fifty small numpy calls a month, more than the decision
    # itself. An organization's own traits (cooperation type, leadership) are the model's
    # per-organization arrays, in `model.organizations` order.

    @staticmethod
    def decide_contributions(
        model: PartnershipModel, beliefs: np.ndarray, mpcr: np.ndarray, deterred: np.ndarray
    ) -> np.ndarray:
        """Share of its promise each member gives to each of its pools (C2, D1, D2).

        Conditional cooperation with the type shares of Fischbacher, Gaechter & Fehr (2001):
        each organization applies its own type (cooperation.contribution_shares) to its
        belief about its partners in that pool; the sure prospect of a sanction (`deterred`)
        or a pool that pays privately (mpcr >= 1) makes every type give in full. Returns
        (partnerships x organizations); the model masks non-members.
        """
        return contribution_shares(
            model.cooperation_types,
            beliefs,
            model.own_share,
            slope=model.p.cooperation_slope,
            mpcr=mpcr,
            deterred=deterred,
        )

    @staticmethod
    def choose_governance(
        model: PartnershipModel,
        fits: np.ndarray,
        requested: np.ndarray,
        membership: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Members agree on each pool's governance mode; returns (mode codes, effectiveness).

        A pool keeps the mode its founders asked for, or with `adaptive` takes the mode that
        fits its network best (Provan & Kenis 2008; `fits` from partnership.governance_fit,
        columns in GOVERNANCE_MODES order). Effectiveness = fit x quality of whoever leads
        (C6): the members' mean leadership when shared, the best leader's under a lead
        organization, a professional administrator of average quality under an NAO.
        """
        return governance_choice(
            fits,
            requested,
            membership,
            model.leadership,
            GOVERNANCE_CODES[Governance.ADAPTIVE],
            GOVERNANCE_CODES[Governance.SHARED],
            GOVERNANCE_CODES[Governance.LEAD],
            0.5 + 0.5 * model.p.leadership_quality,
        )

    @staticmethod
    def reasons_to_leave(
        model: PartnershipModel, trust: np.ndarray, free: np.ndarray
    ) -> np.ndarray:
        """Why each member would leave each pool now: LEAVE_REASONS codes (C2, C1; D1, D2).

        A member leaves when its mean trust in the others (`trust`, partnerships x
        organizations) is below `trust_threshold`, or when the pool pays it less than going
        alone (its smoothed payoff ratio below WORTH_IT, the loner's payoff; Hauert et al.
        2002) and it is free to go (`free`: the partnership is informal or its formal term has
        just ended). 0 = stays; only members of pools with more than one member are asked.
        """
        table = model.table
        # Distrust is the reason given when both hold (one compiled pass over the members).
        return leave_reasons(
            table["membership"], trust, table["values"], free, model.p.trust_threshold, WORTH_IT
        )

    def partner_scores(self) -> np.ndarray:
        """How attractive every organization is as a partner: what lasts (lasting_appeal)
        plus trust and shared goals, minus culture gap, plus old ties, as they are now."""
        model, i = self.model, self.index
        return (
            model.lasting_appeal[i]
            + model.trust[i]
            + model.alignment[i]
            - model.culture_gap[i]
            + model.ties[i]
        )

    @staticmethod
    def lasting_appeal(model: PartnershipModel) -> np.ndarray:
        """(O x O): what makes column organization attractive to row organization and does
        not change over a run: the expertise it adds where the row one is weak, and its
        money. Computed once at set-up."""
        own, other = model.expertise[:, None, :], model.expertise[None, :, :]
        income = model.base_income
        complement = (np.maximum(other, own) - own).mean(axis=2)
        money = income[None, :] / (income[:, None] + income[None, :])
        return complement + model.p.money_weight * money

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
