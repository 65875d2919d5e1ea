"""Index generations: every build writes a new directory, then one rename switches to it.

Layout of an index directory:
    CURRENT                 name of the live generation (replaced atomically)
    gen-<time>-<rand>/      a complete Whoosh index plus the files gpsearch derives from it
    gen-<...>.tmp/          a build in progress (or killed): never read, removed by the next build
    .build.lock             held by the one build allowed at a time

Readers resolve CURRENT once per open, so a running server answers from the old generation
until the new one is complete; a crash or SIGKILL mid-build leaves CURRENT untouched.

generation.json records the size and CRC-32 of every other file of its generation
(indexer.integrity, which checks them).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import logging
import multiprocessing
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.diskspace import DiskFullError, describe_disk, out_of_space

log = logging.getLogger(__name__)

POINTER = "CURRENT"
LOCK = ".build.lock"
GENERATION_META = "generation.json"
# Written into each generation by the build, read by servers:
MANIFEST = "manifest.json"  # entry id -> content hash, source file, block, declared language
GROUPS = "groups.json"  # entry id -> translation group
# Or, when an update wrote only what it changed (see delta_fits): the previous generation's
# file linked as the base, and the rows changed since it beside it.  A base is never named
# as the whole file is: a reader that finds it requires its delta, and an indexer of layout
# 3 finds no manifest.json (it rebuilds, or refuses to update) instead of a stale one.
MANIFEST_BASE = "manifest.base.json"
MANIFEST_DELTA = "manifest.delta.json"
GROUPS_BASE = "groups.base.json"
GROUPS_DELTA = "groups.delta.json"
SIDE_FILES = ((MANIFEST, MANIFEST_BASE, MANIFEST_DELTA), (GROUPS, GROUPS_BASE, GROUPS_DELTA))
CONCEPTS = "concepts.json"  # the concept lexicon as analysed by this build
TOPIC_VOCABULARY = "topic_vocabulary.json"  # the topic terms as analysed by this build
KEEP_PREVIOUS = 1  # generations kept besides the current one, for readers still on them
FILES = "files"  # generation.json: relative path -> {"size": bytes, "crc32": 8 hex digits}
# generation.json: the layout of the files, which a reader refuses when it is newer than
# the one it reads (it keeps serving what it has).  6: a segment's arrays and a layout
# part's are in one file (indexer.arraypack), not one .npy file each.  5: the merged
# layout may be a base and a tail (accel/index, accel/tail: indexer.layout).  4: the
# groups may be a base and a delta (groups.base.json, groups.delta.json), which a server
# of layout 3 cannot read; 3: the id column's values are an array of bytes
# (accel.ID_VALUES), not a list in meta.json; 2: a segment writes no arrays for a field it
# has no term in; 1 (no key): every field's.
LAYOUT_KEY = "layout"
LAYOUT = 6
# A delta holds at most this share of its file's rows (or DELTA_MIN_ROWS): then the whole
# file is written again, once, and the next updates write deltas over it
DELTA_SHARE = 20
DELTA_MIN_ROWS = 1000
CHUNK = 1 << 20


class IndexNotFoundError(Exception):
    """No usable index at a directory; the message names it and says what to do."""


class BuildLockedError(Exception):
    """Another build holds the index directory."""


class DamagedGenerationError(IndexNotFoundError):
    """A generation's files do not match what its build recorded."""


@dataclass(frozen=True, slots=True)
class Generation:
    name: str
    path: Path


def current(index_dir: Path) -> Generation:
    """The live generation, or IndexNotFoundError with a clear message."""
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8", errors="replace").strip()
    except FileNotFoundError:
        raise IndexNotFoundError(
            f"no index at {index_dir}: run `gpsearch index --index {index_dir}` first"
        ) from None
    except OSError as exc:
        raise IndexNotFoundError(f"cannot read index at {index_dir}: {exc.strerror}") from None
    path = index_dir / name
    if not name.startswith("gen-") or "/" in name or not (path / GENERATION_META).is_file():
        raise IndexNotFoundError(
            f"index at {index_dir} is corrupt: {POINTER} names {name!r}, which is not a complete"
            f" generation; rebuild it with `gpsearch index --rebuild --index {index_dir}`"
        )
    return Generation(name, path)


def pointer_stamp(index_dir: Path) -> tuple[int, int] | None:
    """A cheap value that changes whenever CURRENT is switched (inode, mtime)."""
    try:
        st = (index_dir / POINTER).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


@contextlib.contextmanager
def build_lock(index_dir: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Exclusive lock for one build at a time, released by the kernel if the build dies.

    POSIX record locks (lockf) belong to the process, not to the open file, so worker
    processes forked by the build neither hold nor keep the lock after it is killed.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise BuildLockedError(
                        f"another build is running on {index_dir}; wait for it to finish"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def new_workdir(index_dir: Path) -> Path:
    now = time.time_ns()
    # Names sort in build order (to the microsecond), which cleanup relies on.
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now / 1e9)) + f"{now // 1000 % 10**6:06d}"
    path = index_dir / f"gen-{stamp}-{secrets.token_hex(3)}.tmp"
    path.mkdir(parents=True)
    return path


class BuildWork:
    """The work directory of one build, created on demand, removed if the build fails."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.path: Path | None = None

    def new(self) -> Path:
        self.path = new_workdir(self.index_dir)
        return self.path

    def discard(self) -> None:
        if self.path is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        renamed = self.path.with_suffix("")  # publish() renames before switching CURRENT
        try:
            live = current(self.index_dir).name
        except IndexNotFoundError:
            live = None
        if renamed.is_dir() and renamed.name != live:
            shutil.rmtree(renamed, ignore_errors=True)


def _stop_children(keep: set[multiprocessing.process.BaseProcess]) -> None:
    """Stop worker processes the failed build started (Whoosh's sub-writers keep writing
    after the main writer failed): they would crash with tracebacks once the work
    directory is gone."""
    for child in set(multiprocessing.active_children()) - keep:
        child.terminate()
    for child in set(multiprocessing.active_children()) - keep:
        # A writer process's join raises how it ended (workers._SubWriter): stopped here,
        # that would replace the build's own error (a full disk reported as a writer
        # killed by SIGTERM, when the main process ran out of space first)
        with contextlib.suppress(Exception):
            child.join(timeout=5)


@contextlib.contextmanager
def build_work(index_dir: Path) -> Iterator[BuildWork]:
    """Around a build: on any failure its partial generation is removed (the live one is
    untouched); running out of disk becomes a DiskFullError naming the device."""
    work = BuildWork(index_dir)
    before = set(multiprocessing.active_children())
    try:
        yield work
    except BaseException as exc:
        _stop_children(before)
        work.discard()
        if out_of_space(exc):
            where = work.path.name if work.path else str(index_dir)
            raise DiskFullError(
                f"no space left on {describe_disk(index_dir)}, writing {where}: the unfinished"
                f" generation was removed and {index_dir} still serves the previous one;"
                " free some space and run the build again"
            ) from exc
        raise


def delta_fits(changed: int, rows: int) -> bool:
    """Whether `changed` rows of a file of `rows` are written as a delta over it."""
    return changed <= max(DELTA_MIN_ROWS, rows // DELTA_SHARE)


def held_file(gen_dir: Path, whole: str, base: str) -> Path:
    """A side file to read (SIDE_FILES): the whole file when the generation holds it, else
    the base that its delta changes."""
    path = gen_dir / whole
    return path if path.exists() else gen_dir / base


def link_tree(
    src: Path, dst: Path, skip: Callable[[tuple[str, ...]], bool] = lambda parts: False
) -> None:
    """Hard-link the files under `src` into `dst` (directories made; `skip` is given a path
    relative to `src` as its parts, and leaves out what it is true for): a generation's
    files are never rewritten, so a later one shares them.  Each directory's files are
    linked through its descriptors, so the kernel resolves no long path per file, and the
    walk makes no Path per file: the ~600 files of a generation at 100k entries took 7 ms,
    now 3.5 (measured), and every update links them."""
    by_fd = {os.link, os.open} <= os.supports_dir_fd
    top = str(src)
    for root, dirs, files in os.walk(top):
        rel = Path(root).relative_to(top).parts  # per directory, not per file
        dirs[:] = [d for d in dirs if not skip((*rel, d))]
        target = os.path.join(dst, *rel)  # noqa: PTH118
        os.makedirs(target, exist_ok=True)  # noqa: PTH103
        kept = [name for name in files if not skip((*rel, name))]
        if not by_fd:
            for name in kept:
                os.link(os.path.join(root, name), os.path.join(target, name))  # noqa: PTH118
            continue
        source_fd = os.open(root, os.O_RDONLY)
        try:
            target_fd = os.open(target, os.O_RDONLY)
            try:
                for name in kept:
                    os.link(name, name, src_dir_fd=source_fd, dst_dir_fd=target_fd)
            finally:
                os.close(target_fd)
        finally:
            os.close(source_fd)


def _sync_to_disk(workdir: Path) -> None:
    """Every file and directory of a build on disk before CURRENT names it: one syncfs(2)
    for the index's file system (an fsync for each of ~900 files at 10k entries took
    2.7 s), else an fsync per file."""
    fd = os.open(workdir, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError, AttributeError):
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                return
    finally:
        os.close(fd)
    for path in workdir.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        else:
            _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, workdir: Path, meta: dict[str, Any]) -> Generation:
    """Make a finished build the live generation: record its files, rename it, then
    switch CURRENT."""
    from indexer.integrity import record_files  # it reads generations: imported here

    meta = {**meta, LAYOUT_KEY: LAYOUT, FILES: record_files(workdir, index_dir)}
    (workdir / GENERATION_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    _sync_to_disk(workdir)
    final = workdir.with_suffix("")
    workdir.rename(final)
    tmp_pointer = index_dir / f"{POINTER}.{secrets.token_hex(3)}.tmp"
    tmp_pointer.write_text(final.name + "\n", encoding="utf-8")
    with tmp_pointer.open("rb") as handle:
        os.fsync(handle.fileno())
    tmp_pointer.replace(index_dir / POINTER)
    _fsync_dir(index_dir)
    log.info("switched %s to %s", index_dir, final.name)
    return Generation(final.name, final)


def cleanup(index_dir: Path, keep_previous: int = KEEP_PREVIOUS) -> list[str]:
    """Remove unfinished builds and generations older than the kept ones (call under lock)."""
    try:
        live = current(index_dir).name
    except IndexNotFoundError:
        live = None
    finished = sorted(
        (p for p in index_dir.glob("gen-*") if p.is_dir() and p.suffix != ".tmp"),
        key=lambda p: p.name,
    )
    older = [p for p in finished if live is not None and p.name < live]
    # Kept: the live generation and the newest older ones; anything newer than the live one
    # was renamed by a build that died before switching CURRENT, and is never served.
    doomed = older[: max(0, len(older) - keep_previous)]
    doomed += [p for p in finished if live is None or p.name > live]
    doomed += [p for p in index_dir.glob("gen-*.tmp") if p.is_dir()]
    doomed += [p for p in index_dir.glob(f"{POINTER}.*.tmp")]
    removed = []
    for path in doomed:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed
