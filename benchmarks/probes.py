"""gpsearch-only probes in a fresh process: hostile queries, collapsing, translators' page.

    python -m benchmarks.probes --index DIR --queries queries.json --out probes.json

- hostile: a seeded set of distinct hostile queries (combining marks alone, zero-width
  and control characters, operator soup, deep parentheses, runs of NOT, long repeated
  phrases, one-letter words, stopwords alone, short and long prefixes, unknown fields,
  year garbage, deep pages, browse sorts, many filter values), each run once, as an
  attacker varies the string so no cache helps: the *maximum* is the figure (target:
  every one <= 50 ms at 100k).
- versions: the generated queries with one result per practice (the default) and with
  `versions=all`: what collapsing costs.
- translators: the translators' page (rendered HTML) and its JSON API, first pages and
  a deep page, served by `gpsearch serve` as users get them: the maximum is the figure
  (target: <= 50 ms at 100k).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.queries import Query, load_queries

HOSTILE_SEED = 20  # the set is the same in every run
HOSTILE_PER_KIND = 12


def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _summary(times: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "max": ordered[-1],
    }


def hostile_queries(seed: int = HOSTILE_SEED) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, query, request options): distinct strings of each hostile kind."""
    rng = random.Random(seed)
    marks = [chr(c) for c in range(0x300, 0x36F)]
    invisible = ["\u200b", "\u200d", "\ufeff", "\u202e", "\x1b[31m", "\t", "\r\n"]
    words = ["the", "de", "a", "të", "i", "la", "y", "og", "и", "roma", "city", "data"]
    kinds: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
        "marks alone": lambda: ("".join(rng.choices(marks, k=rng.randint(1, 40))), {}),
        "invisible": lambda: ("".join(rng.choices(invisible, k=rng.randint(1, 30))), {}),
        "operator soup": lambda: (
            " ".join(
                rng.choices(
                    ["AND", "OR", "NOT", "&&", "||", "!", "-", "(", ")", '"', "*", ":", "::"],
                    k=rng.randint(5, 60),
                )
            ),
            {},
        ),
        "deep parentheses": lambda: ("(" * rng.randint(20, 300) + rng.choice(words), {}),
        "runs of NOT": lambda: ("NOT " * rng.randint(10, 60) + rng.choice(words), {}),
        "long phrase": lambda: (
            '"' + " ".join(rng.choices(words, k=rng.randint(20, 60))) + '"',
            {},
        ),
        "stopwords": lambda: (" ".join(rng.choices(words[:9], k=rng.randint(1, 32))), {}),
        "one letter": lambda: (rng.choice("abcdefghijklmnopqrstuvwxyzäëøşж"), {}),
        "prefixes": lambda: (rng.choice(["int", "com", "mig", "abc", "zzz", "a"]) + "*", {}),
        "unknown fields": lambda: (f"{rng.choice(['zz', 'foo', 'x'])}:{rng.choice(words)}", {}),
        "year garbage": lambda: (
            f"year:{rng.choice(['2022..2019', '99999', '..', '0..9999'])}",
            {},
        ),
        "deep page": lambda: (rng.choice(["", "the", "city"]), {"page": rng.randint(500, 1000)}),
        "browse sorts": lambda: ("", {"sort": "newest", "page": rng.randint(1, 1000)}),
        "typos everywhere": lambda: (
            " ".join("".join(rng.choices("qxzjkvw", k=rng.randint(4, 12))) for _ in range(8)),
            {},
        ),
        "many filter values": lambda: (
            rng.choice(words),
            {"filters": {"city": tuple(f"c{rng.randint(0, 10**6)}" for _ in range(50))}},
        ),
    }
    found: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for kind, make in kinds.items():
        for _ in range(HOSTILE_PER_KIND):
            query, options = make()
            key = json.dumps([query, options], sort_keys=True, default=list)
            if key not in seen:
                seen.add(key)
                found.append((kind, query[:500], options))
    return found


def probe_hostile(searcher: Any) -> dict[str, Any]:
    from search import SearchError, SearchRequest

    by_kind: dict[str, list[float]] = {}
    worst: tuple[float, str, str] = (0.0, "", "")
    for kind, query, options in hostile_queries():

        def run(query: str = query, options: dict[str, Any] = options) -> None:
            with contextlib.suppress(SearchError):  # a clear 400 is an answer too
                searcher.search(SearchRequest(query, **options))

        ms = _ms(run)
        by_kind.setdefault(kind, []).append(ms)
        worst = max(worst, (ms, kind, query))
    return {
        "queries": sum(len(v) for v in by_kind.values()),
        "by_kind": {kind: _summary(times) for kind, times in by_kind.items()},
        "all": _summary([t for times in by_kind.values() for t in times]),
        "worst": {"ms": worst[0], "kind": worst[1], "query": worst[2]},
    }


def probe_versions(searcher: Any, queries: Sequence[Query]) -> dict[str, Any]:
    from search import SearchRequest

    found: dict[str, Any] = {}
    for versions in ("all", "practice"):
        requests = [
            SearchRequest(q.text, {k: tuple(v) for k, v in q.filters.items()}, versions=versions)
            for q in queries
        ]
        found[versions] = _summary([_ms(lambda r=r: searcher.search(r)) for r in requests])
    return found


TRANSLATOR_PATHS = (
    "/translations",
    "/translations?coverage_page=3",
    "/translations?page=40",
    "/api/translations",
)
TRANSLATOR_WORKERS = 2


def probe_translators(index: Path, rounds: int = 30) -> dict[str, Any]:
    """The translators' page as its users get it: `gpsearch serve` (gunicorn, 2 workers)
    over loopback, one request at a time, after every worker has served every path (the
    first request of a worker opens its index, as the HTTP phase's warm-up does)."""
    from benchmarks import http_load
    from benchmarks.systems import load_system

    port = http_load.free_port()
    command, env = load_system("gpsearch").serve_command(
        index, http_load.HOST, port, TRANSLATOR_WORKERS
    )

    def get(path: str) -> None:
        status, _ = http_load.get(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")

    with tempfile.TemporaryDirectory() as tmp:
        server = http_load.Server(command, env, Path(tmp) / "server.log", Path.cwd())
        server.start(port, TRANSLATOR_PATHS[0])
        try:
            warm = http_load.run_python_load(
                port,
                TRANSLATOR_PATHS,
                seconds=120,
                connections=TRANSLATOR_WORKERS,
                max_requests=len(TRANSLATOR_PATHS) * TRANSLATOR_WORKERS * 4,
            )
            if warm["errors"]:
                raise RuntimeError(f"translators page warm-up: {warm['error_detail']}")
            found = {
                path: _summary([_ms(lambda path=path: get(path)) for _ in range(rounds)])
                for path in TRANSLATOR_PATHS
            }
        finally:
            server.stop()
    return {"served_by": f"gpsearch serve, {TRANSLATOR_WORKERS} workers", "paths": found}


def main(argv: Sequence[str] | None = None) -> None:
    from search import Searcher, SearchRequest

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    searcher = Searcher(args.index)
    queries = load_queries(args.queries)
    for q in queries[:20]:  # warm: dictionaries, caches of the generation
        searcher.search(SearchRequest(q.text))
    result = {
        "hostile": probe_hostile(searcher),
        "versions": probe_versions(searcher, queries),
        "translators": probe_translators(args.index),
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
