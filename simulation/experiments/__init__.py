"""Reproducible experiments answering the articles' claims, run through the sweep runner.

    python -m simulation.experiments --list
    python -m simulation.experiments partnerships-welfare --quick [--check]

Definitions live in `experiments/NAME.toml`; results in `results/NAME/` (full) and
`results/NAME/quick/` (quick).  See docs/EXPERIMENTS.md.
"""

from simulation.experiments.definition import (
    ExperimentDef,
    ExperimentError,
    list_experiments,
    load_experiment,
)

__all__ = ["ExperimentDef", "ExperimentError", "list_experiments", "load_experiment"]
