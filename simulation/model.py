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

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from mesa import Model

from . import welfare as wf
from .agents import (
    FUNDING_SHARE,
    GRANT_SEEKERS,
    GRANT_SHARE,
    INCOME_SENSITIVITY,
    LEAVE_REASONS,
    ORGANIZATION_CLASSES,
    WORTH_IT,
    Citizen,
    Organization,
)
from .audit import missing_share
from .funding import FundingShocks, grant_contest, income_shocks, volatile_income
from .kernel_cache import ensure_compiled
from .metrics import KIND_COUNTS, METRICS, MetricRecorder
from .params import DOMAINS, Governance, ModelParams, Sector, Shock
from .partner_kernels import (
    co_membership,
    contribution_rates,
    delivered_units,
    governance_costs,
    groups_left,
    levy_fines,
    member_means,
    partner_observations,
    payments,
    pool_inflow,
    pool_operations,
    pool_returns,
    promises,
    reserves,
    service_channels,
    strengthen_ties,
    trust_in_shared_pools,
    update_accountability,
    update_beliefs,
    update_values,
)
from .partnership import (
    GOVERNANCE_CODES,
    KIND_CODES,
    Partnership,
    PartnershipTable,
    governance_fit,
    kind_of,
)
from .payoff import group_payoffs
from .population import CitizenPopulation
from .services import Channels, Delivery, deliver
from .trust import TrustNetwork

UNIT_COST = np.array([1.0, 1.0, 2.0, 1.5])  # money per service unit: health .. livelihood
NEGLIGIBLE_SPENDING = 1e-9  # share of the town's funding under which nothing was spent


def _mean(values: np.ndarray, indices: list[int]) -> float:
    """Mean of `values` at a few `indices`, summed in order: a partnership's handful of
    members, where numpy's fancy indexing and mean would cost ten times the sum."""
    return float(sum([values[i] for i in indices]) / len(indices))


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
        ensure_compiled()  # once per process: before the first month, over two cores if cold
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
        orgs = self.organizations
        # Organizations' money and accountability live in arrays (Organization reads its
        # entry), so that a month's funding and fines are a few array operations.
        self.budget = np.array([o.opening_budget for o in orgs])
        self.base_income = np.array([o.base_income for o in orgs])
        self.income = self.base_income.copy()
        self.income_months: list[np.ndarray] = []  # every month's income (ngo_income_cv)
        self.income_shocks: np.ndarray | None = None  # last month's (they persist)
        self._ngo_income_cv = (0, 0.0)  # (complete years, value), recomputed once a year
        self.org_spending = np.zeros(len(orgs))
        self.accountability = np.full(len(orgs), p.accountability)
        self.initial_money = float(self.budget.sum())
        self.trust_state = self._initial_trust()
        self.cooperation_types = np.array([int(o.cooperation) for o in orgs])
        self.own_share = np.array([o.own_share for o in orgs])
        self.income_sensitivity = np.array([INCOME_SENSITIVITY[o.sector] for o in orgs])
        self.sector_matrix = np.array([[o.sector is s for s in Sector] for o in orgs], float)
        self.is_seeker = np.array([o.sector in GRANT_SEEKERS for o in orgs])
        self.is_government = np.array([o.sector is Sector.GOVERNMENT for o in orgs])
        self.is_ngo = np.array([o.sector is Sector.NGO for o in orgs])
        # The kind each pair would found (None: no seed concept covers the pair), looked up by
        # sector pair: a few dozen kind_of calls instead of one per pair of organizations.
        by_sectors = {(a, b): kind_of(a, b) for a in Sector for b in Sector}
        self.pair_kinds = [[by_sectors[a.sector, b.sector] for b in orgs] for a in orgs]
        self.kind_allowed = np.array(
            [[kind in p.allowed_kinds for kind in row] for row in self.pair_kinds]
        )
        self.membership_counts = np.zeros(len(orgs), dtype=np.int64)
        self.table = PartnershipTable(len(orgs), len(DOMAINS))
        self._targeting_base = np.array([o.sector_targeting for o in orgs])
        # (O x D) for economies of scale (B1); empty until the first month's delivery
        self.operation_size = np.empty((0, len(DOMAINS)))
        self.ties = np.zeros((len(orgs), len(orgs)))  # tie strength between organizations (B4)
        self.partnerships: list[Partnership] = []
        self.ended: list[Partnership] = []
        self._ended_rows: list[int] = []
        self._event_records: list[tuple[int, str, dict[str, Any]]] = []  # not yet Events
        self._events: list[Event] = []
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
        self.citizens.draw_participation(p.base_engagement, self.rng)
        self._refresh_org_matrices()
        self.lasting_appeal = Organization.lasting_appeal(self)
        self.datacollector = MetricRecorder(METRICS)
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
            size = self.rng.lognormal(0.0, p.size_spread, count)
            incomes = town_funding * FUNDING_SHARE[sector] * size / size.sum()
            cls = ORGANIZATION_CLASSES[sector]
            for income in incomes:
                orgs.append(cls(self, index=len(orgs), base_income=float(income)))
        return orgs

    def _initial_trust(self) -> TrustNetwork:
        """Strangers' trust, lowered by cultural distance between organizations (C3)."""
        self.culture_gap = self._cultural_distance()
        initial = self.p.initial_trust * (1.0 - self.p.culture_trust_penalty * self.culture_gap)
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
        n = len(self.organizations)
        cut = self._cut = self._funding_cut(month)
        self.income_shocks = income_shocks(self.income_shocks, p.income_persistence, n, self.rng)
        income = volatile_income(
            self.base_income, self.income_sensitivity, p.funding_volatility, self.income_shocks
        )
        if self.funding_shocks.cuts:
            income *= cut
        effort = np.zeros(n)
        seekers, need = self._grant_seekers
        if seekers.size:
            pool = p.n_citizens * p.funding_per_citizen * GRANT_SHARE
            grants, burnt = grant_contest(need, self.budget[seekers], pool, p.competition)
            income[seekers] += grants * cut[seekers] if self.funding_shocks.cuts else grants
            effort[seekers] = burnt
        self.income = income
        self.income_months.append(income)
        self.budget += income
        spend = p.spend_rate * self.budget
        self.budget -= spend
        self.org_spending = spend
        self._contest = np.minimum(effort, spend)
        self._spending = float(spend.sum())
        self.ledger["income"] += float(income.sum())
        self.ledger["spent"] += self._spending
        self.ledger["contest"] += float(self._contest.sum())
        self.funding_shocks.expire(month)
        return spend - self._contest

    def _funding_cut(self, month: int) -> np.ndarray:
        """Each organization's income multiplier from the funding cuts in force (C4, Z1)."""
        if not self.funding_shocks.cuts:
            return self._uncut
        multiplier = self.funding_shocks.multiplier
        return np.array([multiplier(o.sector, month) for o in self.organizations])

    @cached_property
    def _uncut(self) -> np.ndarray:
        """All ones: the multiplier of every month without a cut (read, never written)."""
        ones = np.ones(len(self.organizations))
        ones.flags.writeable = False
        return ones

    @cached_property
    def _grant_seekers(self) -> tuple[np.ndarray, np.ndarray]:
        """Who competes for grants (C5) and each one's need share of the pool: its share of
        the seekers' base income. Neither changes over a run."""
        seekers = np.flatnonzero(self.is_seeker)
        base = self.base_income[seekers]
        return seekers, base / base.sum()

    # 2. leadership turnover ---------------------------------------------------
    def _turnover(self) -> None:
        """Leaders change at random (C7); trust and priorities partly reset."""
        if self.p.leadership_turnover == 0:
            return
        draws = self.rng.random(len(self.organizations))
        changed = (draws < self.p.leadership_turnover).nonzero()[0].tolist()
        for i in changed:
            org = self.organizations[i]
            org.change_leader()
            if org.memberships:
                self._log("leadership_change", orgs=[org.name], cause="turnover")
        if changed:
            self._refresh_org_matrices(changed)

    # 3. formation -------------------------------------------------------------
    def _form_partnerships(self) -> None:
        """Organizations look for partners: benefit, trust, goals and culture decide (C1, C3)."""
        if self.p.partnering_rate == 0:
            return
        orgs = self.organizations
        # Nobody leaves during formation, so an organization at its cap now stays there and
        # would do nothing (and draw nothing): leaving it out changes no result.
        # A plain loop, not an AgentSet: building one each month cost more than the search.
        free = (self.membership_counts < self.p.max_memberships).tolist()
        for i in self.rng.permutation(len(orgs)).tolist():
            if free[i]:
                orgs[i].look_for_partners()

    def _refresh_org_matrices(self, changed: Sequence[int] | None = None) -> None:
        """Stack organizations' priorities and expertise; alignment = cosine similarity (C1).

        Called at set-up and after a leadership change (the only thing that moves them); with
        `changed`, the organizations whose leader changed, only their rows are copied in (into
        new arrays all the same: whatever kept the old ones sees them unchanged).
        """
        orgs = self.organizations
        if changed is None:
            self.priorities = np.array([o.priorities for o in orgs])
            self.expertise = np.array([o.expertise for o in orgs])
            self.leadership = np.array([o.leadership for o in orgs])
        else:
            self.priorities, self.leadership = self.priorities.copy(), self.leadership.copy()
            for i in changed:
                self.priorities[i] = orgs[i].priorities
                self.leadership[i] = orgs[i].leadership
        unit = self.priorities / np.linalg.norm(self.priorities, axis=1, keepdims=True)
        # Only the changed organizations' rows and columns move, so only their cosines with
        # everyone are computed: the same products summed in the same order as for the full
        # matrix, which is exactly symmetric (summed by numpy over the domains, not by BLAS,
        # whose bits depend on the CPU).
        rows = unit if changed is None else unit[changed]
        cosines = (rows[:, None, :] * unit[None, :, :]).sum(axis=2)
        if changed is None:
            self.alignment = cosines
            return
        self.alignment = self.alignment.copy()
        self.alignment[changed] = cosines
        self.alignment[:, changed] = cosines.T

    @property
    def targeting(self) -> np.ndarray:
        """How closely each organization's services follow need (B7): 0 = first come."""
        return np.where(self.is_government, self.accountability, self._targeting_base)

    def start_or_join(self, org: Organization, choice: Organization) -> None:
        """`org` and `choice` agreed to work together: join one of choice's pools or start one."""
        p = self.p
        kinds = self.pair_kinds[org.index]  # what org would found with each organization
        joinable = [
            ps
            for ps in choice.memberships
            if not ps.volunteers.size
            and len(ps.members) < p.max_members
            and ps.kind in {kinds[m.index] for m in ps.members}
            and _mean(self.trust[:, org.index], ps.indices) >= p.trust_threshold
        ]
        if joinable and self.rng.random() < p.join_chance:
            self._join(joinable[0], org)
        else:
            kind = kinds[choice.index]
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
            table=self.table,
            kind=kind,
            formal=formal,
            governance=self.p.governance_mode,
            started=self.steps,
            duration=self.p.formal_duration,
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
        ps.add(org)
        org.memberships.append(ps)
        self._expect(ps, org)
        self.membership_counts[org.index] += 1
        self._log("joined", pid=ps.pid, partnership=ps.kind, members=[org.name])

    def _expect(self, ps: Partnership, org: Organization) -> None:
        """A newcomer expects its partners to give as much as it trusts them (C2), and opens
        its running payoff ratio above the loner's payoff by its stock of `goodwill`, which
        poor months must use up before it judges the pool not worth it (the honeymoon of
        Fichman & Levinthal 1991)."""
        others = [o.index for o in ps.members if o is not org]
        ps.beliefs[org.index] = _mean(self.trust[org.index], others) if others else 1.0
        ps.values[org.index] = WORTH_IT + self.p.goodwill

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
        size = max(3, self.p.n_citizens // self.p.citizens_per_volunteer)
        if pool.size < 2:
            return
        chosen = self.rng.choice(pool, size=min(size, pool.size), replace=False)
        ps = self._create([host], kind="K7", formal=False)
        ps.volunteers = np.sort(chosen)
        pop.volunteering[chosen] = True

    # 4. contributions -------------------------------------------------------
    def _member_trust(self, m: np.ndarray) -> np.ndarray:
        """(P x O): each member's mean trust in its fellow members (1 for a lone host)."""
        return member_means(m, self.trust)[0]

    def _contribute(self, spend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Members decide what share of their promise to give; formal pools fine shortfalls.

        A formal member promises a share of its usual income (D1), an informal one offers a
        share of its spending scaled by trust (D2). An announced cut scales the promise down,
        and promises beyond `max_committed` of an organization's spending are scaled down too:
        neither is a broken promise. Each member then gives the share its contribution type
        chooses (cooperation.contribution_shares), unless its hand trembles (defection_rate) or
        its income fell far below what was announced (C4). Returns what was paid and the
        share each member chose, both (P x O).
        """
        p = self.p
        table = self.table
        m = self._m = table["membership"]
        self._members = m.sum(axis=1)  # members of each pool, for this month's steps 4-6 and 8
        announced = self.base_income * self._cut
        promise, mpcr, deterred = promises(
            m,
            table["formal"],
            announced,
            spend,
            self._member_trust(m),
            table["pool_return"],
            self._members,
            p.formal_commitment,
            p.informal_commitment,
            p.sanction_rate,
            table["warned"],
        )
        chosen = Organization.decide_contributions(self, table["beliefs"], mpcr, deterred)
        lapse_draws = self.rng.random(m.shape)
        stressed = self.income < p.funding_stress * announced
        cap = p.max_committed * spend
        chosen, paid, fines, due = payments(
            m,
            table["formal"],
            chosen,
            promise,
            lapse_draws,
            p.defection_rate,
            stressed,
            cap,
            p.sanction_rate,
            self.budget,
        )
        if p.mutual_cover:
            self._cover(table["formal"][:, None], chosen, paid, cap)
        self._solo = spend - paid.sum(axis=0)
        self._promise = promise
        self.given = chosen  # share of its promise each member gave (P x O), for observers
        self.ledger["pooled"] += float(paid.sum())
        self.ledger["solo"] += float(self._solo.sum())
        self._sanction(fines, due)
        return paid, chosen

    def _cover(
        self, formal: np.ndarray, chosen: np.ndarray, paid: np.ndarray, cap: np.ndarray
    ) -> None:
        """Formal partners cover what a cut member no longer pays (Z1 buffering).

        `formal` is each pool's formality (P x 1). The gap is what the cut members would have
        given at their usual income; members not hit by a cut who are giving share it in
        proportion to what they give, as far as their room below `max_committed` allows.
        Adds the extra payments to `paid` (P x O); a month without a cut has nothing to cover.
        """
        hit = self._cut < 1.0
        if not hit.any():
            return
        members = formal & (self._m > 0)  # formal pools' members
        usual = self.p.formal_commitment * self.base_income * (1.0 - self._cut)
        gap = np.where(members & hit[None, :], chosen * usual[None, :], 0.0).sum(axis=1)
        givers = np.where(members & ~hit[None, :], paid, 0.0)
        weight = givers / np.maximum(givers.sum(axis=1, keepdims=True), 1e-300)
        extra = gap[:, None] * weight
        room = np.maximum(cap - paid.sum(axis=0), 0.0)
        wanted = extra.sum(axis=0)
        extra *= np.where(wanted > room, room / np.maximum(wanted, 1e-300), 1.0)[None, :]
        self.covered += float(extra.sum())
        paid += extra

    def _sanction(self, fines: np.ndarray, due: np.ndarray) -> None:
        """Formal pools fine a member's shortfall (D1; `fines` and each member's total `due`
        from partner_kernels.payments); the fine goes into the pool.

        Fehr & Gaechter (2000): members who were punished raise their contributions, so a
        fined member expects sanctions in that pool from now on (`warned`).
        """
        if not due.any():
            return
        table = self.table
        self.ledger["fines"] += levy_fines(
            fines, due, table["carry"], table["warned"], self.budget
        )  # each pool carries its fines; the fined are warned and pay what they owe

    # 5. trust ------------------------------------------------------------------
    def _observe(self, chosen: np.ndarray) -> None:
        """Partners see what each gave; they update beliefs and trust (C2, C3, C5).

        Beliefs follow Fischbacher & Gaechter (2010): a weighted mean of last month's belief
        and what the partners gave. A partner who gave less than `good_contribution` of what
        the observer expected is bad news; misreadings (C3) and rivalry (C5) add bad news. A
        pair that meets in several partnerships has one experience a month.
        """
        m = self._m
        table = self.table
        expected = table["beliefs"]
        self._update_trust(self._members, chosen, expected)
        update_beliefs(m, chosen, expected, self.p.belief_memory)
        # Trust and membership stay as they are now until the review (step 8), which reads
        # each member's mean trust from here.
        self._trusts, table["mean_trust"][:] = member_means(m, self.trust)

    def _update_trust(self, size: np.ndarray, chosen: np.ndarray, expected: np.ndarray) -> None:
        """Apply this month's experiences to trust: every member of a partnership of `size`
        members watches every other (partner_kernels.partner_observations says which were
        bad news); two draws per ordered pair, for misreading and for rivalry."""
        p, table = self.p, self.table
        pairs = int((size * (size - 1)).sum())
        if not pairs:
            return
        misread_draws = self.rng.random(pairs)
        rival_draws = self.rng.random(pairs)
        trustors, trustees, good = partner_observations(
            table["membership"],
            table["joined"],
            chosen,
            expected,
            table["effectiveness"],
            self.culture_gap,
            self.is_seeker,
            misread_draws,
            rival_draws,
            p.misunderstanding,
            p.rivalry * p.competition,
            p.good_contribution,
        )
        self.trust_state.observe(trustors, trustees, good)

    # 6. delivery ---------------------------------------------------------------
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
        p, table = self.p, self.table
        inflow, from_government, leaked, paid_in = pool_inflow(
            paid, self.is_government, self.leakage_rate, table["carry"]
        )
        self.ledger["government"] += from_government
        self._leakage += leaked
        self.ledger["leakage"] += leaked
        self.ledger["spent"] += paid_in  # exit fees and fines paid in last month
        self.ledger["pooled"] += paid_in
        money = self._draw_reserves(inflow)
        return money + table["volunteers"] * p.volunteer_value  # time cannot be saved

    def _governance(self) -> tuple[np.ndarray, np.ndarray]:
        """Each pool's governance (C6): overhead share and conflict (C1) that eat output.

        The members choose the mode (Organization.choose_governance); formal pools pay
        `governance_cost` of what they spend, more under an NAO.
        """
        p, m, table = self.p, self._m, self.table
        consensus = member_means(m, self.alignment)[1]
        network = self._members + (table["volunteers"] > 0)  # volunteers: one more member
        fits = governance_fit(network, table["mean_trust"], consensus, p)
        mode, effectiveness = Organization.choose_governance(self, fits, table["requested"], m)
        return governance_costs(
            mode,
            effectiveness,
            consensus,
            table["formal"],
            GOVERNANCE_CODES[Governance.NAO],
            p.governance_cost,
            p.nao_cost,
            table["governance"],
            table["effectiveness"],
            table["consensus"],
            table["conflict"],
        )

    def _deliver(self, paid: np.ndarray) -> None:
        """Organizations and pools serve citizens; welfare erodes, then services lift it.

        Nothing multiplies pooled money. Pools deliver more per unit only through the same
        cost function as everyone: the member that runs a pool's work in a domain adds it to
        its own operation there, so pooling concentrates each domain's work in fewer, larger
        and more expert operations (economies of scale B1; complementary expertise B2, B6);
        a shared case list avoids duplicates (B3, in services.deliver). Pools pay
        governance cost and lose output to conflict (C1, C6).

        - A pool's money goes to the domains its members care about, weighted by what each
          paid (its focus).
        - Who runs a pool's work in a domain (B2, B6): with division of labour the member
          with most expertise in it (a pool of equals gains nothing); without, each member
          serves its own share of the cases. The pool's quality is its runners' expertise.
        - Economies of scale (B1): with cost C(q) proportional to q^e (e = scale_elasticity,
          the cost elasticity of output), an operation spending M delivers
          (M / M_ref)^(1/e - 1) units per unit of money at list cost (UNIT_COST), where
          M_ref is an average organization's spending in one domain. M is the size of each
          organization's operation in each domain: a running mean (operation_memory) of
          what it spends there, alone and running pools' work. Scale lives in staff and
          premises sized to a usual budget, not in one month's cash, so a volatile month
          neither gains nor loses scale (no Jensen effect).

        The arithmetic is two compiled passes (partner_kernels.pool_operations and
        delivered_units) around numpy's power, whose last bits the C library's `pow` does
        not always match.
        """
        p, m, parts = self.p, self._m, self.partnerships
        solo = self._solo_money()
        if parts:
            pool = self._pool_money(paid)
            overhead, conflict = self._governance()
        else:
            pool = overhead = conflict = np.zeros(0)
        net = (1.0 - overhead) * (1.0 - conflict)
        runs = pool_operations(
            m,
            paid,
            pool,
            net,
            self.priorities,
            self.expertise,
            p.division_of_labour,
            solo,
            self.operation_size,
            p.operation_memory,
            self.reference_spending / len(DOMAINS),
        )
        size, ratio, solo_domain, pool_domain, focus, best, share = runs
        factor = ratio ** (1.0 / p.scale_elasticity - 1.0)  # numpy's power, not the C library's
        solo_units, pool_units, run_factor, quality = delivered_units(
            solo_domain,
            pool_domain,
            factor,
            self.expertise,
            p.division_of_labour,
            best,
            share,
            UNIT_COST,
        )
        self.operation_size = size
        self._governance_spend = float((overhead * pool).sum())
        self.ledger["governance"] += self._governance_spend
        if parts:
            self._record_value(
                pool, net, focus=focus, run_factor=run_factor, factor=factor, quality=quality
            )
        self._delivery = deliver(
            self.citizens,
            self._channels(solo_units, pool_units, quality),
            decay=p.welfare_decay,
            service_effect=p.service_effect,
            ownership_effect=p.ownership_effect,
            rng=self.rng,
        )

    def _channels(
        self, solo_units: np.ndarray, pool_units: np.ndarray, pool_quality: np.ndarray
    ) -> Channels:
        """Organizations alone (uncoordinated) and pools: formal pools keep all their cases
        on the shared list (B3), informal ones the share `informal_strength` (D2). A pool
        targets as well as its best-targeting member, better when citizens take part (B5):
        one compiled pass (partner_kernels.service_channels) lays the channels out."""
        p, table = self.p, self.table
        units, quality, targeting, coordinated = service_channels(
            solo_units,
            pool_units,
            self.expertise,
            pool_quality,
            self.targeting,
            self._m,
            table["linked"],
            table["formal"],
            p.participation_targeting * self.participation_rate,
            p.informal_strength,
            p.coordination,
        )
        return Channels(units=units, quality=quality, targeting=targeting, coordinated=coordinated)

    def _draw_reserves(self, inflow: np.ndarray) -> np.ndarray:
        """Pools save `reserve_share` of a normal month's inflow and draw on the reserve
        when inflow falls below its usual level (an EMA), up to that level (Z1 buffering;
        partner_kernels.reserves). Returns what each pool spends this month; saved money
        is not spent yet."""
        table = self.table
        spent, moved = reserves(
            inflow,
            table["usual_inflow"],
            table["reserve"],
            self.p.reserve_share,
            self.p.reserve_memory,
        )
        self.ledger["spent"] += moved
        self.ledger["pooled"] += moved
        return spent

    def _record_value(
        self,
        pool: np.ndarray,
        net: np.ndarray,
        *,
        focus: np.ndarray,
        run_factor: np.ndarray,
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
        m, table = self._m, self.table
        r = pool_returns(
            m,
            pool,
            net,
            focus,
            run_factor,
            quality,
            self.priorities,
            factor,
            self.expertise,
            UNIT_COST,
        )
        payoff = group_payoffs(self._promise, self._paid, r)
        table["value_ratio"][:] = update_values(
            m, self._promise, payoff, table["values"], self.p.value_memory
        )
        table["pool_return"][:] = r
        table["payoffs"][:] = payoff
        table["pool"][:] = pool
        table["output"][:] = pool * net
        table["quality"][:] = quality

    # 7. networks and participation ---------------------------------------------
    def _update_networks(self) -> None:
        """Partners' ties strengthen and fade (B4); news travels faster in a partnered town."""
        p, ties = self.p, self.ties
        # pairs of partners; organizations in a pool linked to the community (B5)
        together, linked = co_membership(self._m, self.table["linked"])
        # ties fade; those below tie_min are gone; partners' grow by tie_gain of what they lack
        strengthen_ties(ties, together, p.tie_decay, p.tie_min, p.tie_gain)
        n_org = len(self.organizations)
        self.citizens.spread_awareness(p.info_spread, p.awareness_forgetting, p.served_awareness)
        base = p.base_engagement
        self.citizens.draw_participation(base + (1.0 - base) * linked / n_org, self.rng)

    # 8. review ---------------------------------------------------------------
    def _review_partnerships(self) -> None:
        """Members leave on distrust (C2) or poor value (C1); formal terms end or renew (D1).

        Every member's decision is taken at once (Organization.reasons_to_leave), and every
        volunteer's (_review_volunteers); only pools where something happens are then
        visited, in the order of `self.partnerships`.
        """
        table = self.table
        trusts = self._trusts  # members' mean trust in their partners after step 5
        age, formal = table["age"], table["formal"]
        age += 1
        term_over = Partnership.terms_over(formal, age, self.p.formal_duration)
        reasons = Organization.reasons_to_leave(self, trusts, ~formal | term_over)
        volunteers_left = self._review_volunteers()
        # Fewer than two members, other than a K7 group with its host (`_members`: counted
        # this month, and nobody has joined or left since).
        busy = self._members + (table["kind"] == KIND_CODES["K7"]) < 2
        busy |= term_over
        busy |= reasons.any(axis=1)
        busy[volunteers_left] = True
        rows = np.flatnonzero(busy)
        over = term_over.tolist()
        for k, codes in zip(rows.tolist(), reasons[rows].tolist(), strict=True):
            self._review_one(
                self.partnerships[k], codes, term_over=over[k], volunteers_left=k in volunteers_left
            )
        self._drop_ended()

    def _review_one(
        self, ps: Partnership, reasons: list[int], *, term_over: bool, volunteers_left: bool
    ) -> None:
        """One pool where something happens: a K7 group its volunteers left dissolves;
        members with a reason (`reasons`, by organization) leave, paying an exit fee from a
        formal pool before its term ends if someone stays; at the end of a formal term the
        pool renews or dissolves; one left with fewer than two members dissolves."""
        p = self.p
        if volunteers_left:
            self._dissolve(ps, "volunteers left", failed=True)
        leaving = [(m, LEAVE_REASONS[reasons[m.index]]) for m in ps.members if reasons[m.index]]
        someone_stays = len(leaving) < len(ps.members)
        for m, reason in leaving:
            if ps.formal and not term_over and someone_stays:
                fee = p.exit_cost * m.budget
                m.budget -= fee
                ps.carry += fee
            self._leave(ps, m, reason)
        if term_over and ps.active and len(ps.members) >= 2:
            if ps.mean_trust >= p.trust_threshold and ps.value_ratio >= 1.0:
                self._log("renewed", pid=ps.pid, partnership=ps.kind)
            else:
                self._dissolve(ps, "term ended", failed=False)
                return
        if ps.active and len(ps.members) < 2 and not (ps.kind == "K7" and ps.members):
            self._dissolve(ps, leaving[0][1] if leaving else "too few members", failed=True)

    def _drop_ended(self) -> None:
        """Remove the rows of partnerships dissolved this month (rows stay put until now):
        the month's ended partnerships keep their rows together in one small table."""
        rows = sorted(self._ended_rows)
        if not rows:
            return
        self._ended_rows.clear()
        ended = self.table.drop(rows)
        parts = self.partnerships
        for i, row in enumerate(rows):
            parts[row].detach(ended, i)
        first = rows[0]
        parts[first:] = [ps for ps in parts[first:] if ps.table is not ended]
        for row in range(first, len(parts)):
            parts[row].row = row

    def _review_volunteers(self) -> list[int]:
        """Each volunteer drops out of its K7 group with chance `volunteer_dropout`; returns
        the rows of the partnerships whose groups fell below two volunteers (they dissolve).

        One draw for all volunteers of all groups, in the order of `self.partnerships` and
        of each group's volunteers.
        """
        sizes = self.table["volunteers"]
        total = int(sizes.sum())
        if not total:
            return []
        stay = self.rng.random(total) >= self.p.volunteer_dropout
        # Only the few groups someone left are visited (partner_kernels.groups_left).
        volunteering, below_two = self.citizens.volunteering, []
        for row, start in groups_left(sizes, stay).tolist():
            ps = self.partnerships[row]
            kept = stay[start : start + ps.volunteers.size]
            volunteering[ps.volunteers[~kept]] = False
            ps.volunteers = ps.volunteers[kept]
            if ps.volunteers.size < 2:
                below_two.append(row)
        return below_two

    def _leave(self, ps: Partnership, m: Organization, reason: str) -> None:
        """`m` leaves with its share of the pool's reserve (the last one with all it holds)."""
        count, reserve = len(ps.members), ps.reserve
        share = reserve / count
        if count == 1:
            share, ps.carry = share + ps.carry, 0.0
        m.budget += share
        ps.reserve = reserve - reserve / count
        ps.remove(m)
        m.memberships.remove(ps)
        self.membership_counts[m.index] -= 1
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
        for m in ps.members:
            m.memberships.remove(ps)
            self.membership_counts[m.index] -= 1
        if ps.volunteers.size:
            self.citizens.volunteering[ps.volunteers] = False
        self._ended_rows.append(ps.row)
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
        p, table = self.p, self.table
        update_accountability(
            self.accountability,
            self.is_government,
            table["membership"],
            table["kind"],
            KIND_CODES["K2"],
            p.accountability_gain,
            p.accountability_decay,
            p.accountability,
        )

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
        self._refresh_org_matrices()
        self._log(
            "leadership_change",
            sectors=sorted(s.value for s in sectors),
            orgs=[pool[int(i)].name for i in sorted(chosen)],
            cause="shock",
        )

    @property
    def money_held(self) -> float:
        """Money in organizations' reserves plus exit fees waiting in partnership pools."""
        table = self.table
        return float(self.budget.sum() + (table["carry"] + table["reserve"]).sum())

    def _log(self, kind: str, **data: Any) -> None:
        """Record an event as a plain tuple: most runs never read their log, and an `Event`
        costs more to build than the tuple (`events` builds them when read)."""
        self._event_records.append((self.steps, kind, data))

    @property
    def events(self) -> list[Event]:
        """The event log, oldest first: the same list, and the same `Event`s, on every read."""
        if self._event_records:
            self._events.extend(Event(*record) for record in self._event_records)
            self._event_records.clear()
        return self._events

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

    def _partnership_metrics(self) -> dict[str, Any]:
        """The metrics read from the partnership table, in one pass over it: partnerships in
        force by formality and by kind, and trust among the members of those with two or
        more (`partner_trust`, `trust_age_correlation`: partner_kernels.trust_in_shared_pools
        computes, in one compiled pass, what this states in numpy:

            shared = membership.sum(axis=1) > 1
            trust, age = mean_trust[shared], age[shared]
            partner_trust = trust.mean() if trust.size else 0.0
            age, trust = age - age.mean(), trust - partner_trust  # with 3 or more
            trust_age_correlation = (age * trust).sum() / sqrt((age**2).sum() * (trust**2).sum())

        with 0 for fewer than three pools or no spread)."""
        table = self.table
        formal = int(np.count_nonzero(table["formal"]))
        kinds = np.bincount(table["kind"], minlength=len(KIND_COUNTS)).tolist()
        mean_trust, correlation = trust_in_shared_pools(
            table["membership"], table["mean_trust"], table["age"]
        )
        return {
            "formal_partnerships": formal,
            "informal_partnerships": table.n - formal,
            **dict(zip(KIND_COUNTS, kinds, strict=True)),
            "partner_trust": mean_trust,
            "trust_age_correlation": correlation,
        }

    # The counts read alone (a property at a time) cost a count each; the recorder takes them
    # all from _partnership_metrics, which counts every kind at once.
    @property
    def formal_partnerships(self) -> int:
        """Formal partnerships in force (D1)."""
        return int(np.count_nonzero(self.table["formal"]))

    @property
    def informal_partnerships(self) -> int:
        """Informal cooperation in force (D2)."""
        return self.table.n - self.formal_partnerships

    def partnerships_of_kind(self, kind: str) -> int:
        """Partnerships in force of one kind (K1-K7)."""
        return int(np.count_nonzero(self.table["kind"] == KIND_CODES[kind]))

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
        return float((t.sum() - t.trace()) / (n * (n - 1)))

    @property
    def partner_trust(self) -> float:
        """Mean trust among members of partnerships in force with two or more (0 when there
        are none)."""
        return self._partnership_metrics()["partner_trust"]

    @property
    def duplication_waste(self) -> float:
        """Share of delivered service units that duplicated another provider's (B3)."""
        d = self._delivery
        return d.duplicates / d.hits if d is not None and d.hits > 0 else 0.0

    @property
    def resource_efficiency(self) -> float:
        """Welfare gained per unit of money spent this month (sum over citizens and domains).

        0 when the town spent next to nothing (under `NEGLIGIBLE_SPENDING` of its funding):
        the ratio would then divide volunteers' welfare gains by rounding dust and can
        overflow (a `spend_rate` of 5e-324 spends subnormal sums)."""
        d = self._delivery
        town_funding = self.reference_spending * len(self.organizations)
        if d is None or self._spending <= NEGLIGIBLE_SPENDING * town_funding:
            return 0.0
        return d.welfare_gain / self._spending

    @property
    def partnership_survival(self) -> float:
        """Share of partnerships formed so far that have not failed (1 when none formed)."""
        return 1.0 - self.failed / self.formed if self.formed else 1.0

    @property
    def participation_rate(self) -> float:
        """Share of citizens taking part in decisions this month (B5)."""
        pop = self.citizens
        return float(np.count_nonzero(pop.participating) / pop.n)  # = mean, without a copy

    @property
    def volunteers(self) -> int:
        """Citizens volunteering in K7 groups."""
        return int(np.count_nonzero(self.citizens.volunteering))

    @property
    def awareness(self) -> float:
        """Mean awareness of services (B4)."""
        awareness = self.citizens.awareness
        return float(awareness.sum(dtype=np.float64) / awareness.size)  # = mean, cheaper

    @property
    def government_accountability(self) -> float:
        """Mean accountability of government agencies (B7); 0 when there are none."""
        acc = self.accountability[self.is_government]
        return float(acc.sum() / acc.size) if acc.size else 0.0  # = mean, cheaper

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
        return self._contribution_rates()["contribution_rate"]

    @property
    def cohort_contribution_rate(self) -> float:
        """Mean share of its promise paid this month by the first month's pool members: the
        organizations with a promise in the first month that had any, followed as a fixed
        cohort in whatever pools they are in (0 when none of them is in a pool).

        The laboratory's design (Fehr & Gaechter 2000: the same groups for ten periods) rather
        than `contribution_rate`'s changing membership, whose mean holds up when those who give
        little leave. The cohort is fixed the first time either rate is read with a promise
        in force; the model's recorder reads them every month, so that is the first such month.
        """
        return self._contribution_rates()["cohort_contribution_rate"]

    def _contribution_rates(self) -> dict[str, float]:
        """`contribution_rate` and `cohort_contribution_rate` from one look at this month's
        promises (0 for both while no member has one): the mean of `given[promise > 0]`, and
        of its entries in the cohort's columns (partner_kernels.contribution_rates)."""
        promise = getattr(self, "_promise", None)
        if promise is None:
            return {"contribution_rate": 0.0, "cohort_contribution_rate": 0.0}
        cohort = getattr(self, "_contribution_cohort", None)
        if cohort is None:
            promised = promise > 0
            if not promised.any():
                return {"contribution_rate": 0.0, "cohort_contribution_rate": 0.0}
            cohort = self._contribution_cohort = promised.any(axis=0)
        rate, cohort_rate = contribution_rates(promise, self.given, cohort)
        return {"contribution_rate": rate, "cohort_contribution_rate": cohort_rate}

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
        return float(np.count_nonzero(pop.served_any | pop.participating) / pop.n)

    @property
    def trust_age_correlation(self) -> float:
        """Pearson correlation, across active partnerships, of members' mutual trust with the
        partnership's age in months (0 with fewer than three, or no spread).

        Vanneste, Puranam & Kretschmer (2014) meta-analysed exactly this correlation across
        inter-organizational relationships: positive, small and heterogeneous.
        """
        return self._partnership_metrics()["trust_age_correlation"]

    @property
    def ngo_income_cv(self) -> float:
        """Coefficient of variation of an NGO's annual income over the complete years so far,
        averaged over NGOs (0 before two complete years, or without NGOs).

        The funding-volatility measure of Carroll & Stater (2009) and Mayer et al. (2014):
        year-to-year variation of a non-profit's total revenue (income and grants, C4, C5).
        """
        years = len(self.income_months) // 12
        if years != self._ngo_income_cv[0]:  # changes once a year: computed then
            self._ngo_income_cv = (years, self._annual_income_cv(years, self.is_ngo))
        return self._ngo_income_cv[1]

    def _annual_income_cv(self, years: int, which: np.ndarray) -> float:
        """Mean over organizations `which` of their annual income's coefficient of variation
        over the first `years` complete years (0 with fewer than two, or none selected)."""
        if years < 2 or not which.any():
            return 0.0
        monthly = np.array(self.income_months[: years * 12])[:, which]
        annual = monthly.reshape(years, 12, -1).sum(axis=1)
        mean = annual.mean(axis=0)
        cv = np.where(mean > 0, annual.std(axis=0, ddof=1) / np.maximum(mean, 1e-300), 0.0)
        return float(cv.mean())

    def current_metrics(self, names: Sequence[str] = METRICS) -> dict[str, Any]:
        """The metrics `names` now, by name: what the recorder takes each month.

        Metrics that share inputs are computed together (one pass over the partnership table,
        one look at this month's promises), which costs a fraction of reading each property;
        the others are read from their properties.
        """
        together = {**self._partnership_metrics(), **self._contribution_rates()}
        return {name: together[name] if name in together else getattr(self, name) for name in names}

    def metrics_frame(self) -> pd.DataFrame:
        """Tidy per-month metrics: column `step` (0 = initial state) and one per metric."""
        return self.datacollector.frame()
