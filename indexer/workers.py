"""The worker processes of a build, which die with it.

A build forks workers three ways: the language-detection pool, Whoosh's multiprocess
writer and the postings export pool.  When the build process is killed (SIGKILL, a
container stopped) its workers must not linger holding memory and half-written files, so
each one asks the kernel, first thing, for SIGKILL when its parent dies
(`die_with_parent`, Linux's PR_SET_PDEATHSIG; elsewhere workers end when their queues
close).  This is done per pool, by its initializer, rather than by a process-wide at-fork
hook: a library call must not change what every later fork of its caller does.
"""

from __future__ import annotations

import ctypes
import signal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

from corpus.model import Entry
from indexer.detect import Detection, LanguageDetector

# Below this many documents a single-process writer is faster than forking workers.
PARALLEL_THRESHOLD = 2000
_PR_SET_PDEATHSIG = 1

Progress = Callable[[Iterable[Any], int, str], Iterable[Any]]


def no_progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    return items


def die_with_parent() -> None:
    """In a forked worker: get SIGKILL when the build process dies (Linux), never linger."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queues close
        pass


# --- language detection ----------------------------------------------------------------

_worker_detector: LanguageDetector | None = None  # one per worker process


def _init_detector() -> None:
    global _worker_detector
    die_with_parent()
    _worker_detector = LanguageDetector()


def _detect_chunk(entries: Sequence[Entry]) -> list[Detection]:
    assert _worker_detector is not None
    return [detect_entry(_worker_detector, e) for e in entries]


def detect_entry(detector: LanguageDetector, entry: Entry) -> Detection:
    return detector.detect(
        entry.title, entry.summary, entry.body, locale=entry.locale, declared=entry.language
    )


def detect_all(
    entries: Sequence[Entry], *, procs: int, progress: Progress = no_progress
) -> list[Detection]:
    """The language of each entry, by `procs` processes for a large batch."""
    if procs <= 1 or len(entries) < PARALLEL_THRESHOLD:
        detector = LanguageDetector()
        return [detect_entry(detector, e) for e in progress(entries, len(entries), "detecting")]
    size = max(200, len(entries) // (procs * 8))
    chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
    with ProcessPoolExecutor(procs, initializer=_init_detector) as pool:
        results = progress(pool.map(_detect_chunk, chunks), len(chunks), "detecting")
        return [d for chunk in results for d in chunk]


# --- Whoosh's multiprocess writer ------------------------------------------------------


class _SubWriter(SubWriterTask):
    def run(self) -> None:
        die_with_parent()
        super().run()


class DyingMpWriter(MpWriter):
    """Whoosh's multiprocess writer (one segment per worker) whose workers die with the
    build: Whoosh starts them itself, with no initializer to pass."""

    def __init__(self, ix: Any, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task
