"""PartnershipModel: organizations pool resources, build or lose trust, and change welfare.

One step is one month. The activation order is fixed (docs/ODD.md, "Process overview"):

1. funding: volatile income, grant contest, funding cuts (C4, C5)
2. leadership turnover (C7)
3. partner search and formation, organizations in random order (D1, D2, K1-K7, C1, C3)
4. contributions to partnership pools, with defection (C2)
5. partners observe each other's contributions and update trust (C2, C3, C5)
6. service delivery by organizations alone and by partnership pools (B1-B3, B5-B7)
7. social ties and news of services, participation (B4, B5)
8. partnership review: leave, dissolve, renew (D1, D2, C1, C2)
9. government accountability (K2, B7)
10. data collection
Scheduled shocks fire after the step of their month (Mesa event, default priority).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from mesa import Model
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
from .funding import FundingShocks, grant_contest, volatile_income
from .metrics import METRICS
from .params import DOMAINS, ModelParams, Sector, Shock
from .partnership import VOLUNTEER_HOSTS, Partnership, kind_of, pool_focus
from .payoff import synergy_factor, synergy_outputs
from .population import CitizenPopulation
from .services import Channels, Delivery, deliver
from .trust import TrustNetwork

UNIT_COST = np.array([1.0, 1.0, 2.0, 1.5])  # money per service unit: health .. livelihood
MAX_COMMITTED = 0.8  # most of its monthly spending an organization puts into pools
GOOD_CONTRIBUTION = 0.75  # share of a promise that partners still see as kept
LEAKAGE = 0.3  # share of government spending lost when accountability is zero (B7)
VALUE_MEMORY = 0.8  # weight of the past in members' running value of a partnership
WORTH_IT = 0.8  # below this running value ratio a member stops finding a partnership worth it
K7_HOST_CHANCE = 0.25  # share of a host's partner searches that start a volunteer group
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
        Citizen.create_agents(self, p.n_citizens, index=range(p.n_citizens))
        self.organizations: list[Organization] = self._create_organizations()
        self.initial_money = sum(o.budget for o in self.organizations)
        self.trust_state = self._initial_trust()
        orgs = self.organizations
        self.base_income = np.array([o.base_income for o in orgs])
        self.reliability = np.array([o.reliability for o in orgs])
        self.income_sensitivity = np.array([INCOME_SENSITIVITY[o.sector] for o in orgs])
        self.sector_matrix = np.array([[o.sector is s for s in Sector] for o in orgs], float)
        self.is_seeker = np.array([o.sector in GRANT_SEEKERS for o in orgs])
        self.is_government = np.array([o.sector is Sector.GOVERNMENT for o in orgs])
        self.ties = np.zeros((len(orgs), len(orgs)))  # tie strength between organizations (B4)
        self.partnerships: list[Partnership] = []
        self.ended: list[Partnership] = []
        self.events: list[Event] = []
        self.funding_shocks = FundingShocks()
        self._next_pid = 1
        self.formed = 0
        self.failed = 0
        self._delivery: Delivery | None = None
        self._spending = 0.0
        # Money accounting: every unit that enters budgets and where it went (conservation).
        self.ledger = dict.fromkeys(
            ("income", "spent", "contest", "pooled", "solo", "leakage", "governance"), 0.0
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
        paid, kept = self._contribute(spend)
        self._observe(kept)
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
        p = self.p
        if p.partnering_rate == 0:
            return
        order = list(self.organizations)
        self.random.shuffle(order)
        for org in order:
            if len(org.memberships) >= p.max_memberships:
                continue
            if self.rng.random() >= p.partnering_rate:
                continue
            if (
                "K7" in p.allowed_kinds
                and org.sector in VOLUNTEER_HOSTS
                and self.rng.random() < K7_HOST_CHANCE
            ):
                self._host_volunteers(org)
                continue
            self._seek_partner(org)

    def _refresh_org_matrices(self) -> None:
        """Stack organizations' priorities and expertise; alignment = cosine similarity (C1)."""
        self.priorities = np.array([o.priorities for o in self.organizations])
        self.expertise = np.array([o.expertise for o in self.organizations])
        unit = self.priorities / np.linalg.norm(self.priorities, axis=1, keepdims=True)
        self.alignment = unit @ unit.T
        self._solo_value = (self.priorities * self.expertise / UNIT_COST).sum(axis=1)
        self.targeting = np.array([o.targeting for o in self.organizations])

    def _alignment(self, a: Organization, b: Organization) -> float:
        """Cosine similarity of two organizations' priorities (C1)."""
        return float(self.alignment[a.index, b.index])

    def _seek_partner(self, org: Organization) -> None:
        p = self.p
        current = {m.index for ps in org.memberships for m in ps.members}
        candidates = [
            c
            for c in self.organizations
            if c is not org
            and c.index not in current
            and len(c.memberships) < p.max_memberships
            and kind_of(org.sector, c.sector) in p.allowed_kinds
        ]
        if not candidates:
            return
        trust = self.trust[org.index]
        scores = np.array([self._partner_score(org, c, trust[c.index]) for c in candidates])
        weights = np.exp((scores - scores.max()) / 0.2)
        choice = candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]
        # Both sides must trust enough (C2) and find the other's goals close enough (C1).
        if min(trust[choice.index], self.trust[choice.index, org.index]) < p.trust_threshold:
            return
        if self.rng.random() >= self._alignment(org, choice):
            return
        joinable = [
            ps
            for ps in choice.memberships
            if not ps.volunteers.size
            and len(ps.members) < p.max_members
            and ps.kind in {kind_of(org.sector, m.sector) for m in ps.members}
            and np.mean([self.trust[m.index, org.index] for m in ps.members]) >= p.trust_threshold
        ]
        if joinable and self.rng.random() < 0.5:
            self._join(joinable[0], org)
        else:
            kind = kind_of(org.sector, choice.sector)
            assert kind is not None
            self._create([org, choice], kind=kind, formal=bool(self.rng.random() < p.formal_share))

    def _partner_score(self, org: Organization, other: Organization, trust: float) -> float:
        """Expected benefit (complementary expertise and money) + trust + goals - culture + ties."""
        complement = float(np.mean(np.maximum(org.expertise, other.expertise) - org.expertise))
        money = other.base_income / (org.base_income + other.base_income)
        tie = self.ties[org.index, other.index]
        return (
            complement
            + 0.3 * money
            + trust
            + self._alignment(org, other)
            - self.culture_gap[org.index, other.index]
            + tie
        )

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
        self._log("joined", pid=ps.pid, partnership=ps.kind, members=[org.name])

    def _host_volunteers(self, host: Organization) -> None:
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
        """Members pay into pools: formal a fixed promise (D1), informal by trust (D2).

        Promises beyond MAX_COMMITTED of an organization's spending are scaled down. A member
        may defect (C2) and pay nothing; monitoring (B7) deters shirking on formal promises.
        Returns contributions and whether each member kept its promise, both (P x O).
        """
        p = self.p
        m = self._m = self._membership()
        formal = np.array([ps.formal for ps in self.partnerships], dtype=bool)[:, None]
        base, reliability = self.base_income, self.reliability
        # Formal promises are contractual and stand through a cut (D1); a cut is public, so
        # only income far below what partners expect makes a member default (C4).
        expected = base * self._cut
        promise = m * np.where(
            formal,
            p.formal_commitment * base[None, :],
            p.informal_commitment * spend[None, :] * self._member_trust(m),
        )
        shirk_chance = (1.0 - reliability)[None, :] * np.where(
            formal, 1.0 - 0.5 * p.accountability, 1.0
        )
        # An organization whose income fell below half of what was expected cannot pay (C4).
        stressed = self._income < FUNDING_STRESS * expected
        shirked = (self.rng.random(m.shape) < shirk_chance) | stressed[None, :]
        wanted = np.where(shirked, 0.0, promise)
        total = wanted.sum(axis=0)
        cap = MAX_COMMITTED * spend
        scale = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
        paid = wanted * scale[None, :]
        kept = paid >= GOOD_CONTRIBUTION * promise
        self._solo = spend - paid.sum(axis=0)
        self.ledger["pooled"] += float(paid.sum())
        self.ledger["solo"] += float(self._solo.sum())
        return paid, kept

    # 5. trust ------------------------------------------------------------------
    def _observe(self, kept: np.ndarray) -> None:
        """Partners see who kept promises; misreadings (C3) and rivalry (C5) add bad news.

        A pair that meets in several partnerships has one experience a month: bad if any
        partnership gave bad news.
        """
        m = self._m
        triples = [
            (k, a, b)
            for k, ps in enumerate(self.partnerships)
            for a, b in itertools.permutations(ps.indices, 2)
        ]
        if triples:
            self._update_trust(np.array(triples).T, kept)
        size = m.sum(axis=1)
        within = ((m @ self.trust) * m).sum(axis=1) - size
        mean_trust = np.where(size > 1, within / np.maximum(size * (size - 1), 1), 1.0)
        for ps, t in zip(self.partnerships, mean_trust, strict=True):
            ps.mean_trust = float(t)

    def _update_trust(self, triples: np.ndarray, kept: np.ndarray) -> None:
        """Apply this month's experiences (partnership k, observer i, observed j) to trust."""
        p = self.p
        k, i, j = triples
        effectiveness = np.array([ps.effectiveness for ps in self.partnerships])
        misread = self.rng.random(k.size) < (
            p.misunderstanding * self.culture_gap[i, j] * (1.0 - effectiveness[k])
        )
        seekers = self.is_seeker
        rival = (self.rng.random(k.size) < RIVALRY * p.competition) & seekers[i] & seekers[j]
        bad = ~kept[k, j] | misread | rival
        n = len(self.organizations)
        bad_pair = np.zeros((n, n), dtype=bool)
        np.logical_or.at(bad_pair, (i, j), bad)
        seen = np.zeros((n, n), dtype=bool)
        seen[i, j] = True
        obs_i, obs_j = np.nonzero(seen)
        self.trust_state.observe(obs_i, obs_j, ~bad_pair[obs_i, obs_j])

    # 6. delivery ---------------------------------------------------------------
    def _solo_channels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Units, quality and targeting of each organization working alone."""
        money = self._solo.copy()
        acc = np.array([o.accountability for o in self.organizations])
        lost = np.where(self.is_government, money * LEAKAGE * (1.0 - acc), 0.0)
        self._leakage = float(lost.sum())
        self.ledger["leakage"] += self._leakage
        money -= lost
        units = (money[:, None] * self.priorities) / UNIT_COST
        return units, self.expertise, self.targeting

    def _pool_channels(self, paid: np.ndarray) -> tuple[np.ndarray, ...]:
        """Units, quality, targeting and coordination of partnership pools (B1-B3, B6, C6)."""
        p, m = self.p, self._m
        parts = self.partnerships
        if not parts:
            empty = np.zeros((0, len(DOMAINS)))
            self._governance_spend = 0.0
            return empty, empty, np.zeros(0), np.zeros(0, bool)
        size = m.sum(axis=1)
        contributed = paid.sum(axis=1)
        weights = np.where(contributed[:, None] > 0, paid, m)
        n_vol = np.array([ps.volunteers.size for ps in parts], dtype=float)
        carried = np.array([ps.carry for ps in parts])
        extra = carried + n_vol * p.volunteer_value
        for ps in parts:
            ps.carry = 0.0
        self.ledger["spent"] += float(carried.sum())  # exit fees paid in last month
        self.ledger["pooled"] += float(carried.sum())
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
        formal = np.array([ps.formal for ps in parts], dtype=bool)
        gain = 1.0 + p.pooling_gain * np.where(formal, 1.0, p.informal_strength)
        n_sectors = ((m @ self.sector_matrix) > 0).sum(axis=1)
        w = np.array([synergy_factor(int(n), p.synergy) for n in n_sectors])
        output = (synergy_outputs(paid, gain, w) + gain * extra) * (1.0 - overhead)
        output *= 1.0 - conflict
        focus, weights = pool_focus(weights, m, self.priorities)
        combined = 1.0 - np.exp(m @ np.log(1.0 - self.expertise))
        mean = (weights @ self.expertise) / weights.sum(axis=1, keepdims=True)
        quality = (1.0 - p.quality_pooling) * mean + p.quality_pooling * combined
        targeting = self.targeting
        linked = np.array([ps.community_linked for ps in parts], dtype=float)
        tau = np.minimum(
            1.0, (m * targeting[None, :]).max(axis=1) + 0.5 * self.participation_rate * linked
        )
        pool = contributed + extra
        for k, ps in enumerate(parts):
            ps.pool = float(pool[k])
            ps.output = float(output[k])
            ps.conflict = float(conflict[k])
        self._governance_spend = float((overhead * pool).sum())
        self.ledger["governance"] += self._governance_spend
        self._record_value(paid, contributed, output, focus, quality)
        # Formal pools run one case registry; informal cooperation coordinates only partly.
        share = np.where(formal, 1.0, p.informal_strength)
        units = output[:, None] * focus / UNIT_COST
        return (
            np.vstack([share[:, None] * units, (1.0 - share)[:, None] * units]),
            np.vstack([quality, quality]),
            np.concatenate([tau, tau]),
            np.concatenate([np.full(len(parts), p.coordination), np.zeros(len(parts), bool)]),
        )

    def _deliver(self, paid: np.ndarray) -> None:
        """Organizations and pools serve citizens; welfare erodes, then services lift it."""
        p = self.p
        solo_units, solo_quality, solo_tau = self._solo_channels()
        pool_units, pool_quality, pool_tau, pool_coord = self._pool_channels(paid)
        channels = Channels(
            units=np.vstack([solo_units, pool_units]),
            quality=np.vstack([solo_quality, pool_quality]),
            targeting=np.concatenate([solo_tau, pool_tau]),
            coordinated=np.concatenate([np.zeros(len(solo_tau), bool), pool_coord]),
        )
        self._delivery = deliver(
            self.citizens,
            channels,
            decay=p.welfare_decay,
            service_effect=p.service_effect,
            ownership_effect=p.ownership_effect,
            rng=self.rng,
        )

    def _record_value(
        self,
        paid: np.ndarray,
        contributed: np.ndarray,
        output: np.ndarray,
        focus: np.ndarray,
        quality: np.ndarray,
    ) -> None:
        """Each member's benefit per unit given, relative to going it alone (loner payoff).

        Benefit per unit = pool output per unit paid x the quality-weighted units it buys x
        alignment of the pool's focus with the member's priorities (C1); the loner's is its own
        expertise-weighted units. A running average smooths noise.
        """
        m = self._m
        per_unit = output / np.maximum(contributed, 1e-300) * (focus * quality / UNIT_COST).sum(1)
        unit_focus = focus / np.linalg.norm(focus, axis=1, keepdims=True)
        unit_prio = self.priorities / np.linalg.norm(self.priorities, axis=1, keepdims=True)
        ratio = per_unit[:, None] * (unit_focus @ unit_prio.T) / self._solo_value[None, :]
        values = np.array([ps.values for ps in self.partnerships])
        update = (m > 0) & (contributed[:, None] > 0)
        values = np.where(update, VALUE_MEMORY * values + (1.0 - VALUE_MEMORY) * ratio, values)
        mean = (values * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1)
        for k, ps in enumerate(self.partnerships):
            ps.values = values[k]
            ps.value_ratio = float(mean[k])

    # 7. networks and participation ---------------------------------------------
    def _update_networks(self) -> None:
        """Partners' ties strengthen and fade (B4); news travels faster in a partnered town."""
        together = (self._m.T @ self._m) > 0
        np.fill_diagonal(together, False)
        self.ties *= TIE_DECAY
        self.ties[self.ties < TIE_MIN] = 0.0
        self.ties = np.where(together, self.ties + TIE_GAIN * (1.0 - self.ties), self.ties)
        n_org = len(self.organizations)
        partnered = sum(1 for o in self.organizations if o.memberships) / n_org
        linked = {m.index for ps in self.partnerships if ps.community_linked for m in ps.members}
        p = self.p
        self.citizens.spread_awareness(p.info_spread * (1.0 + p.network_effect * partnered))
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
                    if trusts[k, m.index] < p.trust_threshold:
                        leaving.append((m, "distrust"))
                    elif ps.values[m.index] < WORTH_IT and (not ps.formal or ps.term_over):
                        leaving.append((m, "poor value"))
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
        ps.members.remove(m)
        m.memberships.remove(ps)
        ps.values[m.index] = 1.0
        self._log("left", pid=ps.pid, partnership=ps.kind, members=[m.name], reason=reason)

    def _dissolve(self, ps: Partnership, reason: str, *, failed: bool) -> None:
        if not ps.active:
            return
        ps.active = False
        if ps.carry and ps.members:  # unspent exit fees go back to who stayed
            for m in ps.members:
                m.budget += ps.carry / len(ps.members)
            ps.carry = 0.0
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
        return sum(o.budget for o in self.organizations) + sum(ps.carry for ps in self.partnerships)

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

    def metrics_frame(self) -> pd.DataFrame:
        """Tidy per-month metrics: column `step` (0 = initial state) and one per metric."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(len(df), dtype=np.int64))
        return df
