"""One run of the model, as a pure function of parameters, seed and length.

Sweeps, experiments and the CLI all call `run_one`, so a result can be reproduced from the
row that records it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .model import PartnershipModel
from .params import Shock

RECOVERY_TOLERANCE = 0.01  # welfare counts as recovered within 1 % of its pre-shock level


@dataclass(frozen=True)
class RunResult:
    """Final outcomes of a run and, optionally, its time series."""

    outcomes: dict[str, float]
    series: pd.DataFrame | None


def simulate(
    params: Mapping[str, Any], *, seed: int, steps: int, shocks: Sequence[Shock] = ()
) -> PartnershipModel:
    """Build and run a model for `steps` months."""
    model = PartnershipModel(rng=int(seed), shocks=tuple(shocks), **dict(params))
    for _ in range(steps):
        model.step()
    return model


def resilience(welfare: np.ndarray, shock_step: int) -> tuple[float, float]:
    """Depth of the welfare drop after a shock and months until it recovers (Z1).

    `welfare[t]` is community welfare after month t (t = 0 is the initial state). The drop
    is the pre-shock level minus the lowest level afterwards, relative to the pre-shock
    level; recovery is the first month after the low point back within 1 % of the
    pre-shock level (NaN-free: the months left in the run plus one if it never recovers).
    """
    before = float(welfare[shock_step])
    after = welfare[shock_step + 1 :]
    if after.size == 0 or before <= 0:
        return 0.0, 0.0
    low = int(np.argmin(after))
    drop = max(0.0, (before - float(after[low])) / before)
    recovered = np.flatnonzero(after[low:] >= before * (1.0 - RECOVERY_TOLERANCE))
    months = low + (int(recovered[0]) if recovered.size else after.size - low) + 1
    return drop, float(months if drop > RECOVERY_TOLERANCE else 0)


def run_one(
    params: Mapping[str, Any],
    *,
    seed: int,
    steps: int,
    shocks: Sequence[Shock] = (),
    series_every: int | None = None,
) -> RunResult:
    """Run once; return final metrics, mean welfare, resilience and an optional series."""
    recorded = simulate(params, seed=seed, steps=steps, shocks=shocks).datacollector
    outcomes = recorded.latest()
    welfare = recorded.series("community_welfare")
    outcomes["welfare_mean"] = float(welfare[1:].mean()) if steps else float(welfare[0])
    if shocks:
        first = min(s.step for s in shocks)
        if first < len(welfare):
            outcomes["welfare_drop"], outcomes["recovery_time"] = resilience(welfare, first)
    series = recorded.frame(every=series_every) if series_every else None
    return RunResult(outcomes=outcomes, series=series)
