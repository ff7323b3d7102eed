"""Visualizer without a browser: views, narrative, translations and the page via solara.render."""

from __future__ import annotations

import re
import string
import time
import xml.dom.minidom

import ipyvuetify as v
import numpy as np
import pytest
import solara

from simulation import Event, Sector
from simulation import app as app_module
from simulation.i18n import EN, ID, LANGUAGES, MECHANISMS, STRINGS, t
from simulation.viz import page as page_module
from simulation.viz.narrative import describe, org_label, story
from simulation.viz.network import layout
from simulation.viz.page import LanguageSwitch, PartnershipViz, language, render_views
from simulation.viz.session import LEVERS, Session, parse_seed, scenario_names
from simulation.viz.svg import nice_ticks

# ----------------------------------------------------------------------------- translations


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_every_key_with_the_same_placeholders() -> None:
    assert set(EN) == set(ID)
    for key in EN:
        assert _fields(EN[key]) == _fields(ID[key]), key
        assert ID[key].strip(), key


def test_every_mechanism_has_a_title_and_a_paragraph_naming_seed_concepts() -> None:
    for lang in LANGUAGES:
        for key in MECHANISMS:
            assert re.search(
                r"\b[ABCDKZ]\d\b", t(lang, f"mech_{key}_title") + t(lang, f"mech_{key}")
            )
            assert len(t(lang, f"mech_{key}").split()) > 40


def test_indonesian_strings_are_translated_not_copied() -> None:
    same = [k for k in EN if EN[k] == ID[k] and len(EN[k]) > 12 and "{" not in EN[k]]
    assert same == []


def test_t_falls_back_to_english_then_key() -> None:
    assert t("xx", "step") == "Step"
    assert t("id", "no-such-key") == "no-such-key"
    assert t("id", "month", step=3) == "Bulan 3"


def test_every_lever_and_sector_has_a_label() -> None:
    for lang in STRINGS:
        for lever in LEVERS:
            assert f"p_{lever.name}" in STRINGS[lang]
        for sector in Sector:
            assert f"sector_{sector.value}" in STRINGS[lang]


# ----------------------------------------------------------------------------- seed input


@pytest.mark.parametrize(("text", "value"), [("42", 42), (" 7 ", 7), ("1_000", 1000), ("3.0", 3)])
def test_seed_accepts_what_people_type(text: str, value: int) -> None:
    assert parse_seed(text) == value


@pytest.mark.parametrize("text", ["", "abc", "-1", "4.5", "1e400", "nan", str(2**64)])
def test_seed_rejects_bad_values_with_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_seed(text)


# ----------------------------------------------------------------------------- views


@pytest.fixture(scope="module")
def stepped() -> Session:
    session = Session()
    session.step(10)
    session.shock("funding_cut")
    session.step(4)
    return session


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_views_are_valid_svg_with_content(stepped: Session, lang: str) -> None:
    frame = stepped.frame()
    drawn = render_views(frame, lang, stepped.reference_budget)
    for name in ("network", "community", "trends"):
        doc = xml.dom.minidom.parseString(drawn[name])
        assert doc.documentElement.tagName == "svg"
        assert len(doc.getElementsByTagName("*")) > 50, name
    network = xml.dom.minidom.parseString(drawn["network"])
    orgs = [c for c in network.getElementsByTagName("circle") if c.getAttribute("class") == "org"]
    assert len(orgs) == len(frame.sectors)
    lines = network.getElementsByTagName("line")
    assert any(ln.getAttribute("stroke-dasharray") for ln in lines)  # informal ties
    assert t(lang, "formal") in drawn["network"]


def test_views_render_well_under_half_a_second(stepped: Session) -> None:
    frame = stepped.frame()
    render_views(frame, "en", stepped.reference_budget)  # warm-up
    start = time.perf_counter()
    for _ in range(5):
        stepped.step()
        render_views(stepped.frame(), "en", stepped.reference_budget)
    per_step = (time.perf_counter() - start) / 5
    assert per_step < 0.25, f"step + frame + draw took {per_step:.3f} s"


def test_layout_is_stable_and_deterministic() -> None:
    session = Session()
    first = layout(session.frame().sectors)
    session.step(5)
    assert np.array_equal(first, layout(session.frame().sectors))
    assert len({tuple(np.round(p, 6)) for p in first}) == len(first)  # no two nodes overlap


def test_nice_ticks_cover_the_range() -> None:
    ticks = nice_ticks(0.0, 0.93)
    assert ticks[0] == 0.0
    assert ticks[-1] <= 0.93 + 1e-9
    assert 3 <= len(ticks) <= 7


# ----------------------------------------------------------------------------- narrative


def test_narrative_describes_events_in_both_languages() -> None:
    formed = Event(
        3,
        "formed",
        {"partnership": "K2", "formal": True, "members": ["government-26", "community-46"]},
    )
    broke = Event(
        4,
        "dissolved",
        {"partnership": "K1", "formal": False, "members": ["ngo-1"], "reason": "distrust"},
    )
    cut = Event(5, "funding_cut", {"sectors": ["ngo"], "magnitude": 0.5, "duration": 12})
    assert describe(formed, "en") == (
        "Month 3: Government 26 and Community org. 46 signed a formal "
        "K2 government-community partnership."
    )
    assert "bubar" in describe(broke, "id") and "kepercayaan" in describe(broke, "id")
    assert "50%" in describe(cut, "en") and "LSM" in describe(cut, "id")
    lines = story([formed, broke, cut], 5, "en")
    assert lines[0].startswith("Month 5: a funding cut")
    assert org_label("unknown", "en") == "unknown"
    assert describe(Event(1, "something_new", {}), "en") == "Month 1: something_new."


def test_narrative_of_a_fresh_model_invites_a_step() -> None:
    assert story([], 0, "en") == [t("en", "narrative_empty")]


# ----------------------------------------------------------------------------- session


def test_every_scenario_file_loads_in_the_picker() -> None:
    names = scenario_names()
    assert names[0] == "default"
    session = Session()
    for name in names:
        session.load(name)
        assert session.model.steps == 0
        assert session.scenario_name == name


def test_levers_apply_on_reset_and_bad_combinations_raise() -> None:
    session = Session()
    session.set_lever("partnering_rate", 0.0)
    assert session.pending
    session.reset()
    assert not session.pending
    assert session.model.p.partnering_rate == 0.0
    session.step(6)
    assert session.model.active_partnerships == 0


# ----------------------------------------------------------------------------- page


@solara.component
def Harness() -> None:
    """The page plus a second language switch: solara.render does not mount the app bar."""
    LanguageSwitch()
    PartnershipViz()


@pytest.fixture
def rendered():
    _box, rc = solara.render(solara.AppLayout(children=[Harness()]), handle_error=False)
    yield rc
    rc.close()
    language.set("en")


def _month(rc) -> str:
    return rc.find(v.Html, class_="text-h6 kemitraan-month").widget.children[0]


def _welfare(rc) -> str:
    kpis = rc.find(v.Html, class_="value").widgets
    return kpis[1].children[0]


def _click(rc, cls: str) -> None:
    rc.find(v.Btn, class_=cls).widget.click()


def test_page_renders_three_views_and_key_figures(rendered) -> None:
    assert len(_svg_widgets(rendered)) == 3
    assert _month(rendered) == "Month 0"
    assert len(rendered.find(v.Html, class_="value").widgets) == 6


def test_step_advances_the_month_and_changes_the_views(rendered) -> None:
    before = [w.unsafe_innerHTML for w in _svg_widgets(rendered)]
    for _ in range(3):
        _click(rendered, "kemitraan-step")
    assert _month(rendered) == "Month 3"
    after = [w.unsafe_innerHTML for w in _svg_widgets(rendered)]
    assert all(a != b for a, b in zip(before, after, strict=True))


def _svg_widgets(rc) -> list:
    return [
        w
        for w in rc.find(v.VuetifyTemplate).widgets
        if str(getattr(w, "unsafe_innerHTML", "")).startswith("<svg")
    ]


def test_reset_returns_to_month_zero_with_the_same_run(rendered) -> None:
    _click(rendered, "kemitraan-step")
    _click(rendered, "kemitraan-step")
    first = _welfare(rendered)
    _click(rendered, "kemitraan-reset")
    assert _month(rendered) == "Month 0"
    _click(rendered, "kemitraan-step")
    _click(rendered, "kemitraan-step")
    assert _welfare(rendered) == first  # same seed, same run


def test_language_switch_translates_controls_and_views(rendered) -> None:
    toggle = rendered.find(v.BtnToggle).widget
    toggle.v_model = 1  # Bahasa Indonesia
    assert rendered.find(v.Btn, class_="kemitraan-step").widget.children == ["Langkah"]
    assert _month(rendered) == "Bulan 0"
    assert any("kemitraan formal (D1)" in w.unsafe_innerHTML for w in _svg_widgets(rendered))
    toggle.v_model = 0
    assert rendered.find(v.Btn, class_="kemitraan-step").widget.children == ["Step"]


def test_scenario_picker_loads_a_scenario(rendered) -> None:
    select = rendered.find(v.Select, class_="kemitraan-scenario").widget
    assert "baseline" in select.items
    _click(rendered, "kemitraan-step")
    select.v_model = "baseline"
    assert _month(rendered) == "Month 0"
    for _ in range(4):
        _click(rendered, "kemitraan-step")
    partnerships = rendered.find(v.Html, class_="value").widgets[4].children[0]
    assert partnerships == "0"  # the town without partnerships


def test_bad_seed_is_reported_not_fatal(rendered) -> None:
    field = rendered.find(v.TextField, class_="kemitraan-seed").widget
    field.v_model = "forty-two"
    field.fire_event("keyup.enter", None)
    assert field.error is True
    assert "forty-two" in field.messages[0]
    _click(rendered, "kemitraan-step")
    assert _month(rendered) == "Month 1"
    field.v_model = "7"
    field.fire_event("keyup.enter", None)
    assert field.error is False
    _click(rendered, "kemitraan-apply")
    assert _month(rendered) == "Month 0"


def test_funding_cut_button_changes_welfare(rendered) -> None:
    for _ in range(6):
        _click(rendered, "kemitraan-step")
    calm = _welfare(rendered)
    _click(rendered, "kemitraan-reset")
    _click(rendered, "kemitraan-shock-funding")
    story_items = rendered.find(v.Html, tag="li").widgets
    assert any("funding cut" in w.children[0] for w in story_items)
    for _ in range(6):
        _click(rendered, "kemitraan-step")
    assert float(_welfare(rendered)) < float(calm)


def test_play_runs_and_pauses(rendered) -> None:
    _click(rendered, "kemitraan-play")
    deadline = time.monotonic() + 20
    while _month(rendered) in ("Month 0", "Month 1") and time.monotonic() < deadline:
        time.sleep(0.1)
    _click(rendered, "kemitraan-play")  # pause
    time.sleep(0.5)
    month = _month(rendered)
    assert month not in ("Month 0", "Month 1")
    time.sleep(0.8)
    assert _month(rendered) == month


def test_page_module_exposes_a_mesa_style_page() -> None:
    assert app_module.page is not None
    assert page_module.MAIN_CLASS == "kemitraan-main"
