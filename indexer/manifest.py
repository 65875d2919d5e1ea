"""What a generation remembers of each entry: its content hash (indexer.hashing), source
file, place-and-year block (the regrouping unit; "" when none) and whether its source
declares its translation group.  An update compares the entries it is given with this to
find what changed.

Stored as columns in manifest.json: the ids and the hashes each one string of lines (a
list when one of them is empty or holds a newline), the source files and the blocks as
tables with each entry's code in them.  At 100k entries, 44-45 ms to read (damage checks
included) and 26 to write (as lists of strings, 66-68 and 57-60; measured alternately).
An update links the manifest it read as manifest.base.json and writes the rows it changed
beside it (manifest.delta.json: each changed id's row, and the ids removed) until they pass
a share of the rows (generations.delta_fits); the next update in the process takes the
manifest from it (indexer.handoff), else parses a linked base once (read_once).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from itertools import compress
from pathlib import Path

from indexer.generations import MANIFEST, MANIFEST_BASE, MANIFEST_DELTA, delta_fits, held_file
from indexer.readonce import read_once

log = logging.getLogger(__name__)

FORMAT = 3  # 2: ids, hashes and blocks as lists; 1: {"entries": {id: [...]}}, SHA-1 hashes
DELTA_FORMAT = 1


class Manifest:
    """Columns by row (ids, content hashes, each entry's source file and block as codes in
    their tables) and the ids whose source declares their group.  An update looks up and
    changes a few rows; the dicts by id a build compares every entry with are made when
    first asked for (`hashes`, `files`, `blocks`: read-only views)."""

    __slots__ = (
        "_base",
        "_base_rows",
        "_block",
        "_blocks",
        "_codes",
        "_hashes",
        "_ids",
        "_row",
        "_since",
        "_source",
        "_sources",
        "_views",
        "declared",
    )

    def __init__(self, declared: Iterable[str] = ()) -> None:
        self._ids: list[str] = []
        self._hashes: list[str] = []
        self._source: list[int] = []  # code in _sources
        self._sources: list[str] = []
        self._block: list[int] = []  # code in _blocks ("" when none)
        self._blocks: list[str] = []
        self.declared = set(declared)
        self._row: dict[str, int] | None = None  # id -> row, made on first lookup
        self._codes: dict[str, dict[str, int]] = {}  # table -> value -> code, as needed
        self._views: dict[str, dict[str, str]] = {}
        self._base: Path | None = None  # the file it was read from (the next one links it)
        self._base_rows = 0
        self._since: dict[str, None] = {}  # ids added, changed or removed since `_base`

    @classmethod
    def from_columns(
        cls,
        ids: list[str],
        hashes: list[str],
        columns: tuple[list[int], list[str], list[int], list[str]],
        declared: Iterable[str],
    ) -> Manifest:
        """From read columns: (source codes, sources, block codes, blocks)."""
        manifest = cls(declared)
        manifest._ids, manifest._hashes = ids, hashes
        manifest._source, manifest._sources, manifest._block, manifest._blocks = columns
        if not len(ids) == len(hashes) == len(manifest._source) == len(manifest._block):
            raise ValueError("columns of different lengths")
        return manifest

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._rows()

    def _rows(self) -> dict[str, int]:
        if self._row is None:
            self._row = dict(zip(self._ids, range(len(self._ids)), strict=True))
        return self._row

    def hash_of(self, entry_id: str) -> str | None:
        row = self._rows().get(entry_id)
        return None if row is None else self._hashes[row]

    def block_of(self, entry_id: str) -> str | None:
        row = self._rows().get(entry_id)
        return None if row is None else self._blocks[self._block[row]]

    def ids_in(self, blocks: set[str]) -> list[str]:
        """The ids of the entries in any of `blocks`.  Only the ids found are touched
        (zipping 100k ids took 13 ms).  Up to 3 blocks (an update's), each code's rows by
        list.index, a scan in C (1,000 of 100k rows in 0.8 ms); more: one pass (2.7 ms)."""
        codes = {k for k, block in enumerate(self._blocks) if block in blocks}
        if len(codes) > 3:
            return [self._ids[row] for row, code in enumerate(self._block) if code in codes]
        rows: list[int] = []
        for code in codes:
            with contextlib.suppress(ValueError):
                row = -1
                while True:
                    row = self._block.index(code, row + 1)
                    rows.append(row)
        return [self._ids[row] for row in sorted(rows)]

    def block_sizes(self) -> dict[str, int]:
        """How many entries each block holds ("": the entries without one)."""
        sizes: Counter[str] = Counter()
        for code, n in Counter(self._block).items():
            sizes[self._blocks[code]] += n
        return dict(sizes)

    def source_files(self) -> set[str]:
        """The source files the entries come from."""
        return {self._sources[code] for code in set(self._source)}

    @property
    def hashes(self) -> dict[str, str]:
        """Entry id -> content hash (made once; do not change it)."""
        return self._view("hashes", lambda: self._hashes)

    @property
    def files(self) -> dict[str, str]:
        """Entry id -> source file (made once; do not change it)."""
        return self._view("files", lambda: list(map(self._sources.__getitem__, self._source)))

    @property
    def blocks(self) -> dict[str, str]:
        """Entry id -> block, "" when none (made once; do not change it)."""
        return self._view("blocks", lambda: list(map(self._blocks.__getitem__, self._block)))

    def _view(self, name: str, values: Callable[[], list[str]]) -> dict[str, str]:
        view = self._views.get(name)
        if view is None:
            view = self._views[name] = dict(zip(self._ids, values(), strict=True))
        return view

    def without(self, gone: Iterable[str]) -> Manifest:
        """A copy without the entries `gone` (for a read base, which never changes)."""
        gone = list(gone)
        copy = Manifest(self.declared)
        copy._base, copy._base_rows, copy._since = self._base, self._base_rows, {**self._since}
        columns = (self._ids, self._hashes, self._source, self._block, self._sources, self._blocks)
        (copy._ids, copy._hashes, copy._source, copy._block, copy._sources, copy._blocks) = (
            column.copy() for column in columns
        )
        rows = self._rows()  # made once for the base, and copied
        if not any(i in rows for i in gone):
            copy._row = rows.copy()  # the same rows: no index to make again
        copy.remove(gone)
        return copy

    def remove(self, gone: Iterable[str]) -> None:
        """Remove the entries `gone`, in place (the few rows deleted, or every column
        filtered when many go)."""
        drop = set(gone)
        found = {i: r for i in drop if (r := self._rows().get(i)) is not None}
        self.declared -= drop
        self._since.update(dict.fromkeys(found))
        if not found:
            return
        rows, columns = sorted(found.values()), (self._ids, self._hashes, self._source, self._block)
        if len(rows) <= 64:
            for row in reversed(rows):
                for column in columns:
                    del column[row]
        else:
            keep = [i not in drop for i in self._ids]
            self._ids, self._hashes, self._source, self._block = (
                list(compress(column, keep)) for column in columns
            )
        self._row = None
        self._views.clear()

    def add(
        self, entry_id: str, content_hash: str, source: str, block: str, declared: bool
    ) -> None:
        """Add an entry, or replace the one with its id (in its row)."""
        source_code = self._code("sources", self._sources, source)
        block_code = self._code("blocks", self._blocks, block)
        rows = self._rows()
        row = rows.get(entry_id)
        if row is None:
            rows[entry_id] = len(self._ids)
            self._ids.append(entry_id)
            self._hashes.append(content_hash)
            self._source.append(source_code)
            self._block.append(block_code)
        else:
            self._hashes[row], self._source[row], self._block[row] = (
                content_hash,
                source_code,
                block_code,
            )
        self._views.clear()
        self._since[entry_id] = None
        if declared:
            self.declared.add(entry_id)
        else:
            self.declared.discard(entry_id)

    def _code(self, name: str, table: list[str], value: str) -> int:
        """`value`'s code in one of the tables (source files, blocks), added when new."""
        codes = self._codes.get(name)
        if codes is None:
            codes = self._codes[name] = {v: k for k, v in enumerate(table)}
        code = codes.get(value)
        if code is None:
            code = codes[value] = len(table)
            table.append(value)
        return code

    def to_json(self, schema_version: int | str) -> str:
        sources, source = _compact(self._sources, self._source)
        blocks, block = _compact(self._blocks, self._block)
        return json.dumps(
            {
                "schema_version": schema_version,
                "format": FORMAT,
                "ids": _as_lines(self._ids),
                "hashes": _as_lines(self._hashes),
                "sources": sources,
                "source": source,
                "block": block,
                "blocks": blocks,
                "declared": sorted(self.declared),
            },
            ensure_ascii=False,
        )

    def delta_json(self, schema_version: int | str) -> str:
        """The rows changed since `_base` (MANIFEST_DELTA): each id's row, or its id
        among the removed."""
        rows = self._rows()
        changed = [self._delta_row(i, r) for i in self._since if (r := rows.get(i)) is not None]
        removed = [i for i in self._since if i not in rows]
        data = {"schema_version": schema_version, "format": DELTA_FORMAT}
        data |= {"base_rows": self._base_rows, "rows": changed, "removed": removed}
        return json.dumps(data, ensure_ascii=False)

    def _delta_row(self, entry_id: str, row: int) -> list[str | int]:
        source, block = self._sources[self._source[row]], self._blocks[self._block[row]]
        return [entry_id, self._hashes[row], source, block, int(entry_id in self.declared)]

    def apply_delta(self, data: object) -> Manifest:
        """This manifest (a base) with a delta read from MANIFEST_DELTA applied."""
        if not isinstance(data, dict) or data.get("format") != DELTA_FORMAT:
            raise ValueError("another delta format")
        if data["base_rows"] != len(self):
            raise ValueError(f"written over {data['base_rows']} rows, not {len(self)}")
        rows, removed = data["rows"], data["removed"]
        if not isinstance(removed, list) or not set(map(type, removed)) <= {str}:
            raise TypeError("removed: not a list of ids")
        manifest = self.without(removed)
        for row in rows:
            if not (isinstance(row, list) and list(map(type, row)) == [str] * 4 + [int]):
                raise TypeError(f"not a row: {row!r}")
            manifest.add(*row[:4], declared=bool(row[4]))
        return manifest


def write_manifest(workdir: Path, manifest: Manifest, schema_version: int | str) -> bool:
    """The manifest it was read from linked as the base, and the rows changed since beside
    it, while they are few (True); else the whole manifest (26 ms at 100k)."""
    if manifest._base is not None and delta_fits(len(manifest._since), manifest._base_rows):
        os.link(manifest._base, workdir / MANIFEST_BASE)
        delta = manifest.delta_json(schema_version)
        (workdir / MANIFEST_DELTA).write_text(delta, encoding="utf-8")
        return True
    (workdir / MANIFEST).write_text(manifest.to_json(schema_version), encoding="utf-8")
    return False


def as_read_from(manifest: Manifest, gen_dir: Path, delta: bool) -> Manifest:
    """`manifest`, written by write_manifest (returning `delta`) into the published `gen_dir`,
    as the next update reads it there (what an update hands over): the entries, declared
    ids and base that reading gives.  Its rows may come in another order, and an id added
    and removed again since the base stays listed as removed (reading drops it)."""
    if delta:
        manifest._base = gen_dir / MANIFEST_BASE
    else:
        manifest._base, manifest._base_rows, manifest._since = gen_dir / MANIFEST, len(manifest), {}
    return manifest


def read_generation_manifest(gen_dir: Path, schema_version: int | str) -> Manifest | None:
    """A generation's manifest, whole or its base with the delta applied; None (the caller
    rebuilds, with a notice) when it is missing, unreadable, or a base without its delta.
    A base is read once per process while the generations link it (44 ms at 100k)."""
    path = held_file(gen_dir, MANIFEST, MANIFEST_BASE)
    whole, read = path.name == MANIFEST, partial(read_manifest, schema_version=schema_version)
    base = read_once(path, read, given=schema_version, key="manifest")
    if base is None:
        return None
    delta = gen_dir / MANIFEST_DELTA
    try:
        data = json.loads(delta.read_text(encoding="utf-8"))
        if whole:
            raise ValueError(f"beside a whole {MANIFEST}")
        if data.get("schema_version") != schema_version:
            raise ValueError("written by another schema version")
        manifest = base.apply_delta(data)  # a copy: the one read_once holds never changes
    except FileNotFoundError:
        if not whole:
            log.warning("%s: missing (its base %s is there): rebuilding", delta, path.name)
            return None
        manifest = base.without(())
    except (OSError, KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("%s: unreadable (%s): rebuilding", delta, exc)
        return None
    manifest._base, manifest._base_rows = path, len(base)
    return manifest


def _as_lines(values: list[str]) -> str | list[str]:
    """Values as one string of lines; as a list when lines cannot hold them (an empty value,
    or one with a newline: a library caller's Entry is not checked as an import's is)."""
    joined = "\n".join(values)
    return joined if all(values) and joined.count("\n") == len(values) - 1 else values


def _compact(table: list[str], codes: list[int]) -> tuple[list[str], list[int]]:
    """The table of the values still used, in first-use order, and codes into it."""
    used = list(dict.fromkeys(codes))
    if len(used) == len(table) and used == sorted(used):
        return table, codes
    new = {old: k for k, old in enumerate(used)}
    return [table[k] for k in used], list(map(new.__getitem__, codes))


def read_manifest(path: Path, schema_version: int | str) -> Manifest | None:
    """The manifest at `path`; None (the caller rebuilds) when it is missing, unreadable,
    or written by another schema or manifest format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema_version") != schema_version:
        log.info("index was built by another schema version: rebuilding")
        return None
    if data.get("format") not in (2, FORMAT):
        log.info("%s: another manifest format: rebuilding", path)
        return None
    try:
        if data["format"] == 2:  # an index built before format 3: lists of each column
            ids, hashes, rows = (_lines(data[k]) for k in ("ids", "hashes", "blocks"))
            blocks = list(dict.fromkeys(rows))
            code = {block: k for k, block in enumerate(blocks)}
            block = list(map(code.__getitem__, rows))
        else:
            ids, hashes = _lines(data["ids"]), _lines(data["hashes"])
            blocks, block = data["blocks"], data["block"]
        sources, source = data["sources"], data["source"]
        for name, table in (("sources", sources), ("blocks", blocks)):
            if not isinstance(table, list) or not set(map(type, table)) <= {str}:
                raise TypeError(f"{name}: not a list of strings")
        for name, codes, table in (("source", source, sources), ("block", block, blocks)):
            # the sum of ints is an int (a float, a string or a list among them is not)
            if not isinstance(codes, list) or type(sum(codes)) is not int:
                raise TypeError(f"{name}: not a list of integers")
            if codes and not (min(codes) >= 0 and max(codes) < len(table)):
                raise ValueError(f"{name}: a code outside its table")
        columns = (source, sources, block, blocks)
        manifest = Manifest.from_columns(ids, hashes, columns, data["declared"])
        if len(manifest._rows()) != len(ids):
            raise ValueError("an id listed twice")
        return manifest
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        log.warning("%s: unreadable manifest (%s): rebuilding", path, exc)
        return None


def _lines(text: str | list[str]) -> list[str]:
    """A column written as lines (or as a list, see _as_lines)."""
    if isinstance(text, list):
        if not set(map(type, text)) <= {str}:
            raise TypeError("not a list of strings")
        return text
    if not isinstance(text, str):
        raise TypeError(f"a string of lines, not {type(text).__name__}")
    return text.split("\n") if text else []
