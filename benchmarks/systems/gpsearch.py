"""gpsearch itself, through its public entry points (stub until `search.Searcher` exists).

Kept thin on purpose: everything the harness measures goes through the same four
calls the web app uses, so finishing it means adjusting the marked places only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.data import FACET_FIELDS, REPO_ROOT
from benchmarks.queries import Query
from benchmarks.systems import TOP_K, BuildStats, QueryResult, dir_size, drop_empty

BUILD_TIMEOUT_S = 1800


def _cli() -> list[str]:
    """The `gpsearch` console script of this interpreter's venv (or `python -m gpsearch.cli`)."""
    script = Path(sys.executable).with_name("gpsearch")
    if script.exists():
        return [str(script)]
    found = shutil.which("gpsearch")
    return [found] if found else [sys.executable, "-m", "gpsearch.cli"]


def _facet_counts(facets: Any) -> dict[str, dict[str, int]]:
    """Facet counts as {field: {value: count}} from whatever shape `.facets` has.

    Accepted: {field: {value: count}}, {field: [(value, count), ...]} and
    {field: [obj with .value and .count]} (Datasette-style facet objects).
    """
    out: dict[str, dict[str, int]] = {}
    items = facets.items() if isinstance(facets, dict) else []
    for name, values in items:
        counts: dict[str, int] = {}
        if isinstance(values, dict):
            counts = dict(values)
        else:
            for item in values or []:
                if isinstance(item, tuple | list):
                    counts[str(item[0])] = int(item[1])
                else:
                    counts[str(item.value)] = int(item.count)
        out[str(name)] = drop_empty(counts)
    return {f: out.get(f, {}) for f in FACET_FIELDS} | out


class GpsearchSystem:
    name = "gpsearch"
    notes: ClassVar[dict[str, str]] = {
        "match": "search.Searcher.search(SearchRequest(query, filters, page=1, per_page=10))",
        "filters": "SearchRequest.filters = {field: [values]}",
        "facets": "SearchResponse.facets as computed by the engine (numpy scoring)",
        "highlights": "SearchResponse.results[i].snippet",
        "update": "not wired yet (see update_one)",
    }

    def __init__(self) -> None:
        self._searcher: Any = None
        self._workdir: Path | None = None

    def unavailable(self) -> str | None:
        try:
            import search

            search.Searcher  # noqa: B018
            search.SearchRequest  # noqa: B018
        except (ImportError, AttributeError) as exc:
            return f"gpsearch not ready: search.Searcher/SearchRequest not importable ({exc})"
        return None

    def version(self) -> str:
        from importlib.metadata import version

        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return f"gpsearch {version('gpsearch')} ({commit or 'no git'})"

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats:
        # TODO(gpsearch): switch to indexer.build.build_index(...) once its signature is
        # settled; the CLI includes ~0.5 s of interpreter start-up, noise at 10k+ entries.
        if workdir.exists():
            shutil.rmtree(workdir)
        command = [*_cli(), "index", str(entries_jsonl), "--index", str(workdir)]
        started = time.perf_counter()
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-2000:]}")
        self._workdir = workdir
        count = sum(1 for line in entries_jsonl.open(encoding="utf-8") if line.strip())
        return BuildStats(seconds, count, {"via": "gpsearch index (CLI, includes start-up)"})

    def open(self, workdir: Path) -> None:
        import search

        self._workdir = workdir
        self._searcher = search.Searcher(workdir)

    def update_one(self, entry: dict[str, Any]) -> float:
        # TODO(gpsearch): call the indexer's incremental update (one changed entry) and
        # reopen the searcher, timing both, as the peers do.
        raise NotImplementedError("gpsearch incremental update API not known yet")

    def query(self, q: Query) -> QueryResult:
        import search

        request = search.SearchRequest(query=q.text, filters=q.filters, page=1, per_page=TOP_K)
        response = self._searcher.search(request)
        results = list(response.results)[:TOP_K]
        return QueryResult(
            total=int(response.total),
            ids=[str(r.id) for r in results],
            snippets=[str(getattr(r, "snippet", "") or "") for r in results],
            facets=_facet_counts(response.facets),
        )

    def size_bytes(self) -> int:
        assert self._workdir is not None
        return dir_size(self._workdir)

    def close(self) -> None:
        close = getattr(self._searcher, "close", None)
        if callable(close):
            close()
        self._searcher = None

    def serve_command(
        self, workdir: Path, host: str, port: int, workers: int = 2
    ) -> tuple[list[str], dict[str, str]]:
        # `gpsearch serve` picks its own gunicorn settings; `workers` is the peers' knob.
        command = [*_cli(), "serve", "--index", str(workdir), "--host", host, "--port", str(port)]
        return command, {}


SYSTEM = GpsearchSystem()
