"""Experiments: definitions load, statistics are right on known inputs, and one quick
experiment runs end to end and `--check` catches a changed number."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from helpers import written_by_another_model

from simulation import shipped
from simulation.experiments.analysis import paired_resilience
from simulation.experiments.check import COUNTS, compare, read_summary
from simulation.experiments.cli import check_command, experiment_command
from simulation.experiments.definition import list_experiments, load_experiment, variant
from simulation.experiments.pipeline import results_folder, run_and_report
from simulation.experiments.stats import paired_effect, stable_replications


def test_all_seven_definitions_load_with_quick_variants() -> None:
    exps = list_experiments()
    assert len(exps) == 7
    for e in exps:
        full, quick = variant(e, False), variant(e, True)
        assert quick["replications"] <= full["replications"]
        assert e.one_line and e.claims


def test_list_prints_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert experiment_command(None, list_=True) == 0
    out = capsys.readouterr().out
    assert all(e.name in out for e in list_experiments())


def test_unknown_experiment_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert experiment_command("no-such-experiment") == 2
    assert "no such experiment" in capsys.readouterr().err


def test_paired_effect_on_known_differences() -> None:
    ref = pd.Series([1.0, 2.0, 3.0, 4.0])
    eff = paired_effect(ref + 1.0 + np.array([0.1, -0.1, 0.1, -0.1]), ref)
    assert eff["diff"] == pytest.approx(1.0)
    assert eff["diff_low"] < 1.0 < eff["diff_high"]
    assert eff["cohen_d"] == pytest.approx(1.0 / ref.std(), rel=0.1)


def test_replication_criterion_needs_a_stable_tail() -> None:
    rng = np.random.default_rng(1)
    stable = stable_replications(10 + rng.normal(0, 1, 60))
    assert stable["met"] == 1.0 and stable["n_stable"] < 45
    drifting = stable_replications(np.r_[10 + rng.normal(0, 1, 9), 40.0])  # late outlier
    assert drifting["met"] == 0.0


def test_paired_resilience_measures_gap_to_unshocked_run() -> None:
    steps = np.arange(0, 21)
    calm = pd.DataFrame({"step": steps, "community_welfare": np.full(21, 0.5)})
    w = np.full(21, 0.5)
    w[11:14] = [0.4, 0.45, 0.498]  # shock at month 10: 20 % gap, closed at month 13
    shocked = pd.DataFrame({"step": steps, "community_welfare": w})
    drop, months, censored, _ = paired_resilience(shocked, calm, 10)
    assert drop == pytest.approx(0.2)
    assert months == 3 and not censored


def test_compare_reports_each_changed_cell() -> None:
    df = pd.DataFrame(
        {
            "table": ["a", "a", "b"],
            "row": ["x", "y", "x"],
            "outcome": ["o"] * 3,
            "statistic": ["mean"] * 3,
            "value": [0.1, math.nan, 2.0],
        }
    )
    changed = df.copy()
    changed.loc[2, "value"] = np.nextafter(2.0, 3.0)  # one ulp: bitwise check must see it
    verdicts = {v.table: v for v in compare(df, changed, rtol=0.0)}
    assert verdicts["a"].ok
    assert not verdicts["b"].ok and len(verdicts["b"].differing) == 1
    assert compare(df, changed)[1].ok  # within the floating-point tolerance
    assert "within floating-point tolerance" in compare(df, changed)[1].line()


def _references() -> list[Path]:
    from simulation.experiments.check import reference_path

    paths = []
    for e in list_experiments():
        paths += [reference_path(e, True), reference_path(e, False)]
    return [p for p in paths if p.is_file()]


@pytest.mark.parametrize("path", _references(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check_passes_last_bit_noise_and_catches_a_real_change(path: Path) -> None:
    """On every committed summary: noise ten times larger than the largest difference
    another CPU's SIMD math produced (1e-12 of each value's scale) passes; a change of 1e-6
    in any one value in outcome units, or of 1 in a count, or a NaN, fails."""
    from simulation.experiments.check import scales

    committed = read_summary(path)
    rng = np.random.default_rng(0)
    floats = ~committed["statistic"].isin(COUNTS)  # counts do not depend on rounding
    noise = rng.uniform(-1e-12, 1e-12, len(committed)) * scales(committed).to_numpy()
    noisy = committed.copy()
    noisy.loc[floats, "value"] = committed["value"] + noise
    assert all(v.ok for v in compare(committed, noisy)), "last-bit noise must pass"

    in_units = committed["statistic"].isin(["mean", "sd", "diff", "ci_low", "diff_high", "S1"])
    cells = committed.index[in_units & np.isfinite(committed["value"])]
    for i in rng.choice(cells, size=min(8, len(cells)), replace=False):
        changed = committed.copy()
        changed.loc[i, "value"] += 1e-6
        bad = [v for v in compare(committed, changed) if not v.ok]
        assert len(bad) == 1 and len(bad[0].differing) == 1, committed.loc[i].to_dict()
    count = committed.index[committed["statistic"] == "n"][0]
    for wrong in (committed.loc[count, "value"] + 1, math.nan):
        changed = committed.copy()
        changed.loc[count, "value"] = wrong
        assert not all(v.ok for v in compare(committed, changed))


def test_quick_experiment_end_to_end_and_check(tmp_path, capsys) -> None:
    from simulation.experiments.check import reference_path, refresh_quick_reference

    exp = load_experiment("partnerships-welfare")
    out = results_folder(exp, True, tmp_path)
    res = run_and_report(exp, out, quick=True, workers=2, progress=False)
    assert res.data.failed == 0
    for name in ("summary.csv", "summary.md", "report.md", "manifest.json", "figures/means.png"):
        assert (out / name).is_file(), name
    assert list((out / "data" / "none" / "runs").glob("part-*.parquet"))
    summary = read_summary(out / "summary.csv")
    # the answer is computed, not written in: formal partnerships raise welfare_mean here
    formal = summary[
        (summary["table"] == "effects")
        & (summary["outcome"] == "welfare_mean")
        & (summary["row"].str.startswith("Formal"))
        & (summary["statistic"] == "diff")
    ]
    assert len(formal) == 1 and "welfare_mean" in (out / "report.md").read_text()

    # the full run writes the quick variant's reference (here: the runs are read back)
    reference = refresh_quick_reference(exp, tmp_path, workers=2, progress=False)
    assert reference == reference_path(exp, True, tmp_path) != out / "summary.csv"
    assert read_summary(reference).equals(summary)

    # an arm's runs written by another version of the model are run again, the rest reused
    written_by_another_model(out / "data" / "none")
    again = run_and_report(exp, out, quick=True, workers=2, progress=False).data.arms
    assert again["none"].reused == 0 and all(a.reused for n, a in again.items() if n != "none")
    assert read_summary(out / "summary.csv").equals(summary)

    # tamper with one committed number by 1e-6: --quick must leave the reference alone ...
    i = summary.index[(summary["table"] == "means") & (summary["statistic"] == "mean")][0]
    summary.loc[i, "value"] = summary.loc[i, "value"] + 1e-6
    summary.to_csv(reference, index=False, float_format="%.17g")
    tampered = reference.read_bytes()
    assert experiment_command(exp.name, quick=True, results_root=tmp_path, progress=False) == 0
    assert reference.read_bytes() == tampered
    capsys.readouterr()
    # ... and --check must re-run, match the rest, flag that one
    code = check_command("partnerships-welfare", True, 2, results_root=tmp_path, progress=False)
    text = capsys.readouterr().out
    assert code == 1
    assert "means" in text and "1 of" in text and "DIFFERS" in text
    assert "effects" in text and "match" in text  # the untouched tables reproduce
    assert "numpy SIMD targets: here " in text and "the reference's run not recorded" in text


def test_check_without_a_reference_is_bad_input(tmp_path, capsys, monkeypatch) -> None:
    real = shipped.folder  # the experiment definitions stay where they are; no results ship
    monkeypatch.setattr(
        shipped, "folder", lambda kind: tmp_path / "none" if kind == "results" else real(kind)
    )
    code = check_command("partnerships-welfare", True, 1, results_root=tmp_path, progress=False)
    assert code == 2
    assert "quick-reference.csv" in capsys.readouterr().err


def test_check_in_a_folder_without_results_compares_with_the_shipped_summary(
    tmp_path, capsys
) -> None:
    """Outside the repository (an installed wheel) the committed summaries ship with the
    package: `--check` finds them there."""
    code = check_command("trust-phase", True, 2, results_root=tmp_path, progress=False)
    out = capsys.readouterr().out
    assert code == 0 and "verdict: REPRODUCED" in out, out
    assert f"trust-phase{os.sep}quick-reference.csv" in out and str(tmp_path) not in out


def test_experiment_workers_exit_when_the_coordinator_is_killed(tmp_path: Path) -> None:
    """kill -9 of `partnership experiment` must not leave its worker processes behind."""
    script = tmp_path / "coordinator.py"
    script.write_text(
        "import os\n"
        "from simulation.experiments.execute import shared_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = shared_pool(1)\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    input()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        assert psutil.pid_exists(worker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not psutil.pid_exists(worker) or psutil.Process(worker).status() == "zombie":
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"worker {worker} outlived its killed coordinator")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_level_contrasts_are_paired_on_the_other_factors_and_the_replicate() -> None:
    """A small effect hidden under large replicate-to-replicate spread is recovered exactly
    by pairing runs that share the other factors' values and the seed."""
    from simulation.experiments.analysis import Analysis, _level_contrasts

    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1.0, 10)  # one draw per replicate: common random numbers
    rows = [
        {
            "a": a,
            "b": b,
            "replicate": r,
            "y": noise[r] + (5.0 if b == "y" else 0.0) + 0.01 * a + rng.normal(0.0, 1e-4),
        }
        for a in (0.0, 1.0)
        for b in ("x", "y")
        for r in range(10)
    ]
    a = Analysis()
    answers = _level_contrasts(a, pd.DataFrame(rows), ["a", "b"], ("y",), "y")
    table = pd.DataFrame(a.rows)
    diff = table[(table["row"] == "a: 1 - 0") & (table["statistic"] == "diff")]["value"]
    assert math.isclose(float(diff.iloc[0]), 0.01, abs_tol=1e-4)
    assert any(s.startswith("a: 1 - 0, paired: y +0.01") and s.endswith("higher.") for s in answers)
    assert any(s.startswith("b: y - x, paired: y +5") for s in answers)


# --- figures: honest and printable ------------------------------------------------------------


def _synthetic_frames(exp, factors: list[str]) -> dict[str, pd.DataFrame]:
    """Frames shaped as the analysis writes them, with made-up numbers."""
    rng = np.random.default_rng(3)
    arms = [a.label for a in exp.arms]
    ci = {"n": 5.0, "sd": 0.01}

    def stat(mid: float) -> dict[str, float]:
        return {**ci, "mean": mid, "ci_low": mid - 0.01, "ci_high": mid + 0.01}

    def eff(mid: float) -> dict[str, float]:
        return {"n": 5.0, "diff": mid, "diff_low": mid - 0.02, "diff_high": mid + 0.02}

    frames: dict[str, pd.DataFrame] = {}
    if exp.analysis == "compare":
        frames["means"] = pd.DataFrame(
            [
                {"arm": a, "outcome": o, **stat(rng.uniform(0.1, 0.9))}
                for a in arms
                for o in exp.outcomes
            ]
        )
        frames["effects"] = pd.DataFrame(
            [
                {
                    "arm": a,
                    "outcome": o,
                    **eff(rng.normal(0, 0.05)),
                    "cohen_d": 3.0,
                    "p_value": 0.01,
                }
                for a in arms[1:]
                for o in exp.outcomes
            ]
        )
    if exp.analysis == "grid":
        levels = {f: list(exp.arms[0].factors[f].values) for f in factors}
        grid = pd.MultiIndex.from_product(list(levels.values()), names=factors).to_frame(
            index=False
        )
        rows = [
            {
                **r,
                "point": str(r),
                "outcome": o,
                **stat(rng.uniform(0, 1)),
                **eff(rng.normal(0, 0.05)),
            }
            for r in grid.to_dict("records")
            for o in exp.outcomes
        ]
        frames["points"] = frames["gains"] = pd.DataFrame(rows)
    if exp.analysis == "shocks":
        labels = [a.label for a in exp.arms if a.counterfactual]
        frames["resilience"] = pd.DataFrame(
            [
                {"arm": a, "outcome": o, **stat(rng.uniform(0.05, 30))}
                for a in labels
                for o in ("paired_drop", "paired_recovery")
            ]
        )
        frames["gaps"] = pd.DataFrame(
            [
                {
                    "arm": a.label,
                    "shock": a.shock,
                    "replicate": r,
                    "month": m,
                    "gap": rng.uniform(0, 0.1),
                }
                for a in exp.arms
                if a.counterfactual
                for r in range(3)
                for m in range(61, 121)
            ]
        )
    if exp.analysis == "sobol":
        frames["sobol"] = pd.DataFrame(
            [
                {
                    "outcome": o,
                    "factor": f,
                    "S1": rng.uniform(-0.02, 0.5),
                    "S1_conf": 0.05,
                    "ST": rng.uniform(0, 0.6),
                    "ST_conf": 0.05,
                }
                for o in exp.outcomes
                for f in exp.arms[0].factors
            ]
        )
    return frames


@pytest.mark.parametrize("name", [e.name for e in list_experiments()])
def test_every_experiment_figure_is_printable_at_a4_width(name: str, tmp_path: Path) -> None:
    """Labels >= 8 pt at the A4 text width, bars from zero, width within the page, and the
    PNG at 150 dpi: checked on each figure the experiment draws."""
    from simulation.experiments.analysis import Analysis
    from simulation.experiments.figures import draw, figures
    from simulation.plots import DPI, PRINT_WIDTH_IN, print_problems

    exp = load_experiment(name)
    factors = list(exp.arms[0].factors)
    a = Analysis(frames=_synthetic_frames(exp, factors))
    figs = figures(exp, a, factors)
    assert figs, "no figure drawn"
    for file, fig in figs.items():
        assert print_problems(fig) == [], file
        assert fig.get_figwidth() <= PRINT_WIDTH_IN + 1e-9, file
    for path in draw(exp, a, factors, tmp_path):
        from PIL import Image

        with Image.open(path) as im:
            assert im.width == pytest.approx(DPI * PRINT_WIDTH_IN, abs=2), path.name


def test_effects_are_drawn_in_outcome_units_not_cohens_d() -> None:
    """K4's gain is larger than K2's although K2's Cohen's d is larger (a smaller SD): the
    effects figure must place K4 further right."""
    from simulation.experiments.analysis import Analysis
    from simulation.experiments.figures import figures

    exp = load_experiment("kinds-domains")
    frames = _synthetic_frames(exp, [])
    e = frames["effects"]
    for label, diff, d in (
        ("K2 government-community", 0.050, 13.1),
        ("K4 public-private", 0.058, 11.0),
    ):
        sel = (e["arm"] == label) & (e["outcome"] == "welfare_mean")
        e.loc[sel, ["diff", "diff_low", "diff_high", "cohen_d"]] = [
            diff,
            diff - 0.002,
            diff + 0.002,
            d,
        ]
    fig = figures(exp, Analysis(frames=frames), [])["effects.png"]
    ax = next(ax for ax in fig.axes if ax.get_title() == "welfare_mean")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    y = dict(zip(labels, ax.get_yticks(), strict=True))
    data_line = ax.containers[0].lines[0]  # the errorbar's dots, not its caps
    dots = dict(zip(data_line.get_ydata(), data_line.get_xdata(), strict=True))
    assert dots[y["K4 public-private"]] == pytest.approx(0.058)
    assert dots[y["K2 government-community"]] == pytest.approx(0.050)


def test_print_problems_catches_small_labels_wide_figures_crowded_ticks_and_cut_bars() -> None:
    from matplotlib.figure import Figure

    from simulation.plots import print_problems

    fig = Figure(figsize=(3.3, 2.8))
    ax = fig.subplots()
    ax.bar([0, 1], [0.123, 0.096])
    ax.set_ylim(0.09, 0.13)  # a Gini of 0.123 vs 0.096 would look threefold
    ax.set_title("gini", fontsize=6)
    problems = print_problems(fig)
    assert any("do not start at zero" in p for p in problems)
    assert any("'gini': 6.0 pt" in p for p in problems)
    wide = Figure(figsize=(16.8, 3.0))  # 10-pt labels shrink to 3.75 pt at A4 width
    wide.subplots().set_xlabel("trust_gain", fontsize=10)
    assert any("trust_gain" in p for p in print_problems(wide))
    crowded = Figure(figsize=(2.0, 2.0))
    crowded.subplots().set_xticks(range(10), [f"level {i}" for i in range(10)])
    assert any("x tick labels overlap" in p for p in print_problems(crowded))


def test_run_figure_is_printable_at_a4_width() -> None:
    """The figure `partnership run` writes, from a real (small) model run."""
    from simulation import PartnershipModel
    from simulation.plots import print_problems, run_figure

    model = PartnershipModel(rng=1, n_citizens=60)
    for _ in range(3):
        model.step()
    assert print_problems(run_figure(model.metrics_frame(), "small town (seed 1)")) == []
