"""Facets: filter masks and disjunctive counts over the index's metadata columns.

Counts are disjunctive within a facet and conjunctive across facets (as Solr's tag/ex
or Meilisearch): a facet's own selection is left out of its counts, so selecting French
still shows how many Albanian entries there are, while the other facets' selections
narrow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from search import topics
from search.models import FACETS, FacetValue
from search.practices import Practices
from search.querylang import year_range
from search.snapshot import Snapshot, derived


def filter_mask(snap: Snapshot, name: str, values: Iterable[str]) -> np.ndarray:
    """Entries with one of the values of a facet (years: the start year, or a range)."""
    values = tuple(values)
    if name != "year":
        return snap.column_mask(name, values)
    mask = np.zeros(snap.n, dtype=bool)
    for value in values:
        bounds = year_range(value)
        if bounds is not None:  # anything else matches nothing, as unknown values do
            mask |= snap.start_year_mask(*bounds)
    return mask


def facet_counts(
    snap: Snapshot,
    base: np.ndarray,
    masks: Mapping[str, np.ndarray],
    names: Iterable[str],
    selected: Mapping[str, tuple[str, ...]],
    practices: Practices | None = None,
) -> dict[str, list[FacetValue]]:
    """Counts per value of each facet over `base`, narrowed by every other facet's mask.

    With `practices` a value counts practices, not entries: a practice with versions in
    two languages counts once under each.  Counting works on the matched docnums, found
    once for each distinct set of narrowing masks (every facet without a selection of its
    own shares one), so a query pays for its matches, not for the size of the index."""
    facets: dict[str, list[FacetValue]] = {}
    docs_by_masks: dict[tuple[str, ...], np.ndarray] = {}
    for name in names:
        others = tuple(other for other in masks if other != name)
        docs = docs_by_masks.get(others)
        if docs is None:
            mask = base.copy()
            for other in others:
                mask &= masks[other]
            docs = docs_by_masks[others] = np.flatnonzero(mask)
        facets[name] = _values(snap, name, docs, set(selected.get(name, ())), practices)
    return facets


def _counts(
    key: str, codes: np.ndarray, docs: np.ndarray, size: int, practices: Practices | None
) -> np.ndarray:
    if practices is None:
        return np.bincount(codes[docs], minlength=size)
    return practices.value_counts(key, codes, docs, size)


def _values(
    snap: Snapshot, name: str, docs: np.ndarray, selected: set[str], practices: Practices | None
) -> list[FacetValue]:
    if name == "topic":
        return topics.topic_values(snap, docs, selected, practices)
    if name == "year":
        years = snap.data.years["year_from"]
        dated = docs[np.flatnonzero(years[docs] > 0)]
        # Counted up to the latest year held, not the column's 65,536 possible values.
        size = derived(snap.memo, "year_size", lambda: int(years.max(initial=0)) + 1)
        counts = _counts(name, years, dated, size, practices)
        present = np.flatnonzero(counts)[::-1]  # newest first
        pairs = [(str(y), int(counts[y])) for y in present.tolist()]
    else:
        values = snap.data.values[name]
        codes = snap.data.columns[name]
        counts = _counts(name, codes, docs, len(values), practices)
        present = np.flatnonzero(counts)  # most cities are absent from most results
        pairs = [(values[i], int(counts[i])) for i in present.tolist() if values[i]]
        pairs.sort(key=lambda p: (-p[1], p[0]))
    out = [FacetValue(v, c, v in selected) for v, c in pairs if c or v in selected]
    shown = {v.value for v in out}
    out += [FacetValue(v, 0, True) for v in sorted(selected - shown)]
    return out


def warm_facets(snap: Snapshot, previous: Snapshot | None = None) -> None:
    """What every query's facets, result collapsing and topic lift derive once per
    generation (each facet's practice classes, ~8 MB at 100k entries), derived at open: a
    server's master holds them before its workers fork and share them, instead of each
    worker its own.  The classes are carried over from `previous` where an update changed
    few entries (search.practices.carried)."""
    practices = Practices.of_snapshot(snap, previous)
    none = np.zeros(snap.n, dtype=bool)
    facet_counts(snap, none, {}, FACETS, {}, practices)
    practices.expand(none)
    practices.best(none, np.zeros(snap.n, dtype=np.float32))
    topics.topic_confidence(snap)
    topics.topic_slots(snap, previous)
    _ = snap.year_span
