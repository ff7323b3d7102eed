"""The citizens (A4) as arrays: welfare, awareness of services, participation, social ties.

Per-citizen state lives in numpy arrays so a month of a 100,000-person town costs a few vector
operations. The social network (B4) is a Watts-Strogatz small world stored as an (n, k)
neighbour table; news of services travels along it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .params import DOMAINS
from .welfare import geometric_mean

FORGETTING = 0.02  # monthly share of awareness lost without reminders
SERVED_AWARENESS = 0.5  # share of the awareness gap closed by being served


def small_world(n: int, k: int, rewiring: float, rng: np.random.Generator) -> NDArray[np.int32]:
    """Neighbour table of a Watts-Strogatz graph: ring lattice, each tie rewired w.p. p.

    Row i lists k neighbours of i (k/2 on each side before rewiring). Rewired ties point to
    a uniformly drawn citizen; ties are directed, which suffices for spreading news.
    """
    half = k // 2
    offsets = np.concatenate([np.arange(1, half + 1), -np.arange(1, half + 1)])
    table = (np.arange(n)[:, None] + offsets[None, :]) % max(n, 1)
    rewire = rng.random(table.shape) < rewiring
    table[rewire] = rng.integers(0, n, int(rewire.sum()))
    return table.astype(np.int32)


class CitizenPopulation:
    """State of all citizens, updated month by month by the model."""

    def __init__(
        self,
        n: int,
        rng: np.random.Generator,
        *,
        degree: int,
        rewiring: float,
        initial_welfare: float,
        participation: float,
    ) -> None:
        self.n = n
        # A common factor per person (poverty is multi-dimensional) plus domain noise.
        concentration = 4.0
        base = rng.beta(
            max(initial_welfare * concentration, 1e-3),
            max((1.0 - initial_welfare) * concentration, 1e-3),
            n,
        )
        noise = rng.normal(0.0, 0.08, (n, len(DOMAINS)))
        self.welfare: NDArray[np.float64] = np.clip(base[:, None] + noise, 0.01, 0.99)
        self.awareness: NDArray[np.float64] = rng.beta(2.0, 3.0, n)
        self.propensity: NDArray[np.float64] = (
            rng.beta(2.0, 2.0, n) * 2.0 * participation if participation > 0 else np.zeros(n)
        )
        np.clip(self.propensity, 0.0, 1.0, out=self.propensity)
        self.participating: NDArray[np.bool_] = np.zeros(n, dtype=bool)
        self.volunteering: NDArray[np.bool_] = np.zeros(n, dtype=bool)
        self.served: NDArray[np.bool_] = np.zeros((n, len(DOMAINS)), dtype=bool)
        self.neighbours = small_world(n, degree, rewiring, rng)
        self._composite: NDArray[np.float64] | None = None

    @property
    def composite(self) -> NDArray[np.float64]:
        """Per-citizen geometric mean of domain welfare (cached until welfare changes)."""
        if self._composite is None:
            self._composite = np.asarray(geometric_mean(self.welfare, axis=1))
        return self._composite

    def touch(self) -> None:
        """Invalidate cached aggregates after welfare changed."""
        self._composite = None

    def draw_participation(self, engagement: float, rng: np.random.Generator) -> None:
        """Who takes part in decisions this month (B5): propensity x how much they are asked.

        `engagement` in [0.5, 1] rises with community-linked partnerships, which invite
        citizens in (article 000: partnerships involve the community in decisions).
        """
        self.participating = rng.random(self.n) < self.propensity * engagement

    def spread_awareness(self, spread: float) -> None:
        """News of services travels along social ties; unused knowledge fades (B4)."""
        heard = self.awareness[self.neighbours].mean(axis=1)
        a = self.awareness
        a *= 1.0 - FORGETTING
        a += spread * (1.0 - a) * heard
        served_any = self.served.any(axis=1)
        a[served_any] += SERVED_AWARENESS * (1.0 - a[served_any])
        np.clip(a, 0.0, 1.0, out=a)

    def need(self) -> NDArray[np.float64]:
        """Unmet need in each domain: the welfare gap 1 - w."""
        return 1.0 - self.welfare
