"""Interface language: choice (`?lang=` then Accept-Language), catalogs, localised names.

Language names come from CLDR through babel (`Locale("fr").languages["sq"]` is "albanais"),
country names from pycountry's translations through `corpus.gazetteer`.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

from corpus.gazetteer import gazetteer, localized_country_name
from search.models import Notice
from webui.config import UI_LANGUAGES

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).with_name("locales")


def ui_language() -> str:
    """The interface language of this request (worked out once per request: a page with a
    few hundred language names asked Flask-Babel's locale resolution for each)."""
    if "ui_language" not in g:
        g.ui_language = str(get_locale() or current_app.config["DEFAULT_UI_LANGUAGE"])
    return str(g.ui_language)


def explicit_language() -> str | None:
    """The `?lang=` the user chose, if valid: kept in every link so the choice sticks."""
    lang = request.args.get("lang", "")
    return lang if lang in UI_LANGUAGES else None


def select_locale() -> str:
    return explicit_language() or request.accept_languages.best_match(
        UI_LANGUAGES, default=current_app.config["DEFAULT_UI_LANGUAGE"]
    )


def _keep_language(endpoint: str, values: dict) -> None:
    """url_for() adds the chosen `lang` to every page link (static files need none)."""
    if endpoint == "static" or "lang" in values:
        return
    chosen = g.get("explicit_lang")
    if chosen:
        values["lang"] = chosen


def _remember_language() -> None:
    g.explicit_lang = explicit_language()


def _language_headers(response: Response) -> Response:
    """Caches must key pages on Accept-Language unless `?lang=` fixed the language."""
    if not g.get("explicit_lang"):
        response.vary.add("Accept-Language")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", ui_language())
    return response


def compile_catalogs(directory: Path = LOCALES_DIR) -> list[Path]:
    """Compile each messages.po whose .mo is missing or older (a clean clone still works)."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalog = read_po(po)
        # Written aside then renamed: gunicorn workers starting together never read half a file.
        tmp_path = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        try:
            with tmp_path.open("wb") as mo:
                write_mo(mo, catalog)
            tmp_path.replace(mo_path)
        except OSError as exc:
            tmp_path.unlink(missing_ok=True)
            log.warning("cannot compile %s: %s; the interface stays in English", po_path, exc)
            continue
        log.info("compiled %s", mo_path)
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    # The committed .mo files are used as they are: a server never writes into its own
    # package (`flask --app webui compile-messages` compiles them when a .po changes).
    Babel(app, locale_selector=select_locale, default_translation_directories=str(LOCALES_DIR))
    app.before_request(_remember_language)
    app.after_request(_language_headers)
    app.url_defaults(_keep_language)


# --- localised names ------------------------------------------------------------------


@functools.cache
def _locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


def language_name(code: str, ui: str | None = None) -> str:
    """`sq` -> "Albanian" (or "albanais" in a French interface); unknown codes stay codes."""
    if not code:
        return ""
    return _language_name(code, ui or ui_language())


@functools.lru_cache(maxsize=4096)
def _language_name(code: str, ui: str) -> str:
    ui_locale = _locale(ui)
    names = ui_locale.languages if ui_locale else {}
    base, _sep, region = code.replace("-", "_").partition("_")
    key = f"{base}_{region.upper()}" if region else base
    if key in names:
        return names[key]
    parsed = _locale(code)
    if parsed is not None and ui_locale is not None:
        name = parsed.get_display_name(ui_locale)
        if name:
            return name
    return code


def country_name(english: str, ui: str | None = None) -> str:
    """A country stored under its English name, in the interface language."""
    if not english:
        return ""
    code = gazetteer().country_code(english)
    if not code:
        return english
    return localized_country_name(code, ui or ui_language()) or english


def kind_name(kind: str) -> str:
    return {"good-practice": _("Good practice"), "news": _("News")}.get(kind, kind)


def translated_name(value: str) -> str:
    return {
        "yes": _("In the locale's language"),
        "no": _("Not in the locale's language"),
        "unknown": _("Language uncertain"),
    }.get(value, value)


def facet_title(name: str) -> str:
    return {
        "language": _("Language"),
        "locale": _("Published under"),
        "country": _("Country"),
        "city": _("City"),
        "year": _("Year"),
        "kind": _("Type"),
        "translated": _("Translation"),
        "topic": _("Topic"),
    }.get(name, name)


def facet_label(name: str, value: str) -> str:
    """How a facet value reads in the interface language."""
    if name == "language":
        return language_name(value)
    if name == "locale":
        return f"/{value}/ · {language_name(value)}"
    if name == "country":
        return country_name(value)
    if name == "kind":
        return kind_name(value)
    if name == "translated":
        return translated_name(value)
    if name == "topic":
        from webui.topics import topic_name

        return topic_name(value, ui_language())
    return value


def notice_text(notice: str) -> str:
    """A search notice in the interface language (by its code; plain text stays as is)."""
    if not isinstance(notice, Notice):
        return notice
    p = notice.params
    texts: dict[str, Callable[[], str]] = {
        "unbalanced_quote": lambda: _("An unmatched quote was ignored."),
        "unbalanced_parentheses": lambda: _("Unmatched parentheses were ignored."),
        "deep_parentheses": lambda: _(
            "Parentheses nested deeper than %(levels)s levels were ignored.", levels=p["levels"]
        ),
        "unknown_field": lambda: _(
            "Unknown field %(field)s searched as text.", field=f"{p['field']}:"
        ),
        "bad_year": lambda: _(
            "A year looks like 2019 or 2019..2022, not %(value)s.", value=repr(p["value"])
        ),
        "short_prefix": lambda: _(
            "The prefix %(prefix)s is too short (3 letters at least).", prefix=p["prefix"]
        ),
        "too_many_terms": lambda: _(
            "Only the first %(n)s terms of the query are used.", n=p["terms"]
        ),
        "not_found": lambda: _("Not found in any practice: %(words)s", words=p["words"]),
        "loose_phrase": lambda: _(
            "No practice has the exact phrase “%(phrase)s”: these have all of its words.",
            phrase=p["phrase"],
        ),
    }
    return texts[notice.code]() if notice.code in texts else str(notice)
