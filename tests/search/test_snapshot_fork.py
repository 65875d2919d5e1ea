"""A server's master opens the index and forks its workers (webui.server, preload_app):
each process must read its own entries from the generation it inherited."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from search import Searcher, snapshot

READS = 4000  # stored entries each process reads, interleaved with the other's


def test_processes_forked_with_an_open_index_each_read_the_entries_they_ask_for(
    bundled_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh reads stored entries with seek + read: on a descriptor shared across the fork
    (one file offset for both processes) they would read each other's entries."""
    monkeypatch.setattr(snapshot, "STORED_CACHE", 1)  # every read goes to the files
    searcher = Searcher(bundled_index)
    snap = searcher.snapshot()
    live = [d for d in range(snap.n) if snap.alive[d]]
    children = []
    for seed in range(2):
        pid = os.fork()
        if pid == 0:  # the child: exit status = wrong entries read (0-100), 101 on errors
            wrong = 0
            try:
                rnd = random.Random(seed)
                for _ in range(READS):
                    docnum = rnd.choice(live)
                    wrong += snap.stored(docnum)["id"] != snap.entry_id(docnum)
            except BaseException:
                os._exit(101)
            os._exit(min(wrong, 100))
        children.append(pid)
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    searcher.close()
    assert statuses == [0, 0], "exit status: wrong entries read (101: errors)"


def test_a_generation_left_behind_is_freed_without_the_cycle_collector(
    bundled_index: Path, tmp_path: Path
) -> None:
    """In a server's worker the objects inherited from the master are frozen (gc.freeze):
    only reference counting can free them.  A snapshot that sits in a reference cycle would
    keep a replaced generation's arrays, memory maps and files for the worker's lifetime."""
    import gc
    import shutil
    import weakref

    from corpus import load_sources
    from indexer.build import build_index
    from search import SearchRequest

    index = shutil.copytree(bundled_index, tmp_path / "index")
    searcher = Searcher(index, check_interval=0)
    first = searcher.snapshot()
    entry_id = first.entry_id(0)
    for request in (  # what fills the snapshot's caches: places, practices, neighbours
        SearchRequest("integration"),
        SearchRequest("intercultural", near="Oslo", within_km=500),
        SearchRequest("culture", filters={"language": ("fr",)}, versions="all"),
    ):
        searcher.search(request)
    searcher.practice_nearby(entry_id, 3, 3)
    left = weakref.ref(first)
    del first
    gc.disable()
    try:
        entries = load_sources().entries
        build_index(entries[:-1], index)  # one entry fewer: a new generation
        assert searcher.snapshot() is not left()
        assert left() is None, gc.get_referrers(left())[:3]
    finally:
        gc.enable()
