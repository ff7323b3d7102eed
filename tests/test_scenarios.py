"""Scenario files: every shipped file validates and runs; bad files raise a ScenarioError whose
one-line message names the file, the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import KINDS, ModelParams, PartnershipModel
from simulation.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    default_scenario,
    list_scenarios,
    load_scenario,
)

FILES = sorted(SCENARIO_DIR.glob("*.toml"))


def test_scenarios_are_shipped():
    """The scenario folder holds the default, the baseline, one file per challenge and kind,
    the formal/informal pair and the shock pairs; list_scenarios lists exactly these files."""
    names = {p.stem for p in FILES}
    assert list_scenarios() == FILES
    assert {"default", "baseline", "formal-partnerships", "informal-cooperation"} <= names
    for i in range(1, 8):
        assert any(n.startswith(f"challenge-c{i}-") for n in names), f"C{i}"
        assert any(n.startswith(f"kind-k{i}-") for n in names), f"K{i}"
    assert {"shock-funding-cut", "shock-funding-cut-baseline"} <= names


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_file_validates_and_runs(path: Path):
    """Each file loads (by path and by bare name), is named after its file, and runs."""
    sc = load_scenario(path)
    assert isinstance(sc, Scenario)
    assert sc.name == path.stem
    assert sc.description.strip()
    assert load_scenario(path.stem) == sc
    small = sc.model.model_copy(update={"n_citizens": 60})
    model = PartnershipModel(
        rng=sc.seed, params=ModelParams(**small.model_dump()), shocks=sc.shocks
    )
    for _ in range(3):
        model.step()
    assert len(model.metrics_frame()) == 4


@pytest.mark.parametrize("kind", KINDS)
def test_kind_scenarios_allow_only_their_kind(kind: str):
    """kind-kN-*.toml switches on exactly kind KN."""
    (path,) = SCENARIO_DIR.glob(f"kind-{kind.lower()}-*.toml")
    assert load_scenario(path).model.allowed_kinds == (kind,)


def test_baselines_differ_from_their_pair_only_by_partnerships():
    """Each *-baseline scenario is its pair with partnering_rate = 0 (same shocks, seed)."""
    for path in SCENARIO_DIR.glob("*-baseline.toml"):
        base = load_scenario(path)
        pair = load_scenario(path.stem.removesuffix("-baseline"))
        assert base.model.partnering_rate == 0 < pair.model.partnering_rate
        assert base.shocks == pair.shocks and base.seed == pair.seed
        assert (
            base.model.model_copy(update={"partnering_rate": pair.model.partnering_rate})
            == pair.model
        )


def test_default_scenario_matches_file():
    """The embedded default is the same scenario as scenarios/default.toml."""
    assert default_scenario() == load_scenario("default")
    assert default_scenario().model == ModelParams()


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg, f"message should be one line: {msg!r}"
    return msg


GOOD_HEAD = 'name = "x"\n'


def test_malformed_toml(tmp_path):
    """Broken TOML: the message names the file and where the syntax broke."""
    path = write(tmp_path, 'name = "x\n[model]\n')
    msg = error_of(path)
    assert str(path) in msg and "TOML" in msg and "line 1" in msg


def test_unknown_top_level_key(tmp_path):
    """An unknown top-level key is named, with the keys allowed there."""
    msg = error_of(write(tmp_path, GOOD_HEAD + 'colour = "red"\n'))
    assert "bad.toml" in msg and "'colour'" in msg
    for key in ("name", "steps", "seed", "model", "shocks"):
        assert key in msg


def test_unknown_model_key(tmp_path):
    """A misspelled parameter under [model] is named, with the parameters allowed there."""
    msg = error_of(write(tmp_path, GOOD_HEAD + "[model]\npartnering_rat = 0.2\n"))
    assert "bad.toml" in msg and "partnering_rat" in msg
    assert "partnering_rate" in msg and "formal_share" in msg


def test_unknown_shock_key(tmp_path):
    """An unknown key in [[shocks]] is named, with the shock keys allowed."""
    text = GOOD_HEAD + '[[shocks]]\nstep = 3\nkind = "funding_cut"\nsize = 0.5\n'
    msg = error_of(write(tmp_path, text))
    assert "bad.toml" in msg and "size" in msg
    for key in ("step", "kind", "sectors", "magnitude", "duration"):
        assert key in msg


def test_wrong_type(tmp_path):
    """A value of the wrong type: the key, the bad value and the expected type and range."""
    msg = error_of(write(tmp_path, GOOD_HEAD + '[model]\nn_citizens = "many"\n'))
    assert "bad.toml" in msg and "n_citizens" in msg and "many" in msg
    assert "int" in msg and "10" in msg


def test_value_out_of_range(tmp_path):
    """A value outside its range: the key, the value and the allowed range."""
    msg = error_of(write(tmp_path, GOOD_HEAD + "[model]\npartnering_rate = 1.5\n"))
    assert "bad.toml" in msg and "partnering_rate" in msg and "1.5" in msg
    assert "<= 1" in msg and ">= 0" in msg


def test_bad_choice_lists_the_choices(tmp_path):
    """An invalid choice (kind of shock, partnership kind) lists the valid choices."""
    text = GOOD_HEAD + '[[shocks]]\nstep = 3\nkind = "earthquake"\n'
    msg = error_of(write(tmp_path, text))
    assert "shocks" in msg and "earthquake" in msg
    assert "funding_cut" in msg and "leadership_change" in msg
    msg = error_of(write(tmp_path, GOOD_HEAD + '[model]\nallowed_kinds = ["K9"]\n'))
    assert "allowed_kinds" in msg and "K9" in msg and "K1" in msg and "K7" in msg


def test_inconsistent_parameters(tmp_path):
    """Cross-field rules (an odd network degree) are reported with the reason."""
    msg = error_of(write(tmp_path, GOOD_HEAD + "[model]\nnetwork_degree = 3\n"))
    assert "bad.toml" in msg and "network_degree" in msg and "even" in msg


def test_missing_file(tmp_path):
    """A missing file or unknown scenario name lists the available scenarios."""
    msg = error_of(tmp_path / "nowhere.toml")
    assert "nowhere.toml" in msg and "baseline" in msg and "default" in msg
    msg = error_of("no-such-scenario")
    assert "no-such-scenario" in msg and "kind-k1-ngo-business" in msg
