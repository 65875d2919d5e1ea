"""Index generations: every build writes a new directory, then one rename switches to it.

Layout of an index directory:
    CURRENT                 name of the live generation (replaced atomically)
    gen-<time>-<rand>/      a complete Whoosh index plus the files gpsearch derives from it
    gen-<...>.tmp/          a build in progress (or killed): never read, removed by the next build
    .build.lock             held by the one build allowed at a time

Readers resolve CURRENT once per open, so a running server answers from the old generation
until the new one is complete; a crash or SIGKILL mid-build leaves CURRENT untouched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

POINTER = "CURRENT"
LOCK = ".build.lock"
GENERATION_META = "generation.json"
# Written into each generation by the build, read by servers:
MANIFEST = "manifest.json"  # entry id -> content hash, source file, block, declared language
GROUPS = "groups.json"  # entry id -> translation group
CONCEPTS = "concepts.json"  # the concept lexicon as analysed by this build
KEEP_PREVIOUS = 1  # generations kept besides the current one, for readers still on them


class IndexNotFoundError(Exception):
    """No usable index at a directory; the message names it and says what to do."""


class BuildLockedError(Exception):
    """Another build holds the index directory."""


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, workdir: Path, meta: dict[str, Any]) -> Generation:
    """Make a finished build the live generation: rename it, then switch CURRENT."""
    (workdir / GENERATION_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    for child in workdir.iterdir():
        if child.is_file():
            with child.open("rb") as handle:
                os.fsync(handle.fileno())
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
