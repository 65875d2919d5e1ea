"""The measuring steps of one size x system: build, queries, HTTP, each in its own process.

`RunContext` carries what every step needs (scratch paths, the source root workers import
the project from, the query files); nothing here reads or writes module state.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import http_load
from benchmarks.data import REPO_ROOT
from benchmarks.queries import Query
from benchmarks.stats import grouped_ms, summarize_ms
from benchmarks.systems import load_system

log = logging.getLogger("benchmarks")

# Hard stop for a build that hangs (longer for large corpora: at least 200 entries/s with
# the update rounds); the query phase has a soft budget (--query-budget).
BUILD_TIMEOUT_S = 1200
BUILD_TIMEOUT_MIN_RATE = 200
# Indexes of corpora above this size are deleted after their system ran (disk space).
KEEP_INDEX_MAX_ENTRIES = 50_000


@dataclass(slots=True)
class Size:
    label: str
    entries: int
    corpus: Path


@dataclass(slots=True)
class RunContext:
    """One run's settings and files, shared by every step."""

    args: Any  # the parsed CLI namespace (benchmarks.run.parse_args)
    work: Path
    source_root: Path  # where workers and servers import the project from
    queries: list[Query]
    queries_path: Path
    warmup_path: Path
    judged_path: Path
    wrk: str | None = None
    http_paths: list[str] = field(default_factory=list)

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    def env(self) -> dict[str, str]:
        """Environment making subprocesses (and gunicorn's workers) import from source_root."""
        return source_env(self.source_root)


def source_env(source_root: Path) -> dict[str, str]:
    return {} if source_root == REPO_ROOT else {"PYTHONPATH": str(source_root)}


def run_worker(
    ctx: RunContext,
    args: Sequence[str],
    out: Path,
    log_path: Path,
    timeout: float,
    module: str = "benchmarks.worker",
) -> dict[str, Any]:
    """Run one phase in a fresh interpreter (own session, so a hang is killed with its children)."""
    command = [sys.executable, "-m", module, *args, "--out", str(out)]
    out.unlink(missing_ok=True)
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ctx.source_root,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **ctx.env()},
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


def query_summary(raw: dict[str, Any], queries: Sequence[Query]) -> dict[str, Any]:
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
        "with_related": _with_related(raw.get("latencies_with_related_s"), queries),
        "totals": [o["total"] for o in outcomes],
        "sample": raw.get("sample"),
        "facet_cost_ms": raw.get("facet_cost_ms"),
        "places": raw.get("places"),
    }


def _with_related(latencies: list[float] | None, queries: Sequence[Query]) -> dict | None:
    """The same queries with related practices (gpsearch, as its web UI asks)."""
    if not latencies:
        return None
    queries = queries[: len(latencies)]
    return {
        "latency_ms": summarize_ms(latencies),
        "by_filters": grouped_ms(latencies, (q.n_filters for q in queries)),
    }


def build_step(ctx: RunContext, size: Size, name: str, index: Path, record: dict) -> bool:
    """Build the index (and time one-entry updates); False when the build failed."""
    log.info("[%s] %s: build", size.label, name)
    args = ["build", "--system", name, "--corpus", str(size.corpus), "--index", str(index)]
    args += ["--updates", str(ctx.args.updates)]
    log_path = ctx.logs / f"{size.label}-{name}.log"
    try:
        timeout = max(BUILD_TIMEOUT_S, size.entries / BUILD_TIMEOUT_MIN_RATE)
        record["build"] = run_worker(ctx, args, ctx.work / "build.json", log_path, timeout)
    except RuntimeError as exc:  # run_worker turns a timeout into one too
        log.error("[%s] %s: build failed: %s", size.label, name, exc)
        record["errors"].append(f"build: {exc}")
        return False
    built = record["build"]
    log.info(
        "[%s] %s: built %d entries in %.1fs (%.0f/s), %.1f MB",
        size.label,
        name,
        built["build"]["entries"],
        built["build"]["seconds"],
        built["build"]["entries_per_s"],
        built["size_bytes"] / 1e6,
    )
    return True


def query_step(ctx: RunContext, size: Size, name: str, index: Path, record: dict) -> None:
    """Time the generated queries (and run the judged set at the real size)."""
    args = ["query", "--system", name, "--index", str(index)]
    args += ["--queries", str(ctx.queries_path), "--warmup-queries", str(ctx.warmup_path)]
    args += ["--repeat", str(ctx.args.repeat), "--budget", str(ctx.args.query_budget)]
    if size.label == "real":
        args += ["--judged", str(ctx.judged_path)]
    log.info("[%s] %s: %d queries", size.label, name, len(ctx.queries))
    # Warm-up (budget/4) + timed + judged (budget each) + open and margin.
    timeout = ctx.args.query_budget * 2.5 + 300
    log_path = ctx.logs / f"{size.label}-{name}.log"
    try:
        raw = run_worker(ctx, args, ctx.work / "query.json", log_path, timeout)
    except RuntimeError as exc:
        log.error("[%s] %s: queries failed: %s", size.label, name, exc)
        record["errors"].append(f"query: {exc}")
        return
    summary = record["query"] = query_summary(raw, ctx.queries)
    if raw["judged_run"]:
        record["judged_run"] = raw["judged_run"]
    log.info(
        "[%s] %s: %d/%d queries, median %.2f ms, p95 %.2f ms, peak RSS %.0f MB",
        size.label,
        name,
        summary["completed"],
        summary["planned"],
        summary["latency_ms"].get("median", 0),
        summary["latency_ms"].get("p95", 0),
        summary["peak_rss_bytes"] / 1e6,
    )


def wants_http(ctx: RunContext, name: str) -> bool:
    return ctx.args.http and (name in ctx.args.http_systems or "all" in ctx.args.http_systems)


def http_step(ctx: RunContext, size: Size, name: str, index: Path, record: dict) -> None:
    """Serve the index under gunicorn and load it with wrk (or Python threads)."""
    args = ctx.args
    log.info(
        "[%s] %s: HTTP %d clients for %ss", size.label, name, args.http_clients, args.http_seconds
    )
    port = http_load.free_port()
    command, extra_env = load_system(name).serve_command(
        index, http_load.HOST, port, args.http_workers
    )
    try:
        http = http_load.measure_http(
            command,
            {**extra_env, **ctx.env()},
            port,
            ctx.http_paths,
            seconds=args.http_seconds,
            connections=args.http_clients,
            wrk=ctx.wrk,
            work=ctx.logs,
            label=f"{size.label}-{name}",
            cwd=ctx.source_root,
        )
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        log.error("[%s] %s: HTTP failed: %s", size.label, name, exc)
        record["errors"].append(f"http: {exc}")
        return
    http["served_by"] = (
        "gpsearch serve"
        if name == "gpsearch"
        else f"benchmarks.http_app (Flask) x {args.http_workers} gunicorn workers"
    )
    record["http"] = http
    if not http["requests"]:
        record["errors"].append(f"http: {http['note']}")
    log.info(
        "[%s] %s: HTTP %.0f req/s, p95 %.1f ms, %d errors, server RSS %.0f MB",
        size.label,
        name,
        http["throughput_rps"],
        http["latency_ms"].get("p95", 0),
        http["errors"],
        http["server_peak_rss_bytes"] / 1e6,
    )


def probe_step(ctx: RunContext, size: Size, index: Path, record: dict) -> None:
    """gpsearch only: hostile queries, the cost of collapsing, the translators' page."""
    args = ["--index", str(index), "--queries", str(ctx.queries_path)]
    log_path = ctx.logs / f"{size.label}-gpsearch-probes.log"
    try:
        record["probes"] = run_worker(
            ctx, args, ctx.work / "probes.json", log_path, 900, module="benchmarks.probes"
        )
    except RuntimeError as exc:
        log.error("[%s] gpsearch: probes failed: %s", size.label, exc)
        record["errors"].append(f"probes: {exc}")
        return
    hostile = record["probes"]["hostile"]
    log.info(
        "[%s] gpsearch: %d hostile queries, max %.1f ms (%s)",
        size.label,
        hostile["queries"],
        hostile["all"]["max"],
        hostile["worst"]["kind"],
    )


def measure(ctx: RunContext, size: Size, name: str) -> dict[str, Any]:
    """Every step for one size and system, in order; a failed build skips the rest."""
    record: dict[str, Any] = {"errors": []}
    index = ctx.work / "indexes" / size.label / name
    if index.exists():
        shutil.rmtree(index)
    index.parent.mkdir(parents=True, exist_ok=True)  # a system may write beside its index
    (ctx.logs / f"{size.label}-{name}.log").unlink(missing_ok=True)
    if not build_step(ctx, size, name, index, record):
        return record
    query_step(ctx, size, name, index, record)
    if name == "gpsearch":
        probe_step(ctx, size, index, record)
    if wants_http(ctx, name):
        http_step(ctx, size, name, index, record)
    if not ctx.args.keep_indexes and size.entries > KEEP_INDEX_MAX_ENTRIES:
        shutil.rmtree(index, ignore_errors=True)
    return record
