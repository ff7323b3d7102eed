"""Scenario discovery on the calibration's runs: under which conditions do partnerships fail
to raise welfare?

The question is asked of the design points, each labelled "no gain" when its mean over seeds
of `welfare_gain` is not above 0.  Three steps, each a published practice of scenario
discovery (Bryant & Lempert 2010, Technological Forecasting & Social Change 77:34-49):

1. **Screen.** A Mann-Whitney U test per parameter compares its values at points with and
   without a gain; the Benjamini-Hochberg false discovery rate over all parameters
   (`SCREEN_FDR`) keeps those that differ.  With some eighty parameters and a few hundred
   points of interest, PRIM given every parameter peels on noise first: a box of thirty
   restrictions that fits the sample and says nothing.
2. **Peel.** PRIM (Friedman & Fisher 1999, Statistics and Computing 9:123-143; the `prim`
   package) peels the screened parameters down to boxes where the share of no-gain points is
   high.
3. **Keep what is significant.** Every box on the peeling trajectory loses, one at a time, the
   restriction with the largest quasi-p value (Bryant & Lempert's one-sided binomial test that
   the restriction raises the box's density) while that value is above `MAX_QUASI_P`.  Of the
   boxes left, the one kept has the largest coverage among those with a density of at least
   `MIN_DENSITY`, else the largest density.

A box is reported with its coverage (share of all no-gain points it holds), density (share of
its points with no gain, beside the share over all points) and mass (share of all points it
holds), and each limit with its quasi-p value.  A box with no significant restriction is the
whole space and is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SCREEN_FDR = 0.05  # false discovery rate of "this parameter differs with and without a gain"
MAX_QUASI_P = 0.05  # a restriction with a larger quasi-p value is dropped (Bryant & Lempert)
MIN_DENSITY = 0.8
MAX_BOXES = 2
MIN_CASES = 5  # fewer points of interest than this: nothing to discover
BOX_COLUMNS = ["box", "parameter", "low", "high", "quasi_p", "coverage", "density", "mass"]
DRIVER_COLUMNS = ["parameter", "median_no_gain", "median_gain", "q_value"]


@dataclass(frozen=True)
class Discovery:
    """The parameters that differ, the boxes found, or why none was looked for."""

    cases: int  # design points without a welfare gain
    points: int
    boxes: pd.DataFrame  # BOX_COLUMNS, one row per limit
    drivers: pd.DataFrame  # DRIVER_COLUMNS: the screened parameters, most significant first
    note: str = ""


def screen(data: pd.DataFrame, parameters: list[str], no_gain: np.ndarray) -> pd.DataFrame:
    """The parameters whose values differ between no-gain and gain points (Mann-Whitney U,
    two-sided, Benjamini-Hochberg q-value at most `SCREEN_FDR`), most significant first."""
    from scipy import stats

    values = data[parameters]
    p_values = [
        stats.mannwhitneyu(values.loc[no_gain, name], values.loc[~no_gain, name]).pvalue
        for name in parameters
    ]
    table = pd.DataFrame(
        {
            "parameter": parameters,
            "median_no_gain": values[no_gain].median().to_numpy(),
            "median_gain": values[~no_gain].median().to_numpy(),
            "q_value": stats.false_discovery_control(np.nan_to_num(p_values, nan=1.0)),
        }
    )
    kept = table[table["q_value"] <= SCREEN_FDR]
    return kept.sort_values("q_value", kind="stable").reset_index(drop=True)


def _prune(box: Any, index: int) -> int:
    """Select box `index` of the peeling trajectory, drop its least significant restriction
    while that one's quasi-p value exceeds `MAX_QUASI_P`, and return the pruned box's index
    (each drop appends a box to the trajectory)."""
    box.select(index)
    while True:
        limits = box.limits
        if limits.empty or limits["qp values"].max() <= MAX_QUASI_P:
            return index
        box.drop_restriction(limits["qp values"].idxmax())
        index = len(box.peeling_trajectory) - 1


def _choose(trajectory: pd.DataFrame) -> int:
    """The largest coverage among boxes with a density of at least MIN_DENSITY, else the
    largest density (ties: the earlier box)."""
    dense = trajectory[trajectory["density"] >= MIN_DENSITY]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    return int(dense["coverage"].idxmax())


def _significant_box(box: Any) -> int:
    """Prune every box of the peeling trajectory and choose among the pruned ones."""
    peeled = len(box.peeling_trajectory)
    pruned = sorted({_prune(box, index) for index in range(peeled)})
    chosen = _choose(box.peeling_trajectory.loc[pruned])
    box.select(chosen)
    return chosen


def _box_rows(number: int, box: Any) -> list[dict[str, Any]]:
    limits = box.limits
    return [
        {
            "box": number,
            "parameter": name,
            "low": float(limits.loc[name, "min"]),
            "high": float(limits.loc[name, "max"]),
            "quasi_p": float(limits.loc[name, "qp values"]),
            "coverage": float(box.coverage),
            "density": float(box.density),
            "mass": float(box.mass),
        }
        for name in limits.index
    ]


def discover(
    points: pd.DataFrame, parameters: list[str], outcome: str = "welfare_gain"
) -> Discovery:
    """Screened parameters and significant PRIM boxes of the design points whose `outcome`
    (mean over seeds) is not above 0."""
    import prim

    data = points.dropna(subset=[outcome]).reset_index(drop=True)
    no_gain = (data[outcome] <= 0.0).to_numpy()
    cases = int(no_gain.sum())
    boxes = pd.DataFrame(columns=BOX_COLUMNS)
    drivers = pd.DataFrame(columns=DRIVER_COLUMNS)
    if cases < MIN_CASES or cases == len(no_gain):
        why = "every" if cases == len(no_gain) else f"only {cases}"
        return Discovery(cases, len(no_gain), boxes, drivers, f"{why} design points show no gain")
    drivers = screen(data, parameters, no_gain)
    if drivers.empty:
        note = "no parameter differs between points with and without a gain"
        return Discovery(cases, len(no_gain), boxes, drivers, note)
    finder = prim.Prim(data[list(drivers["parameter"])], no_gain, threshold=0.5, threshold_type=">")
    rows: list[dict[str, Any]] = []
    for number in range(1, MAX_BOXES + 1):
        box = finder.find_box()
        if box is None:  # no cases of interest left outside the boxes found
            break
        _significant_box(box)
        if box.limits.empty or box.coverage == 0:
            break  # the whole space, or no failures: nothing to report
        rows += _box_rows(number, box)
    if rows:
        boxes = pd.DataFrame(rows, columns=BOX_COLUMNS)
    note = "" if rows else "PRIM found no box with a significant restriction"
    return Discovery(cases, len(no_gain), boxes, drivers, note)


def _driver_text(row: Any) -> str:
    more = "higher" if row.median_no_gain > row.median_gain else "lower"
    return (
        f"{row.parameter} ({more} without a gain: median {row.median_no_gain:.3g} vs "
        f"{row.median_gain:.3g}, q {row.q_value:.2g})"
    )


def summary_lines(found: Discovery, posterior: pd.DataFrame) -> list[str]:
    """The report's section on scenario discovery."""
    share = float(np.mean(posterior["welfare_gain"] <= 0)) if "welfare_gain" in posterior else 0.0
    base = found.cases / max(found.points, 1)
    lines = [
        "## Where partnerships fail to raise welfare (PRIM scenario discovery)",
        "",
        f"{found.cases} of {found.points} design points ({base:.0%}) and {share:.0%} of the "
        "accepted (rejection) points show no welfare gain over the same town without "
        "partnerships (mean over seeds).",
        "",
    ]
    if not found.drivers.empty:
        listed = "; ".join(_driver_text(row) for row in found.drivers.itertuples())
        lines += [
            f"Parameters that differ between points with and without a gain (Mann-Whitney U, "
            f"Benjamini-Hochberg q <= {SCREEN_FDR:g}), most significant first: {listed}.",
            "",
        ]
    if found.note:
        return [*lines, f"No boxes: {found.note}.", ""]
    lines.append(
        f"PRIM boxes over those parameters, each restriction kept only with a quasi-p value "
        f"<= {MAX_QUASI_P:g} (Bryant & Lempert 2010), each box after the first looked for "
        f"among the points outside the boxes before it; density is the share of the box's "
        f"points without a gain, against {base:.0%} over all points:"
    )
    lines.append("")
    for number, box in found.boxes.groupby("box"):
        first = box.iloc[0]
        limits = "; ".join(
            f"{r.parameter} in [{r.low:.3g}, {r.high:.3g}] (qp {r.quasi_p:.2g})"
            for r in box.itertuples()
        )
        lines.append(
            f"- box {number}: {limits} (coverage {first.coverage:.0%}, density "
            f"{first.density:.0%}, mass {first.mass:.0%})"
        )
    if found.boxes["density"].max() < 0.5:
        lines += [
            "",
            "No box holds mostly points without a gain: failure to gain is spread thinly over "
            "the parameter space (and with few seeds per point, part of it is chance). The "
            "boxes say where it is more likely, not where it is the rule.",
        ]
    return [*lines, ""]
