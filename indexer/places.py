"""Places at index time: each new or changed entry's city resolved once, and the compact
place tables saved into the generation for the query side (`near=`, place names).

The PlaceBook is built from GeoNames (~5 s) only when a build from nothing has entries to
analyse (an update resolves with the tables its previous generation carries), once
per process (corpus.places.default_book); a generation then carries its tables (~10 MB of
.npy files, hard-linked into later generations) and a query process memory-maps them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.model import Entry
from corpus.place_data import Strings, Tables
from corpus.places import Place, PlaceBook, default_book
from indexer import generations
from indexer.readonce import read_once

log = logging.getLogger(__name__)

PLACES = "places"  # the generation's place tables (corpus.place_data.Tables.save)
LOCAL = "places-local"  # the rows of the generation's own places (not carried over)
_TABLES_STAMP = "keys.offsets.npy"  # written with every other table (Tables.save)


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


def save_local(
    gen_dir: Path,
    keys: frozenset[str],
    book: PlaceBook | None = None,
    previous: Path | None = None,
) -> None:
    """Write the generation's own places (present_book) beside the full tables.  A build
    that carried the tables over from `previous`, whose entries name the same places, links
    that generation's table instead: the cut reads every row of the full tables (30 ms of a
    one-entry update at 100k entries, measured)."""
    if previous is not None and (previous / LOCAL).is_dir() and generation_keys(previous) == keys:
        generations.link_tree(previous / LOCAL, gen_dir / LOCAL)
        return
    full = book or indexing_book(gen_dir)
    if full is None:
        return
    present_book(full, keys).save(gen_dir / LOCAL)


def generation_keys(gen_dir: Path) -> frozenset[str]:
    """The place keys a generation's entries carry (its merged metadata columns)."""
    from indexer import layout

    return frozenset(k for k in layout.column_values(gen_dir, "place_key") if k)


def load_local(gen_dir: Path, keys: frozenset[str]) -> PlaceBook | None:
    """The generation's own places: saved by the build, else cut from the full tables."""
    if (gen_dir / LOCAL).is_dir():
        return PlaceBook.load(gen_dir / LOCAL)
    book = load_book(gen_dir)
    return None if book is None else present_book(book, keys)


def load_book(gen_dir: Path) -> PlaceBook | None:
    """A generation's place tables, memory-mapped; None for a generation without them."""
    directory = gen_dir / PLACES
    return PlaceBook.load(directory) if directory.is_dir() else None


def indexing_book(gen_dir: Path) -> PlaceBook | None:
    """`load_book` for an indexer: generations link the tables they carry over, so a
    process that updates an index again and again maps them once while they stay the same
    files (indexer.readonce): mapping the 19 arrays cost 2.7 ms of every one-entry update
    at 100k entries (measured).  The tables are written together, so one file stands for
    all.  Not for a query process: the book stays mapped after its generation is removed,
    until the process indexes other tables (a server would hold a rebuilt index's old
    tables; a generation's snapshot releases its own)."""
    # no stamp: nothing kept, and load_book gives None (no tables) or names the damage
    stamp = gen_dir / PLACES / _TABLES_STAMP
    return read_once(stamp, lambda _stamp: load_book(gen_dir), key="place tables")


def present_book(book: PlaceBook, keys: frozenset[str]) -> PlaceBook:
    """The part of the place tables that query words are matched against: the places an
    index has entries for and the cities they belong to (`Londres` finds Lewisham through
    London). A few hundred rows in memory instead of binary searches over 330k mapped
    names, so plain query words touch neither the pages nor the time of the full table,
    which stays for `near=` (any city of the world)."""
    t = book.tables
    wanted = {i for i in range(len(t.keys)) if t.keys[i] in keys}
    wanted |= {int(t.part_of[i]) for i in wanted if int(t.part_of[i]) >= 0}
    rows = np.asarray(sorted(wanted), dtype=np.int64)
    new_row = {int(r): i for i, r in enumerate(rows.tolist())}
    aliases = []  # (alias index in the full table, new row)
    for r in rows.tolist():
        start, end = int(t.row_alias_start[r]), int(t.row_alias_start[r + 1])
        aliases += [(int(a), new_row[r]) for a in t.row_aliases[start:end]]
    aliases.sort()  # the full table's alias order is name order
    alias_rows = np.asarray([row for _, row in aliases], dtype=np.int32)
    by_row = np.argsort(alias_rows, kind="stable").astype(np.int32)
    starts = np.searchsorted(alias_rows[by_row], np.arange(len(rows) + 1)).astype(np.int32)
    part_of = np.asarray(
        [new_row.get(int(t.part_of[r]), -1) for r in rows.tolist()], dtype=np.int32
    )
    small = Tables(
        keys=Strings.from_list(t.keys[int(r)] for r in rows),
        names=Strings.from_list(t.names[int(r)] for r in rows),
        country=np.asarray(t.country)[rows],
        lat=np.asarray(t.lat)[rows],
        lon=np.asarray(t.lon)[rows],
        population=np.asarray(t.population)[rows],
        part_of=part_of,
        alias_keys=Strings.from_list(t.alias_keys[a] for a, _ in aliases),
        alias_rows=alias_rows,
        row_aliases=by_row,
        row_alias_start=starts,
        centre_codes=t.centre_codes,
        centre_lat=t.centre_lat,
        centre_lon=t.centre_lon,
        centre_names=t.centre_names,
    )
    return PlaceBook(small)
