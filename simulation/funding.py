"""Funding (C4), competition for the same funds (C5) and funding shocks (Z1).

Income is lognormal around each organization's base with a sector-specific sensitivity, so
NGOs and community organizations feel funding volatility most. Its shocks persist from month
to month (a grant won or lost, a donor gained or lost, lasts), so a year's income varies as a
non-profit's revenue does from year to year, not as the mean of twelve independent months.
A grant pool is split among NGOs and community organizations: by need when there is no
competition, otherwise partly by a Tullock contest whose effort is burnt (rent dissipation,
Tullock 1980).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .params import Sector


@dataclass
class FundingShocks:
    """Income multipliers per sector while a funding cut lasts."""

    cuts: list[tuple[frozenset[Sector], float, int]] = field(default_factory=list)

    def add(self, sectors: frozenset[Sector], magnitude: float, until: int) -> None:
        """Cut the income of `sectors` by `magnitude` until month `until` (exclusive)."""
        self.cuts.append((sectors, magnitude, until))

    def multiplier(self, sector: Sector, month: int) -> float:
        """Product of all cuts in force for a sector this month."""
        m = 1.0
        for sectors, magnitude, until in self.cuts:
            if sector in sectors and month < until:
                m *= 1.0 - magnitude
        return m

    def expire(self, month: int) -> None:
        """Forget cuts that have ended."""
        self.cuts = [c for c in self.cuts if month < c[2]]


def income_shocks(
    previous: np.ndarray | None, persistence: float, size: int, rng: np.random.Generator
) -> np.ndarray:
    """This month's standard-normal income shocks, persistent from month to month.

    An AR(1) process, z_t = r z_(t-1) + sqrt(1 - r^2) e_t with r = `persistence`: each month
    is N(0, 1) whatever r, so `funding_volatility` keeps its meaning as the monthly spread,
    while a year's total varies more the more persistent the shocks.  The first month
    (`previous` None) draws from the stationary distribution; r = 0 gives independent months.
    """
    fresh = rng.standard_normal(size)
    if previous is None:
        return fresh
    return persistence * previous + math.sqrt(1.0 - persistence * persistence) * fresh


def volatile_income(
    base: np.ndarray, sensitivity: np.ndarray, volatility: float, shocks: np.ndarray
) -> np.ndarray:
    """Lognormal income with mean `base`: base * exp(s z - s^2/2), s = volatility*sensitivity,
    z = this month's standard-normal `shocks` (`income_shocks`)."""
    s = volatility * sensitivity
    return base * np.exp(s * shocks - 0.5 * s * s)


def grant_contest(
    need_shares: np.ndarray, reserves: np.ndarray, pool: float, competition: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split a grant pool among n seekers; return (grants, effort burnt).

    A share `competition` of the pool is contested, the rest allocated by need. In the
    symmetric Tullock (1980) contest, rent-seekers together burn (n - 1)/n of the contested
    prize, so each seeker burns its need share of that; the contested part is then won in
    proportion to effort, capped by what the seeker holds.
    """
    n = need_shares.size
    if n == 0 or pool <= 0:
        return np.zeros_like(reserves), np.zeros_like(reserves)
    contested = competition * pool
    effort = np.minimum(contested * (n - 1) / n * need_shares, np.maximum(reserves, 0.0))
    total_effort = effort.sum()
    contest = effort / total_effort if total_effort > 0 else need_shares
    grants = (pool - contested) * need_shares + contested * contest
    return grants, effort
