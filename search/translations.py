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
