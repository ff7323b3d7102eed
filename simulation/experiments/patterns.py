"""Observed patterns the model is held against (`experiments/patterns/patterns.toml`).

Pattern-oriented modelling (Grimm et al. 2005): each pattern is observed at one level
(organization, partnership, town), has a source, names the model output it is compared with
and how that output is summarized, and accepts `target` +/- `tolerance` in the output's own
units.  Patterns marked "calibration" may be fitted; "validation" patterns are held out.

The loader is strict: an unknown key, a wrong type (no `true` for a number), a value out of
range, an output the model does not report (unless the pattern says `needs_output`), an
unknown scenario or model parameter, each give one line naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation import shipped
from simulation.inputs import InputError, read_toml, validate
from simulation.params import ModelParams
from simulation.sweep.spec import EXTRA_OUTCOMES, SHOCK_OUTCOMES

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
