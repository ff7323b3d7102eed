"""Experiment definitions: one TOML file per experiment in `experiments/`, validated here.

An experiment is one or more *arms*.  Each arm is a sweep of the sweep runner (a base
scenario, fixed overrides, optional factors); all arms share the root seed and use common
random numbers, so replicate r of every arm and design point runs with the same seed and
arms can be compared pair by pair.  The `[quick]` table shrinks the same design for CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation import shipped
from simulation.inputs import InputError, read_toml, validate

Scalar = bool | int | float | str
EXPERIMENTS_DIR = shipped.folder("experiments")  # experiments/, or package data when installed
RESULTS_DIR = Path("results")  # under the working folder, like `run` and `sweep`
Analysis = Literal["compare", "grid", "shocks", "sobol"]


class ExperimentError(ValueError):
    """A definition that cannot be run; `str()` is one line naming the file and the key."""


class FactorDef(BaseModel):
    """A sweep factor: grid `values` or a sampled `low`-`high` range (as in sweep files).
    A value may be a list for `shock.sectors` (the sectors a shock hits)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: tuple[Scalar | tuple[str, ...], ...] | None = None
    low: float | None = None
    high: float | None = None

    def as_sweep(self) -> dict[str, Any]:
        """The `[factors.X]` table of a sweep file."""
        return {k: v for k, v in self.model_dump(mode="json").items() if v is not None}


class ArmDef(BaseModel):
    """One condition of the experiment, run as one sweep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    label: str
    base: str = "default"
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed parameter overrides.")
    factors: dict[str, FactorDef] = Field(default_factory=dict)
    method: Literal["grid", "sobol"] = "grid"
    samples: int | None = None
    counterfactual: str | None = Field(None, description="shocks: the arm without the shock.")
    group: str | None = Field(None, description="shocks: with or without partnerships.")
    shock: str | None = Field(None, description="shocks: which shock (pairs with/without arms).")


class QuickDef(BaseModel):
    """What the `--quick` variant changes: fewer replications, smaller town, fewer levels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replications: int = Field(ge=1)
    set: dict[str, Any] = Field(default_factory=dict)
    factors: dict[str, FactorDef] = Field(default_factory=dict)
    samples: int | None = None


class ExperimentDef(BaseModel):
    """A whole experiment: the question, the design, the outcomes and the analysis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    order: int = 0
    title: str
    question: str
    claims: tuple[str, ...]
    analysis: Analysis
    primary: str = Field(description="Main outcome; the replication criterion is computed on it.")
    outcomes: tuple[str, ...]
    reference: str | None = Field(None, description="Arm the effects are measured against.")
    replications: int = Field(ge=1)
    replication_criterion: str = ""
    root_seed: int = Field(ge=0)
    steps: int = Field(120, ge=1)
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides for every arm.")
    arms: tuple[ArmDef, ...] = Field(alias="arm", min_length=1)
    quick: QuickDef
    tolerance: float = Field(0.0, ge=0.0, description="--check: allowed relative difference.")
    caveats: tuple[str, ...] = ()
    expected: str = Field("", description="What the articles claim, for the report.")
    boundary: bool = Field(False, description="grid: locate where the gain vs reference ends.")

    @model_validator(mode="after")
    def _check_arms(self) -> ExperimentDef:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError("two arms share a name")
        if self.reference is not None and self.reference not in names:
            raise ValueError(f"reference = {self.reference!r} is not an arm ({', '.join(names)})")
        for a in self.arms:
            if a.counterfactual is not None and a.counterfactual not in names:
                raise ValueError(f"arm {a.name}: counterfactual {a.counterfactual!r} unknown")
        return self

    @property
    def one_line(self) -> str:
        """The question on one line, for `--list`."""
        return " ".join(self.question.split())

    def arm(self, name: str) -> ArmDef:
        """The arm called `name`."""
        return next(a for a in self.arms if a.name == name)


def definition_path(name: str, directory: Path = EXPERIMENTS_DIR) -> Path:
    """The file that defines experiment `name`."""
    return directory / f"{name}.toml"


def load_experiment(name_or_path: str | Path, directory: Path = EXPERIMENTS_DIR) -> ExperimentDef:
    """Read and validate one definition (by name in `experiments/` or by path)."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = definition_path(str(name_or_path), directory)
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(directory.glob("*.toml")))
        raise ExperimentError(f"{name_or_path}: no such experiment (known: {known})")
    try:
        exp = validate(ExperimentDef, read_toml(path), str(path))
    except InputError as exc:
        raise ExperimentError(str(exc)) from None
    if exp.name != path.stem:
        raise ExperimentError(f"{path}: name = {exp.name!r} must equal the file name")
    return exp


def list_experiments(directory: Path = EXPERIMENTS_DIR) -> list[ExperimentDef]:
    """Every definition in `experiments/`, in their stated order."""
    exps = [load_experiment(p, directory) for p in sorted(directory.glob("*.toml"))]
    return sorted(exps, key=lambda e: (e.order, e.name))


def variant(exp: ExperimentDef, quick: bool) -> dict[str, Any]:
    """Replications, overrides, factors per arm and Sobol' samples of the chosen variant."""
    arms: dict[str, dict[str, Any]] = {}
    for a in exp.arms:
        factors = {k: v.as_sweep() for k, v in a.factors.items()}
        samples = a.samples
        params = {**exp.set, **a.set}
        if quick:
            params.update(exp.quick.set)
            for k, v in exp.quick.factors.items():
                if k in factors:
                    factors[k] = v.as_sweep()
            if samples is not None and exp.quick.samples is not None:
                samples = exp.quick.samples
        arms[a.name] = {"set": params, "factors": factors, "samples": samples}
    reps = exp.quick.replications if quick else exp.replications
    return {"replications": reps, "arms": arms}
