"""One browser tab's simulation: scenario, levers, seed, the model, and the lock that guards it.

Each tab gets its own model (stock Mesa apps share one model object between all visitors), and
every change goes through here, so the page components only ask for frames and send commands.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from simulation import Governance, ModelParams, PartnershipModel, Shock
from simulation.scenario import Scenario, default_scenario, list_scenarios, load_scenario
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


class Session:
    """Holds the model of one tab; every method takes the lock, so Play and clicks never race."""

    def __init__(self, scenario: str = "default") -> None:
        self.lock = threading.RLock()
        self.scenario: Scenario = (
            load_scenario(scenario) if scenario in scenario_names() else default_scenario()
        )
        self.scenario_name = scenario
        self.seed = int(self.scenario.seed)
        self.levers = self.scenario_levers()
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

    # ----------------------------------------------------------------- commands
    def reset(self) -> None:
        """A fresh model from the scenario, the levers and the seed."""
        with self.lock:
            self.model = self._build()

    def load(self, name: str) -> None:
        """Switch to scenario ``name`` (its levers and seed too) and reset."""
        scenario = load_scenario(name)
        with self.lock:
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

    def shock(self, kind: str) -> None:
        """Apply a funding cut or a leadership change to the running model now."""
        spec = FUNDING_CUT if kind == "funding_cut" else LEADERSHIP_CHANGE
        with self.lock:
            self.model.apply_shock(Shock(step=max(1, self.model.steps), **spec))

    def frame(self) -> Frame:
        """A snapshot for drawing."""
        with self.lock:
            return take(self.model)
