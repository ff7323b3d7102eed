"""Scenario discovery on the calibration's runs: under which conditions do partnerships fail
to raise welfare?

PRIM (Friedman & Fisher 1999, Statistics and Computing 9:123-143; the `prim` package) peels
the space of the calibrated parameters down to boxes where the share of design points with
no welfare gain (mean over seeds of `welfare_gain` <= 0) is high.  A box is reported with its
coverage (share of all no-gain points it holds), density (share of its points with no gain)
and mass (share of all points it holds), and the limits it restricts.  On the peeling
trajectory the box kept is the one with the largest coverage among those with a density of
at least `MIN_DENSITY` (Bryant & Lempert 2010 choose by that trade-off), else the densest;
a box whose density is below one half is not reported (it describes success, not failure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MIN_DENSITY = 0.8
MAX_BOXES = 2
MIN_USEFUL_DENSITY = 0.5  # boxes below this hold mostly points with a gain
MIN_CASES = 5  # fewer points of interest than this: nothing to discover


@dataclass(frozen=True)
class Discovery:
    """The boxes found, or why none was looked for."""

    cases: int  # design points without a welfare gain
    points: int
    boxes: pd.DataFrame  # box, parameter, low, high, coverage, density, mass
    note: str = ""


def _choose(trajectory: pd.DataFrame) -> int:
    dense = trajectory[trajectory["density"] >= MIN_DENSITY]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    return int(dense["coverage"].idxmax())


def discover(
    points: pd.DataFrame, parameters: list[str], outcome: str = "welfare_gain"
) -> Discovery:
    """PRIM boxes of the design points whose `outcome` (mean over seeds) is not above 0."""
    import prim

    data = points.dropna(subset=[outcome])
    y = (data[outcome] <= 0.0).to_numpy()
    cases = int(y.sum())
    empty = pd.DataFrame(columns=["box", "parameter", "low", "high", "coverage", "density", "mass"])
    if cases < MIN_CASES or cases == len(y):
        why = "every" if cases == len(y) else f"only {cases}"
        return Discovery(cases, len(y), empty, f"{why} design points show no welfare gain")
    finder = prim.Prim(
        data[parameters].reset_index(drop=True), y, threshold=0.5, threshold_type=">"
    )
    rows: list[dict[str, Any]] = []
    for number in range(1, MAX_BOXES + 1):
        box = finder.find_box()
        if box is None:  # no cases of interest left outside the boxes found
            break
        box.select(_choose(box.peeling_trajectory))
        if box.density < MIN_USEFUL_DENSITY or box.coverage == 0:
            break  # a box of mostly points with a gain says nothing about failure
        limits = box.limits
        for name in limits.index:
            rows.append(
                {
                    "box": number,
                    "parameter": name,
                    "low": float(limits.loc[name, "min"]),
                    "high": float(limits.loc[name, "max"]),
                    "coverage": float(box.coverage),
                    "density": float(box.density),
                    "mass": float(box.mass),
                }
            )
    boxes = pd.DataFrame(rows) if rows else empty
    return Discovery(cases, len(y), boxes, "" if rows else "PRIM found no box")


def summary_lines(found: Discovery, posterior: pd.DataFrame) -> list[str]:
    """The report's section on scenario discovery."""
    share = float(np.mean(posterior["welfare_gain"] <= 0)) if "welfare_gain" in posterior else 0.0
    lines = [
        "## Where partnerships fail to raise welfare (PRIM scenario discovery)",
        "",
        f"{found.cases} of {found.points} design points ({found.cases / max(found.points, 1):.0%}"
        f") and {share:.0%} of the accepted (rejection) points show no welfare gain over the "
        "same town without partnerships (mean over seeds).",
        "",
    ]
    if found.note:
        return [*lines, f"No boxes: {found.note}.", ""]
    for number, box in found.boxes.groupby("box"):
        first = box.iloc[0]
        limits = "; ".join(
            f"{r.parameter} in [{r.low:.3g}, {r.high:.3g}]" for r in box.itertuples()
        )
        lines.append(
            f"- box {number}: {limits} (coverage {first.coverage:.0%}, density "
            f"{first.density:.0%}, mass {first.mass:.0%})"
        )
    return [*lines, ""]
