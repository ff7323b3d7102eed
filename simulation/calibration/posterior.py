"""Rejection ABC on the design's runs (Pritchard et al. 1999; Beaumont 2010, Annu. Rev. Ecol.
Evol. Syst. 41:379-406).

Each design point's statistic for a pattern is the mean over its replicates, as the
pattern defines it.  Its distance from the pattern is scaled by the pattern's tolerance,
z = (statistic - target) / tolerance, so |z| <= 1 means "met" whatever the output's units;
a point's distance is the root mean square of its z over the calibration patterns.  The
posterior sample is the accepted share of the design closest to the patterns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.experiments.patterns import Pattern
from simulation.params import ModelParams

EXTRA_OUTCOMES = ("welfare_gain",)  # reported by the design's runs besides the patterns


@dataclass(frozen=True)
class Posterior:
    """The ABC result: every design point with its distance, and the accepted ones."""

    points: pd.DataFrame  # point_id, parameters, statistics, z per pattern, distance, accepted
    parameters: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    threshold: float  # largest accepted distance

    @property
    def sample(self) -> pd.DataFrame:
        """The accepted points (the posterior sample), closest first."""
        return self.points[self.points["accepted"]].sort_values("distance")

    def centre(self) -> dict[str, float | int]:
        """Posterior median of each parameter (integers rounded): the calibrated values."""
        out: dict[str, float | int] = {}
        for name in self.parameters:
            median = float(self.sample[name].median())
            is_int = ModelParams.model_fields[name].annotation is int
            out[name] = round(median) if is_int else median
        return out


def point_statistics(
    runs: pd.DataFrame, parameters: Sequence[str], patterns: Sequence[Pattern]
) -> pd.DataFrame:
    """One row per design point: its parameters and each pattern's (and extra outcome's)
    mean over replicates."""
    ok = runs[runs["status"] == "ok"]
    ids = [p.id for p in patterns] + [c for c in EXTRA_OUTCOMES if c in ok.columns]
    grouped = ok.groupby("point_id")
    table = grouped[list(parameters)].first().join(grouped[ids].mean())
    table["replicates"] = grouped.size()
    return table.reset_index()


def abc_reject(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    patterns: Sequence[Pattern],
    *,
    accept: float,
) -> Posterior:
    """Accept the share `accept` of design points closest to the patterns (at least two)."""
    points = point_statistics(runs, parameters, patterns)
    z = pd.DataFrame(
        {f"z_{p.id}": (points[p.id] - p.target) / p.tolerance for p in patterns},
        index=points.index,
    )
    distance = np.sqrt((z**2).mean(axis=1)).fillna(np.inf)  # a missing statistic: never kept
    points = pd.concat([points, z], axis=1)
    points["distance"] = distance
    n = min(len(points), max(2, math.ceil(accept * len(points))))
    order = np.argsort(distance.to_numpy(), kind="stable")
    accepted = np.zeros(len(points), dtype=bool)
    accepted[order[:n]] = np.isfinite(distance.to_numpy()[order[:n]])
    points["accepted"] = accepted
    threshold = float(distance[accepted].max()) if accepted.any() else math.inf
    return Posterior(points, tuple(parameters), tuple(patterns), threshold)


def pattern_shares(
    runs: pd.DataFrame, posterior: Posterior, patterns: Sequence[Pattern]
) -> pd.DataFrame:
    """For each pattern, the share of runs whose statistic meets it: over the whole design
    (the prior predictive) and over the posterior's runs; plus the share of posterior points
    whose replicate mean meets it."""
    ok = runs[runs["status"] == "ok"]
    kept = set(posterior.sample["point_id"])
    post_runs = ok[ok["point_id"].isin(kept)]
    rows = []
    for p in patterns:
        low, high = p.interval
        rows.append(
            {
                "pattern": p.id,
                "use": p.use,
                "low": low,
                "high": high,
                "prior_share_of_runs_met": float(ok[p.id].between(low, high).mean()),
                "posterior_share_of_runs_met": float(post_runs[p.id].between(low, high).mean()),
                "posterior_share_of_points_met": float(
                    posterior.sample[p.id].between(low, high).mean()
                ),
                "posterior_median": float(posterior.sample[p.id].median()),
            }
        )
    return pd.DataFrame(rows)


def parameter_table(posterior: Posterior, ranges: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter: prior range, posterior median and 90 % interval, and how much the
    posterior narrowed (its standard deviation over the uniform prior's)."""
    rows = []
    for name in posterior.parameters:
        low, high = ranges[name]
        values = posterior.sample[name].to_numpy(dtype=float)
        prior_sd = (high - low) / math.sqrt(12.0)
        rows.append(
            {
                "parameter": name,
                "prior_low": low,
                "prior_high": high,
                "median": float(np.median(values)),
                "q05": float(np.quantile(values, 0.05)),
                "q95": float(np.quantile(values, 0.95)),
                "sd_ratio": float(values.std(ddof=1) / prior_sd) if values.size > 1 else math.nan,
            }
        )
    return pd.DataFrame(rows)
