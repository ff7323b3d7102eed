"""One browser tab's simulation: scenario, levers, seed, the model, and the lock that guards it.

Each tab gets its own model (stock Mesa apps share one model object between all visitors), and
every change goes through here, so the page components only ask for frames and send commands.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd
from pydantic import ValidationError

from simulation import Governance, ModelParams, PartnershipModel, Shock
from simulation.scenario import (
    SCENARIO_DIR,
    Scenario,
    default_scenario,
    list_scenarios,
    load_scenario,
)
from simulation.viz.frame import Frame, take

SEED_MAX = 2**63 - 1  # as scenario files allow


@dataclass(frozen=True)
class Lever:
    """A slider over one `ModelParams` field (label key in i18n: ``p_<name>``)."""

    name: str
    min: float
    max: float
    step: float


LEVERS: tuple[Lever, ...] = (
    Lever("trust_gain", 0.0, 0.5, 0.01),
    Lever("trust_loss", 0.0, 1.0, 0.01),
    Lever("defection_rate", 0.0, 0.5, 0.01),
    Lever("funding_volatility", 0.0, 1.0, 0.01),
    Lever("cultural_distance", 0.0, 1.0, 0.01),
    Lever("goal_divergence", 0.0, 1.0, 0.01),
    Lever("participation", 0.0, 1.0, 0.01),
    Lever("formal_share", 0.0, 1.0, 0.05),
    Lever("partnering_rate", 0.0, 0.5, 0.01),
)
GOVERNANCE = "governance_mode"
GOVERNANCE_MODES: tuple[str, ...] = tuple(g.value for g in Governance)

# The shock buttons (texts in i18n describe these numbers: half the income for a year; the
# leaders of a third of the organizations).
FUNDING_CUT = {"kind": "funding_cut", "magnitude": 0.5, "duration": 12}
LEADERSHIP_CHANGE = {"kind": "leadership_change", "magnitude": 1 / 3}


def parse_seed(text: object) -> int:
    """A seed from what a person typed: ``" 42 "``, ``"1_000"``, ``"7.0"`` are fine.

    Raises ValueError (with the text) for anything that is not a whole number in range.
    """
    raw = str(text).strip()
    try:
        value = int(raw)
    except ValueError:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(raw) from None
        if not number.is_integer():
            raise ValueError(raw) from None
        value = int(number)
    if not 0 <= value <= SEED_MAX:
        raise ValueError(raw)
    return value


def scenario_names() -> list[str]:
    """Names of the scenario files in ``scenarios/``, default first."""
    names = sorted(p.stem for p in list_scenarios())
    if "default" in names:
        names.remove("default")
        names.insert(0, "default")
    return names


@dataclass(frozen=True)
class Partner:
    """One partner of an inspected organization and the trust between them."""

    name: str
    kinds: tuple[str, ...]  # the kinds of the partnerships they share
    trust_in: float  # how much the inspected organization trusts this partner
    trust_from: float  # how much this partner trusts the inspected organization


@dataclass(frozen=True)
class Inspection:
    """What a click on an organization shows: who it is, what it holds, whom it trusts."""

    index: int
    name: str
    sector: str
    reserves: float
    income: float
    partnerships: int
    partners: tuple[Partner, ...]


def scenario_text(scenario: Scenario, lang: str) -> tuple[str, str]:
    """Title and description of ``scenario`` in ``lang`` (English: its name and description)."""
    text = scenario.translations.get(lang)  # type: ignore[call-overload]
    if text is not None:
        return text.title, text.description
    return scenario.name, scenario.description


@cache
def _titles(lang: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, str]:
    del stamp  # part of the cache key only: an edited file is read again
    titles = {}
    for name in scenario_names():
        try:
            titles[name] = scenario_text(load_scenario(name), lang)[0]
        except ValueError:  # a broken file still appears, by name; picking it reports why
            titles[name] = name
    return titles


def scenario_titles(lang: str) -> dict[str, str]:
    """Every scenario's title in ``lang`` for the picker, by file name."""
    stamp = tuple(sorted((p.stem, p.stat().st_mtime) for p in SCENARIO_DIR.glob("*.toml")))
    return _titles(lang, stamp)


class Session:
    """Holds the model of one tab; every method takes the lock, so Play and clicks never race."""

    def __init__(self, scenario: str = "default", query: str = "") -> None:
        self.lock = threading.RLock()
        self.scenario: Scenario = (
            load_scenario(scenario) if scenario in scenario_names() else default_scenario()
        )
        self.scenario_name = scenario if scenario in scenario_names() else "default"
        self.seed = int(self.scenario.seed)
        self.levers = self.scenario_levers()
        self.previous: pd.DataFrame | None = None  # the last run's metrics, drawn faintly
        self.play_token = 0
        self.apply_query(query)
        self.model = self._build()

    # ----------------------------------------------------------------- settings
    def scenario_levers(self) -> dict[str, Any]:
        """The scenario's values of every lever."""
        p = self.scenario.model
        values: dict[str, Any] = {lv.name: float(getattr(p, lv.name)) for lv in LEVERS}
        values[GOVERNANCE] = Governance(p.governance_mode).value
        return values

    def params(self) -> ModelParams:
        """Scenario parameters with the levers applied (validated: raises ValidationError)."""
        return ModelParams(**{**self.scenario.model.model_dump(), **self.levers})

    @property
    def pending(self) -> bool:
        """Whether levers or seed differ from the running model (Reset applies them)."""
        try:
            params = self.params()
        except ValidationError:
            return True
        return params != self.model.p or self.seed != self._built_seed

    def _build(self) -> PartnershipModel:
        params = self.params()
        model = PartnershipModel(rng=self.seed, params=params, shocks=self.scenario.shocks)
        self._built_seed = self.seed
        budgets = np.array([o.budget for o in model.organizations], dtype=float)
        self.reference_budget = float(np.median(budgets)) if budgets.size else 1.0
        return model

    # ----------------------------------------------------------------- the address bar
    def query(self) -> str:
        """Scenario, seed and the levers that differ from the scenario, as a URL query."""
        base = self.scenario_levers()
        changed = {k: v for k, v in self.levers.items() if v != base[k]}
        values = {"scenario": self.scenario_name, "seed": self.seed}
        values.update({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in changed.items()})
        return urlencode(values)

    def apply_query(self, query: str) -> None:
        """Take scenario, seed and levers from a URL query; unknown or bad values are ignored.

        A shared link must never break the page, so anything that does not parse keeps the
        scenario's own value.
        """
        values = dict(parse_qsl(query.lstrip("?")))
        name = values.get("scenario")
        if name and name in scenario_names() and name != self.scenario_name:
            self.scenario = load_scenario(name)
            self.scenario_name = name
            self.seed = int(self.scenario.seed)
            self.levers = self.scenario_levers()
        with contextlib.suppress(ValueError):
            self.seed = parse_seed(values["seed"]) if "seed" in values else self.seed
        for lever in LEVERS:
            try:
                number = float(values[lever.name])
            except (KeyError, ValueError):
                continue
            if lever.min <= number <= lever.max:
                self.levers[lever.name] = number
        if values.get(GOVERNANCE) in GOVERNANCE_MODES:
            self.levers[GOVERNANCE] = values[GOVERNANCE]
        try:
            self.params()
        except ValidationError:  # levers that do not fit together: the scenario's own values
            self.levers = self.scenario_levers()

    # ----------------------------------------------------------------- commands
    def _keep_previous(self) -> None:
        if self.model.steps > 0:
            self.previous = self.model.metrics_frame()

    def reset(self) -> None:
        """A fresh model from the scenario, the levers and the seed (the old run is kept faint)."""
        with self.lock:
            self._keep_previous()
            self.model = self._build()

    def load(self, name: str) -> None:
        """Switch to scenario ``name`` (its levers and seed too) and reset."""
        scenario = load_scenario(name)
        with self.lock:
            self._keep_previous()
            self.scenario = scenario
            self.scenario_name = name
            self.seed = int(scenario.seed)
            self.levers = self.scenario_levers()
            self.model = self._build()

    def set_lever(self, name: str, value: Any) -> None:
        """Record a lever value; it takes effect at the next reset."""
        with self.lock:
            self.levers = {**self.levers, name: value}

    def set_seed(self, text: object) -> int:
        """Parse and record a seed (ValueError if bad); it takes effect at the next reset."""
        value = parse_seed(text)
        with self.lock:
            self.seed = value
        return value

    def step(self, months: int = 1) -> None:
        """Advance the model."""
        with self.lock:
            for _ in range(months):
                self.model.step()

    def begin_play(self) -> int:
        """A new Play loop's token; every older loop stops at its next step."""
        with self.lock:
            self.play_token += 1
            return self.play_token

    def play_step(self, token: int) -> bool:
        """One month for the Play loop holding ``token``; False (no step) if a newer loop or
        Pause has taken over, so Play, Pause, Play never runs two loops."""
        with self.lock:
            if token != self.play_token:
                return False
            self.model.step()
            return True

    def stop_play(self) -> None:
        """Retire the running Play loop (Pause, Reset, a new scenario)."""
        with self.lock:
            self.play_token += 1

    @property
    def month(self) -> int:
        """The model's month."""
        return int(self.model.steps)

    @property
    def horizon(self) -> int:
        """The scenario's run length in months."""
        return int(self.scenario.steps)

    def shock(self, kind: str) -> None:
        """Apply a funding cut or a leadership change to the running model now."""
        spec = FUNDING_CUT if kind == "funding_cut" else LEADERSHIP_CHANGE
        with self.lock:
            self.model.apply_shock(Shock(step=max(1, self.model.steps), **spec))

    def frame(self) -> Frame:
        """A snapshot for drawing."""
        with self.lock:
            return take(self.model)

    def csv(self) -> str:
        """The run so far, one row per month (what the trend charts draw), as CSV text."""
        with self.lock:
            return self.model.metrics_frame().to_csv(index=False)

    def inspect(self, index: int) -> Inspection:
        """Sector, reserves, partnerships and trust of organization ``index``."""
        with self.lock:
            model = self.model
            org = model.organizations[index]
            trust = model.trust
            kinds: dict[int, list[str]] = {}
            for ps in org.memberships:
                for other in ps.members:
                    if other is not org:
                        kinds.setdefault(other.index, []).append(ps.kind)
            partners = tuple(
                Partner(
                    name=model.organizations[j].name,
                    kinds=tuple(sorted(set(k))),
                    trust_in=float(trust[index, j]),
                    trust_from=float(trust[j, index]),
                )
                for j, k in sorted(kinds.items())
            )
            return Inspection(
                index=index,
                name=org.name,
                sector=org.sector.value,
                reserves=float(org.budget),
                income=float(org.income),
                partnerships=len(org.memberships),
                partners=partners,
            )


@cache
def warm_up() -> None:
    """Build and step a throwaway model, so numba compiles (or loads) the model's kernels now,
    before a visitor's first Step, which would otherwise wait several seconds with no sign.

    Once per process: solara executes ``app.py`` again for every new tab.
    """
    model = PartnershipModel(rng=0, params=default_scenario().model)
    model.step()
    model.step()
