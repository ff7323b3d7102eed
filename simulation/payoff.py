"""Pooled-resource payoffs: the public-goods game with synergy or discounting (B1, B2, B3).

Hauert, Michor, Nowak & Doebeli (2006): with k contributions the public good is
b (1 + w + ... + w^(k-1)); w = 1 is the linear game, w > 1 synergy (innovation from
combining different partners), w < 1 discounting (duplicated effort). Here contributions
are amounts, so the j-th largest contribution is weighted by w^j.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def synergy_output(contributions: ArrayLike, multiplier: float, w: float) -> float:
    """Public good produced: multiplier * sum_j w^j c_(j), contributions sorted descending."""
    c = np.sort(np.asarray(contributions, dtype=float))[::-1]
    weights = w ** np.arange(c.size, dtype=float)
    return float(multiplier * np.dot(weights, c))


def public_goods_payoffs(
    contributions: ArrayLike, endowment: float, multiplier: float, w: float = 1.0
) -> NDArray[np.float64]:
    """Each member keeps what it did not contribute and gets an equal share of the good."""
    c = np.asarray(contributions, dtype=float)
    share = synergy_output(c, multiplier, w) / c.size
    return endowment - c + share


def defection_advantage(contribution: float, multiplier: float, group_size: int) -> float:
    """pi_D - pi_C in the linear game: c (1 - r / N); positive iff defection dominates (r < N)."""
    return contribution * (1.0 - multiplier / group_size)


def synergy_factor(n_sectors: int, synergy: float) -> float:
    """w for a partnership spanning n_sectors distinct sectors: 1 + synergy * (n_sectors - 1)/4.

    A one-sector partnership (K5 among NGOs) gets no diversity bonus; a five-sector one the
    full `synergy`. Negative `synergy` models discounting.
    """
    return 1.0 + synergy * max(n_sectors - 1, 0) / 4.0


def synergy_outputs(contributions: NDArray[np.float64], multipliers: ArrayLike, w: ArrayLike):
    """Row-wise `synergy_output` for a (groups x members) matrix; zeros are non-members."""
    c = -np.sort(-np.asarray(contributions, dtype=float), axis=1)
    w = np.asarray(w, dtype=float)[:, None]
    weights = w ** np.arange(c.shape[1], dtype=float)[None, :]
    return np.asarray(multipliers, dtype=float) * (c * weights).sum(axis=1)
