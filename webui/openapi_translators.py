"""The OpenAPI component schemas of the translators' report (/api/translations): its
rows, its facet values and the practices x locales coverage matrix."""

from __future__ import annotations

from typing import Any

from search.reports import REPORT_FILTERS
from webui.openapi_schemas import _INT, _STR, _ref

TRANSLATOR_SCHEMAS: dict[str, Any] = {
    "UntranslatedRow": {
        "type": "object",
        "required": [
            "id",
            "title",
            "locale",
            "language",
            "confidence",
            "check",
            "url",
            "country",
            "city",
            "versions",
            "versions_total",
        ],
        "properties": {
            "id": _STR,
            "title": _STR,
            "locale": _STR,
            "language": _STR,
            "confidence": {"type": "number"},
            "check": {"type": "boolean", "description": "Detection uncertain: check by hand"},
            "url": _STR,
            "country": _STR,
            "city": _STR,
            "versions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "language", "locale", "title"],
                    "properties": {
                        "id": _STR,
                        "language": _STR,
                        "locale": _STR,
                        "title": _STR,
                        "translated": _STR,
                    },
                },
                "description": "The first 5 other versions of the entry's practice",
            },
            "versions_total": {**_INT, "description": "How many other versions there are"},
        },
    },
    "ReportFacetValue": {
        "type": "object",
        "required": ["value", "count", "selected", "label", "toggle_url"],
        "properties": {
            "value": _STR,
            "count": _INT,
            "selected": {"type": "boolean"},
            "label": _STR,
            "toggle_url": _STR,
        },
    },
    "Coverage": {
        "type": "object",
        "required": ["locales", "rows", "totals"],
        "properties": {
            "locales": {"type": "array", "items": _STR},
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["title", "entries", "cells"],
                    "properties": {
                        "title": _STR,
                        "entries": {"type": "object", "additionalProperties": {"type": "array"}},
                        "cells": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "string",
                                "enum": ["translated", "untranslated", "missing"],
                            },
                        },
                    },
                },
            },
            "rows_total": _INT,
            "totals": {"type": "object"},
        },
    },
    "TranslationsReport": {
        "type": "object",
        "required": [
            "total",
            "untranslated_total",
            "page",
            "pages",
            "per_page",
            "filters",
            "rows",
            "facet_groups",
            "coverage",
            "csv_url",
        ],
        "properties": {
            "total": _INT,
            "untranslated_total": _INT,
            "page": _INT,
            "pages": _INT,
            "per_page": _INT,
            "filters": _ref("Filters"),
            "rows": {"type": "array", "items": _ref("UntranslatedRow")},
            "facet_groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "title", "values"],
                    "properties": {
                        "name": {"type": "string", "enum": list(REPORT_FILTERS)},
                        "title": _STR,
                        "values": {"type": "array", "items": _ref("ReportFacetValue")},
                    },
                },
            },
            "coverage": {
                "oneOf": [_ref("Coverage"), {"type": "null"}],
                "description": "Practices x locales, when the library provides it",
            },
            "csv_url": _STR,
        },
    },
}
