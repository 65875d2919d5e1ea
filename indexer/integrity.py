"""What a generation records of its files, and how a reader checks them.

generation.json records the size and CRC-32 of every other file of its generation.  Damage
is random, not an attack, so CRC-32 is enough: at 100k entries (258 MB) it takes 0.13 s
where SHA-256 takes 1.6 s (2% of the build).  Servers compare sizes before switching to a
generation (`verify(deep=False)`: a stat per file); `gpsearch check` compares checksums.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

from indexer.generations import (
    CHUNK,
    FILES,
    GENERATION_META,
    LAYOUT,
    LAYOUT_KEY,
    SIDE_FILES,
    DamagedGenerationError,
    Generation,
    IndexNotFoundError,
    current,
)


def _crc32(path: Path) -> str:
    crc = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def _previous_records(index_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    try:
        gen = current(index_dir)
        files = json.loads((gen.path / GENERATION_META).read_text(encoding="utf-8"))[FILES]
    except (IndexNotFoundError, OSError, ValueError, KeyError, TypeError):
        return None
    return (gen.path, files) if isinstance(files, dict) else None


def record_files(workdir: Path, index_dir: Path) -> dict[str, dict[str, Any]]:
    """Size and CRC-32 of every file of a finished build.

    Files hard-linked from the live generation (segments an update carried over) keep the
    checksum recorded for them there: same inode, same bytes, nothing to read again.  The
    inodes are the ones the directories list (no stat of each of ~500 files: 9 -> 5 ms of
    a one-entry update at 100k entries, measured) where the file system lists true ones;
    some do not (FUSE file systems without `use_ino` list one number for every file), and
    there each file and its namesake in the live generation are compared by stat.
    """
    previous = _previous_records(index_dir)
    found, listed = _inodes(workdir)
    held: dict[str, int] = {}
    if previous is not None and listed:
        held, listed = _inodes(previous[0])
        listed = listed and _same_device(workdir, previous[0])
    records: dict[str, dict[str, Any]] = {}
    for rel, inode in sorted(found.items(), key=lambda item: item[0].split("/")):
        if rel == GENERATION_META:
            continue
        path = workdir / rel
        if (
            previous is not None
            and rel in previous[1]
            and (held.get(rel) == inode if listed else _same_stat(path, previous[0] / rel))
        ):
            records[rel] = previous[1][rel]
            continue
        records[rel] = {"size": path.stat().st_size, "crc32": _crc32(path)}
    return records


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


def _same_stat(a: Path, b: Path) -> bool:
    try:
        return os.path.samestat(a.stat(), b.stat())
    except OSError:
        return False


def _inodes(top: Path) -> tuple[dict[str, int], bool]:
    """Every file under `top` by its relative path (with "/"), with its inode number as
    its directory lists it; and whether those are the files' inode numbers (each one
    distinct, and one of them what stat says)."""
    found: dict[str, int] = {}
    stack = [("", str(top))]
    while stack:
        prefix, path = stack.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir():  # as os.walk: a link to a directory is not followed
                    if not entry.is_symlink():
                        stack.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    found[prefix + entry.name] = entry.inode()
    return found, _true_inodes(top, found)


def _true_inodes(top: Path, listed: dict[str, int]) -> bool:
    if len(set(listed.values())) != len(listed):
        return False
    first = next(iter(listed.items()), None)  # one file system makes up all or none
    if first is None:
        return True
    try:
        return (top / first[0]).lstat().st_ino == first[1]
    except OSError:
        return False


def _meta(gen: Generation) -> dict[str, Any]:
    """generation.json; DamagedGenerationError if it is unreadable."""
    try:
        meta = json.loads((gen.path / GENERATION_META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DamagedGenerationError(
            f"{gen.path / GENERATION_META}: unreadable ({type(exc).__name__}: {exc})"
        ) from None
    return meta if isinstance(meta, dict) else {}


def recorded_files(gen: Generation) -> dict[str, dict[str, Any]] | None:
    """What the build recorded about each file; None for a generation built before
    gpsearch recorded them.  Raises DamagedGenerationError if generation.json is unreadable."""
    files = _meta(gen).get(FILES)
    return files if isinstance(files, dict) else None


def verify(gen: Generation, deep: bool = False) -> list[str]:
    """Problems with a generation's files, each naming the file; [] when intact.

    Sizes only (one stat a file) unless `deep`, which also compares checksums.
    """
    try:
        meta = _meta(gen)
    except DamagedGenerationError as exc:
        return [str(exc)]
    newer = _newer_layout(gen, meta)
    return [newer] if newer else _file_problems(gen, meta, deep)


def newer_layout(gen: Generation) -> str | None:
    """What to say when `gen` was written in a newer layout than this code reads (None:
    not newer, or no readable generation.json, which the caller's reading will find)."""
    try:
        return _newer_layout(gen, _meta(gen))
    except DamagedGenerationError:
        return None


def _newer_layout(gen: Generation, meta: dict[str, Any]) -> str | None:
    layout = meta.get(LAYOUT_KEY, 1)
    if isinstance(layout, int) and layout <= LAYOUT:
        return None
    return (
        f"{gen.path / GENERATION_META}: written by a newer gpsearch (file layout {layout},"
        f" this one reads up to {LAYOUT}): upgrade gpsearch to read it"
    )


def _side_file_problems(gen: Generation) -> list[str]:
    """The manifest and the groups: each a whole file, or a base with its delta."""
    problems = []
    for whole, base, delta in SIDE_FILES:
        held = {name for name in (whole, base, delta) if (gen.path / name).exists()}
        if held not in ({whole}, {base, delta}):
            found = ", ".join(sorted(held)) or "none of them"
            problems.append(f"{gen.path}: holds {found}; it needs {whole}, or {base} with {delta}")
    return problems


def _file_problems(gen: Generation, meta: dict[str, Any], deep: bool) -> list[str]:
    return _side_file_problems(gen) + _recorded_file_problems(gen, meta, deep)


def _recorded_file_problems(gen: Generation, meta: dict[str, Any], deep: bool) -> list[str]:
    files = meta.get(FILES)
    if not isinstance(files, dict):
        return (
            [
                f"{gen.path / GENERATION_META}: records no file sizes or checksums (built by an"
                " older gpsearch): rebuild to check it"
            ]
            if deep
            else []
        )
    problems = []
    top = str(gen.path)  # os.stat of strings, a Path only to name a problem: ~600 files a
    # reopen at 100k (the whole check 5 -> 1.2 ms, measured)
    for rel, record in sorted(files.items()):
        try:
            size = os.stat(os.path.join(top, rel)).st_size  # noqa: PTH116, PTH118
        except OSError as exc:
            problems.append(f"{gen.path / rel}: {exc.strerror.lower() if exc.strerror else exc}")
            continue
        if size != record.get("size"):
            wrote = record.get("size")
            problems.append(f"{gen.path / rel}: {size:,} bytes where the build wrote {wrote:,}")
        elif deep and _crc32(gen.path / rel) != record.get("crc32"):
            problems.append(f"{gen.path / rel}: contents changed since the build (CRC-32 differs)")
    return problems


def require_intact(gen: Generation, index_dir: Path) -> None:
    """DamagedGenerationError, naming the files, if a size does not match (cheap), or if
    the generation was written in a newer layout than this code reads."""
    try:
        meta = _meta(gen)
    except DamagedGenerationError as exc:
        problems = [str(exc)]
    else:
        newer = _newer_layout(gen, meta)
        if newer:
            raise DamagedGenerationError(
                f"index at {index_dir}: generation {gen.name} cannot be served: {newer}"
            )
        problems = _file_problems(gen, meta, deep=False)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DamagedGenerationError(
            f"index at {index_dir}: generation {gen.name} is damaged: {problems[0]}{more};"
            f" rebuild it with `gpsearch index --rebuild --index {index_dir}`"
        )
