"""Scenario sweeps for policy analysts: parallel, streaming, resumable, cluster-ready.

    from simulation.sweep import load_sweep, run_sweep, summarize, read_runs
    spec = load_sweep("sweeps/trust_x_volatility.toml")
    report = run_sweep(spec, workers=2)          # or scheduler="tcp://host:8786"
    runs = read_runs(report.results_dir)          # one row per run (pandas)

A sweep file names a base scenario, factors (grid levels, or ranges sampled by Latin
hypercube or Sobol'), replications, steps and outputs.  Seeds derive from one root seed
(`seeds.py`), so results are bitwise the same whatever the executor; results stream to a
Parquet dataset that a rerun of the same command completes (`store.py`).
"""

from typing import TYPE_CHECKING, Any

from simulation.sweep.errors import ModelChangedError, SweepAbortedError, SweepError
from simulation.sweep.run import SweepReport, iter_runs, run_sweep
from simulation.sweep.spec import ResolvedSweep, SweepSpec, load_sweep, parse_sweep
from simulation.sweep.store import read_runs, read_series

if TYPE_CHECKING:
    from simulation.sweep.summary import Summary, mean_ci, summarize


def __getattr__(name: str) -> Any:
    """The summary (pandas, SciPy, SALib, matplotlib) loads on first use, not with the runner."""
    if name in {"Summary", "mean_ci", "summarize"}:
        from simulation.sweep import summary

        return getattr(summary, name)
    raise AttributeError(f"module 'simulation.sweep' has no attribute {name!r}")


__all__ = [
    "ModelChangedError",
    "ResolvedSweep",
    "Summary",
    "SweepAbortedError",
    "SweepError",
    "SweepReport",
    "SweepSpec",
    "iter_runs",
    "load_sweep",
    "mean_ci",
    "parse_sweep",
    "read_runs",
    "read_series",
    "run_sweep",
    "summarize",
]
