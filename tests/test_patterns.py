"""The patterns file: it loads, covers the levels and both uses, and bad input is refused
with one line naming the file and the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulation.experiments.patterns import (
    LEVELS,
    PatternError,
    load_patterns,
    model_outputs,
    patterns_file,
)


def test_committed_patterns_cover_every_level_and_both_uses() -> None:
    patterns = load_patterns()
    assert len(patterns) >= 6
    assert {p.level for p in patterns} == set(LEVELS)
    assert {p.use for p in patterns} == {"calibration", "validation"}
    assert all(p.source and p.observed and p.tolerance > 0 for p in patterns)
    failure = next(p for p in patterns if p.id == "partnership-failure-share")
    assert failure.interval == pytest.approx((0.3, 0.7)) and failure.months == 60
    assert failure.met_by(0.45) and not failure.met_by(0.75)


def test_needs_output_is_set_exactly_where_the_model_lacks_the_output() -> None:
    """When the model starts reporting an output, its patterns must say so (and be compared)."""
    outputs = model_outputs()
    for p in load_patterns():
        assert p.needs_output == (p.metric not in outputs), p.id


GOOD = """
[[pattern]]
id = "p{i}"
level = "town"
use = "validation"
observed = "welfare settles"
source = "a source"
evidence = "verified"
metric = "community_welfare"
statistic = "change"
scenario = "baseline"
from_month = 60
months = 120
target = 0.0
tolerance = 0.02
"""


def _write(tmp_path: Path, first: str, n: int = 6) -> Path:
    path = tmp_path / "patterns.toml"
    path.write_text(first + "".join(GOOD.format(i=i) for i in range(1, n)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("tolerance = 0.02", "tolerance = true"), "pattern[0].tolerance"),
        (("tolerance = 0.02", "tolerance = -1.0"), "pattern[0].tolerance"),
        (("target = 0.0", 'target = "zero"'), "pattern[0].target"),
        (('level = "town"', 'level = "city"'), "pattern[0].level"),
        (('use = "validation"', 'use = "fit"'), "pattern[0].use"),
        (('metric = "community_welfare"', 'metric = "happiness"'), "metric 'happiness'"),
        (('scenario = "baseline"', 'scenario = "nowhere"'), "scenario 'nowhere'"),
        (("from_month = 60", "from_month = 130"), "from_month = 130"),
        (("from_month = 60\n", ""), "from_month is required"),
        (('source = "a source"', 'source = "a source"\ncolour = "red"'), "pattern[0].colour"),
        (('statistic = "change"', 'statistic = "effect"'), "reference_set is required"),
        (
            ('scenario = "baseline"', 'scenario = "baseline"\nset = { accountability = true }'),
            "set: key 'accountability'",
        ),
        (
            ('scenario = "baseline"', 'scenario = "baseline"\nset = { accountability = 1.5 }'),
            "set: key 'accountability'",
        ),
        (
            ('scenario = "baseline"', 'scenario = "baseline"\nset = { no_such_parameter = 1.0 }'),
            "set: unknown key 'no_such_parameter'",
        ),
    ],
)
def test_bad_patterns_are_refused_with_the_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = _write(tmp_path, GOOD.format(i=0).replace(*change))
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    text = str(err.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_file_level_faults(tmp_path: Path) -> None:
    with pytest.raises(PatternError, match="at least 6"):
        load_patterns(_write(tmp_path, GOOD.format(i=0), n=5))
    with pytest.raises(PatternError, match="p1 repeated"):
        load_patterns(_write(tmp_path, GOOD.format(i=1)))
    bad = tmp_path / "bad.toml"
    bad.write_text("[[pattern]\n", encoding="utf-8")
    with pytest.raises(PatternError, match="not valid TOML"):
        load_patterns(bad)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(PatternError, match="not a regular file"):  # no hang on a FIFO
        load_patterns(fifo)
    assert load_patterns(_write(tmp_path, GOOD.format(i=0)))  # the good one loads


def test_the_patterns_file_is_not_taken_for_an_experiment() -> None:
    from simulation.experiments.definition import list_experiments

    assert patterns_file().is_file()
    assert "patterns" not in {e.name for e in list_experiments()}
