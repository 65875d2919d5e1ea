"""Where the benchmark data lives and how entries travel between processes (JSONL)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from corpus.model import derive_id

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "benchmarks"
# Scratch space for corpora, indexes and logs; ignored by git (.gitignore: benchmarks/work/).
WORK_DIR = BENCH_DIR / "work"
# shared/ sits beside the clone, both here and in CI; GPSEARCH_CORPUS_DIR overrides it.
DEFAULT_CORPUS_DIR = Path(
    os.environ.get("GPSEARCH_CORPUS_DIR", REPO_ROOT.parent / "shared" / "corpus")
)
REAL_FILES = ("entries.jsonl", "seed-entries.jsonl")
EVAL_DIR = REPO_ROOT / "tests" / "eval"

# The project's entry fields, in the order every corpus file of the benchmark uses.
ENTRY_FIELDS = (
    "id",
    "kind",
    "title",
    "summary",
    "body",
    "country",
    "country_code",
    "city",
    "period",
    "year_from",
    "year_to",
    "locale",
    "url",
    "language",
)
# Fields a query may filter on and the facets every system counts.
FACET_FIELDS = ("language", "locale", "country", "city", "year", "kind")
FILTER_FIELDS = ("language", "locale", "country", "country_code", "city", "year", "kind")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def dump_entry(entry: dict[str, Any]) -> str:
    """One JSONL line with a fixed key order, so equal entries give equal bytes."""
    return json.dumps({k: entry.get(k) for k in ENTRY_FIELDS}, ensure_ascii=False)


def write_jsonl(path: Path, entries: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for entry in entries:
            handle.write(dump_entry(entry) + "\n")
            count += 1
    return count


def load_source_records(corpus_dir: Path = DEFAULT_CORPUS_DIR) -> list[dict[str, Any]]:
    """The shared real corpus as published (with gold_language), in file order."""
    records: list[dict[str, Any]] = []
    for name in REAL_FILES:
        path = corpus_dir / name
        if not path.exists():
            raise FileNotFoundError(f"real corpus file missing: {path} (set --corpus-dir)")
        records.extend(read_jsonl(path))
    return records


def to_entry(record: dict[str, Any]) -> dict[str, Any]:
    """A real record in the project's entry fields; the id is the one the qrels use."""
    entry = {name: record.get(name) for name in ENTRY_FIELDS}
    for name in ENTRY_FIELDS:
        if entry[name] is None and name not in ("year_from", "year_to"):
            entry[name] = ""
    entry["id"] = record.get("id") or derive_id(record["locale"], record["url"], record["title"])
    entry["language"] = record.get("gold_language") or record.get("language") or ""
    return entry


def load_real_entries(corpus_dir: Path = DEFAULT_CORPUS_DIR) -> list[dict[str, Any]]:
    return [to_entry(record) for record in load_source_records(corpus_dir)]


def facet_value(entry: dict[str, Any], field: str) -> str:
    """The facet/filter value of an entry as text ("" when it has none)."""
    if field == "year":
        year = entry.get("year_from")
        return "" if year is None else str(year)
    value = entry.get(field)
    return "" if value is None else str(value)
