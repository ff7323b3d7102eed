"""Statistics the experiments share: means with CIs, paired effects, the replication criterion.

All intervals are 95 % Student-t.  Arms and design points share seeds replicate by replicate
(common random numbers), so effects are *paired* differences: the CI of the mean of
per-replicate differences.  Cohen's d uses the pooled SD of the two conditions (not the SD of
the differences), so it reads as the usual standardized mean difference.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation.sweep import mean_ci

CONFIDENCE = 0.95
CV_TOLERANCE = 0.10  # CV of the mean counts as stable within 10 % of its final value
MIN_REPLICATIONS = 3
STABLE_SHARE = 0.75  # ... and must be so over at least the last quarter of the replications


def describe(values: Any) -> dict[str, float]:
    """n, mean, sd and the 95 % CI of the mean."""
    n, mean, sd, lo, hi = mean_ci(values, CONFIDENCE)
    return {"n": float(n), "mean": mean, "sd": sd, "ci_low": lo, "ci_high": hi}


def paired_effect(treated: pd.Series, reference: pd.Series) -> dict[str, float]:
    """Mean paired difference (treated - reference) over common replicates, its 95 % CI,
    Cohen's d (pooled SD) and the paired t-test p-value."""
    both = pd.concat([treated.rename("t"), reference.rename("r")], axis=1).dropna()
    t, r = both["t"].to_numpy(float), both["r"].to_numpy(float)
    d = t - r
    n, mean, _sd, lo, hi = mean_ci(d, CONFIDENCE)
    pooled = math.sqrt((np.var(t, ddof=1) + np.var(r, ddof=1)) / 2) if n > 1 else math.nan
    cohen = mean / pooled if pooled and pooled > 0 else math.nan
    if n > 1 and np.std(d) > 0:
        p = float(stats.ttest_rel(t, r).pvalue)
    else:
        p = math.nan if n < 2 else (1.0 if mean == 0 else 0.0)
    return {
        "n": float(n),
        "diff": mean,
        "diff_low": lo,
        "diff_high": hi,
        "cohen_d": cohen,
        "p_value": p,
    }


def cv_of_mean_path(values: Any) -> np.ndarray:
    """CV of the outcome (sd / |mean|) over the first n replicates, n = 2..N (Lee et al.)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    out = []
    for n in range(2, len(v) + 1):
        m = abs(v[:n].mean())
        out.append(v[:n].std(ddof=1) / m if m > 0 else math.nan)
    return np.asarray(out)


def stable_replications(values: Any, tolerance: float = CV_TOLERANCE) -> dict[str, float]:
    """Replication criterion after Lee et al. (2015): the smallest n >= 3 from which the CV
    over the first m replicates stays within `tolerance` (relative) of its value at N for
    every m in [n, N].  Also the relative half-width of the 95 % CI of the mean at N.

    `n_stable` is NaN when there are too few replicates to judge (N < 4).  The criterion is
    `met` (1.0) when n_stable <= 0.75 N, i.e. the CV has been stable over at least the last
    quarter of the replications; n_stable = N only says the last value equals itself."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n_total = len(v)
    info = describe(v)
    rel = (info["ci_high"] - info["mean"]) / abs(info["mean"]) if info["mean"] else math.nan
    if n_total < MIN_REPLICATIONS + 1:
        return {
            "n_total": n_total,
            "n_stable": math.nan,
            "cv": math.nan,
            "rel_halfwidth": rel,
            "met": math.nan,
        }
    path = cv_of_mean_path(v)  # index i <-> n = i + 2
    final = path[-1]
    if not np.isfinite(final) or final == 0:
        return {
            "n_total": n_total,
            "n_stable": float(MIN_REPLICATIONS),
            "cv": float(final),
            "rel_halfwidth": rel,
            "met": 1.0,
        }
    ok = np.abs(path - final) <= tolerance * abs(final)
    n_stable = n_total
    for i in range(len(path)):
        n = i + 2
        if n >= MIN_REPLICATIONS and ok[i:].all():
            n_stable = n
            break
    met = float(n_stable <= math.floor(STABLE_SHARE * n_total))
    return {
        "n_total": n_total,
        "n_stable": float(n_stable),
        "cv": float(final),
        "rel_halfwidth": rel,
        "met": met,
    }


def long_rows(table: str, row: str, outcome: str, values: dict[str, float]) -> list[dict]:
    """Summary rows (table, row, outcome, statistic, value): the format `--check` compares."""
    return [
        {"table": table, "row": row, "outcome": outcome, "statistic": k, "value": float(v)}
        for k, v in values.items()
    ]


def cell(mean: float, lo: float, hi: float, digits: int = 4) -> str:
    """'mean [lo, hi]' for Markdown tables."""
    if not np.isfinite(mean):
        return "-"
    if not np.isfinite(lo):
        return f"{mean:.{digits}g}"
    return f"{mean:.{digits}g} [{lo:.{digits}g}, {hi:.{digits}g}]"
