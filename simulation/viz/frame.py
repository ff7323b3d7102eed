"""A frozen snapshot of the model for drawing.

The Play loop steps the model in a worker thread while the page draws in another; drawing from
a copy taken under the session lock means a figure never mixes two months.  Views are pure
functions of a `Frame`, so they are testable without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation import Event, PartnershipModel, Sector


@dataclass(frozen=True)
class Tie:
    """One drawn edge: two members of a partnership, its formality and their mutual trust."""

    a: int
    b: int
    formal: bool
    trust: float
    kind: str


@dataclass(frozen=True)
class Frame:
    """What the views need from one month of the model."""

    step: int
    sectors: tuple[Sector, ...]
    names: tuple[str, ...]
    budgets: np.ndarray
    ties: tuple[Tie, ...]
    volunteers: dict[int, int]  # host organization index -> volunteers in its K7 groups
    memberships: dict[int, int]  # organization index -> partnerships it belongs to
    welfare: np.ndarray  # (citizens, domains)
    composite: np.ndarray
    participating: np.ndarray
    metrics: pd.DataFrame
    events: tuple[Event, ...]
    shock_steps: tuple[int, ...]


def take(model: PartnershipModel) -> Frame:
    """Copy what the views draw; call with the session lock held."""
    trust = model.trust
    ties = []
    volunteers: dict[int, int] = {}
    memberships: dict[int, int] = {}
    for ps in model.partnerships:
        idx = [m.index for m in ps.members]
        for i in idx:
            memberships[i] = memberships.get(i, 0) + 1
        n_vol = _count(ps.volunteers)
        if n_vol and idx:
            volunteers[idx[0]] = volunteers.get(idx[0], 0) + n_vol
        for i, a in enumerate(idx):
            for b in idx[i + 1 :]:
                mutual = 0.5 * (float(trust[a, b]) + float(trust[b, a]))
                ties.append(Tie(a, b, bool(ps.formal), mutual, ps.kind))
    events = tuple(model.events)
    return Frame(
        step=int(model.steps),
        sectors=tuple(o.sector for o in model.organizations),
        names=tuple(o.name for o in model.organizations),
        budgets=np.array([o.budget for o in model.organizations], dtype=float),
        ties=tuple(ties),
        volunteers=volunteers,
        memberships=memberships,
        welfare=model.citizens.welfare.copy(),
        composite=np.asarray(model.citizens.composite, dtype=float).copy(),
        participating=np.asarray(model.citizens.participating, dtype=bool).copy(),
        metrics=model.metrics_frame(),
        events=events[-60:],
        shock_steps=tuple(
            sorted({e.step for e in events if e.kind == "funding_cut" or _is_shock(e)})
        ),
    )


def _count(volunteers: object) -> int:
    """Volunteers of a K7 group: the contract says a count, the model may keep their indices."""
    if isinstance(volunteers, int | np.integer):
        return int(volunteers)
    return len(volunteers)  # type: ignore[arg-type]


def _is_shock(event: Event) -> bool:
    return event.kind == "leadership_change" and event.data.get("cause") == "shock"
