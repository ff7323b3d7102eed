"""The visualizer page: a header, a settings column and a main pane of views.

Why not Mesa's stock ``SolaraViz``: its control labels are English-only, its Reset can only
rebuild the model from keyword arguments (no scenario files, no seed validation), one model object
is shared by every browser tab, and its draggable grid is hard to read on a projector.  This page
keeps Mesa's conventions (``page = ...`` in ``app.py``, Step / Play / Reset, views as functions of
the model state) and adds what a classroom needs: a run bar that stays on screen (so a shock
button is always in sight of the trends it moves), a speed control, organizations to click,
the previous run drawn faintly, downloads, and an address bar that reproduces the view.

Every component that shows the session's state receives ``version`` (bumped after each
change), so it re-renders after every click, pick and slide.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import reacton.ipyvuetify as rv
import solara
from pydantic import ValidationError

from simulation.i18n import LANGUAGES, MECHANISMS, number, percent, t
from simulation.viz.community import LEFT_BEHIND_LINE, draw_community, left_behind_share
from simulation.viz.frame import Frame
from simulation.viz.narrative import org_label, story
from simulation.viz.network import draw_network
from simulation.viz.serve import STUDENT_URLS_ENV
from simulation.viz.session import (
    FUNDING_CUT,
    GOVERNANCE,
    GOVERNANCE_MODES,
    LEADERSHIP_CHANGE,
    LEVERS,
    SEED_MAX,
    Lever,
    Session,
    scenario_text,
    scenario_titles,
)
from simulation.viz.trends import draw_trends

HERE = Path(__file__).resolve().parent
language = solara.reactive("en")  # per browser session (solara keeps one value per tab)
# Months per second at most; Fast is as fast as the page draws on a classroom laptop.
SPEEDS: dict[str, float] = {"speed_slow": 1.0, "speed_normal": 3.0, "speed_fast": 20.0}
# Set by ``partnership viz --host 0.0.0.0``: the addresses students type, shown on the page.

MAIN_CLASS = "kemitraan-main"
CSS = (HERE / "page.css").read_text(encoding="utf-8")


@solara.component_vue(str(HERE / "network.vue"))
def NetworkView(svg: str, event_pick: Callable[[int], None]) -> None:
    """The network SVG; a click on an organization calls ``event_pick`` with its index."""


@solara.component_vue(str(HERE / "export_png.vue"))
def ExportPng(label: str, selector: str, filename: str) -> None:
    """A button that saves the charts matching ``selector`` as one PNG, in the browser."""


def Html(tag: str, text: str, cls: str = "") -> None:
    """A plain element holding text."""
    rv.Html(tag=tag, class_=cls, children=[text])


def Svgs(images: list[str], cls: str) -> None:
    """Some SVG panels in a grid that wraps to one column on a narrow screen."""
    with rv.Html(tag="div", class_=f"kemitraan-grid {cls}"):
        for image in images:
            solara.HTML(tag="div", unsafe_innerHTML=image, classes=["kemitraan-view"])


@solara.component
def Kpi(label: str, value: str, detail: str = "") -> None:
    """One key figure (big number, label, optional detail)."""
    with rv.Html(tag="div", class_="kemitraan-kpi"):
        Html("div", value, "value")
        Html("div", label, "label")
        if detail:
            Html("div", detail, "detail")


@solara.component
def KeyFigures(frame: Frame, lang: str) -> None:
    """Month, welfare, inequality, trust, partnerships and the share left behind."""
    last = frame.metrics.iloc[-1]
    prev = frame.metrics.iloc[-2] if len(frame.metrics) > 1 else last
    delta = float(last["community_welfare"] - prev["community_welfare"])
    with rv.Html(tag="div", class_="kemitraan-kpis"):
        Kpi(t(lang, "kpi_month"), str(frame.step))
        Kpi(
            t(lang, "kpi_welfare"),
            number(lang, last["community_welfare"], 3),
            number(lang, delta, 3, sign=True),
        )
        Kpi(t(lang, "kpi_gini"), number(lang, last["gini"], 3))
        Kpi(t(lang, "kpi_trust"), number(lang, last["mean_trust"], 2))
        Kpi(
            t(lang, "kpi_partnerships"),
            str(int(last["active_partnerships"])),
            t(
                lang,
                "kpi_partnerships_detail",
                formal=int(last["formal_partnerships"]),
                informal=int(last["informal_partnerships"]),
            ),
        )
        Kpi(
            t(lang, "kpi_left_behind"),
            percent(lang, left_behind_share(frame.composite)),
            t(lang, "kpi_left_behind_detail", line=number(lang, LEFT_BEHIND_LINE, 1)),
        )


@solara.component
def Story(frame: Frame, lang: str) -> None:
    """The live narrative: what happened in the last months, in plain words."""
    with rv.Html(tag="ul", class_="kemitraan-story"):
        for line in story(frame.events, frame.step, lang):
            Html("li", line)


@solara.component
def Inspector(session: Session, lang: str, selected: solara.Reactive[int | None], version: int):
    """Details of the clicked organization: sector, reserves, partners and trust in each."""
    del version  # a prop only so that the details follow every step
    if selected.value is None:
        Html("p", t(lang, "inspect_hint"), "kemitraan-caption kemitraan-inspect-hint")
        return
    info = session.inspect(selected.value)
    with rv.Html(tag="div", class_="kemitraan-inspector"):
        Html(
            "p",
            t(
                lang,
                "inspect_summary",
                org=org_label(info.name, lang),
                sector=t(lang, f"sector_{info.sector}"),
                reserves=number(lang, info.reserves, 1),
                income=number(lang, info.income, 1),
                count=info.partnerships,
            ),
            "kemitraan-inspect-summary",
        )
        if not info.partners:
            Html("p", t(lang, "inspect_alone"))
        else:
            with rv.Html(tag="table", class_="kemitraan-partners"):
                with rv.Html(tag="tr"):
                    for key in ("inspect_partner", "inspect_kinds"):
                        Html("th", t(lang, key))
                    for key in ("inspect_trust_in", "inspect_trust_from"):
                        Html("th", t(lang, key), "num")
                for partner in info.partners:
                    with rv.Html(tag="tr"):
                        Html("td", org_label(partner.name, lang))
                        Html("td", ", ".join(partner.kinds))
                        Html("td", number(lang, partner.trust_in), "num")
                        Html("td", number(lang, partner.trust_from), "num")
        solara.Button(
            t(lang, "inspect_close"),
            text=True,
            on_click=lambda: selected.set(None),
            classes=["kemitraan-inspect-close"],
        )


@solara.component
def Views(
    session: Session,
    frame: Frame,
    lang: str,
    selected: solara.Reactive[int | None],
    version: int,
) -> None:
    """Key figures, trends (right under the run bar), network with story, community, help."""
    previous = session.previous
    trends = solara.use_memo(lambda: draw_trends(frame, lang, previous), [frame, lang, previous])
    community = solara.use_memo(lambda: draw_community(frame, lang), [frame, lang])
    network = solara.use_memo(
        lambda: draw_network(frame, lang, session.reference_budget, selected.value),
        [frame, lang, selected.value],
    )
    KeyFigures(frame, lang)
    with solara.Card(t(lang, "trends_title"), classes=["kemitraan-card"]):
        Html("p", t(lang, "trends_caption"), "kemitraan-caption")
        Svgs(trends, "kemitraan-trends")
    with rv.Html(tag="div", class_="kemitraan-town"):
        with solara.Card(
            t(lang, "network_title", step=frame.step),
            classes=["kemitraan-card", "kemitraan-town-map"],
        ):
            Html("p", t(lang, "network_caption"), "kemitraan-caption")
            NetworkView(svg=network, event_pick=selected.set)
        with rv.Html(tag="div", class_="kemitraan-town-side"):
            with solara.Card(t(lang, "inspect_title"), classes=["kemitraan-card"]):
                Inspector(session, lang, selected, version)
            with solara.Card(t(lang, "narrative_title"), classes=["kemitraan-card"]):
                Story(frame, lang)
    with solara.Card(t(lang, "community_title", step=frame.step), classes=["kemitraan-card"]):
        Html(
            "p",
            t(lang, "community_caption", line=number(lang, LEFT_BEHIND_LINE, 1)),
            "kemitraan-caption",
        )
        Svgs(community, "kemitraan-community-views")
    Learn(lang)


def shock_sizes(lang: str) -> dict[str, str]:
    """What the shock buttons do, read from their definitions (the explanations quote them)."""
    return {
        "cut_percent": number(lang, 100 * FUNDING_CUT["magnitude"], 0),
        "cut_months": str(FUNDING_CUT["duration"]),
        "leaders_percent": number(lang, 100 * LEADERSHIP_CHANGE["magnitude"], 0),
    }


@solara.component
def Learn(lang: str) -> None:
    """One paragraph per mechanism, tied to the seed concepts."""
    sizes = shock_sizes(lang)
    with solara.Card(t(lang, "tab_learn"), classes=["kemitraan-card"]):
        Html("p", t(lang, "learn_intro"))
        with rv.ExpansionPanels(multiple=True, accordion=True):
            for key in MECHANISMS:
                with rv.ExpansionPanel():
                    rv.ExpansionPanelHeader(children=[t(lang, f"mech_{key}_title")])
                    with rv.ExpansionPanelContent():
                        Html("p", t(lang, f"mech_{key}", **sizes))


@solara.component
def LanguageSwitch() -> None:
    """English / Bahasa Indonesia."""
    codes = {name: code for code, name in LANGUAGES.items()}
    solara.ToggleButtonsSingle(
        value=LANGUAGES[language.value],
        values=list(LANGUAGES.values()),
        on_value=lambda name: language.set(codes[name]),
        dense=True,
        classes=["kemitraan-language"],
    )


@solara.component
def LeverSlider(label: str, value: float, lever: Lever, on_value: Callable[[float], None]) -> None:
    """A slider with its (long, translated) label on its own line, so neither is squeezed."""
    lang = language.value
    Html("div", f"{label}: {number(lang, value, 2)}", "kemitraan-lever-label")
    solara.SliderFloat(
        "",
        value=value,
        min=lever.min,
        max=lever.max,
        step=lever.step,
        on_value=on_value,
        thumb_label=True,
    )


def guard(
    lang: str, error: solara.Reactive[str | None], changed: Callable[[], None]
) -> Callable[..., Callable[[], None]]:
    """Wraps a command so a failure is shown on the page (a classroom demo must not die)."""

    def wrap(action: Callable[[], None], key: str = "error") -> Callable[[], None]:
        def run() -> None:
            try:
                action()
                error.set(None)
            except ValidationError as err:
                first = err.errors()[0]
                where = ".".join(map(str, first["loc"]))
                error.set(t(lang, "param_error", message=f"{where}: {first['msg']}"))
            except Exception as err:
                traceback.print_exc()
                error.set(t(lang, key, message=str(err)))
            changed()

        return run

    return wrap


@solara.component
def RunBar(
    session: Session,
    lang: str,
    *,
    version: int,
    changed: Callable[[], None],
    playing: solara.Reactive[bool],
    run: solara.Reactive[int],
    speed: solara.Reactive[str],
    error: solara.Reactive[str | None],
) -> None:
    """Month, Reset / Play / Step, speed and the shock buttons: sticks to the top of the pane."""
    del version  # a prop only so that the bar follows every step
    guarded = guard(lang, error, changed)
    month, horizon = session.month, session.horizon

    def toggle_play() -> None:
        if playing.value:
            session.stop_play()
            playing.set(False)
        else:
            playing.set(True)
            run.set(session.begin_play())  # a new loop; any older one stops at its next step

    def do_reset() -> None:
        session.stop_play()
        playing.set(False)
        session.reset()

    with rv.Html(tag="div", class_="kemitraan-runbar"):
        with rv.Html(tag="div", class_="kemitraan-runbar-row"):
            Html("div", t(lang, "month", step=month), "kemitraan-month")
            solara.Button(
                t(lang, "reset"),
                color="primary",
                on_click=guarded(do_reset),
                classes=["kemitraan-reset"],
            )
            solara.Button(
                t(lang, "pause") if playing.value else t(lang, "play"),
                color="primary",
                on_click=toggle_play,
                classes=["kemitraan-play"],
            )
            solara.Button(
                t(lang, "step"),
                color="primary",
                on_click=guarded(session.step),
                disabled=playing.value,
                classes=["kemitraan-step"],
            )
            names = {t(lang, key): key for key in SPEEDS}
            solara.ToggleButtonsSingle(
                value=t(lang, speed.value),
                values=list(names),
                on_value=lambda label: speed.set(names[label]),
                dense=True,
                classes=["kemitraan-speed"],
            )
        with rv.Html(tag="div", class_="kemitraan-runbar-row"):
            Html("span", t(lang, "shocks"), "kemitraan-shocks-label")
            for kind, short in (("funding_cut", "funding"), ("leadership_change", "leadership")):
                solara.Button(
                    t(lang, f"shock_{short}"),
                    color="error",
                    outlined=True,
                    on_click=guarded(lambda kind=kind: session.shock(kind)),
                    classes=[f"kemitraan-shock-{short}"],
                )
        if month >= horizon and not playing.value:
            solara.Info(
                t(lang, "ended", step=month, months=horizon),
                dense=True,
                classes=["kemitraan-ended"],
            )
        if error.value:
            solara.Error(error.value, classes=["kemitraan-error"])


@solara.component
def Settings(
    session: Session,
    lang: str,
    *,
    state: str,
    pending: bool,
    changed: Callable[[], None],
    playing: solara.Reactive[bool],
    error: solara.Reactive[str | None],
) -> None:
    """Scenario (with its description), seed, parameters and downloads.

    ``state`` (scenario, seed and levers as the address bar has them) and ``pending`` are props
    so that this re-renders whenever any of them changes, and every control shows the session.
    """
    del state  # a prop only to re-render on each change of scenario, seed or lever
    guarded = guard(lang, error, changed)
    bad_seed, set_bad_seed = solara.use_state(None)  # the raw text of an invalid seed
    seed_text = bad_seed if bad_seed is not None else str(session.seed)

    def on_seed(text: str | None) -> None:
        try:
            session.set_seed(text or "")
            set_bad_seed(None)
        except ValueError:
            set_bad_seed(text or "")
        changed()

    def on_scenario(name: str) -> None:
        session.stop_play()
        playing.set(False)
        set_bad_seed(None)
        guarded(lambda: session.load(name), "scenario_error")()

    def on_lever(name: str, value: object) -> None:
        session.set_lever(name, value)
        changed()

    def do_reset() -> None:
        session.stop_play()
        playing.set(False)
        session.reset()

    titles = scenario_titles(lang)
    with solara.Card(t(lang, "scenario"), classes=["kemitraan-card"]):
        rv.Select(
            label=t(lang, "scenario"),
            items=[{"text": title, "value": name} for name, title in titles.items()],
            v_model=session.scenario_name,
            on_v_model=on_scenario,
            class_="kemitraan-scenario",
        )
        description = scenario_text(session.scenario, lang)[1]
        if description:
            Html("div", description, "kemitraan-scenario-description")
        solara.InputText(
            t(lang, "seed"),
            value=seed_text,
            on_value=on_seed,
            error=bad_seed is not None,
            message=(
                t(lang, "seed_bad", max=SEED_MAX, value=bad_seed)
                if bad_seed is not None
                else t(lang, "seed_hint")
            ),
            classes=["kemitraan-seed"],
        )

    with solara.Card(t(lang, "parameters"), classes=["kemitraan-card"]):
        for lever in LEVERS:
            LeverSlider(
                t(lang, f"p_{lever.name}"),
                value=float(session.levers[lever.name]),
                lever=lever,
                on_value=lambda v, name=lever.name: on_lever(name, v),
            )
        rv.Select(
            label=t(lang, f"p_{GOVERNANCE}"),
            items=[{"text": t(lang, f"gov_{m}"), "value": m} for m in GOVERNANCE_MODES],
            v_model=session.levers[GOVERNANCE],
            on_v_model=lambda v: on_lever(GOVERNANCE, v),
            class_="kemitraan-governance",
        )
        if pending:
            solara.Info(t(lang, "pending"), dense=True)
            solara.Button(
                t(lang, "apply_reset"),
                color="primary",
                outlined=True,
                on_click=guarded(do_reset),
                classes=["kemitraan-apply"],
            )

    with solara.Card(classes=["kemitraan-card", "kemitraan-downloads"]):
        stem = f"kemitraan-{session.scenario_name}-seed{session.seed}"
        solara.FileDownload(
            data=lambda: session.csv().encode("utf-8"),
            filename=f"{stem}.csv",
            label=t(lang, "export_csv"),
        )
        ExportPng(
            label=t(lang, "export_png"), selector=".kemitraan-trends svg", filename=f"{stem}.png"
        )
        Html("p", t(lang, "link_hint"), "kemitraan-caption")


@solara.component
def Header(lang: str, open_settings: solara.Reactive[bool]) -> None:
    """Menu button (shows or hides the settings), title, class address, language."""
    with rv.Html(tag="header", class_="kemitraan-header"):
        solara.Button(
            t(lang, "menu"),
            icon_name="mdi-menu",
            text=True,
            on_click=lambda: open_settings.set(not open_settings.value),
            classes=["kemitraan-menu"],
        )
        Html("h1", t(lang, "title"), "kemitraan-title")
        urls = os.environ.get(STUDENT_URLS_ENV, "").split()
        if urls:
            Html("div", t(lang, "students_open", url=" ".join(urls)), "kemitraan-students")
        LanguageSwitch()


@solara.component
def PartnershipViz(scenario: str = "default") -> None:
    """The whole page; ``scenario`` names a file in ``scenarios/`` (default: the default one).

    The address bar's query (``?scenario=...&seed=...&trust_gain=...``) overrides it, and
    follows every change, so a copied link reproduces the view.
    """
    router = solara.use_router()
    session = solara.use_memo(lambda: Session(scenario, query=router.search or ""), [])
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    run = solara.use_reactive(0)  # the Play loop's token, taken in the click handler
    speed = solara.use_reactive("speed_normal")
    error = solara.use_reactive(None)
    selected = solara.use_reactive(None)
    open_settings = solara.use_reactive(False)  # flips the default: shown on a wide screen
    lang = language.value
    counter = solara.use_memo(lambda: itertools.count(1), [])

    def bump() -> None:
        version.set(next(counter))  # unique even when Play's thread and a click race

    # One function for the page's life: a component whose props are all equal is not drawn
    # again, so Settings re-renders for a new scenario, seed or lever and not for each month.
    changed = solara.use_memo(lambda: bump, [])

    token = run.value
    drawn = solara.use_memo(threading.Event, [])  # set once the page shows the newest month
    solara.use_effect(drawn.set, [version.value])

    def wait_until_drawn(cancel: threading.Event) -> None:
        """Back-pressure: step again only once the last month has been drawn, so that on a slow
        machine the Fast speed never piles up months the page has not shown yet (bounded, so a
        missed signal can only slow Play down, never stop it)."""
        deadline = time.perf_counter() + 2.0
        while not drawn.wait(0.05) and time.perf_counter() < deadline:
            if cancel.is_set() or not playing.value:
                return

    def play_loop(cancel: threading.Event) -> None:
        """Steps while playing.  Clicks hand out tokens in order and only the newest token may
        step, so Play, Pause, Play in quick succession leaves exactly one loop running."""
        started = session.month
        while playing.value and not cancel.is_set():
            begin = time.perf_counter()
            try:
                if not session.play_step(token):
                    return
            except Exception as err:
                traceback.print_exc()
                error.set(t(language.value, "error", message=str(err)))
                playing.set(False)
                return
            drawn.clear()
            changed()
            wait_until_drawn(cancel)
            if started < session.horizon <= session.month:
                playing.set(False)  # the scenario's run is complete: say so, Play goes on
                return
            cancel.wait(max(0.02, 1.0 / SPEEDS[speed.value] - (time.perf_counter() - begin)))

    # use_thread, not solara.lab.use_task: a task registers a kernel callback in a global list
    # that keeps this page (and its model) alive after the tab closes (about 3 MB per tab).
    solara.use_thread(play_loop, dependencies=[token], intrusive_cancel=False)
    frame = solara.use_memo(session.frame, [version.value, session.model])

    query = session.query()

    def follow_address() -> None:
        if router.set_path is None:  # rendered outside a server (tests, a notebook cell)
            return
        if (router.search or "") != query:
            router.push(f"{router.path}?{query}")

    solara.use_effect(follow_address, [query])

    solara.Style(CSS)
    solara.Title(t(lang, "title"))
    with rv.Html(tag="div", class_="kemitraan-page"):
        Header(lang, open_settings)
        with rv.Html(tag="div", class_="kemitraan-body"):
            flip = " flip" if open_settings.value else ""
            with rv.Html(tag="aside", class_=f"kemitraan-sidebar{flip}"):
                Settings(
                    session,
                    lang,
                    state=session.query(),
                    pending=session.pending,
                    changed=changed,
                    playing=playing,
                    error=error,
                )
            with rv.Html(tag="main", class_=MAIN_CLASS):
                RunBar(
                    session,
                    lang,
                    version=version.value,
                    changed=changed,
                    playing=playing,
                    run=run,
                    speed=speed,
                    error=error,
                )
                Views(session, frame, lang, selected, version.value)
