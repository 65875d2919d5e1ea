"""The home page (the search page with nothing asked yet): a starting point for each user.

A researcher starts from an example search in some language, a translator from the count
of untranslated entries, an officer from a country or a language.  Everything here comes
from the facets the empty search already counted: the panel costs no extra search.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from webui.i18n import facet_label, language_name
from webui.present import search_url
from webui.state import SearchState

BROWSE_VALUES = 6  # values offered per browse group (the facet sidebar lists them all)
# Facets to browse by, in order; "topic" shows up once the index has such a facet.
BROWSE_FACETS = ("language", "country", "topic")

# (query, language of the query, what the example shows).  Each one finds entries of the
# bundled corpus that a word-for-word search in one language would miss.
EXAMPLES: tuple[tuple[str, str, Callable[[], str]], ...] = (
    ("barazia", "sq", lambda: _("equality, in Albanian")),
    ("médiation interculturelle", "fr", lambda: _("finds English entries too")),
    ("Valadolid", "es", lambda: _("a misspelt city still finds it")),
    (":sr једнакост", "sr", lambda: _("Cyrillic query, Latin-script entries")),
)


def _browse_title(name: str) -> str:
    return {
        "language": _("By language"),
        "country": _("By country"),
        "topic": _("By topic"),
    }.get(name, name)


def _browse_groups(state: SearchState, facets: Mapping[str, Any]) -> list[dict[str, Any]]:
    groups = []
    for name in BROWSE_FACETS:
        values = [fv for fv in facets.get(name) or () if fv["value"]][:BROWSE_VALUES]
        if not values:
            continue
        groups.append(
            {
                "name": name,
                "title": _browse_title(name),
                "values": [
                    {
                        "value": fv["value"],
                        "label": facet_label(name, fv["value"]),
                        "count": fv["count"],
                        "url": search_url(state.toggled(name, fv["value"])),
                    }
                    for fv in values
                ],
            }
        )
    return groups


def _untranslated(facets: Mapping[str, Any]) -> int:
    return sum(fv["count"] for fv in facets.get("translated") or () if fv["value"] == "no")


def home_panel(state: SearchState, page: Mapping[str, Any]) -> dict[str, Any] | None:
    """The starting panel's view model; None once the user asked for something."""
    if state.q or state.filters or state.page != 1:
        return None
    facets = page.get("facets") or {}
    return {
        "examples": [
            {
                "query": query,
                "lang": lang,
                "language_name": language_name(lang),
                "note": note(),
                "url": search_url(state.with_query(query)),
            }
            for query, lang, note in EXAMPLES
        ],
        "untranslated": _untranslated(facets),
        "translations_url": url_for("translators.index"),
        "browse": _browse_groups(state, facets),
    }


def canonical_url(state: SearchState) -> str:
    """The one address of what a search page shows: parameters in a stable order, a
    facet's values sorted, defaults and the JSON switch left out."""
    params = state.params()
    for name, value in params.items():
        if isinstance(value, list):
            params[name] = sorted(value)
    return url_for("search.index", **params, _external=True)


def home_page(state: SearchState, page: Mapping[str, Any]) -> dict[str, Any]:
    """What the search page adds to its view model: the starting panel and its canonical URL."""
    return {"home": home_panel(state, page), "canonical_url": canonical_url(state)}
