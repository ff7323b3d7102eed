"""Members' payoffs from a pool: the linear public-goods game (the dilemma of C2, D1, D2).

A member keeps what it does not give and receives an equal share of the pool's benefit,
`multiplier` x total given / N (credit for joint work is shared among the partners). The
multiplier r is not a setting: the model measures it each month as the pool's service value
per unit of money relative to its members' own (economies of scale, complementary
expertise, minus governance cost and conflict). With r < N giving less always pays
privately (pi_D - pi_C = c (1 - r / N)), which is what makes free riding tempting.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from .summation import pairwise_sum


def member_payoffs(
    endowments: ArrayLike, contributions: ArrayLike, multiplier: ArrayLike
) -> NDArray[np.float64]:
    """Payoff of each member, row-wise: endowment - contribution + r * sum(contributions) / N.

    `endowments` and `contributions` are (groups x organizations) with zeros for
    non-members (or one group as a vector); `multiplier` is r per group (or one for all).
    N counts the members, i.e. the positive endowments of a row.
    """
    e = np.atleast_2d(np.asarray(endowments, dtype=float))
    c = np.atleast_2d(np.asarray(contributions, dtype=float))
    r = np.broadcast_to(np.asarray(multiplier, dtype=float).reshape(-1), e.shape[:1])
    payoff = group_payoffs(
        np.ascontiguousarray(e), np.ascontiguousarray(c), np.ascontiguousarray(r)
    )
    return payoff if np.ndim(endowments) > 1 else payoff[0]


@njit(cache=True)
def group_payoffs(
    endowments: np.ndarray, contributions: np.ndarray, multiplier: np.ndarray
) -> np.ndarray:
    """member_payoffs of (groups x organizations) arrays, compiled (the model's monthly
    call): (endowment - contribution) + (r x total contributed) / N for members, 0 for
    others; each group's total summed as numpy sums a row."""
    n_groups, n_orgs = endowments.shape
    payoff = np.empty((n_groups, n_orgs))
    row = np.empty(n_orgs)
    for k in range(n_groups):
        members = 0
        for o in range(n_orgs):
            row[o] = contributions[k, o]
            members += endowments[k, o] > 0
        share = multiplier[k] * (0.0 + pairwise_sum(row, 0, n_orgs)) / max(members, 1)
        for o in range(n_orgs):
            gain = endowments[k, o] - contributions[k, o] + share
            payoff[k, o] = gain if endowments[k, o] > 0 else 0.0
    return payoff
