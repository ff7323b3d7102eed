"""`partnership experiment NAME --posterior FILE --draws K`: the experiment once per posterior
draw, effects pooled over draws with CIs that carry seed and parameter uncertainty.

Layout of the output folder (default `results/NAME/posterior/`, or `.../quick/posterior/`):
`data/draw-NNN/` holds each draw's arms (sweep folders, resumable, not committed);
`effects.csv` the pooled effects; `draw_effects.csv` each draw's mean paired differences;
`draws.csv` the chosen posterior points and their seeds; `report.md`; `manifest.json`.
The committed `results/NAME/summary.csv` that `--check` compares with is never touched.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from simulation.experiments.definition import RESULTS_DIR, ExperimentDef, ExperimentError
from simulation.experiments.draws import Draw, Posterior, with_draw
from simulation.experiments.execute import run_experiment, shared_pool
from simulation.experiments.uncertainty import PAIRED, paired_differences, pooled_effects
from simulation.outdir import OutputRefusedError, check_folder, mark
from simulation.sweep import read_runs
from simulation.sweep.errors import SweepError
from simulation.sweep.manifest import model_fingerprint, now_iso
from simulation.sweep.summary import markdown_table

OUTPUT_FILES = frozenset(
    {"data", "effects.csv", "draw_effects.csv", "draws.csv", "report.md", "manifest.json"}
)
CI_METHOD = (
    "95 % CI from a two-stage (hierarchical) bootstrap, 2,000 resamples: the draws are "
    "resampled with replacement, then each resampled draw's paired differences (one per "
    "seed, or per matched cell and seed) with replacement; the pooled effect is the mean over "
    "draws of each draw's mean paired difference. The interval carries both the spread "
    "between posterior draws (parameter uncertainty) and within them (seeds)."
)


RUN_FAILURES = (ExperimentError, SweepError, OSError)


def report_failure(exc: Exception, folder: Path) -> int:
    """One line on stderr for a posterior run that stopped, and the exit code it deserves:
    1 for a disk or file error (finished runs are kept, the same command resumes), 2 for
    an input or sweep error."""
    if isinstance(exc, OSError):
        print(
            f"error: {exc.filename or folder}: {exc.strerror or exc}; finished runs are "
            "saved, run the same command again to resume",
            file=sys.stderr,
        )
        return 1
    print(f"error: {exc}", file=sys.stderr)
    return 2


def posterior_folder(exp: ExperimentDef, quick: bool, root: Path = RESULTS_DIR) -> Path:
    """results/NAME/posterior/ (full) or results/NAME/quick/posterior/."""
    return root / exp.name / ("quick" if quick else "") / "posterior"


def check_posterior_target(exp: ExperimentDef, out: Path) -> None:
    """Refuse, before anything is written, what cannot run or must not be overwritten."""
    if exp.analysis not in PAIRED:
        raise ExperimentError(
            f"experiments/{exp.name}.toml: analysis = {exp.analysis!r} has no paired effects "
            f"to pool over draws (allowed with --posterior: {', '.join(PAIRED)})"
        )
    try:
        check_folder(out, "posterior", option="results folder", replaces=OUTPUT_FILES)
    except OutputRefusedError as exc:
        raise ExperimentError(str(exc)) from None


@dataclass
class DrawRuns:
    """The paired differences of every draw (column `draw`) and how they were produced."""

    diffs: pd.DataFrame
    runs: int
    failed: int
    elapsed_s: float
    cpu_s: float = 0.0  # the model runs' own CPU time (load-independent cost)


def run_draws(
    tasks: Iterable[tuple[ExperimentDef, Draw, Path]],
    *,
    quick: bool,
    workers: int | None,
    progress: bool,
    extra: dict[str, Any] | None = None,
    total: int | None = None,
) -> DrawRuns:
    """Run each (experiment, draw, folder) task through one shared process pool, with one
    progress bar over all tasks; return the paired differences tagged by experiment and draw."""
    t0 = time.perf_counter()
    frames, runs, failed, cpu = [], 0, 0, 0.0
    pool = shared_pool(workers) if workers else None
    bar = tqdm(total=total, unit="run set", disable=not progress, desc="experiment x draw")
    try:
        for exp, draw, folder in tasks:
            bar.set_postfix_str(f"{exp.name} {draw.folder}")
            data = run_experiment(
                with_draw(exp, draw, extra),
                folder,
                quick=quick,
                workers=workers,
                progress=False,
                pool=pool,
            )
            runs += data.runs_total
            failed += data.failed
            cpu += sum(
                float(read_runs(arm.folder, volatile=True)["cpu_s"].sum())
                for arm in data.arms.values()
            )
            frames.append(paired_differences(data).assign(experiment=exp.name, draw=draw.index))
            bar.update()
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    diffs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return DrawRuns(diffs, runs, failed, time.perf_counter() - t0, cpu)


def draws_table(draws: list[Draw]) -> pd.DataFrame:
    """The chosen posterior points: draw index, point id, root seed and parameters."""
    return pd.DataFrame(
        [{"draw": d.index, "point_id": d.point_id, "seed": d.seed, **d.parameters} for d in draws]
    )


def draw_effects(diffs: pd.DataFrame) -> pd.DataFrame:
    """Per draw and effect: mean paired difference, SD and number of pairs."""
    keys = ["effect", "outcome", "draw"]
    g = diffs.groupby(keys, sort=False)["diff"]
    return g.agg(mean="mean", sd="std", n="count").reset_index()


def _report(
    exp: ExperimentDef,
    posterior: Posterior,
    *,
    draws: list[Draw],
    effects: pd.DataFrame,
    result: DrawRuns,
    quick: bool,
) -> str:
    headline = {exp.primary, "paired_drop"}  # shocks: the drop answers the question
    primary = effects[effects["outcome"].isin(headline)]
    shown = primary if not primary.empty else effects
    table = shown.assign(
        effect_ci=[f"{r.mean:+.4g} [{r.ci_low:+.4g}, {r.ci_high:+.4g}]" for r in shown.itertuples()]
    )[
        [
            "effect",
            "outcome",
            "effect_ci",
            "share_draws_positive",
            "sd_between_draws",
            "sd_within_draws",
        ]
    ]
    missing = ", ".join(posterior.missing) or "none"
    lines = [
        f"# {exp.title}: under parameter uncertainty",
        "",
        f"Experiment `{exp.name}` ({'quick' if quick else 'full'} variant) rerun once per "
        f"posterior draw: {len(draws)} draws chosen without repeats from the "
        f"{posterior.size} points of `{posterior.path.name}` (SHA-256 "
        f"{posterior.sha256[:12]}...) by a generator seeded with the experiment's root seed "
        f"{exp.root_seed}. Each draw has its own root seed; within a draw every arm shares "
        "it (common random numbers), so each effect is a set of paired differences.",
        "",
        f"**How the CI is formed.** {CI_METHOD}",
        "",
        f"Model runs: {result.runs} ({result.failed} failed) in {result.elapsed_s:.0f} s "
        f"({result.cpu_s:.0f} CPU s in the runs themselves).",
        f"Calibrated parameters the posterior lacks (held at their defaults): {missing}.",
        "",
        f"## Effects on {exp.primary if not primary.empty else 'each outcome'}"
        + (" and the paired drop" if exp.analysis == "shocks" else ""),
        "",
        markdown_table(table.round(6)),
        "",
        "`share_draws_positive`: share of draws whose mean paired difference is above zero. "
        "`sd_between_draws` / `sd_within_draws`: SD of the draws' means (parameters) and the "
        "mean within-draw SD of the paired differences (seeds). Every effect and outcome is "
        "in `effects.csv`; each draw's own effects in `draw_effects.csv`.",
        "",
    ]
    return "\n".join(lines)


def write_posterior_results(
    exp: ExperimentDef,
    out: Path,
    posterior: Posterior,
    draws: list[Draw],
    result: DrawRuns,
    *,
    quick: bool,
) -> pd.DataFrame:
    """Write effects, draws, report and manifest; return the pooled effects."""
    effects = pooled_effects(result.diffs, seed=exp.root_seed)
    effects.to_csv(out / "effects.csv", index=False, float_format="%.17g")
    draw_effects(result.diffs).to_csv(out / "draw_effects.csv", index=False, float_format="%.17g")
    draws_table(draws).to_csv(out / "draws.csv", index=False, float_format="%.17g")
    (out / "report.md").write_text(
        _report(exp, posterior, draws=draws, effects=effects, result=result, quick=quick),
        encoding="utf-8",
    )
    manifest = {
        "experiment": exp.name,
        "variant": "quick" if quick else "full",
        "posterior": posterior.shown,
        "posterior_sha256": posterior.sha256,
        "draws": len(draws),
        "root_seed": exp.root_seed,
        "model_code_sha256": model_fingerprint(),
        "runs": result.runs,
        "failed": result.failed,
        "elapsed_s": round(result.elapsed_s, 1),
        "model_cpu_s": round(result.cpu_s, 1),
        "written": now_iso(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return effects


def run_posterior_experiment(
    exp: ExperimentDef,
    posterior: Posterior,
    draws: list[Draw],
    out: Path,
    *,
    quick: bool,
    workers: int | None,
    progress: bool,
) -> tuple[pd.DataFrame, DrawRuns]:
    """Run every draw into `out/data/`, pool, write; return the pooled effects and the runs."""
    out.mkdir(parents=True, exist_ok=True)
    mark(out, "posterior")
    tasks = [(exp, d, out / "data" / d.folder) for d in draws]
    result = run_draws(tasks, quick=quick, workers=workers, progress=progress, total=len(tasks))
    effects = write_posterior_results(exp, out, posterior, draws, result, quick=quick)
    return effects, result
