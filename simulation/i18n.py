"""Every string the visualizer shows, in English and Bahasa Indonesia, from gettext catalogues.

The texts live in ``simulation/locale/<lang>/LC_MESSAGES/kemitraan.po``: each message id is a
stable key (``"step"``, ``"kpi_welfare"``) and its translation is the text, so a teacher can
correct the Indonesian with any gettext tool (Poedit, Weblate; each Indonesian entry carries the
English as a comment).  Babel compiles them:

    pybabel compile -d simulation/locale -D kemitraan

The compiled ``.mo`` files are committed, so a fresh clone and an installed wheel both have
them, and a test fails when a ``.mo`` no longer matches its ``.po``.  Numbers and lists are
written the locale's way by Babel (Indonesian: ``0,512`` and ``A, B, dan C``).  `t` falls back
to English, then to the key, so a missing translation shows English rather than nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kemitraan"
LANGUAGES: dict[str, str] = {"en": "English", "id": "Bahasa Indonesia"}

MECHANISMS: tuple[str, ...] = (
    "actors",
    "forming",
    "trust",
    "benefits",
    "community",
    "funding",
    "governance",
    "welfare",
)


@cache
def catalogue(lang: str) -> Translations:
    """The compiled catalogue of ``lang`` (``en`` for an unknown language)."""
    code = lang if lang in LANGUAGES else "en"
    found = Translations.load(str(LOCALE_DIR), [code], DOMAIN)
    if not isinstance(found, Translations):  # babel returns NullTranslations when absent
        raise FileNotFoundError(f"{LOCALE_DIR / code / 'LC_MESSAGES' / DOMAIN}.mo is missing")
    return found


def t(lang: str, key: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (English if missing there, else the key), formatted."""
    text = catalogue(lang).gettext(key)
    if text == key:
        text = catalogue("en").gettext(key)
    return text.format(**values) if values else text


def number(
    lang: str, value: float, digits: int = 2, *, trim: bool = False, sign: bool = False
) -> str:
    """``value`` with ``digits`` decimals in the language's format (``0.51`` / ``0,51``).

    ``trim`` drops trailing zeros (tick labels); ``sign`` always shows + or -.
    """
    decimals = ("#" if trim else "0") * digits
    pattern = f"#,##0.{decimals}" if digits else "#,##0"
    if sign:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=lang if lang in LANGUAGES else "en")


def percent(lang: str, share: float) -> str:
    """A share in [0, 1] as a whole percentage (``12%``)."""
    return f"{number(lang, 100 * share, digits=0)}%"


def join(lang: str, items: Sequence[str]) -> str:
    """``a, b and c`` / ``a, b, dan c``: a list written the language's way."""
    return format_list(list(items), locale=lang if lang in LANGUAGES else "en") if items else ""
