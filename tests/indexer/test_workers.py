"""Build workers die with the build; a build leaves later forks of its caller alone."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from corpus import Entry
from tests.conftest import REPO

POOL = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from indexer.workers import die_with_parent
pool = ProcessPoolExecutor(1, initializer=die_with_parent, initargs=(os.getpid(),))
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(60)
"""

WHOOSH = """
import sys, time
from whoosh import fields, index
from indexer.workers import DyingMpWriter, WriterSource
ix = index.create_in(sys.argv[1], fields.Schema(t=fields.TEXT))
source = WriterSource([f"word {i}" for i in range(40)], lambda text: {"t": text})
writer = DyingMpWriter(ix, 2, source, batchsize=10)
writer.add_source()
print(" ".join(str(t.pid) for t in writer.tasks), flush=True)
time.sleep(60)
"""

BUILD_THEN_FORK = """
import os, sys, time
from pathlib import Path
from corpus import load_sources
from indexer.build import build_index
build_index(load_sources().entries, Path(sys.argv[1]), procs=2)
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        return stat.split(")")[-1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def _children_after_parent_killed(script: str, *args: str) -> list[int]:
    """Run `script`, read the worker pids it prints, SIGKILL it alone (not its process
    group), and return the workers still alive two seconds later."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    alive = [p for p in pids if _alive(p)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    return alive


def test_pool_workers_die_with_the_build() -> None:
    assert _children_after_parent_killed(POOL) == []


def test_whoosh_writer_workers_die_with_the_build(tmp_path: Path) -> None:
    assert _children_after_parent_killed(WHOOSH, str(tmp_path)) == []


def test_a_build_does_not_change_what_later_forks_of_its_caller_do(tmp_path: Path) -> None:
    # a server that builds and then forks its own workers keeps them when it restarts one
    survivors = _children_after_parent_killed(BUILD_THEN_FORK, str(tmp_path))
    assert len(survivors) == 1


FAILING_WRITER = """
import os, sys
from pathlib import Path
import whoosh.writing
from corpus import load_sources
from indexer import build, postings
from tests.conftest import synthetic_jsonl

parent = os.getpid()
where = sys.argv[2]
broken = {"adding": (whoosh.writing.SegmentWriter, "add_document"),
          "exporting": (postings, "export_written")}[where]
works = getattr(*broken)

def breaks_in_the_worker(*args, **kwargs):
    if os.getpid() != parent:
        raise RuntimeError("a writer process broke " + where)
    return works(*args, **kwargs)

index = Path(sys.argv[1])
entries = load_sources([synthetic_jsonl(index.parent / "entries.jsonl", 1200)]).entries
build.build_index(entries[:200], index)  # the live generation: 200 entries
setattr(*broken, breaks_in_the_worker)
build.PARALLEL_THRESHOLD = 1  # Whoosh's writer processes for this update
try:
    build.build_index(entries, index, procs=2)
    print("published")
except Exception as exc:
    print("failed:", type(exc).__name__)
"""


@pytest.mark.parametrize("where", ["adding", "exporting"])
def test_a_failing_writer_process_fails_the_build_instead_of_losing_its_entries(
    tmp_path: Path, where: str
) -> None:
    """Whoosh's MpWriter goes on without a worker that died: the update would publish a
    generation missing that worker's entries.  Workers that die adding documents, with
    more batches left than the job queue holds, must not leave the build waiting for them
    (the timeout fails the test instead of hanging it); nor may one die exporting."""
    from search import Searcher, SearchRequest

    index = tmp_path / "index"
    done = subprocess.run(
        [sys.executable, "-c", FAILING_WRITER, str(index), where],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
    assert done.stdout.strip() == "failed: WriterProcessError"
    assert f"a Whoosh writer process failed: RuntimeError: a writer process broke {where}" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert Searcher(index).search(SearchRequest("", versions="all")).total == 200


def test_the_collector_is_paused_while_a_build_runs_and_restored_after(
    tmp_path: Path, pages: list[Entry]
) -> None:
    """A build runs with Python's cyclic collector off (its full collections traversed the
    build's millions of live objects again and again), and its caller gets the collector
    back as it had it: on after a build or a failed update, still off when it was off."""
    import gc

    from indexer.build import UpdateError, build_index, update_index

    seen = []

    def progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
        seen.append(gc.isenabled())
        return items

    assert gc.isenabled()
    index = tmp_path / "index"
    build_index(pages, index, procs=1, progress=progress)
    assert seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises(UpdateError):
        update_index(index, [pages[0], pages[0]], progress=progress)
    assert gc.isenabled()
    gc.disable()
    try:
        update_index(index, deletes=[pages[0].id], progress=progress)
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Reporting(multiprocessing.get_context("fork").Process):  # type: ignore[misc]
    """A child whose join raises how it ended, as a Whoosh writer process's does."""

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.exitcode not in (0, None):
            raise RuntimeError(f"exit code {self.exitcode}")


def test_a_failed_build_stops_its_writers_without_replacing_its_own_error(
    tmp_path: Path,
) -> None:
    """The build's error (a full disk, say) is what the caller gets: stopping a writer
    process that was still running must not raise the writer's own 'killed' instead."""
    from indexer import generations
    from indexer.diskspace import DiskFullError

    writer = _Reporting(target=time.sleep, args=(60,))
    with pytest.raises(DiskFullError), generations.build_work(tmp_path):
        writer.start()
        raise OSError(28, "No space left on device")
    assert writer.exitcode == -signal.SIGTERM
