"""The worker processes of a build, which die with it.

A build forks workers four ways: the language-detection pool, Whoosh's multiprocess
writer (whose processes also export the segments they write), the postings export pool
(for segments the build's own writer wrote, e.g. merged) and the grouping pool
(indexer.grouping).  When the build process is killed (SIGKILL, a
container stopped) its workers must not linger holding memory and half-written files, so
each one asks the kernel, first thing, for SIGKILL when its parent dies
(`die_with_parent`, Linux's PR_SET_PDEATHSIG; elsewhere workers end when their queues
close).  This is done per pool, by its initializer, rather than by a process-wide at-fork
hook: a library call must not change what every later fork of its caller does.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import logging
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

from corpus.errors import one_line
from corpus.model import Entry
from indexer.detect import Detection, LanguageDetector
from indexer.diskspace import out_of_space
from indexer.topic_index import Topics, assign_entry
from indexer.topics import TopicAssigner

log = logging.getLogger(__name__)

# Below this many documents a single-process writer is faster than forking workers.
PARALLEL_THRESHOLD = 2000
_PR_SET_PDEATHSIG = 1

Progress = Callable[[Iterable[Any], int, str], Iterable[Any]]


def no_progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    return items


def die_with_parent(parent: int | None = None) -> None:
    """In a forked worker: get SIGKILL when the build process dies (Linux), never linger.

    `parent` is the build's pid, taken before the fork: a build killed between the fork and
    this call would not signal its worker, which then sees it is orphaned and exits."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queues close
        pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a build runs, then as it was.

    A build makes millions of objects that live until it ends (entries, their analyses,
    signatures) and hardly any cycles: each full collection traverses all of them again,
    and with the heap growing the collector ran 20 of them, 6.4 s of a 100k build's main
    process (measured with gc callbacks).  The build's workers fork with the collector off
    too.  Reference counting still frees everything else at once; garbage in cycles made
    meanwhile, by the build or by the caller's other threads, waits until it ends (the
    100k build's peak memory was the same, 860 MB, and its workers' 1.25 GB).  The switch
    is the process's: a program whose other threads turn the collector off and on while a
    build runs should not build in a thread of its own."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- language detection ----------------------------------------------------------------

_worker_detector: LanguageDetector | None = None  # one per worker process
_worker_assigner: TopicAssigner | None = None  # the build's, inherited through fork
_worker_entries: Sequence[Entry] = ()  # the batch's, inherited through fork


def _init_detector(parent: int, assigner: TopicAssigner, entries: Sequence[Entry]) -> None:
    global _worker_detector, _worker_assigner, _worker_entries
    die_with_parent(parent)
    _worker_detector = LanguageDetector()
    _worker_assigner, _worker_entries = assigner, entries


def _detect_and_assign_chunk(bounds: tuple[int, int]) -> list[tuple[Detection, Topics]]:
    assert _worker_detector is not None and _worker_assigner is not None
    found = []
    for entry in _worker_entries[bounds[0] : bounds[1]]:
        detection = detect_entry(_worker_detector, entry)
        found.append((detection, assign_entry(_worker_assigner, entry, detection.language)))
    return found


def detect_entry(detector: LanguageDetector, entry: Entry) -> Detection:
    return detector.detect(
        entry.title, entry.summary, entry.body, locale=entry.locale, declared=entry.language
    )


def detect_and_assign(
    entries: Sequence[Entry],
    assigner: TopicAssigner,
    *,
    procs: int,
    progress: Progress = no_progress,
) -> tuple[list[Detection], list[Topics]]:
    """Each entry's language, then its topics in that language: in a pool of `procs`
    processes for a large batch (assignment costs about as much as detection).  The
    pool's workers fork from the build and share its assigner, analysed once, and the
    entries: each is sent where its chunk starts and ends, not the entries pickled."""
    if procs <= 1 or len(entries) < PARALLEL_THRESHOLD:
        detector = LanguageDetector()
        detections = [
            detect_entry(detector, e) for e in progress(entries, len(entries), "detecting")
        ]
        topics = [
            assign_entry(assigner, e, d.language) for e, d in zip(entries, detections, strict=True)
        ]
        return detections, topics
    size = max(200, len(entries) // (procs * 8))
    chunks = [(i, min(len(entries), i + size)) for i in range(0, len(entries), size)]
    with ProcessPoolExecutor(
        procs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_detector,
        initargs=(os.getpid(), assigner, entries),
    ) as pool:
        results = progress(pool.map(_detect_and_assign_chunk, chunks), len(chunks), "detecting")
        pairs = [pair for chunk in results for pair in chunk]
    return [d for d, _ in pairs], [t for _, t in pairs]


# --- Whoosh's multiprocess writer ------------------------------------------------------


class WriterProcessError(RuntimeError):
    """A Whoosh writer process failed: its documents are not in the index, so the build
    fails rather than publish without them."""


_DISK_FULL_EXIT = errno.ENOSPC  # the exit code of a writer process that ran out of disk
_POLL_SECONDS = 0.5  # how often a build waiting to queue a job checks its writer processes


@dataclass(frozen=True)
class WriterSource:
    """What the writer processes index, by position: `items`, each made a Whoosh document
    by `to_fields`.  The processes inherit the items by fork, so nothing is pickled to
    them (Whoosh's MpWriter has the main process make and pickle each document into a
    file, 0.3 s per 20k entries, and a worker unpickle it, 0.4 s, measured).  When a
    worker has written its segment, `on_segment(writer, documents)` gets its
    SegmentWriter and its documents again, in their order in the segment."""

    items: Sequence[Any]
    to_fields: Callable[[Any], dict[str, Any]]
    on_segment: Callable[[Any, Iterator[dict[str, Any]]], None] | None = None


class _SubWriter(SubWriterTask):
    """A Whoosh writer process that dies with the build and reports how it failed.

    Whoosh's own MpWriter waits one second for each worker's segment and goes on without a
    worker that died (its documents silently missing from the index); multiprocessing
    prints the worker's traceback.  Here the worker logs one line and exits with a code
    that `join` (called by MpWriter.commit) turns into an error of the build: ENOSPC's own
    OSError for a full disk, so the build names the device, else WriterProcessError."""

    # Started by fork whatever the platform's default (forkserver from Python 3.14): the
    # workers inherit the source's items, the loaded analysers and the build's lexicon.
    _Popen = staticmethod(multiprocessing.get_context("fork").Process._Popen)

    def __init__(self, *args: Any, source: WriterSource) -> None:
        super().__init__(*args)
        self.parent = os.getpid()  # the build's pid, before the fork
        self.source = source
        self.taken: list[range] = []  # the source's items this worker wrote, in order

    def run(self) -> None:
        die_with_parent(self.parent)
        try:
            super().run()
            source = self.source
            if source.on_segment is not None:  # (also without documents: a worker that got
                # no batch still wrote a segment)
                written = (source.to_fields(source.items[i]) for r in self.taken for i in r)
                source.on_segment(self.writer, written)
        except BaseException as exc:
            if out_of_space(exc):
                os._exit(_DISK_FULL_EXIT)
            log.error("a Whoosh writer process failed: %s", one_line(exc, 300))
            logging.shutdown()
            os._exit(1)

    def _process_file(self, start: int, stop: int) -> None:  # Whoosh's: a file of pickles
        add, to_fields = self.writer.add_document, self.source.to_fields
        for item in self.source.items[start:stop]:
            add(**to_fields(item))
        self.taken.append(range(start, stop))

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.exitcode == _DISK_FULL_EXIT:
            raise OSError(errno.ENOSPC, "No space left on device (in a Whoosh writer process)")
        if self.exitcode not in (0, None):
            raise WriterProcessError(
                f"a Whoosh writer process failed (exit code {self.exitcode}): the entries it"
                " was writing are not indexed, so this build publishes nothing"
            )


class _WatchedJobs:
    """The writer processes' job queue as the build puts to it: a put that gives up when
    every worker has ended.  The queue holds a few jobs, and Whoosh's put (of a batch, or
    of the end mark at commit) would wait for ever for workers that died; here the
    error of a worker that failed is raised, as `commit` raises it when it joins them."""

    def __init__(self, jobs: Any, tasks: list[SubWriterTask]) -> None:
        self.jobs, self.tasks = jobs, tasks  # the writer's own list: it grows

    def put(self, job: Any) -> None:
        while True:
            try:
                self.jobs.put(job, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                if self.tasks and all(task.exitcode is not None for task in self.tasks):
                    for task in self.tasks:
                        task.join()  # raises the error of a worker that failed
                    raise WriterProcessError("the Whoosh writer processes ended early") from None


class DyingMpWriter(MpWriter):
    """Whoosh's multiprocess writer (one segment per worker) whose workers die with the
    build: Whoosh starts them itself, with no initializer to pass.  The workers take the
    `source`'s items by position (`add_source`), not documents one by one."""

    def __init__(self, ix: Any, procs: int, source: WriterSource, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self.source = source
        self._jobs = self.jobqueue  # what the workers read; the build puts through:
        self.jobqueue = _WatchedJobs(self._jobs, self.tasks)

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self._jobs,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            source=self.source,
        )
        self.tasks.append(task)
        task.start()
        return task

    def add_document(self, **fields: Any) -> None:
        raise TypeError("the writer processes take the source's items: add_source()")

    def add_source(self, progress: Progress = no_progress) -> None:
        """Add every item of the source: the workers are sent batches of positions."""
        total = len(self.source.items)
        for start in progress(range(total), total, "indexing"):
            if start % self.batchsize == 0:
                if len(self.tasks) < self.procs:
                    self._new_task()
                self.jobqueue.put((start, min(total, start + self.batchsize)))
        self._added_sub = self._added_sub or total > 0
