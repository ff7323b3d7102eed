"""The scenario, sweep and experiment files that ship with the package, and the experiments'
committed summaries.

In the repository they live in the top-level folders `scenarios/`, `sweeps/`,
`experiments/` and `results/`; a wheel carries the same files as the package data
`simulation.data.<folder>` (pyproject.toml maps the folders at build time, so there is one
copy of each file).  They are found with `importlib.resources`, so they work wherever the
package is installed; a plain checkout on `PYTHONPATH` without an installation falls back to
the folders themselves.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

Folder = Literal["scenarios", "sweeps", "experiments", "results"]
_CHECKOUT = Path(__file__).resolve().parent.parent


def _shipped(entry: Traversable) -> bool:
    """Whether `entry` is what a folder ships: a definition (TOML), or an experiment's
    committed results (a folder holding its summary)."""
    return entry.name.endswith(".toml") or entry.joinpath("summary.csv").is_file()


def folder(kind: Folder) -> Path:
    """The directory holding the shipped `kind` files."""
    try:
        root = importlib.resources.files(f"simulation.data.{kind}")
    except ModuleNotFoundError:  # a checkout that is not installed
        return _CHECKOUT / kind
    for entry in root.iterdir():  # concrete paths, also for the mapped (namespace) package
        if _shipped(entry):
            return Path(str(entry)).parent
    return _CHECKOUT / kind


def files(kind: Folder) -> list[Path]:
    """The shipped `kind` files (TOML), sorted by name."""
    return sorted(folder(kind).glob("*.toml"))
