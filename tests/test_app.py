"""Visualizer without a browser: views, narrative, translations and the page via solara.render."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import string
import subprocess
import sys
import time
import xml.dom.minidom
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pytest
import solara
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from simulation import Event, Sector
from simulation import app as app_module
from simulation.i18n import LANGUAGES, LOCALE_DIR, MECHANISMS, join, number, t
from simulation.scenario import list_scenarios, load_scenario
from simulation.viz import page as page_module
from simulation.viz import serve
from simulation.viz.community import draw_community
from simulation.viz.narrative import describe, org_label, story
from simulation.viz.network import draw_network, layout
from simulation.viz.page import LanguageSwitch, PartnershipViz, language
from simulation.viz.session import (
    FUNDING_CUT,
    LEVERS,
    Session,
    parse_seed,
    scenario_names,
    scenario_titles,
)
from simulation.viz.svg import nice_ticks
from simulation.viz.trends import draw_trends

# ----------------------------------------------------------------------------- translations


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _catalogue(lang: str, kind: str = "po") -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"kemitraan.{kind}"
    with path.open("rb") as f:
        catalogue = read_po(f) if kind == "po" else read_mo(f)
    return {m.id: m.string for m in catalogue if m.id}


EN, ID = _catalogue("en"), _catalogue("id")


def test_both_catalogues_have_every_key_with_the_same_placeholders() -> None:
    assert set(EN) == set(ID)
    for key in EN:
        assert _fields(EN[key]) == _fields(ID[key]), key
        assert ID[key].strip(), key


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_compiled_catalogues_match_their_sources(lang: str) -> None:
    """The committed .mo files are what `pybabel compile` makes of the .po files."""
    assert _catalogue(lang, "mo") == _catalogue(lang, "po")


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


def test_indonesian_wording_teachers_use() -> None:
    text = " ".join(ID.values())
    for weak in (
        "Pengungkit",
        "pengungkit",
        "Benih",
        " md",
        "diukur menurut",
        "Kemitraan: kemitraan",
    ):
        assert weak not in text, weak
    assert ID["reset"] == "Atur ulang" and ID["parameters"] == "Parameter"
    k5 = set(re.findall(r"antar\w+(?: nirlaba)? \(K5\)|K5 antar\w+(?: nirlaba)?", text))
    assert k5 <= {"K5 antarlembaga nirlaba", "antarlembaga nirlaba (K5)"}, k5


def test_explanations_quote_what_the_shock_buttons_do() -> None:
    sizes = page_module.shock_sizes("en")
    funding = t("en", "mech_funding", **sizes)
    assert f"removes {100 * FUNDING_CUT['magnitude']:.0f}% of every sector's income" in funding
    assert f"for {FUNDING_CUT['duration']} months" in funding
    assert "33% of all organizations" in t("en", "mech_governance", **sizes)
    assert "33% dari seluruh organisasi" in t("id", "mech_governance", **sizes)


def test_t_falls_back_to_english_then_key() -> None:
    assert t("xx", "step") == "Step"
    assert t("id", "no-such-key") == "no-such-key"
    assert t("id", "month", step=3) == "Bulan 3"


def test_numbers_and_lists_follow_the_language() -> None:
    assert number("id", 0.51234, 3) == "0,512"
    assert number("en", 0.51234, 3) == "0.512"
    assert number("id", 0.25, 3, trim=True) == "0,25"
    assert number("id", -0.004, 3, sign=True) == "-0,004"
    assert join("id", ["A", "B", "C"]) == "A, B, dan C"
    assert join("en", ["A", "B"]) == "A and B"


def test_every_lever_and_sector_has_a_label() -> None:
    for lang in LANGUAGES:
        for lever in LEVERS:
            assert t(lang, f"p_{lever.name}") != f"p_{lever.name}"
        for sector in Sector:
            assert t(lang, f"sector_{sector.value}") != f"sector_{sector.value}"


def test_every_scenario_has_an_indonesian_title_and_description() -> None:
    for path in list_scenarios():
        scenario = load_scenario(path.stem)
        text = scenario.translations["id"]
        assert text.title.strip() and text.description.strip(), path.name
        assert text.description != scenario.description, path.name
    titles = scenario_titles("id")
    assert titles["challenge-c2-low-trust"] == "Tantangan C2: kepercayaan rendah"
    assert scenario_titles("en")["baseline"] == "baseline"


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


def render_views(session: Session, lang: str) -> dict[str, list[str]]:
    frame = session.frame()
    return {
        "network": [draw_network(frame, lang, session.reference_budget, selected=3)],
        "community": draw_community(frame, lang),
        "trends": draw_trends(frame, lang, session.previous),
    }


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_views_are_valid_svg_with_content(stepped: Session, lang: str) -> None:
    drawn = render_views(stepped, lang)
    assert [len(v) for v in drawn.values()] == [1, 2, 4]
    for images in drawn.values():
        for image in images:
            doc = xml.dom.minidom.parseString(image)
            assert doc.documentElement.tagName == "svg"
            assert len(doc.getElementsByTagName("*")) > 20
    network = xml.dom.minidom.parseString(drawn["network"][0])
    circles = network.getElementsByTagName("circle")
    orgs = [c for c in circles if c.getAttribute("class") == "org"]
    assert len(orgs) == len(stepped.frame().sectors)
    assert [c.getAttribute("data-org") for c in orgs] == [str(i) for i in range(len(orgs))]
    assert orgs[3].getAttribute("stroke") == "#111"  # the selected organization stands out
    lines = network.getElementsByTagName("line")
    assert any(ln.getAttribute("stroke-dasharray") for ln in lines)  # informal ties
    assert t(lang, "formal") in drawn["network"][0]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_no_view_writes_text_smaller_than_the_page_allows(stepped: Session, lang: str) -> None:
    """With views at most 480 units wide and text of 17 units, text stays >= 12 CSS px."""
    for images in render_views(stepped, lang).values():
        for image in images:
            doc = xml.dom.minidom.parseString(image)
            assert float(doc.documentElement.getAttribute("viewBox").split()[2]) <= 480
            for text in doc.getElementsByTagName("text"):
                assert float(text.getAttribute("font-size")) >= 17, text.toxml()


def test_tooltips_name_their_numbers() -> None:
    session = Session()
    session.step(6)
    network = render_views(session, "en")["network"][0]
    assert re.search(r"<title>NGO \d+: reserves \d[\d,.]*, \d+ partnerships", network)
    assert re.search(r"hosts \d+ citizen volunteers \(K7\)", network) or "ring" not in network
    bahasa = render_views(session, "id")["network"][0]
    assert re.search(r"<title>LSM \d+: cadangan dana \d+,\d", bahasa)


def test_previous_run_is_drawn_faintly_after_a_reset() -> None:
    session = Session()
    session.step(5)
    session.reset()
    session.step(2)
    assert session.previous is not None and len(session.previous) == 6
    welfare = draw_trends(session.frame(), "en", session.previous)[0]
    assert 'stroke="#9AA5B1"' in welfare and "previous run" in welfare


def test_views_render_well_under_half_a_second(stepped: Session) -> None:
    render_views(stepped, "en")  # warm-up
    start = time.perf_counter()
    for _ in range(5):
        stepped.step()
        render_views(stepped, "en")
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


def test_a_break_up_is_narrated_with_every_member() -> None:
    """The model logs the leaver, then the break-up with whoever stayed: tell both."""
    left = Event(7, "left", {"pid": 4, "partnership": "K2", "members": ["government-3"]})
    broke = Event(
        7,
        "dissolved",
        {"pid": 4, "partnership": "K2", "members": ["community-47"], "reason": "distrust"},
    )
    lines = story([left, broke], 7, "en")
    assert lines == [
        "Month 7: a K2 government-community partnership of Government 3 and "
        "Community org. 47 broke up (too little trust)."
    ]


def test_a_volunteer_group_breaking_up_reads_as_one() -> None:
    event = Event(
        9,
        "dissolved",
        {"pid": 2, "partnership": "K7", "members": ["ngo-9"], "reason": "volunteers left"},
    )
    assert describe(event, "en") == (
        "Month 9: the volunteer group (K7) hosted by NGO 9 broke up (the volunteers left)."
    )


def test_the_model_narrates_break_ups_with_both_members() -> None:
    session = Session()
    session.step(40)
    events = session.model.events
    broke = [e for e in events if e.kind == "dissolved" and len(e.data["members"]) == 1]
    assert broke, "no two-member break-up to check in 40 months"
    sentences = [  # every sentence of those months, however many other events share them
        line
        for e in broke
        for line in story(events, e.step, "en", limit=len(events))
        if "broke up" in line
    ]
    assert any(" and " in line for line in sentences)


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


def test_the_address_query_round_trips_and_never_breaks_the_page() -> None:
    session = Session()
    session.load("challenge-c2-low-trust")
    session.set_seed("7")
    session.set_lever("trust_gain", 0.2)
    session.set_lever("governance_mode", "nao")
    query = session.query()
    again = Session(query=query)
    assert again.scenario_name == "challenge-c2-low-trust"
    assert again.seed == 7 and again.levers["trust_gain"] == 0.2
    assert again.levers["governance_mode"] == "nao"
    assert not again.pending  # built with what the link says
    broken = Session(query="scenario=nope&seed=-3&trust_gain=9&defection_rate=abc&x=1")
    assert broken.scenario_name == "default" and broken.seed == 42
    assert broken.levers == Session().levers


def test_play_tokens_let_only_the_newest_loop_step() -> None:
    session = Session()
    first = session.begin_play()
    session.stop_play()
    second = session.begin_play()
    assert not session.play_step(first)
    assert session.play_step(second)
    assert session.month == 1


def test_inspect_reports_partners_and_trust_both_ways() -> None:
    session = Session()
    session.step(8)
    index = max(range(50), key=lambda i: len(session.model.organizations[i].memberships))
    info = session.inspect(index)
    assert info.partnerships >= 1 and info.partners
    trust = session.model.trust
    partner = info.partners[0]
    j = next(o.index for o in session.model.organizations if o.name == partner.name)
    assert partner.trust_in == pytest.approx(trust[index, j])
    assert partner.trust_from == pytest.approx(trust[j, index])


def test_csv_holds_one_row_per_month() -> None:
    session = Session()
    session.step(3)
    rows = session.csv().splitlines()
    assert rows[0].startswith("step,") and len(rows) == 5


# ----------------------------------------------------------------------------- page


@solara.component
def Harness() -> None:
    """The page plus a second language switch (the app bar is not mounted here)."""
    LanguageSwitch()
    PartnershipViz()


@pytest.fixture
def rendered():
    _box, rc = solara.render(solara.AppLayout(children=[Harness()]), handle_error=False)
    yield rc
    rc.close()
    language.set("en")


def _month(rc) -> str:
    return rc.find(v.Html, class_="kemitraan-month").widget.children[0]


def _welfare(rc) -> str:
    kpis = rc.find(v.Html, class_="value").widgets
    return kpis[1].children[0]


def _click(rc, cls: str) -> None:
    rc.find(v.Btn, class_=cls).widget.click()


def _labels(rc) -> list[str]:
    return [w.children[0] for w in rc.find(v.Html, class_="kemitraan-lever-label").widgets]


def _svg_widgets(rc) -> list:
    return [
        w
        for w in rc.find(v.VuetifyTemplate).widgets
        if str(getattr(w, "unsafe_innerHTML", "")).startswith("<svg")
    ]


def test_page_renders_views_and_key_figures(rendered) -> None:
    assert len(_svg_widgets(rendered)) == 6  # trends and community; the network is a template
    assert _month(rendered) == "Month 0"
    assert len(rendered.find(v.Html, class_="value").widgets) == 6


def test_step_advances_the_month_and_changes_the_views(rendered) -> None:
    before = [w.unsafe_innerHTML for w in _svg_widgets(rendered)]
    for _ in range(3):
        _click(rendered, "kemitraan-step")
    assert _month(rendered) == "Month 3"
    after = [w.unsafe_innerHTML for w in _svg_widgets(rendered)]
    assert all(a != b for a, b in zip(before, after, strict=True))


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
    toggle = rendered.find(v.BtnToggle, class_="kemitraan-language").widgets[0]
    toggle.v_model = 1  # Bahasa Indonesia
    assert rendered.find(v.Btn, class_="kemitraan-step").widget.children == ["Langkah"]
    assert _month(rendered) == "Bulan 0"
    assert re.fullmatch(r"0,\d{3}", _welfare(rendered))
    assert any("Kesehatan" in w.unsafe_innerHTML for w in _svg_widgets(rendered))
    toggle.v_model = 0
    assert rendered.find(v.Btn, class_="kemitraan-step").widget.children == ["Step"]


def test_scenario_pick_updates_description_and_every_lever_label(rendered) -> None:
    select = rendered.find(v.Select, class_="kemitraan-scenario").widget
    assert "baseline" in [item["value"] for item in select.items]
    _click(rendered, "kemitraan-step")
    select.v_model = "challenge-c2-low-trust"
    assert _month(rendered) == "Month 0"
    description = rendered.find(v.Html, class_="kemitraan-scenario-description").widget
    assert description.children[0].startswith("Stress C2")
    assert _labels(rendered)[2].endswith(": 0.25")  # the betrayal rate the model uses
    select.v_model = "baseline"
    assert _labels(rendered)[8].endswith(": 0.00")
    for _ in range(4):
        _click(rendered, "kemitraan-step")
    partnerships = rendered.find(v.Html, class_="value").widgets[4].children[0]
    assert partnerships == "0"  # the town without partnerships


def test_lever_labels_follow_every_change(rendered) -> None:
    sliders = rendered.find(v.Slider).widgets
    for k in range(1, 9):
        sliders[2].v_model = round(0.05 + 0.01 * k, 2)
        assert _labels(rendered)[2].endswith(f": {0.05 + 0.01 * k:.2f}")


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


def _wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_play_runs_and_pauses(rendered) -> None:
    _click(rendered, "kemitraan-play")
    _wait(lambda: _month(rendered) not in ("Month 0", "Month 1"))
    _click(rendered, "kemitraan-play")  # pause
    time.sleep(0.5)
    month = _month(rendered)
    assert month not in ("Month 0", "Month 1")
    time.sleep(0.8)
    assert _month(rendered) == month


def test_play_says_when_the_run_is_over_and_goes_on(rendered, monkeypatch) -> None:
    monkeypatch.setattr(Session, "horizon", property(lambda self: 3))
    _click(rendered, "kemitraan-step")  # a re-render picks up the short horizon
    _click(rendered, "kemitraan-play")
    _wait(lambda: bool(rendered.find(v.Alert, class_="kemitraan-ended").widgets))
    assert _month(rendered) == "Month 3"
    ended = rendered.find(v.Alert, class_="kemitraan-ended").widget
    assert "3 months are over" in str(ended.children)
    _click(rendered, "kemitraan-play")  # Play carries on past the horizon
    _wait(lambda: _month(rendered) not in ("Month 3", "Month 4"))
    _click(rendered, "kemitraan-play")
    assert int(_month(rendered).split()[1]) > 4


def test_page_module_exposes_a_mesa_style_page() -> None:
    assert app_module.page is not None
    assert page_module.MAIN_CLASS == "kemitraan-main"


# ----------------------------------------------------------------------------- serving a class


def test_students_get_the_lan_address_when_serving_beyond_this_machine(monkeypatch) -> None:
    monkeypatch.setattr(serve, "lan_addresses", lambda: ["192.168.1.20"])
    assert serve.student_urls("0.0.0.0", 8765) == ["http://192.168.1.20:8765/"]
    assert serve.student_urls("127.0.0.1", 8765) == []
    assert serve.student_urls("localhost", 8765) == []
    assert serve.student_urls("10.0.0.5", 9000) == ["http://10.0.0.5:9000/"]


def test_lan_addresses_are_never_loopback() -> None:
    assert not any(a.startswith("127.") or a == "::1" for a in serve.lan_addresses())


def test_the_header_shows_the_address_students_open(monkeypatch) -> None:
    monkeypatch.setenv(serve.STUDENT_URLS_ENV, "http://192.168.1.20:8765/")
    _box, rc = solara.render(solara.AppLayout(children=[PartnershipViz()]), handle_error=False)
    try:
        shown = rc.find(v.Html, class_="kemitraan-students").widget.children[0]
        assert shown == "Students open http://192.168.1.20:8765/"
    finally:
        rc.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_ends_the_server_and_its_solara_child(signum: int) -> None:
    """`partnership viz` stopped by a signal leaves nothing listening on its port."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.viz.serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so that the test can clean up whatever is left
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "the server exited by itself"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        children = _children(proc.pid)
        assert children, "serve should run solara as a child"
        os.kill(proc.pid, signum)  # the parent only, as a service manager or `kill` does
        assert proc.wait(timeout=30) is not None
        deadline = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(c) for c in children), "solara outlived `partnership viz`"
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
