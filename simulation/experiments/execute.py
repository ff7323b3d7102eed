"""Runs an experiment's arms through the sweep runner (one sweep per arm) and reads them back.

Arms differ in their base scenario (no partnerships, one kind only, a shock), which a sweep
cannot vary, so each arm gets a derived base scenario file and its own sweep folder under
`<out>/data/<arm>/`.  Every arm uses the experiment's root seed with common random numbers,
so replicate r has the same seed in every arm and design point: arms are paired.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.experiments.definition import ExperimentDef, variant
from simulation.scenario import load_scenario
from simulation.sweep import SweepError, parse_sweep, read_runs, read_series, run_sweep
from simulation.sweep.execute import LocalPool

SERIES_METRIC = "community_welfare"


@dataclass
class ArmData:
    """The runs (one row per run) and, for shock designs, the monthly welfare series."""

    name: str
    runs: pd.DataFrame
    series: pd.DataFrame | None
    folder: Path
    factors: list[str]
    reused: int = 0  # runs found on disk from an earlier call with the same model and design


@dataclass
class ExperimentData:
    """Everything the analysis needs, plus how it was produced."""

    exp: ExperimentDef
    quick: bool
    arms: dict[str, ArmData]
    replications: int
    elapsed_s: float
    runs_total: int
    failed: int
    sweep_manifests: dict[str, Any] = field(default_factory=dict)

    @property
    def reused(self) -> int:
        """Runs read back from disk rather than run now (their time is not in elapsed_s)."""
        return sum(a.reused for a in self.arms.values())


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")


def write_base(exp: ExperimentDef, arm: str, params: dict[str, Any], path: Path) -> Path:
    """Derived base scenario: the arm's scenario with the experiment's fixed overrides."""
    sc = load_scenario(exp.arm(arm).base)
    model = {**sc.model.model_dump(mode="json"), **params}
    lines = [
        f"name = {_toml_value(f'{exp.name}-{arm}')}",
        f"description = {_toml_value(f'{exp.name}: arm {arm} (base {exp.arm(arm).base})')}",
        f"steps = {exp.steps}",
        f"seed = {exp.root_seed}",
        "",
        "[model]",
        *(f"{k} = {_toml_value(v)}" for k, v in model.items()),
    ]
    for s in sc.shocks:
        lines += ["", "[[shocks]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in s.model_dump(mode="json").items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_scenario(path)  # fail here, with the scenario loader's message, if it is invalid
    return path


def arm_sweep(exp: ExperimentDef, arm: str, spec: dict[str, Any], reps: int, base: Path) -> Any:
    """The sweep (as a validated `SweepSpec`) that runs one arm."""
    a = exp.arm(arm)
    factors = spec["factors"]
    method = a.method if factors else "grid"
    design: dict[str, Any] = {"method": method, "common_random_numbers": True}
    if method == "sobol":
        design["samples"] = spec["samples"]
    outputs: dict[str, Any] = {"outcomes": list(_outcomes(exp, base))}
    if exp.analysis == "shocks":
        outputs.update(series_every=1, series=[SERIES_METRIC])
    data = {
        "name": f"{exp.name}-{arm}",
        "description": a.label,
        "base": str(base),
        "steps": exp.steps,
        "replications": reps,
        "root_seed": exp.root_seed,
        "design": design,
        "factors": factors,
        "outputs": outputs,
    }
    return parse_sweep(data, label=f"experiments/{exp.name}.toml arm {arm}")


def _outcomes(exp: ExperimentDef, base: Path) -> tuple[str, ...]:
    has_shock = bool(load_scenario(base).shocks)
    extra = ("welfare_drop", "recovery_time") if has_shock else ()
    wanted = [*exp.outcomes, *(o for o in extra if o not in exp.outcomes)]
    if not has_shock:
        wanted = [o for o in wanted if o not in ("welfare_drop", "recovery_time")]
    return tuple(dict.fromkeys([exp.primary, *wanted]))


def shared_pool(workers: int) -> Executor:
    """One process pool for all arms, so workers start (and load the model) once.

    It is the sweep runner's own pool (forkserver with the model preloaded), whose workers
    exit when this process dies, even on kill -9, instead of lingering as orphans."""
    return LocalPool(workers).executor


def run_experiment(
    exp: ExperimentDef,
    out: Path,
    *,
    quick: bool,
    workers: int | None,
    progress: bool = True,
    pool: Executor | None = None,
) -> ExperimentData:
    """Run (or resume) every arm into `out/data/` and read the results back.

    `pool`: a process pool the caller owns and shuts down (e.g. one for many posterior
    draws); without it, one is started for this call when `workers` is set."""
    t0 = time.perf_counter()
    var = variant(exp, quick)
    reps = var["replications"]
    arms: dict[str, ArmData] = {}
    manifests: dict[str, Any] = {}
    own = pool is None and bool(workers)
    if own:
        pool = shared_pool(workers or 1)
    try:
        for a in exp.arms:
            _run_arm(
                exp,
                a.name,
                var,
                reps,
                out,
                pool=pool,
                progress=progress,
                arms=arms,
                manifests=manifests,
            )
    finally:
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    total = sum(m.get("n_runs", 0) for m in manifests.values())
    failed = sum(int((d.runs["status"] != "ok").sum()) for d in arms.values())
    return ExperimentData(
        exp, quick, arms, reps, time.perf_counter() - t0, total, failed, manifests
    )


def _run_arm(
    exp: ExperimentDef,
    name: str,
    var: dict[str, Any],
    reps: int,
    out: Path,
    *,
    pool: Executor | None,
    progress: bool,
    arms: dict[str, ArmData],
    manifests: dict[str, Any],
) -> None:
    """Run (or resume) one arm's sweep and read it back into `arms` / `manifests`."""
    a = exp.arm(name)
    spec_vars = var["arms"][a.name]
    folder = out / "data" / a.name
    base = write_base(exp, a.name, spec_vars["set"], out / "data" / f"{a.name}.scenario.toml")
    spec = arm_sweep(exp, a.name, spec_vars, reps, base)
    kwargs: dict[str, Any] = {"progress": progress, "summarize": False}
    kwargs["executor"] = pool if pool is not None else "serial"
    try:
        report = run_sweep(spec, folder, **kwargs)
    except SweepError:  # the definition or the model changed since these data were written
        report = run_sweep(spec, folder, fresh=True, **kwargs)
    runs = read_runs(folder, volatile=False)
    series = read_series(folder) if exp.analysis == "shocks" else None
    manifests[a.name] = json.loads((folder / "_manifest.json").read_text())
    arms[a.name] = ArmData(
        a.name, runs, series, folder, list(spec_vars["factors"]), reused=report.skipped
    )
