"""One measurement in a fresh process: `build` or `query` of one system on one corpus.

Each phase runs in its own interpreter so that its peak RSS (getrusage ru_maxrss) is
that phase's alone: the query process never carries the indexer's memory.  Results go
to a JSON file given by `--out`; the orchestrator (benchmarks.run) reads it.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import resource
import statistics
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil

from benchmarks.data import read_jsonl
from benchmarks.queries import load_queries
from benchmarks.systems import TOP_K, load_system

log = logging.getLogger(__name__)


def _peak_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child_peak_rss_bytes(system: Any) -> int:
    """Peak RSS of a child process the adapter runs its engine in (the Xapian bridge)."""
    child = getattr(system, "child_peak_rss_bytes", None)
    return child() if child is not None else 0


def _rss_bytes() -> int:
    return psutil.Process().memory_info().rss


def _changed(entry: dict[str, Any], round_: int) -> dict[str, Any]:
    """The same entry with an edited summary, as a translator's fix would be."""
    changed = dict(entry)
    changed["summary"] = f"{entry['summary']} (revised {round_})"
    return changed


def run_build(system_name: str, corpus: Path, index: Path, updates: int) -> dict[str, Any]:
    system = load_system(system_name)
    stats = system.build(corpus, index)
    # ru_maxrss only grows: read now, it is the build's peak, not an update round's.
    build_peak_rss = _peak_rss_bytes() + _child_peak_rss_bytes(system)
    system.close()
    # Size of the index as built, before updates add segments or journal pages.
    system.open(index)
    size = system.size_bytes()
    update_seconds: list[float] = []
    update_error = ""
    try:
        for round_, entry in enumerate(islice(read_jsonl(corpus), updates), start=1):
            update_seconds.append(system.update_one(_changed(entry, round_)))
    except NotImplementedError as exc:
        update_error = str(exc)
    except Exception as exc:  # a failing update must not cost the build's numbers
        log.exception("update_one failed")
        update_error = f"update failed: {type(exc).__name__}: {exc}"
    system.close()
    cli = _cli_update(system, updates)
    return {
        "system": system_name,
        "cli_update": cli,
        "build": stats.to_dict(),
        "size_bytes": size,
        "update_seconds": update_seconds,
        "update_median_s": statistics.median(update_seconds) if update_seconds else None,
        "update_error": update_error,
        "build_peak_rss_bytes": build_peak_rss,
    }


def _cli_update(system: Any, rounds: int) -> dict[str, Any] | None:
    """The command-line update a system offers (gpsearch: `gpsearch index FILE` after one
    line changed, wall seconds per round); None for the others."""
    probe = getattr(system, "cli_update", None)
    if probe is None or rounds < 1:
        return None
    try:
        return probe(min(rounds, 3))
    except Exception as exc:  # the build's numbers stand without it
        log.exception("cli update failed")
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _run_queries(
    system: Any, queries: Sequence[Any], deadline: float
) -> tuple[list[float], list[dict[str, Any]]]:
    """Time each query; stops at `deadline` (perf_counter) so a slow system cannot hang the run."""
    latencies: list[float] = []
    outcomes: list[dict[str, Any]] = []
    for q in queries:
        if time.perf_counter() > deadline:
            break
        started = time.perf_counter()
        result = system.query(q)
        latencies.append(time.perf_counter() - started)
        outcomes.append(
            {
                "qid": q.qid,
                "total": result.total,
                "hits": len(result.ids),
                "snippets": sum(1 for s in result.snippets if s),
            }
        )
    return latencies, outcomes


def _warm_up(system: Any, warmup_path: Path | None, budget_s: float) -> None:
    deadline = time.perf_counter() + budget_s
    for q in load_queries(warmup_path) if warmup_path is not None else []:
        if time.perf_counter() > deadline:
            break
        system.query(q)


def _timed_passes(
    system: Any, queries: Sequence[Any], repeat: int, deadline: float
) -> tuple[list[float], list[dict[str, Any]]]:
    """Latency of each query (its fastest of `repeat` passes: less scheduler noise) and
    the first pass's outcomes."""
    best: list[float] = []
    outcomes: list[dict[str, Any]] = []
    for round_ in range(max(1, repeat)):
        latencies, round_outcomes = _run_queries(system, queries, deadline)
        if round_ == 0:
            best, outcomes = latencies, round_outcomes
        else:
            best = [min(a, b) for a, b in zip(best, latencies, strict=False)] + best[
                len(latencies) :
            ]
    return best, outcomes


def _with_related(
    system: Any, index: Path, queries: Sequence[Any], budget_s: float
) -> list[float] | None:
    """Each query's latency with related practices, for a system that has them; timed
    after the main passes and the peak RSS (so those are as for every peer) on the index opened
    afresh (the main passes' cached entries and neighbours do not help it), in one pass
    whatever --repeat says (a second would find the entries' neighbours cached)."""
    if not hasattr(system, "query_with_related"):
        return None
    system.close()
    system.open(index)
    as_the_web_ui_asks = SimpleNamespace(query=system.query_with_related)
    latencies, _ = _run_queries(as_the_web_ui_asks, queries, time.perf_counter() + budget_s)
    return latencies


def _judged_run(
    system: Any, judged_path: Path | None, budget_s: float
) -> tuple[dict[str, list[str]], bool]:
    """Top ids of each judged query, and whether every one was asked within the budget."""
    run: dict[str, list[str]] = {}
    if judged_path is None:
        return run, True
    deadline = time.perf_counter() + budget_s
    for q in load_queries(judged_path):
        if time.perf_counter() > deadline:
            return run, False
        run[q.qid] = system.query(q).ids[:TOP_K]
    return run, True


def _places_cost(system_name: str, index: Path, system: Any) -> dict[str, Any] | None:
    """The map, timeline and near costs (benchmarks.places_cost), gpsearch only."""
    if system_name != "gpsearch":
        return None
    from benchmarks.places_cost import measure

    try:
        return measure(index, system._searcher)
    except Exception as exc:  # a report section missing beats a lost query phase
        log.error("places cost not measured: %s", exc)
        return {"error": str(exc)[:200]}


def run_query(
    system_name: str,
    index: Path,
    queries_path: Path,
    warmup_path: Path | None,
    judged_path: Path | None,
    repeat: int,
    budget_s: float,
) -> dict[str, Any]:
    """Open, warm up, time every query (best of `repeat`), then run the judged set.

    The warm-up queries are a set of their own, so no timed query runs warm.

    `budget_s` bounds the timed passes and, separately, the judged run; a system that
    runs out reports how many queries it finished instead of holding up the benchmark.
    """
    system = load_system(system_name)
    queries = load_queries(queries_path)
    rss_start = _rss_bytes()
    started = time.perf_counter()
    system.open(index)
    open_seconds = time.perf_counter() - started
    rss_open = _rss_bytes()
    _warm_up(system, warmup_path, budget_s / 4)
    gc.collect()
    # CPU this process got per wall second while timing: well below 1 on a single-threaded
    # library means other processes took the core (a noisy measurement).
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    best, outcomes = _timed_passes(system, queries, repeat, time.perf_counter() + budget_s)
    timed_wall = time.perf_counter() - wall_started
    timed_cpu = time.process_time() - cpu_started
    run, judged_done = _judged_run(system, judged_path, budget_s)
    # A sample answer, so the report can show that snippets and facets are real.
    sample = system.query(queries[0]) if queries else None
    facet_cost = getattr(system, "facet_cost_ms", None)
    facet_cost_ms = facet_cost() if facet_cost is not None else None
    peak_rss = _peak_rss_bytes() + _child_peak_rss_bytes(system)
    places = _places_cost(system_name, index, system)  # after the peak: not part of it
    with_related = _with_related(system, index, queries, budget_s)  # it reopens: after too
    system.close()
    return {
        "system": system_name,
        "open_seconds": open_seconds,
        "rss_start_bytes": rss_start,
        "rss_open_bytes": rss_open,
        "peak_rss_bytes": peak_rss,
        "latencies_s": best,
        "latencies_with_related_s": with_related,
        "cpu_per_wall": timed_cpu / timed_wall if timed_wall > 0 else None,
        "loadavg_1m": os.getloadavg()[0],
        "queries_planned": len(queries),
        "outcomes": outcomes,
        "judged_run": run,
        "judged_complete": judged_done,
        "facet_cost_ms": facet_cost_ms,
        "places": places,
        "sample": None
        if sample is None
        else {
            "query": queries[0].to_dict(),
            "total": sample.total,
            "ids": sample.ids[:3],
            "snippets": sample.snippets[:2],
            "facets": {k: dict(list(v.items())[:5]) for k, v in sample.facets.items()},
        },
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="phase", required=True)
    build = sub.add_parser("build")
    build.add_argument("--system", required=True)
    build.add_argument("--corpus", type=Path, required=True)
    build.add_argument("--index", type=Path, required=True)
    build.add_argument("--updates", type=int, default=5)
    build.add_argument("--out", type=Path, required=True)
    query = sub.add_parser("query")
    query.add_argument("--system", required=True)
    query.add_argument("--index", type=Path, required=True)
    query.add_argument("--queries", type=Path, required=True)
    query.add_argument("--warmup-queries", type=Path, help="untimed queries run first")
    query.add_argument("--judged", type=Path)
    query.add_argument("--repeat", type=int, default=1)
    query.add_argument("--budget", type=float, default=300.0, help="seconds for timed queries")
    query.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.phase == "build":
        result = run_build(args.system, args.corpus, args.index, args.updates)
    else:
        result = run_query(
            args.system,
            args.index,
            args.queries,
            args.warmup_queries,
            args.judged,
            args.repeat,
            args.budget,
        )
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
