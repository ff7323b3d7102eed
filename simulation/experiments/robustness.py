"""`partnership robustness`: for every claim the experiments test, the share of posterior draws
in which the articles' direction holds.

The claims and the effect that tests each are listed in `experiments/robustness/claims.toml`.
Each experiment named there runs once per posterior draw in its quick design (fewer levels
and seeds, a smaller town; the file can set the town size), all draws through one process
pool, with one progress bar.  Per claim and draw, the direction holds when the draw's mean
paired difference has the articles' sign; the share of draws where it holds gets a Wilson
95 % CI (Wilson 1927), the pooled effect the hierarchical-bootstrap CI of
`simulation.experiments.uncertainty`.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from simulation import shipped
from simulation.experiments.definition import ExperimentError, load_experiment
from simulation.experiments.draws import (
    Posterior,
    check_draws,
    choose_draws,
    draw_seed,
    read_posterior,
)
from simulation.experiments.posterior_runs import (
    RUN_FAILURES,
    DrawRuns,
    draws_table,
    report_failure,
    run_draws,
)
from simulation.experiments.uncertainty import PAIRED, pooled_effects
from simulation.inputs import InputError, read_toml, validate
from simulation.outdir import OutputRefusedError, check_folder, mark
from simulation.sweep.manifest import model_fingerprint, now_iso
from simulation.sweep.summary import markdown_table

ROBUSTNESS_DIR = shipped.folder("experiments") / "robustness"
CLAIMS_FILE = ROBUSTNESS_DIR / "claims.toml"
POSTERIOR_FILE = ROBUSTNESS_DIR / "posterior.parquet"
OUTPUT_FILES = frozenset(
    {"data", "robustness.md", "robustness.csv", "effects.csv", "draws.csv", "manifest.json"}
)
CONFIDENCE = 0.95


class Claim(BaseModel):
    """One claim and the paired effect that tests its direction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^(Z[1-3]|B[1-7]|C[1-7]|D[12]|K[1-7])$")
    statement: str = Field(min_length=1)
    experiment: str
    effect: str = Field(description="An effect label of the experiment's paired effects.")
    minus: str | None = Field(None, description="An effect subtracted pair by pair.")
    outcome: str
    direction: Literal["higher", "lower"]


class ClaimsFile(BaseModel):
    """The claims file: draws, town overrides, and the claims."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    draws: int = Field(ge=2, le=10_000)
    root_seed: int = Field(ge=0, description="Chooses the posterior points.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides for every run.")
    claims: tuple[Claim, ...] = Field(alias="claim", min_length=1)

    @property
    def experiments(self) -> list[str]:
        """The experiments the claims need, in first-mention order."""
        return list(dict.fromkeys(c.experiment for c in self.claims))


def load_claims(path: Path = CLAIMS_FILE) -> ClaimsFile:
    """Read and validate the claims file, and check every experiment it names."""
    try:
        claims = validate(ClaimsFile, read_toml(path), str(path))
    except InputError as exc:
        raise ExperimentError(str(exc)) from None
    for i, c in enumerate(claims.claims):
        exp = load_experiment(c.experiment)
        if exp.analysis not in PAIRED:
            raise ExperimentError(
                f"{path}: claim[{i}].experiment = {c.experiment!r}: analysis {exp.analysis!r} "
                f"has no paired effects (allowed: experiments whose analysis is "
                f"{', '.join(PAIRED)})"
            )
        if c.outcome not in {*exp.outcomes, "paired_drop", "paired_recovery", "welfare_mean_loss"}:
            raise ExperimentError(
                f"{path}: claim[{i}].outcome = {c.outcome!r} is not an outcome of "
                f"{c.experiment} (allowed: {', '.join(exp.outcomes)})"
            )
    return claims


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion (scipy's implementation)."""
    ci = stats.binomtest(successes, n).proportion_ci(CONFIDENCE, method="wilson")
    return float(ci.low), float(ci.high)


def claim_differences(diffs: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """The claim's paired differences (draw, unit, diff): its effect, minus another pair by
    pair when the claim compares two effects (e.g. informal vs formal, both vs none)."""
    own = diffs[(diffs["experiment"] == claim.experiment) & (diffs["outcome"] == claim.outcome)]
    pick = own[own["effect"] == claim.effect].set_index(["draw", "unit"])["diff"]
    if pick.empty:
        known = sorted(set(own["effect"]))
        raise ExperimentError(
            f"{CLAIMS_FILE.name}: claim {claim.id} effect {claim.effect!r} is not reported by "
            f"{claim.experiment} for {claim.outcome} (reported: {'; '.join(known[:12])})"
        )
    if claim.minus is not None:
        other = own[own["effect"] == claim.minus].set_index(["draw", "unit"])["diff"]
        if other.empty:
            raise ExperimentError(
                f"{CLAIMS_FILE.name}: claim {claim.id} minus {claim.minus!r} is not reported "
                f"by {claim.experiment}"
            )
        pick = (pick - other).dropna()
    return pick.rename("diff").reset_index()


def claim_row(claim: Claim, d: pd.DataFrame, seed: int) -> dict[str, Any]:
    """Share of draws in which the direction holds (Wilson CI), and the pooled effect."""
    sign = 1.0 if claim.direction == "higher" else -1.0
    per_draw = d.groupby("draw")["diff"].agg(["mean", "std", "count"])
    holds = sign * per_draw["mean"] > 0
    half = (
        stats.t.ppf(0.975, (per_draw["count"] - 1).clip(lower=1))
        * per_draw["std"]
        / np.sqrt(per_draw["count"])
    )
    significant = sign * per_draw["mean"] - half > 0
    low, high = wilson(int(holds.sum()), len(holds))
    pooled = pooled_effects(d.assign(effect=claim.effect, outcome=claim.outcome), seed=seed)
    p = pooled.iloc[0]
    return {
        "claim": claim.id,
        "statement": claim.statement,
        "experiment": claim.experiment,
        "effect": claim.effect + (f" minus ({claim.minus})" if claim.minus else ""),
        "outcome": claim.outcome,
        "direction": claim.direction,
        "draws": len(holds),
        "share_holds": float(holds.mean()),
        "share_low": low,
        "share_high": high,
        "share_significant": float(significant.mean()),
        "effect_mean": float(p["mean"]),
        "effect_low": float(p["ci_low"]),
        "effect_high": float(p["ci_high"]),
    }


def robustness_table(diffs: pd.DataFrame, claims: ClaimsFile, seed: int) -> pd.DataFrame:
    """One row per claim."""
    return pd.DataFrame([claim_row(c, claim_differences(diffs, c), seed) for c in claims.claims])


def markdown(table: pd.DataFrame) -> str:
    """The table as it is embedded in docs/EXPERIMENTS.md."""
    shown = pd.DataFrame(
        {
            "claim": table["claim"],
            "articles' direction": table["statement"],
            "tested by": [f"{r.experiment}: {r.effect}, {r.outcome}" for r in table.itertuples()],
            "share of draws where it holds [95 % CI]": [
                f"{r.share_holds:.2f} [{r.share_low:.2f}, {r.share_high:.2f}]"
                for r in table.itertuples()
            ],
            "significant in draw": [f"{v:.2f}" for v in table["share_significant"]],
            "pooled effect [95 % CI]": [
                f"{r.effect_mean:+.3g} [{r.effect_low:+.3g}, {r.effect_high:+.3g}]"
                for r in table.itertuples()
            ],
        }
    )
    return markdown_table(shown)


def prepare(
    posterior_file: Path, draws: int | None, out: Path, claims_file: Path = CLAIMS_FILE
) -> tuple[ClaimsFile, Posterior, int]:
    """Check every input before anything is written."""
    claims = load_claims(claims_file)
    k = claims.draws if draws is None else draws
    try:
        check_folder(out, "robustness", replaces=OUTPUT_FILES)
    except OutputRefusedError as exc:
        raise ExperimentError(str(exc)) from None
    posterior = read_posterior(posterior_file)
    check_draws(posterior, k)
    return claims, posterior, k


def run_robustness(
    claims: ClaimsFile,
    posterior: Posterior,
    k: int,
    out: Path,
    *,
    workers: int | None,
    progress: bool,
) -> tuple[pd.DataFrame, DrawRuns]:
    """Run every needed experiment for K draws (each with its own root seed), write the table."""
    out.mkdir(parents=True, exist_ok=True)
    mark(out, "robustness")
    exps = [load_experiment(n) for n in claims.experiments]
    points = choose_draws(posterior, k, claims.root_seed)  # the same points for every claim
    draws = {
        e.name: [replace(p, seed=draw_seed(e.root_seed, p.index)) for p in points] for e in exps
    }
    tasks = [
        (e, draws[e.name][i], out / "data" / e.name / points[i].folder)
        for i in range(k)
        for e in exps
    ]
    result = run_draws(
        tasks, quick=True, workers=workers, progress=progress, extra=claims.set, total=len(tasks)
    )
    table = robustness_table(result.diffs, claims, claims.root_seed)
    write_robustness(out, table, result=result, claims=claims, posterior=posterior, draws=draws)
    return table, result


def write_robustness(
    out: Path,
    table: pd.DataFrame,
    *,
    result: DrawRuns,
    claims: ClaimsFile,
    posterior: Posterior,
    draws: dict[str, Any],
) -> None:
    """robustness.csv / .md, every pooled effect, the draws and the manifest."""
    table.to_csv(out / "robustness.csv", index=False, float_format="%.6g")
    effects = pooled_effects(result.diffs, seed=claims.root_seed)
    effects.to_csv(out / "effects.csv", index=False, float_format="%.6g")
    pd.concat([draws_table(d).assign(experiment=name) for name, d in draws.items()]).to_csv(
        out / "draws.csv", index=False, float_format="%.17g"
    )
    fingerprint = model_fingerprint()
    head = [
        "# Robustness of the articles' claims under parameter uncertainty",
        "",
        f"{len(draws[next(iter(draws))])} posterior draws of `{posterior.path.name}` "
        f"(SHA-256 {posterior.sha256[:12]}..., {posterior.size} points); each experiment in "
        "its quick design"
        + (f" with {', '.join(f'{k} = {v}' for k, v in claims.set.items())}" if claims.set else "")
        + f"; {result.runs} model runs ({result.failed} failed) in {result.elapsed_s:.0f} s "
        f"({result.cpu_s:.0f} CPU s in the runs); "
        f"model source SHA-256 {fingerprint[:12]}...",
        "",
        "A claim *holds in a draw* when that draw's mean paired difference has the articles' "
        "sign; *significant in draw*: its seed-only 95 % t-interval excludes zero on that "
        "side. Share CI: Wilson score interval over draws. Pooled effect CI: two-stage "
        "bootstrap over draws, then the paired differences within each draw.",
        "",
    ]
    (out / "robustness.md").write_text(
        "\n".join(head) + "\n" + markdown(table) + "\n", encoding="utf-8"
    )
    manifest = {
        "claims_file": str(CLAIMS_FILE.name),
        "posterior": posterior.shown,
        "posterior_sha256": posterior.sha256,
        "draws": int(table["draws"].max()),
        "set": claims.set,
        "model_code_sha256": fingerprint,
        "runs": result.runs,
        "failed": result.failed,
        "elapsed_s": round(result.elapsed_s, 1),
        "model_cpu_s": round(result.cpu_s, 1),
        "written": now_iso(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def robustness_command(
    posterior_file: Path | None,
    draws: int | None,
    out: Path | None,
    *,
    workers: int | None,
    progress: bool,
) -> int:
    """Print the table's path and the runtime; exit 2 on bad input (nothing written)."""
    import sys

    folder = Path("results") / "robustness" if out is None else out
    try:
        claims, posterior, k = prepare(posterior_file or POSTERIOR_FILE, draws, folder)
    except ExperimentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        table, result = run_robustness(
            claims, posterior, k, folder, workers=workers, progress=progress
        )
    except RUN_FAILURES as exc:
        return report_failure(exc, folder)
    for r in table.itertuples():
        print(
            f"  {r.claim:<3} {r.share_holds:.2f} [{r.share_low:.2f}, {r.share_high:.2f}]  "
            f"{r.statement}"
        )
    print(
        f"robustness: {len(table)} claims, {k} draws, {result.runs} runs ({result.failed} "
        f"failed) in {time.perf_counter() - t0:.0f} s wall, {result.cpu_s:.0f} CPU s in the "
        f"runs -> {folder / 'robustness.md'}"
    )
    return 1 if result.failed else 0
