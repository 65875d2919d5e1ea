"""Facets: filter masks and disjunctive counts over the index's metadata columns.

Counts are disjunctive within a facet and conjunctive across facets (as Solr's tag/ex
or Meilisearch): a facet's own selection is left out of its counts, so selecting French
still shows how many Albanian entries there are, while the other facets' selections
narrow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from search import topics
from search.models import FacetValue
from search.querylang import year_range


def filter_mask(snap: Any, name: str, values: Iterable[str]) -> np.ndarray:
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
    snap: Any,
    base: np.ndarray,
    masks: Mapping[str, np.ndarray],
    names: Iterable[str],
    selected: Mapping[str, tuple[str, ...]],
    units: np.ndarray | None = None,
) -> dict[str, list[FacetValue]]:
    """Counts per value of each facet over `base`, narrowed by every other facet's mask.

    With `units` (each entry's practice number) a value counts practices, not entries: a
    practice with versions in two languages counts once under each."""
    facets: dict[str, list[FacetValue]] = {}
    for name in names:
        mask = base.copy()
        for other, m in masks.items():
            if other != name:
                mask &= m
        facets[name] = _values(snap, name, mask, set(selected.get(name, ())), units)
    return facets


def _distinct(codes: np.ndarray, units: np.ndarray | None, size: int) -> np.ndarray:
    """The codes, each (unit, code) pair once."""
    if units is None or not len(codes):
        return codes
    return np.unique(units * size + codes) % size


def _values(
    snap: Any, name: str, mask: np.ndarray, selected: set[str], units: np.ndarray | None
) -> list[FacetValue]:
    if name == "topic":
        return topics.topic_values(snap, mask, selected, units)
    unit = units[mask] if units is not None else None
    if name == "year":
        years = snap.data.years["year_from"][mask].astype(np.int64)
        known = years > 0
        years = _distinct(years[known], unit[known] if unit is not None else None, 1 << 16)
        counts = np.bincount(years) if len(years) else np.zeros(0, dtype=np.int64)
        present = np.flatnonzero(counts)[::-1]  # newest first; not the ~2,000 empty years
        pairs = [(str(y), int(counts[y])) for y in present.tolist()]
    else:
        values = snap.data.values[name]
        codes = _distinct(snap.data.columns[name][mask].astype(np.int64), unit, len(values))
        counts = np.bincount(codes, minlength=len(values))
        present = np.flatnonzero(counts)  # most cities are absent from most results
        pairs = [(values[i], int(counts[i])) for i in present.tolist() if values[i]]
        pairs.sort(key=lambda p: (-p[1], p[0]))
    out = [FacetValue(v, c, v in selected) for v, c in pairs if c or v in selected]
    shown = {v.value for v in out}
    out += [FacetValue(v, 0, True) for v in sorted(selected - shown)]
    return out
