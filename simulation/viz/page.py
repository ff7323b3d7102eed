"""The visualizer page: Mesa's SolaraViz layout (app bar, sidebar controls, main pane of views).

Why not Mesa's stock ``SolaraViz``: its control labels are English-only, its Reset can only
rebuild the model from keyword arguments (no scenario files, no seed validation), one model object
is shared by every browser tab, and its draggable grid is hard to read on a projector.  This page
keeps Mesa's conventions (``page = ...`` in ``app.py``, Step / Play / Reset, views as functions of
the model state) and adds what a classroom needs.
"""

from __future__ import annotations

import itertools
import time
import traceback
from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara
import solara.lab
from pydantic import ValidationError

from simulation.i18n import LANGUAGES, MECHANISMS, t
from simulation.viz.community import LEFT_BEHIND_LINE, draw_community, left_behind_share
from simulation.viz.frame import Frame
from simulation.viz.narrative import story
from simulation.viz.network import draw_network
from simulation.viz.session import (
    GOVERNANCE,
    GOVERNANCE_MODES,
    LEVERS,
    SEED_MAX,
    Lever,
    Session,
    scenario_names,
)
from simulation.viz.trends import draw_trends

language = solara.reactive("en")  # per browser session (solara keeps one value per tab)

MAIN_CLASS = "kemitraan-main"
CSS = """
.kemitraan-main { max-width: 1500px; }
.kemitraan-sidebar { width: 370px; max-width: 370px; }  /* solara's drawer is 400px min */
.kemitraan-main .v-card { margin-bottom: 12px; }
.kemitraan-view svg { display: block; max-width: 100%; height: auto; }
.kemitraan-kpi { text-align: center; padding: 8px 4px; }
.kemitraan-kpi .value { font-size: 1.6rem; font-weight: 600; line-height: 1.2; }
.kemitraan-kpi .label { font-size: 0.8rem; color: #555; }
.kemitraan-kpi .detail { font-size: 0.75rem; color: #777; }
.kemitraan-caption { font-size: 0.85rem; color: #444; margin: 0 0 6px 0; }
.kemitraan-story li { margin-bottom: 4px; }
.kemitraan-lever-label { font-size: 0.85rem; color: #333; margin-top: 6px; line-height: 1.2; }
"""


def render_views(frame: Frame, lang: str, reference_budget: float) -> dict[str, object]:
    """SVG text of the three views and how long drawing took (seconds)."""
    start = time.perf_counter()
    images = {
        "network": draw_network(frame, lang, reference_budget),
        "community": draw_community(frame, lang),
        "trends": draw_trends(frame, lang),
    }
    return {**images, "seconds": time.perf_counter() - start}


@solara.component
def Kpi(label: str, value: str, detail: str = "") -> None:
    """One key figure (big number, label, optional detail)."""
    with rv.Card(outlined=True, class_="kemitraan-kpi"):
        rv.Html(tag="div", class_="value", children=[value])
        rv.Html(tag="div", class_="label", children=[label])
        if detail:
            rv.Html(tag="div", class_="detail", children=[detail])


@solara.component
def KeyFigures(frame: Frame, lang: str) -> None:
    """Month, welfare, inequality, trust, partnerships and the share left behind."""
    last = frame.metrics.iloc[-1]
    prev = frame.metrics.iloc[-2] if len(frame.metrics) > 1 else last
    delta = float(last["community_welfare"] - prev["community_welfare"])
    with solara.Columns([1, 1, 1, 1, 1, 1]):
        Kpi(t(lang, "kpi_month"), str(frame.step))
        Kpi(t(lang, "kpi_welfare"), f"{last['community_welfare']:.3f}", f"{delta:+.3f}")
        Kpi(t(lang, "kpi_gini"), f"{last['gini']:.3f}")
        Kpi(t(lang, "kpi_trust"), f"{last['mean_trust']:.2f}")
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
            f"{100 * left_behind_share(frame.composite):.0f}%",
            t(lang, "kpi_left_behind_detail", line=LEFT_BEHIND_LINE),
        )


@solara.component
def Story(frame: Frame, lang: str) -> None:
    """The live narrative: what happened in the last months, in plain words."""
    lines = story(frame.events, frame.step, lang)
    with rv.Html(tag="ul", class_="kemitraan-story"):
        for line in lines:
            rv.Html(tag="li", children=[line])


@solara.component
def Views(frame: Frame, lang: str, reference_budget: float) -> None:
    """The main pane: key figures, network + narrative, community, trends, explanations."""
    drawn = solara.use_memo(lambda: render_views(frame, lang, reference_budget), [frame, lang])
    KeyFigures(frame, lang)
    with solara.Columns([5, 3]):
        with solara.Card(t(lang, "network_title", step=frame.step)):
            rv.Html(tag="p", class_="kemitraan-caption", children=[t(lang, "network_caption")])
            solara.HTML(tag="div", unsafe_innerHTML=drawn["network"], classes=["kemitraan-view"])
        with solara.Card(t(lang, "narrative_title")):
            Story(frame, lang)
    with solara.Card(t(lang, "community_title", step=frame.step)):
        rv.Html(
            tag="p",
            class_="kemitraan-caption",
            children=[t(lang, "community_caption", line=LEFT_BEHIND_LINE)],
        )
        solara.HTML(tag="div", unsafe_innerHTML=drawn["community"], classes=["kemitraan-view"])
    with solara.Card(t(lang, "trends_title")):
        rv.Html(tag="p", class_="kemitraan-caption", children=[t(lang, "trends_caption")])
        solara.HTML(tag="div", unsafe_innerHTML=drawn["trends"], classes=["kemitraan-view"])
    rv.Html(
        tag="div",
        class_="kemitraan-render-time caption",
        children=[t(lang, "render_time", ms=round(1000 * float(drawn["seconds"])))],
    )
    Learn(lang)


@solara.component
def Learn(lang: str) -> None:
    """One paragraph per mechanism, tied to the seed concepts."""
    with solara.Card(t(lang, "tab_learn")):
        rv.Html(tag="p", children=[t(lang, "learn_intro")])
        with rv.ExpansionPanels(multiple=True, accordion=True):
            for key in MECHANISMS:
                with rv.ExpansionPanel():
                    rv.ExpansionPanelHeader(children=[t(lang, f"mech_{key}_title")])
                    with rv.ExpansionPanelContent():
                        rv.Html(tag="p", children=[t(lang, f"mech_{key}")])


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
    rv.Html(tag="div", class_="kemitraan-lever-label", children=[f"{label}: {value:.2f}"])
    solara.SliderFloat(
        "",
        value=value,
        min=lever.min,
        max=lever.max,
        step=lever.step,
        on_value=on_value,
        thumb_label=True,
    )


@solara.component
def Controls(
    session: Session,
    lang: str,
    *,
    changed: Callable[[], None],
    playing: solara.Reactive[bool],
    error: solara.Reactive[str | None],
    month: int,
    pending: bool,
) -> None:
    """Step / Play / Reset, scenario, seed, levers and shock buttons.

    ``month`` and ``pending`` come from the parent's frame so this re-renders with each step.
    """
    seed_text, set_seed_text = solara.use_state(str(session.seed))
    bad_seed, set_bad_seed = solara.use_state(None)  # the raw text of an invalid seed

    def guarded(action: Callable[[], None], key: str = "error") -> Callable[[], None]:
        def run() -> None:
            try:
                action()
                error.set(None)
            except ValidationError as err:
                first = err.errors()[0]
                error.set(
                    t(
                        lang,
                        "param_error",
                        message=f"{'.'.join(map(str, first['loc']))}: {first['msg']}",
                    )
                )
            except Exception as err:  # shown on the page: a classroom demo must not die
                traceback.print_exc()
                error.set(t(lang, key, message=str(err)))
            changed()

        return run

    def do_step() -> None:
        session.step()

    def do_reset() -> None:
        playing.set(False)
        session.reset()

    def on_seed(text: str | None) -> None:
        set_seed_text(text or "")
        try:
            session.set_seed(text or "")
            set_bad_seed(None)
        except ValueError:
            set_bad_seed(text or "")
        changed()

    def on_scenario(name: str) -> None:
        playing.set(False)
        guarded(lambda: session.load(name), "scenario_error")()
        set_seed_text(str(session.seed))
        set_bad_seed(None)

    def on_lever(name: str, value: object) -> None:
        session.set_lever(name, value)
        changed()

    with solara.Card(t(lang, "controls")):
        rv.Html(
            tag="div",
            class_="text-h6 kemitraan-month",
            children=[t(lang, "month", step=month)],
        )
        with solara.Row(justify="space-between"):
            solara.Button(
                t(lang, "reset"),
                color="primary",
                on_click=guarded(do_reset),
                classes=["kemitraan-reset"],
            )
            solara.Button(
                t(lang, "pause") if playing.value else t(lang, "play"),
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                classes=["kemitraan-play"],
            )
            solara.Button(
                t(lang, "step"),
                color="primary",
                on_click=guarded(do_step),
                disabled=playing.value,
                classes=["kemitraan-step"],
            )
        if error.value:
            solara.Error(error.value, classes=["kemitraan-error"])
        solara.Select(
            t(lang, "scenario"),
            values=scenario_names(),
            value=session.scenario_name,
            on_value=on_scenario,
            classes=["kemitraan-scenario"],
        )
        if session.scenario.description:
            rv.Html(
                tag="div",
                class_="caption kemitraan-scenario-description",
                children=[session.scenario.description],
            )
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

    with solara.Card(t(lang, "parameters")):
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

    with solara.Card(t(lang, "shocks")):
        rv.Html(tag="p", class_="caption", children=[t(lang, "shock_hint")])
        with solara.Row(justify="space-between"):
            solara.Button(
                t(lang, "shock_funding"),
                color="error",
                outlined=True,
                on_click=guarded(lambda: session.shock("funding_cut")),
                classes=["kemitraan-shock-funding"],
            )
            solara.Button(
                t(lang, "shock_leadership"),
                color="error",
                outlined=True,
                on_click=guarded(lambda: session.shock("leadership_change")),
                classes=["kemitraan-shock-leadership"],
            )


@solara.component
def PartnershipViz(scenario: str = "default", play_interval: float = 0.3) -> None:
    """The whole page; ``scenario`` names a file in ``scenarios/`` (default: the default one).

    Play steps one month per ``play_interval`` seconds (or slower, if drawing takes longer) and
    pauses at the scenario's horizon.
    """
    session = solara.use_memo(lambda: Session(scenario), [])
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    error = solara.use_reactive(None)
    lang = language.value

    counter = solara.use_memo(lambda: itertools.count(1), [])

    def changed() -> None:
        version.set(next(counter))  # unique even when Play's thread and a click race

    def play_loop() -> None:
        while playing.value:
            start = time.perf_counter()
            try:
                session.step()
            except Exception as err:
                traceback.print_exc()
                error.set(t(language.value, "error", message=str(err)))
                playing.set(False)
                return
            changed()
            if session.model.steps >= session.scenario.steps:
                playing.set(False)
                return
            time.sleep(max(0.05, play_interval - (time.perf_counter() - start)))

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)
    frame = solara.use_memo(session.frame, [version.value, session.model])

    solara.Style(CSS)
    solara.Title(t(lang, "title"))
    with solara.AppBar():
        solara.AppBarTitle(t(lang, "title"))
        LanguageSwitch()
    with solara.Sidebar(), solara.Column(classes=["kemitraan-sidebar"]):
        Controls(
            session,
            lang,
            changed=changed,
            playing=playing,
            error=error,
            month=frame.step,
            pending=session.pending,
        )
    with solara.Column(classes=[MAIN_CLASS]):
        Views(frame, lang, session.reference_budget)
