"""An update writes the merged layout as a tail over the previous generation's whole one
(indexer.layout), and a reader joins them into what a layout written whole holds."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus import Entry, load_sources
from indexer import generations, integrity, layout
from indexer.accel import ACCEL, MERGED
from indexer.arraypack import PACK
from indexer.build import build_index, update_index
from search import Searcher, SearchRequest
from tests.conftest import SEED_PAGES


def _decoded(gen_dir: Path) -> dict[str, Any]:
    """Everything a layout holds, per docnum, as values rather than codes."""
    merged = layout.read(gen_dir)
    out: dict[str, Any] = {
        "segments": merged.segments,
        "alive": merged.alive.tolist(),
        "years": {n: a.tolist() for n, a in merged.years.items()},
        "coordinates": {
            n: np.nan_to_num(a, nan=-999).tolist() for n, a in merged.coordinates.items()
        },
    }
    for name, codes in merged.columns.items():
        values = merged.values[name]
        out[name] = [values[int(c)] for c in codes]
    topics = merged.topics
    assert topics is not None
    out["topics"] = [[topics.values[c] if c >= 0 else "" for c in row] for row in topics.codes]
    out["confidence"] = topics.confidence.tolist()
    return out


def _whole(gen_dir: Path, tmp: Path) -> dict[str, Any]:
    """The same generation's layout written whole, in a copy."""
    copy = tmp / "whole"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(gen_dir, copy)
    merged = layout.read(copy)
    for part in (MERGED, layout.TAIL):
        shutil.rmtree(copy / ACCEL / part, ignore_errors=True)
    seg_dirs = [copy / ACCEL / seg["dir"] for seg in merged.segments]
    offsets = [seg["offset"] for seg in merged.segments]
    layout.write(copy / ACCEL, merged.alive, seg_dirs, offsets, None)
    assert not (copy / ACCEL / layout.TAIL).exists()
    return _decoded(copy)


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, list[Entry]]:
    entries = load_sources(SEED_PAGES).entries
    build_index(entries, tmp_path / "index")
    return tmp_path / "index", entries


def test_updates_write_a_tail_that_reads_as_the_whole_layout(
    built: tuple[Path, list[Entry]], tmp_path: Path
) -> None:
    """Edits, an entry with a new id in a country and city the base lacks, and a delete
    with no new segment: each generation links the build's layout (the same files) and
    writes a tail; read, it holds per entry what the layout written whole holds, and the
    new entry is found by its country."""
    index, entries = built
    first = generations.current(index).path
    assert not (first / ACCEL / layout.TAIL).exists()
    names = (PACK, "meta.json")
    inodes = [(first / ACCEL / MERGED / name).stat().st_ino for name in names]
    searcher = Searcher(index, check_interval=0)
    new = dataclasses.replace(
        entries[2],
        id="en-b-new-entry",
        country="Iceland",
        country_code="IS",
        city="Reykjavik",
        title="Harbour talks",
    )
    rounds: list[tuple[list[Entry], list[str]]] = [
        ([dataclasses.replace(entries[0], summary="Edited once.")], []),
        ([new, dataclasses.replace(entries[1], summary="Edited too.")], []),
        ([], [entries[3].id]),
    ]
    for upserts, deletes in rounds:
        update_index(index, upserts, deletes)
        gen = generations.current(index).path
        assert (gen / ACCEL / layout.TAIL / "meta.json").is_file()
        assert [(gen / ACCEL / MERGED / name).stat().st_ino for name in names] == inodes
        assert _decoded(gen) == _whole(gen, tmp_path)
        recorded = integrity.recorded_files(generations.current(index))  # a check sees them
        assert {f"accel/tail/{n}" for n in (PACK, "meta.json")} <= set(recorded or ())
    found = searcher.search(SearchRequest("harbour", filters={"country": ("Iceland",)}))
    assert [h.id for h in found.results] == ["en-b-new-entry"]
    assert entries[3].id not in {h.id for h in searcher.search(SearchRequest("")).results}


def test_past_its_share_of_entries_the_layout_is_written_whole_again(
    built: tuple[Path, list[Entry]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tail holds at most a share of the entries: past it the next update writes the
    layout whole (no tail, a base of its own), and the one after links that base."""
    index, entries = built
    monkeypatch.setattr(generations, "DELTA_MIN_ROWS", 2)
    monkeypatch.setattr(generations, "DELTA_SHARE", 4)
    tails = []
    for k, entry in enumerate(entries[:8]):
        update_index(index, [dataclasses.replace(entry, summary=f"Edit {k}.")])
        gen = generations.current(index).path
        tails.append((gen / ACCEL / layout.TAIL).exists())
        assert _decoded(gen) == _whole(gen, tmp_path)
    assert tails[0] and not all(tails)
    whole_again = tails.index(False)
    assert tails[whole_again + 1], "the next update writes a tail over the new whole one"


def test_a_generation_links_the_files_it_keeps_and_leaves_out_the_rest(tmp_path: Path) -> None:
    """link_tree hard-links every file it keeps (the same inode, nested directories
    made) and leaves out what `skip` names: a file at the top, a whole directory."""
    src = tmp_path / "src"
    for rel in ("a.json", "manifest.json", "accel/index/col.id.npy", "accel/seg-1/x.npy"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(rel, encoding="utf-8")
    generations.link_tree(
        src,
        tmp_path / "dst",
        lambda parts: parts[0] == "manifest.json" or parts[:2] == ("accel", "index"),
    )
    linked = sorted(str(p.relative_to(tmp_path / "dst")) for p in (tmp_path / "dst").rglob("*"))
    assert linked == ["a.json", "accel", "accel/seg-1", "accel/seg-1/x.npy"]
    assert (tmp_path / "dst/accel/seg-1/x.npy").samefile(src / "accel/seg-1/x.npy")


def test_topics_join_into_the_values_of_both_parts() -> None:
    """A tail with a topic the base lacks: the base's codes move to the joined values,
    no topic (-1) stays none, and each entry keeps its topics."""
    from indexer.topic_index import TopicColumns, join

    base = TopicColumns(
        np.array([[0, 1, -1], [1, -1, -1]], dtype=np.int16),
        np.ones((2, 3), dtype=np.float16),
        ["health", "housing"],
    )
    tail = TopicColumns(
        np.array([[0, 1, -1]], dtype=np.int16), np.ones((1, 3), np.float16), ["arts", "health"]
    )
    for more in (tail, TopicColumns(tail.codes, tail.confidence, ["health", "housing"])):
        joined = join(base, more)
        named = [[joined.values[c] if c >= 0 else "" for c in row] for row in joined.codes]
        expect = [more.values[c] if c >= 0 else "" for c in more.codes[0]]
        assert named == [["health", "housing", ""], ["housing", "", ""], expect]
        assert joined.codes.dtype == np.int16 and joined.values == sorted(joined.values)
