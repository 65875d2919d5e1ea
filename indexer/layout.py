"""A generation's merged layout: its segments in docnum order, its deletions, and the
metadata columns, years, topics and coordinates over every entry.

A build writes the layout whole (`accel/index/`).  An update links the previous
generation's whole layout as a base and writes a tail (`accel/tail/`) for the segments
after the base's, with the deletions of every entry, as Lucene keeps a segment's live
docs beside it instead of rewriting it: at 100k entries the whole layout is 6.8 MB that
every one-entry update wrote, checksummed and synced again (~20 ms).  Past a share of
the entries (generations.delta_fits) the layout is written whole again.  A reader joins
the base and the tail (`read`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer import topic_index
from indexer.accel import (
    ACCEL,
    COLUMNS,
    COORDINATES,
    ID_VALUES,
    MERGED,
    STORED_COLUMNS,
    YEAR_COLUMNS,
    SortedStrings,
    concat,
    segment_ids,
)
from indexer.arraypack import Arrays, PackWriter
from indexer.generations import delta_fits, link_tree

TAIL = "tail"  # accel/tail/: the segments after the base's, and every entry's deletions
META = "meta.json"
ALIVE = "alive.npy"


def write(
    accel: Path,
    alive: np.ndarray,
    seg_dirs: list[Path],
    offsets: list[int],
    previous: Path | None,
) -> None:
    """The layout of the segments `seg_dirs` (in docnum order, starting at `offsets`) in
    `accel`, with the deletions `alive` (one per entry): a tail over `previous`'s whole
    layout (the accel directory of the generation this one follows) when its segments
    come first and the others fit in a tail, else whole."""
    doc_count_all = len(alive)
    for part in (MERGED, TAIL):
        if (accel / part).exists():
            shutil.rmtree(accel / part)
    held = _base_segments(previous, seg_dirs)
    tail_docs = doc_count_all - offsets[held] if held < len(seg_dirs) else 0
    if previous is not None and held and delta_fits(tail_docs, doc_count_all):
        link_tree(previous / MERGED, accel / MERGED)
        _write_part(accel / TAIL, seg_dirs[held:], offsets[held:], doc_count_all, alive)
    else:
        _write_part(accel / MERGED, seg_dirs, offsets, doc_count_all, alive)


def _base_segments(previous: Path | None, seg_dirs: list[Path]) -> int:
    """How many of `seg_dirs`, in order, are the segments of `previous`'s whole layout
    (0 when they are not all there, first)."""
    if previous is None:
        return 0
    try:
        meta = json.loads((previous / MERGED / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    names = [seg["dir"] for seg in meta.get("segments", ())]
    if not Arrays(previous / MERGED).has(ID_VALUES):
        return 0  # a layout before the ids' bytes (layout 3): written whole
    return len(names) if names and [d.name for d in seg_dirs[: len(names)]] == names else 0


def _write_part(
    out: Path, seg_dirs: list[Path], offsets: list[int], doc_count_all: int, alive: np.ndarray
) -> None:
    """One part of a layout: the columns of `seg_dirs`, its meta.json, and `alive`."""
    out.mkdir()
    pack = PackWriter(out)
    pack.save(ALIVE, alive)
    metas = [json.loads((d / META).read_text(encoding="utf-8")) for d in seg_dirs]
    arrays = [Arrays(d) for d in seg_dirs]
    merged_meta: dict[str, Any] = {
        "doc_count_all": doc_count_all,
        "segments": [
            {"dir": d.name, "offset": offset, "doc_count_all": m["doc_count_all"]}
            for d, offset, m in zip(seg_dirs, offsets, metas, strict=True)
        ],
        "columns": {},
    }
    ids = [segment_ids(a, m).array for a, m in zip(arrays, metas, strict=True)]
    values = np.unique(np.concatenate(ids)) if ids else np.zeros(0, dtype="S1")
    codes = [
        np.searchsorted(values, own).astype(np.int32)[a.map("col.id.npy")]
        for a, own in zip(arrays, ids, strict=True)
    ]
    pack.save("col.id.npy", concat(codes, np.int32))
    pack.save(ID_VALUES, values)
    for name in (*COLUMNS, *STORED_COLUMNS):
        if name == "id":
            continue
        uniques = sorted({v for m in metas for v in m["columns"][name]})
        lookup = {v: i for i, v in enumerate(uniques)}
        parts = []
        for seg_arrays, meta in zip(arrays, metas, strict=True):
            remap = np.asarray([lookup[v] for v in meta["columns"][name]], dtype=np.int32)
            parts.append(remap[seg_arrays.map(f"col.{name}.npy")])
        pack.save(f"col.{name}.npy", concat(parts, np.int32))
        merged_meta["columns"][name] = uniques
    for name in YEAR_COLUMNS:
        pack.save(f"{name}.npy", concat([a.map(f"{name}.npy") for a in arrays], np.int16))
    topic_index.merge(arrays, pack)
    for name in COORDINATES:
        pack.save(f"{name}.npy", concat([a.map(f"{name}.npy") for a in arrays], np.float32))
    pack.close()
    (out / META).write_text(json.dumps(merged_meta, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Merged:
    """A generation's layout as read: its whole layout, joined with its tail if any."""

    doc_count_all: int
    segments: list[dict[str, Any]]  # dir, offset, doc_count_all
    alive: np.ndarray
    columns: dict[str, np.ndarray]
    values: dict[str, Sequence[str]]  # the id column's: SortedStrings
    years: dict[str, np.ndarray]  # with every column only, as the topics and coordinates
    topics: topic_index.TopicColumns | None
    coordinates: dict[str, np.ndarray]


def segments(gen_dir: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    """A generation's segments (dir, offset, doc_count_all) and which entries live."""
    base, tail = _metas(gen_dir)
    part = gen_dir / ACCEL / (TAIL if tail is not None else MERGED)
    return base["segments"] + (tail["segments"] if tail else []), Arrays(part).read(ALIVE)


def column_values(gen_dir: Path, name: str) -> list[str]:
    """A metadata column's values (not the id column's) without reading its codes."""
    base, tail = _metas(gen_dir)
    held = base["columns"][name]
    return held if tail is None else sorted(set(held) | set(tail["columns"][name]))


def read(gen_dir: Path, names: Sequence[str] = (*COLUMNS, *STORED_COLUMNS)) -> Merged:
    """A generation's layout, the columns `names` only (years, topics and coordinates
    with every column)."""
    base, tail = _metas(gen_dir)
    whole = Arrays(gen_dir / ACCEL / MERGED)
    part = Arrays(gen_dir / ACCEL / TAIL) if tail is not None else None
    columns: dict[str, np.ndarray] = {}
    values: dict[str, Sequence[str]] = {}
    for name in names:
        codes = whole.read(f"col.{name}.npy")
        held: Sequence[str] = (
            segment_ids(whole, base) if name == "id" else tuple(base["columns"][name])
        )
        if part is not None and tail is not None:
            more = part.read(f"col.{name}.npy")
            if name == "id":
                held, codes = _join_ids(held, codes, segment_ids(part, tail), more)  # type: ignore[arg-type]
            else:
                held, codes = _join(held, codes, tail["columns"][name], more)
        columns[name], values[name] = codes, held
    full = set(names) >= set(COLUMNS)
    return Merged(
        doc_count_all=(tail or base)["doc_count_all"],
        segments=base["segments"] + (tail["segments"] if tail else []),
        alive=(part if part is not None else whole).read(ALIVE),
        columns=columns,
        values=values,
        years={n: _joined(whole, part, f"{n}.npy") for n in YEAR_COLUMNS} if full else {},
        topics=_topics(whole, part) if full else None,
        coordinates={n: _joined(whole, part, f"{n}.npy", mapped=True) for n in COORDINATES}
        if full
        else {},
    )


def _metas(gen_dir: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    base = json.loads((gen_dir / ACCEL / MERGED / META).read_text(encoding="utf-8"))
    tail_meta = gen_dir / ACCEL / TAIL / META
    tail = json.loads(tail_meta.read_text(encoding="utf-8")) if tail_meta.is_file() else None
    return base, tail


def _joined(whole: Arrays, part: Arrays | None, name: str, *, mapped: bool = False) -> np.ndarray:
    """A per-entry array of the whole layout (a view of its pack when `mapped`), with the
    tail's after it."""
    held = whole.map(name) if mapped else whole.read(name)
    return held if part is None else np.concatenate([held, part.read(name)])


def _join(
    held: Sequence[str], codes: np.ndarray, more: Sequence[str], more_codes: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray]:
    """A column's codes into `held` (sorted values) followed by codes into `more`, as
    codes into the values of both (the base's codes remapped only when the tail brings a
    value the base lacks)."""
    lookup = {v: i for i, v in enumerate(held)}
    if all(v in lookup for v in more):
        remap = np.asarray([lookup[v] for v in more], dtype=np.int32)
        return tuple(held), np.concatenate([codes, remap[more_codes]])
    values = sorted({*held, *more})
    lookup = {v: i for i, v in enumerate(values)}
    old = np.asarray([lookup[v] for v in held], dtype=np.int32)
    new = np.asarray([lookup[v] for v in more], dtype=np.int32)
    return tuple(values), np.concatenate([old[codes], new[more_codes]])


def _join_ids(
    held: SortedStrings, codes: np.ndarray, more: SortedStrings, more_codes: np.ndarray
) -> tuple[SortedStrings, np.ndarray]:
    """The id column joined as `_join` joins the others, on the ids' bytes: an update that
    edits entries adds no id, and the base's values are taken as they are mapped."""
    old, new = held.array, more.array
    at = np.searchsorted(old, new)
    found = at < len(old)
    found[found] = old[at[found]] == new[found]
    if found.all():
        return held, np.concatenate([codes, at.astype(np.int32)[more_codes]])
    width = max(old.dtype.itemsize, new.dtype.itemsize, 1)
    added = at[~found]
    values = np.insert(old.astype(f"S{width}"), added, new[~found])
    shifted = codes + np.searchsorted(added, codes, side="right").astype(np.int32)
    tail = np.searchsorted(values, new).astype(np.int32)[more_codes]
    return SortedStrings(values), np.concatenate([shifted, tail])


def _topics(whole: Arrays, part: Arrays | None) -> topic_index.TopicColumns:
    held = topic_index.load(whole)
    return held if part is None else topic_index.join(held, topic_index.load(part))
