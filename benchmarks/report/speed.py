"""The report's speed sections: indexing, library query latency, HTTP."""

from __future__ import annotations

from benchmarks.queries import FILTER_COUNTS, KINDS
from benchmarks.report.fmt import (
    PRIMARY,
    Report,
    dig,
    fmt_mb,
    fmt_ms,
    fmt_num,
    fmt_ratio,
    largest_size,
    short_error,
    table,
)


def indexing_section(r: Report) -> list[str]:
    results, systems, ref = r.results, r.systems, r.ref
    rows = []
    for size, per_system in results["runs"].items():
        ref_eps = dig(per_system.get(ref or ""), "build", "build", "entries_per_s")
        for name in systems:
            record = per_system.get(name)
            build = dig(record, "build")
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


def _query_row(size: str, name: str, query: dict | None, ref_lat: dict) -> list[str]:
    if not query:
        return [size, name, *["–"] * 13]
    lat = query["latency_ms"]
    if not lat:
        return [size, name, "0 (budget)", *["–"] * 12]
    by_f = query["by_filters"]
    done, planned = query.get("completed"), query.get("planned")
    cpu = query.get("cpu_per_wall")
    return [
        size,
        name,
        str(done) if done == planned else f"{done}/{planned} (budget)",
        fmt_ms(lat["median"]),
        fmt_ms(lat["p95"]),
        fmt_ms(lat["p99"]),
        fmt_ratio(lat["median"], ref_lat.get("median")),
        fmt_ratio(lat["p95"], ref_lat.get("p95")),
        " / ".join(fmt_ms(dig(by_f, str(n), "p95")) for n in FILTER_COUNTS),
        f"{query['zero_hit_share'] * 100:.0f}%",
        fmt_num(query["mean_total"]),
        fmt_mb(query["peak_rss_bytes"]),
        fmt_mb(query["rss_open_bytes"]),
        f"{query['open_seconds'] * 1000:.0f}",
        "–" if cpu is None else f"{cpu * 100:.0f}%",
    ]


def query_section(r: Report) -> list[str]:
    results, systems, ref = r.results, r.systems, r.ref
    rows = []
    for size, per_system in results["runs"].items():
        ref_lat = dig(per_system.get(ref or ""), "query", "latency_ms") or {}
        for name in systems:
            rows.append(_query_row(size, name, dig(per_system.get(name), "query"), ref_lat))
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
    largest = largest_size(results)
    if largest:
        kind_rows = []
        for name in systems:
            by_cat = dig(results["runs"][largest].get(name), "query", "by_category")
            if by_cat:
                cells = [
                    f"{fmt_ms(dig(by_cat, k, 'median'))} / {fmt_ms(dig(by_cat, k, 'p95'))}"
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


def _http_row(size: str, name: str, record: dict, ref_http: dict) -> list[str]:
    http = record.get("http")
    if not http:
        errors = [e for e in record.get("errors", []) if e.startswith("http")]
        return [size, name, *["–"] * 11, (short_error(errors[0]) if errors else "not run")]
    lat = http["latency_ms"]
    if not http["requests"]:
        return [size, name, "0", *["–"] * 10, http.get("note", "")]
    cpu = http.get("cpu") or {}
    shares = ("server_share", "client_share", "other_share")
    return [
        size,
        name,
        fmt_num(http["throughput_rps"]),
        fmt_ratio(http["throughput_rps"], ref_http.get("throughput_rps")),
        fmt_ms(lat.get("p50")),
        fmt_ms(lat.get("p95")),
        fmt_ms(lat.get("p99")),
        fmt_ratio(lat.get("p95"), dig(ref_http, "latency_ms", "p95")),
        str(http["errors"]),
        fmt_num(http["requests"]),
        fmt_mb(http["server_peak_rss_bytes"]),
        fmt_mb(http.get("server_peak_pss_bytes")),
        str(http["server_processes"]),
        " / ".join(f"{cpu[k] * 100:.0f}" for k in shares) if cpu else "–",
        "gpsearch serve" if name == PRIMARY else "http_app.py",
    ]


def http_section(r: Report) -> list[str]:
    results, systems, ref = r.results, r.systems, r.ref
    if not results["config"]["http"]:
        return []
    rows = []
    for size, per_system in results["runs"].items():
        ref_http = dig(per_system.get(ref or ""), "http") or {}
        for name in systems:
            rows.append(_http_row(size, name, per_system.get(name) or {}, ref_http))
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
