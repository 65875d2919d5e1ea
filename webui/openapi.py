"""The OpenAPI 3.1 description of /api (served at /api/openapi.json, checked by the tests).

The component schemas are in webui/openapi_schemas.py (the translators' report's in
webui/openapi_translators.py); this module holds the parameters
and the paths.
"""

from __future__ import annotations

from typing import Any

from search.models import (
    FACETS,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_RESULT_WINDOW,
    SORTS,
    VERSIONS,
)
from search.reports import REPORT_FILTERS
from webui.openapi_schemas import (
    _ERRORS,
    _STR,
    _TOPIC_VALUES,
    EMPTY_IS_DEFAULT,
    EXAMPLE_ENTRY_ID,
    EXAMPLE_QUERIES,
    MAX_WHOLE_NUMBER,
    SCHEMAS,
    _json,
    _ref,
)
from webui.openapi_translators import TRANSLATOR_SCHEMAS

_FILTER_PARAMS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": True,
        "description": f"Only entries whose {name} is one of these values (repeat the"
        " parameter to select several)."
        + (" Years also take ranges: 2019..2022, ..2015, 2019.." if name == "year" else "")
        + (_TOPIC_VALUES if name == "topic" else ""),
        "schema": {"type": "array", "items": {"type": "string"}},
    }
    for name in FACETS
]

_SEARCH_PARAMS = [
    {
        "name": "q",
        "in": "query",
        "required": False,
        "description": 'Query: words, "exact phrase", AND/OR/NOT/-word, field:value (title,'
        " country, city, kind, language, locale, topic), year:2019..2022, integ*, :fr,"
        " near:Geneva (within 300 km; an unknown place is a 400 naming `q`). A place name in"
        " any language ranks the entries located there first."
        " Empty: every entry, newest first.",
        "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
        "examples": {
            name: {"value": value, "summary": summary}
            for name, (value, summary) in EXAMPLE_QUERIES.items()
        },
    },
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": f"Results page. Only the first {MAX_RESULT_WINDOW:,} results are served:"
        f" page x per_page must be at most {MAX_RESULT_WINDOW:,} (page {MAX_RESULT_WINDOW // 10:,}"
        " at the default 10 per page), otherwise 400 naming `page`." + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_RESULT_WINDOW, "default": 1},
        "example": 2,
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": "Results per page." + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
        "example": 20,
    },
    {
        "name": "sort",
        "in": "query",
        "required": False,
        "description": "`relevance`, `newest` first, or `nearest` first (only with `near`,"
        " otherwise 400 naming `sort`)." + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
        "example": "newest",
    },
    {
        "name": "versions",
        "in": "query",
        "required": False,
        "description": "`practice`: one hit per practice, shown in the reader's language"
        " where a version is in it, its other versions listed on the hit; totals and facet"
        " counts count practices.  `all`: every entry on its own; counts count entries."
        + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "string", "enum": list(VERSIONS), "default": "practice"},
        "example": "all",
    },
    {
        "name": "related",
        "in": "query",
        "required": False,
        "description": "`1`: a first page shorter than `per_page` also lists `related`"
        " practices (peers of its best results that the filters allow); `0`: it does not, and"
        " the answer comes sooner (a more-like-this pass for each of its first 3 results)."
        + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"], "default": "1"},
        "example": "0",
    },
    {
        "name": "near",
        "in": "query",
        "required": False,
        "description": "Only entries located within `within_km` of this place: a city name in"
        " any language or spelling (`Ginevra`, `Луцьк`; `City, Country` to choose among"
        " same-name places) or `lat,lon`. An unknown place is a 400 naming `near`, with close"
        " matches. Entries placed only at their country's centre are never near anything."
        " Hits then carry `distance_km`.",
        "schema": {"type": "string", "maxLength": 200},
        "example": "Geneva",
    },
    {
        "name": "within_km",
        "in": "query",
        "required": False,
        "description": "The radius around `near`, great-circle km (only with `near`)."
        + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "number", "minimum": 1, "maximum": 20000, "default": 300},
        "example": 50,
    },
    *_FILTER_PARAMS,
]
_REPORT_PARAMS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": _STR},
    }
    for name in REPORT_FILTERS
] + [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + EMPTY_IS_DEFAULT,
        "allowEmptyValue": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_WHOLE_NUMBER, "default": 1},
    }
    for name, description in (
        ("page", "Report page; past the last one, no rows."),
        ("coverage_page", "Page of the coverage matrix (25 practices)."),
    )
]
_ENTRY_ID_PARAM = {
    "name": "entry_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"},
    "example": EXAMPLE_ENTRY_ID,
}
_FIRST_RESULT_LINK = {
    "firstResult": {
        "operationId": "practice",
        "parameters": {"entry_id": "$response.body#/results/0/id"},
        "description": "The first result's practice page",
    }
}


def _get(
    operation_id: str,
    summary: str,
    responses: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary}
    if parameters is not None:
        operation["parameters"] = parameters
    operation["responses"] = responses
    return {"get": operation}


PATHS = {
    "/api/search": _get(
        "search",
        "Search entries",
        {
            "200": {**_json(_ref("SearchResponse"), "Results page"), "links": _FIRST_RESULT_LINK},
            **_ERRORS,
        },
        _SEARCH_PARAMS,
    ),
    "/api/facets": _get(
        "facets",
        "Facet counts for the whole index or for a query",
        {"200": _json(_ref("FacetsResponse"), "Facet counts"), **_ERRORS},
        [p for p in _SEARCH_PARAMS if p["name"] not in ("page", "sort", "related")],
    ),
    "/api/practice/{entry_id}": _get(
        "practice",
        "One entry, its other language versions and similar practices",
        {
            "200": _json(_ref("Practice"), "The practice"),
            "404": {"$ref": "#/components/responses/NotFound"},
            **_ERRORS,
        },
        [_ENTRY_ID_PARAM],
    ),
    "/api/topics": _get(
        "topics",
        "Every topic with its names, description and entry count",
        {"200": _json(_ref("Topics"), "The topics"), **_ERRORS},
    ),
    "/api/translations": _get(
        "translations",
        "Entries not written in their locale's language; coverage matrix",
        {"200": _json(_ref("TranslationsReport"), "Report"), **_ERRORS},
        _REPORT_PARAMS,
    ),
    "/api/openapi.json": _get(
        "openapi",
        "This document",
        {
            "200": _json({"type": "object"}, "OpenAPI 3.1 document"),
            "405": {"$ref": "#/components/responses/MethodNotAllowed"},
        },
    ),
}
RESPONSES = {
    "BadRequest": _json(_ref("Error"), "A parameter must change (named in param)"),
    "NotFound": _json(_ref("Error"), "No such entry"),
    "MethodNotAllowed": _json(_ref("Error"), "Only GET and HEAD are served"),
    "Unavailable": _json(_ref("Error"), "The index is not available"),
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gpsearch API",
            "version": "1",
            "description": "Multilingual faceted search over the Council of Europe Intercultural"
            " Cities good practices. Every HTML page also answers `?format=json`.",
        },
        "paths": PATHS,
        "components": {"schemas": {**SCHEMAS, **TRANSLATOR_SCHEMAS}, "responses": RESPONSES},
    }
