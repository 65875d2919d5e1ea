"""A reopen takes the arrays of the segments it shares with the previous generation
(indexer.accel.load with `previous`); what it holds is what a fresh load holds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from corpus import Entry, load_sources
from indexer import accel, generations
from indexer.build import build_index, update_index
from tests.conftest import SEED_PAGES


def _pairs(data: accel.Accel) -> dict[int, list[int]]:
    keys = np.unique(np.concatenate([seg[0] for seg in data.pairs.segments]))
    return {int(k): data.pairs.docs(k).tolist() for k in keys}


def _edited(entries: list[Entry], note: str) -> list[Entry]:
    return [dataclasses.replace(e, summary=f"{e.summary} Harbour choir, {note}.") for e in entries]


def test_a_reopen_reads_what_a_fresh_load_reads_taking_the_shared_segments(
    tmp_path: Path,
) -> None:
    """Half the entries added in one update (a second segment), one-entry edits (Whoosh
    merges the small segments they add), a delete, then most of the build's entries
    edited (its segment is rewritten, and the second one moves to docnum 0): after each,
    the titles and word pairs of every entry are a fresh load's, and each segment kept is
    the previous load's arrays, not mapped again."""
    seed = load_sources(SEED_PAGES).entries  # copies: segments Whoosh does not merge away
    entries = [
        dataclasses.replace(e, id=f"{e.id}-{k}", title=f"{e.title} {k}")
        for k in range(8)
        for e in seed
    ]
    half = len(entries) // 2
    index = tmp_path / "index"
    build_index(entries[:half], index)
    rounds: list[tuple[list[Entry], list[str]]] = [(entries[half:], [])]
    rounds += [(_edited([entries[k]], f"edit {k}"), []) for k in range(6)]
    rounds += [([], [entries[half + 1].id]), (_edited(entries[: half * 3 // 4], "again"), [])]
    before = accel.load(generations.current(index).path)
    merged = moved = reused = 0
    for upserts, deletes in rounds:
        update_index(index, upserts, deletes)
        gen = generations.current(index).path
        again = accel.load(gen, previous=before)
        fresh = accel.load(gen)
        n = again.doc_count_all
        assert [again.titles[d] for d in range(n)] == [fresh.titles[d] for d in range(n)]
        assert _pairs(again) == _pairs(fresh)
        kept = set(before.segments) & set(again.segments)
        old = dict(zip(before.segments, before.pairs.segments, strict=True))
        for name, seg in zip(again.segments, again.pairs.segments, strict=True):
            assert (name in old and seg[0] is old[name][0]) == (name in kept)
            moved += name in kept and seg[3] != old[name][3]
        merged += bool(set(before.segments) - set(again.segments))
        reused += len(kept)
        before = again
    assert merged and reused and moved, (merged, reused, moved)


def test_a_reopen_maps_the_shared_segments_pairs_when_the_previous_load_lacks_them(
    tmp_path: Path,
) -> None:
    """A previous load whose pair arrays do not line up with its segments gives none to
    take: the segments shared with it map their pairs again (their postings still taken)."""
    entries = load_sources(SEED_PAGES).entries
    index = tmp_path / "index"
    build_index(entries, index)
    before = accel.load(generations.current(index).path)
    update_index(index, _edited(entries[:1], "edit"))
    gen = generations.current(index).path
    odd = dataclasses.replace(before, pairs=accel.PairIndex([]))
    again = accel.load(gen, previous=odd)
    assert set(before.segments) & set(again.segments), "a segment is shared"
    assert _pairs(again) == _pairs(accel.load(gen))
