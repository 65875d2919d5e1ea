"""Titles by docnum (indexer.titles): what a hit's listed versions read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus import make_entry
from indexer import titles
from indexer.arraypack import PackWriter
from indexer.build import build_index
from search import Searcher

TITLES = [["Écoles interculturelles", "", "Barazia territoriale"], ["Міжкультурна медіація"]]


def test_titles_round_trip_across_segments(tmp_path: Path) -> None:
    dirs = []
    for i, segment in enumerate(TITLES):
        seg = tmp_path / f"seg-{i}"
        seg.mkdir()
        pack = PackWriter(seg)
        titles.save_segment(pack, segment)
        pack.close()
        dirs.append(seg)
    store = titles.load([(dirs[0], 0), (dirs[1], 3)])
    assert store is not None
    assert [store[d] for d in range(4)] == [t for segment in TITLES for t in segment]
    with pytest.raises(IndexError):
        store[4]


def test_a_segment_exported_before_titles_reads_them_from_the_stored_entries(
    tmp_path: Path,
) -> None:
    seg = tmp_path / "seg-old"
    seg.mkdir()
    assert titles.load([(seg, 0)]) is None


def test_every_live_entry_title_matches_its_stored_entry(tmp_path: Path) -> None:
    """An update adds a segment and deletes the changed entry's old version: titles
    still line up with docnums."""
    records = [
        {"title": f"Practice {i} — città {i}", "summary": f"Summary {i}.", "locale": "en"}
        for i in range(30)
    ]
    entries = [make_entry(r, source=f"test:{i}") for i, r in enumerate(records, start=1)]
    index = tmp_path / "index"
    build_index(entries, index)
    changed = {**records[4], "title": "A new title for practice 4"}
    entries[4] = make_entry(changed, source="test:5")
    added = {"title": "Добавлено", "summary": "Ново.", "locale": "sr"}
    entries.append(make_entry(added, source="test:31"))
    build_index(entries, index)
    snap = Searcher(index).snapshot()
    assert snap.data.titles is not None
    live = np.flatnonzero(snap.alive)
    assert len(live) == 31
    assert [snap.title(int(d)) for d in live] == [snap.stored(int(d))["title"] for d in live]
    assert "A new title for practice 4" in {snap.title(int(d)) for d in live}
