"""Cost of the monthly metrics and of handling a run's results, printed as figures:
`python benchmarks/metrics_bench.py`.

Side by side in one run, CPU time (`time.process_time`), medians over `--repeats` with
min-max:

1. Collecting every metric each month of the default town (2,000 citizens, 50 organizations,
   120 months) with the model's recorder, against Mesa's DataCollector reading the same
   metrics one property at a time (one attribute reporter per metric) on a twin model of the
   same seed, stepped in lockstep with it; then the table each builds at the end
   (`metrics_frame` and `get_model_vars_dataframe`); all as a share of our run.
2. What a sweep worker spends on one run besides building and running the model: `run_one`'s
   outcomes and monthly series, the worker's record of the run (`execute.run_task`), and the
   Parquet encoding of a task's records, per run.

The load average is printed before and after: read the figures together with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

# The package first: it pins numpy's code paths, as for its users, before Mesa loads numpy.
import simulation  # noqa: F401

# isort: split
from mesa import DataCollector

from simulation import PartnershipModel, runner
from simulation.metrics import METRICS
from simulation.scenario import default_scenario
from simulation.sweep.encode import encode_records
from simulation.sweep.execute import RunContext, RunTask, run_task


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(collect: Callable[[Any], None], spent: list[float]) -> Callable[[Any], None]:
    """`collect`, adding the CPU seconds of each call to spent[0]."""

    def timed(model: Any) -> None:
        start = time.process_time()
        collect(model)
        spent[0] += time.process_time() - start

    return timed


def collection(seed: int) -> dict[str, float]:
    """CPU seconds of one default run (ours) and of its metrics, ours and Mesa's."""
    sc = default_scenario()
    ours = PartnershipModel(rng=sc.seed + seed, params=sc.model, shocks=sc.shocks)
    mesa = PartnershipModel(rng=sc.seed + seed, params=sc.model, shocks=sc.shocks)
    mesa.datacollector = DataCollector(model_reporters={m: m for m in METRICS})
    mesa.datacollector.collect(mesa)  # the initial state, as our recorder took it
    collect = {"ours": [0.0], "mesa": [0.0]}
    ours.datacollector.collect = _timed(ours.datacollector.collect, collect["ours"])
    mesa.datacollector.collect = _timed(mesa.datacollector.collect, collect["mesa"])
    run = 0.0
    for month in range(sc.steps):
        for model in (ours, mesa) if month % 2 else (mesa, ours):
            start = time.process_time()
            model.step()
            run += time.process_time() - start if model is ours else 0.0
    start = time.process_time()
    frame = ours.metrics_frame()
    ours_table = time.process_time() - start
    start = time.process_time()
    theirs = mesa.datacollector.get_model_vars_dataframe()
    mesa_table = time.process_time() - start
    if not frame.drop(columns="step").equals(theirs.astype(frame.dtypes.iloc[1:].to_dict())):
        raise SystemExit("the recorder and Mesa's DataCollector recorded different values")
    return {
        "run": run + ours_table,
        "ours": collect["ours"][0] + ours_table,
        "mesa": collect["mesa"][0] + mesa_table,
    }


def handling(runs: int, steps: int = 120) -> dict[str, float]:
    """CPU seconds per run that a sweep worker spends around a finished model (its runs all
    return one model run beforehand, so only the handling is timed)."""
    sc = default_scenario()
    params = sc.model.model_dump()
    finished = runner.simulate(params, seed=1, steps=steps)
    real = runner.simulate
    runner.simulate = lambda *args, **kwargs: finished
    try:
        start = time.process_time()
        for seed in range(runs):
            runner.run_one(params, seed=seed, steps=steps, series_every=1)
        outcomes = (time.process_time() - start) / runs
        ctx = RunContext(base_params=params, shocks=(), steps=steps, series_every=1)
        start = time.process_time()
        records = [run_task(ctx, RunTask(f"run-{i:05d}", i, 0, {})) for i in range(runs)]
        record = (time.process_time() - start) / runs
    finally:
        runner.simulate = real
    start = time.process_time()
    encode_records(records, {})
    encode = (time.process_time() - start) / runs
    return {"run_one": outcomes, "run_task": record, "encode": encode}


def _figure(values: list[float], scale: float = 1e3) -> str:
    return (
        f"{statistics.median(values) * scale:8.2f} "
        f"({min(values) * scale:.2f}-{max(values) * scale:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="default runs (twin pairs)")
    parser.add_argument("--runs", type=int, default=64, help="runs in the handling figures")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average before: {_load()}")
    collection(0), handling(2)  # load the kernels, warm caches
    figures = [collection(1 + i) for i in range(args.repeats)]
    column = {key: [f[key] for f in figures] for key in figures[0]}
    ratio = [f["mesa"] / f["ours"] for f in figures]
    share = [f["ours"] / f["run"] for f in figures]
    print(f"default town, {args.repeats} runs; CPU ms per run, median (min-max)")
    print(f"  whole run (ours)                      {_figure(column['run'])}")
    print(f"  metrics, recorder + metrics_frame     {_figure(column['ours'])}")
    print(f"  metrics, Mesa DataCollector + table   {_figure(column['mesa'])}")
    print(f"  Mesa's / ours                         {_figure(ratio, 1.0)} x")
    print(f"  ours as a share of the run            {_figure(share, 100.0)} %")
    handled = [handling(args.runs) for _ in range(3)]
    column = {key: [h[key] for h in handled] for key in handled[0]}
    print(f"sweep worker, per run (120 months, every month's series), CPU ms, {args.runs} runs")
    print(f"  run_one beyond the model              {_figure(column['run_one'])}")
    print(f"  run_task (run_one and the record)     {_figure(column['run_task'])}")
    print(f"  encoding the records (Parquet)        {_figure(column['encode'])}")
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
