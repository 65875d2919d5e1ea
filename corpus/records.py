"""Importers for structured records: JSONL (one object a line) and CSV (header row).

Both use the Entry field names; unknown fields are ignored with one warning per file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError
from corpus.gazetteer import gazetteer
from corpus.known import KnownEntry, LineCache
from corpus.model import FIELD_NAMES, Entry, EntryError, LoadReport, has_unclean_text, make_entry

# Fields our own exports and the shared corpus files carry that are not Entry fields but
# are expected (derived or evaluation data): accepted without a warning.
KNOWN_EXTRA = {"language_confidence", "translated", "country_en", "topic_scores"}


def _build(
    record: Any,
    where: str,
    *,
    locale: str | None,
    report: LoadReport,
    skip_invalid: bool,
    unknown: set[str],
    clean: bool = False,
) -> Entry | None:
    try:
        if not isinstance(record, dict):
            raise EntryError(f"expected an object with entry fields, got {type(record).__name__}")
        unknown.update(k for k in record if k not in FIELD_NAMES and k not in KNOWN_EXTRA)
        if locale and not record.get("locale"):
            record = {**record, "locale": locale}
        country = record.get("country")
        if country and isinstance(country, str) and not record.get("country_code"):
            record = {**record, "country_code": gazetteer().country_code(country) or ""}
        return make_entry(record, source=where, clean=clean)
    except EntryError as exc:
        if not skip_invalid:
            raise CorpusError(f"{where}: {exc}") from None
        report.errors.append(f"{where}: {exc}")
        return None


def _warn_unknown(path: Path, unknown: set[str], report: LoadReport) -> None:
    if unknown:
        report.warnings.append(f"{path}: ignored unknown field(s): {', '.join(sorted(unknown))}")


def read_jsonl(
    path: Path,
    lines: Iterable[tuple[int, str]] | Iterable[tuple[int, bytes]],
    *,
    locale: str | None,
    report: LoadReport,
    skip_invalid: bool,
    cache: LineCache | None = None,
) -> Iterator[Entry | KnownEntry]:
    """Entries of a JSONL file; with `cache`, a line the index already holds unchanged is
    a KnownEntry (not parsed), and the digests of clean new lines go to `cache.fresh`."""
    unknown: set[str] = set()
    digest = cache.digester(path, locale) if cache is not None else None
    held = cache.known if cache is not None else {}
    prefix = f"{path}:"  # Path.__str__ once, not per line (100k lines: 0.05 s)
    for number, text in lines:
        where = f"{prefix}{number}"
        line_digest = ""
        if digest is not None:
            # The digest of a line's UTF-8 bytes: the same whether it came decoded or not.
            line_digest = digest(number, text)
            known = held.get(line_digest)
            if known is not None:
                yield KnownEntry(known.id, where, line_digest, known.content, known.truncated)
                continue
        line = _text(text, where)
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"{where}: invalid JSON: {exc.msg} (column {exc.colno})"
            if not skip_invalid:
                raise CorpusError(message) from None
            report.errors.append(message)
            continue
        entry = _build(
            record,
            where,
            locale=locale,
            report=report,
            skip_invalid=skip_invalid,
            unknown=unknown,
            clean=not has_unclean_text(line),
        )
        if entry:
            if cache is not None and _plain(record):
                cache.fresh.setdefault(entry.id, line_digest)
            yield entry
    _warn_unknown(path, unknown, report)


def _text(line: str | bytes, where: str) -> str:
    if isinstance(line, str):
        return line
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{where}: not valid UTF-8 (byte {exc.start + 1} of the line)") from None


def _plain(record: dict[str, Any]) -> bool:
    """No field the importer ignores: a line with one is parsed on every import, so that
    its warning is repeated."""
    return all(k in FIELD_NAMES or k in KNOWN_EXTRA for k in record)


def read_csv(
    path: Path, text: str, *, locale: str | None, report: LoadReport, skip_invalid: bool
) -> Iterator[Entry]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    if "title" not in header:
        raise CorpusError(f"{path}:1: CSV header must name the entry fields (no 'title' column)")
    unknown: set[str] = set()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # DictReader's line_num still names the previous row
            line = reader.reader.line_num
            raise CorpusError(f"{path}:{line}: malformed CSV: {exc}") from None
        where = f"{path}:{reader.line_num}"
        if None in row:  # more cells than header columns
            message = f"{where}: row has more cells than the header has columns"
            if not skip_invalid:
                raise CorpusError(message)
            report.errors.append(message)
            continue
        record = {k: v for k, v in row.items() if v not in (None, "")}
        entry = _build(
            record, where, locale=locale, report=report, skip_invalid=skip_invalid, unknown=unknown
        )
        if entry:
            yield entry
    _warn_unknown(path, unknown, report)
