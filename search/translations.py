"""Translators' reports: untranslated entries (language differs from the publishing locale)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

CHECK_BELOW = 0.8  # detections less sure than this are flagged for a human to check
UNTRANSLATED_COLUMNS = ("id", "title", "locale", "language", "confidence", "check", "url")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(out: IO[str], rows: Iterable[dict[str, Any]], columns: Iterable[str]) -> None:
    columns = list(columns)
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])


def untranslated_rows(
    searcher: Any, *, locale: str | None = None, language: str | None = None
) -> list[dict[str, Any]]:
    """Entries whose (detected or declared) language is not their locale's, sorted."""
    rows = []
    for doc in searcher.iter_documents():
        if doc["translated"] == "yes":
            continue
        if (locale and doc["locale"] != locale) or (language and doc["language"] != language):
            continue
        rows.append({
            "id": doc["id"], "title": doc["title"], "locale": doc["locale"],
            "language": doc["language"], "confidence": doc["language_confidence"],
            "check": doc["translated"] == "unknown" or doc["language_confidence"] < CHECK_BELOW,
            "url": doc["url"], "country": doc["country_en"], "city": doc["city"],
        })  # fmt: skip
    rows.sort(key=lambda r: (r["locale"], r["language"], r["title"]))
    return rows


def coverage(searcher: Any) -> dict[str, Any]:
    """Practices x locales: for each practice (a translation group, or a lone entry), is it
    published under each locale in that locale's language, published untranslated, or
    missing?  With totals per locale."""
    practices: dict[str, list[dict[str, Any]]] = {}
    for doc in searcher.iter_documents():
        key = searcher.group_of(doc["id"]) or doc["id"]
        practices.setdefault(key, []).append(doc)
    locales = sorted({d["locale"] for docs in practices.values() for d in docs})
    totals = {loc: {"translated": 0, "untranslated": 0, "missing": 0} for loc in locales}
    rows = []
    for key, docs in practices.items():
        entries: dict[str, list[dict[str, Any]]] = {}
        for d in docs:
            entries.setdefault(d["locale"], []).append(
                {"id": d["id"], "language": d["language"], "translated": d["translated"]}
            )
        cells = {}
        for loc in locales:
            here = entries.get(loc, [])
            state = ("translated" if any(e["translated"] == "yes" for e in here)
                     else "untranslated" if here else "missing")  # fmt: skip
            cells[loc] = state
            totals[loc][state] += 1
        title = min(docs, key=lambda d: (d["language"] != "en", d["id"]))["title"]
        rows.append({"practice": key, "title": title, "entries": entries, "cells": cells})
    rows.sort(key=lambda r: (-len(r["entries"]), r["title"].casefold()))
    return {"locales": locales, "rows": rows, "totals": totals}
