"""`--check`: compare a fresh summary with the committed one, table (figure) by table.

Runs are deterministic on one machine (same parameters and seed give bitwise the same
outputs).  Across CPUs they are too, because the `partnership` command runs numpy's
baseline code paths on every x86-64 CPU (simulation/numpy_dispatch.py): numpy's AVX2 and
AVX-512 versions of exp, log and power differ in the last bit, and this model's decisions
carry such a bit from month 0 to differences of about 1e-4 by month 120.  What may still
differ between machines is the C library's scalar math; the check therefore compares
within a floating-point tolerance, scaled to each value's own size:

- counts (`n`, `count`, ...) must be equal;
- values in the outcome's units (means, SDs, CI bounds, paired differences) may differ by
  `rtol` times the largest magnitude of that outcome anywhere in the summary, because their
  rounding error comes from the runs' values, whose size that is (a difference of two close
  means inherits the absolute error of the means, not a relative error of its own size);
- dimensionless statistics (Cohen's d, p-values, Sobol' indices, CVs, factor levels) may
  differ by `rtol` times the largest magnitude in their own (table, row, outcome) group.

`FLOAT_RTOL` = 1e-10 admits rounding noise in a single month's arithmetic (the differences
once measured between instruction sets on summaries that did not amplify them were at most
1.3e-11 of their scale) while a change of 1e-6 in any value of the committed summaries
(whose largest scale is about 1,000) is at least 1e-9 of its scale, ten times the
tolerance.  A difference that a decision amplified is far larger and fails the check, as it
should: it means the runs took other paths.  A definition may set a wider `tolerance` for a
design that is not deterministic.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.experiments.definition import RESULTS_DIR, ExperimentDef
from simulation.experiments.figures import FIGURE_OF_TABLE

KEY = ["table", "row", "outcome", "statistic"]
FLOAT_RTOL = 1e-10
COUNTS = frozenset({"n", "n_total", "n_stable", "met", "count"})
IN_OUTCOME_UNITS = frozenset({"mean", "sd", "ci_low", "ci_high", "diff", "diff_low", "diff_high"})


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
    bitwise: int = 0  # values equal to the last bit
    max_scaled: float = 0.0  # largest |difference| / its scale among values that match

    @property
    def ok(self) -> bool:
        """All values equal (within tolerance) and none missing or extra."""
        return not self.differing and not self.missing and not self.extra

    def line(self) -> str:
        """One human-readable verdict."""
        head = f"{self.table:<20} {self.figure:<18}"
        if self.ok:
            if self.bitwise == self.n:
                return f"{head} match ({self.n} values, bitwise)"
            return (
                f"{head} match ({self.n} values, {self.n - self.bitwise} within floating-point "
                f"tolerance: largest difference {self.max_scaled:.2g} of scale)"
            )
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


def scales(summary: pd.DataFrame) -> pd.Series:
    """The scale each value's difference is measured against (indexed like `KEY`).

    Counts get 0 (they must be equal); values in outcome units get the largest magnitude of
    that outcome's values in outcome units anywhere in the summary; dimensionless statistics
    the largest magnitude of the non-count values of their (table, row, outcome) group."""
    s = summary.assign(size=summary["value"].abs().where(np.isfinite(summary["value"])))
    counts = s["statistic"].isin(COUNTS).to_numpy()
    in_units = s["statistic"].isin(IN_OUTCOME_UNITS).to_numpy()
    by_outcome = s[in_units].groupby("outcome")["size"].transform("max")
    by_group = s[~counts].groupby(["table", "row", "outcome"])["size"].transform("max")
    scale = np.where(in_units, by_outcome.reindex(s.index), by_group.reindex(s.index))
    scale = np.where(counts, 0.0, np.nan_to_num(scale.astype(float)))
    return pd.Series(scale, index=pd.MultiIndex.from_frame(s[KEY]))


def _relative_differences(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """|a - b| relative to max(scale, |a|, |b|): 0 where equal (NaN equals NaN), inf where
    only one is NaN or infinite, or where a count (scale 0) differs."""
    with np.errstate(invalid="ignore", divide="ignore"):
        size = np.where(scale > 0, np.fmax(scale, np.fmax(np.abs(a), np.abs(b))), 0.0)
        rel = np.abs(a - b) / size
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    return np.where(same, 0.0, np.where(np.isfinite(rel), rel, np.inf))


def compare(
    committed: pd.DataFrame, fresh: pd.DataFrame, rtol: float = FLOAT_RTOL
) -> list[TableVerdict]:
    """Per-table verdicts (tables in the committed order, then new ones).

    `rtol` = 0 asks for bitwise equality."""
    c = committed.assign(scale=scales(committed).to_numpy())
    both = c.merge(fresh, on=KEY, how="outer", suffixes=("_c", "_f"), indicator=True, sort=False)
    verdicts = []
    for t in dict.fromkeys([*committed["table"], *fresh["table"]]):
        rows = both[both["table"] == t]
        common = rows[rows["_merge"] == "both"]
        a, b = common["value_c"].to_numpy(float), common["value_f"].to_numpy(float)
        rel = _relative_differences(a, b, common["scale"].to_numpy(float))
        bad = rel > rtol
        diffs = [
            f"{r.row} | {r.outcome} | {r.statistic}: committed {r.value_c!r}, fresh {r.value_f!r}"
            for r in common[bad].itertuples()
        ]
        abs_diff = np.abs(a - b)[bad]
        abs_diff = np.where(np.isnan(abs_diff), np.inf, abs_diff)
        verdicts.append(
            TableVerdict(
                t,
                FIGURE_OF_TABLE.get(t, "(table only)"),
                int((rows["_merge"] != "right_only").sum()),
                diffs,
                int((rows["_merge"] == "left_only").sum()),
                int((rows["_merge"] == "right_only").sum()),
                float(abs_diff.max()) if abs_diff.size else 0.0,
                int((rel == 0).sum()),
                float(rel[~bad].max()) if (~bad).any() else 0.0,
            )
        )
    return verdicts


QUICK_REFERENCE = "quick-reference.csv"


def reference_path(exp: ExperimentDef, quick: bool, root: Path = RESULTS_DIR) -> Path:
    """The committed summary `--check` compares with.

    Full variant: `results/<name>/summary.csv`, written by the full run.  Quick variant:
    `results/<name>/quick-reference.csv`, also written only by the full run (which re-runs
    the quick variant for it), never by `--quick`: a quick run after a change to the model
    must not quietly become the reference it is then checked against."""
    return root / exp.name / QUICK_REFERENCE if quick else root / exp.name / "summary.csv"


def tolerance(exp: ExperimentDef) -> float:
    """The relative tolerance `--check` applies: the definition's, at least `FLOAT_RTOL`."""
    return max(exp.tolerance, FLOAT_RTOL)


def describe_tolerance(rtol: float) -> str:
    """How the check compares, for its header line."""
    return f"counts exact, other values within {rtol:g} of their scale"


def refresh_quick_reference(
    exp: ExperimentDef, root: Path, *, workers: int | None, progress: bool = True
) -> Path | None:
    """Run the quick variant (into `results/<name>/quick/`) and make its summary the
    reference of `--check --quick` (unless a run failed: then None, and the old reference
    stays).  Called by the full run only."""
    from simulation.experiments.pipeline import results_folder, run_and_report

    out = results_folder(exp, True, root)
    res = run_and_report(exp, out, quick=True, workers=workers, progress=progress)
    if res.data.failed:
        return None  # a summary with failed runs is no reference; the old one stays
    target = reference_path(exp, True, root)
    shutil.copyfile(out / "summary.csv", target)
    return target
