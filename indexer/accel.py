"""A generation's arrays as a query reads them: postings per field and segment, word
pairs, metadata columns, years, topics, coordinates and titles (written by
indexer.postings; memory-mapped where they are large, so workers share them through the
page cache).  The layout constants live here: the writer and the readers agree on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from indexer import titles as title_store
from indexer import topic_index
from indexer.arraypack import Arrays

ACCEL = "accel"
MERGED = "index"
# Facet/metadata columns exported per document (ID fields marked sortable in the schema).
COLUMNS = ("id", "language", "locale", "country", "city", "kind", "translated")
YEAR_COLUMNS = ("year_from", "year_to")
# Columns read from the stored entries rather than Whoosh columns (indexer.places).
STORED_COLUMNS = ("place_key",)
# The id column's values, sorted (SortedStrings), beside its codes in a segment and merged.
ID_VALUES = "col.id.values.npy"
COORDINATES = ("lat", "lon")  # float32 per document, NaN where the city is not located


def concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """The parts one after the other as `dtype`, in one copy (concatenating, then astype,
    copied every length array twice: ~2 ms of a reopen at 100k entries)."""
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts, dtype=dtype, casting="unsafe")


class SortedStrings(Sequence[str]):
    """A merged column's values (sorted, distinct) as one numpy array of their UTF-8 bytes
    (fixed width), for the id column: memory-mapped from the generation (its pack), so no
    process makes a str object per id (100k ids as str took 5.9 MB in each), and lookups
    are numpy's binary search.  Read by position (negative too; no slices).  Lone
    surrogates (JSON can carry them) are kept with "surrogatepass": their bytes still sort
    as the code points do, so an id with one is found, never an error.  Fixed-width bytes
    lose a value's trailing NULs: ids hold none (corpus.model.ID_RE), and a value asked
    for with a NUL is never found."""

    __slots__ = ("_values",)

    def __init__(self, values: Sequence[str] | np.ndarray) -> None:
        if isinstance(values, np.ndarray) and values.dtype.kind == "S":
            self._values = values
        else:
            self._values = encode_strings(values)

    @property
    def array(self) -> np.ndarray:
        return self._values

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, code: int) -> str:  # type: ignore[override]
        if not -len(self._values) <= code < len(self._values):
            raise IndexError(code)
        return bytes(self._values[code]).decode("utf-8", _SURROGATES)

    def __iter__(self) -> Iterator[str]:
        return (v.decode("utf-8", _SURROGATES) for v in self._values.tolist())

    def find(self, value: str) -> int:
        """The value's code, -1 when the column lacks it."""
        target = value.encode("utf-8", _SURROGATES)
        i = int(np.searchsorted(self._values, target))
        found = i < len(self._values) and self._values[i] == target and b"\0" not in target
        return i if found else -1

    def find_encoded(self, targets: np.ndarray) -> np.ndarray:
        """Each value's code (-1 where the column lacks it), for values as fixed-width
        bytes (encode_strings) without NUL, in one vectorised binary search: the 40k
        grouped ids of 100k entries in a few ms."""
        codes = np.full(len(targets), -1, dtype=np.int64)
        if not len(targets) or not len(self._values):
            return codes
        at = np.searchsorted(self._values, targets)
        inside = np.flatnonzero(at < len(self._values))
        same = self._values[at[inside]] == targets[inside]
        hit = inside[same]
        codes[hit] = at[hit]
        return codes


def encode_strings(values: Iterable[str]) -> np.ndarray:
    """Strings as a numpy array of their UTF-8 bytes (fixed width; see SortedStrings)."""
    encoded = [v.encode("utf-8", _SURROGATES) for v in values]
    return np.asarray(encoded, dtype=bytes) if encoded else np.zeros(0, dtype="S1")


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
        docs = np.empty(sum(len(d) for _, (d, _) in found), dtype=np.int64)
        at = 0
        for seg, (d, _) in found:  # each part offset into place: one pass, no temporaries
            np.add(d, np.int64(seg.offset), out=docs[at : at + len(d)])
            at += len(d)
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
    path: Path | None = None  # the generation's directory
    segments: dict[str, SegmentFields] = field(default_factory=dict)  # by segment directory


# One segment's postings and lengths per field that has files there (an empty term list
# for a field of an earlier export's empty files).
SegmentFields = dict[str, tuple[SegmentPostings, np.ndarray]]


def _segment_fields(arrays: Arrays, offset: int) -> SegmentFields:
    found: SegmentFields = {}
    for vocab_name in arrays.names():
        if not vocab_name.endswith(".vocab"):
            continue
        name = vocab_name[: -len(".vocab")]
        vocab = arrays.text(vocab_name)
        terms = vocab.split("\n") if vocab else []
        postings = SegmentPostings(
            terms={t: i for i, t in enumerate(terms)},
            ptr=arrays.map(f"{name}.ptr.npy"),
            docs=arrays.map(f"{name}.docs.npy"),
            tf=arrays.map(f"{name}.tf.npy"),
            offset=offset,
        )
        found[name] = (postings, arrays.read(f"{name}.len.npy"))
    return found


def _shared(previous: Accel | None, seg_dir: Path, offset: int) -> SegmentFields | None:
    """A segment's fields as `previous` loaded them, when it holds the same segment (the
    same files, hard-linked: segments are never rewritten), moved to `offset`."""
    if previous is None or previous.path is None:
        return None
    fields_of = previous.segments.get(seg_dir.name)
    old_dir = previous.path / ACCEL / seg_dir.name
    try:
        if fields_of is None or not (seg_dir / "meta.json").samefile(old_dir / "meta.json"):
            return None
    except OSError:
        return None
    return {
        name: (postings if postings.offset == offset else replace(postings, offset=offset), lengths)
        for name, (postings, lengths) in fields_of.items()
    }


def segment_ids(arrays: Arrays, meta: dict[str, Any]) -> SortedStrings:
    """The id column's values, from their bytes (layout 3), or as meta.json listed them."""
    if arrays.has(ID_VALUES):
        return SortedStrings(arrays.map(ID_VALUES))
    return SortedStrings(meta["columns"]["id"])


def live_columns(gen_dir: Path, names: Sequence[str]) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Some metadata columns (not the id column) of a generation's live entries: each
    one's codes and values.  An update's report counts them: loading every array took
    3 of its 5 ms at 100k entries."""
    from indexer import layout  # it reads and writes what this module holds

    merged = layout.read(gen_dir, names)
    return {n: (merged.columns[n][merged.alive], list(merged.values[n])) for n in names}


def load(gen_dir: Path, *, previous: Accel | None = None) -> Accel:
    """A generation's arrays (`live_columns` reads a few metadata columns only).  The
    segments it shares with `previous` (an earlier generation of the same index: its files
    hard-linked) are taken from it, not read again: a one-entry update's reopen read every
    term list of the 100k-entry segment once more."""
    from indexer import layout  # it reads and writes what this module holds

    merged = layout.read(gen_dir)
    seg_dirs = [(gen_dir / ACCEL / seg["dir"], seg["offset"]) for seg in merged.segments]
    counts = [seg["doc_count_all"] for seg in merged.segments]
    shared = {seg_dir.name: _shared(previous, seg_dir, offset) for seg_dir, offset in seg_dirs}
    arrays = cache(Arrays)  # the segments read here, each pack's header once
    held = {
        seg_dir.name: shared[seg_dir.name] or _segment_fields(arrays(seg_dir), offset)
        for seg_dir, offset in seg_dirs
    }
    names = sorted({name for fields_of in held.values() for name in fields_of})
    fields_: dict[str, FieldPostings] = {}
    for name in names:
        parts = [held[d.name].get(name) for d, _ in seg_dirs]
        if not any(part and part[0].terms for part in parts) and not name.endswith("_f"):
            continue  # a language no entry is written in: no arrays to hold
        lengths = [
            part[1] if part else np.zeros(count, dtype=np.float32)  # no term there: no files
            for part, count in zip(parts, counts, strict=True)
        ]
        segments = [part[0] for part in parts if part]
        fields_[name] = FieldPostings(segments, concat(lengths, np.float32))
    # What the next generation takes of each segment: the fields kept, their lengths as
    # views of the merged arrays (copies of their own would double them: 4.8 MB at 100k).
    for (seg_dir, offset), count in zip(seg_dirs, counts, strict=True):
        held[seg_dir.name] = {
            name: (part, fields_[name].lengths[offset : offset + count])
            for name, (part, _) in held[seg_dir.name].items()
            if name in fields_
        }
    pairs_of, titles_of = _mapped_before(previous, shared)
    pairs = PairIndex(
        [
            (*pairs_of[d.name], offset)
            if d.name in pairs_of
            else (
                *(arrays(d).map(f"pairs.{part}.npy") for part in ("keys", "ptr", "docs")),
                offset,
            )
            for d, offset in seg_dirs
        ]
    )
    return Accel(
        doc_count_all=merged.doc_count_all,
        alive=merged.alive,
        fields=fields_,
        pairs=pairs,
        columns=merged.columns,
        values=merged.values,
        years=merged.years,
        topics=merged.topics,
        coordinates=merged.coordinates,
        titles=title_store.load(seg_dirs, titles_of),
        path=gen_dir,
        segments=held,
    )


def _mapped_before(
    previous: Accel | None, shared: Mapping[str, SegmentFields | None]
) -> tuple[dict[str, tuple[np.ndarray, ...]], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The pair arrays (keys, ptr, docs) and the titles (offsets, bytes) that `previous`
    mapped, of the segments `shared` with it, by directory name: mapping each array again
    cost 0.7 of a reopen's ms at 100k entries."""
    if previous is None or len(previous.segments) != len(previous.pairs.segments):
        return {}, {}
    names = list(previous.segments)
    pairs = {
        name: tuple(seg[:3])
        for name, seg in zip(names, previous.pairs.segments, strict=True)
        if shared.get(name) is not None
    }
    held = previous.titles.by_segment(names) if previous.titles is not None else {}
    return pairs, {name: t for name, t in held.items() if shared.get(name) is not None}
