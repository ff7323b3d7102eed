"""Sweep files: the schema, its validation against `ModelParams`, and resolution of the base.

A sweep file is TOML.  Everything an analyst can get wrong is checked here, before anything
is written, and reported as one `SweepError` line naming the file, the key and what is
allowed.  `SweepSpec.resolve()` turns a valid spec into a `ResolvedSweep`: the base scenario's
parameters, the design points (see `design.py`) and the hash that guards a results folder.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from simulation import shipped
from simulation.inputs import InputError, parse_toml, read_text, validate
from simulation.metrics import METRICS
from simulation.params import ModelParams, Shock
from simulation.scenario import NAME_PATTERN, NAME_RULE, ScenarioError, load_scenario
from simulation.sweep.design import build_design
from simulation.sweep.errors import SweepError
from simulation.sweep.point import BASE_FACTOR, SECTOR_JOIN, SHOCK_PREFIX, scenario_for

Scalar = bool | int | float | str
MAX_POINTS = 100_000  # design points: the design is held in memory and hashed at each start
MAX_RUNS = 2_000_000  # points x replications: the resume scan holds every finished run id
SPEC_FORMAT = 2  # bump when a sweep file's meaning or its run ids change; part of the spec hash
# Outcomes `run_one` adds to the model's metrics (docs/CONTRACT.md, "One run").
EXTRA_OUTCOMES = ("welfare_mean",)
SHOCK_OUTCOMES = ("welfare_drop", "recovery_time")
# Factors that vary the scenario rather than one parameter (`point.py`): the base scenario
# itself, and a field of the base's shocks (every shock of the base takes the value).
SHOCK_FIELDS = ("step", "sectors", "magnitude", "duration")


class FactorSpec(BaseModel):
    """How one `ModelParams` field varies: explicit `values` (grid) or a `low`-`high` range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: tuple[Scalar | tuple[str, ...], ...] | None = Field(
        None, description="Grid levels (design.method = 'grid'); lists for shock.sectors."
    )
    low: float | None = Field(None, description="Lower bound (lhs / sobol).")
    high: float | None = Field(None, description="Upper bound (lhs / sobol).")
    type: Literal["float", "int"] | None = Field(
        None, description="Sampled values are floats or integers (default: the field's type)."
    )


class DesignSpec(BaseModel):
    """How design points are chosen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int | None = Field(
        None,
        ge=1,
        le=10_000_000,
        description="lhs: points; sobol: base samples N (power of 2); morris: trajectories.",
    )
    second_order: bool = Field(False, description="sobol: also estimate second-order indices.")
    common_random_numbers: bool = Field(
        True,
        description=(
            "Replicate r uses the same seed at every design point, so differences between "
            "points are not blurred by different random streams (variance reduction)."
        ),
    )


class OutputsSpec(BaseModel):
    """What each run keeps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcomes: tuple[str, ...] | None = Field(None, description="Final values kept (default all).")
    series_every: int = Field(0, ge=0, description="Keep a time series every k months; 0 = none.")
    series: tuple[str, ...] | None = Field(
        None, description="Metrics kept in the time series (default all)."
    )
    highlight: tuple[str, ...] | None = Field(
        None, description="Outcomes shown in summary tables and figures (default: a key few)."
    )


class SweepSpec(BaseModel):
    """One sweep: a base scenario, the factors to vary, replications, steps and outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=NAME_PATTERN, description=f"results go to results/<name>/; {NAME_RULE}"
    )
    description: str = ""
    base: str = Field("default", description="Scenario name (scenarios/NAME.toml) or path.")
    steps: int | None = Field(None, ge=1, le=100_000, description="Months (default: the base's).")
    replications: int = Field(1, ge=1, le=100_000)
    root_seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="All run seeds derive from it (default: base's)."
    )
    design: DesignSpec = DesignSpec()
    factors: dict[str, FactorSpec] = Field(default_factory=dict)
    outputs: OutputsSpec = OutputsSpec()

    _source: Path | None = PrivateAttr(None)
    _text: str | None = PrivateAttr(None)
    _resolved: ResolvedSweep | None = PrivateAttr(None)

    @property
    def source(self) -> Path | None:
        """The sweep file this spec was read from, if any."""
        return self._source

    @property
    def source_text(self) -> str | None:
        """The sweep file's text, kept for the results folder's provenance."""
        return self._text

    def resolve(self) -> ResolvedSweep:
        """Load the base, build and validate the design; cached, raises `SweepError`."""
        if self._resolved is None:
            self._resolved = _resolve(self)
        return self._resolved


@dataclass(frozen=True)
class ResolvedSweep:
    """A validated sweep with everything a run needs, in plain (picklable, JSON) values."""

    spec: SweepSpec
    label: str  # file name or "<name>" for messages
    base_name: str
    base_params: dict[str, Any]
    shocks: tuple[dict[str, Any], ...]
    steps: int
    root_seed: int
    factor_names: tuple[str, ...]
    factor_types: dict[str, str]  # "int" | "float" | "bool" | "str"
    points: tuple[dict[str, Any], ...]
    problem: dict[str, Any] | None  # SALib problem for sobol and morris designs
    outcomes: tuple[str, ...] | None
    series: tuple[str, ...] | None
    known_outcomes: tuple[str, ...]
    spec_hash: str
    bases: dict[str, dict[str, Any]] | None = None  # base factor level -> params, shocks

    @property
    def n_points(self) -> int:
        """Design points (parameter combinations)."""
        return len(self.points)

    @property
    def n_runs(self) -> int:
        """Design points times replications."""
        return len(self.points) * self.spec.replications

    def normalized(self) -> dict[str, Any]:
        """The spec with its base resolved: what the hash covers, stored in the manifest."""
        return _normalized(
            self.spec, self.base_params, self.shocks, self.steps, self.root_seed, bases=self.bases
        )


# --- loading ------------------------------------------------------------------------------------


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and fully validate a sweep file (base, factors, design, outputs).

    Raises `SweepError` with one line naming the file, the key and what is allowed.
    """
    path = Path(path)
    if path.suffix != ".toml" and not path.exists():  # a bare name: a sweep shipped with us
        shipped_path = shipped.folder("sweeps") / f"{path}.toml"
        if shipped_path.is_file():
            path = shipped_path
    label = str(path)
    try:
        text = read_text(path, label)
        data = parse_toml(text, label)
    except InputError as exc:
        raise SweepError(str(exc)) from None
    spec = parse_sweep(data, label=label)
    spec._source = path.resolve()
    spec._text = text
    spec.resolve()
    return spec


def parse_sweep(data: dict[str, Any], *, label: str = "<sweep>") -> SweepSpec:
    """Strictly validate a sweep given as a dict (a parsed TOML file, or built in a notebook)."""
    try:
        return validate(SweepSpec, data, label)
    except InputError as exc:
        raise SweepError(str(exc)) from None


# --- what a parameter allows --------------------------------------------------------------------


def _bounds(name: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for meta in ModelParams.model_fields[name].metadata:
        for attr in ("ge", "gt", "le", "lt"):
            value = getattr(meta, attr, None)
            if value is not None:
                out[attr] = value
    return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def describe_allowed(name: str) -> str:
    """What values a `ModelParams` field accepts, in words, for error messages."""
    field = ModelParams.model_fields[name]
    ann = field.annotation
    if ann is bool:
        return "true or false"
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in ann)
    if ann in (int, float):
        b = _bounds(name)
        lo = "[" + _fmt(b["ge"]) if "ge" in b else ("(" + _fmt(b["gt"]) if "gt" in b else "(-inf")
        hi = _fmt(b["le"]) + "]" if "le" in b else (_fmt(b["lt"]) + ")" if "lt" in b else "inf)")
        return f"{'an integer' if ann is int else 'a number'} in {lo}, {hi}"
    return str(ann)


def _numeric_kind(name: str) -> str | None:
    ann = ModelParams.model_fields[name].annotation
    return {int: "int", float: "float"}.get(ann)  # type: ignore[arg-type]


def _check_factor_name(label: str, name: str) -> None:
    if name == BASE_FACTOR:
        return
    if name.startswith(SHOCK_PREFIX):
        if name[len(SHOCK_PREFIX) :] not in SHOCK_FIELDS:
            allowed = ", ".join(SHOCK_PREFIX + f for f in SHOCK_FIELDS)
            raise SweepError(f"{label}: factors.{name}: not a shock field (allowed: {allowed})")
        return
    fields = ModelParams.model_fields
    if name not in fields:
        close = difflib.get_close_matches(name, list(fields), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SweepError(
            f"{label}: factors.{name}: not a model parameter ({hint}allowed: {', '.join(fields)})"
        )
    ann = fields[name].annotation
    if get_origin(ann) is tuple:
        raise SweepError(
            f"{label}: factors.{name}: list-valued parameters cannot be swept "
            "(allowed: scalar parameters; put each variant in its own base scenario)"
        )


def _validate_value(label: str, key: str, name: str, value: Any, base: dict[str, Any]) -> Any:
    """Check one factor value against the field and the base; return its normalized form."""
    try:
        blob = json.dumps({**base, name: value}, allow_nan=False)
        params = ModelParams.model_validate_json(blob, strict=True)  # no true -> 1.0
    except ValueError as exc:
        if not isinstance(exc, ValidationError):
            raise SweepError(f"{label}: {key} = {value!r}: not a finite number") from None
        err = exc.errors()[0]
        if tuple(err["loc"]) == (name,):
            raise SweepError(
                f"{label}: {key} = {value!r}: {err['msg']} (allowed: {describe_allowed(name)})"
            ) from None
        raise SweepError(
            f"{label}: {key} = {value!r}: inconsistent with the base scenario: {err['msg']}"
        ) from None
    return params.model_dump(mode="json")[name]


# --- resolution ---------------------------------------------------------------------------------


def _load_base(spec: SweepSpec, label: str, name: str | None = None, key: str = "base") -> Any:
    given = spec.base if name is None else name
    base: str | Path = given
    looks_like_path = given.endswith(".toml") or "/" in given or "\\" in given
    if looks_like_path and spec.source is not None and not Path(given).is_absolute():
        base = spec.source.parent / given
    try:
        return load_scenario(base)
    except ScenarioError as exc:
        raise SweepError(f"{label}: {key} = {given!r}: {exc}") from None
    except (FileNotFoundError, OSError) as exc:
        raise SweepError(
            f"{label}: {key} = {given!r}: scenario not found ({exc}); allowed: a name in "
            "scenarios/ or a path to a scenario TOML file"
        ) from None


def known_outcomes(has_shocks: bool) -> tuple[str, ...]:
    """Outcome names `run_one` reports: every model metric plus the run-level extras
    (resilience outcomes only when a shock hits within the run)."""
    return (*METRICS, *EXTRA_OUTCOMES, *(SHOCK_OUTCOMES if has_shocks else ()))


def _check_names(label: str, key: str, names: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n not in allowed and n in SHOCK_OUTCOMES:
            raise SweepError(
                f"{label}: {key}[{i}] = {n!r}: a resilience outcome, reported only when the "
                "base scenario has a shock within the run (allowed: a base with [[shocks]] "
                "at a step <= steps)"
            )
        if n not in allowed:
            close = difflib.get_close_matches(n, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SweepError(
                f"{label}: {key}[{i}] = {n!r}: unknown outcome ({hint}allowed: "
                f"{', '.join(allowed)})"
            )
        if n in seen:
            raise SweepError(f"{label}: {key}[{i}] = {n!r}: listed twice")
        seen.add(n)


def _shock_level(label: str, key: str, field: str, value: Any, shocks: list[dict[str, Any]]) -> Any:
    """Check one level of a shock field against every shock it would change; normalized."""
    for shock in shocks:
        try:
            validate(Shock, {**shock, field: value}, f"{label}: {key}")
        except InputError as exc:
            raise SweepError(str(exc)) from None
    if field == "sectors":
        return SECTOR_JOIN.join(value)
    return value


def _check_scenario_factor(
    spec: SweepSpec, label: str, name: str, f: FactorSpec, shocks: list[dict[str, Any]]
) -> tuple[str, list[Any] | None]:
    """The base factor (grid levels: scenarios) or a shock field: its column type and levels."""
    key = f"factors.{name}"
    field = name[len(SHOCK_PREFIX) :] if name != BASE_FACTOR else None
    sampled = spec.design.method != "grid"
    if sampled and field in (None, "sectors"):
        raise SweepError(
            f"{label}: {key}: can only be a grid factor (allowed: values = [...] with "
            "design.method = 'grid')"
        )
    if field is not None and not shocks:
        raise SweepError(
            f"{label}: {key}: the base scenario has no shock to change (allowed: a base with "
            "[[shocks]])"
        )
    if sampled:
        if f.low is None or f.high is None or not f.low < f.high:
            raise SweepError(f"{label}: {key}: needs low < high")
        kind = "float" if field == "magnitude" else "int"
        for bound in ("low", "high"):
            v = getattr(f, bound)
            _shock_level(label, f"{key}.{bound}", field, v if kind == "float" else int(v), shocks)
        return kind, None
    if not f.values or f.low is not None or f.high is not None:
        raise SweepError(f"{label}: {key}: needs values = [...] (one or more levels)")
    if field is None:
        bad = [v for v in f.values if not isinstance(v, str)]
        if bad:
            raise SweepError(f"{label}: {key}.values: {bad[0]!r} is not a scenario name or path")
        levels: list[Any] = list(f.values)
    else:
        levels = [
            _shock_level(label, f"{key}.values[{i}]", field, v, shocks)
            for i, v in enumerate(f.values)
        ]
    if len({json.dumps(v) for v in levels}) != len(levels):
        raise SweepError(f"{label}: {key}.values: a level is listed twice")
    sample = levels[0]
    return (
        "str" if isinstance(sample, str) else "float" if isinstance(sample, float) else "int"
    ), levels


def _check_factors(
    spec: SweepSpec, label: str, base: dict[str, Any], shocks: list[dict[str, Any]] | None = None
) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """Check every factor; return its column type and, for grids, its normalized levels."""
    method = spec.design.method
    types: dict[str, str] = {}
    levels: dict[str, list[Any]] = {}
    for name, f in spec.factors.items():
        key = f"factors.{name}"
        _check_factor_name(label, name)
        if name == BASE_FACTOR or name.startswith(SHOCK_PREFIX):
            types[name], found = _check_scenario_factor(spec, label, name, f, shocks or [])
            if found is not None:
                levels[name] = found
            continue
        if method == "grid":
            if f.values is None:
                raise SweepError(
                    f"{label}: {key}: a grid factor needs 'values' (allowed: values = [...]; "
                    "low/high are for design.method = 'lhs', 'sobol' or 'morris')"
                )
            if f.low is not None or f.high is not None or f.type is not None:
                raise SweepError(
                    f"{label}: {key}: low/high/type are for sampled designs (allowed for "
                    "grid: values)"
                )
            if not f.values:
                raise SweepError(f"{label}: {key}.values: empty (allowed: one or more levels)")
            normalized = [
                _validate_value(label, f"{key}.values[{i}]", name, v, base)
                for i, v in enumerate(f.values)
            ]
            if len({json.dumps(v) for v in normalized}) != len(normalized):
                raise SweepError(f"{label}: {key}.values: a level is listed twice")
            levels[name] = normalized
            sample = normalized[0]
            types[name] = (
                "bool"
                if isinstance(sample, bool)
                else "int"
                if isinstance(sample, int)
                else "float"
                if isinstance(sample, float)
                else "str"
            )
        else:
            if f.values is not None:
                raise SweepError(
                    f"{label}: {key}: 'values' is for grid designs (allowed for "
                    f"{method}: low, high, type)"
                )
            kind = _numeric_kind(name)
            if kind is None:
                raise SweepError(
                    f"{label}: {key}: only numeric parameters can be sampled by {method} "
                    f"({name} allows {describe_allowed(name)}; use design.method = 'grid')"
                )
            if f.low is None or f.high is None:
                missing = "low" if f.low is None else "high"
                raise SweepError(f"{label}: {key}.{missing}: required key is missing")
            if not f.low < f.high:
                raise SweepError(f"{label}: {key}: low = {f.low:g} must be below high = {f.high:g}")
            ftype = f.type or kind
            if kind == "int" and ftype == "float":
                raise SweepError(
                    f"{label}: {key}.type = 'float': {name} is an integer parameter "
                    "(allowed: 'int')"
                )
            for bound in ("low", "high"):
                v = getattr(f, bound)
                if ftype == "int" and v != int(v):
                    raise SweepError(
                        f"{label}: {key}.{bound} = {v:g}: not an integer (allowed: whole numbers)"
                    )
                value = int(v) if ftype == "int" else v
                _validate_value(label, f"{key}.{bound}", name, value, base)
            types[name] = ftype
    return types, levels


def _check_design(spec: SweepSpec, label: str) -> None:
    d = spec.design
    if d.method == "grid":
        if d.samples is not None:
            raise SweepError(
                f"{label}: design.samples: not used by grid designs (allowed: lhs, sobol, morris)"
            )
        return
    if not spec.factors:
        raise SweepError(
            f"{label}: factors: design.method = {d.method!r} needs at least one factor "
            "with low/high"
        )
    if d.samples is None:
        raise SweepError(
            f"{label}: design.samples: required for {d.method} (lhs: number of points; "
            "sobol: base samples N, a power of 2; morris: trajectories)"
        )
    if d.method == "sobol" and d.samples & (d.samples - 1):
        raise SweepError(
            f"{label}: design.samples = {d.samples}: Sobol' sequences need a power of 2 "
            "(allowed: 2, 4, 8, ..., e.g. 64 or 128)"
        )


def _check_size(spec: SweepSpec, label: str) -> None:
    """Refuse a design too large to hold or to finish, before it is built."""
    d = spec.design
    k = len(spec.factors)
    if d.method == "grid":
        points = math.prod(len(f.values or ()) for f in spec.factors.values())
        what = "grid levels multiply to"
    elif d.method == "lhs":
        points, what = d.samples or 0, "design.samples ="
    elif d.method == "morris":
        points, what = (d.samples or 0) * (k + 1), "design.samples x (factors + 1) ="
    else:
        points = (d.samples or 0) * ((2 * k + 2) if d.second_order else (k + 2))
        what = "design.samples x (factors + 2) ="
    if points > MAX_POINTS:
        raise SweepError(
            f"{label}: {what} {points} design points, too many (allowed: at most "
            f"{MAX_POINTS}; split the sweep or draw fewer points)"
        )
    runs = points * spec.replications
    if runs > MAX_RUNS:
        raise SweepError(
            f"{label}: {points} points x {spec.replications} replications = {runs} runs, too "
            f"many (allowed: at most {MAX_RUNS}; split the sweep)"
        )


def _normalized(
    spec: SweepSpec,
    base_params: dict[str, Any],
    shocks: tuple[dict[str, Any], ...],
    steps: int,
    root_seed: int,
    *,
    bases: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body = spec.model_dump(mode="json", exclude={"description"})
    body["outputs"].pop("highlight", None)  # display only: changing it must not refuse resume
    body.update(
        format=SPEC_FORMAT,
        steps=steps,
        root_seed=root_seed,
        base_params=base_params,
        base_shocks=list(shocks),
    )
    if bases is not None:  # only then: the hash of every other sweep stays what it was
        body["bases"] = bases
    return body


def spec_hash(normalized: dict[str, Any]) -> str:
    """SHA-256 of the normalized spec (JSON, factor order preserved)."""
    blob = json.dumps(normalized, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _load_bases(spec: SweepSpec, label: str, steps: int | None) -> dict[str, dict[str, Any]] | None:
    """The scenarios a `base` factor names, as plain parameters and shocks."""
    factor = spec.factors.get(BASE_FACTOR)
    if factor is None or not factor.values:
        return None
    bases = {}
    for i, name in enumerate(factor.values):
        if not isinstance(name, str):
            raise SweepError(
                f"{label}: factors.base.values[{i}]: {name!r} is not a scenario name or path"
            )
        sc = _load_base(spec, label, name, f"factors.base.values[{i}]")
        if steps is None:
            raise SweepError(
                f"{label}: steps: required when the base varies (allowed: steps = months, "
                "the same for every base)"
            )
        bases[name] = {
            "params": sc.model.model_dump(mode="json"),
            "shocks": [s.model_dump(mode="json") for s in sc.shocks],
        }
    return bases


def _check_points(
    label: str,
    points: list[dict[str, Any]],
    base: tuple[dict[str, Any], tuple[dict[str, Any], ...]],
    bases: dict[str, dict[str, Any]] | None,
    steps: int,
) -> None:
    for i, point in enumerate(points):
        params, shocks = scenario_for(point, base[0], base[1], bases)
        try:
            ModelParams.model_validate(params)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise SweepError(
                f"{label}: factors: design point {i} {point} is invalid: {err['msg']} "
                "(narrow the factor ranges or levels)"
            ) from None
        late = [s["step"] for s in shocks if s["step"] > steps]
        if late:
            raise SweepError(
                f"{label}: factors: design point {i} {point} puts a shock at month {late[0]}, "
                f"after the last month (steps = {steps})"
            )


def _resolve(spec: SweepSpec) -> ResolvedSweep:
    label = str(spec.source) if spec.source is not None else f"<sweep {spec.name}>"
    scenario = _load_base(spec, label)
    base_params = scenario.model.model_dump(mode="json")
    shocks = tuple(s.model_dump(mode="json") for s in scenario.shocks)
    steps = spec.steps if spec.steps is not None else int(scenario.steps)
    root_seed = spec.root_seed if spec.root_seed is not None else int(scenario.seed)
    _check_design(spec, label)
    _check_size(spec, label)
    bases = _load_bases(spec, label, spec.steps)
    shock_sets = [list(shocks)] if bases is None else [b["shocks"] for b in bases.values()]
    every_shock = [s for group in shock_sets for s in group]
    if any(k.startswith(SHOCK_PREFIX) for k in spec.factors) and not all(shock_sets):
        raise SweepError(
            f"{label}: factors: a shock field varies but a base scenario has no shock (allowed: "
            "bases with [[shocks]])"
        )
    types, levels = _check_factors(spec, label, base_params, every_shock)

    outs = spec.outputs
    allowed = known_outcomes(all(any(s["step"] <= steps for s in g) for g in shock_sets))
    if outs.outcomes is not None:
        if not outs.outcomes:
            raise SweepError(f"{label}: outputs.outcomes: empty (leave it out to keep all)")
        _check_names(label, "outputs.outcomes", outs.outcomes, allowed)
    if outs.series is not None:
        _check_names(label, "outputs.series", outs.series, tuple(METRICS))
    if outs.highlight is not None:
        _check_names(label, "outputs.highlight", outs.highlight, outs.outcomes or allowed)
    if outs.series_every > steps:
        raise SweepError(
            f"{label}: outputs.series_every = {outs.series_every}: more than steps = {steps} "
            f"(allowed: 0 for none, or 1..{steps})"
        )

    points, problem = build_design(spec, types, levels, root_seed)
    _check_points(label, points, (base_params, shocks), bases, steps)
    normalized = _normalized(spec, base_params, shocks, steps, root_seed, bases=bases)
    return ResolvedSweep(
        spec=spec,
        label=label,
        base_name=str(spec.base),
        base_params=base_params,
        shocks=shocks,
        steps=steps,
        root_seed=root_seed,
        factor_names=tuple(spec.factors),
        factor_types=types,
        points=tuple(points),
        problem=problem,
        outcomes=outs.outcomes,
        series=outs.series,
        known_outcomes=allowed,
        spec_hash=spec_hash(normalized),
        bases=bases,
    )
