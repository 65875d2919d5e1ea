"""Places at index time: each new or changed entry's city resolved once, and the compact
place tables saved into the generation for the query side (`near=`, place names).

The PlaceBook is built from GeoNames (~5 s) only when a build has entries to analyse, once
per process (corpus.places.default_book); a generation then carries its tables (~10 MB of
.npy files, hard-linked into later generations) and a query process memory-maps them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from corpus.model import Entry
from corpus.places import Place, PlaceBook, default_book

log = logging.getLogger(__name__)

PLACES = "places"  # the generation's place tables (corpus.place_data.Tables.save)


def resolve_entries(
    entries: Sequence[Entry], book: PlaceBook | None = None
) -> tuple[list[Place | None], list[tuple[str, str]]]:
    """Each entry's place (None when neither city nor country is known) and the distinct
    (city, country code) pairs that did not resolve (placed at the country's centre)."""
    if not entries:
        return [], []
    book = book or default_book()
    pairs = [(e.city, e.country_code) for e in entries]
    places, unresolved = book.resolve_many(pairs)
    return [places[p] for p in pairs], sorted(unresolved)


def save_tables(gen_dir: Path, book: PlaceBook | None = None) -> None:
    """Write the place tables into a generation unless it carried them over."""
    target = gen_dir / PLACES
    if target.is_dir():
        return
    tmp = target.with_name(PLACES + ".tmp")
    (book or default_book()).save(tmp)
    tmp.rename(target)


def load_book(gen_dir: Path) -> PlaceBook | None:
    """A generation's place tables, memory-mapped; None for a generation without them."""
    directory = gen_dir / PLACES
    return PlaceBook.load(directory) if directory.is_dir() else None
