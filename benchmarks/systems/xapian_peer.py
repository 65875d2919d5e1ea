"""Xapian (Debian's python3-xapian): English stemmer, BM25, OR, spelling correction.

`xapian` corrects only the words the index lacks; `xapian-qp-spelling` takes the query
parser's correction of the whole query (see xapian_engine.SPELLING_MODES).

The engine (`xapian_engine.py`) runs in this process when `import xapian` works here;
otherwise under the Python the bindings belong to ($GPSEARCH_XAPIAN_PYTHON, default
/usr/bin/python3) as a child process answering JSON lines (`XapianBridge`).  Latency then
includes one pipe round trip per query (tens of microseconds), and the query process's
peak RSS adds the child's (`child_peak_rss_bytes`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.data import FILTER_FIELDS
from benchmarks.queries import Query, parse_clauses
from benchmarks.systems import BuildStats, Peer, QueryResult, drop_empty

log = logging.getLogger(__name__)

ENGINE_SCRIPT = Path(__file__).with_name("xapian_engine.py")
PYTHON_ENV = "GPSEARCH_XAPIAN_PYTHON"
DEFAULT_PYTHON = "/usr/bin/python3"
INSTALL_HINT = "apt-get install python3-xapian (make bench does it where it can)"
# How long to wait for a child that closed its output to exit.  A child that hangs
# mid-request is killed with the worker's process group (benchmarks.phases.run_worker).
EXIT_TIMEOUT_S = 30


def bridge_python() -> str:
    return os.environ.get(PYTHON_ENV) or DEFAULT_PYTHON


def bindings_here() -> bool:
    return importlib.util.find_spec("xapian") is not None


def bridge_unavailable(python: str) -> str | None:
    """None when `python` imports the bindings, else why not."""
    try:
        probe = subprocess.run(
            [python, "-c", "import xapian"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"no Python with xapian bindings ({python}: {exc}); {INSTALL_HINT}"
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["import failed"])[-1]
        return f"{python} cannot import xapian ({last}); {INSTALL_HINT}"
    return None


class XapianBridge:
    """The engine in a child process under `python`: one JSON line per request and reply."""

    def __init__(self, python: str, spelling: str) -> None:
        self.python = python
        self._process = subprocess.Popen(
            [python, str(ENGINE_SCRIPT), "--serve", "--spelling", spelling],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )

    def call(self, op: str, *args: Any) -> Any:
        process = self._process
        if process.poll() is not None:
            raise RuntimeError(f"xapian bridge ({self.python}) exited {process.returncode}")
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"op": op, "args": list(args)}) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            code = process.wait(timeout=EXIT_TIMEOUT_S)
            raise RuntimeError(f"xapian bridge ({self.python}) exited {code} during {op!r}")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"xapian bridge {op!r}: {reply['error']}")
        return reply["ok"]

    def __getattr__(self, op: str) -> Any:
        # build, open, query, ... : the engine's methods, called in the child.
        return lambda *args: self.call(op, *args)

    def close(self) -> None:
        if self._process.poll() is None:
            self.call("close")
            self._process.wait(timeout=EXIT_TIMEOUT_S)


def start_engine(spelling: str) -> Any:
    """The engine in this process if the bindings import here, else in a bridge child."""
    if bindings_here():
        from benchmarks.systems.xapian_engine import XapianEngine

        return XapianEngine(spelling)
    return XapianBridge(bridge_python(), spelling)


SPELLING_NOTES = {
    "unknown": "each query word the index lacks replaced by "
    "Database.get_spelling_suggestion() (spelling data from FLAG_SPELLING at index time)",
    "parser": "FLAG_SPELLING_CORRECTION, query re-parsed from get_corrected_query_string() "
    "(also replaces words the index holds by a more frequent neighbour)",
}


class XapianSystem(Peer):
    library = "xapian"

    def __init__(self, name: str, spelling: str) -> None:
        super().__init__()
        self.name = name
        self.spelling = spelling
        self._engine: Any = None
        self.notes = {
            "match": "QueryParser, default_op OP_OR, FLAG_PHRASE (quoted phrases), English "
            "stemmer (STEM_SOME), BM25Weight; title/summary/body/meta with wdf weights "
            "3/2/1/2 (the other fair peers' field weights); diacritics folded in Python at "
            f"index and query time (Xapian has no folding filter); spelling: "
            f"{SPELLING_NOTES[spelling]}",
            "filters": "OP_FILTER with an OR of boolean terms per field",
            "facets": "ValueCountMatchSpy per facet slot, get_mset(checkatleast=doccount) "
            "so counts and total cover every match",
            "highlights": "`MSet.snippet` on the stored summary of the top 10",
            "update": "replace_document by id term + commit, then reopen the searcher",
        }

    def unavailable(self) -> str | None:
        return None if bindings_here() else bridge_unavailable(bridge_python())

    def _started(self) -> Any:
        if self._engine is None:
            self._engine = start_engine(self.spelling)
        return self._engine

    def version(self) -> str:
        engine = self._started()
        where = "in process" if not isinstance(engine, XapianBridge) else engine.python
        return f"{engine.version()} ({where})"

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats:
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        engine_stats = self._started().build(str(entries_jsonl), str(workdir))
        self._workdir = workdir
        # Wall time here includes starting the child; the engine's own time is in extra.
        return BuildStats(
            time.perf_counter() - started,
            engine_stats["entries"],
            {"engine_seconds": engine_stats["seconds"], "spelling": True},
        )

    def open(self, workdir: Path) -> None:
        self._workdir = workdir
        self._started().open(str(workdir))

    def update_one(self, entry: dict[str, Any]) -> float:
        return self._started().update_one(entry)

    def query(self, q: Query) -> QueryResult:
        clauses = parse_clauses(q.text)
        if not clauses:
            return QueryResult(0, [], [], {})
        for name in q.filters:
            if name not in FILTER_FIELDS:
                raise ValueError(f"xapian cannot filter on {name!r}")
        answer = self._started().query(
            [[list(c.words), c.phrase] for c in clauses], dict(q.filters)
        )
        return QueryResult(
            total=answer["total"],
            ids=answer["ids"],
            snippets=answer["snippets"],
            facets={f: drop_empty(c) for f, c in answer["facets"].items()},
        )

    def child_peak_rss_bytes(self) -> int:
        """The bridge child's peak RSS (0 in process: already in the caller's own)."""
        engine = self._engine
        return engine.peak_rss_bytes() if isinstance(engine, XapianBridge) else 0

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine = None


SYSTEM = XapianSystem("xapian", spelling="unknown")
PARSER_SPELLING_SYSTEM = XapianSystem("xapian-qp-spelling", spelling="parser")
