"""Experiments under parameter uncertainty: draws from a calibration posterior, common random
numbers within a draw, the hierarchical CI, the robustness table, and bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.experiments.cli import experiment_command
from simulation.experiments.definition import ExperimentError, load_experiment
from simulation.experiments.draws import choose_draws, read_posterior, with_draw
from simulation.experiments.posterior_runs import run_draws
from simulation.experiments.robustness import (
    Claim,
    claim_differences,
    claim_row,
    load_claims,
    prepare,
    wilson,
)
from simulation.experiments.uncertainty import hierarchical_bootstrap, pooled_effects
from simulation.params import plausible_ranges

TINY = """
name = "{name}"
title = "tiny"
question = "Do partnerships raise welfare in a tiny town?"
claims = ["Z1"]
analysis = "{analysis}"
primary = "welfare_mean"
outcomes = ["welfare_mean", "coverage"]
reference = "none"
replications = 2
root_seed = 7
steps = {steps}

[[arm]]
name = "none"
label = "No partnerships"
base = "{none}"
{none_extra}
[[arm]]
name = "with"
label = "Partnerships"
base = "{with_}"
{with_extra}
[quick]
replications = 2
set = {{ n_citizens = 60 }}
"""


def tiny_experiment(folder: Path, name: str = "tiny-compare") -> Path:
    """A compare experiment small enough to run in a test."""
    path = folder / f"{name}.toml"
    path.write_text(
        TINY.format(
            name=name,
            analysis="compare",
            steps=8,
            none="baseline",
            with_="default",
            none_extra="",
            with_extra="",
        )
    )
    return path


def tiny_posterior(path: Path, rows: int = 6) -> Path:
    """A posterior file shaped like the calibration's, with values inside the priors."""
    ranges = plausible_ranges()
    rng = np.random.default_rng(3)
    names = ["join_chance", "partnering_rate", "max_members"]
    data: dict[str, object] = {"point_id": np.arange(rows) * 10 + 1, "distance": rng.random(rows)}
    for n in names:
        low, high = ranges[n]
        data[n] = rng.uniform(low, high, rows)
    pd.DataFrame(data).to_parquet(path, index=False)
    return path


# --- draws -----------------------------------------------------------------------------------


def test_draws_are_reproducible_and_without_repeats(tmp_path: Path) -> None:
    post = read_posterior(tiny_posterior(tmp_path / "p.parquet"))
    a = choose_draws(post, 4, root_seed=11)
    b = choose_draws(post, 4, root_seed=11)
    c = choose_draws(post, 4, root_seed=12)
    assert [d.point_id for d in a] == [d.point_id for d in b]
    assert [d.seed for d in a] == [d.seed for d in b]
    assert len({d.point_id for d in a}) == 4
    assert len({d.seed for d in a}) == 4  # each draw its own seeds
    assert [d.point_id for d in a] != [d.point_id for d in c] or [d.seed for d in a] != [
        d.seed for d in c
    ]
    assert isinstance(a[0].parameters["max_members"], int)  # integer parameters rounded
    more = choose_draws(post, 6, root_seed=11)
    assert [(d.point_id, d.seed) for d in more[:4]] == [(d.point_id, d.seed) for d in a]


def test_draws_follow_the_adjusted_posteriors_weights(tmp_path: Path) -> None:
    """Rows are drawn in proportion to the regression adjustment's weights; weight 0 never."""
    path = tiny_posterior(tmp_path / "p.parquet")
    frame = pd.read_parquet(path)
    frame["weight"] = [0.0, 1.0, 1.0, 1.0, 1.0, 20.0]
    frame.to_parquet(path, index=False)
    post = read_posterior(path)
    assert post.size == 5
    firsts = [choose_draws(post, 2, root_seed=s)[0].point_id for s in range(300)]
    heavy, zero = int(frame["point_id"].iloc[5]), int(frame["point_id"].iloc[0])
    assert firsts.count(heavy) > 200  # 20 / 24 of first picks expected
    every = [d.point_id for s in range(50) for d in choose_draws(post, 5, root_seed=s)]
    assert zero not in every
    a, more = choose_draws(post, 3, root_seed=9), choose_draws(post, 5, root_seed=9)
    assert [d.point_id for d in more[:3]] == [d.point_id for d in a]
    with pytest.raises(ExperimentError, match="allowed: 2 to 5"):
        choose_draws(post, 6, root_seed=9)


def test_draw_parameters_yield_to_what_defines_an_arm(tmp_path: Path) -> None:
    exp = load_experiment(tiny_experiment(tmp_path))
    post = read_posterior(tiny_posterior(tmp_path / "p.parquet"))
    draw = choose_draws(post, 2, exp.root_seed)[0]
    drawn = with_draw(exp, draw)
    assert drawn.root_seed == draw.seed
    none, with_ = drawn.arm("none"), drawn.arm("with")
    assert "partnering_rate" not in none.set  # the baseline scenario sets it to 0 itself
    assert with_.set["partnering_rate"] == draw.parameters["partnering_rate"]
    assert with_.set["join_chance"] == none.set["join_chance"] == draw.parameters["join_chance"]


def test_arms_of_a_draw_share_seeds_and_draws_differ(tmp_path: Path) -> None:
    exp = load_experiment(tiny_experiment(tmp_path))
    post = read_posterior(tiny_posterior(tmp_path / "p.parquet"))
    draws = choose_draws(post, 2, exp.root_seed)
    tasks = [(exp, d, tmp_path / "out" / d.folder) for d in draws]
    result = run_draws(tasks, quick=True, workers=None, progress=False, total=2)
    seeds = {}
    for d in draws:
        for arm in ("none", "with"):
            runs = pd.read_parquet(tmp_path / "out" / d.folder / "data" / arm / "runs")
            seeds[d.index, arm] = sorted(runs["seed"])
        assert seeds[d.index, "none"] == seeds[d.index, "with"]  # common random numbers
    assert seeds[0, "none"] != seeds[1, "none"]  # independent draws
    assert result.failed == 0
    assert set(result.diffs["draw"]) == {0, 1}
    assert set(result.diffs["effect"]) == {"Partnerships - No partnerships"}
    assert len(result.diffs) == 2 * 2 * 2  # draws x replicates x outcomes


# --- the CI ----------------------------------------------------------------------------------


def test_hierarchical_ci_widens_with_the_spread_between_draws() -> None:
    rng = np.random.default_rng(0)
    noise = [rng.normal(0.0, 0.01, 10) for _ in range(8)]
    alike = [n + 1.0 for n in noise]
    apart = [n + 1.0 + shift for n, shift in zip(noise, np.linspace(-0.5, 0.5, 8), strict=True)]
    a = hierarchical_bootstrap(alike, np.random.default_rng(1))
    b = hierarchical_bootstrap(apart, np.random.default_rng(1))
    width_a = np.subtract(*np.quantile(a, [0.975, 0.025]))
    width_b = np.subtract(*np.quantile(b, [0.975, 0.025]))
    assert width_a < 0.02  # seeds only: about 4 standard errors of 80 values of SD 0.01
    assert width_b > 10 * width_a  # parameter uncertainty dominates
    assert np.quantile(b, 0.025) < 1.0 < np.quantile(b, 0.975)


def test_pooled_effect_is_the_mean_of_draw_means_and_reproducible() -> None:
    diffs = pd.DataFrame(
        {
            "effect": "e",
            "outcome": "o",
            "draw": [0, 0, 0, 1],
            "unit": ["0", "1", "2", "0"],
            "diff": [1.0, 1.0, 1.0, -1.0],
        }
    )
    a = pooled_effects(diffs, seed=5, reps=500)
    b = pooled_effects(diffs, seed=5, reps=500)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert row["mean"] == 0.0  # draws weigh equally, not pairs
    assert row["share_draws_positive"] == row["share_draws_negative"] == 0.5
    assert row["ci_low"] == -1.0 and row["ci_high"] == 1.0


# --- the robustness table --------------------------------------------------------------------


def test_wilson_interval() -> None:
    low, high = wilson(18, 20)
    assert low == pytest.approx(0.699, abs=1e-3)
    assert high == pytest.approx(0.972, abs=1e-3)


def test_claim_share_counts_draws_in_the_articles_direction() -> None:
    rows = []
    for draw, mean in enumerate([0.2, 0.1, -0.1, 0.3]):
        for unit in range(3):
            rows += [
                {
                    "experiment": "x",
                    "effect": "a",
                    "outcome": "w",
                    "draw": draw,
                    "unit": str(unit),
                    "diff": mean + 0.01 * unit,
                },
                {
                    "experiment": "x",
                    "effect": "b",
                    "outcome": "w",
                    "draw": draw,
                    "unit": str(unit),
                    "diff": 2 * mean,
                },
            ]
    diffs = pd.DataFrame(rows)
    up = Claim(id="Z1", statement="s", experiment="x", effect="a", outcome="w", direction="higher")
    row = claim_row(up, claim_differences(diffs, up), seed=1)
    assert row["share_holds"] == 0.75 and row["draws"] == 4
    assert row["share_low"] < 0.75 < row["share_high"]
    less = Claim(
        id="D2",
        statement="s",
        experiment="x",
        effect="a",
        minus="b",
        outcome="w",
        direction="lower",
    )
    d = claim_differences(diffs, less)  # a - b = -mean + 0.01 unit: lower where mean > 0.01
    assert claim_row(less, d, seed=1)["share_holds"] == 0.75
    missing = Claim(
        id="Z1", statement="s", experiment="x", effect="nope", outcome="w", direction="higher"
    )
    with pytest.raises(ExperimentError, match="nope"):
        claim_differences(diffs, missing)


def test_shipped_claims_file_is_valid() -> None:
    claims = load_claims()
    ids = {c.id for c in claims.claims}
    assert {"Z1", "Z2", "Z3", "C1", "C2", "C3", "C4", "C6", "C7", "B2", "B3"} <= ids
    assert "sobol-levers" not in claims.experiments


# --- bad input: one line, exit 2, nothing written --------------------------------------------


@pytest.mark.parametrize(
    ("case", "draws", "expected"),
    [
        ("missing", 2, "file not found"),
        ("text", 2, "not a Parquet file"),
        ("columns", 2, "no column distance"),
        ("range", 2, "outside its prior"),
        ("good", 1, "allowed: 2 to 6"),
        ("good", 7, "allowed: 2 to 6"),
        ("fifo", 2, "not a regular file"),
        ("weight", 2, "column weight: finite values >= 0"),
        ("weight-text", 2, "column weight: type"),
    ],
)
def test_bad_posterior_input_exit_2_nothing_written(  # noqa: PLR0917 (pytest fixtures)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
    draws: int,
    expected: str,
) -> None:
    import os

    monkeypatch.chdir(tmp_path)
    tiny_experiment(tmp_path)
    path = tmp_path / f"{case}.parquet"
    if case in ("good", "range", "columns", "weight", "weight-text"):
        tiny_posterior(path)
    if case == "text":
        path.write_text("not parquet")
    if case == "fifo":
        os.mkfifo(path)
    if case == "columns":
        pd.read_parquet(path).drop(columns="distance").to_parquet(path)
    if case.startswith("weight"):
        frame = pd.read_parquet(path)
        frame["weight"] = [1.0, -0.5, 1.0, 1.0, 1.0, 1.0] if case == "weight" else "heavy"
        frame.to_parquet(path)
    if case == "range":
        frame = pd.read_parquet(path)
        frame.loc[2, "join_chance"] = 7.0
        frame.to_parquet(path)
    before = sorted(tmp_path.rglob("*"))
    code = experiment_command(
        str(tmp_path / "tiny-compare.toml"),
        quick=True,
        posterior=path,
        draws=draws,
        results_root=tmp_path / "results",
        progress=False,
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and expected in err[0] and str(path.name) in err[0]
    assert sorted(tmp_path.rglob("*")) == before


def test_draws_without_posterior_and_sobol_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "results"
    assert experiment_command("partnerships-welfare", draws=3, results_root=root) == 2
    assert "--draws" in capsys.readouterr().err
    post = tiny_posterior(tmp_path / "p.parquet")
    code = experiment_command(
        "sobol-levers", posterior=post, draws=2, results_root=root, progress=False
    )
    assert code == 2
    assert "allowed with --posterior: compare, grid, shocks" in capsys.readouterr().err
    assert not root.exists()


def test_robustness_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    post = tiny_posterior(tmp_path / "p.parquet")
    with pytest.raises(ExperimentError, match="refusing to write there"):
        prepare(post, 2, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


# --- end to end ------------------------------------------------------------------------------


def test_quick_posterior_experiment_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "results"
    exp = tiny_experiment(tmp_path)
    post = tiny_posterior(tmp_path / "p.parquet")
    code = experiment_command(
        str(exp), quick=True, posterior=post, draws=2, results_root=root, progress=False
    )
    assert code == 0, capsys.readouterr().err
    out = root / "tiny-compare" / "quick" / "posterior"
    effects = pd.read_csv(out / "effects.csv")
    assert set(effects["outcome"]) == {"welfare_mean", "coverage"}
    assert (effects["ci_low"] <= effects["mean"]).all()
    assert (effects["mean"] <= effects["ci_high"]).all()
    assert "hierarchical" in (out / "report.md").read_text()
    assert len(pd.read_csv(out / "draws.csv")) == 2
    assert not (root / "tiny-compare" / "summary.csv").exists()  # the reference untouched


# --- resilience by shock composition ---------------------------------------------------------

SHOCK = """
name = "{name}"
steps = 10
seed = 1

[model]
{model}

[[shocks]]
step = 4
kind = "funding_cut"
sectors = ["ngo", "community", "government"]
magnitude = 0.9
duration = 3
"""

SHOCKS_EXPERIMENT = """
name = "tiny-shocks"
title = "tiny shocks"
question = "Does the cut's composition matter?"
claims = ["Z1", "C4"]
analysis = "shocks"
primary = "welfare_mean"
outcomes = ["welfare_mean"]
replications = 2
root_seed = 5
steps = 10

[[arm]]
name = "with-calm"
label = "With, calm"
base = "default"
group = "with"

[[arm]]
name = "with-cut"
label = "With, cut"
base = "{with_cut}"
group = "with"
shock = "cut"
counterfactual = "with-calm"
factors."shock.sectors" = {{ values = [["ngo"], ["government", "business"]] }}

[[arm]]
name = "without-calm"
label = "Without, calm"
base = "baseline"
group = "without"

[[arm]]
name = "without-cut"
label = "Without, cut"
base = "{without_cut}"
group = "without"
shock = "cut"
counterfactual = "without-calm"
factors."shock.sectors" = {{ values = [["ngo"], ["government", "business"]] }}

[quick]
replications = 2
set = {{ n_citizens = 60 }}
"""


def test_shock_resilience_is_reported_by_the_sectors_the_cut_hits(tmp_path: Path) -> None:
    from simulation.experiments.analysis import analyze
    from simulation.experiments.execute import run_experiment
    from simulation.experiments.uncertainty import paired_differences

    with_cut = tmp_path / "with-cut.toml"
    with_cut.write_text(SHOCK.format(name="with-cut", model=""))
    without_cut = tmp_path / "without-cut.toml"
    without_cut.write_text(SHOCK.format(name="without-cut", model="partnering_rate = 0.0"))
    path = tmp_path / "tiny-shocks.toml"
    path.write_text(SHOCKS_EXPERIMENT.format(with_cut=with_cut, without_cut=without_cut))
    exp = load_experiment(path)
    data = run_experiment(exp, tmp_path / "out", quick=True, workers=None, progress=False)
    a = analyze(data)
    rows = a.summary[a.summary["table"] == "with_minus_without"]
    assert set(rows["row"]) == {
        "cut, shock.sectors=ngo",
        "cut, shock.sectors=government+business",
    }
    resilience = set(a.summary[a.summary["table"] == "resilience"]["row"])
    assert "With, cut [shock.sectors=ngo]" in resilience
    assert "Without, cut [shock.sectors=government+business]" in resilience
    # each composition's drop is its own: the two compositions' runs differ
    drops = a.summary[
        (a.summary["table"] == "resilience")
        & (a.summary["outcome"] == "paired_drop")
        & (a.summary["statistic"] == "mean")
    ].set_index("row")["value"]
    assert (
        drops["With, cut [shock.sectors=ngo]"]
        != drops["With, cut [shock.sectors=government+business]"]
    )
    effects = set(paired_differences(data)["effect"])
    assert "with - without partnerships: cut, shock.sectors=ngo" in effects
    assert "With, cut [shock.sectors=ngo] - With, calm" in effects


def test_robustness_command_bad_input_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulation.experiments.robustness import robustness_command

    out = tmp_path / "robustness"
    for posterior, draws, expected in [
        (tmp_path / "absent.parquet", None, "file not found"),
        (tiny_posterior(tmp_path / "p.parquet"), 99, "allowed: 2 to 6"),
    ]:
        code = robustness_command(posterior, draws, out, workers=None, progress=False)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and expected in err[0]
        assert not out.exists()
