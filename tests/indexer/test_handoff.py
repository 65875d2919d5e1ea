"""An update hands the manifest and the groups it wrote to the next update in the process
(indexer.handoff): what it hands over is what reading the published files gives, and a
generation whose files changed since is read from them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from corpus import Entry
from indexer import generations, handoff
from indexer.build import build_index, update_index
from indexer.generations import MANIFEST, MANIFEST_BASE, MANIFEST_DELTA, SIDE_FILES, held_file
from indexer.group_files import GroupFile, _applied, read_groups
from indexer.manifest import Manifest, read_generation_manifest, read_manifest
from indexer.schema import SCHEMA_VERSION
from search import Searcher, SearchRequest

MANIFEST_FILES, GROUP_FILES = SIDE_FILES


def _live(index_dir: Path) -> Path:
    return generations.current(index_dir).path


def _edited(entry: Entry, **fields: object) -> Entry:
    return Entry(**{**entry.to_dict(), **fields})


def _rows(manifest: Manifest, base: Manifest) -> tuple[int, set[str], set[str]]:
    """What the next delta would say: the base's rows, the changed rows, the removed ids
    (an id added and removed since the base may be listed or not: the base has none)."""
    delta = json.loads(manifest.delta_json(SCHEMA_VERSION))
    removed = {i for i in delta["removed"] if i in base}
    return delta["base_rows"], {json.dumps(r) for r in delta["rows"]}, removed


def _check_handed_over(index: Path) -> None:
    """The live generation's manifest and groups as handed over equal them as read."""
    live = _live(index)
    manifest = handoff.take(live, MANIFEST_FILES)
    assert manifest is not None, "the update handed over no manifest"
    read = read_generation_manifest(live, SCHEMA_VERSION)
    assert read is not None
    assert (manifest.hashes, manifest.files, manifest.blocks, manifest.declared) == (
        read.hashes,
        read.files,
        read.blocks,
        read.declared,
    )
    base = read_manifest(held_file(live, MANIFEST, MANIFEST_BASE), SCHEMA_VERSION)
    assert base is not None
    assert _rows(manifest, base) == _rows(read, base)
    handoff.hand_over(live, MANIFEST_FILES, manifest)
    groups = handoff.take(live, GROUP_FILES)
    assert groups is not None, "the update handed over no groups"
    read_back = read_groups(live)
    assert list(groups.of.items()) == list(read_back.of.items())  # the order readers keep
    assert list(groups.delta.items()) == list(read_back.delta.items())
    assert groups.base_of == read_back.base_of and groups.base == read_back.base
    handoff.hand_over(live, GROUP_FILES, groups)


def test_each_update_hands_the_next_what_reading_its_files_gives(
    tmp_path: Path, pages: list[Entry], translated: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "updated"
    build_index(pages, index)
    _check_handed_over(index)
    final = {e.id: e for e in pages}
    moved = _edited(pages[5], city="Patras", country="Greece", year_from=2031, year_to=2032)
    steps: list[tuple[list[Entry], list[str]]] = [
        ([_edited(pages[0], summary="Edited once.")], []),
        (translated, [pages[1].id]),  # new entries, pairs of translations; one removed
        ([_edited(translated[0], summary="Edited.")], [translated[1].id]),
        ([pages[1]], []),  # the removed one back
        ([moved], [pages[2].id]),  # into another place-and-year block
        ([translated[1]], []),  # back in a group
        ([_edited(pages[0], summary="Edited twice."), pages[2]], []),
    ]
    for n, (upserts, deletes) in enumerate(steps):
        if n == 4:  # from here a delta holds 2 rows: the files are written whole again
            monkeypatch.setattr(generations, "DELTA_MIN_ROWS", 2)
            monkeypatch.setattr(generations, "DELTA_SHARE", len(pages) * 2)
        update_index(index, upserts, deletes)
        final.update((e.id, e) for e in upserts)
        for entry_id in deletes:
            del final[entry_id]
        _check_handed_over(index)
    # what a build of the final entries holds, and what a search of it finds
    built = tmp_path / "built"
    build_index(list(final.values()), built)
    ours, theirs = (read_generation_manifest(_live(i), SCHEMA_VERSION) for i in (index, built))
    assert ours is not None and theirs is not None
    assert (ours.hashes, ours.files, ours.blocks) == (theirs.hashes, theirs.files, theirs.blocks)
    assert read_groups(_live(index)).of == read_groups(_live(built)).of
    found = Searcher(index).search(SearchRequest("Edited twice", per_page=100))
    assert pages[0].id in {r.id for r in found.results}


def test_a_generation_whose_files_changed_since_is_read_from_them(
    tmp_path: Path, pages: list[Entry]
) -> None:
    index = tmp_path / "index"
    build_index(pages, index)
    update_index(index, [_edited(pages[0], summary="Edited.")])
    live = _live(index)
    delta = live / MANIFEST_DELTA
    delta.write_bytes(delta.read_bytes())  # the same bytes, written again (as a restore does)
    assert handoff.take(live, MANIFEST_FILES) is None
    # and one that another process published is not the one handed over
    update_index(index, [_edited(pages[0], summary="Edited again.")])
    other = tmp_path / "other"
    build_index(pages, other)
    assert handoff.take(_live(index), MANIFEST_FILES) is not None
    assert handoff.take(_live(index), MANIFEST_FILES) is None  # taken once
    update_index(index, [_edited(pages[1], summary="Edited too.")])  # reads its files
    manifest = read_generation_manifest(_live(index), SCHEMA_VERSION)
    assert manifest is not None and len(manifest) == len(pages)
    # an update that changes nothing keeps what it took for the next one
    update_index(index, [_edited(pages[1], summary="Edited too.")])
    assert handoff.take(_live(index), MANIFEST_FILES) is not None


def test_regrouping_in_place_lists_what_applying_the_delta_anew_lists() -> None:
    rng = random.Random(7)
    ids = [f"e{n}" for n in range(60)]
    for _ in range(40):
        base = {i: f"g{rng.randrange(8)}" for i in rng.sample(ids, 40)}
        groups = GroupFile(dict(base), None, base)
        for _ in range(12):
            again = set(rng.sample(ids, rng.randrange(1, 12)))
            found = {i: f"g{rng.randrange(10)}" for i in again if rng.random() < 0.6}
            groups.regroup(again, found)
            assert list(groups.of.items()) == list(_applied(base, groups.delta).items())
        assert base == groups.base_of


def _groups_of(snap: object) -> tuple[list[int], tuple[str, ...], list[list[int]]]:
    groups = snap.groups  # type: ignore[attr-defined]
    members = [groups.members(d) for d in range(snap.n)]  # type: ignore[attr-defined]
    return groups.code.tolist(), groups.names, members


def test_a_searcher_following_updates_lists_the_groups_a_fresh_open_lists(
    tmp_path: Path, pages: list[Entry], translated: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reopen takes the group ids' codes from the previous generation while the ids and
    the groups file are the same (entries edited), and looks them up again when ids came
    or went, or the groups were written whole."""
    index = tmp_path / "index"
    build_index([*pages, *translated], index)
    follower = Searcher(index, check_interval=0)
    follower.snapshot()
    # sorts before every other id, and joins the group of the entry it copies
    first = _edited(translated[2], id="0-first-version", locale="el")
    steps: list[tuple[list[Entry], list[str]]] = [
        ([_edited(translated[0], summary="Edited.")], []),  # the same ids
        ([first], []),  # a new id before them all: every other id's code moves
        ([_edited(translated[1], summary="Edited.")], []),
        ([], [first.id, translated[3].id]),  # ids gone
        ([_edited(translated[4], summary="Edited.")], []),
    ]
    for n, (upserts, deletes) in enumerate(steps):
        if n == 2:  # from here the groups are written whole: another base, the same ids
            monkeypatch.setattr(generations, "DELTA_MIN_ROWS", 0)
            monkeypatch.setattr(generations, "DELTA_SHARE", 10**9)
        update_index(index, upserts, deletes)
        followed, fresh = follower.snapshot(), Searcher(index).snapshot()
        assert followed.gen.name == fresh.gen.name
        assert _groups_of(followed) == _groups_of(fresh)
        assert any(fresh.groups.members(d) for d in range(fresh.n))  # groups to compare
        if n == 1:  # the new id is in a group: the groups map changed
            assert fresh.groups.members(fresh.docnum[first.id])


def test_an_update_after_a_build_in_the_process_takes_the_resources_the_build_wrote(
    translated: list[Entry], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lexicon and topic vocabulary a build wrote are not parsed back by the update
    after it in the same process; those of another index's build are."""
    from indexer import resources

    index, other = tmp_path / "index", tmp_path / "other"
    build_index(translated, index)
    parsed: list[str] = []
    monkeypatch.setattr(resources, "saved_lexicon", lambda p: parsed.append(p.name))
    monkeypatch.setattr(resources, "saved_assigner", lambda g, _: parsed.append("vocabulary"))
    update_index(index, [_edited(translated[0], summary="Edited once.")])
    assert parsed == []
    build_index(translated, other)  # the process now holds what this build wrote instead
    update_index(index, [_edited(translated[0], summary="Edited twice.")])
    assert parsed == [generations.CONCEPTS, "vocabulary"]
    found = Searcher(index).search(SearchRequest("edited twice"))
    assert [h.id for h in found.results][:1] == [translated[0].id]
