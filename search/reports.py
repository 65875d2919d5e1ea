"""Translators' reports: untranslated entries and the practices x locales coverage matrix.

Untranslated = the entry's (detected or declared) language is not its locale's.  Both
reports count and order with the index's metadata columns (and the practices worked out
once per index generation) and read stored entries only for the rows shown.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import IO, Any

import numpy as np

from search.facets import facet_counts

CHECK_BELOW = 0.8  # detections less sure than this are flagged for a human to check
UNTRANSLATED_COLUMNS = ("id", "title", "locale", "language", "confidence", "check", "url")
REPORT_FILTERS = ("locale", "language", "topic")
STATES = ("translated", "untranslated", "missing")
CELL_ENTRIES = 5  # entries listed in one cell of the coverage matrix (all are counted)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(out: IO[str], rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> None:
    columns = list(columns)
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])


def _row(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "title": doc["title"],
        "locale": doc["locale"],
        "language": doc["language"],
        "confidence": doc["language_confidence"],
        "check": doc["translated"] == "unknown" or doc["language_confidence"] < CHECK_BELOW,
        "url": doc["url"],
        "country": doc["country_en"],
        "city": doc["city"],
    }


def _untranslated(snap: Any) -> np.ndarray:
    values = snap.data.values["translated"]
    codes = [i for i, v in enumerate(values) if v != "yes"]
    return np.isin(snap.data.columns["translated"], codes) & snap.alive


def _ordered(snap: Any, mask: np.ndarray) -> np.ndarray:
    """Docnums by locale, language, then id (ids start with the title's words; the id
    column's codes number its sorted values, one per live entry)."""
    docnums = np.flatnonzero(mask)
    columns = snap.data.columns
    keys = (columns["id"][docnums], columns["language"][docnums], columns["locale"][docnums])
    return docnums[np.lexsort(keys)]


def untranslated_report(
    searcher: Any,
    filters: Mapping[str, tuple[str, ...]] | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """One page of untranslated entries, filtered by locale and/or language, with counts
    per value (a filter's own selection is left out of its counts, as search facets)."""
    filters = {k: v for k, v in (filters or {}).items() if v}
    snap = searcher.snapshot()
    base = _untranslated(snap)
    masks = {name: snap.column_mask(name, values) for name, values in filters.items()}
    selected = base.copy()
    for m in masks.values():
        selected &= m
    facets = facet_counts(snap, base, masks, REPORT_FILTERS, filters)
    order = _ordered(snap, selected)
    shown = order[(page - 1) * per_page : page * per_page]
    return {
        "total": int(selected.sum()),
        "untranslated_total": int(base.sum()),
        "rows": [_row(snap.stored(int(d))) for d in shown],
        "facets": facets,
    }


def untranslated_rows(
    searcher: Any, filters: Mapping[str, tuple[str, ...]] | None = None
) -> list[dict[str, Any]]:
    """Every untranslated entry (for exports), optionally of some locales and languages."""
    snap = searcher.snapshot()
    mask = _untranslated(snap)
    for name, values in (filters or {}).items():
        if values:
            mask &= snap.column_mask(name, values)
    return [_row(snap.stored(int(d))) for d in _ordered(snap, mask)]


def coverage(searcher: Any, *, page: int = 1, per_page: int | None = None) -> dict[str, Any]:
    """Practices x locales: for each practice (a translation group, or a lone entry), is it
    published under each locale in that locale's language, published untranslated, or
    missing?  Totals per locale; rows with the most versions first.  The matrix is worked
    out once per index generation; a request reads the stored titles of its rows only."""
    snap = searcher.snapshot()
    matrix = snap.memo.get("coverage")
    if matrix is None:
        matrix = snap.memo["coverage"] = _Matrix(snap)
    order = matrix.order
    if per_page is not None:
        order = order[(page - 1) * per_page : page * per_page]
    rows = [matrix.row(snap, int(p)) for p in order]
    return {
        "locales": matrix.locales,
        "rows": rows,
        "totals": matrix.totals,
        "practices": len(matrix.keys),
    }


class _Matrix:
    """The coverage matrix of one generation (see `coverage`)."""

    def __init__(self, snap: Any) -> None:
        docnums, practice, self.keys = snap.practices
        locale_codes = snap.data.columns["locale"][docnums]
        used = np.unique(locale_codes)
        self.locales = [snap.data.values["locale"][c] for c in used]
        column = np.searchsorted(used, locale_codes)
        values = snap.data.values["translated"]
        yes_code = values.index("yes") if "yes" in values else -1
        translated = snap.data.columns["translated"][docnums] == yes_code
        has = np.zeros((len(self.keys), len(self.locales)), dtype=bool)
        has[practice, column] = True
        yes = np.zeros_like(has)
        yes[practice[translated], column[translated]] = True
        self.state = np.where(yes, 0, np.where(has, 1, 2))  # index into STATES
        self.totals = {
            loc: {name: int((self.state[:, j] == s).sum()) for s, name in enumerate(STATES)}
            for j, loc in enumerate(self.locales)
        }
        self.sizes = np.bincount(practice, minlength=len(self.keys))
        first = np.full(len(self.keys), snap.n, dtype=np.int64)
        np.minimum.at(first, practice, snap.data.columns["id"][docnums])  # id order
        self.order = np.lexsort((first, -self.sizes))
        by_practice = np.argsort(practice, kind="stable")
        self.members = docnums[by_practice]  # practice by practice
        self.starts = np.searchsorted(practice[by_practice], np.arange(len(self.keys)))

    def row(self, snap: Any, p: int) -> dict[str, Any]:
        """One practice's row, from the metadata columns (one stored entry: its title)."""
        start = int(self.starts[p])
        members = self.members[start : start + int(self.sizes[p])]
        columns, values = snap.data.columns, snap.data.values
        entries: dict[str, list[dict[str, Any]]] = {}
        counts: dict[str, int] = {}
        locales = columns["locale"][members]
        for code in np.unique(locales).tolist():
            here = members[locales == code]
            locale = values["locale"][code]
            counts[locale] = len(here)
            entries[locale] = [
                {
                    "id": snap.entry_id(d),
                    "language": values["language"][columns["language"][d]],
                    "translated": values["translated"][columns["translated"][d]],
                }
                for d in here[:CELL_ENTRIES].tolist()
            ]
        shown = members[: CELL_ENTRIES * len(counts)].tolist()
        english = values["language"].index("en") if "en" in values["language"] else -1
        titled = min(shown, key=lambda d: (columns["language"][d] != english, snap.entry_id(d)))
        return {
            "practice": self.keys[p],
            "title": snap.stored(titled)["title"],
            "entries": entries,
            "counts": counts,
            "cells": {loc: STATES[self.state[p, j]] for j, loc in enumerate(self.locales)},
        }
