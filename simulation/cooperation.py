"""Conditional cooperation: what share of its promise a pool member gives (C2, D1, D2).

Contribution types and their shares come from Fischbacher, Gaechter & Fehr (2001, strategy
method): about half conditional cooperators, a third free riders, 14 % hump-shaped, the rest
unconditional. Beliefs about partners are updated by the model (Fischbacher & Gaechter 2010);
this module holds the types and the rule that turns a belief into a contribution.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

import numpy as np
from numba import njit

from .kernels import maximum, minimum
from .sampling import distribution, pick


class Cooperation(IntEnum):
    """Contribution types of Fischbacher, Gaechter & Fehr (2001, strategy method)."""

    FREE_RIDER = 0  # gives nothing whatever others give (about a third)
    CONDITIONAL = 1  # gives about what it believes others give (about half)
    HUMP = 2  # gives more as others give more, up to half, then less (14 %)
    UNCONDITIONAL = 3  # gives a fixed share whatever others do (the rest, about 6 %)


# Shares among organizations that are not free riders: 50 / 14 / 6 out of 70 (FGF 2001).
NON_FREE_RIDER_SHARES = (50 / 70, 14 / 70, 6 / 70)
# The types' codes as plain integers, constants of the compiled rule (_shares).
_CONDITIONAL, _HUMP, _UNCONDITIONAL = (
    int(c) for c in (Cooperation.CONDITIONAL, Cooperation.HUMP, Cooperation.UNCONDITIONAL)
)


def draw_cooperation(free_rider_share: float, rng: np.random.Generator) -> Cooperation:
    """One organization's contribution type, with the FGF (2001) shares: one uniform draw,
    as `Generator.choice(4, p=shares)` would take it (sampling.pick)."""
    return Cooperation(pick(_type_distribution(free_rider_share), rng))


@lru_cache(maxsize=32)  # a sweep varies the setting run after run: keep the last few
def _type_distribution(free_rider_share: float) -> np.ndarray:
    """The types' cumulative shares as `Generator.choice` lays them out
    (sampling.distribution), once per town setting: validating and summing them for each of
    fifty organizations cost more than the draws. Shared, so read-only."""
    rest = 1.0 - free_rider_share
    cdf = distribution(np.array([free_rider_share, *(rest * w for w in NON_FREE_RIDER_SHARES)]))
    cdf.flags.writeable = False
    return cdf


def contribution_shares(
    types: np.ndarray,
    beliefs: np.ndarray,
    own_share: np.ndarray,
    *,
    slope: float,
    mpcr: np.ndarray,
    deterred: np.ndarray,
) -> np.ndarray:
    """Share of its promise each member decides to give (pools x organizations).

    `beliefs` is what a member expects its partners to give (a share of their promises).
    Conditional cooperators give `slope` x belief (imperfect conditional cooperation,
    Fischbacher & Gaechter 2010), hump-shaped types `slope` x min(belief, 1 - belief),
    unconditional types their own fixed share, free riders nothing. Giving everything is
    every type's choice when it pays privately (mpcr >= 1: no dilemma) or when a sanction
    for the shortfall is expected (`deterred`, formal partnerships, D1). `types` and
    `own_share` are per organization (columns), `mpcr` per pool (P x 1) or per member.
    """
    return _shares(
        np.asarray(types, dtype=np.int64),
        np.asarray(beliefs, dtype=np.float64),
        np.asarray(own_share, dtype=np.float64),
        float(slope),
        np.asarray(mpcr, dtype=np.float64),
        np.asarray(deterred, dtype=np.bool_),
    )


@njit(cache=True)
def _shares(  # noqa: PLR0917 (numba-compiled: positional arrays)
    types: np.ndarray,
    beliefs: np.ndarray,
    own_share: np.ndarray,
    slope: float,
    mpcr: np.ndarray,
    deterred: np.ndarray,
) -> np.ndarray:
    """contribution_shares, member by member in one compiled pass (a month's dozen numpy
    calls on the pools x organizations arrays cost more than the rule)."""
    n_pools, n_orgs = beliefs.shape
    per_member = mpcr.shape[1] > 1
    share = np.empty((n_pools, n_orgs))
    for k in range(n_pools):
        for o in range(n_orgs):
            if deterred[k, o] or mpcr[k, o if per_member else 0] >= 1.0:
                share[k, o] = 1.0
                continue
            belief = beliefs[k, o]
            kind = types[o]
            if kind == _CONDITIONAL:
                wanted = slope * belief
            elif kind == _HUMP:
                wanted = slope * minimum(belief, 1.0 - belief)
            elif kind == _UNCONDITIONAL:
                wanted = own_share[o]
            else:
                wanted = 0.0
            share[k, o] = minimum(maximum(wanted, 0.0), 1.0)
    return share
