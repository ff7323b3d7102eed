"""`--check`: compare a fresh summary with the committed one, table (figure) by table.

Runs are deterministic (same parameters and seed give bitwise the same outputs), so the
default tolerance is zero: every value must be bitwise equal.  A definition may state a
relative tolerance for designs that are not deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.experiments.figures import FIGURE_OF_TABLE

KEY = ["table", "row", "outcome", "statistic"]


@dataclass
class TableVerdict:
    """Whether one table (and the figure drawn from it) reproduces."""

    table: str
    figure: str
    n: int
    differing: list[str]
    missing: int
    extra: int
    max_abs: float

    @property
    def ok(self) -> bool:
        """All values equal (within tolerance) and none missing or extra."""
        return not self.differing and not self.missing and not self.extra

    def line(self) -> str:
        """One human-readable verdict."""
        head = f"{self.table:<20} {self.figure:<18}"
        if self.ok:
            return f"{head} match ({self.n} values)"
        parts = []
        if self.differing:
            parts.append(
                f"{len(self.differing)} of {self.n} values differ "
                f"(largest |diff| {self.max_abs:.3g})"
            )
        if self.missing:
            parts.append(f"{self.missing} committed values missing")
        if self.extra:
            parts.append(f"{self.extra} new values")
        return f"{head} DIFFERS: " + "; ".join(parts)


def read_summary(path: Path) -> pd.DataFrame:
    """A summary.csv with string keys and float values."""
    return pd.read_csv(
        path,
        dtype={"table": str, "row": str, "outcome": str, "statistic": str, "value": float},
        keep_default_na=False,
        na_values={"value": ["", "nan", "NaN"]},
    )


def _equal(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    if rtol == 0:
        return a == b
    return bool(np.isclose(a, b, rtol=rtol, atol=0.0))


def compare(committed: pd.DataFrame, fresh: pd.DataFrame, rtol: float = 0.0) -> list[TableVerdict]:
    """Per-table verdicts (tables in the committed order, then new ones)."""
    c = committed.set_index(KEY)["value"]
    f = fresh.set_index(KEY)["value"]
    verdicts = []
    tables = list(dict.fromkeys([*committed["table"], *fresh["table"]]))
    for t in tables:
        ct = c[c.index.get_level_values(0) == t]
        ft = f[f.index.get_level_values(0) == t]
        common = ct.index.intersection(ft.index)
        diffs, max_abs = [], 0.0
        for k in common:
            a, b = float(ct.loc[k]), float(ft.loc[k])
            if not _equal(a, b, rtol):
                diffs.append(f"{k[1]} | {k[2]} | {k[3]}: committed {a!r}, fresh {b!r}")
                if not (math.isnan(a) or math.isnan(b)):
                    max_abs = max(max_abs, abs(a - b))
                else:
                    max_abs = math.inf
        verdicts.append(
            TableVerdict(
                t,
                FIGURE_OF_TABLE.get(t, "(table only)"),
                len(ct),
                diffs,
                len(ct.index.difference(ft.index)),
                len(ft.index.difference(ct.index)),
                max_abs,
            )
        )
    return verdicts
