"""Summaries: Student-t intervals against a hand computation, Sobol' indices against a model
with a known answer, tables and figures on disk."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulation.runner import RunResult
from simulation.sweep import load_sweep, mean_ci, run_sweep, summarize
from simulation.sweep.cli import summarize_command
from simulation.sweep.encode import encode_records
from simulation.sweep.manifest import write_manifest
from simulation.sweep.store import RunStore

# Student t quantiles t(0.975, dof) from a printed table
T975 = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105}

# point -> (a, b, community_welfare values of its replicates; None = a failed run)
FIXTURE: dict[int, tuple[float, str, list[float | None]]] = {
    0: (0.1, "x", [1.0, 2.0, 3.0, 4.0]),
    1: (0.2, "x", [10.0, 12.0, None]),
    2: (0.1, "y", [5.0]),
    3: (0.2, "y", [7.0, 7.0, 7.0]),
}


def _fixture(root: Path) -> None:
    """A results folder written through the store, as a sweep would."""
    store = RunStore(root)
    store.prepare()
    records = []
    for pid, (a, b, values) in FIXTURE.items():
        for rep, v in enumerate(values):
            records.append(
                {
                    "run_id": f"{pid}-{rep}",
                    "point_id": pid,
                    "replicate": rep,
                    "seed": rep,
                    "factors": {"a": a, "b": b},
                    "status": "ok" if v is not None else "failed",
                    "error": None if v is not None else "ValueError: x",
                    "outcomes": None if v is None else {"community_welfare": v, "gini": v / 10},
                    "duration_s": 0.1,
                    "finished_at": time.time(),
                    "worker": "w",
                }
            )
    for i in range(0, len(records), 3):  # parts of three runs, as workers would send them
        store.write(encode_records(records[i : i + 3], {"a": "float", "b": "str"}))
    write_manifest(
        root / "_manifest.json",
        {
            "name": "fixture",
            "method": "grid",
            "factors": ["a", "b"],
            "outcome_order": ["community_welfare", "gini"],
            "n_points": 4,
            "n_runs": 11,
            "replications": 4,
            "steps": 1,
            "root_seed": 0,
            "base": "none",
        },
    )


def hand(values: list[float], dof_t: dict[int, float] = T975) -> tuple[float, float, float]:
    """Mean and 95% interval by hand: mean, sample variance, t quantile from the table."""
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = dof_t[n - 1] * math.sqrt(var) / math.sqrt(n)
    return mean, mean - half, mean + half


def test_mean_ci_matches_hand_computation() -> None:
    n, mean, sd, lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0, float("nan")])
    assert n == 4 and mean == 2.5 and sd == pytest.approx(math.sqrt(5 / 3), rel=1e-12)
    # 3.182446305 * sqrt(5/3) / 2 = 2.0542603
    assert (lo, hi) == pytest.approx((2.5 - 2.0542603, 2.5 + 2.0542603), abs=1e-6)
    assert (mean, lo, hi) == pytest.approx(hand([1.0, 2.0, 3.0, 4.0]), rel=1e-9)
    assert all(math.isnan(x) for x in mean_ci([3.0])[2:])


def test_summary_tables_match_hand_computation(tmp_path: Path) -> None:
    _fixture(tmp_path)
    s = summarize(tmp_path)
    cw = s.by_point[s.by_point["outcome"] == "community_welfare"].set_index("point_id")
    for pid, (_, _, values) in FIXTURE.items():
        ok = [v for v in values if v is not None]
        row = cw.loc[pid]
        assert row["n"] == len(ok)
        assert row["failed"] == len(values) - len(ok)
        if len(ok) > 1:
            mean, lo, hi = hand(ok)
            assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx(
                (mean, lo, hi), rel=1e-8
            )
        else:
            assert row["mean"] == ok[0] and math.isnan(row["ci_low"])
    assert cw.loc[3, "ci_low"] == cw.loc[3, "ci_high"] == 7.0  # no spread, no width
    gini = s.by_point[s.by_point["outcome"] == "gini"].set_index("point_id")
    assert gini.loc[0, "mean"] == pytest.approx(0.25)

    # pooled by factor level: a = 0.1 holds 1, 2, 3, 4, 5; a = 0.2 holds 10, 12, 7, 7, 7
    assert s.by_level is not None
    lv = s.by_level[(s.by_level["outcome"] == "community_welfare") & (s.by_level["factor"] == "a")]
    lv = lv.set_index("level")
    for level, values in ((0.1, [1.0, 2.0, 3.0, 4.0, 5.0]), (0.2, [10.0, 12.0, 7.0, 7.0, 7.0])):
        mean, lo, hi = hand(values)
        assert (lv.loc[level, "mean"], lv.loc[level, "ci_low"], lv.loc[level, "ci_high"]) == (
            pytest.approx((mean, lo, hi), rel=1e-8)
        )
    by_b = s.by_level[(s.by_level["outcome"] == "gini") & (s.by_level["factor"] == "b")]
    assert by_b.set_index("level").loc["y", "mean"] == pytest.approx((5 + 7 + 7 + 7) / 40)

    out = tmp_path / "summary"
    csv = pd.read_csv(out / "by_point.csv")
    assert len(csv) == 8 and set(csv["outcome"]) == {"community_welfare", "gini"}
    md = (out / "summary.md").read_text()
    mean, lo, hi = hand([1.0, 2.0, 3.0, 4.0])
    assert f"2.5 [{lo:.4g}, {hi:.4g}]" in md
    assert "1 failed runs are excluded" in md
    figures = {p.name for p in (out / "figures").glob("*.png")}
    assert {"main_effects.png", "heatmap_community_welfare.png", "heatmap_gini.png"} <= figures
    assert all((out / "figures" / f).stat().st_size > 5000 for f in figures)


def test_summarize_command_on_a_folder_without_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert summarize_command(tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}: no readable _manifest.json")
    _fixture(tmp_path)
    assert summarize_command(tmp_path) == 0
    assert "summary.md" in capsys.readouterr().out


def additive_run(params: dict[str, Any], **kw: Any) -> RunResult:
    """A stand-in with a known variance decomposition: welfare depends on trust_gain only,
    gini on funding_volatility only."""
    x1, x2 = params["trust_gain"], params["funding_volatility"]
    return RunResult(
        outcomes={"community_welfare": 4.0 * x1 + 0.01 * x2, "gini": x2**2, "coverage": 0.5},
        series=None,
    )


SOBOL = """\
name = "sobol-known"
base = "{base}"
steps = 2
replications = 2
root_seed = 9

[design]
method = "sobol"
samples = 64

[factors.trust_gain]
low = 0.0
high = 0.3

[factors.funding_volatility]
low = 0.0
high = 0.5
"""


def test_sobol_indices_recover_a_known_decomposition(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SOBOL.format(base="default"))
    report = run_sweep(
        load_sweep(path), tmp_path / "out", workers=0, run_fn=additive_run, progress=False
    )
    assert report.total == 64 * 4 * 2 and report.failed == 0
    s = report.summary
    assert s is not None and s.sobol is not None
    t = s.sobol.set_index(["outcome", "factor"])
    assert t.loc[("community_welfare", "trust_gain"), "S1"] == pytest.approx(1.0, abs=0.1)
    assert t.loc[("community_welfare", "funding_volatility"), "ST"] == pytest.approx(0, abs=0.02)
    assert t.loc[("gini", "funding_volatility"), "S1"] == pytest.approx(1.0, abs=0.1)
    assert t.loc[("gini", "trust_gain"), "ST"] == pytest.approx(0, abs=0.02)
    assert (t["S1_conf"] >= 0).all()
    assert "coverage skipped: the outcome never varies" in " ".join(s.notes)
    out = tmp_path / "out" / "summary"
    assert set(pd.read_csv(out / "sobol.csv")["factor"]) == {"trust_gain", "funding_volatility"}
    assert (out / "figures" / "sobol.png").exists()
    assert (out / "figures" / "design_points.png").exists()
    assert "## Sobol' indices" in (out / "summary.md").read_text()


def test_summary_of_a_real_model_sweep_with_series(tmp_path: Path) -> None:
    (tmp_path / "small.toml").write_text(
        'name = "small"\nsteps = 6\nseed = 1\n[model]\nn_citizens = 60\n'
    )
    (tmp_path / "g.toml").write_text(
        'name = "g"\nbase = "small.toml"\nreplications = 3\nroot_seed = 2\n'
        "[factors.formal_share]\nvalues = [0.0, 1.0]\n"
        '[outputs]\nseries_every = 2\nhighlight = ["community_welfare", "active_partnerships"]\n'
    )
    report = run_sweep(load_sweep(tmp_path / "g.toml"), tmp_path / "out", workers=0, progress=False)
    s = report.summary
    assert s is not None and s.highlight == ["community_welfare", "active_partnerships"]
    figures = {p.name for p in (tmp_path / "out" / "summary" / "figures").glob("*.png")}
    assert figures == {"by_formal_share.png", "series.png"}
    cw = s.by_point[s.by_point["outcome"] == "community_welfare"]
    assert list(cw["n"]) == [3, 3] and np.isfinite(cw["ci_low"]).all()


def _printed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Collect every figure the summary saves, by file name."""
    import simulation.plots

    saved: dict[str, Any] = {}
    real = simulation.plots.save

    def keep(fig: Any, path: Path) -> Path:
        saved[path.name] = fig
        return real(fig, path)

    monkeypatch.setattr(simulation.plots, "save", keep)
    return saved


def test_summary_figures_are_printable_at_a4_width(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulation.plots import PRINT_WIDTH_IN, print_problems

    saved = _printed(monkeypatch)
    _fixture(tmp_path)
    summarize(tmp_path)
    path = tmp_path / "sobol.toml"
    path.write_text(SOBOL.format(base="default"))
    run_sweep(load_sweep(path), tmp_path / "out", workers=0, run_fn=additive_run, progress=False)
    assert {"main_effects.png", "heatmap_gini.png", "sobol.png", "design_points.png"} <= set(saved)
    for name, fig in saved.items():
        assert print_problems(fig) == [], name
        assert fig.get_figwidth() <= PRINT_WIDTH_IN + 1e-9, name


def test_resilience_sweep_with_series_and_few_points_is_summarized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Highlighted outcomes that are numbers per run (welfare_drop, recovery_time) are not
    series: the series figure shows the kept series instead of failing with a KeyError."""
    saved = _printed(monkeypatch)
    (tmp_path / "shock.toml").write_text(
        'name = "shock"\nsteps = 8\nseed = 1\n[model]\nn_citizens = 60\n'
        '[[shocks]]\nstep = 3\nkind = "funding_cut"\nsectors = ["ngo"]\n'
        "magnitude = 0.6\nduration = 2\n"
    )
    (tmp_path / "r.toml").write_text(
        'name = "r"\nbase = "shock.toml"\nreplications = 2\nroot_seed = 2\n'
        '[design]\nmethod = "lhs"\nsamples = 3\n'
        "[factors.trust_gain]\nlow = 0.02\nhigh = 0.3\n"
        '[outputs]\noutcomes = ["welfare_drop", "recovery_time", "welfare_mean", '
        '"community_welfare"]\nhighlight = ["welfare_drop", "recovery_time", "welfare_mean"]\n'
        'series_every = 2\nseries = ["community_welfare"]\n'
    )
    report = run_sweep(load_sweep(tmp_path / "r.toml"), tmp_path / "out", workers=0, progress=False)
    assert report.summary is not None
    fig = saved["series.png"]
    assert [ax.get_ylabel() for ax in fig.axes] == ["community_welfare"]


def test_series_of_many_points_are_split_or_said_to_be_left_out(tmp_path: Path) -> None:
    from simulation.sweep.summary import MAX_SERIES_FIGURES, SERIES_PER_FIGURE, _series_pages

    (tmp_path / "small.toml").write_text(
        'name = "small"\nsteps = 4\nseed = 1\n[model]\nn_citizens = 60\n'
    )
    (tmp_path / "g.toml").write_text(
        'name = "g"\nbase = "small.toml"\nreplications = 1\nroot_seed = 2\n'
        "[factors.formal_share]\nvalues = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]\n"
        '[outputs]\nseries_every = 2\nhighlight = ["community_welfare"]\n'
    )
    report = run_sweep(load_sweep(tmp_path / "g.toml"), tmp_path / "out", workers=0, progress=False)
    figures = {p.name for p in (tmp_path / "out" / "summary" / "figures").glob("series*.png")}
    assert figures == {"series_1.png", "series_2.png"}  # 10 points, 8 a figure
    md = (tmp_path / "out" / "summary" / "summary.md").read_text()
    assert "split over 2 figures" in md
    assert report.summary is not None
    assert _series_pages(SERIES_PER_FIGURE * MAX_SERIES_FIGURES) == MAX_SERIES_FIGURES
    assert _series_pages(SERIES_PER_FIGURE * MAX_SERIES_FIGURES + 1) == 0  # then a note says so
