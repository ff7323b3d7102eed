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

from .kernels import numpy_sum


def member_payoffs(
    endowments: ArrayLike, contributions: ArrayLike, multiplier: ArrayLike
) -> NDArray[np.float64]:
    """Payoff of each member, row-wise: endowment - contribution + r * sum(contributions) / N.

    `endowments` and `contributions` are (groups x organizations) with zeros for
    non-members (or one group as a vector); `multiplier` is r per group. N counts the members,
    i.e. the positive endowments of a row.
    """
    e = np.atleast_2d(np.asarray(endowments, dtype=float))
    c = np.atleast_2d(np.asarray(contributions, dtype=float))
    r = np.asarray(multiplier, dtype=float).reshape(-1)
    payoff = _payoffs(e, np.ascontiguousarray(c), r)
    return payoff if np.ndim(endowments) > 1 else payoff[0]


@njit(cache=True)
def _payoffs(
    endowments: np.ndarray, contributions: np.ndarray, multiplier: np.ndarray
) -> np.ndarray:
    """member_payoffs group by group in one compiled pass, with numpy's arithmetic in its
    order (the group's total given summed as numpy sums a row), at a tenth of the cost of
    the month's numpy calls on the groups x organizations arrays."""
    n_groups, n_orgs = endowments.shape
    payoff = np.zeros((n_groups, n_orgs))
    for k in range(n_groups):
        size = 0
        for o in range(n_orgs):
            size += endowments[k, o] > 0
        r = multiplier[k if multiplier.size > 1 else 0]
        share = r * numpy_sum(contributions[k]) / max(size, 1)
        for o in range(n_orgs):
            if endowments[k, o] > 0:
                payoff[k, o] = endowments[k, o] - contributions[k, o] + share
    return payoff
