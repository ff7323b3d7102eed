"""Scenario files: readable TOML validated against the parameter schema.

A scenario is a name, a description, how long to run, a seed, parameter overrides under
`[model]` and optional `[[shocks]]`. Bad input raises `ScenarioError` whose message is one
line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .params import ModelParams, Shock

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
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

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    steps: int = Field(120, ge=1, le=100_000)
    seed: int = Field(42, ge=0, le=2**63 - 1)
    model: ModelParams = Field(default_factory=ModelParams)
    shocks: tuple[Shock, ...] = ()
    translations: dict[Literal["id"], ScenarioText] = {}

    def overrides(self) -> dict[str, Any]:
        """Parameters that differ from the defaults (what the file set)."""
        return self.model.model_dump(exclude_defaults=True)


def _allowed(loc: tuple[Any, ...]) -> str:
    """What a key accepts, read from the schema."""
    fields: dict[str, Any] = Scenario.model_fields
    field = None
    for part in loc:
        if isinstance(part, int) or (field is not None and part not in fields):
            continue
        field = fields.get(part)
        if field is None:
            break
        ann = field.annotation
        sub = getattr(ann, "model_fields", None)
        if sub is None:
            args = getattr(ann, "__args__", ())
            sub = next((a.model_fields for a in args if hasattr(a, "model_fields")), None)
        fields = sub or {}
    if field is None:
        return ""
    bounds = {
        key: getattr(m, key) for m in field.metadata if hasattr(m, key := type(m).__name__.lower())
    }
    parts = []
    if "ge" in bounds or "gt" in bounds:
        parts.append(f"{'>=' if 'ge' in bounds else '>'} {bounds.get('ge', bounds.get('gt'))}")
    if "le" in bounds or "lt" in bounds:
        parts.append(f"{'<=' if 'le' in bounds else '<'} {bounds.get('le', bounds.get('lt'))}")
    kind = getattr(field.annotation, "__name__", str(field.annotation))
    return f"{kind} {' and '.join(parts)}".strip() + (
        f" ({field.description})" if field.description else ""
    )


def format_validation_error(source: str, err: ValidationError) -> str:
    """One line: file, key, problem and what is allowed."""
    first = err.errors()[0]
    loc = tuple(first["loc"])
    key = ".".join(str(p) for p in loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        parent: dict[str, Any] = Scenario.model_fields
        if loc[:1] == ("model",):
            parent = ModelParams.model_fields
        elif loc[:1] == ("shocks",):
            parent = Shock.model_fields
        allowed = ", ".join(sorted(parent))
        msg = f"{source}: unknown key '{key}'; allowed keys here: {allowed}"
    else:
        allowed = _allowed(loc)
        value = first.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict) else ""
        msg = f"{source}: key '{key}': {first['msg']}{shown}"
        if allowed:
            msg += f"; allowed: {allowed}"
    extra = len(err.errors()) - 1
    return msg + (f" [+{extra} more problem{'s' * (extra > 1)}]" if extra else "")


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Parse and validate TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc)) from None


def resolve(path_or_name: str | Path) -> Path:
    """A path to a scenario file, or a bare name looked up in scenarios/."""
    path = Path(path_or_name)
    if path.suffix != ".toml" and not path.exists():
        path = SCENARIO_DIR / f"{path_or_name}.toml"
    if not path.is_file():
        names = ", ".join(p.stem for p in list_scenarios())
        raise ScenarioError(f"{path_or_name}: no such scenario file; available: {names}")
    return path


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Load and validate a scenario file or a name from scenarios/."""
    path = resolve(path_or_name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    return parse_scenario(text, str(path))


def default_scenario() -> Scenario:
    """The embedded default scenario (also shipped as scenarios/default.toml)."""
    return parse_scenario(DEFAULT_TOML, "<default scenario>")


def list_scenarios() -> list[Path]:
    """Scenario files shipped in scenarios/, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))
