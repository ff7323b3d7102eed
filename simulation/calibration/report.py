"""What a calibration writes: the posterior sample, its figures, the calibrated scenario and
the report.  Figures follow the project's print rules (`simulation.plots`)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.calibration.posterior import ADJUST_FDR, Posterior
from simulation.plots import new_figure, print_style
from simulation.scenario import parse_scenario

PAIR_PARAMETERS = 5  # the pair plot shows the parameters the patterns narrowed most
GRID_COLUMNS = 3


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file under a temporary name, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def marginals_figure(posterior: Posterior, ranges: Mapping[str, tuple[float, float]]) -> Any:
    """One panel per parameter: the adjusted posterior's weighted histogram on the prior's
    range, the rejection sample's as an outline (a diagnostic), the uniform prior as a dashed
    line (a flat posterior learned nothing)."""
    names = posterior.parameters
    rows = math.ceil(len(names) / GRID_COLUMNS)
    with print_style():
        fig, axes = new_figure(rows, GRID_COLUMNS, row_height=1.9)
        for ax, name in zip(axes.flat, names, strict=False):
            low, high = ranges[name]
            ax.hist(
                posterior.sample[name],
                bins=12,
                range=(low, high),
                density=True,
                weights=posterior.sample["weight"],
                color="C0",
            )
            ax.hist(
                posterior.accepted[name],
                bins=12,
                range=(low, high),
                density=True,
                histtype="step",
                color="C1",
            )
            ax.axhline(1.0 / (high - low), color="black", ls="--", lw=1.0)
            ax.set(xlim=(low, high), title=name, ylim=(0, None))
            ax.locator_params(axis="x", nbins=4)
        for ax in axes.flat[len(names) :]:
            ax.set_visible(False)
        axes[0, 0].set_ylabel("density")
        fig.suptitle(
            f"Adjusted posterior (filled, {len(posterior.sample)} points), rejection sample "
            "(outline) and uniform prior (dashed)"
        )
    return fig


def pair_parameters(table: pd.DataFrame) -> list[str]:
    """The parameters whose posterior narrowed most (smallest sd ratio), at most PAIR_PARAMETERS."""
    ranked = table.sort_values("sd_ratio", kind="stable")["parameter"]
    return list(ranked[:PAIR_PARAMETERS])


def pairs_figure(
    posterior: Posterior, ranges: Mapping[str, tuple[float, float]], names: Sequence[str]
) -> Any:
    """Scatter of the adjusted posterior for each pair of `names` (zero-weight points left
    out), weighted histograms on the diagonal."""
    k = len(names)
    with print_style():
        fig, axes = new_figure(k, k, row_height=6.3 / max(k, 1) if k > 2 else 2.4)
        sample = posterior.sample[posterior.sample["weight"] > 0]
        for i, yi in enumerate(names):
            for j, xj in enumerate(names):
                ax = axes[i, j]
                if j > i:
                    ax.set_visible(False)
                    continue
                if i == j:
                    ax.hist(
                        sample[xj], bins=10, range=ranges[xj], weights=sample["weight"], color="C0"
                    )
                    ax.set_ylim(0, None)
                else:
                    ax.scatter(sample[xj], sample[yi], s=6, color="C0")
                    ax.set_ylim(ranges[yi])
                ax.set_xlim(ranges[xj])
                ax.locator_params(nbins=3)
                if i == k - 1:
                    ax.set_xlabel(_two_lines(xj))
                else:
                    ax.tick_params(labelbottom=False)
                if j == 0 and i > 0:
                    ax.set_ylabel(_two_lines(yi))
                elif j > 0:
                    ax.tick_params(labelleft=False)
        fig.suptitle("Adjusted posterior pairs (parameters the patterns narrowed most)")
    return fig


def _two_lines(name: str) -> str:
    """A long parameter name broken at its first underscore, so that neighbouring panels'
    labels do not run into each other at print size."""
    return name.replace("_", "_\n", 1) if len(name) > 12 else name


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def scenario_toml(values: Mapping[str, Any], description: str) -> str:
    """A scenario file named `calibrated` with `values` as its model parameters; parsed back
    before it is returned, so what is written always loads."""
    lines = [
        'name = "calibrated"',
        f"description = {json.dumps(description)}",
        "steps = 120",
        "seed = 42",
        "",
        "[model]",
        *(f"{k} = {_toml_value(v)}" for k, v in values.items()),
    ]
    text = "\n".join(lines) + "\n"
    parse_scenario(text, "calibrated.toml")
    return text


def _md_table(frame: pd.DataFrame, digits: int = 3) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        cells = [_md_cell(v, digits) for v in row]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _md_cell(value: Any, digits: int) -> str:
    """A table cell: floats to `digits` significant digits, a missing value as '-'."""
    if isinstance(value, float) and not isinstance(value, bool):
        return "-" if math.isnan(value) else f"{value:.{digits}g}"
    return str(value)


def report_markdown(
    *,
    settings: Mapping[str, Any],
    parameters: pd.DataFrame,
    shares: pd.DataFrame,
    check: pd.DataFrame,
    posterior: Posterior,
    pairs: Sequence[str],
    notes: Sequence[str],
    discovery: Sequence[str] = (),
) -> str:
    """The calibration report: budget, posterior, patterns met, held-out patterns."""
    validation = check[check["use"] == "validation"]
    met = int(validation["met"].sum())
    if posterior.adjusted:
        method = (
            "the posterior is the accepted points, Epanechnikov-weighted (posterior.parquet, "
            "column weight), with each parameter the patterns read regression-adjusted "
            "(Beaumont, Zhang & Balding 2002: weighted local-linear regression of its logit "
            "on the patterns' z). A parameter counts as read when its slopes' F test passes "
            f"a false discovery rate of {ADJUST_FDR:.0%} over all parameters (Benjamini & "
            f"Hochberg 1995): {_adjusted_names(posterior)}. The others keep their accepted "
            "values; the rejection sample (rejection.parquet) is a diagnostic"
        )
    else:
        method = (
            "too few accepted points to regress on every calibration pattern: the posterior "
            "is the rejection sample, unadjusted, equal weights"
        )
    lines = [
        "# Calibration (regression-adjusted ABC)",
        "",
        *(f"- {k}: {v}" for k, v in settings.items()),
        f"- accepted: {len(posterior.accepted)} of {len(posterior.points)} design points "
        f"(distance <= {posterior.threshold:.3g}; distance = root mean square of "
        "(statistic - target) / tolerance over the calibration patterns)",
        f"- {method}",
        "",
        "## Posterior of each parameter (uniform prior on the plausible range)",
        "",
        "median, q05, q95, sd_ratio: the adjusted posterior (weighted); sd_ratio is its "
        "standard deviation over the prior's (for an integer parameter, the uniform on its "
        "integers'), near 1 the patterns say little about the parameter. slope_q: the "
        "Benjamini-Hochberg q-value of the test that the patterns read the parameter; "
        "adjusted: whether the regression moved it (integer parameters never: their "
        "posterior is the rejection sample's values). rejection_sd_ratio: the same ratio for "
        "the rejection sample (diagnostic).",
        "",
        _md_table(parameters),
        "",
        f"Figures: marginals.png (every parameter); pairs.png ({', '.join(pairs)}: the "
        "parameters the patterns narrowed most; the others are in marginals.png).",
        "",
        "## Calibration patterns: share of runs that meet each",
        "",
        "prior: every design run; accepted: the runs of the rejection sample's points (the "
        "adjusted values themselves were not run: the check below runs their median). A "
        "pattern that no design run meets is out of the model's reach over the prior, and "
        "the adjustment extrapolates it to the prior's edge.",
        "",
        _md_table(shares),
        "",
        "## Every pattern at the calibrated scenario (calibrated.toml)",
        "",
        f"Held-out (validation) patterns met: {met} of {len(validation)}.",
        "",
        _md_table(check.drop(columns=["statistic"])),
        "",
    ]
    lines += list(discovery)
    if notes:
        lines += ["## Notes", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(lines)


def _adjusted_names(posterior: Posterior) -> str:
    names = [n for n in posterior.parameters if posterior.was_adjusted(n)]
    if not names:
        return "none passed, so no parameter was moved"
    return f"{len(names)} passed ({', '.join(names)})"


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes, without its index."""
    import io

    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def posterior_parquet(posterior: Posterior) -> bytes:
    """The posterior: one row per accepted point, closest first, its parameters adjusted,
    its Epanechnikov `weight`, and the statistics of the design point it came from."""
    return parquet_bytes(posterior.sample)


def rejection_parquet(posterior: Posterior) -> bytes:
    """The rejection sample (the accepted design points as run), a diagnostic."""
    return parquet_bytes(posterior.accepted)
