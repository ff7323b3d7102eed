"""Writes `results/<name>/[quick/]`: summary.csv/.md, figures, report.md and manifest.json.

`summary.csv` is the long table `--check` compares; floats are written with 17 significant
digits so that reading it back gives bitwise the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

from simulation import numpy_dispatch
from simulation.experiments.analysis import Analysis
from simulation.experiments.check import FLOAT_RTOL
from simulation.experiments.definition import definition_path
from simulation.experiments.execute import ExperimentData
from simulation.experiments.stats import CV_TOLERANCE
from simulation.sweep.manifest import environment, model_fingerprint, now_iso
from simulation.sweep.summary import markdown_table

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PINNED = (
    "mesa",
    "numpy",
    "pandas",
    "scipy",
    "salib",
    "pyarrow",
    "numba",
    "networkx",
    "pydantic",
    "matplotlib",
)


def write_summary(a: Analysis, out: Path) -> Path:
    """The long summary table, bitwise round-trippable."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "summary.csv"
    a.summary.to_csv(path, index=False, float_format="%.17g")
    return path


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def pinned_versions() -> dict[str, str]:
    """Versions of the result-relevant packages as pinned in requirements.lock."""
    out: dict[str, str] = {}
    if LOCK.is_file():
        for line in LOCK.read_text().splitlines():
            name, _, ver = line.split("#")[0].strip().partition("==")
            if ver and name.lower() in PINNED:
                out[name.lower()] = ver.split(";")[0].strip()
    return out


def write_manifest(data: ExperimentData, out: Path, files: list[Path]) -> Path:
    """Provenance: definition, pinned and installed packages, git state, seeds, run counts."""
    exp = data.exp
    env = environment()
    manifest: dict[str, Any] = {
        "experiment": exp.name,
        "variant": "quick" if data.quick else "full",
        "written": now_iso(),
        "definition": f"experiments/{exp.name}.toml",
        "definition_sha256": _sha(definition_path(exp.name)),
        "requirements_lock_sha256": _sha(LOCK),
        "pinned_packages": pinned_versions(),
        "installed_packages": env["packages"],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy_simd": numpy_dispatch.enabled(),  # [] = baseline code paths on every CPU
        "cpu_pinning": env["cpu_pinning"],
        "git": env["git"],
        "model_code_sha256": model_fingerprint(),
        "root_seed": exp.root_seed,
        "common_random_numbers": True,
        "replications": data.replications,
        "steps": exp.steps,
        "runs": data.runs_total,
        "failed_runs": data.failed,
        "elapsed_s": round(data.elapsed_s, 1),
        "arms": {
            name: {
                "spec_hash": m.get("spec_hash"),
                "n_runs": m.get("n_runs"),
                "n_points": m.get("n_points"),
                "method": m.get("method"),
                "base": exp.arm(name).base,
                "data": f"data/{name}/",
            }
            for name, m in data.sweep_manifests.items()
        },
        "files": sorted(str(f.relative_to(out)) for f in files),
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def _design_lines(data: ExperimentData) -> list[str]:
    exp = data.exp
    from simulation.experiments.definition import variant

    var = variant(exp, data.quick)
    lines = [
        f"- variant: **{'quick' if data.quick else 'full'}**; {data.replications} replications "
        f"per condition; {exp.steps} months; root seed {exp.root_seed}; common random numbers "
        "(replicate r has the same seed in every arm and design point, so effects are paired)",
        f"- {data.runs_total} runs in {data.elapsed_s:.0f} s ({data.failed} failed"
        + (f"; {data.reused} read back from an earlier run of this model)" if data.reused else ")"),
        "",
        "| arm | base scenario | fixed overrides | factors |",
        "|---|---|---|---|",
    ]
    for arm in exp.arms:
        v = var["arms"][arm.name]
        sets = ", ".join(f"{k}={val}" for k, val in v["set"].items()) or "-"
        facs = (
            "; ".join(
                f"{k}: "
                + (
                    ", ".join(map(str, f["values"]))
                    if "values" in f
                    else f"[{f['low']}, {f['high']}]"
                )
                for k, f in v["factors"].items()
            )
            or "-"
        )
        if arm.method == "sobol" and v["factors"]:
            facs += f" (Sobol'/Saltelli, N = {v['samples']})"
        lines.append(f"| {arm.label} | `{arm.base}` | {sets} | {facs} |")
    return lines


def write_report(data: ExperimentData, a: Analysis, out: Path, figures: list[Path]) -> Path:
    """report.md (question, design, answer, tables, figures, caveats) and summary.md."""
    exp = data.exp
    cmd = f"partnership experiment {exp.name}" + (" --quick" if data.quick else "")
    lines = [
        f"# {exp.title}",
        "",
        f"**Question.** {exp.one_line}",
        "",
        f"**Claims tested:** {', '.join(exp.claims)}. "
        + (f"**What the articles say:** {' '.join(exp.expected.split())}" if exp.expected else ""),
        "",
        "## Answer",
        "",
        *[f"- {s}" for s in a.answers],
        "",
        "## Design",
        "",
        *_design_lines(data),
        "",
        "Outcomes: " + ", ".join(f"`{o}`" for o in exp.outcomes) + f" (primary `{exp.primary}`).",
        "Cells are means with 95 % Student-t CIs over replicates; effects are paired "
        "differences (common random numbers) with Cohen's d on the pooled SD. Figures show "
        "the differences in the outcome's own units with their CIs.",
        "",
        "### Number of replications",
        "",
        " ".join((exp.replication_criterion or "").split()),
        "",
    ]
    if a.replication is not None and not a.replication.empty:
        lines += [
            f"Criterion check on this run (CV of the primary outcome stable within "
            f"{CV_TOLERANCE:.0%} of its final value): ",
            "",
            markdown_table(a.replication.round(4)),
            "",
        ]
    results = []
    for title, table in a.tables.items():
        results += [f"### {title}", "", markdown_table(table), ""]
    if figures:
        results += ["### Figures", ""] + [f"![{f.stem}](figures/{f.name})" for f in figures]
        results.append("")
    lines += ["## Results", "", *results]
    lines += ["## Caveats", "", *[f"- {' '.join(c.split())}" for c in exp.caveats]]
    lines += [f"- {n}" for n in a.notes]
    lines += [
        "",
        "## Reproduce",
        "",
        f"    {cmd}            # writes this folder (data under data/, Parquet)",
        f"    {cmd} --check    # re-runs and compares with the committed "
        + (f"results/{exp.name}/quick-reference.csv" if data.quick else "summary.csv"),
        "",
        "Every x86-64 CPU runs numpy's same baseline code paths, so the runs are bitwise the "
        "same; the check still allows rounding noise from the C library's math (counts "
        f"exact, other values within {FLOAT_RTOL:g} of their scale; docs/EXPERIMENTS.md)."
        + (
            " The reference of the quick variant is written by the full run only, never by "
            "`--quick`."
            if data.quick
            else ""
        ),
        "",
        "Provenance (definition hash, pinned packages, git commit): `manifest.json`.",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    summary_md = [f"# {exp.title}: summary", "", *[f"- {s}" for s in a.answers], "", *results]
    (out / "summary.md").write_text("\n".join(summary_md), encoding="utf-8")
    return path
