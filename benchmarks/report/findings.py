"""Where a peer beats the reference, and why: the metrics compared and the reasons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.report.fmt import (
    BETTER_NDCG,
    BETTER_RATIO,
    dig,
    fmt_mb,
    fmt_ms,
    fmt_num,
    relevance_partial,
)


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    higher_is_better: bool
    get: Callable[[dict[str, Any]], float | None]
    fmt: Callable[[float | None], str]


METRICS = (
    Metric(
        "build",
        "build throughput (entries/s)",
        True,
        lambda r: dig(r, "build", "build", "entries_per_s"),
        fmt_num,
    ),
    Metric(
        "size",
        "index size on disk",
        False,
        lambda r: dig(r, "build", "size_bytes"),
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Metric(
        "update",
        "re-index of 1 changed entry",
        False,
        lambda r: (
            None
            if dig(r, "build", "update_median_s") is None
            else dig(r, "build", "update_median_s") * 1000
        ),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "query",
        "library query median",
        False,
        lambda r: dig(r, "query", "latency_ms", "median"),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "query_p95",
        "library query p95",
        False,
        lambda r: dig(r, "query", "latency_ms", "p95"),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "rss",
        "query process peak RSS",
        False,
        lambda r: dig(r, "query", "peak_rss_bytes"),
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Metric(
        "http",
        "HTTP p95 ({clients} clients)",
        False,
        lambda r: dig(r, "http", "latency_ms", "p95"),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "http_rps",
        "HTTP throughput",
        True,
        lambda r: dig(r, "http", "throughput_rps"),
        lambda v: f"{fmt_num(v)} req/s",
    ),
)

# Why a peer wins where it wins: filled into the report only when the numbers show it.
# {clients}, {workers} and {index_threads} come from the run (see reason_context).
REASONS: dict[tuple[str, str], str] = {
    ("tantivy", "build"): "Rust indexer, one indexing thread per core ({index_threads} here) "
    "with a 128 MB arena; no per-token Python work",
    ("tantivy", "size"): "bit-packed, block-compressed postings and a compressed doc store",
    ("tantivy", "update"): "delete-by-term + add in a tiny in-memory segment; the commit writes "
    "only that segment",
    ("tantivy", "query"): "compiled BM25 top-k (block-max WAND) and facet counts from columnar "
    "fast fields in one Rust aggregation call: no Python per matched document",
    ("tantivy", "query_p95"): "its tail is short because per-match work (scoring, facet "
    "counting) is in Rust; Python only touches the 10 hits",
    ("tantivy", "rss"): "the index is memory-mapped: only touched pages count, and the OS can "
    "drop them",
    ("fts5", "build"): "tokenizing and b-tree inserts run in C inside one transaction",
    ("fts5", "size"): "varint-coded doclists in b-tree pages after 'optimize'; facet "
    "columns stored once in a plain table",
    ("fts5", "update"): "an in-place UPDATE of two rows: no segment to write or merge",
    ("fts5", "query"): "matching, bm25 ranking and GROUP BY facet counts run in C; only 10 rows "
    "and ~50 facet rows cross into Python",
    ("fts5", "query_p95"): "facet counting over many matches stays in C (GROUP BY over a "
    "materialized CTE), so frequent words cost little extra",
    ("fts5", "rss"): "SQLite keeps a small page cache (2 MB by default) and leaves the rest "
    "to the OS file cache",
    ("whoosh", "build"): "one analyser per field and no language detection; gpsearch also "
    "detects each entry's language, fills per-language analysed fields and builds numpy "
    "postings after the Whoosh commit",
    ("whoosh", "size"): "one analysed copy of each text; gpsearch adds per-language fields "
    "and numpy posting arrays beside its Whoosh segments",
    ("whoosh", "update"): "a one-document segment commit is cheap while no merge is "
    "triggered; gpsearch's update writes a small new generation (the rest hard-linked), "
    "exports the new segment's arrays, regroups the touched place-and-year block and "
    "rewrites the per-generation side files (manifest, groups, remembered lines) for all "
    "100k entries; the Searcher then reopens every array",
    ("whoosh", "query"): "fewer stages per query (one parsed query, no relaxed matching, "
    "suggestion or unfiltered fallback search)",
    ("whoosh", "query_p95"): "fewer stages per query (one parsed query, no relaxed matching, "
    "suggestion or unfiltered fallback search)",
    ("whoosh-and", "query"): "fewer stages per query (strict AND, no relaxed matching, "
    "suggestion or unfiltered fallback search)",
    ("whoosh-and", "query_p95"): "fewer stages per query (strict AND, no relaxed matching, "
    "suggestion or unfiltered fallback search)",
    ("xapian", "build"): "C++ indexer (TermGenerator) in one process; no language detection",
    ("xapian", "size"): "one stemmed and one exact term per word in glass b-trees, "
    "no per-language fields",
    ("xapian", "update"): "replace_document + commit writes a few changed b-tree blocks",
    ("xapian", "query"): "C++ matcher with BM25 and value-count match spies for the facets; "
    "one JSON round trip to the bridge process per query",
    ("xapian", "query_p95"): "facet counting over every match stays in C++ (match spies)",
    ("xapian", "rss"): "the index is read through the OS file cache; the bridge child is a "
    "bare interpreter with the bindings",
    ("whoosh", "http"): "less work per request than the reference",
    ("whoosh", "http_rps"): "less work per request than the reference",
    ("whoosh", "rss"): "pure-Python objects only for what a query touches; gpsearch holds "
    "its language resources (langdetect profiles, Albanian and Serbian lemmatizer "
    "dictionaries, the analysed concept lexicon: ~110 MB, shared by a server's workers)",
}
# The reason for a peer without its own entry for that metric.
METRIC_REASONS = {
    "http": "less CPU per request, so {workers} sync workers drain {clients} clients' queue faster",
    "http_rps": "less CPU per request than the reference",
}
# tantivy's writer starts one indexing thread per core, at most 8.
TANTIVY_MAX_INDEX_THREADS = 8
RELEVANCE_REASONS = {
    "tantivy-and": "default tokenizer without stemming: exact forms rank well on short queries",
    "fts5-and": "porter stemming + diacritics folding (unicode61 remove_diacritics 2)",
    "whoosh-and": "English stemming and stop words (StemmingAnalyzer) with BM25F over three fields",
    "tantivy": "OR of the words with BM25 over four weighted fields, English stemming and "
    "ascii folding",
    "fts5": "OR of the words with weighted bm25() over four fields, porter stemming and "
    "diacritics folding",
    "whoosh": "OR of the words (OrGroup 0.9) with BM25F over four weighted fields, English "
    "stemming and accent folding",
    "xapian": "OR of the words with BM25, English stemming, folding and spelling correction "
    "of words the index lacks",
    "xapian-qp-spelling": "OR of the words with BM25, English stemming, folding and the "
    "query parser's spelling correction",
}


def faster_findings(results: dict[str, Any], systems: Sequence[str], ref: str | None) -> list[str]:
    """One line per (peer, metric) where the peer beats the reference by BETTER_RATIO."""
    if not ref:
        return []
    context = reason_context(results)
    lines: list[str] = []
    for name in systems:
        if name == ref:
            continue
        for metric in METRICS:
            wins = []
            for size, per_system in results["runs"].items():
                mine = metric.get(per_system.get(name) or {})
                theirs = metric.get(per_system.get(ref) or {})
                if mine is None or theirs is None or mine <= 0 or theirs <= 0:
                    continue
                ratio = mine / theirs if metric.higher_is_better else theirs / mine
                if ratio >= BETTER_RATIO:
                    wins.append(
                        f"{size}: {metric.fmt(mine)} vs {metric.fmt(theirs)} ({ratio:.1f}×)"
                    )
            if wins:
                reason = (
                    REASONS.get((name, metric.key))
                    or REASONS.get((base_name(name), metric.key))
                    or METRIC_REASONS.get(metric.key, "no explanation recorded yet")
                )
                lines.append(
                    f"- **{name}**, {metric.label.format_map(context)}: "
                    + "; ".join(wins)
                    + f". Why: {reason.format_map(context)}."
                )
        rel = results.get("relevance") or {}
        if any(relevance_partial(rel.get(n) or {}) for n in (name, ref)):
            continue  # means over different query subsets: no comparison
        mine_ndcg = dig(rel, name, "groups", "all", "nDCG@10")
        ref_ndcg = dig(rel, ref, "groups", "all", "nDCG@10")
        if mine_ndcg is not None and ref_ndcg is not None and mine_ndcg - ref_ndcg >= BETTER_NDCG:
            lines.append(
                f"- **{name}**, nDCG@10 (all judged queries): {mine_ndcg:.3f} vs {ref_ndcg:.3f}. "
                f"Why: {RELEVANCE_REASONS.get(name, 'analysis differences')}."
            )
    return lines


def base_name(name: str) -> str:
    """The peer behind a configuration: `fts5-and` -> `fts5` (same engine, same costs)."""
    return name.split("-", 1)[0]


def reason_context(results: dict[str, Any]) -> dict[str, Any]:
    """The run's numbers that the labels and reasons name: clients, workers, threads."""
    config, machine = results["config"], results["env"]["machine"]
    cores = machine.get("cores_usable") or machine.get("cores") or 1
    return {
        "clients": config["http_clients"],
        "workers": config["http_workers"],
        "index_threads": min(cores, TANTIVY_MAX_INDEX_THREADS),
    }
