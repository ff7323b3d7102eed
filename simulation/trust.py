"""Trust between organizations (C2): two published update rules with closed-form expectations.

* Asymmetric linear rule ("builds slowly, collapses fast"; Slovic 1993; inter-organizational
  rates alpha+ = 0.10, alpha- = 0.30 from Pant & Yu 2025):
  good experience T <- T + a+ (1 - T); bad experience T <- T - a- T.
* Beta reputation with forgetting (Josang & Ismail 2002): r <- lam r + good, s <- lam s + bad,
  trust E = (r + 1) / (r + s + 2).

Both are vectorized over arrays of relationships; the model and the tests call the same code.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def asymmetric_update(trust: Array, good: NDArray[np.bool_], gain: float, loss: float) -> Array:
    """One experience per relationship: move trust up by gain*(1-T) or down by loss*T."""
    return np.where(good, trust + gain * (1.0 - trust), trust - loss * trust)


def asymmetric_expectation(t0: float, q: float, gain: float, loss: float, steps: int) -> float:
    """Exact E[T_t] when each experience is good with probability q.

    The update is affine in T, so E[T_t+1] = (1 - q a+ - (1-q) a-) E[T_t] + q a+.
    """
    rate = 1.0 - q * gain - (1.0 - q) * loss
    fixed = asymmetric_fixed_point(q, gain, loss)
    return fixed + (t0 - fixed) * rate**steps


def asymmetric_fixed_point(q: float, gain: float, loss: float) -> float:
    """Stationary mean T* = q a+ / (q a+ + (1-q) a-)."""
    denom = q * gain + (1.0 - q) * loss
    return q * gain / denom if denom > 0 else 0.0


def beta_update(
    r: Array, s: Array, good: NDArray[np.bool_], forgetting: float
) -> tuple[Array, Array]:
    """Discount old evidence by lambda and add this step's observation."""
    g = good.astype(float)
    return forgetting * r + g, forgetting * s + (1.0 - g)


def beta_trust(r: Array, s: Array) -> Array:
    """Expected reliability under a uniform prior: (r + 1) / (r + s + 2)."""
    return (r + 1.0) / (r + s + 2.0)


def beta_expectation(q: float, forgetting: float, steps: int) -> float:
    """Exact E[trust] after `steps` Bernoulli(q) observations from r = s = 0.

    r + s = S_t = (1 - lam^t) / (1 - lam) is deterministic and E[r_t] = q S_t, so
    E[E_t] = (q S_t + 1) / (S_t + 2) exactly.
    """
    total = float(steps) if forgetting == 1.0 else (1.0 - forgetting**steps) / (1.0 - forgetting)
    return (q * total + 1.0) / (total + 2.0)


def beta_evidence(trust: Array, weight: float = 2.0) -> tuple[Array, Array]:
    """Pseudo-counts (r, s) whose Beta mean equals a given trust, for initialization.

    With r + s = weight, (r + 1)/(weight + 2) = T gives r = T (weight + 2) - 1; clipped at 0.
    """
    r = np.clip(trust * (weight + 2.0) - 1.0, 0.0, None)
    s = np.clip(weight - r, 0.0, None)
    return r, s


class TrustNetwork:
    """Trust of every organization in every other, updated by the chosen rule.

    `matrix[i, j]` is i's trust in j. Only partners observe each other, so trust between
    strangers stays at its initial value, set by cultural distance (C3).
    """

    def __init__(
        self, initial: Array, *, rule: str, gain: float, loss: float, forgetting: float
    ) -> None:
        self.initial = initial.copy()
        self.rule = rule
        self.gain = gain
        self.loss = loss
        self.forgetting = forgetting
        self.matrix = initial.copy()
        if rule == "beta":
            self.r, self.s = beta_evidence(initial)
            self.r0, self.s0 = self.r.copy(), self.s.copy()

    def observe(self, trustor: np.ndarray, trustee: np.ndarray, good: np.ndarray) -> None:
        """Each (trustor, trustee) pair, listed once, saw one good or bad experience."""
        if trustor.size == 0:
            return
        if self.rule == "beta":
            r, s = beta_update(
                self.r[trustor, trustee], self.s[trustor, trustee], good, self.forgetting
            )
            self.r[trustor, trustee] = r
            self.s[trustor, trustee] = s
            self.matrix[trustor, trustee] = beta_trust(r, s)
        else:
            self.matrix[trustor, trustee] = asymmetric_update(
                self.matrix[trustor, trustee], good, self.gain, self.loss
            )

    def reset(self, index: int, fraction: float) -> None:
        """A leadership change (C7): trust to and from `index` falls back toward its start."""
        for sl in (np.s_[index, :], np.s_[:, index]):
            self.matrix[sl] = self.initial[sl] + (self.matrix[sl] - self.initial[sl]) * (
                1.0 - fraction
            )
            if self.rule == "beta":
                self.r[sl] = self.r0[sl] + (self.r[sl] - self.r0[sl]) * (1.0 - fraction)
                self.s[sl] = self.s0[sl] + (self.s[sl] - self.s0[sl]) * (1.0 - fraction)
                self.matrix[sl] = beta_trust(self.r[sl], self.s[sl])
        self.matrix[index, index] = 1.0  # an organization trusts itself
