"""Soak: mixed queries from several clients against `gpsearch serve` for minutes, with a
rebuild every minute; failed requests and server memory, minute by minute.

    python -m benchmarks.soak [--minutes 10] [--clients 8] [--rebuild-every 60]

Passes when no request failed and the server's memory (PSS of master + workers) grew less
than 10% from the second minute on: from the first sample after the first minute and the
first rebuild (warm-up: caches fill, the second generation opens) to the end.  Writes
benchmarks/soak.json and benchmarks/soak.md.  Not part of CI: `make soak`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

log = logging.getLogger("benchmarks.soak")

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = Path(__file__).resolve().parent
SHARED = REPO.parent / "shared"
MAX_GROWTH = 0.10
REQUEST_TIMEOUT = 15.0
SAMPLE_SECONDS = 5.0
PICKUP_SECONDS = 5.0
# Queries of every kind the UI and API see: words, phrases, other languages, typos,
# filters, facets, deep pages, entry pages, the translators' report, HTML pages.
QUERIES = (
    "integration",
    "mediation",
    "anti-rumour",
    '"intercultural city"',
    "migrants OR refugees",
    "barazia",
    "intégration",
    "razumevanja",
    "integraton",
    "diversity -Spain",
    "city:Oslo",
    "year:2018..2022",
    "festival",
    "inclusion",
    "roma",
    "participation",
    "educat*",
    ":fr",
)
PATHS = (
    "/api/search?q={q}",
    "/api/search?q={q}&language=en&kind=good-practice",
    "/api/search?q={q}&page=2&per_page=5&sort=newest",
    "/api/facets?q={q}",
    "/?q={q}",
    "/?q={q}&format=json&lang=fr",
    "/api/search?q=&country=Spain&country=Norway",
    "/translations",
    "/api/translations?locale=sr",
    "/healthz",
)


@dataclass
class Minute:
    minute: int
    requests: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    pss_mb: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    rebuilds: list[dict[str, Any]] = field(default_factory=list)
    generations: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)

        def pct(p: float) -> float | None:
            return (
                round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1) if ordered else None
            )

        return {
            "minute": self.minute,
            "requests": self.requests,
            "failed": self.failed,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "pss_mb_last": self.pss_mb[-1] if self.pss_mb else None,
            "pss_mb_max": max(self.pss_mb, default=None),
            "rss_mb_max": max(self.rss_mb, default=None),
            "rebuilds": self.rebuilds,
            "generations_served": len(self.generations),
        }


class Soak:
    def __init__(self, args: argparse.Namespace, index_dir: Path, work: Path) -> None:
        self.args = args
        self.index_dir = index_dir
        self.work = work
        self.port = _free_port()
        self.started = 0.0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.minutes: list[Minute] = []
        self.failures: list[str] = []
        self.server: subprocess.Popen[bytes] | None = None
        self.entry_ids: list[str] = []
        self.samples: list[tuple[float, float]] = []  # (seconds into the run, PSS MB)
        self.settled_at: float | None = None  # seconds into the run: the first rebuild served

    # --- the pieces ---------------------------------------------------------------------

    def minute(self) -> Minute:
        # Answers that arrive after the deadline count in the last minute.
        last = max(1, int(-(-self.args.minutes // 1)))
        n = min(last, int((time.monotonic() - self.started) // 60) + 1)
        with self.lock:
            while len(self.minutes) < n:
                self.minutes.append(Minute(len(self.minutes) + 1))
            return self.minutes[n - 1]

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            path = rng.choice(PATHS).format(q=quote(rng.choice(QUERIES)))
            if self.entry_ids and rng.random() < 0.1:
                path = f"/api/practice/{rng.choice(self.entry_ids)}"
            started = time.perf_counter()
            status, body, error = _get(f"http://127.0.0.1:{self.port}{path}")
            elapsed = (time.perf_counter() - started) * 1000
            generation = None
            if status == 200 and not error and path.startswith(("/api/", "/healthz")):
                try:
                    generation = json.loads(body).get("generation")
                except ValueError:
                    error = "answer is not JSON"
            ok = status == 200 and not error
            minute = self.minute()
            with self.lock:
                minute.requests += 1
                minute.latencies_ms.append(elapsed)
                if generation:
                    minute.generations.add(generation)
                if not ok:
                    minute.failed += 1
                    if len(self.failures) < 50:
                        self.failures.append(f"minute {minute.minute}: {path} -> {status} {error}")

    def sample_memory(self) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            pss, rss = _tree_memory(self.server.pid if self.server else 0)
            minute = self.minute()
            with self.lock:
                minute.pss_mb.append(round(pss / 1e6, 1))
                minute.rss_mb.append(round(rss / 1e6, 1))
                self.samples.append((time.monotonic() - self.started, pss / 1e6))

    def rebuild(self, n: int) -> None:
        """A real `gpsearch index` run, as an operator would: one entry changes each time."""
        extra = self.work / "soak-extra.jsonl"
        extra.write_text(json.dumps(_extra_record(n)) + "\n", encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "gpsearch.cli",
                "-q",
                "index",
                str(extra),
                "--index",
                str(self.index_dir),
            ],
            cwd=REPO,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        record = {"seconds": round(time.perf_counter() - started, 2), "exit": done.returncode}
        if done.returncode != 0:
            record["stderr"] = done.stderr.strip()[-300:]
            log.error("rebuild %d failed: %s", n, record["stderr"])
        minute = self.minute()
        with self.lock:
            minute.rebuilds.append(record)
            if self.settled_at is None:  # workers take up a new generation within a second
                self.settled_at = time.monotonic() - self.started + PICKUP_SECONDS

    # --- the run ------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.start_server()
        threads = [
            threading.Thread(target=self.client, args=(i,), daemon=True)
            for i in range(self.args.clients)
        ]
        threads.append(threading.Thread(target=self.sample_memory, daemon=True))
        self.started = time.monotonic()
        for thread in threads:
            thread.start()
        deadline = self.started + self.args.minutes * 60
        n = 0
        try:
            while True:
                next_build = self.started + (n + 1) * self.args.rebuild_every
                if next_build >= deadline:
                    break
                time.sleep(max(0.0, next_build - time.monotonic()))
                n += 1
                self.rebuild(n)
                log.info("minute %d: rebuild %d done", self.minute().minute, n)
            time.sleep(max(0.0, deadline - time.monotonic()))
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=REQUEST_TIMEOUT + 5)
            self.stop_server()
        return self.report()

    def start_server(self) -> None:
        log_path = self.work / "server.log"
        with log_path.open("wb") as out:
            self.server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gpsearch.cli",
                    "serve",
                    "--index",
                    str(self.index_dir),
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.args.workers),
                ],
                cwd=REPO,
                env=_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while _get(f"http://127.0.0.1:{self.port}/healthz")[0] != 200:
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        status, body, _ = _get(f"http://127.0.0.1:{self.port}/api/search?q=&per_page=100")
        if status == 200:
            self.entry_ids = [hit["id"] for hit in json.loads(body)["results"]]

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()

    def report(self) -> dict[str, Any]:
        minutes = [m.summary() for m in self.minutes]
        requests = sum(m["requests"] for m in minutes)
        failed = sum(m["failed"] for m in minutes)
        # Warm-up: the first minute (caches fill) and the first switch of generations, a
        # one-off step of about 10 MB a worker; in-process, memory then stays within 1 MB
        # over 6 more rebuilds.  Growth: from the first sample after both, to the largest.
        start = max(60.0, self.settled_at or 60.0)
        settled = [pss for at, pss in self.samples if at >= start and pss > 0]
        baseline = round(settled[0], 1) if settled else None
        later = settled[1:]
        growth = (max(later) - settled[0]) / settled[0] if settled and later else None
        rebuilds = [r for m in minutes for r in m["rebuilds"]]
        output = (self.work / "server.log").read_text(encoding="utf-8", errors="replace")
        return {
            "settings": {**vars(self.args), "index": str(self.args.index or "(temporary)")},
            "requests": requests,
            "failed": failed,
            "failures": self.failures,
            "rebuilds": len(rebuilds),
            "failed_rebuilds": sum(1 for r in rebuilds if r["exit"] != 0),
            "pss_mb_at_second_minute": baseline,
            "pss_mb_max_later": round(max(later), 1) if later else None,
            "memory_growth": round(growth, 4) if growth is not None else None,
            "server_log": {
                "worker_timeouts": output.count("WORKER TIMEOUT"),
                "tracebacks": output.count("Traceback"),
                "workers_booted": output.count("Booting worker"),
            },
            "passed": failed == 0 and growth is not None and growth < MAX_GROWTH,
            "minutes": minutes,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
            return response.status, response.read(), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), ""
    except (OSError, ValueError) as exc:
        return 0, b"", f"{type(exc).__name__}: {exc}"


def _tree_memory(pid: int) -> tuple[int, int]:
    """PSS and RSS summed over the gunicorn master and its workers (bytes)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    pss = rss = 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss += getattr(info, "pss", info.rss)
        rss += info.rss
    return pss, rss


def _extra_record(n: int) -> dict[str, Any]:
    return {
        "id": "soak-extra",
        "kind": "good-practice",
        "locale": "en",
        "language": "en",
        "title": f"Soak festival number {n}",
        "summary": f"Residents run the neighbourhood festival together, edition {n}.",
        "country": "Norway",
        "city": "Bergen",
        "year_from": 2021,
        "url": "https://www.coe.int/en/web/interculturalcities/good-practice",
    }


def _build_first(index_dir: Path, sources: Sequence[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gpsearch.cli", "-q", "index", *sources, "--index", str(index_dir)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"first build failed: {done.stderr.strip()}")


def write_markdown(path: Path, report: dict[str, Any]) -> None:
    s = report["settings"]
    growth = report["memory_growth"]
    growth_text = f"{growth * 100:.1f}%" if growth is not None else "not measured (too short)"
    lines = [
        "# Soak run",
        "",
        f"{s['minutes']} min, {s['clients']} clients of mixed queries against `gpsearch serve`"
        f" ({s['workers']} workers), a rebuild every {s['rebuild_every']} s."
        f" **{'PASS' if report['passed'] else 'FAIL'}**: {report['failed']} failed of"
        f" {report['requests']:,} requests; server memory (PSS) growth from the second"
        f" minute on: {growth_text} ({report['pss_mb_at_second_minute']} MB at first;"
        f" limit {MAX_GROWTH * 100:.0f}%).",
        "",
        f"Rebuilds: {report['rebuilds']} ({report['failed_rebuilds']} failed)."
        f" Server log: {report['server_log']['workers_booted']} workers booted,"
        f" {report['server_log']['worker_timeouts']} worker timeouts,"
        f" {report['server_log']['tracebacks']} tracebacks.",
        "",
        "| minute | requests | failed | p50 ms | p95 ms | PSS MB (end) | PSS MB (max) |"
        " RSS MB (max) | rebuild s | generations |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for m in report["minutes"]:
        rebuild = ", ".join(str(r["seconds"]) for r in m["rebuilds"]) or "-"
        lines.append(
            f"| {m['minute']} | {m['requests']:,} | {m['failed']} | {m['p50_ms']} | {m['p95_ms']}"
            f" | {m['pss_mb_last']} | {m['pss_mb_max']} | {m['rss_mb_max']} | {rebuild}"
            f" | {m['generations_served']} |"
        )
    if report["failures"]:
        lines += ["", "First failures:", "", *(f"- `{f}`" for f in report["failures"][:10])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild-every", type=float, default=60.0, help="seconds")
    parser.add_argument("--index", type=Path, help="index directory (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "soak.json")
    parser.add_argument(
        "sources",
        nargs="*",
        help="sources of the first build (default:"
        " ../shared/corpus/pages and ../shared/seeds, else the bundled pages)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    sources = args.sources or [
        str(p) for p in (SHARED / "corpus" / "pages", SHARED / "seeds") if p.is_dir()
    ]
    with tempfile.TemporaryDirectory(prefix="gpsearch-soak-") as tmp:
        work = Path(tmp)
        index_dir = args.index or work / "index"
        _build_first(index_dir, sources)
        log.info(
            "soak: %.1f min, %d clients, rebuild every %.0f s",
            args.minutes,
            args.clients,
            args.rebuild_every,
        )
        report = Soak(args, index_dir, work).run()
    report["settings"]["out"] = str(args.out)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    write_markdown(args.out.with_suffix(".md"), report)
    print(args.out.with_suffix(".md").read_text(encoding="utf-8"))
    sys.exit(0 if report["passed"] else 1)


if __name__ == "__main__":
    main()
