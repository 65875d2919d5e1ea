"""`make bench`: gpsearch and its peers on the real corpus and synthetic 10k/100k corpora.

For every size and system, in this order and in separate processes:
build (time, entries/s, size on disk, re-index of one changed entry) -> queries
(latency of the same generated list, peak RSS; the judged set on the real corpus) ->
HTTP (gunicorn on loopback, 8 clients for a bounded time).  Then relevance with
ir_measures, and benchmarks/report.md + report.json + latency.png.

    python -m benchmarks.run                       # full run (< 30 min on 2 cores)
    python -m benchmarks.run --quick               # real + 2k, 60 queries, 5 s HTTP
    python -m benchmarks.run --sizes real,10k --systems whoosh,fts5 --no-http
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import http_load, places_cost, relevance, synth  # noqa: F401 (places_cost: its section)
from benchmarks.data import (
    BENCH_DIR,
    DEFAULT_CORPUS_DIR,
    REPO_ROOT,
    WORK_DIR,
    load_real_entries,
    write_jsonl,
)
from benchmarks.environment import snapshot
from benchmarks.phases import RunContext, Size, measure
from benchmarks.queries import Query, generate_queries, save_queries
from benchmarks.systems import REGISTRY, api_search_path, load_system

log = logging.getLogger("benchmarks")

DEFAULT_SIZES = "real,10k,100k"
QUICK_SIZES = "real,2k"


def parse_size(token: str) -> int | None:
    """`real` -> None (the shared corpus); `2k`, `10k`, `1m`, `5000` -> a count."""
    token = token.strip().lower()
    if token == "real":
        return None
    multiplier = {"k": 1_000, "m": 1_000_000}.get(token[-1:], 1)
    number = token[:-1] if multiplier > 1 else token
    return int(float(number) * multiplier)


def size_label(count: int | None) -> str:
    if count is None:
        return "real"
    if count % 1_000_000 == 0:
        return f"{count // 1_000_000}m"
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


def export_snapshot(rev: str, work: Path) -> tuple[Path, str]:
    """`git archive REV` unpacked under work/src-SHA: the tracked files of that commit.

    Workers and servers import the project from there, so concurrent edits in the tree
    cannot change a run midway.
    """
    sha = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = work / f"src-{sha}"
    if not target.exists():
        partial = work / f"src-{sha}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.Popen(
            ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", sha], stdout=subprocess.PIPE
        )
        subprocess.run(["tar", "-x", "-C", str(partial)], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise RuntimeError(f"git archive {sha} failed")
        partial.rename(target)
    _install_steps(target)  # also for a snapshot exported before the step existed
    return target, sha


def _install_steps(source: Path) -> None:
    """What installing that commit does besides pip: compile the place tables, where the
    commit has that step (a build of the snapshot would otherwise read GeoNames, ~2 s);
    nothing when they are current."""
    module = source / "corpus" / "place_data.py"
    if module.is_file() and "def compile_tables(" in module.read_text(encoding="utf-8"):
        env = {**os.environ, "PYTHONPATH": str(source)}
        subprocess.run([sys.executable, "-m", "corpus.place_data"], cwd=source, env=env, check=True)


def prepare_sizes(
    tokens: Sequence[str], work: Path, corpus_dir: Path, seed: int
) -> tuple[list[Size], list[dict[str, Any]]]:
    real = load_real_entries(corpus_dir)
    corpus_path = work / "corpus"
    sizes: list[Size] = []
    for token in tokens:
        count = parse_size(token)
        label = size_label(count)
        if count is None:
            path = corpus_path / "real.jsonl"
            write_jsonl(path, real)
            sizes.append(Size(label, len(real), path))
            continue
        path = corpus_path / f"synth-{label}-seed{seed}.jsonl"
        started = time.perf_counter()
        written = synth.write_corpus(path, count, seed=seed, sources=real)
        log.info(
            "synthetic corpus %s: %d entries in %.1fs",
            label,
            written,
            time.perf_counter() - started,
        )
        sizes.append(Size(label, written, path))
    return sizes, real


def describe_systems(
    names: Sequence[str], rev_note: str
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Notes, version or skip reason of every requested system; and those that can run."""
    systems: dict[str, dict[str, Any]] = {}
    active: list[str] = []
    for name in names:
        system = load_system(name)
        reason = system.unavailable()
        version = None if reason else system.version()
        if rev_note and name == "gpsearch" and not reason:
            version = f"gpsearch @ {rev_note}"
        systems[name] = {"notes": dict(system.notes), "skipped": reason, "version": version}
        if reason:
            log.warning("skipping %s: %s", name, reason)
        else:
            active.append(name)
    return systems, active


def write_query_files(
    args: argparse.Namespace, work: Path, real: Sequence[dict[str, Any]]
) -> tuple[list[Query], Path, Path]:
    """The timed queries and the warm-up queries, saved for the workers."""
    queries = generate_queries(real, args.queries, seed=args.query_seed)
    queries_path = work / "queries.json"
    save_queries(queries_path, queries)
    # Warm-up draws its own queries (another seed, none of the timed ones), so that no
    # timed query has already been run once.
    warmup = (
        generate_queries(real, args.warmup, seed=args.query_seed + 1, exclude=queries)
        if args.warmup > 0
        else []
    )
    warmup_path = work / "warmup.json"
    save_queries(warmup_path, warmup)
    return queries, queries_path, warmup_path


def score_relevance(
    judged: relevance.JudgedSet, runs: dict[str, dict[str, Any]], active: Sequence[str]
) -> dict[str, Any]:
    """nDCG@10 / MRR@10 of every system that ran the judged set (at the real size)."""
    scores: dict[str, Any] = {}
    for name in active:
        record = runs.get("real", {}).get(name, {})
        run_ids = record.get("judged_run")
        if run_ids is not None:
            complete = record["query"]["judged_complete"]
            scores[name] = {**relevance.evaluate(judged, run_ids), "complete": complete}
    return scores


def run_config(
    args: argparse.Namespace, sizes: Sequence[Size], queries: Sequence[Query], wrk: str | None
) -> dict[str, Any]:
    return {
        "mode": "quick" if args.quick else "full",
        "command": " ".join(["python -m benchmarks.run", *args.argv]),
        "sizes": [{"label": s.label, "entries": s.entries} for s in sizes],
        "systems": args.systems,
        "queries": len(queries),
        "query_mix": collections.Counter(f"{q.category}/{q.n_filters}" for q in queries),
        "seed": args.seed,
        "query_seed": args.query_seed,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "query_budget_s": args.query_budget,
        "updates": args.updates,
        "http": args.http,
        "http_seconds": args.http_seconds,
        "http_clients": args.http_clients,
        "http_workers": args.http_workers,
        "http_tool": "wrk" if wrk else "python threads",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    work: Path = args.work_dir
    (work / "logs").mkdir(parents=True, exist_ok=True)
    wrk = http_load.ensure_wrk(install=args.install_wrk) if args.http else None
    env = snapshot(wrk)
    source_root, rev_note = REPO_ROOT, ""
    if args.rev:
        source_root, sha = export_snapshot(args.rev, work)
        rev_note = f"{sha} (--rev {args.rev})"
        env["commit"] = f"{sha} (snapshot via --rev {args.rev})"
        log.info("measuring the project at %s from %s", sha, source_root)
    systems, active = describe_systems(args.systems, rev_note)
    sizes, real = prepare_sizes(args.sizes, work, args.corpus_dir, args.seed)
    queries, queries_path, warmup_path = write_query_files(args, work, real)
    judged = relevance.load_judged(work / "eval", real)
    ctx = RunContext(
        args=args,
        work=work,
        source_root=source_root,
        queries=queries,
        queries_path=queries_path,
        warmup_path=warmup_path,
        judged_path=work / "eval" / "judged.json",
        wrk=wrk,
        http_paths=[api_search_path(q) for q in queries],
    )
    runs = {size.label: {name: measure(ctx, size, name) for name in active} for size in sizes}
    env["machine"]["loadavg_end"] = list(os.getloadavg())
    return {
        "env": env,
        "config": run_config(args, sizes, queries, wrk),
        "systems": systems,
        "queries_sample": [q.to_dict() for q in queries[:15]],
        "judged": {
            "source": judged.source,
            "placeholder": judged.placeholder,
            "queries": len(judged.queries),
        },
        "runs": runs,
        "relevance": score_relevance(judged, runs, active),
        "duration_s": time.perf_counter() - started,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"sizes {QUICK_SIZES}, 60 queries, 5 s HTTP"
    )
    parser.add_argument("--sizes", help=f"comma list of real|N|Nk (default {DEFAULT_SIZES})")
    parser.add_argument("--systems", default=",".join(REGISTRY), help="comma list (default: all)")
    parser.add_argument("--queries", type=int, help="generated queries (default 240; quick 60)")
    parser.add_argument("--seed", type=int, default=1, help="synthetic corpus seed")
    parser.add_argument("--query-seed", type=int, default=7)
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="untimed queries first (generated with --query-seed + 1, none of the timed ones)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="passes; each query keeps its best")
    parser.add_argument("--updates", type=int, default=5, help="single-entry re-index rounds")
    parser.add_argument(
        "--query-budget",
        type=float,
        help="seconds a system may spend on the timed queries of one size (default 150; quick 60)",
    )
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--http-systems", default="all", help="comma list or 'all'")
    parser.add_argument("--http-seconds", type=float, help="load duration (default 20; quick 5)")
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument(
        "--http-workers",
        type=int,
        default=os.cpu_count() or 2,
        help="gunicorn workers for the peers' demo app (gpsearch serve picks its own)",
    )
    parser.add_argument("--no-install-wrk", dest="install_wrk", action="store_false")
    parser.add_argument("--keep-indexes", action="store_true")
    parser.add_argument(
        "--rev", help="measure this commit (git archive snapshot) instead of the working tree"
    )
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR)
    parser.add_argument("--out-dir", type=Path, help="default benchmarks/ (quick: work/quick)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.sizes = (args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)).split(",")
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in args.systems if s not in REGISTRY]
    if unknown:
        parser.error(f"unknown systems {unknown}; known: {', '.join(REGISTRY)}")
    args.http_systems = [s.strip() for s in args.http_systems.split(",")]
    args.queries = args.queries or (60 if args.quick else 240)
    args.http_seconds = args.http_seconds or (5.0 if args.quick else 20.0)
    args.query_budget = args.query_budget or (60.0 if args.quick else 150.0)
    # A quick run must not overwrite the committed full report.
    args.out_dir = args.out_dir or (args.work_dir / "quick" if args.quick else BENCH_DIR)
    return args


def main(argv: Sequence[str] | None = None) -> None:
    from benchmarks.report import write_report

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S"
    )
    args = parse_args(argv)
    results = run(args)
    paths = write_report(results, args.out_dir)
    print(f"benchmark done in {results['duration_s'] / 60:.1f} min")
    for path in paths:
        print(f"  {path}")


if __name__ == "__main__":
    main()
