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
from numpy.typing import ArrayLike, NDArray


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
    r = np.asarray(multiplier, dtype=float).reshape(-1, 1)
    member = e > 0
    size = np.maximum(member.sum(axis=1, keepdims=True), 1)
    payoff = np.where(member, e - c + r * c.sum(axis=1, keepdims=True) / size, 0.0)
    return payoff if np.ndim(endowments) > 1 else payoff[0]
