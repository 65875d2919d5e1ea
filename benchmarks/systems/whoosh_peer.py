"""Plain Whoosh (whoosh-reloaded), default StemmingAnalyzer: the library gpsearch builds on."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.data import FACET_FIELDS, facet_value, read_jsonl
from benchmarks.queries import Clause, Query, parse_clauses
from benchmarks.systems import (
    SNIPPET_FALLBACK_CHARS,
    SNIPPET_FIELD,
    TEXT_FIELDS,
    TOP_K,
    BuildStats,
    Peer,
    QueryResult,
    drop_empty,
)


def _render(clauses: list[Clause]) -> str:
    # Lower-case words cannot be read as AND/OR/NOT; phrases keep their quotes.
    return " ".join('"' + " ".join(c.words) + '"' if c.phrase else c.words[0] for c in clauses)


class WhooshSystem(Peer):
    name = "whoosh"
    library = "whoosh"
    notes: ClassVar[dict[str, str]] = {
        "match": "MultifieldParser over title/summary/body (AND of terms, quoted phrases), "
        "BM25F, StemmingAnalyzer (English stemmer for every language)",
        "filters": "`filter=` And of Or-of-Term per field on ID fields",
        "facets": "`groupedby` FieldFacet per facet on sortable ID columns, `maptype=Count`",
        "highlights": "`Hit.highlights('summary')` (re-analyses the stored text)",
        "update": "`update_document` on the unique id + commit (new segment, merge policy)",
    }

    def __init__(self) -> None:
        super().__init__()
        self._ix: Any = None
        self._searcher: Any = None
        self._parser: Any = None

    def version(self) -> str:
        import whoosh

        return whoosh.versionstring()

    @staticmethod
    def _schema() -> Any:
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import ID, STORED, TEXT, Schema

        facets = {f: ID(stored=True, sortable=True) for f in FACET_FIELDS}
        return Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
            summary=TEXT(analyzer=StemmingAnalyzer(), stored=True),
            body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
            country_code=ID(stored=True),
            url=STORED(),
            **facets,
        )

    @staticmethod
    def _document(entry: dict[str, Any]) -> dict[str, str]:
        doc = {
            "id": entry["id"],
            "title": entry["title"],
            "summary": entry["summary"],
            "body": entry.get("body") or "",
            "country_code": entry.get("country_code") or "",
            "url": entry.get("url") or "",
        }
        for name in FACET_FIELDS:
            value = facet_value(entry, name)
            if value:
                doc[name] = value
        return doc

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats:
        from whoosh import index

        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        self._ix = index.create_in(str(workdir), self._schema())
        writer = self._ix.writer(limitmb=256)
        count = 0
        for entry in read_jsonl(entries_jsonl):
            writer.add_document(**self._document(entry))
            count += 1
        writer.commit()
        self._workdir = workdir
        return BuildStats(time.perf_counter() - started, count, {"procs": 1, "limitmb": 256})

    def open(self, workdir: Path) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser

        self._workdir = workdir
        self._ix = index.open_dir(str(workdir))
        self._searcher = self._ix.searcher()
        self._parser = MultifieldParser(list(TEXT_FIELDS), self._ix.schema)

    def update_one(self, entry: dict[str, Any]) -> float:
        started = time.perf_counter()
        writer = self._ix.writer()
        writer.update_document(**self._document(entry))
        writer.commit()
        # The change counts as done when a searcher sees it.
        searcher = self._ix.searcher()
        elapsed = time.perf_counter() - started
        searcher.close()
        return elapsed

    def query(self, q: Query) -> QueryResult:
        from whoosh import query as wq
        from whoosh import sorting

        clauses = parse_clauses(q.text)
        if not clauses:
            return QueryResult(0, [], [], {})
        parsed = self._parser.parse(_render(clauses))
        filter_query = None
        if q.filters:
            filter_query = wq.And(
                [wq.Or([wq.Term(f, v) for v in values]) for f, values in q.filters.items()]
            )
        facets = {f: sorting.FieldFacet(f, maptype=sorting.Count) for f in FACET_FIELDS}
        results = self._searcher.search(parsed, limit=TOP_K, filter=filter_query, groupedby=facets)
        ids: list[str] = []
        snippets: list[str] = []
        for hit in results:
            ids.append(hit["id"])
            snippet = hit.highlights(SNIPPET_FIELD)
            snippets.append(snippet or hit[SNIPPET_FIELD][:SNIPPET_FALLBACK_CHARS])
        return QueryResult(
            total=len(results),
            ids=ids,
            snippets=snippets,
            facets={f: drop_empty(results.groups(f)) for f in FACET_FIELDS},
        )

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None


SYSTEM = WhooshSystem()
