"""The data of the OpenAPI document: component schemas and shared fragments."""

from __future__ import annotations

from typing import Any

from search.models import FACETS, SORTS, VERSIONS
from webui.errors import MAX_URL_BYTES

EXAMPLE_ENTRY_ID = "sq-barazia-territoriale-dhe-kulturore-ne-c899bf3c"
EXAMPLE_QUERIES = {
    "albanian": ("barazia", "Albanian: equality"),
    "french": ("médiation interculturelle", "French words also find English entries"),
    "misspelt": ("Valadolid", "A misspelt city: results, and a suggestion"),
    "cyrillic": (":sr једнакост", "Serbian in Cyrillic, entries in Latin script"),
}
# parse_int's bound: a longer number is refused before it is read.
MAX_WHOLE_NUMBER = 999_999_999
EMPTY_IS_DEFAULT = " An empty value (`name=`) is taken as not given: the default."


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "405": {"$ref": "#/components/responses/MethodNotAllowed"},
    "414": _json(
        _ref("Error"),
        f"The address (path and query string, percent-encoded) is longer than"
        f" {MAX_URL_BYTES:,} bytes; param names the longest parameter",
    ),
    "503": {"$ref": "#/components/responses/Unavailable"},
}
_STR = {"type": "string"}
_INT = {"type": "integer"}
_NULL_INT = {"type": ["integer", "null"]}
_NULL_STR = {"type": ["string", "null"]}

_TOPIC_VALUES = (
    " A topic is its id (see /api/topics) or its name in any language of the taxonomy;"
    " an entry has 1-3 topics and counts once under each."
)
_TOPIC_IDS = {"type": "array", "items": _STR, "description": "Topic ids, best first"}

_NULL_NUM = {"type": ["number", "null"]}
_PLACE_FIELDS = {
    "lat": {**_NULL_NUM, "description": "The city's latitude (null: not located)"},
    "lon": {**_NULL_NUM, "description": "The city's longitude (null: not located)"},
    "place": {**_NULL_STR, "description": "The place's canonical (English) name"},
}

_HIT_FIELDS = {
    "id": _STR,
    "title": _STR,
    "summary": _STR,
    "url": _STR,
    "kind": _STR,
    "language": _STR,
    "locale": _STR,
    "country": _STR,
    "city": _STR,
    "year_from": _NULL_INT,
    "year_to": _NULL_INT,
    "score": {"type": "number"},
    "snippet": {"type": "string", "description": "HTML: escaped text, matches in <mark>"},
    "title_html": {"type": "string", "description": "HTML: escaped title, matches in <mark>"},
    "period": _STR,
    "translated": {"type": "string", "enum": ["yes", "no", "unknown"]},
    "language_confidence": {"type": "number"},
    "country_code": _STR,
    "versions": {
        "type": "array",
        "description": "The practice's other versions (translations, the same text under"
        " other locales)",
        "items": {
            "type": "object",
            "required": ["id", "title", "language", "locale", "translated"],
            "properties": {
                "id": _STR,
                "title": _STR,
                "language": _STR,
                "locale": _STR,
                "translated": {"type": "string", "enum": ["yes", "no", "unknown"]},
            },
        },
    },
    "topics": _TOPIC_IDS,
    **_PLACE_FIELDS,
    "distance_km": {**_NULL_NUM, "description": "km from `near` (null without it)"},
}

_ENTRY_FIELDS = {
    "id": _STR,
    "title": _STR,
    "summary": _STR,
    "body": _STR,
    "url": _STR,
    "kind": _STR,
    "language": _STR,
    "language_confidence": {"type": "number"},
    "locale": _STR,
    "country": _STR,
    "country_en": _STR,
    "country_code": _STR,
    "city": _STR,
    "period": _STR,
    "year_from": _NULL_INT,
    "year_to": _NULL_INT,
    "source": _STR,
    "translated": {"type": "string", "enum": ["yes", "no", "unknown"]},
    "truncated": {"type": "boolean", "description": "The page was cut inside this entry"},
    "topics": _TOPIC_IDS,
    "topic_scores": {
        "type": "array",
        "description": "Each topic with the indexer's confidence (0..1; 1 when the source"
        " declares it) and the words that gave it",
        "items": {
            "type": "object",
            "required": ["topic", "confidence", "evidence"],
            "properties": {
                "topic": _STR,
                "confidence": {"type": "number"},
                "evidence": {"type": "array", "items": _STR},
            },
        },
    },
    **_PLACE_FIELDS,
    "place_approximate": {
        "type": ["boolean", "null"],
        "description": "True: the city was not found; the entry is placed at its country's"
        " centre (lat/lon stay null)",
    },
}
_PLACES = {
    "type": "object",
    "description": "Coordinates of the city facet's values: {city: {lat, lon}}",
    "additionalProperties": {
        "type": "object",
        "required": ["lat", "lon"],
        "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
    },
}

_SEARCH_REQUIRED = [
    "query",
    "total",
    "page",
    "per_page",
    "pages",
    "sort",
    "versions",
    "suggestion",
    "results",
    "facets",
    "filters",
    "relaxed",
    "fallback",
    "notices",
    "generation",
    "took_ms",
    "places",
]

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "param"],
        "properties": {
            "error": _STR,
            "param": {**_NULL_STR, "description": "The parameter to change, when one is at fault"},
        },
    },
    "Hit": {"type": "object", "required": list(_HIT_FIELDS), "properties": _HIT_FIELDS},
    "FacetValue": {
        "type": "object",
        "required": ["value", "count", "selected"],
        "properties": {
            "value": _STR,
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean"},
        },
    },
    "Facets": {
        "type": "object",
        "description": "Counts per value; a facet's own selection is left out of its counts.",
        "properties": {name: {"type": "array", "items": _ref("FacetValue")} for name in FACETS},
        "required": list(FACETS),
    },
    "Filters": {
        "type": "object",
        "additionalProperties": {"type": "array", "items": _STR},
    },
    "SearchResponse": {
        "type": "object",
        "required": _SEARCH_REQUIRED,
        "properties": {
            "query": _STR,
            "total": _INT,
            "page": _INT,
            "per_page": _INT,
            "pages": _INT,
            "sort": {"type": "string", "enum": list(SORTS)},
            "versions": {"type": "string", "enum": list(VERSIONS)},
            "suggestion": _NULL_STR,
            "results": {"type": "array", "items": _ref("Hit")},
            "facets": {"oneOf": [_ref("Facets"), {"type": "object", "maxProperties": 0}]},
            "filters": _ref("Filters"),
            "relaxed": {"type": "boolean"},
            "fallback": {
                "oneOf": [_ref("SearchResponse"), {"type": "null"}],
                "description": "The query without filters, when the filters leave < 3 hits",
            },
            "related": {
                "type": "array",
                "items": _ref("Hit"),
                "description": "Peers of the best results, offered when the page is short",
            },
            "notices": {"type": "array", "items": _STR},
            "generation": _STR,
            "took_ms": {"type": "number"},
            "places": _PLACES,
        },
    },
    "FacetsResponse": {
        "type": "object",
        "required": ["query", "total", "filters", "facets", "places", "generation"],
        "properties": {
            "query": _STR,
            "total": _INT,
            "filters": _ref("Filters"),
            "facets": _ref("Facets"),
            "places": _PLACES,
            "generation": _STR,
        },
    },
    "Entry": {
        "type": "object",
        "required": list(_ENTRY_FIELDS),
        "properties": _ENTRY_FIELDS,
        "additionalProperties": True,
    },
    "Practice": {
        "type": "object",
        "required": ["entry", "versions", "similar", "nearby"],
        "properties": {
            "entry": _ref("Entry"),
            "versions": {
                "type": "array",
                "items": _ref("Entry"),
                "description": "The same practice in other languages",
            },
            "similar": {
                "type": "array",
                "items": _ref("Hit"),
                "description": "Similar practices, other cities first",
            },
            "nearby": {
                "type": "array",
                "items": _ref("Hit"),
                "description": "Practices of the nearest other cities, nearest first"
                " (`distance_km` from this entry's city)",
            },
        },
    },
    "Topics": {
        "type": "object",
        "required": ["topics", "generation"],
        "properties": {
            "topics": {
                "type": "array",
                "description": "Every topic of the taxonomy, in display order",
                "items": {
                    "type": "object",
                    "required": ["id", "names", "description", "count"],
                    "properties": {
                        "id": _STR,
                        "names": {"type": "object", "additionalProperties": _STR},
                        "description": {"type": "object", "additionalProperties": _STR},
                        "count": {**_INT, "description": "Live entries with this topic"},
                    },
                },
            },
            "generation": _STR,
        },
    },
}
