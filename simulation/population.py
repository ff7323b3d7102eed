"""The citizens (A4) as arrays: welfare, awareness of services, participation, social ties.

Per-citizen state lives in numpy arrays so a month of a 100,000-person town costs a few vector
operations. The social network (B4) is a Watts-Strogatz small world stored as an (n, k)
neighbour table; news of services travels along it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import kernels
from .params import DOMAINS
from .welfare import gini


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
        self.welfare: NDArray[np.float32] = np.clip(base[:, None] + noise, 0.01, 0.99).astype(
            np.float32
        )
        # Needs arise faster for the poor (vulnerability to shocks): the monthly erosion of
        # welfare scales with a citizen's initial shortfall relative to the town's, so the
        # update rule itself does not erase inequality.
        # A town where everyone starts at full welfare has no shortfall to compare: all alike.
        shortfall = 1.0 - base
        mean_shortfall = shortfall.mean()
        relative = shortfall / mean_shortfall if mean_shortfall > 0 else np.ones(n)
        self.vulnerability: NDArray[np.float32] = relative.astype(np.float32)
        self.awareness: NDArray[np.float32] = rng.beta(2.0, 3.0, n).astype(np.float32)
        self.propensity: NDArray[np.float32] = (
            rng.beta(2.0, 2.0, n) * 2.0 * participation if participation > 0 else np.zeros(n)
        ).astype(np.float32)
        np.clip(self.propensity, 0.0, 1.0, out=self.propensity)
        self.participating: NDArray[np.bool_] = np.zeros(n, dtype=bool)
        self.volunteering: NDArray[np.bool_] = np.zeros(n, dtype=bool)
        self.served_any: NDArray[np.bool_] = np.zeros(n, dtype=bool)
        self.neighbours = small_world(n, degree, rewiring, rng)
        self._composite: NDArray[np.float32] | None = None
        self._inequality: tuple[float, float] | None = None
        self._means: NDArray[np.float64] | None = None

    @property
    def composite(self) -> NDArray[np.float32]:
        """Per-citizen geometric mean of domain welfare."""
        if self._composite is None:
            self._composite = np.prod(self.welfare, axis=1) ** np.float32(1 / len(DOMAINS))
        return self._composite

    @property
    def domain_means(self) -> NDArray[np.float64]:
        """Mean welfare per domain."""
        if self._means is None:
            self._means = self.welfare.mean(axis=0, dtype=np.float64)
        return self._means

    @property
    def inequality(self) -> tuple[float, float]:
        """(Gini, Sen welfare) of composite welfare, cached until welfare changes."""
        if self._inequality is None:
            g = gini(self.composite)
            composite = self.composite  # its mean as np.mean computes it, at half the cost:
            mean = float(composite.sum(dtype=np.float64) / composite.size)
            self._inequality = (g, mean * (1.0 - g))
        return self._inequality

    def refresh(self, *, composite: NDArray[np.float32], domain_means: NDArray[np.float64]) -> None:
        """Take aggregates computed during delivery; drop other caches."""
        self._composite = composite
        self._means = domain_means
        self._inequality = None

    def draw_participation(self, engagement: float, rng: np.random.Generator) -> None:
        """Who takes part in decisions this month (B5): propensity x how much they are asked.

        `engagement` in [0.5, 1] rises with community-linked partnerships, which invite
        citizens in (article 000: partnerships involve the community in decisions).
        """
        self.participating = rng.random(self.n, dtype=np.float32) < self.propensity * engagement

    def spread_awareness(self, rate: float, forgetting: float, served_gain: float) -> None:
        """News of services travels along social ties; unused knowledge fades (B4)."""
        kernels.spread(
            self.awareness, self.neighbours, self.served_any, rate, forgetting, served_gain
        )
