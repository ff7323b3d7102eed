"""Plain-language sentences for model events, so students read what just happened."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from simulation import Event
from simulation.i18n import join, number, t

SHOWN = 8  # sentences shown at most


def org_label(name: str, lang: str) -> str:
    """``"ngo-2"`` -> ``"NGO 2"`` / ``"LSM 2"``: sector in words, number kept to follow it."""
    sector, _, number = name.rpartition("-")
    if not sector:
        return name
    label = t(lang, f"sector_{sector}")
    return f"{label} {number}" if label != f"sector_{sector}" else name


def _names(items: Sequence[str], lang: str) -> str:
    return join(lang, [org_label(m, lang) for m in items])


def describe(event: Event, lang: str) -> str:
    """One sentence for one event; unknown kinds still read sensibly."""
    d = event.data
    kind_code = str(d.get("partnership", d.get("kind", "")))
    kind = t(lang, f"kind_{kind_code}") if kind_code else ""
    members = _names(d.get("members", []), lang)
    reason_raw = str(d.get("reason", ""))
    reason = t(lang, f"reason_{reason_raw}") if reason_raw else ""
    step = event.step
    match event.kind:
        case "formed" if kind_code == "K7":
            return t(lang, "ev_formed_volunteers", step=step, members=members)
        case "formed":
            key = "ev_formed_formal" if d.get("formal") else "ev_formed_informal"
            return t(lang, key, step=step, members=members, kind=kind)
        case "joined":
            return t(lang, "ev_joined", step=step, members=members, kind=kind)
        case "left":
            return t(lang, "ev_left", step=step, members=members, kind=kind, reason=reason)
        case "dissolved" if kind_code == "K7" and members:
            return t(lang, "ev_dissolved_volunteers", step=step, members=members, reason=reason)
        case "dissolved" if members:
            return t(lang, "ev_dissolved", step=step, members=members, kind=kind, reason=reason)
        case "dissolved":
            return t(lang, "ev_dissolved_alone", step=step, kind=kind, reason=reason)
        case "renewed":
            return t(lang, "ev_renewed", step=step, kind=kind)
        case "funding_cut":
            sectors = d.get("sectors") or []
            named = (
                t(lang, "all_sectors")
                if len(sectors) >= 5
                else join(lang, [t(lang, f"sector_{s}") for s in sectors])
            )
            return t(
                lang,
                "ev_funding_cut",
                step=step,
                sectors=named,
                percent=number(lang, 100 * float(d.get("magnitude", 0.0)), 0),
                months=d.get("duration", "?"),
            )
        case "leadership_change":
            orgs = [org_label(o, lang) for o in d.get("orgs", [])]
            shown = join(lang, orgs[:4] + (["..."] if len(orgs) > 4 else []))
            key = "ev_leadership_shock" if d.get("cause") == "shock" else "ev_leadership_turnover"
            return t(lang, key, step=step, orgs=shown)
        case _:
            return t(lang, "ev_other", step=step, kind=event.kind)


def with_leavers(events: Iterable[Event]) -> list[Event]:
    """A break-up names everyone who was in the partnership that month.

    The model logs each member that leaves, then the break-up with the members still in it
    (often one, or none); folding the leavers into the break-up tells students who split.
    """
    events = list(events)
    dissolved = {(e.step, e.data.get("pid")) for e in events if e.kind == "dissolved"}
    leavers: dict[tuple[int, object], list[str]] = {}
    for e in events:
        if e.kind == "left" and (e.step, e.data.get("pid")) in dissolved:
            leavers.setdefault((e.step, e.data.get("pid")), []).extend(e.data.get("members", []))
    merged = []
    for event in events:
        key = (event.step, event.data.get("pid"))
        if event.kind == "left" and key in dissolved:
            continue
        if event.kind == "dissolved" and key in leavers:
            members = [*leavers[key], *event.data.get("members", [])]
            merged.append(replace(event, data={**event.data, "members": members}))
        else:
            merged.append(event)
    return merged


def story(events: Iterable[Event], step: int, lang: str, limit: int = SHOWN) -> list[str]:
    """Newest-first sentences about the latest months, shocks always first within a month."""
    recent = with_leavers(e for e in events if e.step >= step - 2)
    if not recent:
        if step == 0:
            return [t(lang, "narrative_empty")]
        return [t(lang, "narrative_quiet", step=step)]
    priority = {"funding_cut": 0, "leadership_change": 1, "dissolved": 2, "left": 3}
    ordered = sorted(
        enumerate(recent), key=lambda ie: (-ie[1].step, priority.get(ie[1].kind, 9), -ie[0])
    )
    lines = [describe(e, lang) for _, e in ordered[:limit]]
    if recent[-1].step < step:
        lines.insert(0, t(lang, "narrative_quiet", step=step))
    return lines
