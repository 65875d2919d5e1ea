"""Whoosh postings and facet columns as numpy arrays, written next to each generation.

Whoosh stays the index of record; this is derived data that lets a query be a few vectorised
adds, a top-k and a bincount instead of Whoosh's per-posting Python loop.  Segments never
change once written, so each segment is exported once (`accel/seg-<id>/`: its arrays in
one pack, indexer.arraypack, beside its JSON files) and carried into later generations by
hard link.  A query reads the segments' postings side by side; the generation itself only
records its segments, deletions and merged metadata columns (indexer.layout:
`accel/index/`, and after an update a tail over it), so an update that adds one entry
costs milliseconds, not a re-sort.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields as wfields
from whoosh.reading import IndexReader, SegmentReader

from corpus.model import MAX_YEAR, MIN_YEAR
from indexer import layout, topic_index
from indexer import titles as title_store
from indexer.accel import (
    ACCEL,
    COLUMNS,
    COORDINATES,
    ID_VALUES,
    MERGED,
    YEAR_COLUMNS,
    SortedStrings,
)
from indexer.analysis import folded_words, pair_keys
from indexer.arraypack import PackWriter
from indexer.codec import term_matchers
from indexer.concepts import ConceptIndex
from indexer.groups import WordEvidence, signature
from indexer.signatures import save_signatures
from indexer.workers import die_with_parent

log = logging.getLogger(__name__)

NO_YEAR = 0


def text_fields(schema: wfields.Schema) -> list[str]:
    return sorted(name for name, field in schema.items() if isinstance(field, wfields.TEXT))


def field_postings(
    segreader: Any, fieldname: str
) -> Iterator[tuple[bytes, list[int], list[float]]]:
    """Each term of a field with all its postings, deleted documents included (deletions
    are applied at load), in the terms' order."""
    for _, tbytes, matcher in term_matchers(segreader, fieldname):
        yield tbytes, *_all_postings(matcher)


def _all_postings(matcher: Any) -> tuple[list[int], list[float]]:
    """A term's matcher read to its end: ids and weights (a block at a time where it has
    blocks)."""
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
    pack = PackWriter(tmp)
    schema = segreader.schema
    meta: dict[str, Any] = {"doc_count_all": segreader.doc_count_all(), "columns": {}}
    for name in text_fields(schema):
        terms: list[str] = []
        ptr = [0]
        docs: list[int] = []
        tfs: list[float] = []
        for tbytes, ids, weights in field_postings(segreader, name):
            terms.append(tbytes.decode("utf-8"))
            docs.extend(ids)
            tfs.extend(weights)
            ptr.append(len(docs))
        if not terms and not name.endswith("_f"):  # the folded fields are always read
            continue  # a language with no entry here: no arrays (an update's one-entry
            # segment wrote 407 files, 5 per field, most of them empty)
        doc_array = np.asarray(docs, dtype=np.int32)
        tf_array = np.minimum(np.asarray(tfs), 65535).astype(np.uint16)
        lengths = np.bincount(doc_array, weights=tf_array, minlength=meta["doc_count_all"])
        pack.save_bytes(f"{name}.vocab", "\n".join(terms).encode("utf-8"))
        pack.save(f"{name}.ptr.npy", np.asarray(ptr, dtype=np.int64))
        pack.save(f"{name}.docs.npy", doc_array)
        pack.save(f"{name}.tf.npy", tf_array)
        pack.save(f"{name}.len.npy", lengths.astype(np.float32))
    if stored is None:
        count = segreader.doc_count_all()
        stored = (segreader.stored_fields(docnum)["doc"] for docnum in range(count))
    for name, values in _export_stored(segreader, pack, lexicon, stored).items():
        codes, uniques = _encode(values)
        meta["columns"][name] = uniques
        pack.save(f"col.{name}.npy", codes)
    for name in COLUMNS:
        values = [v or "" for v in segreader.column_reader(name)]
        codes, uniques = _encode(values)
        if name == "id":  # as bytes beside the codes: every update merges them again
            pack.save(ID_VALUES, SortedStrings(uniques).array)
        else:
            meta["columns"][name] = uniques
        pack.save(f"col.{name}.npy", codes)
    for name in YEAR_COLUMNS:
        # Whoosh fills a missing number with the column default (0xFFFF for 16 bits).
        years = [
            int(v) if v and MIN_YEAR <= v <= MAX_YEAR else NO_YEAR
            for v in segreader.column_reader(name)
        ]
        pack.save(f"{name}.npy", np.asarray(years, dtype=np.int16))
    pack.close()
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    tmp.rename(out)


def _export_stored(
    segreader: Any, pack: PackWriter, lexicon: ConceptIndex, entries: Iterable[Mapping[str, Any]]
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
    pack.save("pairs.keys.npy", unique)
    pack.save("pairs.ptr.npy", np.append(starts, len(all_keys)).astype(np.int64))
    pack.save("pairs.docs.npy", all_docs)
    save_signatures(pack, signatures)
    topic_index.save_segment(pack, topics)
    title_store.save_segment(pack, titles)
    for name, values in coordinates.items():
        pack.save(f"{name}.npy", values)
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
    keep = {d.name for d in seg_dirs} | {MERGED, layout.TAIL}
    for stale in accel.iterdir():  # segments merged away by Whoosh
        if stale.name not in keep:
            shutil.rmtree(stale)
    alive = np.ones(reader.doc_count_all(), dtype=bool)
    for segreader, offset in leaves:
        if segreader.has_deletions():
            deleted = np.fromiter(segreader.deleted_docs_set, dtype=np.int64)
            alive[deleted + offset] = False
    offsets = [offset for _, offset in leaves]
    layout.write(accel, alive, seg_dirs, offsets, None if previous is None else previous / ACCEL)
    return {"segments": len(leaves), "exported": len(missing)}


def _export_in_child(gen_dir: str, segment_id: str, out: Path, lexicon: ConceptIndex) -> None:
    from whoosh import index as windex

    with windex.open_dir(gen_dir).reader() as reader:
        for segreader, _ in reader.leaf_readers():
            if segreader.segment().segment_id() == segment_id:
                export_segment(segreader, out, lexicon)
                return
    raise LookupError(f"segment {segment_id} not in {gen_dir}")
