"""The adapter protocol every benchmarked system implements, and the registry of systems.

A system is driven in two separate processes, so that the query process's peak RSS
is not the indexer's: `build` (then `update_one` and `size_bytes`) in one, `open` and
`query` in the other.  An adapter does the same job as gpsearch as far as its library
allows and says how in `notes` (shown in the report).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from benchmarks.queries import Clause, Query

TOP_K = 10
# What the peers index as text and highlight (the summary, cut to the fallback length
# when the highlighter marks nothing in it).  The fair configurations also index the
# meta line (country, city, period) that gpsearch searches; the `-and` ones keep the
# first three fields only, as the earlier reports measured them.
TEXT_FIELDS = ("title", "summary", "body")
FAIR_TEXT_FIELDS = (*TEXT_FIELDS, "meta")
# One set of field weights for every fair peer (FTS5 bm25() weights, tantivy field boosts,
# Whoosh field boosts, Xapian wdf increments): a title word counts most, the meta line
# and summary next, the body least.  Chosen once, not tuned on the judged queries.
FIELD_WEIGHTS = {"title": 3.0, "summary": 2.0, "body": 1.0, "meta": 2.0}
SNIPPET_FIELD = "summary"
SNIPPET_FALLBACK_CHARS = 160


@dataclass(slots=True)
class BuildStats:
    seconds: float
    entries: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def entries_per_s(self) -> float:
        return self.entries / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "entries_per_s": self.entries_per_s}


@dataclass(slots=True)
class QueryResult:
    """Top hits (ids and snippets, best first), total matches and facet counts."""

    total: int
    ids: list[str]
    snippets: list[str]
    facets: dict[str, dict[str, int]]


class System(Protocol):
    name: str
    # What the peer does for matching, facets and highlights: one line each.
    notes: Mapping[str, str]

    def unavailable(self) -> str | None:
        """None when the system can run here, else the reason it is skipped."""
        ...

    def version(self) -> str: ...

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats: ...

    def open(self, workdir: Path) -> None: ...

    def update_one(self, entry: dict[str, Any]) -> float:
        """Seconds to re-index one changed entry until a new searcher sees it."""
        ...

    def query(self, q: Query) -> QueryResult: ...

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...

    def serve_command(
        self, workdir: Path, host: str, port: int, workers: int = 2
    ) -> tuple[list[str], dict[str, str]]:
        """Command (and extra environment) that serves `GET /api/search` on host:port."""
        ...


# name -> "module:attribute" of the adapter instance; imported lazily so a missing library
# skips one peer.  Each configuration of a peer is a system of its own: the plain name is
# the configuration a knowledgeable user would pick (OR of the words, BM25, stemming,
# folding, the meta line indexed); `-and` is the strict configuration of earlier reports.
REGISTRY: dict[str, str] = {
    "gpsearch": "benchmarks.systems.gpsearch:SYSTEM",
    "xapian": "benchmarks.systems.xapian_peer:SYSTEM",
    "fts5": "benchmarks.systems.fts5:SYSTEM",
    "tantivy": "benchmarks.systems.tantivy_peer:SYSTEM",
    "whoosh": "benchmarks.systems.whoosh_peer:SYSTEM",
    "fts5-and": "benchmarks.systems.fts5:AND_SYSTEM",
    "tantivy-and": "benchmarks.systems.tantivy_peer:AND_SYSTEM",
    "whoosh-and": "benchmarks.systems.whoosh_peer:AND_SYSTEM",
    "xapian-qp-spelling": "benchmarks.systems.xapian_peer:PARSER_SPELLING_SYSTEM",
}


def load_system(name: str) -> System:
    if name not in REGISTRY:
        raise KeyError(f"unknown system {name!r}; known: {', '.join(REGISTRY)}")
    module_name, _, attribute = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module_name), attribute or "SYSTEM")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def api_search_path(q: Query, per_page: int = TOP_K) -> str:
    """`/api/search?q=...&language=en&...`: state in the query string, one key per value."""
    params: list[tuple[str, str]] = [("q", q.text)]
    for name, values in q.filters.items():
        params.extend((name, value) for value in values)
    params.extend((("page", "1"), ("per_page", str(per_page))))
    return "/api/search?" + urlencode(params)


def quoted_clauses(clauses: Sequence[Clause], operator: str = " ") -> str:
    """Every word and phrase as a quoted string, so no character is read as syntax.

    FTS5 and tantivy read a multi-word string as a phrase; `operator` joins the strings
    (" " is FTS5's implicit AND and tantivy's default operator, " OR " FTS5's OR).  The
    words of `parse_clauses` are letters and digits only: none holds a quote to escape.
    """
    return operator.join('"' + " ".join(c.words) + '"' for c in clauses)


def meta_line(entry: Mapping[str, Any]) -> str:
    """Country, city and period as one line of text: what gpsearch matches place names in."""
    parts = (entry.get("country"), entry.get("city"), entry.get("period"))
    return " ".join(str(p) for p in parts if p)


def entry_texts(entry: Mapping[str, Any], fields: Sequence[str]) -> dict[str, str]:
    """The text of each indexed field of an entry (`meta` is the meta line)."""
    return {f: meta_line(entry) if f == "meta" else str(entry.get(f) or "") for f in fields}


class Peer:
    """What the peers share: a library import check, the size of the index directory
    and HTTP through the demo Flask app (benchmarks.http_app) under gunicorn."""

    name: str
    # The module that must import for the peer to run, and how to install it.
    library = ""
    install_hint = ""

    def __init__(self) -> None:
        self._workdir: Path | None = None

    def unavailable(self) -> str | None:
        try:
            importlib.import_module(self.library)
        except ImportError as exc:
            hint = f" ({self.install_hint})" if self.install_hint else ""
            return f"{self.library} not importable{hint}: {exc}"
        return None

    def size_bytes(self) -> int:
        assert self._workdir is not None
        return dir_size(self._workdir)

    def serve_command(
        self, workdir: Path, host: str, port: int, workers: int = 2
    ) -> tuple[list[str], dict[str, str]]:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"{host}:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "512",
            "benchmarks.http_app:create_app()",
        ]
        return command, {"BENCH_SYSTEM": self.name, "BENCH_INDEX": str(workdir)}


def drop_empty(counts: Mapping[Any, int]) -> dict[str, int]:
    """Facet counts without the empty value (entries with no country, city or year)."""
    return {str(k): int(v) for k, v in counts.items() if k not in (None, "") and v}
