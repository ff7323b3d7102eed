"""Random picks drawn exactly as numpy's `Generator.choice` draws them, without its checks.

`Generator.choice(n, p=w)` validates `p` on every call (dtype, sign, sum), which costs more
than the pick itself when an organization picks a partner among fifty. The draw here is
numpy's own algorithm (cumulative sum normalised by its last entry, one uniform draw,
`searchsorted` to the right), so it consumes the same random number and returns the same
index: results are bitwise those of `Generator.choice`.
"""

from __future__ import annotations

import numpy as np


def distribution(weights: np.ndarray) -> np.ndarray:
    """The cumulative distribution of `weights` as `Generator.choice` lays it out: running
    sums of the normalised weights, divided by the last. Lay it out once for many draws."""
    cdf = (weights / weights.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf


def pick(cdf: np.ndarray, rng: np.random.Generator) -> int:
    """Index i with probability cdf[i] - cdf[i - 1], for a distribution laid out by
    `distribution`: one uniform draw, `searchsorted` to the right."""
    return int(cdf.searchsorted(rng.random(), side="right"))
