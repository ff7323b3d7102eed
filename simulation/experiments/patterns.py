"""Observed patterns the model is held against (`experiments/patterns/patterns.toml`).

Pattern-oriented modelling (Grimm et al. 2005): each pattern is observed at one level
(organization, partnership, town), has a source, names the model output it is compared with
and how that output is summarized, and accepts `target` +/- `tolerance` in the output's own
units.  Patterns marked "calibration" may be fitted; "validation" patterns are held out.

The loader is strict: an unknown key, a wrong type (no `true` for a number), a value out of
range, an output the model does not report (unless the pattern says `needs_output`), an
unknown scenario or model parameter, each give one line naming the file and the key.

`pattern_statistics` computes every pattern's statistic from model runs for one seed (the
runs a group of patterns shares are made once: one run per scenario and `set`, as long as
the longest pattern needs); `evaluate` averages it over seeds and says which patterns are met.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation import shipped
from simulation.inputs import InputError, read_toml, validate
from simulation.params import ModelParams
from simulation.sweep.spec import EXTRA_OUTCOMES, SHOCK_OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("organization", "partnership", "town")
Scalar = bool | int | float | str


class PatternError(ValueError):
    """A patterns file that cannot be used; `str()` is one line naming the file and the key."""


def patterns_file() -> Path:
    """The shipped patterns file (`experiments/patterns/patterns.toml` in the repository)."""
    return shipped.folder("experiments") / "patterns" / "patterns.toml"


def model_outputs() -> frozenset[str]:
    """Every output a pattern can be compared with: the monthly metrics and run outcomes."""
    from simulation.metrics import METRICS

    return frozenset((*METRICS, *EXTRA_OUTCOMES, *SHOCK_OUTCOMES))


class Pattern(BaseModel):
    """One observed pattern and how the model's output is compared with it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    level: Literal["organization", "partnership", "town"]
    use: Literal["calibration", "validation"]
    observed: str = Field(min_length=1)
    source: str = Field(min_length=1)
    evidence: Literal["verified", "recalled"]
    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    needs_output: bool = False
    statistic: Literal["final", "mean", "change", "effect"]
    scenario: str = "default"
    set: dict[str, Scalar] = Field(default_factory=dict)
    reference_set: dict[str, Scalar] | None = None
    from_month: int | None = Field(None, ge=0)
    months: int = Field(120, ge=1, le=1200)
    target: float
    tolerance: float = Field(gt=0)
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Pattern:
        if (self.statistic == "effect") != (self.reference_set is not None):
            raise ValueError("reference_set is required for statistic = 'effect' and only there")
        if (self.statistic == "change") != (self.from_month is not None):
            raise ValueError("from_month is required for statistic = 'change' and only there")
        if self.from_month is not None and self.from_month >= self.months:
            raise ValueError(f"from_month = {self.from_month} must be before months")
        return self

    @property
    def interval(self) -> tuple[float, float]:
        """The accepted range of the summarized output."""
        return self.target - self.tolerance, self.target + self.tolerance

    def met_by(self, value: float) -> bool:
        """Whether a summarized model output lies in the accepted range."""
        low, high = self.interval
        return low <= value <= high


class PatternsFile(BaseModel):
    """The whole file: at least six patterns with distinct ids."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    patterns: list[Pattern] = Field(alias="pattern", min_length=6)

    @model_validator(mode="after")
    def _distinct(self) -> PatternsFile:
        ids = [p.id for p in self.patterns]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"pattern ids must be distinct: {', '.join(twice)} repeated")
        return self


def _check_against_model(path: Path, patterns: tuple[Pattern, ...]) -> None:
    outputs = model_outputs()
    scenarios = {p.stem for p in shipped.files("scenarios")}
    for i, p in enumerate(patterns):
        where = f"{path}: pattern[{i}] ({p.id})"
        if not p.needs_output and p.metric not in outputs:
            raise PatternError(
                f"{where}: metric {p.metric!r} is not a model output (allowed: "
                f"{', '.join(sorted(outputs))}; or set needs_output = true)"
            )
        if p.scenario not in scenarios:
            known = ", ".join(sorted(scenarios))
            raise PatternError(f"{where}: scenario {p.scenario!r} unknown (allowed: {known})")
        for key in ("set", "reference_set"):
            overrides = getattr(p, key) or {}
            try:
                validate(ModelParams, overrides, f"{where}: {key}")
            except InputError as exc:
                raise PatternError(str(exc)) from None


def load_patterns(path: Path | None = None) -> tuple[Pattern, ...]:
    """Read and validate the patterns file (by default the one shipped with the package)."""
    path = path or patterns_file()
    try:
        patterns = tuple(validate(PatternsFile, read_toml(path), str(path)).patterns)
    except InputError as exc:
        raise PatternError(str(exc)) from None
    _check_against_model(path, patterns)
    return patterns


# --- computing the statistics from runs ---------------------------------------------------------

Arm = tuple[str, tuple[tuple[str, Scalar], ...]]  # scenario and the overrides a run adds


def horizon(pattern: Pattern, months_cap: int | None = None) -> tuple[int, int | None]:
    """The months a pattern is read at, and its `from_month`, under an optional cap.

    A cap shorter than the pattern (a quick budget) reads the pattern earlier and moves
    `from_month` in proportion, so a "change" still compares two distinct months; the
    statistic then answers a shorter question than the pattern's and is reported as such.
    """
    months = pattern.months if months_cap is None else min(pattern.months, months_cap)
    start = pattern.from_month
    if start is not None and months < pattern.months:
        start = min(start * months // pattern.months, months - 1)
    return months, start


def _arm(pattern: Pattern, overrides: Mapping[str, Scalar] | None) -> Arm:
    return pattern.scenario, tuple(sorted((overrides or {}).items()))


def arms(pattern: Pattern) -> tuple[Arm, ...]:
    """The runs one seed of a pattern needs: its `set`, and for effects its `reference_set`."""
    own = _arm(pattern, pattern.set)
    return (own, _arm(pattern, pattern.reference_set)) if pattern.statistic == "effect" else (own,)


def run_plan(
    patterns: Iterable[Pattern],
    months_cap: int | None = None,
    extra: Mapping[Arm, int] | None = None,
) -> dict[Arm, int]:
    """Each distinct run the patterns (and the `extra` runs) need, with the months it must
    last (the longest need)."""
    plan: dict[Arm, int] = {}
    for p in patterns:
        months = horizon(p, months_cap)[0]
        for arm in arms(p):
            plan[arm] = max(plan.get(arm, 0), months)
    for arm, months in (extra or {}).items():
        plan[arm] = max(plan.get(arm, 0), months)
    return plan


def _value(frame: pd.DataFrame, metric: str, month: int, first_shock: int | None) -> float:
    """A model output after `month` months: a monthly metric or a run outcome (run_one)."""
    if metric in frame.columns:
        return float(frame[metric].iloc[month])
    welfare = frame["community_welfare"].to_numpy()[: month + 1]
    if metric == "welfare_mean":
        return float(welfare[1:].mean()) if month else float(welfare[0])
    from simulation.runner import resilience

    if first_shock is None or first_shock >= welfare.size:
        return float("nan")  # the resilience outcomes need a shock within the months read
    drop, recovery = resilience(welfare, first_shock)
    return drop if metric == "welfare_drop" else recovery


def _statistic(
    pattern: Pattern,
    frames: Mapping[Arm, pd.DataFrame],
    shocks: Mapping[str, int | None],
    months_cap: int | None,
) -> float:
    months, start = horizon(pattern, months_cap)
    arm = arms(pattern)[0]
    first = shocks[pattern.scenario]
    value = _value(frames[arm], pattern.metric, months, first)
    if pattern.statistic == "final":
        return value
    if pattern.statistic == "mean":
        return float(
            np.mean([_value(frames[arm], pattern.metric, t, first) for t in range(1, months + 1)])
        )
    if pattern.statistic == "change":
        assert start is not None
        return value - _value(frames[arm], pattern.metric, start, first)
    return value - _value(frames[arms(pattern)[1]], pattern.metric, months, first)


def pattern_frames(
    patterns: Sequence[Pattern],
    *,
    seed: int,
    point: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    months_cap: int | None = None,
    extra: Mapping[Arm, int] | None = None,
) -> dict[Arm, pd.DataFrame]:
    """The monthly metrics of every run in `run_plan` (plus `extra` runs), all with `seed`
    (so an effect compares its two arms on common random numbers).

    A run's parameters are its scenario, then `overrides` (e.g. a smaller town), then `point`
    (the parameter values under test, e.g. a calibration design point), then the arm's own.
    """
    from simulation.runner import simulate

    plan = run_plan(patterns, months_cap, extra)
    same = shared_runs(plan, overrides=overrides or {}, point=point or {})
    frames: dict[Arm, pd.DataFrame] = {}
    for arm, months in plan.items():
        if same[arm] != arm:  # the very same run as an earlier arm: its frame
            frames[arm] = frames[same[arm]]
            continue
        scenario = _scenario(arm[0])
        params = run_parameters(arm, overrides or {}, point or {})
        model = simulate(params, seed=seed, steps=months, shocks=scenario.shocks)
        frames[arm] = model.metrics_frame()
    return frames


def run_parameters(
    arm: Arm, overrides: Mapping[str, Any], point: Mapping[str, Any]
) -> dict[str, Any]:
    """An arm's model parameters: its scenario's, then `overrides`, `point`, its own."""
    scenario = _scenario(arm[0])
    return {**scenario.model.model_dump(mode="json"), **overrides, **point, **dict(arm[1])}


def shared_runs(
    plan: Mapping[Arm, int], *, overrides: Mapping[str, Any], point: Mapping[str, Any]
) -> dict[Arm, Arm]:
    """Each arm of `plan` mapped to the first arm that runs the very same model (scenario,
    parameters and months), itself if none: an arm that sets a parameter to the value it has
    anyway (the audit pattern's reference, the usual 4 %) shares that run, seed for seed."""
    first: dict[str, Arm] = {}
    same: dict[Arm, Arm] = {}
    for arm, months in plan.items():
        params = run_parameters(arm, overrides, point)
        key = json.dumps([arm[0], months, params], sort_keys=True, default=repr)
        same[arm] = first.setdefault(key, arm)
    return same


@functools.cache
def _scenario(name: str) -> Any:
    from simulation.scenario import load_scenario

    return load_scenario(name)


def statistics_from_frames(
    patterns: Sequence[Pattern], frames: Mapping[Arm, pd.DataFrame], months_cap: int | None
) -> dict[str, float]:
    """Every pattern's statistic from the runs of `pattern_frames`."""
    first_shock = {
        p.scenario: min((s.step for s in _scenario(p.scenario).shocks), default=None)
        for p in patterns
    }
    return {p.id: _statistic(p, frames, first_shock, months_cap) for p in patterns}


def pattern_statistics(
    patterns: Sequence[Pattern],
    *,
    seed: int,
    point: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    months_cap: int | None = None,
) -> dict[str, float]:
    """Every pattern's statistic in one replicate (see `pattern_frames` for the runs)."""
    frames = pattern_frames(
        patterns, seed=seed, point=point, overrides=overrides, months_cap=months_cap
    )
    return statistics_from_frames(patterns, frames, months_cap)


def evaluate(
    patterns: Sequence[Pattern],
    *,
    seeds: Iterable[int],
    point: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    months_cap: int | None = None,
) -> pd.DataFrame:
    """Each pattern's statistic averaged over `seeds`, its accepted interval and whether it is
    met (one row per pattern; serial, for small checks: calibration uses the sweep runner)."""
    per_seed = [
        pattern_statistics(
            patterns, seed=s, point=point, overrides=overrides, months_cap=months_cap
        )
        for s in seeds
    ]
    return summarize_statistics(patterns, per_seed, months_cap)


def summarize_statistics(
    patterns: Sequence[Pattern],
    per_seed: Sequence[Mapping[str, float]],
    months_cap: int | None = None,
) -> pd.DataFrame:
    """Mean of each pattern's statistic over replicates, with the share of replicates in the
    accepted interval and whether the mean is in it."""
    import pandas as pd

    rows = []
    for p in patterns:
        values = np.array([r[p.id] for r in per_seed], dtype=float)
        values = values[np.isfinite(values)]
        mean = float(values.mean()) if values.size else float("nan")
        low, high = p.interval
        rows.append(
            {
                "pattern": p.id,
                "use": p.use,
                "metric": p.metric,
                "statistic": p.statistic,
                "months": horizon(p, months_cap)[0],
                "value": mean,
                "low": low,
                "high": high,
                "met": bool(values.size) and p.met_by(mean),
                "share_of_runs_met": float(np.mean([p.met_by(v) for v in values]))
                if values.size
                else float("nan"),
                "replicates": int(values.size),
            }
        )
    return pd.DataFrame(rows)
