"""Entry titles by docnum, memory-mapped: what a hit reads for each version it lists.

A result lists the other versions of its practice (id, title, language, locale): the
metadata columns hold all but the title, and decoding a stored entry for its title cost a
Whoosh read and an unpickle per version.  Each segment writes its titles once into its
pack (indexer.arraypack), as UTF-8 text (`titles.utf8`) with byte offsets
(`titles.off.npy`); a generation reads them from the page cache, shared by every process,
and keeps no Python strings of its own.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from indexer.arraypack import Arrays, PackWriter

TEXT = "titles.utf8"
OFFSETS = "titles.off.npy"


def save_segment(pack: PackWriter, titles: Sequence[str]) -> None:
    """One segment's titles, in local docnum order, into its pack."""
    encoded = [t.encode("utf-8") for t in titles]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    pack.save_bytes(TEXT, b"".join(encoded))
    pack.save(OFFSETS, offsets)


class Titles:
    """The titles of a generation's segments, looked up by global docnum."""

    def __init__(self, segments: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        self._segments = segments  # (first docnum, offsets, UTF-8 bytes), in docnum order
        self._starts = [start for start, _, _ in segments]

    def by_segment(self, names: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(offsets, bytes) of each segment by its directory's name (`names`: the segments'
        in docnum order; none when they are not as many)."""
        if len(names) != len(self._segments):
            return {}
        return {name: (seg[1], seg[2]) for name, seg in zip(names, self._segments, strict=True)}

    def __getitem__(self, docnum: int) -> str:
        i = bisect.bisect_right(self._starts, docnum) - 1
        if i < 0:
            raise IndexError(docnum)
        start, offsets, text = self._segments[i]
        local = docnum - start
        if local >= len(offsets) - 1:
            raise IndexError(docnum)
        return text[offsets[local] : offsets[local + 1]].tobytes().decode("utf-8")


def load(
    seg_dirs: Sequence[tuple[Path, int]],
    held: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Titles | None:
    """The titles of segments given as (directory, first docnum); None when a segment was
    exported before titles were (its generation reads titles from the stored entries).
    `held`: (offsets, bytes) of segments already mapped, by directory name."""
    segments = []
    for seg_dir, start in seg_dirs:
        if held and seg_dir.name in held:
            segments.append((start, *held[seg_dir.name]))
            continue
        arrays = Arrays(seg_dir)
        if not arrays.has(OFFSETS):
            return None
        segments.append((start, arrays.map(OFFSETS), arrays.map(TEXT)))  # views: fast slices
    return Titles(segments)
