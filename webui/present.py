"""View models: the search library's dicts plus what a page shows (names, links, flags).

The HTML pages render these dicts and their `?format=json` twins return them, so the page
is a view of its JSON.  Corpus text stays plain text here (Jinja escapes it); only the
library's `snippet` and `title_html`, already escaped with `<mark>`, are rendered as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import g, url_for
from flask_babel import gettext as _

from search.models import FACETS, MAX_RESULT_WINDOW
from webui.i18n import (
    country_name,
    facet_label,
    facet_title,
    kind_name,
    language_name,
    notice_text,
    ui_language,
)
from webui.state import SearchState
from webui.topics import topic_links

PAGE_WINDOW = 2  # page links shown either side of the current page
UrlFor = Callable[[Any], str]


class Filtered(Protocol):
    """A page state with facet filters (the search page's, the translators' report's)."""

    @property
    def filters(self) -> Mapping[str, tuple[str, ...]]: ...

    def toggled(self, name: str, value: str) -> Any: ...


def safe_url(url: str | None) -> str | None:
    """Only http(s) addresses become links; `javascript:` and friends are dropped."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def lang_attr(language: str | None) -> str | None:
    """The value of an HTML `lang` attribute for corpus text ("und" gets none)."""
    return language if language and language != "und" else None


_ID_SLOT = "0-id-slot"  # a valid entry id (corpus.model.ID_RE) no real id equals


def practice_url(entry_id: str) -> str:
    """An entry page's address.  Built once per request and filled in: pages link hundreds
    of entries, and ids are URL-safe by construction (corpus.model.ID_RE)."""
    cache = g.get("practice_url")
    if cache is None:
        cache = g.practice_url = url_for("entry.practice", entry_id=_ID_SLOT)
    return cache.replace(_ID_SLOT, entry_id, 1)


def place(city: str, country_en: str) -> str:
    return ", ".join(p for p in (city, country_name(country_en)) if p)


def entry_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Display fields for an entry or hit dict (stored documents name the country country_en)."""
    country_en = doc.get("country_en", doc.get("country", ""))
    language = doc.get("language", "")
    return {
        "page_url": practice_url(doc["id"]),
        "language_name": language_name(language),
        "locale_name": language_name(doc.get("locale", "")),
        "country_name": country_name(country_en),
        "place": place(doc.get("city", ""), country_en),
        "kind_name": kind_name(doc.get("kind", "")),
        "lang_attr": lang_attr(language),
        "untranslated": doc.get("translated") == "no",
        "original_url": safe_url(doc.get("url")),
        "topics": topic_links(doc.get("topics"), ui_language()),
    }


def hit_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    versions = [
        {**v, "page_url": practice_url(v["id"]), "language_name": language_name(v["language"])}
        for v in hit.get("versions") or ()
    ]
    return {**hit, "view": entry_view(hit), "versions": versions}


def search_url(state: SearchState) -> str:
    return url_for("search.index", **state.params())


def facet_groups(
    state: Filtered,
    facets: Mapping[str, Iterable[Mapping[str, Any]]],
    shown: int | None,
    url: UrlFor = search_url,
    names: Iterable[str] = FACETS,
) -> list[dict[str, Any]]:
    """Facet values with labels and ready toggle URLs, selected values first; the first
    `shown` values of each facet (all when None), the rest under `more`."""
    groups = []
    for name in names:
        if name not in facets:
            continue
        in_url = set(state.filters.get(name, ()))
        values = []
        for fv in facets[name]:
            value = fv["value"]
            values.append(
                {
                    **fv,
                    "label": facet_label(name, value),
                    # Selected by the query itself (`:fr`, `language:fr`): the URL cannot remove it.
                    "from_query": fv["selected"] and value not in in_url,
                    "toggle_url": url(state.toggled(name, value)),
                }
            )
        values.sort(key=lambda v: not v["selected"])  # stable: counts order otherwise
        if not values:
            continue
        limit = len(values) if shown is None else max(shown, sum(v["selected"] for v in values))
        groups.append(
            {
                "name": name,
                "title": facet_title(name),
                "values": values[:limit],
                "more": values[limit:],
                "selected": sum(1 for v in values if v["selected"]),
            }
        )
    return groups


def chips(state: SearchState, url: UrlFor = search_url) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "value": value,
            "title": facet_title(name),
            "label": facet_label(name, value),
            "remove_url": url(state.toggled(name, value)),
        }
        for name, value in state.selected()
    ]


def pagination(state: SearchState, total: int, url: UrlFor = search_url) -> dict[str, Any]:
    pages = max(1, -(-total // state.per_page))
    pages = min(pages, max(1, MAX_RESULT_WINDOW // state.per_page))
    current = state.page
    window = range(max(1, current - PAGE_WINDOW), min(pages, current + PAGE_WINDOW) + 1)
    numbers = sorted({1, pages, *window})
    links: list[dict[str, Any]] = []
    previous = 0
    for number in numbers:
        if number - previous > 1:
            links.append({"gap": True})
        links.append(
            {"number": number, "url": url(state.at_page(number)), "current": number == current}
        )
        previous = number
    return {
        "page": current,
        "pages": pages,
        "prev_url": url(state.at_page(current - 1)) if current > 1 else None,
        "next_url": url(state.at_page(current + 1)) if current < pages else None,
        "links": links if pages > 1 else [],
    }


def search_page(
    state: SearchState, data: dict[str, Any], facet_values_shown: int
) -> dict[str, Any]:
    """The search page's JSON: the API contract plus labels, toggle URLs and links."""
    fallback = data.get("fallback")
    if fallback:
        fallback = {
            **fallback,
            "results": [hit_view(h) for h in fallback["results"]],
            "url": search_url(state.without_filters()),
        }
    return {
        **data,
        "results": [hit_view(h) for h in data["results"]],
        "related": [hit_view(h) for h in data.get("related") or []],
        "fallback": fallback,
        "browse": not state.q,
        "facet_groups": facet_groups(state, data["facets"], facet_values_shown),
        "chips": chips(state),
        "clear_url": search_url(state.without_filters()) if state.filters else None,
        "suggestion_url": (
            search_url(state.with_query(data["suggestion"])) if data.get("suggestion") else None
        ),
        "notices_text": [notice_text(n) for n in data.get("notices", [])],
        "pagination": pagination(state, data["total"]),
        "state": {
            **state.params(),
            "per_page": state.per_page,
            "sort": state.sort,
            "within_km": f"{state.within_km:g}" if state.near and state.within_km else None,
        },
        "json_url": url_for("search.index", **state.params(), format="json"),
        "api_url": url_for("api.search", **state.params()),
        "sort_names": {
            "relevance": _("Relevance"),
            "newest": _("Newest first"),
            **({"nearest": _("Nearest first")} if state.near else {}),
        },
        "versions_url": search_url(
            state.with_versions("all" if state.versions == "practice" else "practice")
        ),
    }
