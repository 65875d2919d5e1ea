"""What a generation remembers of each entry: its content hash (`content_hash`), source
file, place-and-year block (the regrouping unit; "" when none) and whether its source
declares its translation group.  An update compares the entries it is given with this to
find what changed.

Stored as columns in manifest.json: the ids and the hashes each one string of lines (no
id or hash holds a newline), the source files and the blocks as tables with each entry's
code in them.  Read as one JSON object per entry, 100k entries cost half a second of every
update; as lists of strings, 75 ms to read and 60 to write; as lines, about half that.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

from corpus.known import KnownEntry
from corpus.model import FIELD_NAMES, Entry
from indexer.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

FORMAT = 3  # 2: ids, hashes and blocks as lists; 1: {"entries": {id: [...]}}, SHA-1 hashes


@dataclass(slots=True)
class Manifest:
    hashes: dict[str, str] = field(default_factory=dict)  # entry id -> content hash
    files: dict[str, str] = field(default_factory=dict)  # entry id -> source file
    blocks: dict[str, str] = field(default_factory=dict)  # entry id -> block ("" when none)
    declared: set[str] = field(default_factory=set)  # ids whose source declares the group

    def __len__(self) -> int:
        return len(self.hashes)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.hashes

    def without(self, gone: Iterable[str]) -> Manifest:
        """A copy without the entries `gone` (dicts copied whole, then the few dropped:
        filtering 100k ids one by one took 43 ms of each update)."""
        drop = set(gone)
        copy = Manifest(
            self.hashes.copy(), self.files.copy(), self.blocks.copy(), self.declared - drop
        )
        for column in (copy.hashes, copy.files, copy.blocks):
            for entry_id in drop:
                column.pop(entry_id, None)
        return copy

    def add(
        self, entry_id: str, content_hash: str, source: str, block: str, declared: bool
    ) -> None:
        self.hashes[entry_id] = content_hash
        self.files[entry_id] = source
        self.blocks[entry_id] = block
        if declared:
            self.declared.add(entry_id)
        else:
            self.declared.discard(entry_id)

    def to_json(self, schema_version: int | str) -> str:
        ids = list(self.hashes)
        sources = sorted(set(self.files.values()))
        code = {source: k for k, source in enumerate(sources)}
        block_of = _in_order(self.blocks, ids)
        blocks = {b: k for k, b in enumerate(dict.fromkeys(block_of))}
        return json.dumps(
            {
                "schema_version": schema_version,
                "format": FORMAT,
                "ids": "\n".join(ids),
                "hashes": "\n".join(self.hashes.values()),
                "sources": sources,
                "source": list(map(code.__getitem__, _in_order(self.files, ids))),
                "block": list(map(blocks.__getitem__, block_of)),
                "blocks": list(blocks),
                "declared": sorted(self.declared),
            },
            ensure_ascii=False,
        )


def _in_order(column: dict[str, str], ids: list[str]) -> list[str]:
    """A column's values in the order of `ids` (its own order when the keys are the same:
    a manifest's columns are filled together, and the lookups cost 25 ms at 100k)."""
    return list(column.values()) if list(column) == ids else [column[i] for i in ids]


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
        if data["format"] == 2:  # an index built before format 3: read as it is
            ids, hashes, sources = data["ids"], data["hashes"], data["sources"]
            blocks, data["block"] = data["blocks"], range(len(data["blocks"]))
        else:
            ids, hashes = _lines(data["ids"]), _lines(data["hashes"])
            sources, blocks = data["sources"], data["blocks"]
        columns = (hashes, data["source"], data["block"])
        if any(len(column) != len(ids) for column in columns):
            raise ValueError("columns of different lengths")
        return Manifest(
            dict(zip(ids, hashes, strict=True)),
            dict(zip(ids, map(sources.__getitem__, data["source"]), strict=True)),
            dict(zip(ids, map(blocks.__getitem__, data["block"]), strict=True)),
            set(data["declared"]),
        )
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        log.warning("%s: unreadable manifest (%s): rebuilding", path, exc)
        return None


def _lines(text: str) -> list[str]:
    if not isinstance(text, str):
        raise TypeError(f"a string of lines, not {type(text).__name__}")
    return text.split("\n") if text else []


def content_hash(entry: Entry) -> str:
    """A digest of every field: an update re-analyses the entries whose digest changed.
    The repr of the field values (text, numbers, None, tuples: stable) is 40% cheaper than
    their JSON, and hashing it is most of what an update of 100k unchanged entries costs.
    The source counts by its resolved file and line, not as the path was spelled: the
    same file given as `data.jsonl` or `/srv/data.jsonl` changes no entry (it had made a
    100k-entry update re-analyse every entry: 95 s instead of 2.5 s)."""
    values = _fields(entry)
    if entry.source:
        values = (*values[:_SOURCE], _canonical(entry.source), *values[_SOURCE + 1 :])
    return hashlib.blake2b(repr(values).encode(), digest_size=8, person=_PERSON).hexdigest()


def _canonical(source: str) -> str:
    """`file:line` with the file resolved; any other source (no line) as it is."""
    path, line = _file_and_line(source)
    return f"{_resolved(path)}:{line}" if line else source


def _file_and_line(source: str) -> tuple[str, str]:
    """A source's file and line ("" when it names none: a URL, `C:\\x.csv`, `manual`)."""
    path, _, line = source.rpartition(":")
    return (path, line) if path and line.isdigit() else (source, "")


_fields = attrgetter(*FIELD_NAMES)
_SOURCE = FIELD_NAMES.index("source")
_PERSON = f"gpsearch-{SCHEMA_VERSION}".encode()


def source_file(entry: Entry | KnownEntry) -> str:
    return _resolved(_file_and_line(entry.source)[0]) if entry.source else ""


@lru_cache(maxsize=4096)
def _resolved(path: str) -> str:
    return str(Path(path).resolve())
