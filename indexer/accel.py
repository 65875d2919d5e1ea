"""A generation's arrays as a query reads them: postings per field and segment, word
pairs, metadata columns, years, topics, coordinates and titles (written by
indexer.postings; memory-mapped where they are large, so workers share them through the
page cache).  The layout constants live here: the writer and the readers agree on them.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from indexer import titles as title_store
from indexer import topic_index

ACCEL = "accel"
MERGED = "index"
# Facet/metadata columns exported per document (ID fields marked sortable in the schema).
COLUMNS = ("id", "language", "locale", "country", "city", "kind", "translated")
YEAR_COLUMNS = ("year_from", "year_to")
# Columns read from the stored entries rather than Whoosh columns (indexer.places).
STORED_COLUMNS = ("place_key",)
COORDINATES = ("lat", "lon")  # float32 per document, NaN where the city is not located


def mapped(path: Path) -> np.ndarray:
    """An .npy file memory-mapped, as a plain ndarray view: slicing an np.memmap costs ten
    times a view's (1.1 against 0.1 us, measured), and a query slices thousands of times."""
    return np.asarray(np.load(path, mmap_mode="r"))


def concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


class SortedStrings(Sequence[str]):
    """A merged column's values (sorted, distinct) in one UTF-8 buffer, for the id column:
    100k ids as str objects took 5.9 MB in each process, and a forked worker copied the
    master's pages as it touched their reference counts.  Read by position (negative too;
    no slices).  Lone surrogates (JSON can carry them) are kept with "surrogatepass": their
    bytes still sort as the code points do, so an id with one is found, never an error."""

    __slots__ = ("_at", "_blob")

    def __init__(self, values: Sequence[str]) -> None:
        encoded = [v.encode("utf-8", _SURROGATES) for v in values]
        self._blob = b"".join(encoded)
        self._at = array("q", [0])
        total = 0
        for e in encoded:
            total += len(e)
            self._at.append(total)

    def __len__(self) -> int:
        return len(self._at) - 1

    def __getitem__(self, code: int) -> str:  # type: ignore[override]
        size = len(self)
        if code < 0:
            code += size
        if not 0 <= code < size:
            raise IndexError(code)
        return self._blob[self._at[code] : self._at[code + 1]].decode("utf-8", _SURROGATES)

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))

    def find(self, value: str) -> int:
        """The value's code, -1 when the column lacks it (binary search: UTF-8 bytes sort
        as the str values they encode)."""
        target = value.encode("utf-8", _SURROGATES)
        at, blob = self._at, self._blob
        low, high = 0, len(self)
        while low < high:
            middle = (low + high) // 2
            if blob[at[middle] : at[middle + 1]] < target:
                low = middle + 1
            else:
                high = middle
        found = low < len(self) and blob[at[low] : at[low + 1]] == target
        return low if found else -1

    def find_all(self, values: Sequence[str]) -> np.ndarray:
        """Each value's code (-1 where the column lacks it), in one merge of the values,
        sorted, with the column (str order is the UTF-8 bytes' order, lone surrogates
        included): reading the groups of 100k entries (40k grouped ids) takes 0.08 s,
        where `find` one id at a time made it 0.19 (measured).  For large batches: the
        merge walks the column up to the largest value asked for.  It makes no object per
        value (a sorted list of (bytes, index) pairs had left 2.5 MB of a process's heap
        fragmented after open)."""
        order = np.argsort(np.asarray(values, dtype=object), kind="stable")
        codes = np.full(len(values), -1, dtype=np.int64)
        at, blob, size = self._at, self._blob, len(self)
        code = 0
        for i in order:
            target = values[i].encode("utf-8", _SURROGATES)
            while code < size and blob[at[code] : at[code + 1]] < target:
                code += 1
            if code == size:
                break
            if blob[at[code] : at[code + 1]] == target:
                codes[i] = code
        return codes


_SURROGATES = "surrogatepass"


@dataclass(frozen=True, slots=True)
class SegmentPostings:
    """One segment's inverted index for one field (local docnums)."""

    terms: dict[str, int]
    ptr: np.ndarray
    docs: np.ndarray
    tf: np.ndarray
    offset: int

    def slice(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        tid = self.terms.get(term)
        if tid is None:
            return None
        start, end = self.ptr[tid], self.ptr[tid + 1]
        return self.docs[start:end], self.tf[start:end]


class FieldPostings:
    """One field's postings over all segments: term -> (global docnums, tf)."""

    def __init__(self, segments: list[SegmentPostings], lengths: np.ndarray) -> None:
        self.segments = segments
        self.lengths = lengths

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = [(seg, hit) for seg in self.segments if (hit := seg.slice(term)) is not None]
        if not found:
            return None
        if len(found) == 1:
            seg, (docs, tf) = found[0]
            return (docs + seg.offset if seg.offset else docs), tf
        docs = np.concatenate([d.astype(np.int64) + seg.offset for seg, (d, _) in found])
        return docs, np.concatenate([tf for _, (_, tf) in found])

    def doc_frequency(self, term: str) -> int:
        total = 0
        for seg in self.segments:
            tid = seg.terms.get(term)
            if tid is not None:
                total += int(seg.ptr[tid + 1] - seg.ptr[tid])
        return total

    @cached_property
    def vocabulary(self) -> tuple[np.ndarray, np.ndarray]:
        """Every term, sorted, with its document frequency (prefix and typo lookups)."""
        counts: dict[str, int] = {}
        for seg in self.segments:
            df = np.diff(seg.ptr).tolist()
            for t, tid in seg.terms.items():
                counts[t] = counts.get(t, 0) + df[tid]
        terms = sorted(counts)
        return np.asarray(terms, dtype=str), np.asarray([counts[t] for t in terms], dtype=np.int64)

    def __bool__(self) -> bool:
        return any(seg.terms for seg in self.segments)


@dataclass(frozen=True, slots=True)
class PairIndex:
    """Consecutive word pairs -> entries, over all segments (written by `_export_stored`)."""

    segments: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]  # keys, ptr, docs, offset

    def docs(self, key: np.uint64) -> np.ndarray:
        found = []
        for keys, ptr, docs, offset in self.segments:
            i = int(np.searchsorted(keys, key))
            if i < len(keys) and keys[i] == key:
                found.append(docs[ptr[i] : ptr[i + 1]].astype(np.int64) + offset)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Accel:
    """A generation's arrays (memory-mapped: shared by workers through the page cache)."""

    doc_count_all: int
    alive: np.ndarray
    fields: dict[str, FieldPostings]
    pairs: PairIndex
    columns: dict[str, np.ndarray]
    # Tuples (the cyclic GC stops visiting them); the id column's are SortedStrings.
    values: dict[str, Sequence[str]]
    years: dict[str, np.ndarray]
    topics: topic_index.TopicColumns | None = None
    coordinates: dict[str, np.ndarray] = field(default_factory=dict)  # lat, lon (NaN: none)
    titles: title_store.Titles | None = None  # None: exported before titles were


def _vocabulary(path: Path) -> str | None:
    """A segment's terms of a field, one per line; None when the segment has none (its
    export writes no files for the field; earlier exports wrote an empty one)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def load(gen_dir: Path, *, postings: bool = True) -> Accel:
    """A generation's arrays; without `postings` only the metadata columns (cheap)."""
    base = gen_dir / ACCEL / MERGED
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    seg_dirs = [(gen_dir / ACCEL / seg["dir"], seg["offset"]) for seg in meta["segments"]]
    names = sorted({p.name[: -len(".vocab")] for d, _ in seg_dirs for p in d.glob("*.vocab")})
    if not postings:
        names = []
    counts = [seg["doc_count_all"] for seg in meta["segments"]]
    fields_: dict[str, FieldPostings] = {}
    for name in names:
        vocabularies = [_vocabulary(d / f"{name}.vocab") for d, _ in seg_dirs]
        if not any(vocabularies) and not name.endswith("_f"):
            continue  # a language no entry is written in: no arrays to hold
        segments = []
        lengths = []
        for (seg_dir, offset), vocab, count in zip(seg_dirs, vocabularies, counts, strict=True):
            if vocab is None:  # no term of the field in the segment: no files written
                lengths.append(np.zeros(count, dtype=np.float32))
                continue
            terms = vocab.split("\n") if vocab else []
            segments.append(
                SegmentPostings(
                    terms={t: i for i, t in enumerate(terms)},
                    ptr=mapped(seg_dir / f"{name}.ptr.npy"),
                    docs=mapped(seg_dir / f"{name}.docs.npy"),
                    tf=mapped(seg_dir / f"{name}.tf.npy"),
                    offset=offset,
                )
            )
            lengths.append(np.load(seg_dir / f"{name}.len.npy"))
        fields_[name] = FieldPostings(segments, concat(lengths, np.float32))
    pairs = PairIndex(
        [
            (
                mapped(d / "pairs.keys.npy"),
                mapped(d / "pairs.ptr.npy"),
                mapped(d / "pairs.docs.npy"),
                offset,
            )
            for d, offset in seg_dirs
        ]
        if postings
        else []
    )
    return Accel(
        doc_count_all=meta["doc_count_all"],
        alive=np.load(base / "alive.npy"),
        fields=fields_,
        pairs=pairs,
        columns={n: np.load(base / f"col.{n}.npy") for n in (*COLUMNS, *STORED_COLUMNS)},
        values={
            name: SortedStrings(v) if name == "id" else tuple(v)
            for name, v in meta["columns"].items()
        },
        years={n: np.load(base / f"{n}.npy") for n in YEAR_COLUMNS},
        topics=topic_index.load(base),
        coordinates={n: mapped(base / f"{n}.npy") for n in COORDINATES},
        titles=title_store.load(seg_dirs),
    )
