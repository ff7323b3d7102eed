"""The calibration's runs: a sweep whose factors are the plausible ranges and whose run is
"every calibration pattern's statistic at this point, for this seed".

The sweep runner does the parallelism, resume, progress and Parquet storage; this module only
builds the sweep and supplies the picklable run function (`PatternRun`).  The patterns, the
fixed overrides and the months cap go into the sweep's name through a digest, so a results
folder of other patterns or another town is refused on resume rather than mixed in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulation.experiments.patterns import (
    Arm,
    Pattern,
    pattern_frames,
    run_plan,
    shared_runs,
    statistics_from_frames,
)
from simulation.params import ModelParams, plausible_ranges
from simulation.sweep.spec import SweepSpec, parse_sweep

WITH_PARTNERS: Arm = ("default", ())
WITHOUT_PARTNERS: Arm = ("default", (("partnering_rate", 0.0),))


@dataclass(frozen=True)
class PatternRun:
    """A sweep's run function: the statistics of `patterns` at one point for one seed.

    `factors` names the design's parameters (taken from the run's parameters, the rest being
    the sweep's base); `overrides` are fixed for every run (e.g. a smaller town, or the
    calibrated values when the held-out patterns are checked).  With `gain`, the run also
    reports `welfare_gain`: mean community welfare of the default town minus that of the
    same town without partnerships, same seed (for scenario discovery).
    """

    patterns: tuple[Pattern, ...]
    factors: tuple[str, ...]
    overrides: tuple[tuple[str, Any], ...] = ()
    gain: bool = False

    def __call__(
        self,
        params: Mapping[str, Any],
        *,
        seed: int,
        steps: int,
        shocks: Sequence[Any] = (),
        series_every: int | None = None,
    ) -> Any:
        """Same signature as `simulation.runner.run_one`; `steps` caps each pattern's months."""
        from simulation.runner import RunResult

        point = {name: params[name] for name in self.factors}
        extra = self._gain_arms(steps)
        frames = pattern_frames(
            self.patterns,
            seed=seed,
            point=point,
            overrides=dict(self.overrides),
            months_cap=steps,
            extra=extra,
        )
        outcomes = statistics_from_frames(self.patterns, frames, steps)
        if self.gain:
            welfare = {
                arm: float(frames[arm]["community_welfare"].iloc[1 : steps + 1].mean())
                for arm in extra
            }
            outcomes["welfare_gain"] = welfare[WITH_PARTNERS] - welfare[WITHOUT_PARTNERS]
        return RunResult(outcomes=outcomes, series=None)

    def _gain_arms(self, steps: int) -> dict[Arm, int]:
        """The runs `welfare_gain` needs besides the patterns': with and without partners."""
        return {WITH_PARTNERS: steps, WITHOUT_PARTNERS: steps} if self.gain else {}

    def model_runs(self, months_cap: int) -> int:
        """Model runs behind one of its runs: the patterns share runs where they can, and
        an arm that sets a parameter to the value it has anyway shares its twin's."""
        plan = run_plan(self.patterns, months_cap, self._gain_arms(months_cap))
        # a design value stands for every factor: an arm that sets a factor differs from it
        point = {name: f"<design value of {name}>" for name in self.factors}
        same = shared_runs(plan, overrides=dict(self.overrides), point=point)
        return len(set(same.values()))


def prior() -> dict[str, tuple[float, float]]:
    """The calibrated parameters and their uniform prior ranges (whatever params.py lists)."""
    return plausible_ranges()


def _factor(name: str, low: float, high: float) -> dict[str, Any]:
    if ModelParams.model_fields[name].annotation is int:
        return {"low": float(round(low)), "high": float(round(high)), "type": "int"}
    return {"low": low, "high": high}


def digest(*parts: Any) -> str:
    """Short SHA-256 of JSON parts: what makes two calibrations the same."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def patterns_json(patterns: Sequence[Pattern]) -> list[dict[str, Any]]:
    """The patterns as plain data (for digests and the report)."""
    return [p.model_dump(mode="json") for p in patterns]


def design_sweep(
    patterns: Sequence[Pattern],
    ranges: Mapping[str, tuple[float, float]],
    *,
    points: int,
    seeds: int,
    months: int,
    root_seed: int,
    overrides: Mapping[str, Any],
) -> SweepSpec:
    """The Latin hypercube over the prior ranges, `seeds` replicates per point (common
    random numbers: replicate r has the same seed at every point)."""
    tag = digest(patterns_json(patterns), sorted(overrides.items()), months)
    return parse_sweep(
        {
            "name": f"calibration-{tag}",
            "description": "ABC design: every calibration pattern at each point of a Latin "
            "hypercube over the plausible ranges.",
            "base": "default",
            "steps": months,
            "replications": seeds,
            "root_seed": root_seed,
            "design": {"method": "lhs", "samples": points},
            "factors": {name: _factor(name, lo, hi) for name, (lo, hi) in ranges.items()},
        },
        label="calibration design",
    )


def check_sweep(
    patterns: Sequence[Pattern],
    *,
    seeds: int,
    months: int,
    root_seed: int,
    overrides: Mapping[str, Any],
) -> SweepSpec:
    """One point (the calibrated scenario), `seeds` replicates: every pattern checked."""
    tag = digest(patterns_json(patterns), sorted(overrides.items()), months)
    return parse_sweep(
        {
            "name": f"check-{tag}",
            "description": "Every pattern, held-out ones included, at the posterior's centre.",
            "base": "default",
            "steps": months,
            "replications": seeds,
            "root_seed": root_seed,
        },
        label="calibration check",
    )
