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
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import http_load, relevance, synth
from benchmarks.data import (
    BENCH_DIR,
    DEFAULT_CORPUS_DIR,
    REPO_ROOT,
    WORK_DIR,
    load_real_entries,
    write_jsonl,
)
from benchmarks.environment import snapshot
from benchmarks.queries import generate_queries, save_queries
from benchmarks.stats import grouped_ms, summarize_ms
from benchmarks.systems import REGISTRY, api_search_path, load_system

log = logging.getLogger("benchmarks")

# Hard stops for a phase that hangs; the query phase also has a soft budget (--query-budget).
BUILD_TIMEOUT_S = 1200
DEFAULT_SIZES = "real,10k,100k"
QUICK_SIZES = "real,2k"


@dataclass(slots=True)
class Size:
    label: str
    entries: int
    corpus: Path


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


# Where workers and servers import the project from: the working tree, or with --rev a
# snapshot of one commit (so concurrent edits in the tree cannot change a run midway).
SOURCE_ROOT = REPO_ROOT


def source_env() -> dict[str, str]:
    """Environment making subprocesses (and gunicorn's workers) import from SOURCE_ROOT."""
    if SOURCE_ROOT == REPO_ROOT:
        return {}
    return {"PYTHONPATH": str(SOURCE_ROOT)}


def export_snapshot(rev: str, work: Path) -> tuple[Path, str]:
    """`git archive REV` unpacked under work/src-SHA: the tracked files of that commit."""
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
    return target, sha


def _worker(args: Sequence[str], out: Path, log_path: Path, timeout: float) -> dict[str, Any]:
    """Run one phase in a fresh interpreter (own session, so a hang is killed with its children)."""
    command = [sys.executable, "-m", "benchmarks.worker", *args, "--out", str(out)]
    out.unlink(missing_ok=True)
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=SOURCE_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **source_env()},
        )
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise RuntimeError(f"worker {args[0]} killed after {timeout:.0f}s") from None
    if returncode != 0 or not out.exists():
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise RuntimeError(f"worker {args[0]} exited {returncode}: {tail}")
    return json.loads(out.read_text(encoding="utf-8"))


def _query_summary(raw: dict[str, Any], queries: Sequence[Any]) -> dict[str, Any]:
    latencies = raw["latencies_s"]
    outcomes = raw["outcomes"]
    queries = queries[: len(latencies)]  # fewer when the system ran out of budget
    return {
        "completed": len(latencies),
        "planned": raw.get("queries_planned", len(latencies)),
        "judged_complete": raw.get("judged_complete", True),
        "latency_ms": summarize_ms(latencies),
        "by_filters": grouped_ms(latencies, (q.n_filters for q in queries)),
        "by_category": grouped_ms(latencies, (q.category for q in queries)),
        "zero_hit_share": sum(1 for o in outcomes if o["total"] == 0) / max(1, len(outcomes)),
        "mean_total": sum(o["total"] for o in outcomes) / max(1, len(outcomes)),
        "snippet_share": sum(o["snippets"] for o in outcomes)
        / max(1, sum(o["hits"] for o in outcomes)),
        "open_seconds": raw["open_seconds"],
        "cpu_per_wall": raw.get("cpu_per_wall"),
        "loadavg_1m": raw.get("loadavg_1m"),
        "rss_start_bytes": raw["rss_start_bytes"],
        "rss_open_bytes": raw["rss_open_bytes"],
        "peak_rss_bytes": raw["peak_rss_bytes"],
        "latencies_s": latencies,
        "totals": [o["total"] for o in outcomes],
        "sample": raw.get("sample"),
    }


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


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    work: Path = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    global SOURCE_ROOT
    sha = ""
    wrk = http_load.ensure_wrk(install=args.install_wrk) if args.http else None
    env = snapshot(wrk)
    if args.rev:
        SOURCE_ROOT, sha = export_snapshot(args.rev, work)
        env["commit"] = f"{sha} (snapshot via --rev {args.rev})"
        log.info("measuring the project at %s from %s", sha, SOURCE_ROOT)

    systems: dict[str, dict[str, Any]] = {}
    active: list[str] = []
    for name in args.systems:
        system = load_system(name)
        reason = system.unavailable()
        systems[name] = {
            "notes": dict(system.notes),
            "skipped": reason,
            "version": None if reason else system.version(),
        }
        if args.rev and name == "gpsearch" and not reason:
            systems[name]["version"] = f"gpsearch @ {sha} (--rev {args.rev})"
        if reason:
            log.warning("skipping %s: %s", name, reason)
        else:
            active.append(name)

    sizes, real = prepare_sizes(args.sizes, work, args.corpus_dir, args.seed)
    queries = generate_queries(real, args.queries, seed=args.query_seed)
    queries_path = work / "queries.json"
    save_queries(queries_path, queries)
    # Warm-up draws its own queries (another seed, none of the timed ones), so that no
    # timed query has already been run once.
    warmup_path = work / "warmup.json"
    save_queries(
        warmup_path,
        generate_queries(real, args.warmup, seed=args.query_seed + 1, exclude=queries)
        if args.warmup > 0
        else [],
    )
    judged = relevance.load_judged(work / "eval", real)
    http_paths = [api_search_path(q) for q in queries]

    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for size in sizes:
        runs[size.label] = {}
        for name in active:
            record: dict[str, Any] = {"errors": []}
            runs[size.label][name] = record
            index = work / "indexes" / size.label / name
            if index.exists():
                shutil.rmtree(index)
            log_path = logs / f"{size.label}-{name}.log"
            log_path.unlink(missing_ok=True)
            log.info("[%s] %s: build", size.label, name)
            try:
                record["build"] = _worker(
                    [
                        "build",
                        "--system",
                        name,
                        "--corpus",
                        str(size.corpus),
                        "--index",
                        str(index),
                        "--updates",
                        str(args.updates),
                    ],
                    work / "build.json",
                    log_path,
                    BUILD_TIMEOUT_S,
                )
                b = record["build"]["build"]
                log.info(
                    "[%s] %s: built %d entries in %.1fs (%.0f/s), %.1f MB",
                    size.label,
                    name,
                    b["entries"],
                    b["seconds"],
                    b["entries_per_s"],
                    record["build"]["size_bytes"] / 1e6,
                )
            except RuntimeError as exc:  # _worker turns a timeout into one too
                log.error("[%s] %s: build failed: %s", size.label, name, exc)
                record["errors"].append(f"build: {exc}")
                continue
            query_args = [
                "query",
                "--system",
                name,
                "--index",
                str(index),
                "--queries",
                str(queries_path),
                "--warmup-queries",
                str(warmup_path),
                "--repeat",
                str(args.repeat),
                "--budget",
                str(args.query_budget),
            ]
            if size.label == "real":
                query_args += ["--judged", str(work / "eval" / "judged.json")]
            log.info("[%s] %s: %d queries", size.label, name, len(queries))
            try:
                # Warm-up (budget/4) + timed + judged (budget each) + open and margin.
                timeout = args.query_budget * 2.5 + 300
                raw = _worker(query_args, work / "query.json", log_path, timeout)
                record["query"] = _query_summary(raw, queries)
                if raw["judged_run"]:
                    record["judged_run"] = raw["judged_run"]
                summary = record["query"]
                lat = summary["latency_ms"]
                log.info(
                    "[%s] %s: %d/%d queries, median %.2f ms, p95 %.2f ms, peak RSS %.0f MB",
                    size.label,
                    name,
                    summary["completed"],
                    summary["planned"],
                    lat.get("median", 0),
                    lat.get("p95", 0),
                    summary["peak_rss_bytes"] / 1e6,
                )
            except RuntimeError as exc:
                log.error("[%s] %s: queries failed: %s", size.label, name, exc)
                record["errors"].append(f"query: {exc}")
            if args.http and (name in args.http_systems or "all" in args.http_systems):
                log.info(
                    "[%s] %s: HTTP %d clients for %ss",
                    size.label,
                    name,
                    args.http_clients,
                    args.http_seconds,
                )
                port = http_load.free_port()
                command, extra_env = load_system(name).serve_command(
                    index, http_load.HOST, port, args.http_workers
                )
                try:
                    record["http"] = http_load.measure_http(
                        command,
                        {**extra_env, **source_env()},
                        port,
                        http_paths,
                        seconds=args.http_seconds,
                        connections=args.http_clients,
                        wrk=wrk,
                        work=logs,
                        label=f"{size.label}-{name}",
                        cwd=SOURCE_ROOT,
                    )
                    record["http"]["served_by"] = (
                        "gpsearch serve"
                        if name == "gpsearch"
                        else f"benchmarks.http_app (Flask) x {args.http_workers} gunicorn workers"
                    )
                    h = record["http"]
                    if not h["requests"]:
                        record["errors"].append(f"http: {h['note']}")
                    log.info(
                        "[%s] %s: HTTP %.0f req/s, p95 %.1f ms, %d errors, server RSS %.0f MB",
                        size.label,
                        name,
                        h["throughput_rps"],
                        h["latency_ms"].get("p95", 0),
                        h["errors"],
                        h["server_peak_rss_bytes"] / 1e6,
                    )
                except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                    log.error("[%s] %s: HTTP failed: %s", size.label, name, exc)
                    record["errors"].append(f"http: {exc}")
            if not args.keep_indexes and size.entries > 50_000:
                shutil.rmtree(index, ignore_errors=True)

    rel: dict[str, Any] = {}
    for name in active:
        record = runs.get("real", {}).get(name, {})
        run_ids = record.get("judged_run")
        if run_ids is not None:
            rel[name] = {
                **relevance.evaluate(judged, run_ids),
                "complete": record["query"]["judged_complete"],
            }

    env["machine"]["loadavg_end"] = list(os.getloadavg())
    return {
        "env": env,
        "config": {
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
        },
        "systems": systems,
        "queries_sample": [q.to_dict() for q in queries[:15]],
        "judged": {
            "source": judged.source,
            "placeholder": judged.placeholder,
            "queries": len(judged.queries),
        },
        "runs": runs,
        "relevance": rel,
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
