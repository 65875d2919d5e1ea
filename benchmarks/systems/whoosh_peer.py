"""Plain Whoosh (whoosh-reloaded): the library gpsearch builds on, used as documented.

`whoosh` ORs the words and phrases (`OrGroup.factory(0.9)`, which ranks documents
matching more of the words higher) with field boosts over title/summary/body and the
meta line, analysed by the StemmingAnalyzer chain with accent folding; `whoosh-and` is
the strict configuration of the earlier reports (AND, three fields, StemmingAnalyzer).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.data import FACET_FIELDS, facet_value, read_jsonl
from benchmarks.queries import Clause, Query, parse_clauses
from benchmarks.systems import (
    FAIR_TEXT_FIELDS,
    FIELD_WEIGHTS,
    SNIPPET_FALLBACK_CHARS,
    SNIPPET_FIELD,
    TEXT_FIELDS,
    TOP_K,
    BuildStats,
    Peer,
    QueryResult,
    drop_empty,
    entry_texts,
)


def _render(clauses: list[Clause]) -> str:
    # Lower-case words cannot be read as AND/OR/NOT; phrases keep their quotes.
    return " ".join('"' + " ".join(c.words) + '"' if c.phrase else c.words[0] for c in clauses)


def folding_analyzer() -> Any:
    """StemmingAnalyzer's chain with accents folded (CharsetFilter) before stop words and
    the stemmer, so `Malaga` matches `Málaga`."""
    from whoosh.analysis import (
        CharsetFilter,
        LowercaseFilter,
        RegexTokenizer,
        StemFilter,
        StopFilter,
    )
    from whoosh.support.charset import accent_map

    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter()
    )


class WhooshSystem(Peer):
    library = "whoosh"

    def __init__(self, name: str, conjunction: bool, fields: Sequence[str]) -> None:
        super().__init__()
        self.name = name
        self.conjunction = conjunction
        self.fields = tuple(fields)
        self.boosts = None if conjunction else {f: FIELD_WEIGHTS[f] for f in self.fields}
        self._ix: Any = None
        self._searcher: Any = None
        self._parser: Any = None
        match = (
            "AND of terms, quoted phrases), BM25F, StemmingAnalyzer (English stemmer for "
            "every language)"
            if conjunction
            else f"OrGroup.factory(0.9): OR of terms, quoted phrases, fieldboosts "
            f"{self.boosts}), BM25F, StemmingAnalyzer chain + CharsetFilter(accent_map)"
        )
        self.notes = {
            "match": f"MultifieldParser over {'/'.join(self.fields)} ({match}",
            "filters": "`filter=` And of Or-of-Term per field on ID fields",
            "facets": "`groupedby` FieldFacet per facet on sortable ID columns, `maptype=Count`",
            "highlights": "`Hit.highlights('summary')` (re-analyses the stored text)",
            "update": "`update_document` on the unique id + commit (new segment, merge policy)",
        }

    def version(self) -> str:
        import whoosh

        return whoosh.versionstring()

    def _schema(self) -> Any:
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import ID, STORED, TEXT, Schema

        def analyzer() -> Any:
            return StemmingAnalyzer() if self.conjunction else folding_analyzer()

        facets = {f: ID(stored=True, sortable=True) for f in FACET_FIELDS}
        texts = {f: TEXT(analyzer=analyzer(), stored=True) for f in self.fields}
        return Schema(
            id=ID(stored=True, unique=True),
            country_code=ID(stored=True),
            url=STORED(),
            **texts,
            **facets,
        )

    def _document(self, entry: dict[str, Any]) -> dict[str, str]:
        doc = {
            "id": entry["id"],
            **entry_texts(entry, self.fields),
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
        from whoosh.qparser import AndGroup, MultifieldParser, OrGroup

        self._workdir = workdir
        self._ix = index.open_dir(str(workdir))
        self._searcher = self._ix.searcher()
        self._parser = MultifieldParser(
            list(self.fields),
            self._ix.schema,
            fieldboosts=self.boosts,
            group=AndGroup if self.conjunction else OrGroup.factory(0.9),
        )

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


SYSTEM = WhooshSystem("whoosh", conjunction=False, fields=FAIR_TEXT_FIELDS)
AND_SYSTEM = WhooshSystem("whoosh-and", conjunction=True, fields=TEXT_FIELDS)
