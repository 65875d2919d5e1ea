"""Reliability fixtures: a searcher over the bundled index, builds, and load on real servers.

Served tests run `gpsearch serve` through tests/servers.py (a free port, output to a file,
always stopped) and send it load from client threads (`Load`).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from corpus import Entry, load_sources
from indexer import generations
from indexer.build import build_index
from search import Searcher
from tests.conftest import REPO, cli_env
from tests.servers import NOBODY, REQUEST_TIMEOUT, Server

PICKUP_SECONDS = 15.0  # a new generation is served within this (workers look every second)
SCALE = int(os.environ.get("GPSEARCH_FUZZ_SCALE", "1"))  # 20: a long exploratory run

# An entry with a word no other entry has, added (generation B) then changed (generation C).
UNIQUE_B = "zeppelinquux"
UNIQUE_C = "blimpquark"
EXTRA_ID = "reliability-extra"


def fuzz(examples: int) -> settings:
    """Hypothesis settings for `examples` examples, times $GPSEARCH_FUZZ_SCALE."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def extra_record(word: str) -> dict[str, Any]:
    return {
        "id": EXTRA_ID,
        "kind": "good-practice",
        "locale": "en",
        "language": "en",
        "title": f"The {word} neighbourhood festival",
        "summary": f"Residents of every origin run the {word} festival together each summer.",
        "country": "Norway",
        "city": "Bergen",
        "period": "2021",
        "year_from": 2021,
        "url": "https://www.coe.int/en/web/interculturalcities/good-practice",
    }


def write_extra(path: Path, word: str) -> Path:
    path.write_text(json.dumps(extra_record(word)) + "\n", encoding="utf-8")
    return path


def bundled_plus(extra: Path | None) -> list[Entry]:
    """The bundled corpus, plus the entries of `extra` (one JSONL file) when given."""
    entries = load_sources().entries
    return [*entries, *load_sources([extra]).entries] if extra else entries


def publish(entries: Sequence[Entry], index_dir: Path) -> str:
    """Build `entries` into `index_dir` (as `gpsearch index` does) and name the generation."""
    report = build_index(entries, index_dir, procs=1)
    assert report.generation is not None
    return report.generation


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of a session index, for tests that rebuild or damage it."""
    shutil.copytree(source, target)
    return target


def live_generation(index_dir: Path) -> str:
    return generations.current(index_dir).name


def tree_state(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under `root` with its size, mtime and mode: equal states mean no writes."""
    state = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        state[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return state


@functools.cache
def can_drop_privileges() -> bool:
    """Root with setpriv, and `nobody` can read the checkout and its interpreter (a clone in
    a private temporary directory is not readable): servers can then run as `nobody`, to
    whom the index is read-only.  Otherwise the tests check for writes by mtimes alone."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(
        [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--",
            sys.executable,
            "-c",
            "import gpsearch.cli",
        ],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def process_uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for process {pid}")


@pytest.fixture(scope="session")
def searcher(bundled_index: Path) -> Searcher:
    return Searcher(bundled_index)


@dataclass
class Sample:
    path: str
    status: int
    data: Any  # the parsed JSON body, None when it was not JSON
    error: str
    ended: float  # time.monotonic() when the answer was complete

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.data is not None and not self.error


class Load:
    """`clients` threads sending `paths` in turn to a server until stopped; every answer kept.

    Bounded: each request has a timeout, and `stop()` joins the threads with a timeout.
    """

    def __init__(self, server: Server, paths: Sequence[str], clients: int = 8) -> None:
        self.server = server
        self.paths = list(paths)
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(i,), name=f"load-{i}", daemon=True)
            for i in range(clients)
        ]

    def _run(self, offset: int) -> None:
        n = offset
        while not self._stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            reply = self.server.get(path)
            try:
                data = json.loads(reply.body) if reply.body else None
            except ValueError:
                data = None
            with self._lock:
                self.samples.append(Sample(path, reply.status, data, reply.error, time.monotonic()))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
        assert not any(t.is_alive() for t in self._threads), "a client thread is stuck"

    def since(self, moment: float) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if s.ended >= moment]

    def failures(self) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if not s.ok]

    def wait_until(self, predicate: Any, timeout: float, what: str) -> None:
        """Until `predicate(samples)` holds for the samples completed so far."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                samples = list(self.samples)
            if predicate(samples):
                return
            if time.monotonic() > deadline:
                failed = [s for s in samples if not s.ok]
                raise AssertionError(
                    f"not within {timeout} s: {what} ({len(samples)} answers,"
                    f" {len(failed)} failed: {failed[:3]})"
                )
            time.sleep(0.1)
