"""Load entries from files and directories, choosing the importer by extension and content."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from corpus.errors import CorpusError
from corpus.known import KnownEntry, KnownLine, LineCache
from corpus.listing import SOURCE_RE, read_listing
from corpus.model import Entry, LoadReport
from corpus.records import read_csv, read_jsonl

log = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).with_name("data")
SUFFIXES = {".txt": "listing", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
MAX_LINE_BYTES = 2 * 1024 * 1024  # a record larger than this is not an entry


@dataclass(slots=True)
class LoadResult:
    entries: list[Entry] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)
    files: list[Path] = field(default_factory=list)
    # With a line cache: entries whose lines the index holds unchanged (not parsed), and
    # the digests of the new lines it may remember (entry id -> digest).
    known: list[KnownEntry] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.entries) + len(self.known)


def bundled_sources() -> list[Path]:
    """The default corpus shipped in the package: every real listing page (data/pages)."""
    return sorted((BUNDLED_DIR / "pages").glob("*.txt"))


def expand_sources(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus importable files found under directories (sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise CorpusError(f"{path}: no .txt, .jsonl or .csv files in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such file or directory")
    return files


def _raw_lines(path: Path, data: bytes) -> Iterator[tuple[int, bytes]]:
    """The lines of a record file as bytes (without CR), checked as `_decode_lines`
    checks them except for the decoding, which `read_jsonl` does when it needs the text."""
    for number, raw in _split(path, data):
        yield number, raw.rstrip(b"\r")


def _split(path: Path, data: bytes) -> Iterator[tuple[int, bytes]]:
    if b"\x00" in data[:8192]:
        raise CorpusError(f"{path}:1: binary file, not a listing page, JSONL or CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise CorpusError(
                f"{path}:{number}: line of {len(raw) / 1e6:.1f} MB is longer than the"
                f" {MAX_LINE_BYTES / 1e6:.0f} MB limit for one record"
            )
        yield number, raw


def _decode_lines(
    path: Path, data: bytes, report: LoadReport | None = None
) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for number, raw in _split(path, data):
        try:
            lines.append((number, raw.decode("utf-8").rstrip("\r")))
        except UnicodeDecodeError as exc:
            last = number == data.count(b"\n") + 1
            if report is not None and _cut_character(path, exc, raw, last=last, data=data):
                # A saved copy cut off inside the last character: the bytes before it stand.
                report.warnings.append(
                    f"{path}:{number}: file ends inside a character: its"
                    f" {len(raw) - exc.start} byte(s) dropped"
                )
                lines.append((number, raw[: exc.start].decode("utf-8").rstrip("\r")))
                continue
            raise CorpusError(
                f"{path}:{number}: not valid UTF-8 (byte {exc.start + 1} of the line)"
            ) from None
    return lines


def _cut_character(
    path: Path, exc: UnicodeDecodeError, raw: bytes, *, last: bool, data: bytes
) -> bool:
    """A listing page whose only bad bytes are an incomplete sequence at its very end,
    after some text (a record file cut so is an error: its last record is broken anyway)."""
    return (
        last
        and bool(data[: len(data) - len(raw) + exc.start].strip())
        and SUFFIXES.get(path.suffix.lower()) not in ("jsonl", "csv")
        and exc.reason == "unexpected end of data"
        and exc.end == len(raw)
    )


def _format(path: Path, lines: list[tuple[int, str]]) -> str:
    by_suffix = SUFFIXES.get(path.suffix.lower())
    if by_suffix in ("jsonl", "csv"):
        return by_suffix
    first = next((text.strip() for _, text in lines if text.strip()), "")
    if first.startswith("{"):
        return "jsonl"
    try:
        columns = next(csv.reader([first]))
    except csv.Error:  # e.g. a carriage return inside the line: not a CSV header
        columns = []
    if not SOURCE_RE.match(first) and len(columns) > 1 and "title" in columns:
        return "csv"
    return "listing"


def load_file(
    path: Path,
    *,
    locale: str | None = None,
    report: LoadReport,
    skip_invalid: bool = False,
    cache: LineCache | None = None,
) -> Iterator[Entry | KnownEntry]:
    """Entries of one file; raises CorpusError naming file:line on the first bad record."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from None
    if cache is not None and SUFFIXES.get(path.suffix.lower()) == "jsonl" and data.strip():
        # Lines stay bytes until one is not recognised: most are never decoded.
        return read_jsonl(
            path,
            _raw_lines(path, data),
            cache=cache,
            locale=locale,
            report=report,
            skip_invalid=skip_invalid,
        )
    lines = _decode_lines(path, data, report)
    if not any(text.strip() for _, text in lines):
        raise CorpusError(f"{path}:1: file is empty")
    kind = _format(path, lines)
    options = {"locale": locale, "report": report, "skip_invalid": skip_invalid}
    if kind == "jsonl":
        return read_jsonl(path, lines, cache=cache, **options)
    if kind == "csv":
        return read_csv(path, "\n".join(text for _, text in lines), **options)
    return read_listing(path, lines, **options)


def load_sources(
    paths: Iterable[str | Path] | None = None,
    *,
    locale: str | None = None,
    skip_invalid: bool = False,
    known: Mapping[str, KnownLine] | None = None,
) -> LoadResult:
    """Load every entry of the given files/directories (the bundled corpus when None).

    The same entry listed twice (same locale, listing and title: e.g. on two pages of one
    listing) is kept once.  Bad records raise CorpusError, or with `skip_invalid` are
    skipped and counted in `report.errors`.  With `known` (line digest -> what an index
    holds, see corpus.known), JSONL lines found there are not parsed: they come back in
    `known`, and the digests of the others in `digests`.
    """
    result = LoadResult()
    result.files = expand_sources(paths) if paths else bundled_sources()
    cache = LineCache(known) if known is not None else None
    seen: dict[str, str] = {}
    for path in result.files:
        for entry in load_file(
            path, locale=locale, report=result.report, skip_invalid=skip_invalid, cache=cache
        ):
            if entry.id in seen:
                result.report.duplicates += 1
                log.debug(
                    "%s: duplicate of %s (first at %s)", entry.source, entry.id, seen[entry.id]
                )
                continue
            seen[entry.id] = entry.source
            if isinstance(entry, KnownEntry):
                result.known.append(entry)
            else:
                result.entries.append(entry)
    if cache is not None:
        parsed = {e.id for e in result.entries}  # a duplicate's line is not remembered
        result.digests = {i: d for i, d in cache.fresh.items() if i in parsed}
    report = result.report
    report.kept = result.total
    report.truncated = sum(e.truncated for e in chain(result.entries, result.known))
    for message in (*report.warnings, *report.rejected):
        log.warning("%s", message)
    return result
