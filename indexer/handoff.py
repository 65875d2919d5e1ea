"""What an update leaves in memory for the next update of the same index in one process.

A process that updates an index entry after entry (a script, an editor's save hook, a
service taking edits) would otherwise read back, on every update, the manifest and the
groups the update before it wrote, and copy their columns of one row per entry: at 100k
entries that cost 35-40 ms of a one-entry update, with the garbage collector's passes over
the fresh 100k-row copies (measured alternately).  As Lucene's IndexWriter keeps its
segment infos in memory between commits, an update hands what it wrote to the next one:
`hand_over` after publishing, `take` when planning.

What is taken is the taker's to change, so it is taken once.  It is taken only while the
generation's files are the ones it was handed over with (device, inode, size and
modification time of each), so a generation another process wrote, or one restored or
damaged since, is read from its files as before.  A process keeps this for its last
`KEPT` indexes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer.readonce import file_identity

KEPT = 4

# (index directory, kind) -> (generation directory, its files' identity, what was handed)
_HELD: dict[tuple[str, str], tuple[str, tuple[Any, ...], Any]] = {}
_LOCK = threading.Lock()


def _identity(gen_dir: Path, names: Sequence[str]) -> tuple[Any, ...]:
    """Each named file's identity (readonce.file_identity), None when it is missing."""
    return tuple(file_identity(gen_dir / name) for name in names)


def _key(gen_dir: Path, names: Sequence[str]) -> tuple[str, str]:
    return str(gen_dir.parent.resolve()), names[0]


def hand_over(gen_dir: Path, names: Sequence[str], value: object) -> None:
    """Keep `value`, what the files `names` of the published generation `gen_dir` hold,
    for the next update of its index (it replaces what was kept for them)."""
    try:
        held = (str(gen_dir.resolve()), _identity(gen_dir, names), value)
        key = _key(gen_dir, names)
    except OSError:
        return
    with _LOCK:
        _HELD.pop(key, None)
        _HELD[key] = held
        indexes = list(dict.fromkeys(index for index, _kind in _HELD))
        for gone in indexes[:-KEPT]:
            for kind_key in [k for k in _HELD if k[0] == gone]:
                del _HELD[kind_key]


def take(gen_dir: Path, names: Sequence[str]) -> Any | None:
    """What was handed over for the files `names` of `gen_dir`, if they are still the
    same files (then it is the caller's: nobody gets it again); else None."""
    try:
        key = _key(gen_dir, names)
        with _LOCK:
            held = _HELD.pop(key, None)
        if held is None:
            return None
        path, identity, value = held
        same = path == str(gen_dir.resolve()) and identity == _identity(gen_dir, names)
    except OSError:
        return None
    return value if same else None
