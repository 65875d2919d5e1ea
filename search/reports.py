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
    """Docnums by locale, language, then id (ids start with the title's words)."""
    docnums = np.flatnonzero(mask)
    columns = snap.data.columns
    keys = (snap.id_rank[docnums], columns["language"][docnums], columns["locale"][docnums])
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
    missing?  Totals per locale; rows with the most versions first."""
    snap = searcher.snapshot()
    docnums, practice, keys = snap.practices
    locale_codes = snap.data.columns["locale"][docnums]
    locale_values = snap.data.values["locale"]
    used = np.unique(locale_codes)
    locales = [locale_values[c] for c in used]
    column = np.searchsorted(used, locale_codes)
    translated = snap.data.columns["translated"][docnums] == (
        snap.data.values["translated"].index("yes")
        if "yes" in snap.data.values["translated"]
        else -1
    )
    has = np.zeros((len(keys), len(locales)), dtype=bool)
    has[practice, column] = True
    yes = np.zeros_like(has)
    yes[practice[translated], column[translated]] = True
    state = np.where(yes, 0, np.where(has, 1, 2))  # index into STATES
    totals = {
        loc: {name: int((state[:, j] == s).sum()) for s, name in enumerate(STATES)}
        for j, loc in enumerate(locales)
    }
    sizes = np.bincount(practice, minlength=len(keys))
    first = np.full(len(keys), snap.n, dtype=np.int64)
    np.minimum.at(first, practice, snap.id_rank[docnums])
    order = np.lexsort((first, -sizes))
    if per_page is not None:
        order = order[(page - 1) * per_page : page * per_page]
    by_practice = np.argsort(practice, kind="stable")
    starts = np.searchsorted(practice[by_practice], order, side="left")
    rows = []
    for p, start in zip(order.tolist(), starts.tolist(), strict=True):
        members = docnums[by_practice[start : start + int(sizes[p])]]
        docs = [snap.stored(int(d)) for d in members]
        entries: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            entries.setdefault(doc["locale"], []).append(
                {"id": doc["id"], "language": doc["language"], "translated": doc["translated"]}
            )
        title = min(docs, key=lambda d: (d["language"] != "en", d["id"]))["title"]
        rows.append(
            {
                "practice": keys[p],
                "title": title,
                "entries": entries,
                "cells": {loc: STATES[state[p, j]] for j, loc in enumerate(locales)},
            }
        )
    return {"locales": locales, "rows": rows, "totals": totals, "practices": len(keys)}
