"""PartnershipModel: organizations pool resources, build or lose trust, and change welfare.

One step is one month. The activation order is fixed (docs/ODD.md, "Process overview"):

1. funding: volatile income, grant contest, funding cuts (C4, C5)
2. leadership turnover (C7)
3. partner search and formation, organizations in random order (D1, D2, K1-K7, C1, C3)
4. contributions to partnership pools: each member decides what share of its promise to give
   (conditional cooperation); formal pools fine shortfalls (C2, D1, D2)
5. partners observe each other's contributions, update beliefs and trust (C2, C3, C5)
6. service delivery by organizations alone and by partnership pools (B1-B3, B5-B7)
7. social ties and news of services, participation (B4, B5)
8. partnership review: leave, dissolve, renew (D1, D2, C1, C2)
9. government accountability (K2, B7)
10. data collection
Scheduled shocks fire after the step of their month (Mesa event, default priority).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from mesa import Model
from mesa.agentset import AgentSet
from mesa.datacollection import DataCollector

from . import welfare as wf
from .agents import (
    FUNDING_SHARE,
    GRANT_SEEKERS,
    GRANT_SHARE,
    INCOME_SENSITIVITY,
    ORGANIZATION_CLASSES,
    Citizen,
    Organization,
)
from .audit import missing_share
from .cooperation import contribution_shares
from .funding import FundingShocks, grant_contest, volatile_income
from .metrics import METRICS
from .params import DOMAINS, ModelParams, Sector, Shock
from .partnership import Partnership, kind_of, pool_focus
from .payoff import member_payoffs
from .population import CitizenPopulation
from .services import Channels, Delivery, deliver
from .trust import TrustNetwork

UNIT_COST = np.array([1.0, 1.0, 2.0, 1.5])  # money per service unit: health .. livelihood
MAX_COMMITTED = 0.8  # most of its monthly spending an organization puts into pools
GOOD_CONTRIBUTION = 0.75  # a partner giving less than this share of what was expected: bad news
OPERATION_MEMORY = 0.9  # weight of the past in the size of an organization's operations
RESERVE_MEMORY = 0.9  # weight of the past in a pool's usual monthly inflow
VALUE_MEMORY = 0.8  # weight of the past in members' running value of a partnership
VOLUNTEER_DROPOUT = 0.05
TIE_GAIN, TIE_DECAY, TIE_MIN = 0.1, 0.98, 0.02
ACCOUNTABILITY_GAIN, ACCOUNTABILITY_DECAY = 0.05, 0.01
FUNDING_STRESS = 0.5  # income below this share of the expected leaves nothing to give (C4)
RIVALRY = 0.5  # chance per unit of competition that a rival partner's conduct is resented


@dataclass(frozen=True)
class Event:
    """Something a person would want narrated: a partnership formed or ended, a shock hit."""

    step: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


class PartnershipModel(Model):
    """A town of citizens served by NGOs, businesses, government, schools and community groups."""

    def __init__(
        self,
        *,
        rng: int | np.random.Generator | None = None,
        shocks: Sequence[Shock] = (),
        params: ModelParams | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(rng=rng)
        base = params if params is not None else ModelParams()
        self.p = ModelParams(**{**base.model_dump(), **overrides}) if overrides else base
        p = self.p
        self.citizens = CitizenPopulation(
            p.n_citizens,
            self.rng,
            degree=p.network_degree,
            rewiring=p.network_rewiring,
            initial_welfare=p.initial_welfare,
            participation=p.participation,
        )
        self._citizen_agents: dict[int, Citizen] = {}
        self.organizations: list[Organization] = self._create_organizations()
        # Economies of scale (B1) are measured against an average organization's spending.
        self.reference_spending = p.n_citizens * p.funding_per_citizen / len(self.organizations)
        self.leakage_rate = missing_share(p.audit_probability, p.leakage)
        self.initial_money = sum(o.budget for o in self.organizations)
        self.trust_state = self._initial_trust()
        orgs = self.organizations
        self.base_income = np.array([o.base_income for o in orgs])
        self.cooperation_types = np.array([int(o.cooperation) for o in orgs])
        self.own_share = np.array([o.own_share for o in orgs])
        self.income_sensitivity = np.array([INCOME_SENSITIVITY[o.sector] for o in orgs])
        self.sector_matrix = np.array([[o.sector is s for s in Sector] for o in orgs], float)
        self.is_seeker = np.array([o.sector in GRANT_SEEKERS for o in orgs])
        self.is_government = np.array([o.sector is Sector.GOVERNMENT for o in orgs])
        self.kind_allowed = np.array(
            [[kind_of(a.sector, b.sector) in p.allowed_kinds for b in orgs] for a in orgs]
        )
        self.membership_counts = np.zeros(len(orgs), dtype=np.int64)
        self.operation_size: np.ndarray | None = None  # (O x D) for economies of scale (B1)
        self.ties = np.zeros((len(orgs), len(orgs)))  # tie strength between organizations (B4)
        self.partnerships: list[Partnership] = []
        self.ended: list[Partnership] = []
        self.events: list[Event] = []
        self.funding_shocks = FundingShocks()
        self._next_pid = 1
        self.formed = 0
        self.failed = 0
        self.covered = 0.0  # money partners paid to cover cut members' shortfalls
        self._delivery: Delivery | None = None
        self._spending = 0.0
        # Money accounting: every unit that enters budgets and where it went (conservation).
        self.ledger = dict.fromkeys(
            (
                "income",
                "spent",
                "contest",
                "pooled",
                "solo",
                "government",
                "leakage",
                "governance",
                "fines",
            ),
            0.0,
        )
        self._scheduled = [partial(self.apply_shock, s) for s in shocks]
        for shock, call in zip(shocks, self._scheduled, strict=True):
            self.schedule_event(call, at=float(shock.step))
        self.citizens.draw_participation(0.5, self.rng)
        self.datacollector = DataCollector(model_reporters={m: m for m in METRICS})
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    def _create_organizations(self) -> list[Organization]:
        """Organizations in a fixed sector order; base income splits the sector's funding."""
        p = self.p
        town_funding = p.n_citizens * p.funding_per_citizen
        orgs: list[Organization] = []
        for sector, count in p.sector_counts().items():
            if count == 0:
                continue
            size = self.rng.lognormal(0.0, 0.5, count)
            incomes = town_funding * FUNDING_SHARE[sector] * size / size.sum()
            cls = ORGANIZATION_CLASSES[sector]
            for income in incomes:
                orgs.append(cls(self, index=len(orgs), base_income=float(income)))
        return orgs

    def _initial_trust(self) -> TrustNetwork:
        """Strangers' trust, lowered by cultural distance between organizations (C3)."""
        self.culture_gap = self._cultural_distance()
        initial = self.p.initial_trust * (1.0 - 0.5 * self.culture_gap)
        np.fill_diagonal(initial, 1.0)
        return TrustNetwork(
            initial,
            rule=self.p.trust_rule.value,
            gain=self.p.trust_gain,
            loss=self.p.trust_loss,
            forgetting=self.p.beta_forgetting,
        )

    def _cultural_distance(self) -> np.ndarray:
        """Pairwise culture gap in [0, cultural_distance]: sector positions plus own style."""
        pos = np.array([o.culture for o in self.organizations])
        gap = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
        return self.p.cultural_distance * np.clip(gap / np.sqrt(2.0), 0.0, 1.0)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one month in the fixed order documented in the module docstring."""
        spend = self._fund()
        self._turnover()
        self._refresh_org_matrices()
        self._form_partnerships()
        paid, chosen = self._contribute(spend)
        self._paid = paid
        self._observe(chosen)
        self._deliver(paid)
        self._update_networks()
        self._review_partnerships()
        self._update_accountability()
        self.datacollector.collect(self)

    @property
    def org_network(self) -> nx.Graph:
        """Organizations and their ties (B4) as a networkx graph; edge `weight` = strength."""
        g = nx.Graph()
        for o in self.organizations:
            g.add_node(o.index, sector=o.sector.value, name=o.name)
        i, j = np.nonzero(np.triu(self.ties))
        g.add_weighted_edges_from(
            zip(i.tolist(), j.tolist(), self.ties[i, j].tolist(), strict=True)
        )
        return g

    @property
    def trust(self) -> np.ndarray:
        """Trust of row organization in column organization."""
        return self.trust_state.matrix

    # 1. funding ------------------------------------------------------------
    def _fund(self) -> np.ndarray:
        """Receive income and grants, burn contest effort; return each org's spending budget."""
        p, month = self.p, self.steps
        orgs = self.organizations
        base, sens = self.base_income, self.income_sensitivity
        cut = self._cut = np.array([self.funding_shocks.multiplier(o.sector, month) for o in orgs])
        income = volatile_income(base, sens, p.funding_volatility, self.rng) * cut
        effort = np.zeros(len(orgs))
        idx = np.flatnonzero(self.is_seeker)
        if idx.size:
            pool = p.n_citizens * p.funding_per_citizen * GRANT_SHARE
            grants, burnt = grant_contest(
                base[idx] / base[idx].sum(),
                np.array([orgs[i].budget for i in idx]),
                pool,
                p.competition,
            )
            income[idx] += grants * cut[idx]
            effort[idx] = burnt
        spend = np.empty(len(orgs))
        for i, org in enumerate(orgs):
            org.income = float(income[i])
            org.budget += org.income
            spend[i] = p.spend_rate * org.budget
            org.budget -= spend[i]
            org.spending = float(spend[i])
        self._income = income
        self.income_months.append(income)
        self._contest = np.minimum(effort, spend)
        self._spending = float(spend.sum())
        self.ledger["income"] += float(income.sum())
        self.ledger["spent"] += self._spending
        self.ledger["contest"] += float(self._contest.sum())
        self.funding_shocks.expire(month)
        return spend - self._contest

    # 2. leadership turnover ---------------------------------------------------
    def _turnover(self) -> None:
        """Leaders change at random (C7); trust and priorities partly reset."""
        if self.p.leadership_turnover == 0:
            return
        draws = self.rng.random(len(self.organizations))
        for org, u in zip(self.organizations, draws, strict=True):
            if u < self.p.leadership_turnover:
                org.change_leader()
                if org.memberships:
                    self._log("leadership_change", orgs=[org.name], cause="turnover")

    # 3. formation -------------------------------------------------------------
    def _form_partnerships(self) -> None:
        """Organizations look for partners: benefit, trust, goals and culture decide (C1, C3)."""
        if self.p.partnering_rate == 0:
            return
        orgs = self.organizations
        self.membership_counts = np.array([len(o.memberships) for o in orgs])
        # Nobody leaves during formation, so an organization at its cap now stays there and
        # would do nothing (and draw nothing): leaving it out changes no result.
        free = self.membership_counts < self.p.max_memberships
        order = [orgs[i] for i in self.rng.permutation(len(orgs)) if free[i]]
        if order:
            AgentSet(order).do("look_for_partners")

    def _refresh_org_matrices(self) -> None:
        """Stack organizations' priorities and expertise; alignment = cosine similarity (C1)."""
        self.priorities = np.array([o.priorities for o in self.organizations])
        self.expertise = np.array([o.expertise for o in self.organizations])
        unit = self.priorities / np.linalg.norm(self.priorities, axis=1, keepdims=True)
        self.alignment = unit @ unit.T
        self.targeting = np.array([o.targeting for o in self.organizations])

    def partner_candidates(self, org: Organization) -> np.ndarray:
        """Mask of organizations `org` may approach: not itself or a current partner, below
        the membership cap, and a sector pair that makes an allowed kind."""
        mask = self.kind_allowed[org.index] & (self.membership_counts < self.p.max_memberships)
        mask[org.index] = False
        for ps in org.memberships:
            mask[ps.indices] = False
        return mask

    def start_or_join(self, org: Organization, choice: Organization) -> None:
        """`org` and `choice` agreed to work together: join one of choice's pools or start one."""
        p = self.p
        joinable = [
            ps
            for ps in choice.memberships
            if not ps.volunteers.size
            and len(ps.members) < p.max_members
            and ps.kind in {kind_of(org.sector, m.sector) for m in ps.members}
            and self.trust[ps.indices, org.index].mean() >= p.trust_threshold
        ]
        if joinable and self.rng.random() < 0.5:
            self._join(joinable[0], org)
        else:
            kind = kind_of(org.sector, choice.sector)
            assert kind is not None
            self._create([org, choice], kind=kind, formal=bool(self.rng.random() < p.formal_share))

    def form_partnership(self, members: Sequence[Organization], *, formal: bool) -> Partnership:
        """Start a partnership among `members` now (as partner search would), e.g. to set up
        the laboratory public-goods game; the kind follows from the first two sectors."""
        kind = kind_of(members[0].sector, members[-1].sector)
        if kind is None:
            raise ValueError("no partnership kind covers these sectors")
        return self._create(list(members), kind=kind, formal=formal)

    def _create(self, members: list[Organization], *, kind: str, formal: bool) -> Partnership:
        ps = Partnership(
            self._next_pid,
            members,
            kind=kind,
            formal=formal,
            governance=self.p.governance_mode,
            started=self.steps,
            duration=self.p.formal_duration,
            n_organizations=len(self.organizations),
        )
        self._next_pid += 1
        self.formed += 1
        for m in members:
            m.memberships.append(ps)
            self._expect(ps, m)
            self.membership_counts[m.index] += 1
        self.partnerships.append(ps)
        self._log(
            "formed",
            pid=ps.pid,
            partnership=kind,
            formal=formal,
            members=[m.name for m in members],
        )
        return ps

    def _join(self, ps: Partnership, org: Organization) -> None:
        ps.members.append(org)
        org.memberships.append(ps)
        self._expect(ps, org)
        self.membership_counts[org.index] += 1
        self._log("joined", pid=ps.pid, partnership=ps.kind, members=[org.name])

    def _expect(self, ps: Partnership, org: Organization) -> None:
        """A newcomer expects its partners to give as much as it trusts them (C2)."""
        others = [o.index for o in ps.members if o is not org]
        ps.beliefs[org.index] = float(self.trust[org.index, others].mean()) if others else 1.0

    def citizen(self, index: int) -> Citizen:
        """The Citizen agent for one row of the population, created when first asked for."""
        agent = self._citizen_agents.get(index)
        if agent is None:
            agent = self._citizen_agents[index] = Citizen(self, index=index)
        return agent

    def host_volunteers(self, host: Organization) -> None:
        """Start a K7 volunteer group: citizens who take part give their time."""
        pop = self.citizens
        pool = np.flatnonzero(pop.participating & ~pop.volunteering)
        size = max(3, self.p.n_citizens // 200)
        if pool.size < 2:
            return
        chosen = self.rng.choice(pool, size=min(size, pool.size), replace=False)
        ps = self._create([host], kind="K7", formal=False)
        ps.volunteers = np.sort(chosen)
        pop.volunteering[chosen] = True

    # 4. contributions -------------------------------------------------------
    def _membership(self) -> np.ndarray:
        """(partnerships x organizations) 0/1 matrix, rows in `self.partnerships` order."""
        m = np.zeros((len(self.partnerships), len(self.organizations)))
        for k, ps in enumerate(self.partnerships):
            m[k, ps.indices] = 1.0
        return m

    def _member_trust(self, m: np.ndarray) -> np.ndarray:
        """(P x O): each member's mean trust in its fellow members (1 for a lone host)."""
        size = m.sum(axis=1, keepdims=True)
        summed = m @ self.trust.T - m  # drop trust in oneself (the diagonal is 1)
        return np.where(size > 1, summed / np.maximum(size - 1, 1), 1.0) * m

    def _contribute(self, spend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Members decide what share of their promise to give; formal pools fine shortfalls.

        A formal member promises a share of its usual income (D1), an informal one offers a
        share of its spending scaled by trust (D2). An announced cut scales the promise down,
        and promises beyond MAX_COMMITTED of an organization's spending are scaled down too:
        neither is a broken promise. Each member then gives the share its contribution type
        chooses (cooperation.contribution_shares), unless its hand trembles (defection_rate) or
        its income fell far below what was announced (C4). Returns what was paid and the
        share each member chose, both (P x O).
        """
        p = self.p
        m = self._m = self._membership()
        parts = self.partnerships
        formal = np.array([ps.formal for ps in parts], dtype=bool)[:, None]
        announced = self.base_income * self._cut
        promise = m * np.where(
            formal,
            p.formal_commitment * announced[None, :],
            p.informal_commitment * spend[None, :] * self._member_trust(m),
        )
        size = np.maximum(m.sum(axis=1), 1.0)
        mpcr = np.array([ps.pool_return for ps in parts])[:, None] / size[:, None]
        warned = np.array([ps.warned for ps in parts], dtype=bool).reshape(m.shape)
        deterred = formal & warned & (p.sanction_rate >= 1.0 - mpcr)
        beliefs = np.array([ps.beliefs for ps in parts]).reshape(m.shape)
        chosen = contribution_shares(
            self.cooperation_types,
            beliefs,
            self.own_share,
            slope=p.cooperation_slope,
            mpcr=mpcr,
            deterred=deterred,
        )
        lapse = self.rng.random(m.shape) < p.defection_rate
        stressed = self._income < FUNDING_STRESS * announced
        chosen = np.where(lapse | stressed[None, :], 0.0, chosen) * m
        wanted = chosen * promise
        total = wanted.sum(axis=0)
        cap = MAX_COMMITTED * spend
        scale = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
        paid = wanted * scale[None, :]
        if p.mutual_cover:
            paid += self._cover(formal & (m > 0), chosen, paid, cap)
        self._solo = spend - paid.sum(axis=0)
        self._promise = promise
        self.given = chosen  # share of its promise each member gave (P x O), for observers
        self.ledger["pooled"] += float(paid.sum())
        self.ledger["solo"] += float(self._solo.sum())
        self._sanction(formal & ~stressed[None, :], (1.0 - chosen) * promise * scale[None, :])
        return paid, chosen

    def _cover(
        self, formal: np.ndarray, chosen: np.ndarray, paid: np.ndarray, cap: np.ndarray
    ) -> np.ndarray:
        """Formal partners cover what a cut member no longer pays (Z1 buffering).

        The gap is what the cut members would have given at their usual income; members not
        hit by a cut who are giving share it in proportion to what they give, as far as
        their room below MAX_COMMITTED allows. Returns the extra payments (P x O).
        """
        hit = self._cut < 1.0
        if not hit.any():
            return np.zeros_like(paid)
        usual = self.p.formal_commitment * self.base_income * (1.0 - self._cut)
        gap = np.where(formal & hit[None, :], chosen * usual[None, :], 0.0).sum(axis=1)
        givers = np.where(formal & ~hit[None, :], paid, 0.0)
        weight = givers / np.maximum(givers.sum(axis=1, keepdims=True), 1e-300)
        extra = gap[:, None] * weight
        room = np.maximum(cap - paid.sum(axis=0), 0.0)
        wanted = extra.sum(axis=0)
        extra *= np.where(wanted > room, room / np.maximum(wanted, 1e-300), 1.0)[None, :]
        self.covered += float(extra.sum())
        return extra

    def _sanction(self, liable: np.ndarray, shortfall: np.ndarray) -> None:
        """Formal pools fine a member's shortfall (D1); the fine goes into the pool.

        Fehr & Gaechter (2000): members who were punished raise their contributions, so a
        fined member expects sanctions in that pool from now on (`warned`).
        """
        fines = np.where(liable, self.p.sanction_rate * shortfall, 0.0)
        due = fines.sum(axis=0)
        if not due.any():
            return
        budgets = np.array([o.budget for o in self.organizations])
        fines *= np.where(due > budgets, budgets / np.maximum(due, 1e-300), 1.0)[None, :]
        paid = fines.sum(axis=0)
        for k in np.flatnonzero(fines.any(axis=1)):
            ps = self.partnerships[k]
            ps.carry += float(fines[k].sum())
            ps.warned |= fines[k] > 0
        for i in np.flatnonzero(paid):  # max: a fine of all one holds leaves exactly 0
            self.organizations[i].budget = max(self.organizations[i].budget - paid[i], 0.0)
        self.ledger["fines"] += float(paid.sum())

    # 5. trust ------------------------------------------------------------------
    def _observe(self, chosen: np.ndarray) -> None:
        """Partners see what each gave; they update beliefs and trust (C2, C3, C5).

        Beliefs follow Fischbacher & Gaechter (2010): a weighted mean of last month's belief
        and what the partners gave. A partner who gave less than GOOD_CONTRIBUTION of what
        the observer expected is bad news; misreadings (C3) and rivalry (C5) add bad news. A
        pair that meets in several partnerships has one experience a month.
        """
        m = self._m
        size = m.sum(axis=1, keepdims=True)
        others = np.where(size > 1, (chosen.sum(axis=1, keepdims=True) - chosen), 0.0)
        others = others / np.maximum(size - 1, 1)
        memory = self.p.belief_memory
        expected = np.array([ps.beliefs for ps in self.partnerships]).reshape(m.shape)
        triples = [
            (k, a, b)
            for k, ps in enumerate(self.partnerships)
            for a, b in itertools.permutations(ps.indices, 2)
        ]
        if triples:
            self._update_trust(np.array(triples).T, chosen, expected)
        updated = np.where(m > 0, memory * expected + (1.0 - memory) * others, expected)
        for ps, row in zip(self.partnerships, updated, strict=True):
            ps.beliefs = row
        n = size[:, 0]
        within = ((m @ self.trust) * m).sum(axis=1) - n
        mean_trust = np.where(n > 1, within / np.maximum(n * (n - 1), 1), 1.0)
        for ps, t in zip(self.partnerships, mean_trust, strict=True):
            ps.mean_trust = float(t)

    def _update_trust(self, triples: np.ndarray, chosen: np.ndarray, expected: np.ndarray) -> None:
        """Apply this month's experiences (partnership k, observer i, observed j) to trust."""
        p = self.p
        k, i, j = triples
        effectiveness = np.array([ps.effectiveness for ps in self.partnerships])
        misread = self.rng.random(k.size) < (
            p.misunderstanding * self.culture_gap[i, j] * (1.0 - effectiveness[k])
        )
        seekers = self.is_seeker
        rival = (self.rng.random(k.size) < RIVALRY * p.competition) & seekers[i] & seekers[j]
        short = chosen[k, j] < GOOD_CONTRIBUTION * expected[k, i]
        bad = short | misread | rival
        n = len(self.organizations)
        bad_pair = np.zeros((n, n), dtype=bool)
        np.logical_or.at(bad_pair, (i, j), bad)
        seen = np.zeros((n, n), dtype=bool)
        seen[i, j] = True
        obs_i, obs_j = np.nonzero(seen)
        self.trust_state.observe(obs_i, obs_j, ~bad_pair[obs_i, obs_j])

    # 6. delivery ---------------------------------------------------------------
    def _scale_factor(self, money: np.ndarray) -> np.ndarray:
        """Service units per unit of money, relative to list cost, under economies of scale.

        With cost C(q) proportional to q^e (e = scale_elasticity, the cost elasticity of
        output), an operation spending M delivers (M / M_ref)^(1/e - 1) units per unit of
        money at list cost, where M_ref is an average organization's spending in one domain.
        `money` is the size of each organization's operation in each domain (O x D): a running
        mean of what it spends there, alone and as the member that runs a pool's work in
        that domain. Scale lives in staff and premises sized to a usual budget, not in one
        month's cash, so a volatile month neither gains nor loses scale (no Jensen effect).
        """
        e = self.p.scale_elasticity
        ratio = np.maximum(money, 0.0) / (self.reference_spending / len(DOMAINS))
        return ratio ** (1.0 / e - 1.0)

    def _leak(self, money: np.ndarray) -> np.ndarray:
        """Government money that goes missing (B7): the audit-dependent share (Olken 2007)."""
        return np.where(self.is_government, money * self.leakage_rate, 0.0)

    def _solo_money(self) -> np.ndarray:
        """Each organization's own spending after leakage of government money (B7)."""
        lost = self._leak(self._solo)
        self.ledger["government"] += float(self._solo[self.is_government].sum())
        self._leakage = float(lost.sum())
        self.ledger["leakage"] += self._leakage
        return self._solo - lost

    def _pool_money(self, paid: np.ndarray) -> np.ndarray:
        """What each pool spends this month: contributions after leakage, exit fees and
        fines carried in, volunteers' time, and reserves saved or drawn."""
        p, parts = self.p, self.partnerships
        lost = paid * np.where(self.is_government, self.leakage_rate, 0.0)[None, :]
        self.ledger["government"] += float(paid[:, self.is_government].sum())
        self._leakage += float(lost.sum())
        self.ledger["leakage"] += float(lost.sum())
        n_vol = np.array([ps.volunteers.size for ps in parts], dtype=float)
        carried = np.array([ps.carry for ps in parts])
        for ps in parts:
            ps.carry = 0.0
        self.ledger["spent"] += float(carried.sum())  # exit fees and fines paid in last month
        self.ledger["pooled"] += float(carried.sum())
        money = self._draw_reserves((paid - lost).sum(axis=1) + carried)
        return money + n_vol * p.volunteer_value  # volunteers' time cannot be saved

    def _governance(self) -> tuple[np.ndarray, np.ndarray]:
        """Each pool's governance (C6): overhead share and conflict (C1) that eat output."""
        p, m, parts = self.p, self._m, self.partnerships
        size = m.sum(axis=1)
        cross = ((m @ self.alignment) * m).sum(axis=1) - size
        consensus = np.where(size > 1, cross / np.maximum(size * (size - 1), 1), 1.0)
        effectiveness = np.array(
            [
                ps.choose_governance(p.leadership_quality, c)
                for ps, c in zip(parts, consensus, strict=True)
            ]
        )
        overhead = np.array([ps.governance_cost_share(p.governance_cost) for ps in parts])
        conflict = (1.0 - consensus) * (1.0 - effectiveness)
        for ps, c, k in zip(parts, consensus, conflict, strict=True):
            ps.consensus, ps.conflict = float(c), float(k)
        return overhead, conflict

    def _runners(self, weights: np.ndarray) -> np.ndarray:
        """(P x O x D): which member runs each pool's work in each domain (B2, B6).

        With division of labour the member with most expertise in a domain runs it (a pool
        of equals gains nothing); without, each member serves its own share of the cases.
        """
        m = self._m
        if self.p.division_of_labour:
            masked = np.where(m[:, :, None] > 0, self.expertise[None, :, :], -1.0)
            best = masked.argmax(axis=1)  # (P x D)
            runners = np.zeros(masked.shape)
            pools, domains = np.indices(best.shape)
            runners[pools, best, domains] = 1.0
            return runners
        share = weights / weights.sum(axis=1, keepdims=True)
        return np.repeat(share[:, :, None], len(DOMAINS), axis=2)

    def _deliver(self, paid: np.ndarray) -> None:
        """Organizations and pools serve citizens; welfare erodes, then services lift it.

        Nothing multiplies pooled money. Pools deliver more per unit only through the same
        cost function as everyone: the member that runs a pool's work in a domain adds it to
        its own operation there, so pooling concentrates each domain's work in fewer, larger
        and more expert operations (economies of scale B1; complementary expertise B2, B6);
        a shared case list avoids duplicates (B3, in services.deliver). Pools pay
        governance cost and lose output to conflict (C1, C6).
        """
        p, m, parts = self.p, self._m, self.partnerships
        solo = self._solo_money()
        n_dom = len(DOMAINS)
        if parts:
            pool = self._pool_money(paid)
            overhead, conflict = self._governance()
            net = (1.0 - overhead) * (1.0 - conflict)
            contributed = paid.sum(axis=1)
            weights = np.where(contributed[:, None] > 0, paid, m)
            focus, weights = pool_focus(weights, m, self.priorities)
            runners = self._runners(weights)
            pool_domain = (pool * net)[:, None] * focus
            run_money = np.einsum("kod,kd->od", runners, pool_domain)
        else:
            pool = net = overhead = np.zeros(0)
            focus = pool_domain = np.zeros((0, n_dom))
            runners = np.zeros((0, len(self.organizations), n_dom))
            run_money = 0.0
        solo_domain = solo[:, None] * self.priorities
        operations = solo_domain + run_money
        if self.operation_size is None:
            self.operation_size = operations
        self.operation_size = (
            OPERATION_MEMORY * self.operation_size + (1.0 - OPERATION_MEMORY) * operations
        )
        factor = self._scale_factor(self.operation_size)
        solo_units = solo_domain * factor / UNIT_COST
        pool_units = pool_domain * np.einsum("kod,od->kd", runners, factor) / UNIT_COST
        pool_quality = np.einsum("kod,od->kd", runners, self.expertise)
        self._governance_spend = float((overhead * pool).sum())
        self.ledger["governance"] += self._governance_spend
        if parts:
            self._record_value(
                pool, net, focus=focus, runners=runners, factor=factor, quality=pool_quality
            )
        self._delivery = deliver(
            self.citizens,
            self._channels(solo_units, pool_units, pool_quality),
            decay=p.welfare_decay,
            service_effect=p.service_effect,
            ownership_effect=p.ownership_effect,
            rng=self.rng,
        )

    def _channels(
        self, solo_units: np.ndarray, pool_units: np.ndarray, pool_quality: np.ndarray
    ) -> Channels:
        """Organizations alone (uncoordinated) and pools: formal pools keep all their cases
        on the shared list (B3), informal ones the share `informal_strength` (D2)."""
        p, parts = self.p, self.partnerships
        linked = np.array([ps.community_linked for ps in parts], dtype=float)
        pool_tau = np.minimum(
            1.0,
            (self._m * self.targeting[None, :]).max(axis=1, initial=0.0)
            + 0.5 * self.participation_rate * linked,
        )
        formal = np.array([ps.formal for ps in parts], dtype=bool)
        share = np.where(formal, 1.0, p.informal_strength)[:, None]
        n = len(parts)
        return Channels(
            units=np.vstack([solo_units, share * pool_units, (1.0 - share) * pool_units]),
            quality=np.vstack([self.expertise, pool_quality, pool_quality]),
            targeting=np.concatenate([self.targeting, pool_tau, pool_tau]),
            coordinated=np.concatenate(
                [
                    np.zeros(len(self.organizations), bool),
                    np.full(n, p.coordination),
                    np.zeros(n, bool),
                ]
            ),
        )

    def _draw_reserves(self, inflow: np.ndarray) -> np.ndarray:
        """Pools save `reserve_share` of a normal month's inflow and draw on the reserve
        when inflow falls below its usual level (an EMA), up to that level (Z1 buffering).
        Returns what each pool spends this month; saved money is not spent yet."""
        share = self.p.reserve_share
        parts = self.partnerships
        usual = np.array([ps.usual_inflow for ps in parts])
        reserve = np.array([ps.reserve for ps in parts])
        usual = np.where(usual > 0, usual, inflow)
        saved = np.where(inflow >= usual, share * inflow, 0.0)
        drawn = np.where(inflow < usual, np.minimum(reserve, usual - inflow), 0.0)
        spent = inflow - saved + drawn
        for k, ps in enumerate(parts):
            ps.reserve = float(reserve[k] + saved[k] - drawn[k])
            ps.usual_inflow = float(RESERVE_MEMORY * usual[k] + (1 - RESERVE_MEMORY) * inflow[k])
        moved = float(drawn.sum() - saved.sum())
        self.ledger["spent"] += moved
        self.ledger["pooled"] += moved
        return spent

    def _record_value(
        self,
        pool: np.ndarray,
        net: np.ndarray,
        *,
        focus: np.ndarray,
        runners: np.ndarray,
        factor: np.ndarray,
        quality: np.ndarray,
    ) -> None:
        """Measure each pool's return r and each member's payoff relative to going alone.

        r = the pool's quality-weighted service units per unit of money over its members'
        mean when alone, both through this month's cost function. A member's payoff is the
        public-goods payoff (payoff.member_payoffs) per unit of its promise: 1 is what it
        would get keeping the money (the loner's payoff, Hauert et al. 2002). Members act
        on last month's r; a running average of payoffs decides whether a pool is worth it.
        """
        m = self._m
        run_factor = np.einsum("kod,od->kd", runners, factor)
        pool_value = net * (focus * run_factor * quality / UNIT_COST).sum(axis=1)
        solo_value = (self.priorities * factor * self.expertise / UNIT_COST).sum(axis=1)
        size = np.maximum(m.sum(axis=1), 1.0)
        mean_solo = (m * solo_value[None, :]).sum(axis=1) / size
        r = np.where(pool > 0, pool_value / np.maximum(mean_solo, 1e-300), 1.0)
        payoff = member_payoffs(self._promise, self._paid, r)
        ratio = payoff / np.maximum(self._promise, 1e-300)
        values = np.array([ps.values for ps in self.partnerships]).reshape(m.shape)
        update = (m > 0) & (self._promise > 0) & (size[:, None] > 1)
        values = np.where(update, VALUE_MEMORY * values + (1.0 - VALUE_MEMORY) * ratio, values)
        mean = (values * m).sum(axis=1) / size
        for k, ps in enumerate(self.partnerships):
            ps.values = values[k]
            ps.value_ratio = float(mean[k])
            ps.pool_return = float(r[k])
            ps.payoffs = payoff[k]
            ps.pool = float(pool[k])
            ps.output = float(pool[k] * net[k])
            ps.quality = quality[k]

    # 7. networks and participation ---------------------------------------------
    def _update_networks(self) -> None:
        """Partners' ties strengthen and fade (B4); news travels faster in a partnered town."""
        together = (self._m.T @ self._m) > 0
        np.fill_diagonal(together, False)
        self.ties *= TIE_DECAY
        self.ties[self.ties < TIE_MIN] = 0.0
        self.ties = np.where(together, self.ties + TIE_GAIN * (1.0 - self.ties), self.ties)
        n_org = len(self.organizations)
        linked = {m.index for ps in self.partnerships if ps.community_linked for m in ps.members}
        self.citizens.spread_awareness(self.p.info_spread)
        self.citizens.draw_participation(0.5 + 0.5 * len(linked) / n_org, self.rng)

    # 8. review ---------------------------------------------------------------
    def _review_partnerships(self) -> None:
        """Members leave on distrust (C2) or poor value (C1); formal terms end or renew (D1)."""
        p = self.p
        trusts = self._member_trust(self._m)
        for k, ps in enumerate(list(self.partnerships)):
            ps.age += 1
            if ps.volunteers.size:
                self._review_volunteers(ps)
            leaving: list[tuple[Organization, str]] = []
            if len(ps.members) > 1:
                for m in ps.members:
                    reason = m.reason_to_leave(ps, trust=float(trusts[k, m.index]))
                    if reason:
                        leaving.append((m, reason))
            someone_stays = len(leaving) < len(ps.members)
            for m, reason in leaving:
                if ps.formal and not ps.term_over and someone_stays:
                    fee = p.exit_cost * m.budget
                    m.budget -= fee
                    ps.carry += fee
                self._leave(ps, m, reason)
            if ps.term_over and ps.active and len(ps.members) >= 2:
                if ps.mean_trust >= p.trust_threshold and ps.value_ratio >= 1.0:
                    self._log("renewed", pid=ps.pid, partnership=ps.kind)
                else:
                    self._dissolve(ps, "term ended", failed=False)
                    continue
            if ps.active and len(ps.members) < 2 and not (ps.kind == "K7" and ps.members):
                self._dissolve(ps, leaving[0][1] if leaving else "too few members", failed=True)

    def _review_volunteers(self, ps: Partnership) -> None:
        """Volunteers drift away; a group with fewer than two dissolves (K7)."""
        stay = self.rng.random(ps.volunteers.size) >= VOLUNTEER_DROPOUT
        self.citizens.volunteering[ps.volunteers[~stay]] = False
        ps.volunteers = ps.volunteers[stay]
        if ps.volunteers.size < 2:
            self._dissolve(ps, "volunteers left", failed=True)

    def _leave(self, ps: Partnership, m: Organization, reason: str) -> None:
        """`m` leaves with its share of the pool's reserve (the last one with all it holds)."""
        share = ps.reserve / len(ps.members)
        if len(ps.members) == 1:
            share, ps.carry = share + ps.carry, 0.0
        m.budget += share
        ps.reserve -= ps.reserve / len(ps.members)
        ps.members.remove(m)
        m.memberships.remove(ps)
        ps.values[m.index] = 1.0
        self._log("left", pid=ps.pid, partnership=ps.kind, members=[m.name], reason=reason)

    def _dissolve(self, ps: Partnership, reason: str, *, failed: bool) -> None:
        if not ps.active:
            return
        ps.active = False
        left = ps.carry + ps.reserve
        if left and ps.members:  # unspent exit fees, fines and reserves go back to who stayed
            for m in ps.members:
                m.budget += left / len(ps.members)
            ps.carry = ps.reserve = 0.0
        for m in list(ps.members):
            m.memberships.remove(ps)
        self.citizens.volunteering[ps.volunteers] = False
        self.partnerships.remove(ps)
        self.ended.append(ps)
        self.failed += int(failed)
        self._log(
            "dissolved",
            pid=ps.pid,
            partnership=ps.kind,
            formal=ps.formal,
            members=[m.name for m in ps.members],
            reason=reason,
        )

    # 9. accountability --------------------------------------------------------
    def _update_accountability(self) -> None:
        """Government-community partnerships (K2) make agencies more accountable (B7)."""
        base = self.p.accountability
        for org in self.organizations:
            if org.sector is not Sector.GOVERNMENT:
                continue
            if any(ps.kind == "K2" for ps in org.memberships):
                org.accountability += ACCOUNTABILITY_GAIN * (1.0 - org.accountability)
            else:
                org.accountability -= ACCOUNTABILITY_DECAY * (org.accountability - base)

    # ------------------------------------------------------------------ shocks
    def apply_shock(self, shock: Shock) -> None:
        """Apply a funding cut (C4) or a leadership change (C7) now (Z1 resilience)."""
        sectors = frozenset(shock.sectors)
        if shock.kind == "funding_cut":
            self.funding_shocks.add(sectors, shock.magnitude, self.steps + 1 + shock.duration)
            self._log(
                "funding_cut",
                sectors=sorted(s.value for s in sectors),
                magnitude=shock.magnitude,
                duration=shock.duration,
            )
            return
        pool = [o for o in self.organizations if o.sector in sectors]
        count = round(shock.magnitude * len(pool))
        chosen = (
            self.rng.choice(len(pool), size=count, replace=False) if count else np.array([], int)
        )
        for i in sorted(int(i) for i in chosen):
            pool[i].change_leader()
        self._log(
            "leadership_change",
            sectors=sorted(s.value for s in sectors),
            orgs=[pool[int(i)].name for i in sorted(chosen)],
            cause="shock",
        )

    @property
    def money_held(self) -> float:
        """Money in organizations' reserves plus exit fees waiting in partnership pools."""
        return sum(o.budget for o in self.organizations) + sum(
            ps.carry + ps.reserve for ps in self.partnerships
        )

    def _log(self, kind: str, **data: Any) -> None:
        self.events.append(Event(self.steps, kind, data))

    # ------------------------------------------------------------------ metrics
    @property
    def domain_welfare(self) -> np.ndarray:
        """Mean welfare in each domain."""
        return self.citizens.domain_means

    @property
    def community_welfare(self) -> float:
        """HDI-style composite: geometric mean of the domain means."""
        return float(wf.geometric_mean(self.domain_welfare))

    @property
    def welfare_health(self) -> float:
        """Mean health welfare."""
        return float(self.domain_welfare[0])

    @property
    def welfare_education(self) -> float:
        """Mean education welfare."""
        return float(self.domain_welfare[1])

    @property
    def welfare_housing(self) -> float:
        """Mean housing welfare."""
        return float(self.domain_welfare[2])

    @property
    def welfare_livelihood(self) -> float:
        """Mean livelihood (income and work) welfare."""
        return float(self.domain_welfare[3])

    @property
    def gini(self) -> float:
        """Gini of citizens' composite welfare."""
        return self.citizens.inequality[0]

    @property
    def sen_welfare(self) -> float:
        """Sen's W = mean (1 - Gini) of composite welfare."""
        return self.citizens.inequality[1]

    @property
    def coverage(self) -> float:
        """Service reach (B1, Z3): share of citizens served in at least one domain this month."""
        d = self._delivery
        return d.reached / self.citizens.n if d is not None else 0.0

    @property
    def active_partnerships(self) -> int:
        """Partnerships in force."""
        return len(self.partnerships)

    @property
    def formal_partnerships(self) -> int:
        """Formal partnerships in force (D1)."""
        return sum(ps.formal for ps in self.partnerships)

    @property
    def informal_partnerships(self) -> int:
        """Informal cooperation in force (D2)."""
        return sum(not ps.formal for ps in self.partnerships)

    def partnerships_of_kind(self, kind: str) -> int:
        """Partnerships in force of one kind (K1-K7)."""
        return sum(ps.kind == kind for ps in self.partnerships)

    partnerships_K1 = property(lambda self: self.partnerships_of_kind("K1"))  # noqa: N815
    partnerships_K2 = property(lambda self: self.partnerships_of_kind("K2"))  # noqa: N815
    partnerships_K3 = property(lambda self: self.partnerships_of_kind("K3"))  # noqa: N815
    partnerships_K4 = property(lambda self: self.partnerships_of_kind("K4"))  # noqa: N815
    partnerships_K5 = property(lambda self: self.partnerships_of_kind("K5"))  # noqa: N815
    partnerships_K6 = property(lambda self: self.partnerships_of_kind("K6"))  # noqa: N815
    partnerships_K7 = property(lambda self: self.partnerships_of_kind("K7"))  # noqa: N815

    @property
    def mean_trust(self) -> float:
        """Mean trust over all ordered pairs of distinct organizations."""
        t = self.trust
        n = t.shape[0]
        return float((t.sum() - np.trace(t)) / (n * (n - 1)))

    @property
    def partner_trust(self) -> float:
        """Mean trust among members of active partnerships (0 when there are none)."""
        values = [ps.mean_trust for ps in self.partnerships if len(ps.members) > 1]
        return float(np.mean(values)) if values else 0.0

    @property
    def duplication_waste(self) -> float:
        """Share of delivered service units that duplicated another provider's (B3)."""
        d = self._delivery
        return d.duplicates / d.hits if d is not None and d.hits > 0 else 0.0

    @property
    def resource_efficiency(self) -> float:
        """Welfare gained per unit of money spent this month (sum over citizens and domains)."""
        d = self._delivery
        return d.welfare_gain / self._spending if d is not None and self._spending > 0 else 0.0

    @property
    def partnership_survival(self) -> float:
        """Share of partnerships formed so far that have not failed (1 when none formed)."""
        return 1.0 - self.failed / self.formed if self.formed else 1.0

    @property
    def participation_rate(self) -> float:
        """Share of citizens taking part in decisions this month (B5)."""
        return float(self.citizens.participating.mean())

    @property
    def volunteers(self) -> int:
        """Citizens volunteering in K7 groups."""
        return int(self.citizens.volunteering.sum())

    @property
    def awareness(self) -> float:
        """Mean awareness of services (B4)."""
        return float(self.citizens.awareness.mean(dtype=np.float64))

    @property
    def government_accountability(self) -> float:
        """Mean accountability of government agencies (B7); 0 when there are none."""
        acc = [o.accountability for o in self.organizations if o.sector is Sector.GOVERNMENT]
        return float(np.mean(acc)) if acc else 0.0

    @property
    def spending(self) -> float:
        """Money organizations spent this month."""
        return self._spending

    @property
    def contribution_rate(self) -> float:
        """Mean share of its promise a partnership member paid this month (0 with no members).

        The laboratory measure of cooperation in repeated public-goods games (Fehr & Gaechter
        2000): what each member gives as a share of what it could give, averaged over members.
        Here the "endowment" is the member's promise (formal: a share of income; informal: a
        share of spending scaled by trust), so lapses, stress and free-riding all lower it.
        """
        promise = getattr(self, "_promise", None)
        if promise is None or not (promise > 0).any():
            return 0.0
        return float(self.given[promise > 0].mean())

    @property
    def leakage_share(self) -> float:
        """Share of government spending lost to leakage since the start (0 before any).

        Olken's (2007) "missing expenditure": money that was budgeted for government
        projects, solo or pooled, and never reached them (B7), as a share of all of it.
        """
        spent = self.ledger["government"]
        return self.ledger["leakage"] / spent if spent > 0 else 0.0

    @property
    def citizen_satisfaction(self) -> float:
        """Share of citizens who were served this month or had a say in decisions (B5).

        Alatas et al. (2012) found that villagers were more satisfied with community-based
        targeting although it identified the poor no better: satisfaction comes from the
        service and from having a voice in it. A citizen counts as satisfied when either
        happened to them this month.
        """
        pop = self.citizens
        return float((pop.served_any | pop.participating).mean())

    @property
    def trust_age_correlation(self) -> float:
        """Pearson correlation, across active partnerships, of members' mutual trust with the
        partnership's age in months (0 with fewer than three, or no spread).

        Vanneste, Puranam & Kretschmer (2014) meta-analysed exactly this correlation across
        inter-organizational relationships: positive, small and heterogeneous.
        """
        pairs = [(ps.age, ps.mean_trust) for ps in self.partnerships if len(ps.members) > 1]
        if len(pairs) < 3:
            return 0.0
        age, trust = np.array(pairs, dtype=float).T
        if age.std() == 0.0 or trust.std() == 0.0:
            return 0.0
        return float(np.corrcoef(age, trust)[0, 1])

    @functools.cached_property
    def income_months(self) -> list[np.ndarray]:
        """Every organization's income, month by month (appended by the funding step)."""
        return []

    @property
    def ngo_income_cv(self) -> float:
        """Coefficient of variation of an NGO's annual income over the complete years so far,
        averaged over NGOs (0 before two complete years, or without NGOs).

        The funding-volatility measure of Carroll & Stater (2009) and Mayer et al. (2014):
        year-to-year variation of a non-profit's total revenue (income and grants, C4, C5).
        """
        years = len(self.income_months) // 12
        ngo = np.array([o.sector is Sector.NGO for o in self.organizations])
        if years < 2 or not ngo.any():
            return 0.0
        monthly = np.array(self.income_months[: years * 12])[:, ngo]
        annual = monthly.reshape(years, 12, -1).sum(axis=1)
        mean = annual.mean(axis=0)
        cv = np.where(mean > 0, annual.std(axis=0, ddof=1) / np.maximum(mean, 1e-300), 0.0)
        return float(cv.mean())

    def metrics_frame(self) -> pd.DataFrame:
        """Tidy per-month metrics: column `step` (0 = initial state) and one per metric."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(len(df), dtype=np.int64))
        return df
