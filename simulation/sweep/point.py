"""What one design point runs: the base scenario's parameters and shocks, changed by the
point's factors.  Plain factors set model parameters; the `base` factor picks another base
scenario; `shock.FIELD` factors set that field of every shock of the base."""

from __future__ import annotations

from typing import Any

BASE_FACTOR = "base"
SHOCK_PREFIX = "shock."
SECTOR_JOIN = "+"  # shock.sectors levels are stored as "ngo+community"


def scenario_for(
    point: dict[str, Any],
    base_params: dict[str, Any],
    shocks: tuple[dict[str, Any], ...],
    bases: dict[str, dict[str, Any]] | None,
) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    """The model parameters and shocks (plain dicts) one point of a sweep runs."""
    if BASE_FACTOR in point and bases:
        chosen = bases[point[BASE_FACTOR]]
        base_params, shocks = chosen["params"], tuple(chosen["shocks"])
    changes: dict[str, Any] = {}
    params = dict(base_params)
    for name, value in point.items():
        if name == BASE_FACTOR:
            continue
        if name.startswith(SHOCK_PREFIX):
            field = name[len(SHOCK_PREFIX) :]
            changes[field] = value.split(SECTOR_JOIN) if field == "sectors" else value
        else:
            params[name] = value
    return params, tuple({**s, **changes} for s in shocks) if changes else shocks
