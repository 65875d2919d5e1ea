"""Whoosh postings and facet columns as numpy arrays, written next to each generation.

Whoosh stays the index of record; this is derived data that lets a query be a few vectorised
adds, a top-k and a bincount instead of Whoosh's per-posting Python loop.  Segments never
change once written, so each segment is exported once (`accel/seg-<id>/`) and carried into
later generations by hard link; the generation's merged view (`accel/index/`) is rebuilt
from those on every build, which costs seconds at 100k entries, not a re-read of Whoosh.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields as wfields
from whoosh.reading import IndexReader

log = logging.getLogger(__name__)

ACCEL = "accel"
MERGED = "index"
# Facet/metadata columns exported per document (ID fields marked sortable in the schema).
COLUMNS = ("id", "language", "locale", "country", "city", "kind", "translated")
YEAR_COLUMNS = ("year_from", "year_to")
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


def export_segment(segreader: Any, out: Path) -> None:
    """Write one segment's postings and columns as arrays (local docnums)."""
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
        (tmp / f"{name}.vocab").write_text("\n".join(terms), encoding="utf-8")
        np.save(tmp / f"{name}.ptr.npy", np.asarray(ptr, dtype=np.int64))
        np.save(tmp / f"{name}.docs.npy", np.asarray(docs, dtype=np.int32))
        np.save(tmp / f"{name}.tf.npy", np.minimum(np.asarray(tfs), 65535).astype(np.uint16))
    for name in COLUMNS:
        values = [v or "" for v in segreader.column_reader(name)]
        codes, uniques = _encode(values)
        meta["columns"][name] = uniques
        np.save(tmp / f"col.{name}.npy", codes)
    for name in YEAR_COLUMNS:
        # Whoosh fills a missing number with the column default (0xFFFF for 16 bits).
        years = [int(v) if v and 1000 <= v < 3000 else NO_YEAR
                 for v in segreader.column_reader(name)]
        np.save(tmp / f"{name}.npy", np.asarray(years, dtype=np.int16))
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    tmp.rename(out)


def _encode(values: list[str]) -> tuple[np.ndarray, list[str]]:
    uniques = sorted(set(values))
    lookup = {v: i for i, v in enumerate(uniques)}
    return np.asarray([lookup[v] for v in values], dtype=np.int32), uniques


def _read_vocab(path: Path) -> np.ndarray:
    text = path.read_text(encoding="utf-8")
    return np.asarray(text.split("\n") if text else [], dtype=str)


def build(reader: IndexReader, gen_dir: Path) -> dict[str, int]:
    """Export segments missing from `gen_dir/accel` and write the merged generation view."""
    accel = gen_dir / ACCEL
    accel.mkdir(exist_ok=True)
    leaves = list(reader.leaf_readers())
    seg_dirs = []
    exported = 0
    for segreader, _offset in leaves:
        seg_dir = accel / f"seg-{segreader.segment().segment_id()}"
        if not seg_dir.is_dir():
            export_segment(segreader, seg_dir)
            exported += 1
        seg_dirs.append(seg_dir)
    keep = {d.name for d in seg_dirs} | {MERGED}
    for stale in accel.iterdir():  # segments merged away by Whoosh
        if stale.name not in keep:
            _rmtree(stale)
    _merge(reader, leaves, seg_dirs, accel / MERGED)
    return {"segments": len(leaves), "exported": exported}


def _rmtree(path: Path) -> None:
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def _merge(reader: IndexReader, leaves: list, seg_dirs: list[Path], out: Path) -> None:
    if out.exists():
        _rmtree(out)
    out.mkdir()
    offsets = [offset for _, offset in leaves]
    total = reader.doc_count_all()
    alive = np.ones(total, dtype=bool)
    for segreader, offset in leaves:
        deleted = list(segreader.deleted_docs_set) if segreader.has_deletions() else []
        if deleted:
            alive[np.asarray(deleted, dtype=np.int64) + offset] = False
    np.save(out / "alive.npy", alive)
    metas = [json.loads((d / "meta.json").read_text(encoding="utf-8")) for d in seg_dirs]
    for name in text_fields(reader.schema):
        _merge_field(name, seg_dirs, offsets, total, out)
    merged_meta: dict[str, Any] = {"doc_count_all": total, "columns": {}}
    for name in COLUMNS:
        uniques = sorted({v for m in metas for v in m["columns"][name]})
        lookup = {v: i for i, v in enumerate(uniques)}
        parts = []
        for seg_dir, meta in zip(seg_dirs, metas, strict=True):
            remap = np.asarray([lookup[v] for v in meta["columns"][name]], dtype=np.int32)
            parts.append(remap[np.load(seg_dir / f"col.{name}.npy")])
        np.save(out / f"col.{name}.npy", _concat(parts, np.int32))
        merged_meta["columns"][name] = uniques
    for name in YEAR_COLUMNS:
        parts = [np.load(d / f"{name}.npy") for d in seg_dirs]
        np.save(out / f"{name}.npy", _concat(parts, np.int16))
    (out / "meta.json").write_text(json.dumps(merged_meta, ensure_ascii=False), encoding="utf-8")


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _merge_field(
    name: str, seg_dirs: list[Path], offsets: list[int], total: int, out: Path
) -> None:
    vocabs = [_read_vocab(d / f"{name}.vocab") for d in seg_dirs]
    ptrs = [np.load(d / f"{name}.ptr.npy") for d in seg_dirs]
    docs = [np.load(d / f"{name}.docs.npy") for d in seg_dirs]
    tfs = [np.load(d / f"{name}.tf.npy") for d in seg_dirs]
    if len(seg_dirs) == 1:
        vocab, ptr, doc, tf = vocabs[0], ptrs[0], docs[0].astype(np.int32), tfs[0]
    else:
        vocab = np.unique(np.concatenate(vocabs)) if vocabs else np.zeros(0, dtype=str)
        tids, all_docs = [], []
        for v, p, d, offset in zip(vocabs, ptrs, docs, offsets, strict=True):
            global_ids = np.searchsorted(vocab, v).astype(np.int32)
            tids.append(np.repeat(global_ids, np.diff(p)))
            all_docs.append(d.astype(np.int64) + offset)
        tid = _concat(tids, np.int32)
        order = np.argsort(tid, kind="stable")  # segments are in docnum order: stays sorted
        doc = _concat(all_docs, np.int64)[order].astype(np.int32)
        tf = _concat(tfs, np.uint16)[order]
        ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(tid, minlength=len(vocab)), out=ptr[1:])
    lengths = np.bincount(doc, weights=tf, minlength=total).astype(np.float32)
    (out / f"{name}.vocab").write_text("\n".join(vocab.tolist()), encoding="utf-8")
    np.save(out / f"{name}.ptr.npy", ptr)
    np.save(out / f"{name}.docs.npy", doc)
    np.save(out / f"{name}.tf.npy", tf)
    np.save(out / f"{name}.len.npy", lengths)


@dataclass(frozen=True, slots=True)
class FieldPostings:
    """One field's inverted index: term -> slice of (docs, tf)."""

    terms: dict[str, int]
    vocab: np.ndarray  # sorted terms, for prefix and fuzzy lookups
    ptr: np.ndarray
    docs: np.ndarray
    tf: np.ndarray
    lengths: np.ndarray

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        tid = self.terms.get(term)
        if tid is None:
            return None
        start, end = self.ptr[tid], self.ptr[tid + 1]
        return self.docs[start:end], self.tf[start:end]

    def doc_frequency(self, term: str) -> int:
        tid = self.terms.get(term)
        return 0 if tid is None else int(self.ptr[tid + 1] - self.ptr[tid])


@dataclass(frozen=True, slots=True)
class Accel:
    """A generation's merged arrays (memory-mapped: shared by workers through the page cache)."""

    doc_count_all: int
    alive: np.ndarray
    fields: dict[str, FieldPostings]
    columns: dict[str, np.ndarray]
    values: dict[str, list[str]]
    years: dict[str, np.ndarray]


def load(gen_dir: Path) -> Accel:
    base = gen_dir / ACCEL / MERGED
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    field_names = sorted(p.name[: -len(".vocab")] for p in base.glob("*.vocab"))
    fields_: dict[str, FieldPostings] = {}
    for name in field_names:
        vocab = _read_vocab(base / f"{name}.vocab")
        fields_[name] = FieldPostings(
            terms={t: i for i, t in enumerate(vocab.tolist())},
            vocab=vocab,
            ptr=np.load(base / f"{name}.ptr.npy", mmap_mode="r"),
            docs=np.load(base / f"{name}.docs.npy", mmap_mode="r"),
            tf=np.load(base / f"{name}.tf.npy", mmap_mode="r"),
            lengths=np.load(base / f"{name}.len.npy"),
        )
    return Accel(
        doc_count_all=meta["doc_count_all"],
        alive=np.load(base / "alive.npy"),
        fields=fields_,
        columns={n: np.load(base / f"col.{n}.npy") for n in COLUMNS},
        values=meta["columns"],
        years={n: np.load(base / f"{n}.npy") for n in YEAR_COLUMNS},
    )
