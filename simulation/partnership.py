"""Partnerships as objects with members: formal (D1) or informal (D2), of kinds K1-K7.

A partnership pools members' contributions into a public good (payoff.member_payoffs), run
under one of Provan & Kenis's (2008) governance modes (C6). Its kind follows from the sectors
of its founders (K1-K6) or from citizen volunteers (K7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .params import Governance, ModelParams, Sector

if TYPE_CHECKING:
    from .agents import Organization

_S = Sector
# Unordered founding sector pair -> kind of partnership (seed concepts K1-K6).
KIND_OF_PAIR: dict[frozenset[Sector], str] = {
    frozenset({_S.NGO, _S.BUSINESS}): "K1",  # NGO - business
    frozenset({_S.GOVERNMENT, _S.COMMUNITY}): "K2",  # government - community
    frozenset({_S.EDUCATION, _S.BUSINESS}): "K3",  # education - industry
    frozenset({_S.GOVERNMENT, _S.NGO}): "K4",  # public - private (non-profit)
    frozenset({_S.GOVERNMENT, _S.BUSINESS}): "K4",  # public - private (business)
    frozenset({_S.GOVERNMENT, _S.EDUCATION}): "K4",  # public - non-profit education
    frozenset({_S.NGO}): "K5",  # inter-organizational: non-profits sharing a mission
    frozenset({_S.NGO, _S.EDUCATION}): "K5",  # education institutions as non-profits
    frozenset({_S.NGO, _S.COMMUNITY}): "K6",  # welfare organization - community organization
    frozenset({_S.COMMUNITY}): "K6",
    frozenset({_S.EDUCATION, _S.COMMUNITY}): "K6",
}
VOLUNTEER_HOSTS = frozenset({_S.NGO, _S.COMMUNITY, _S.EDUCATION})
COMMUNITY_KINDS = frozenset({"K2", "K6", "K7"})


def kind_of(a: Sector, b: Sector) -> str | None:
    """The kind (K1-K6) two founding sectors make, or None if no seed concept covers them."""
    return KIND_OF_PAIR.get(frozenset({a, b}))


def governance_fit(
    mode: Governance, size: int, mean_trust: float, consensus: float, p: ModelParams
) -> float:
    """How well a governance mode suits a network, after Provan & Kenis (2008), in [0, 1].

    Shared governance suits few members with high trust and goal consensus; a lead
    organization tolerates lower consensus and moderate size; a network administrative
    organization (NAO) suits many members and only moderate trust, at an extra cost.
    Provan & Kenis give these contingencies in words; the numbers are parameters of `p`.
    """
    if mode is Governance.SHARED:
        return min(1.0, mean_trust / p.shared_trust) * min(1.0, p.shared_size / size) * consensus
    if mode is Governance.LEAD:
        w = p.lead_consensus
        fit = p.lead_fit * min(1.0, mean_trust / p.lead_trust) * min(1.0, p.lead_size / size)
        return fit * ((1.0 - w) + w * consensus)
    if mode is Governance.NAO:
        w = p.nao_consensus
        return p.nao_fit * min(1.0, mean_trust / p.nao_trust) * ((1.0 - w) + w * consensus)
    raise ValueError(f"no fit for {mode}")


class Partnership:
    """A partnership: members, formality, pooled budget, governance and track record."""

    def __init__(
        self,
        pid: int,
        members: list[Organization],
        *,
        kind: str,
        formal: bool,
        governance: Governance,
        started: int,
        duration: int,
        n_organizations: int,
    ) -> None:
        self.pid = pid
        self.members = list(members)
        self.kind = kind
        self.formal = formal
        self.requested_governance = governance
        self.governance = governance
        self.started = started
        self.duration = duration
        self.volunteers = np.zeros(0, dtype=np.int64)  # citizen indices (K7)
        self.pool = 0.0
        self.output = 0.0  # money the pool turned into services after governance and conflict
        self.quality = np.zeros(4)  # service quality per domain: its best member's expertise
        self.effectiveness = 0.0
        self.conflict = 0.0
        self.mean_trust = 0.0
        self.value_ratio = 1.0  # moving average of members' benefit per unit contributed
        self.age = 0
        self.carry = 0.0  # exit fees and fines paid in, spent next month
        self.reserve = 0.0  # money saved for lean months (Z1 buffering)
        self.usual_inflow = 0.0  # running mean of what flows in each month
        self.values = np.ones(n_organizations)  # members' running benefit ratio vs going alone
        self.beliefs = np.zeros(n_organizations)  # share of promises it expects partners to give
        self.warned = np.zeros(n_organizations, dtype=bool)  # fined here before: expects sanctions
        self.pool_return = 1.0  # r: pool's service value per unit vs members' own (last month)
        self.consensus = 1.0  # goal consensus of the members (C1), set each month
        self.payoffs = np.zeros(n_organizations)  # members' public-goods payoffs this month
        self.active = True

    @property
    def indices(self) -> list[int]:
        """Organization indices of the members."""
        return [m.index for m in self.members]

    @property
    def sectors(self) -> set[Sector]:
        """Distinct sectors among the members."""
        return {m.sector for m in self.members}

    @property
    def community_linked(self) -> bool:
        """Whether citizens take part through it (K2, K6, K7 or a community member): B5."""
        return self.kind in COMMUNITY_KINDS or Sector.COMMUNITY in self.sectors

    @property
    def term_over(self) -> bool:
        """A formal agreement has reached its end date and is up for renewal."""
        return self.formal and self.age > 0 and self.age % self.duration == 0

    def choose_governance(self, p: ModelParams, consensus: float) -> float:
        """Set the governance mode (adaptive picks the best fit) and return effectiveness.

        Effectiveness = fit of the mode x quality of whoever leads (C6).
        """
        size = len(self.members) + (1 if self.volunteers.size else 0)
        modes = (
            [Governance.SHARED, Governance.LEAD, Governance.NAO]
            if self.requested_governance is Governance.ADAPTIVE
            else [self.requested_governance]
        )
        fits = {m: governance_fit(m, size, self.mean_trust, consensus, p) for m in modes}
        self.governance = max(fits, key=lambda m: fits[m])
        leaders = [m.leadership for m in self.members]
        if self.governance is Governance.SHARED:
            lead = sum(leaders) / len(leaders)
        elif self.governance is Governance.LEAD:
            lead = max(leaders)
        else:  # a professional administrator of average quality
            lead = 0.5 + 0.5 * p.leadership_quality
        self.effectiveness = fits[self.governance] * lead
        return self.effectiveness

    def governance_cost_share(self, base_cost: float, nao_cost: float) -> float:
        """Share of the pool spent on running the partnership (formal only; NAO costs more)."""
        if not self.formal:
            return 0.0
        return base_cost + (nao_cost if self.governance is Governance.NAO else 0.0)


def pool_focus(
    weights: np.ndarray, membership: np.ndarray, priorities: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(focus, weights): each pool's split of output over domains, weighted member priorities.

    Rows of `weights` (pools x organizations) are the contributions, or membership if
    nothing was paid. Contributions so small that their weighted mix underflows to zero
    (e.g. trust decayed to subnormal numbers) also fall back to membership, which would
    otherwise give 0/0 and let NaN units through to delivery. Normal rows are untouched.
    """
    focus = weights @ priorities
    total = focus.sum(axis=1, keepdims=True)
    if not np.all(total > 0):
        weights = np.where(total > 0, weights, membership)
        focus = weights @ priorities
        total = focus.sum(axis=1, keepdims=True)
    return focus / total, weights
