"""tantivy-py (Rust): the compiled peer.

`tantivy` ORs the words and phrases (conjunction_by_default=False) with field boosts over
title/summary/body and the meta line, analysed by en_stem plus ascii folding;
`tantivy-and` is the strict configuration of the earlier reports (AND, three fields,
default tokenizer without stemming).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.data import FACET_FIELDS, FILTER_FIELDS, facet_value, read_jsonl
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
    quoted_clauses,
)

# Enough buckets for every value of every facet (the real corpus has ~35 cities).
FACET_BUCKETS = 1000
# tantivy's default writer arena; an update needs far less (the minimum is 15 MB a thread).
BUILD_HEAP = 128_000_000
UPDATE_HEAP = 50_000_000
FOLDING_TOKENIZER = "en_stem_folding"


def folding_analyzer() -> Any:
    """tantivy's `en_stem` chain (simple tokenizer, long-token cut, lower case, English
    stemmer) with ascii folding before the stemmer, so `Malaga` matches `Málaga`."""
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


class TantivySystem(Peer):
    library = "tantivy"
    install_hint = "make setup-bench"

    def __init__(self, name: str, conjunction: bool, fields: Sequence[str], tokenizer: str) -> None:
        super().__init__()
        self.name = name
        self.conjunction = conjunction
        self.fields = tuple(fields)
        # "default" is tantivy's built-in tokenizer; FOLDING_TOKENIZER is registered on
        # every Index object (tantivy stores the name in the schema, not the analyzer).
        self.tokenizer = tokenizer
        self.boosts = None if conjunction else {f: FIELD_WEIGHTS[f] for f in self.fields}
        self._index: Any = None
        self._searcher: Any = None
        analysis = (
            "default tokenizer (no stemming, no folding)"
            if tokenizer == "default"
            else "custom analyzer: simple tokenizer + lowercase + ascii_fold + English stemmer "
            "(en_stem with folding)"
        )
        operator = (
            "conjunction_by_default=True (AND of terms"
            if conjunction
            else f"conjunction_by_default=False (OR of terms, field_boosts {self.boosts}"
        )
        self.notes = {
            "match": f"parse_query over {'/'.join(self.fields)} with {operator}, quoted "
            f"phrases), BM25, {analysis}",
            "filters": "BooleanQuery: the text query Must + one term_set_query Must per field "
            "(raw-tokenized fields)",
            "facets": "`Searcher.aggregate` terms aggregation on fast raw fields, over the same "
            "query; total from `search(count=True)`",
            "highlights": "`SnippetGenerator` on the summary of the top 10, `to_html()`",
            "update": "delete_documents by id term + add_document + commit, then reload searcher",
        }

    def version(self) -> str:
        from importlib.metadata import version

        return f"tantivy-py {version('tantivy')}"

    def _schema(self) -> Any:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in self.fields:
            builder.add_text_field(name, stored=True, tokenizer_name=self.tokenizer)
        for name in FILTER_FIELDS:
            builder.add_text_field(name, stored=False, fast=True, tokenizer_name="raw")
        return builder.build()

    def _document(self, entry: dict[str, Any]) -> Any:
        import tantivy

        fields: dict[str, Any] = {"id": entry["id"], **entry_texts(entry, self.fields)}
        for name in FILTER_FIELDS:
            value = facet_value(entry, name)
            if value:
                fields[name] = value
        return tantivy.Document(**fields)

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats:
        import tantivy

        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        self._index = tantivy.Index(self._schema(), path=str(workdir))
        self._register(self._index)
        writer = self._index.writer(heap_size=BUILD_HEAP)
        count = 0
        for entry in read_jsonl(entries_jsonl):
            writer.add_document(self._document(entry))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._workdir = workdir
        return BuildStats(
            time.perf_counter() - started,
            count,
            {"heap_size": BUILD_HEAP, "threads": "tantivy default (one per core, <= 8)"},
        )

    def open(self, workdir: Path) -> None:
        import tantivy

        self._workdir = workdir
        self._index = tantivy.Index.open(str(workdir))
        self._register(self._index)
        self._searcher = self._index.searcher()

    def _register(self, index: Any) -> None:
        if self.tokenizer == FOLDING_TOKENIZER:
            index.register_tokenizer(FOLDING_TOKENIZER, folding_analyzer())

    def update_one(self, entry: dict[str, Any]) -> float:
        started = time.perf_counter()
        writer = self._index.writer(heap_size=UPDATE_HEAP, num_threads=1)
        writer.delete_documents("id", entry["id"])
        writer.add_document(self._document(entry))
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()
        return time.perf_counter() - started

    def _full_query(self, q: Query, clauses: list[Clause]) -> Any:
        import tantivy

        text_query = self._index.parse_query(
            quoted_clauses(clauses),
            default_field_names=list(self.fields),
            field_boosts=self.boosts,
            conjunction_by_default=self.conjunction,
        )
        if not q.filters:
            return text_query
        schema = self._index.schema
        parts = [(tantivy.Occur.Must, text_query)]
        for name, values in q.filters.items():
            parts.append((tantivy.Occur.Must, tantivy.Query.term_set_query(schema, name, values)))
        return tantivy.Query.boolean_query(parts)

    def query(self, q: Query) -> QueryResult:
        import tantivy

        clauses = parse_clauses(q.text)
        if not clauses:
            return QueryResult(0, [], [], {})
        query = self._full_query(q, clauses)
        searcher = self._searcher
        found = searcher.search(query, limit=TOP_K, count=True)
        facets: dict[str, dict[str, int]] = {f: {} for f in FACET_FIELDS}
        if found.count:
            aggs = searcher.aggregate(
                query,
                {f: {"terms": {"field": f, "size": FACET_BUCKETS}} for f in FACET_FIELDS},
            )
            for name in FACET_FIELDS:
                buckets = aggs.get(name, {}).get("buckets", [])
                facets[name] = drop_empty({b["key"]: b["doc_count"] for b in buckets})
        ids: list[str] = []
        snippets: list[str] = []
        if found.hits:
            generator = tantivy.SnippetGenerator.create(
                searcher, query, self._index.schema, SNIPPET_FIELD
            )
            for _score, address in found.hits:
                doc = searcher.doc(address)
                ids.append(doc["id"][0])
                html = generator.snippet_from_doc(doc).to_html()
                snippets.append(html or doc[SNIPPET_FIELD][0][:SNIPPET_FALLBACK_CHARS])
        return QueryResult(total=found.count, ids=ids, snippets=snippets, facets=facets)

    def close(self) -> None:
        self._searcher = None
        self._index = None


SYSTEM = TantivySystem(
    "tantivy", conjunction=False, fields=FAIR_TEXT_FIELDS, tokenizer=FOLDING_TOKENIZER
)
AND_SYSTEM = TantivySystem("tantivy-and", conjunction=True, fields=TEXT_FIELDS, tokenizer="default")
