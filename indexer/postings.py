"""Whoosh postings and facet columns as numpy arrays, written next to each generation.

Whoosh stays the index of record; this is derived data that lets a query be a few vectorised
adds, a top-k and a bincount instead of Whoosh's per-posting Python loop.  Segments never
change once written, so each segment is exported once (`accel/seg-<id>/`) and carried into
later generations by hard link.  A query reads the segments' postings side by side; the
generation itself only records its segments, deletions and merged metadata columns
(`accel/index/`), so an update that adds one entry costs milliseconds, not a re-sort.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields as wfields
from whoosh.reading import IndexReader, SegmentReader

from corpus.model import MAX_YEAR, MIN_YEAR
from indexer import titles as title_store
from indexer import topic_index
from indexer.accel import (  # noqa: F401  (re-exported: the layout and the reader)
    ACCEL,
    COLUMNS,
    COORDINATES,
    ID_VALUES,
    MERGED,
    STORED_COLUMNS,
    YEAR_COLUMNS,
    Accel,
    FieldPostings,
    PairIndex,
    SegmentPostings,
    SortedStrings,
    concat,
    live_columns,
    load,
    segment_ids,
)
from indexer.analysis import folded_words, pair_keys
from indexer.concepts import ConceptIndex
from indexer.groups import WordEvidence, signature
from indexer.npyfiles import read_array
from indexer.signatures import save_signatures
from indexer.workers import die_with_parent

log = logging.getLogger(__name__)

NO_YEAR = 0


def text_fields(schema: wfields.Schema) -> list[str]:
    return sorted(name for name, field in schema.items() if isinstance(field, wfields.TEXT))


def _raw_postings(segreader: Any, fieldname: str, tbytes: bytes) -> tuple[list[int], list[float]]:
    """All postings of a term including deleted documents (deletions are applied at load)."""
    field = segreader.schema[fieldname]
    matcher = segreader._terms.matcher(fieldname, tbytes, field.format)
    ids: list[int] = []
    weights: list[float] = []
    read_block = getattr(matcher, "_read_ids", None)
    if read_block is None:  # inlined or list postings
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        matcher._next_block()
    return ids, weights


def export_written(
    writer: Any, written: Iterable[Mapping[str, Any]], lexicon: ConceptIndex
) -> None:
    """Export the segment a writer process has just written (`writer`: its SegmentWriter),
    in that process, from the documents it wrote (`written`, in docnum order) instead of
    their stored copies: a build's export then needs no processes of its own, nor to
    decompress and unpickle every stored entry (1.1 s for 50k, measured)."""
    segment = writer.get_segment()
    accel = Path(writer.storage.folder) / ACCEL
    accel.mkdir(exist_ok=True)
    with SegmentReader(writer.storage, writer.schema, segment) as segreader:
        stored = (fields["doc"] for fields in written)
        export_segment(segreader, accel / f"seg-{segment.segment_id()}", lexicon, stored)


def export_segment(
    segreader: Any,
    out: Path,
    lexicon: ConceptIndex,
    stored: Iterable[Mapping[str, Any]] | None = None,
) -> None:
    """Write one segment's postings and columns as arrays (local docnums); `stored`: the
    segment's stored entries in docnum order, when the caller has them."""
    tmp = out.with_name(out.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    schema = segreader.schema
    meta: dict[str, Any] = {"doc_count_all": segreader.doc_count_all(), "columns": {}}
    for name in text_fields(schema):
        terms: list[str] = []
        ptr = [0]
        docs: list[int] = []
        tfs: list[float] = []
        if name in segreader._terms.indexed_field_names():
            for tbytes in segreader.lexicon(name):
                ids, weights = _raw_postings(segreader, name, tbytes)
                terms.append(tbytes.decode("utf-8"))
                docs.extend(ids)
                tfs.extend(weights)
                ptr.append(len(docs))
        if not terms and not name.endswith("_f"):  # the folded fields are always read
            continue  # a language with no entry here: no files (an update's one-entry
            # segment wrote 407 files, 5 per field, most of them empty)
        doc_array = np.asarray(docs, dtype=np.int32)
        tf_array = np.minimum(np.asarray(tfs), 65535).astype(np.uint16)
        lengths = np.bincount(doc_array, weights=tf_array, minlength=meta["doc_count_all"])
        (tmp / f"{name}.vocab").write_text("\n".join(terms), encoding="utf-8")
        np.save(tmp / f"{name}.ptr.npy", np.asarray(ptr, dtype=np.int64))
        np.save(tmp / f"{name}.docs.npy", doc_array)
        np.save(tmp / f"{name}.tf.npy", tf_array)
        np.save(tmp / f"{name}.len.npy", lengths.astype(np.float32))
    if stored is None:
        count = segreader.doc_count_all()
        stored = (segreader.stored_fields(docnum)["doc"] for docnum in range(count))
    for name, values in _export_stored(segreader, tmp, lexicon, stored).items():
        codes, uniques = _encode(values)
        meta["columns"][name] = uniques
        np.save(tmp / f"col.{name}.npy", codes)
    for name in COLUMNS:
        values = [v or "" for v in segreader.column_reader(name)]
        codes, uniques = _encode(values)
        if name == "id":  # as bytes beside the codes: every update merges them again
            SortedStrings(uniques).save(tmp / ID_VALUES)
        else:
            meta["columns"][name] = uniques
        np.save(tmp / f"col.{name}.npy", codes)
    for name in YEAR_COLUMNS:
        # Whoosh fills a missing number with the column default (0xFFFF for 16 bits).
        years = [
            int(v) if v and MIN_YEAR <= v <= MAX_YEAR else NO_YEAR
            for v in segreader.column_reader(name)
        ]
        np.save(tmp / f"{name}.npy", np.asarray(years, dtype=np.int16))
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    tmp.rename(out)


def _export_stored(
    segreader: Any, out: Path, lexicon: ConceptIndex, entries: Iterable[Mapping[str, Any]]
) -> dict[str, list[str]]:
    """One pass over the segment's stored `entries` (in docnum order) for what the postings lack:

    - pairs of consecutive folded words as sorted 64-bit keys -> docnums (the phrase
      index: Whoosh could index pairs as terms, but at ~50 an entry that cost a third of
      the build; here it is a tenth of that);
    - each entry's translation-grouping signature, so a later build regroups from these
      instead of re-reading and re-analysing every stored entry;
    - each entry's coordinates (`lat`, `lon`) and place key (returned as a column);
    - each entry's title (indexer.titles), for the versions a hit lists.
    """
    keys: list[np.ndarray] = []
    docs: list[np.ndarray] = []
    signatures = []
    topics = []
    count = segreader.doc_count_all()
    coordinates = {name: np.full(count, np.nan, dtype=np.float32) for name in COORDINATES}
    place_keys: list[str] = []
    titles: list[str] = []
    seen: WordEvidence = {}
    for docnum, doc in enumerate(entries):
        titles.append(doc["title"])
        topics.append({k: doc.get(k, ()) for k in ("topics", "topic_scores")})
        signatures.append(signature(doc, lexicon, seen).to_list())
        place_keys.append(doc.get("place_key") or "")
        for name in COORDINATES:
            if doc.get(name) is not None:
                coordinates[name][docnum] = doc[name]
        for text in (doc["title"], doc["summary"], doc.get("body", "")):
            found = pair_keys(folded_words(text)) if text else None
            if found is not None and len(found):
                keys.append(found)
                docs.append(np.full(len(found), docnum, dtype=np.int32))
    if len(titles) != count:
        raise ValueError(f"{len(titles)} stored entries for a segment of {count}")
    all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    order = np.lexsort((all_docs, all_keys))
    all_keys, all_docs = all_keys[order], all_docs[order]
    fresh = np.ones(len(all_keys), dtype=bool)
    fresh[1:] = (all_keys[1:] != all_keys[:-1]) | (all_docs[1:] != all_docs[:-1])
    all_keys, all_docs = all_keys[fresh], all_docs[fresh]
    unique, starts = np.unique(all_keys, return_index=True)
    np.save(out / "pairs.keys.npy", unique)
    np.save(out / "pairs.ptr.npy", np.append(starts, len(all_keys)).astype(np.int64))
    np.save(out / "pairs.docs.npy", all_docs)
    save_signatures(out, signatures)
    topic_index.save_segment(out, topics)
    title_store.save_segment(out, titles)
    for name, values in coordinates.items():
        np.save(out / f"{name}.npy", values)
    return {"place_key": place_keys}


def _encode(values: list[str]) -> tuple[np.ndarray, list[str]]:
    uniques = sorted(set(values))
    lookup = {v: i for i, v in enumerate(uniques)}
    return np.asarray([lookup[v] for v in values], dtype=np.int32), uniques


def build(
    reader: IndexReader,
    gen_dir: Path,
    lexicon: ConceptIndex,
    procs: int = 1,
    previous: Path | None = None,
) -> dict[str, int]:
    """Export segments missing from `gen_dir/accel` (in parallel when there are several,
    as after a multiprocess build) and record the generation's layout (extending that of
    `previous`, the generation whose segments this one carried over, where it can)."""
    accel = gen_dir / ACCEL
    accel.mkdir(exist_ok=True)
    leaves = list(reader.leaf_readers())
    seg_dirs = [accel / f"seg-{sr.segment().segment_id()}" for sr, _ in leaves]
    missing = [(sr, d) for (sr, _), d in zip(leaves, seg_dirs, strict=True) if not d.is_dir()]
    if procs > 1 and len(missing) > 1:
        context = multiprocessing.get_context("fork")  # children inherit loaded analysers
        pool = ProcessPoolExecutor(
            min(procs, len(missing)),
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        with pool:
            jobs = [
                pool.submit(_export_in_child, str(gen_dir), sr.segment().segment_id(), d, lexicon)
                for sr, d in missing
            ]
            for job in jobs:
                job.result()
    else:
        for segreader, seg_dir in missing:
            export_segment(segreader, seg_dir, lexicon)
    keep = {d.name for d in seg_dirs} | {MERGED}
    for stale in accel.iterdir():  # segments merged away by Whoosh
        if stale.name not in keep:
            shutil.rmtree(stale)
    held = None if previous is None else previous / ACCEL / MERGED
    _write_layout(reader, leaves, seg_dirs, accel / MERGED, held)
    return {"segments": len(leaves), "exported": len(missing)}


def _export_in_child(gen_dir: str, segment_id: str, out: Path, lexicon: ConceptIndex) -> None:
    from whoosh import index as windex

    with windex.open_dir(gen_dir).reader() as reader:
        for segreader, _ in reader.leaf_readers():
            if segreader.segment().segment_id() == segment_id:
                export_segment(segreader, out, lexicon)
                return
    raise LookupError(f"segment {segment_id} not in {gen_dir}")


def _write_layout(
    reader: IndexReader, leaves: list, seg_dirs: list[Path], out: Path, previous: Path | None
) -> None:
    """Segments in docnum order, deletions, and metadata columns over the whole index
    (`previous`: the merged layout of the generation this one follows, if any)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    total = reader.doc_count_all()
    alive = np.ones(total, dtype=bool)
    for segreader, offset in leaves:
        deleted = list(segreader.deleted_docs_set) if segreader.has_deletions() else []
        if deleted:
            alive[np.asarray(deleted, dtype=np.int64) + offset] = False
    np.save(out / "alive.npy", alive)
    metas = [json.loads((d / "meta.json").read_text(encoding="utf-8")) for d in seg_dirs]
    merged_meta: dict[str, Any] = {
        "doc_count_all": total,
        "segments": [
            {"dir": d.name, "offset": offset, "doc_count_all": m["doc_count_all"]}
            for d, (_, offset), m in zip(seg_dirs, leaves, metas, strict=True)
        ],
        "columns": {},
    }
    _merge_ids(seg_dirs, metas, out, previous)
    for name in (*COLUMNS, *STORED_COLUMNS):
        if name == "id":
            continue
        uniques = sorted({v for m in metas for v in m["columns"][name]})
        lookup = {v: i for i, v in enumerate(uniques)}
        parts = []
        for seg_dir, meta in zip(seg_dirs, metas, strict=True):
            remap = np.asarray([lookup[v] for v in meta["columns"][name]], dtype=np.int32)
            parts.append(remap[read_array(seg_dir / f"col.{name}.npy")])
        np.save(out / f"col.{name}.npy", concat(parts, np.int32))
        merged_meta["columns"][name] = uniques
    for name in YEAR_COLUMNS:
        parts = [read_array(d / f"{name}.npy") for d in seg_dirs]
        np.save(out / f"{name}.npy", concat(parts, np.int16))
    topic_index.merge(seg_dirs, out)
    for name in COORDINATES:
        parts = [read_array(d / f"{name}.npy") for d in seg_dirs]
        np.save(out / f"{name}.npy", concat(parts, np.float32))
    (out / "meta.json").write_text(json.dumps(merged_meta, ensure_ascii=False), encoding="utf-8")


def _merge_ids(
    seg_dirs: list[Path], metas: list[dict[str, Any]], out: Path, previous: Path | None
) -> None:
    """The id column over all segments: the sorted distinct ids as bytes, and each
    segment's codes mapped into them by one vectorised binary search (as str values in
    meta.json, 100k ids took 30-40 ms of every update to merge, write and read back).
    When the segments are `previous`'s (its merged layout) and some after them, its column
    is extended: the few new ids inserted, the old codes shifted past them (a sort of
    every id took 20 ms of a one-entry update at 100k), or its values linked when none
    is new."""
    ids = [segment_ids(d, m).array for d, m in zip(seg_dirs, metas, strict=True)]
    kept = _kept_segments(seg_dirs, previous)
    same = False  # the previous values, unchanged (as when entries were edited, not added)
    if kept:
        held = read_array(previous / ID_VALUES)  # type: ignore[operator]
        new = np.unique(np.concatenate(ids[kept:]))
        width = max(held.dtype.itemsize, new.dtype.itemsize, 1)
        held = held.astype(f"S{width}")
        at = np.searchsorted(held, new)
        found = at < len(held)
        found[found] = held[at[found]] == new[found]
        same = bool(found.all())  # (an id wider than every held one is not found)
        merged = np.insert(held, at[~found], new[~found])
        old = read_array(previous / "col.id.npy")  # type: ignore[operator]
        parts = [old + np.searchsorted(at[~found], old, side="right").astype(np.int32)]
        tail = zip(seg_dirs[kept:], ids[kept:], strict=True)
    else:
        merged = np.unique(np.concatenate(ids)) if ids else np.zeros(0, dtype="S1")
        parts = []
        tail = zip(seg_dirs, ids, strict=True)
    parts += [
        np.searchsorted(merged, own).astype(np.int32)[read_array(d / "col.id.npy")]
        for d, own in tail
    ]
    np.save(out / "col.id.npy", concat(parts, np.int32))
    if same:  # linked: nothing to write and checksum, and a reopen sees the same file
        os.link(previous / ID_VALUES, out / ID_VALUES)  # type: ignore[operator]
    else:
        SortedStrings(merged).save(out / ID_VALUES)


def _kept_segments(seg_dirs: list[Path], previous: Path | None) -> int:
    """How many of `seg_dirs`, in order, a previous merged layout (with the id column as
    bytes) holds as its segments, all of them; 0 when it does not."""
    if previous is None or not (previous / ID_VALUES).is_file():
        return 0
    try:
        meta = json.loads((previous / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    names = [seg["dir"] for seg in meta["segments"]]
    held = [d.name for d in seg_dirs[: len(names)]]
    return len(names) if names and held == names and len(seg_dirs) > len(names) else 0
