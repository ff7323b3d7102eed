"""Scenario files: readable TOML validated against the parameter schema.

A scenario is a name, a description, how long to run, a seed, parameter overrides under
`[model]` and optional `[[shocks]]`. Bad input raises `ScenarioError` whose message is one
line naming the file, the key and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import shipped
from .inputs import InputError, parse_toml, read_text, validate
from .params import ModelParams, Shock

SCENARIO_DIR = shipped.folder("scenarios")  # scenarios/ in a checkout, package data when installed
# Names become folder names (results/runs/NAME-seedS, results/NAME): one plain path component.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
NAME_RULE = (
    "a folder name: letters, digits, '_', '-', '.', starting with a letter or digit, at most 100"
)
MAX_STEPS = 100_000
MAX_SEED = 2**63 - 1
DEFAULT_TOML = """\
name = "default"
description = "A classroom-scale town: 2,000 citizens, 50 organizations, formal and informal \
partnerships of every kind, ten years month by month."
steps = 120
seed = 42

[translations.id]
title = "Bawaan"
description = "Kota seukuran kelas: 2.000 warga, 50 organisasi, kemitraan formal dan informal \
dari semua jenis, sepuluh tahun bulan demi bulan."

[model]
"""


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message says where and what is allowed."""


class ScenarioText(BaseModel):
    """A scenario's title and description in another language (the visualizer shows them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    description: str


class Scenario(BaseModel):
    """A named configuration: parameters, shocks, run length and seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN, description=NAME_RULE)
    description: str = ""
    steps: int = Field(120, ge=1, le=MAX_STEPS)
    seed: int = Field(42, ge=0, le=MAX_SEED)
    model: ModelParams = Field(default_factory=ModelParams)
    shocks: tuple[Shock, ...] = ()
    translations: dict[Literal["id"], ScenarioText] = {}

    @model_validator(mode="after")
    def _shocks_within_the_run(self) -> Scenario:
        for i, shock in enumerate(self.shocks):
            if shock.step > self.steps:
                raise ValueError(
                    f"shocks[{i}].step = {shock.step} is after the last month (steps = "
                    f"{self.steps}), so it would never hit; allowed: 1..{self.steps}"
                )
        return self

    def overrides(self) -> dict[str, Any]:
        """Parameters that differ from the defaults (what the file set)."""
        return self.model.model_dump(exclude_defaults=True)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Parse and strictly validate TOML text (see `inputs`)."""
    try:
        return validate(Scenario, parse_toml(text, source), source)
    except InputError as exc:
        raise ScenarioError(str(exc)) from None


def resolve(path_or_name: str | Path) -> Path:
    """A path to a scenario file, or a bare name looked up in scenarios/."""
    path = Path(path_or_name)
    if path.suffix != ".toml" and not path.exists():
        path = SCENARIO_DIR / f"{path_or_name}.toml"
    if path.exists() and not path.is_file():
        raise ScenarioError(f"{path_or_name}: not a regular file (allowed: a TOML text file)")
    if not path.is_file():
        names = ", ".join(p.stem for p in list_scenarios())
        raise ScenarioError(f"{path_or_name}: no such scenario file; available: {names}")
    return path


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Load and validate a scenario file or a name from scenarios/."""
    path = resolve(path_or_name)
    try:
        text = read_text(path)
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    return parse_scenario(text, str(path))


def default_scenario() -> Scenario:
    """The embedded default scenario (also shipped as scenarios/default.toml)."""
    return parse_scenario(DEFAULT_TOML, "<default scenario>")


def list_scenarios() -> list[Path]:
    """Scenario files shipped in scenarios/, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))
