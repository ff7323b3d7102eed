"""Plain-language sentences for model events, so students read what just happened."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from simulation import Event
from simulation.i18n import t

SHOWN = 8  # sentences shown at most


def org_label(name: str, lang: str) -> str:
    """``"ngo-2"`` -> ``"NGO 2"`` / ``"LSM 2"``: sector in words, number kept to follow it."""
    sector, _, number = name.rpartition("-")
    if not sector:
        return name
    label = t(lang, f"sector_{sector}")
    return f"{label} {number}" if label != f"sector_{sector}" else name


def join(items: Sequence[str], lang: str) -> str:
    """``a, b and c`` in the chosen language."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t(lang, 'and')} {items[-1]}"


def describe(event: Event, lang: str) -> str:
    """One sentence for one event; unknown kinds still read sensibly."""
    d = event.data
    kind_code = str(d.get("partnership", d.get("kind", "")))
    kind = t(lang, f"kind_{kind_code}") if kind_code else ""
    members = join([org_label(m, lang) for m in d.get("members", [])], lang)
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
                else join([t(lang, f"sector_{s}") for s in sectors], lang)
            )
            return t(
                lang,
                "ev_funding_cut",
                step=step,
                sectors=named,
                percent=round(100 * float(d.get("magnitude", 0.0))),
                months=d.get("duration", "?"),
            )
        case "leadership_change":
            orgs = [org_label(o, lang) for o in d.get("orgs", [])]
            shown = join(orgs[:4] + (["..."] if len(orgs) > 4 else []), lang)
            key = "ev_leadership_shock" if d.get("cause") == "shock" else "ev_leadership_turnover"
            return t(lang, key, step=step, orgs=shown)
        case _:
            return t(lang, "ev_other", step=step, kind=event.kind)


def story(events: Iterable[Event], step: int, lang: str, limit: int = SHOWN) -> list[str]:
    """Newest-first sentences about the latest months, shocks always first within a month."""
    recent = [e for e in events if e.step >= step - 2]
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
