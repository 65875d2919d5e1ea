"""gpsearch itself, through its public entry points.

Kept thin on purpose: the harness measures the calls the CLI and the web app make
(`load_sources` + `build_index`, `Searcher.search`, `gpsearch serve`), nothing internal.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.data import FACET_FIELDS
from benchmarks.environment import git
from benchmarks.queries import Query
from benchmarks.systems import TOP_K, BuildStats, QueryResult, dir_size, drop_empty


def _cli() -> list[str]:
    """The `gpsearch` console script of this interpreter's venv (or `python -m gpsearch.cli`)."""
    script = Path(sys.executable).with_name("gpsearch")
    if script.exists():
        return [str(script)]
    found = shutil.which("gpsearch")
    return [found] if found else [sys.executable, "-m", "gpsearch.cli"]


def _facet_counts(facets: dict[str, list[Any]]) -> dict[str, dict[str, int]]:
    """`SearchResponse.facets` ({field: [FacetValue]}) as {field: {value: count}}."""
    out = {name: drop_empty({v.value: v.count for v in values}) for name, values in facets.items()}
    return {f: out.get(f, {}) for f in FACET_FIELDS} | out


class GpsearchSystem:
    name = "gpsearch"
    notes: ClassVar[dict[str, str]] = {
        "match": "search.Searcher.search(SearchRequest(query, filters, page=1, per_page=10, "
        "related=False)): what the peers do, without the related practices a short page "
        "also lists in the web UI (timed in a pass of their own); "
        "ranks entries with more of the words first instead of requiring all (as the OR "
        "peers do; the `-and` peers require all), per-language analysers, cross-language "
        "concepts",
        "filters": "SearchRequest.filters = {field: (values,)}",
        "facets": "SearchResponse.facets (numpy masks over the matched set), 7 facets incl. "
        "`translated`; also suggestion + unfiltered fallback when filters hide results",
        "highlights": "SearchResponse.results[i].snippet (`<mark>`)",
        "update": "update_index(index, [changed entry]) (the document API, as the peers' "
        "delete + add): a new generation, unchanged segments hard-linked, then the open "
        "Searcher loads it. The changed entry's language is detected (the synthetic "
        "records' declared languages are dropped, as listing pages declare none)",
    }

    def __init__(self) -> None:
        self._searcher: Any = None
        self._workdir: Path | None = None
        self._entries: list[Any] = []
        self._positions: dict[str, int] = {}

    def unavailable(self) -> str | None:
        try:
            from search import Searcher, SearchRequest  # noqa: F401
        except ImportError as exc:
            return f"gpsearch not ready: search.Searcher/SearchRequest not importable ({exc})"
        return None

    def version(self) -> str:
        from importlib.metadata import version

        commit = git("rev-parse", "--short", "HEAD")
        return f"gpsearch {version('gpsearch')} ({commit or 'no git'})"

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats:
        """`gpsearch index FILE --index DIR --rebuild`, in-process: load + validate + index."""
        from benchmarks.topic_cost import assignment_cost
        from corpus import load_sources
        from indexer.build import build_index

        if workdir.exists():
            shutil.rmtree(workdir)
        # The synthetic records declare their language; listing pages never do, so gpsearch
        # is not told: it detects every entry's language, as it would for real pages.  The
        # records without it are the file it indexes (also what `cli_update` edits).
        source = _input_file(workdir)
        source.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no work dir
        with (
            entries_jsonl.open(encoding="utf-8") as records,
            source.open("w", encoding="utf-8") as out,
        ):
            for line in records:
                if line.strip():
                    out.write(
                        json.dumps({**json.loads(line), "language": None}, ensure_ascii=False)
                        + "\n"
                    )
        started = time.perf_counter()
        loaded = load_sources([source])
        entries = loaded.entries
        report = build_index(entries, workdir, rebuild=True)
        seconds = time.perf_counter() - started
        # Kept for update_one: an incremental build is given the whole file again.
        self._entries = entries
        self._positions = {e.id: i for i, e in enumerate(self._entries)}
        self._workdir = workdir
        return BuildStats(
            seconds,
            len(loaded.entries),
            {
                "via": "corpus.load_sources + indexer.build.build_index(rebuild=True),"
                " languages detected (the declared ones dropped)",
                "generation": report.generation,
                # what topic assignment costs (timed apart: in the build it shares the
                # detection pool)
                "topics": assignment_cost(entries),
            },
        )

    def cli_update(self, rounds: int) -> dict[str, Any]:
        """`gpsearch index FILE --index DIR` after one line of the indexed file changed,
        wall time of the whole command (interpreter start included), as an editor runs it.

        It runs on a copy of the index, so the query phase and the judged run see the index
        as built.  The file first gets the entries as the index holds them (the update
        rounds changed some), then a first run remembers its lines (untimed: a library build
        gives none); each timed round then edits one summary in place."""
        if not self._entries or self._workdir is None:
            raise NotImplementedError("gpsearch cli_update needs the entries of a build")
        index = self._workdir.with_name(f"{self._workdir.name}-cli")
        shutil.rmtree(index, ignore_errors=True)
        shutil.copytree(self._workdir, index)
        source = _input_file(self._workdir)
        lines = [_record_line(e) for e in self._entries]
        try:
            source.write_text("".join(lines), encoding="utf-8")
            first = _run_index(source, index)
            seconds: list[float] = []
            for round_ in range(1, rounds + 1):
                at = (round_ * 7919) % len(lines)
                record = json.loads(lines[at])
                record["summary"] += f" (edited on the command line, round {round_})"
                lines[at] = json.dumps(record, ensure_ascii=False) + "\n"
                source.write_text("".join(lines), encoding="utf-8")
                started = time.perf_counter()
                out = _run_index(source, index)
                seconds.append(time.perf_counter() - started)
                if "0 new, 1 changed, 0 removed" not in out:
                    raise RuntimeError(f"expected one changed entry, got: {out.splitlines()[:1]}")
        finally:
            shutil.rmtree(index, ignore_errors=True)
        return {"seconds": seconds, "first_run": first.splitlines()[:2]}

    def open(self, workdir: Path) -> None:
        import search

        self._workdir = workdir
        self._searcher = search.Searcher(workdir)

    def update_one(self, entry: dict[str, Any]) -> float:
        """gpsearch's document API: `update_index` with the one changed entry (the whole
        source again would be `build_index`, which hashes every entry to find it; the
        command-line round measures that path).  update_index re-indexes the entry into a
        new generation (unchanged segments hard-linked) and publishes it; the open Searcher
        then loads that generation.  Both are timed, like the peers' commit + reopen.
        """
        from indexer.build import update_index

        if not self._entries or self._workdir is None:
            raise NotImplementedError(
                "gpsearch update needs the entries of a build in this process"
            )
        position = self._positions[entry["id"]]
        old = self._entries[position]
        changed = dataclasses.replace(
            old, title=entry["title"], summary=entry["summary"], body=entry.get("body") or ""
        )
        self._entries[position] = changed  # cli_update writes the file as the index holds it
        started = time.perf_counter()
        report = update_index(self._workdir, [changed])
        if self._searcher is not None:
            interval, self._searcher.check_interval = self._searcher.check_interval, 0.0
            self._searcher.snapshot()
            self._searcher.check_interval = interval
        seconds = time.perf_counter() - started
        if report.changed != 1:
            raise RuntimeError(f"expected one changed entry, got {report.to_dict()}")
        return seconds

    def query(self, q: Query) -> QueryResult:
        """Results, facets and highlights, as the peers are asked: no related practices."""
        return self._query(q, related=False)

    def query_with_related(self, q: Query) -> QueryResult:
        """As the web UI and the API ask: a short first page also lists related practices."""
        return self._query(q, related=True)

    def _query(self, q: Query, *, related: bool) -> QueryResult:
        import search

        filters = {name: tuple(values) for name, values in q.filters.items()}
        request = search.SearchRequest(
            query=q.text, filters=filters, page=1, per_page=TOP_K, related=related
        )
        response = self._searcher.search(request)
        return QueryResult(
            total=response.total,
            ids=[r.id for r in response.results],
            snippets=[r.snippet for r in response.results],
            facets=_facet_counts(response.facets),
        )

    def facet_cost_ms(self) -> dict[str, float]:
        """Milliseconds to count one facet over every entry (practice units, as a search
        does), median of repeated runs: the multi-valued topic facet beside language."""
        from benchmarks.topic_cost import facet_cost_ms

        return facet_cost_ms(self._searcher)

    def size_bytes(self) -> int:
        assert self._workdir is not None
        return dir_size(self._workdir)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None

    def serve_command(
        self, workdir: Path, host: str, port: int, workers: int = 2
    ) -> tuple[list[str], dict[str, str]]:
        command = [
            *_cli(),
            "serve",
            "--index",
            str(workdir),
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        return command, {}


def _input_file(workdir: Path) -> Path:
    return workdir.with_name(f"{workdir.name}-input.jsonl")


def _record_line(entry: Any) -> str:
    record = {k: v for k, v in entry.to_dict().items() if k != "source"}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _run_index(source: Path, index: Path) -> str:
    """One `gpsearch index` in a new process; its output (RuntimeError when it fails)."""
    done = subprocess.run(
        [*_cli(), "index", str(source), "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gpsearch index failed ({done.returncode}): {done.stderr[-300:]}")
    return done.stdout


SYSTEM = GpsearchSystem()
