"""benchmarks/report.md, report.json and latency.png from one run's results.

Every ratio compares numbers taken in the same run on the same machine; the reference
column is gpsearch when it ran, else plain Whoosh (the library gpsearch builds on).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.queries import FILTER_COUNTS, KINDS
from benchmarks.relevance import MEASURE_NAMES

MB = 1_000_000
PRIMARY = "gpsearch"
FALLBACK_REFERENCE = "whoosh"
TARGET_SIZE = "100k"
# A peer counts as faster/better than the reference from this ratio on.
BETTER_RATIO = 1.25
BETTER_NDCG = 0.02


# --------------------------------------------------------------------------- formatting
def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def fmt_num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def fmt_mb(value: float | None) -> str:
    if value is None:
        return "–"
    return (
        f"{value / MB:.2f}"
        if value < 10 * MB
        else f"{value / MB:,.1f}"
        if value < 100 * MB
        else f"{value / MB:,.0f}"
    )


def fmt_ratio(value: float | None, ref: float | None) -> str:
    if value is None or not ref:
        return "–"
    ratio = value / ref
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    """One table cell: a single line, with pipes escaped (error texts carry tracebacks)."""
    return " ".join(str(value).split()).replace("|", "\\|")


def short_error(error: str, limit: int = 100) -> str:
    """`phase: last line of the traceback`, e.g. `http: KeyError: 'segments'`."""
    phase, _, rest = error.partition(":")
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    text = f"{phase}: {lines[-1] if lines else rest.strip()}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- accessors
def _get(data: Any, *keys: Any) -> Any:
    for key in keys:
        if data is None:
            return None
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _systems_with_data(results: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for per_system in results["runs"].values():
        for name, record in per_system.items():
            if name not in seen and ("build" in record or "query" in record):
                seen.append(name)
    return seen


def reference(results: dict[str, Any]) -> str | None:
    systems = _systems_with_data(results)
    for name in (PRIMARY, FALLBACK_REFERENCE):
        if name in systems:
            return name
    return systems[0] if systems else None


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
        lambda r: _get(r, "build", "build", "entries_per_s"),
        fmt_num,
    ),
    Metric(
        "size",
        "index size on disk",
        False,
        lambda r: _get(r, "build", "size_bytes"),
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Metric(
        "update",
        "re-index of 1 changed entry",
        False,
        lambda r: (
            None
            if _get(r, "build", "update_median_s") is None
            else _get(r, "build", "update_median_s") * 1000
        ),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "query",
        "library query median",
        False,
        lambda r: _get(r, "query", "latency_ms", "median"),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "query_p95",
        "library query p95",
        False,
        lambda r: _get(r, "query", "latency_ms", "p95"),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "rss",
        "query process peak RSS",
        False,
        lambda r: _get(r, "query", "peak_rss_bytes"),
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Metric(
        "http",
        "HTTP p95 ({clients} clients)",
        False,
        lambda r: _get(r, "http", "latency_ms", "p95"),
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Metric(
        "http_rps",
        "HTTP throughput",
        True,
        lambda r: _get(r, "http", "throughput_rps"),
        lambda v: f"{fmt_num(v)} req/s",
    ),
)

# Why a peer wins where it wins: filled into the report only when the numbers show it.
# {clients}, {workers} and {index_threads} come from the run (see _reason_context).
REASONS: dict[tuple[str, str], str] = {
    ("tantivy", "build"): "Rust indexer, one indexing thread per core ({index_threads} here) "
    "with a 128 MB arena; no per-token Python work",
    ("tantivy", "size"): "bit-packed, block-compressed postings and a compressed doc store; "
    "no stemming, so no extra stemmed variants",
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
    "triggered; gpsearch's update is given the whole source again: it hashes every entry to "
    "find the changed one, then writes a small new generation (the rest hard-linked), "
    "exports the new segment's arrays and regroups the touched place-and-year block",
    ("whoosh", "query"): "fewer stages per query (strict AND, no relaxed matching, "
    "suggestion or unfiltered fallback search)",
    ("whoosh", "query_p95"): "fewer stages per query (strict AND, no relaxed matching, "
    "suggestion or unfiltered fallback search)",
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
    "tantivy": "default tokenizer without stemming: exact forms rank well on short queries",
    "fts5": "porter stemming + diacritics folding (unicode61 remove_diacritics 2)",
    "whoosh": "English stemming and stop words (StemmingAnalyzer) with BM25F over three fields",
}


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True, slots=True)
class Target:
    label: str
    threshold: str
    size: str
    value: Callable[[dict[str, Any]], float | None]
    ok: Callable[[float, dict[str, Any]], bool]
    fmt: Callable[[float | None], str]


def _three_filter_p95(record: dict[str, Any]) -> float | None:
    return _get(record, "query", "by_filters", "3", "p95")


def _http_p95(record: dict[str, Any]) -> float | None:
    """HTTP p95; infinite when the load ran but no request completed."""
    http = _get(record, "http")
    if not http:
        return None
    return _get(http, "latency_ms", "p95") if http.get("requests") else float("inf")


def fmt_target_ms(value: float | None) -> str:
    return "no reply" if value == float("inf") else f"{fmt_ms(value)} ms"


TARGETS = (
    Target(
        "Library query p95, 3 filters + 6 facets + highlights",
        "≤ 60 ms",
        TARGET_SIZE,
        _three_filter_p95,
        lambda v, r: v <= 60,
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Target(
        "HTTP p95, 8 concurrent clients, 0 errors",
        "≤ 100 ms",
        TARGET_SIZE,
        _http_p95,
        lambda v, r: v <= 100 and _get(r, "http", "errors") == 0,
        fmt_target_ms,
    ),
    Target(
        "Build throughput",
        "≥ 1,000 entries/s",
        TARGET_SIZE,
        lambda r: _get(r, "build", "build", "entries_per_s"),
        lambda v, r: v >= 1000,
        lambda v: f"{fmt_num(v)}/s",
    ),
    Target(
        "Server peak memory, PSS (master + workers)",
        "≤ 400 MB",
        TARGET_SIZE,
        lambda r: _get(r, "http", "server_peak_pss_bytes"),
        lambda v, r: v <= 400 * MB,
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Target(
        "Server peak RSS summed over processes",
        "≤ 400 MB",
        TARGET_SIZE,
        lambda r: _get(r, "http", "server_peak_rss_bytes"),
        lambda v, r: v <= 400 * MB,
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Target(
        "HTTP p95 at real-corpus size, 0 errors",
        "≤ 15 ms",
        "real",
        _http_p95,
        lambda v, r: v <= 15 and _get(r, "http", "errors") == 0,
        fmt_target_ms,
    ),
)


def _target_size(results: dict[str, Any], wanted: str) -> tuple[str | None, str]:
    labels = [s["label"] for s in results["config"]["sizes"]]
    if wanted in labels:
        return wanted, ""
    synthetic = [s for s in results["config"]["sizes"] if s["label"] != "real"]
    if wanted != "real" and synthetic:
        largest = max(synthetic, key=lambda s: s["entries"])["label"]
        return largest, f" (measured at {largest}; the target is for {wanted})"
    return None, " (size not run)"


def evaluate_targets(results: dict[str, Any], systems: Sequence[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for target in TARGETS:
        size, note = _target_size(results, target.size)
        cells: dict[str, dict[str, Any]] = {}
        for name in systems:
            record = results["runs"].get(size or "", {}).get(name)
            value = target.value(record) if record else None
            cells[name] = {
                "value": value,
                "text": target.fmt(value) if value is not None else "n/a",
                "pass": None if value is None else bool(target.ok(value, record)),
            }
        rows.append(
            {
                "target": target.label,
                "threshold": target.threshold,
                "size": size,
                "note": note,
                "cells": cells,
            }
        )
    return rows


# --------------------------------------------------------------------------- sections
def _header(results: dict[str, Any]) -> list[str]:
    env, config = results["env"], results["config"]
    machine, versions = env["machine"], env["versions"]
    load = machine.get("loadavg", [0, 0, 0])
    load_end = machine.get("loadavg_end", load)
    sizes = ", ".join(f"{s['label']} ({s['entries']:,})" for s in config["sizes"])
    out = [
        "# gpsearch benchmark",
        "",
        f"Run {env['date']} on commit `{env['commit']}`, {config['mode']} mode, "
        f"took {results['duration_s'] / 60:.1f} min. Generated by "
        f"`{config.get('command', 'python -m benchmarks.run')}` (`make bench` runs it without "
        "options); raw numbers in `report.json`.",
        "",
        "## Machine and versions",
        "",
        table(
            ["CPU", "cores (usable)", "RAM", "OS", "load avg 1 min (start → end)"],
            [
                [
                    machine["cpu"],
                    f"{machine['cores']} ({machine['cores_usable']})",
                    f"{machine['ram_bytes'] / 2**30:.1f} GiB",
                    machine["os"],
                    f"{load[0]:.2f} → {load_end[0]:.2f}",
                ]
            ],
            "lrrll",
        ),
        "",
        table(list(versions), [list(versions.values())], "l" * len(versions)),
        "",
        "## Setup",
        "",
        f"- **Corpora**: {sizes}. `real` is the shared corpus (`entries.jsonl` + "
        "`seed-entries.jsonl`, ids from `corpus.model.derive_id`); the others come from "
        f"`benchmarks/synth.py` (seed {config['seed']}): real title chunks and summary sentences "
        "recombined within each language, with the real language mix, lengths, kinds, locales, "
        "untranslated share, country/city pairs and periods.",
        f"- **Queries**: {config['queries']} generated from the real corpus vocabulary "
        f"(seed {config['query_seed']}), the same list for every system and size: "
        + ", ".join(f"{k}" for k in KINDS)
        + f", each with 0, 1 and 3 facet filters in equal shares. {config['warmup']} untimed "
        f"warm-up queries first (seed {config['query_seed'] + 1}, none of the timed ones); "
        f"{config['repeat']} timed pass(es). A timed call returns the "
        "top 10 ids, total, counts for 6 facets (language, locale, country, city, year, kind) and "
        "a highlighted summary snippet for each of the 10 hits.",
        f"- **HTTP**: each system's `GET /api/search` under gunicorn on 127.0.0.1, "
        f"{config['http_clients']} concurrent clients for {config['http_seconds']:.0f} s "
        f"({config['http_tool']}) cycling through the same queries as URLs, after one untimed "
        "pass over every URL. Peers are served by `benchmarks/http_app.py` (Flask) with "
        f"{config['http_workers']} sync workers. Server RSS is the sum over master + workers."
        if config["http"]
        else "- **HTTP**: not run (`--no-http`).",
        "- Each build and each query run is its own process, so the query process's peak RSS "
        "does not include the indexer. MB = 10^6 bytes. The machine is shared and noisy: "
        "compare ratios within this report, not across runs.",
        "",
    ]
    return out


def _systems_section(results: dict[str, Any]) -> list[str]:
    rows = []
    skipped = []
    for name, info in results["systems"].items():
        if info["skipped"]:
            skipped.append(f"- **{name}** skipped: {info['skipped']}")
            continue
        notes = info["notes"]
        rows.append(
            [
                f"**{name}**<br>{info['version']}",
                notes.get("match", ""),
                notes.get("filters", ""),
                notes.get("facets", ""),
                notes.get("highlights", ""),
                notes.get("update", ""),
            ]
        )
    out = ["## Systems", ""]
    if rows:
        out += [
            table(
                ["system", "matching", "filters", "facet counts", "highlights", "update"],
                rows,
                "llllll",
            ),
            "",
        ]
    out += skipped + ([""] if skipped else [])
    return out


def _targets_section(results: dict[str, Any], systems: Sequence[str]) -> list[str]:
    rows = evaluate_targets(results, systems)
    results["targets"] = rows
    body = []
    for row in rows:
        cells = []
        for name in systems:
            cell = row["cells"][name]
            verdict = {True: "**PASS**", False: "**FAIL**", None: ""}[cell["pass"]]
            cells.append(f"{cell['text']} {verdict}".strip())
        size = row["size"] or "–"
        body.append([f"{row['target']}{row['note']}", row["threshold"], size, *cells])
    primary_ran = PRIMARY in systems
    out = [
        "## Targets",
        "",
        "PASS/FAIL is judged for gpsearch; the peers are measured against the same bars for "
        "reference." + ("" if primary_ran else " **gpsearch did not run in this report.**"),
        "",
        table(["target", "bar", "size", *systems], body, "llc" + "r" * len(systems)),
        "",
    ]
    return out


def _indexing_section(
    results: dict[str, Any], systems: Sequence[str], ref: str | None
) -> list[str]:
    rows = []
    for size, per_system in results["runs"].items():
        ref_eps = _get(per_system.get(ref or ""), "build", "build", "entries_per_s")
        for name in systems:
            record = per_system.get(name)
            build = _get(record, "build")
            if not build:
                rows.append(
                    [
                        size,
                        name,
                        *["–"] * 7,
                        "; ".join(short_error(e) for e in (record or {}).get("errors", [])),
                    ]
                )
                continue
            b = build["build"]
            update = build.get("update_median_s")
            rows.append(
                [
                    size,
                    name,
                    f"{b['seconds']:.2f}",
                    fmt_num(b["entries_per_s"]),
                    fmt_ratio(b["entries_per_s"], ref_eps),
                    fmt_mb(build["size_bytes"]),
                    fmt_num(build["size_bytes"] / max(1, b["entries"])),
                    fmt_ms(update * 1000) if update is not None else "n/a",
                    fmt_mb(build.get("build_peak_rss_bytes")),
                    build.get("update_error", "") or "",
                ]
            )
    return [
        "## Indexing",
        "",
        f"Update = median of {results['config']['updates']} rounds of re-indexing one changed "
        "entry until a new searcher sees it. Ratios are throughput relative to "
        f"{ref or '–'} (higher is faster).",
        "",
        table(
            [
                "size",
                "system",
                "build s",
                "entries/s",
                f"× {ref}",
                "index MB",
                "bytes/entry",
                "update 1 entry ms",
                "build peak RSS MB",
                "note",
            ],
            rows,
            "llrrrrrrrl",
        ),
        "",
    ]


def _query_section(results: dict[str, Any], systems: Sequence[str], ref: str | None) -> list[str]:
    rows = []
    for size, per_system in results["runs"].items():
        ref_lat = _get(per_system.get(ref or ""), "query", "latency_ms") or {}
        for name in systems:
            query = _get(per_system.get(name), "query")
            if not query:
                rows.append([size, name, *["–"] * 13])
                continue
            lat = query["latency_ms"]
            if not lat:
                rows.append([size, name, "0 (budget)", *["–"] * 12])
                continue
            by_f = query["by_filters"]
            done, planned = query.get("completed"), query.get("planned")
            count = str(done) if done == planned else f"{done}/{planned} (budget)"
            rows.append(
                [
                    size,
                    name,
                    count,
                    fmt_ms(lat["median"]),
                    fmt_ms(lat["p95"]),
                    fmt_ms(lat["p99"]),
                    fmt_ratio(lat["median"], ref_lat.get("median")),
                    fmt_ratio(lat["p95"], ref_lat.get("p95")),
                    " / ".join(fmt_ms(_get(by_f, str(n), "p95")) for n in FILTER_COUNTS),
                    f"{query['zero_hit_share'] * 100:.0f}%",
                    fmt_num(query["mean_total"]),
                    fmt_mb(query["peak_rss_bytes"]),
                    fmt_mb(query["rss_open_bytes"]),
                    f"{query['open_seconds'] * 1000:.0f}",
                    "–"
                    if query.get("cpu_per_wall") is None
                    else f"{query['cpu_per_wall'] * 100:.0f}%",
                ]
            )
    out = [
        "## Library query latency",
        "",
        f"{results['config']['queries']} queries per system and size (fewer where a system ran "
        f"out of its {results['config'].get('query_budget_s', 0):.0f} s budget), in-process "
        f"library call (ms). Ratios are relative to {ref or '–'} (below 1 is faster). Peak RSS "
        "is the query process's high-water mark (interpreter + index + queries). *CPU/wall* is "
        "the CPU time the query process got per second of timing: well under 100% for a "
        "single-threaded library means other processes took the core and the row is noisy.",
        "",
        table(
            [
                "size",
                "system",
                "queries",
                "median",
                "p95",
                "p99",
                f"median × {ref}",
                f"p95 × {ref}",
                "p95 by filters 0 / 1 / 3",
                "zero hits",
                "mean hits",
                "peak RSS MB",
                "RSS after open MB",
                "open ms",
                "CPU/wall",
            ],
            rows,
        ),
        "",
        "![Library query latency vs corpus size](latency.png)",
        "",
    ]
    largest = _largest_size(results)
    if largest:
        kind_rows = []
        for name in systems:
            by_cat = _get(results["runs"][largest].get(name), "query", "by_category")
            if by_cat:
                cells = [
                    f"{fmt_ms(_get(by_cat, k, 'median'))} / {fmt_ms(_get(by_cat, k, 'p95'))}"
                    for k in KINDS
                ]
                kind_rows.append([name, *cells])
        out += [
            f"### By kind of query at {largest} (median / p95 ms)",
            "",
            table(["system", *KINDS], kind_rows),
            "",
        ]
    return out


def _largest_size(results: dict[str, Any]) -> str | None:
    sizes = results["config"]["sizes"]
    return max(sizes, key=lambda s: s["entries"])["label"] if sizes else None


def _http_section(results: dict[str, Any], systems: Sequence[str], ref: str | None) -> list[str]:
    if not results["config"]["http"]:
        return []
    rows = []
    for size, per_system in results["runs"].items():
        ref_http = _get(per_system.get(ref or ""), "http") or {}
        for name in systems:
            record = per_system.get(name) or {}
            http = record.get("http")
            if not http:
                errors = [e for e in record.get("errors", []) if e.startswith("http")]
                rows.append(
                    [size, name, *["–"] * 11, (short_error(errors[0]) if errors else "not run")]
                )
                continue
            lat = http["latency_ms"]
            if not http["requests"]:
                rows.append([size, name, "0", *["–"] * 10, http.get("note", "")])
                continue
            cpu = http.get("cpu") or {}
            shares = (
                " / ".join(
                    f"{cpu[k] * 100:.0f}" for k in ("server_share", "client_share", "other_share")
                )
                if cpu
                else "–"
            )
            rows.append(
                [
                    size,
                    name,
                    fmt_num(http["throughput_rps"]),
                    fmt_ratio(http["throughput_rps"], ref_http.get("throughput_rps")),
                    fmt_ms(lat.get("p50")),
                    fmt_ms(lat.get("p95")),
                    fmt_ms(lat.get("p99")),
                    fmt_ratio(lat.get("p95"), _get(ref_http, "latency_ms", "p95")),
                    str(http["errors"]),
                    fmt_num(http["requests"]),
                    fmt_mb(http["server_peak_rss_bytes"]),
                    fmt_mb(http.get("server_peak_pss_bytes")),
                    str(http["server_processes"]),
                    shares,
                    "gpsearch serve" if name == PRIMARY else "http_app.py",
                ]
            )
    config = results["config"]
    return [
        "## HTTP: `GET /api/search` under gunicorn",
        "",
        f"{config['http_clients']} concurrent clients, {config['http_seconds']:.0f} s per run, "
        f"load from {config['http_tool']} on the same cores as the server. gpsearch runs "
        f"`gpsearch serve --workers {config['http_workers']}`; the peers run "
        f"`benchmarks/http_app.py` (Flask) under gunicorn with {config['http_workers']} sync "
        "workers. *CPU %* is the share of the machine's cores used by the server, the load "
        "client and everything else during the run: a high *other* share means a noisy "
        "neighbour, so that row's numbers are pessimistic. *RSS (sum)* adds each process's "
        "resident memory, counting pages the processes share once per process; *PSS* "
        "counts a page shared by n processes 1/n in each, so it is the memory the server "
        "actually takes (gpsearch's master loads the language resources before forking "
        "its workers, which share them).",
        "",
        table(
            [
                "size",
                "system",
                "req/s",
                f"× {ref}",
                "median ms",
                "p95 ms",
                "p99 ms",
                f"p95 × {ref}",
                "errors",
                "requests",
                "server peak RSS MB (sum)",
                "server peak PSS MB",
                "processes",
                "CPU % server / client / other",
                "served by",
            ],
            rows,
            "llrrrrrrrrrrrrl",
        ),
        "",
    ]


def _relevance_section(results: dict[str, Any], systems: Sequence[str]) -> list[str]:
    rel = results.get("relevance") or {}
    judged = results.get("judged") or {}
    if not rel:
        return ["## Relevance", "", "Not measured (the real corpus was not in `--sizes`).", ""]
    names = [n for n in systems if n in rel]
    groups: list[str] = []
    for name in names:
        for group in rel[name]["groups"]:
            if group not in groups:
                groups.append(group)
    splits = ["all", *sorted(g for g in groups if g.startswith("split:"))]
    categories = sorted(g for g in groups if g.startswith("category:"))

    def cell(name: str, group: str) -> str:
        values = rel[name]["groups"].get(group)
        if not values:
            return "–"
        return " / ".join(fmt_num(values[m], 3) for m in MEASURE_NAMES)

    def count(group: str) -> str:
        # A system whose judged run was cut short scored fewer queries: show the full count.
        return str(
            max(
                (rel[n]["groups"][group]["queries"] for n in names if group in rel[n]["groups"]),
                default=0,
            )
        )

    partial = [n for n in names if _relevance_partial(rel[n])]

    out = [
        "## Relevance",
        "",
        f"Judged set: {judged.get('source', '?')}; {judged.get('queries', 0)} queries "
        "(queries with no relevant document are left out, as trec_eval does). Each cell is "
        "nDCG@10 / MRR@10 with `ir_measures`, no filters, on the real corpus.",
        "",
    ]
    if judged.get("placeholder"):
        out += [
            "> **Placeholder**: `tests/eval/queries.tsv` / `qrels.txt` were not there yet; "
            "these numbers only show the pipeline works.",
            "",
        ]
    if partial:
        budget = results["config"].get("query_budget_s", 0)
        out += [
            "> **Incomplete judged run**: "
            + "; ".join(
                f"{n} ran out of its {budget:.0f} s budget with {rel[n].get('not_run', '?')} "
                "judged queries not asked"
                for n in partial
            )
            + ". Those queries are left out of its means (not scored as misses), so its "
            "columns (marked *partial*) cover fewer queries than the others and are not "
            "compared with them below.",
            "",
        ]
    headers = [f"{n} (partial)" if n in partial else n for n in names]
    out += [
        table(
            ["split", "queries", *headers],
            [[g.removeprefix("split:"), count(g), *[cell(n, g) for n in names]] for g in splits],
        ),
        "",
    ]
    if categories:
        category_rows = [
            [g.removeprefix("category:"), count(g), *[cell(n, g) for n in names]]
            for g in categories
        ]
        out += [table(["category", "queries", *headers], category_rows), ""]
    return out


def _relevance_partial(scores: dict[str, Any]) -> bool:
    """The system's judged run stopped at its time budget before every query was asked."""
    return not scores.get("complete", True) or bool(scores.get("not_run"))


def faster_findings(results: dict[str, Any], systems: Sequence[str], ref: str | None) -> list[str]:
    """One line per (peer, metric) where the peer beats the reference by BETTER_RATIO."""
    if not ref:
        return []
    context = _reason_context(results)
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
                reason = REASONS.get((name, metric.key)) or METRIC_REASONS.get(
                    metric.key, "no explanation recorded yet"
                )
                lines.append(
                    f"- **{name}**, {metric.label.format_map(context)}: "
                    + "; ".join(wins)
                    + f". Why: {reason.format_map(context)}."
                )
        rel = results.get("relevance") or {}
        if any(_relevance_partial(rel.get(n) or {}) for n in (name, ref)):
            continue  # means over different query subsets: no comparison
        mine_ndcg = _get(rel, name, "groups", "all", "nDCG@10")
        ref_ndcg = _get(rel, ref, "groups", "all", "nDCG@10")
        if mine_ndcg is not None and ref_ndcg is not None and mine_ndcg - ref_ndcg >= BETTER_NDCG:
            lines.append(
                f"- **{name}**, nDCG@10 (all judged queries): {mine_ndcg:.3f} vs {ref_ndcg:.3f}. "
                f"Why: {RELEVANCE_REASONS.get(name, 'analysis differences')}."
            )
    return lines


def _reason_context(results: dict[str, Any]) -> dict[str, Any]:
    """The run's numbers that the labels and reasons name: clients, workers, threads."""
    config, machine = results["config"], results["env"]["machine"]
    cores = machine.get("cores_usable") or machine.get("cores") or 1
    return {
        "clients": config["http_clients"],
        "workers": config["http_workers"],
        "index_threads": min(cores, TANTIVY_MAX_INDEX_THREADS),
    }


def _faster_section(results: dict[str, Any], systems: Sequence[str], ref: str | None) -> list[str]:
    lines = faster_findings(results, systems, ref)
    results["faster"] = lines
    why_ref = "" if ref == PRIMARY else f" (gpsearch did not run: compared with {ref})"
    out = ["## Where a peer is faster and why", ""]
    out.append(
        f"Filled from this run's numbers: every metric where a peer beats {ref}{why_ref} by "
        f"at least {BETTER_RATIO}× (nDCG@10 by {BETTER_NDCG}), with the reason that applies."
    )
    out.append("")
    out += lines or [f"- No peer beat {ref} by {BETTER_RATIO}× on any measured metric."]
    out.append("")
    return out


def _sample_section(results: dict[str, Any], systems: Sequence[str]) -> list[str]:
    size = _largest_size(results)
    out = ["## A sample answer", ""]
    for name in systems:
        sample = _get(results["runs"].get(size or "", {}).get(name), "query", "sample")
        if not sample:
            continue
        query = sample["query"]
        snippet = (sample["snippets"] or [""])[0].replace("|", "\\|").replace("\n", " ")
        out.append(
            f"- **{name}** at {size}, `{query['text']}` {query['filters'] or ''}: "
            f"{sample['total']:,} hits, top `{(sample['ids'] or ['–'])[0]}`, snippet "
            f"“{snippet[:160]}”, language facet {sample['facets'].get('language', {})}"
        )
    out.append("")
    return out


def _errors_section(results: dict[str, Any]) -> list[str]:
    errors = [
        f"- {size} / {name}: {short_error(error, 300)} (full text in report.json and "
        f"`benchmarks/work/logs/`)"
        for size, per_system in results["runs"].items()
        for name, record in per_system.items()
        for error in record.get("errors", [])
    ]
    return ["## Errors", "", *errors, ""] if errors else []


# --------------------------------------------------------------------------- chart
def write_chart(results: dict[str, Any], path: Path, systems: Sequence[str]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["config"]["sizes"]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    colors = {"gpsearch": "#d62728", "whoosh": "#1f77b4", "fts5": "#2ca02c", "tantivy": "#ff7f0e"}
    for name in systems:
        xs, medians, p95s = [], [], []
        for size in sorted(sizes, key=lambda s: s["entries"]):
            lat = _get(results["runs"].get(size["label"], {}).get(name), "query", "latency_ms")
            if lat:
                xs.append(size["entries"])
                medians.append(lat["median"])
                p95s.append(lat["p95"])
        if not xs:
            continue
        color = colors.get(name)
        ax.plot(xs, medians, marker="o", color=color, label=f"{name} median")
        ax.plot(xs, p95s, marker="^", linestyle="--", color=color, alpha=0.7, label=f"{name} p95")
    if PRIMARY in systems:
        ax.axhline(60, color="grey", linewidth=0.8, linestyle=":", label="p95 target (60 ms)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (entries)")
    ax.set_ylabel("library query latency (ms)")
    ax.set_title("Query latency vs corpus size (top 10 + 6 facets + highlights)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- entry point
def render(results: dict[str, Any]) -> str:
    systems = _systems_with_data(results)
    ref = reference(results)
    lines: list[str] = []
    lines += _header(results)
    lines += _systems_section(results)
    lines += _targets_section(results, systems)
    lines += _indexing_section(results, systems, ref)
    lines += _query_section(results, systems, ref)
    lines += _http_section(results, systems, ref)
    lines += _relevance_section(results, systems)
    lines += _faster_section(results, systems, ref)
    lines += _sample_section(results, systems)
    lines += _errors_section(results)
    return "\n".join(lines).rstrip() + "\n"


def write_report(results: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    systems = _systems_with_data(results)
    chart = write_chart(results, out_dir / "latency.png", systems)
    markdown = out_dir / "report.md"
    markdown.write_text(render(results), encoding="utf-8")
    # render() adds the evaluated targets and findings, so JSON is written after it.
    data = out_dir / "report.json"
    data.write_text(
        json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return [markdown, data, chart]
