"""An update writes the manifest and the translation groups as the rows it changed, beside
the previous generation's files linked, and reads back what a build of the same entries
holds; past a share of the rows the files are written whole again."""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from corpus import Entry, load_sources
from indexer import generations, integrity
from indexer.build import UpdateError, build_index, update_index
from indexer.diskspace import DiskFullError
from indexer.generations import (
    GROUPS,
    GROUPS_BASE,
    GROUPS_DELTA,
    MANIFEST,
    MANIFEST_BASE,
    MANIFEST_DELTA,
)
from indexer.group_files import GroupFile, read_groups, write_groups
from indexer.manifest import Manifest, read_generation_manifest
from indexer.schema import SCHEMA_VERSION
from search import Searcher, SearchRequest, snapshot
from tests.conftest import SEED_PAGES


def _live(index_dir: Path) -> Path:
    return generations.current(index_dir).path


def _manifest(index_dir: Path) -> Manifest:
    manifest = read_generation_manifest(_live(index_dir), SCHEMA_VERSION)
    assert manifest is not None
    return manifest


def _inode(path: Path) -> int:
    return path.stat().st_ino


def _same(a: Manifest, b: Manifest) -> None:
    assert a.hashes == b.hashes and a.files == b.files and a.blocks == b.blocks
    assert a.declared == b.declared


def _edited(entry: Entry, text: str) -> Entry:
    return Entry(**{**entry.to_dict(), "summary": f"{entry.summary} {text}"})


def test_updates_write_deltas_over_the_linked_files_and_read_back_a_builds_manifest(
    tmp_path: Path, pages: list[Entry], translated: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "updated"
    build_index(pages, index)
    first = {name: _inode(_live(index) / name) for name in (MANIFEST, GROUPS)}
    bases = {MANIFEST: MANIFEST_BASE, GROUPS: GROUPS_BASE}
    final = {e.id: e for e in pages}
    steps: list[tuple[list[Entry], list[str]]] = [
        ([_edited(pages[0], "Edited once.")], []),
        (translated, [pages[1].id]),  # new entries: pairs of translations
        ([_edited(pages[0], "Edited twice."), _edited(translated[0], "And this.")], []),
    ]
    follower = Searcher(index, check_interval=0)  # reopens each generation
    parsed = []  # groups files the follower parses: the linked base only once, at open
    read_rows = snapshot._group_rows
    monkeypatch.setattr(
        snapshot, "_group_rows", lambda path: parsed.append(path) or read_rows(path)
    )
    follower.snapshot()
    for upserts, deletes in steps:
        update_index(index, upserts, deletes)
        follower.snapshot()
        final.update((e.id, e) for e in upserts)
        for entry_id in deletes:
            del final[entry_id]
        live = _live(index)
        assert (live / MANIFEST_DELTA).exists() and (live / GROUPS_DELTA).exists()
        assert {name: _inode(live / bases[name]) for name in first} == first  # linked
        assert not (live / MANIFEST).exists() and not (live / GROUPS).exists()
    build_index(list(final.values()), tmp_path / "built")
    _same(_manifest(index), _manifest(tmp_path / "built"))
    delta = json.loads((_live(index) / MANIFEST_DELTA).read_text())
    assert (len(delta["rows"]), delta["removed"]) == (len(translated) + 1, [pages[1].id])
    groups = read_groups(_live(index)).of
    assert groups == read_groups(_live(tmp_path / "built")).of
    assert read_groups(_live(index)).delta  # the translations joined groups
    # What a searcher lists: each version's group, as the build's index does, and the
    # same in the order a fresh open lists it as in a searcher that followed the updates
    assert parsed == []  # every reopen took the rows the open had read
    fresh, built = Searcher(index).snapshot(), Searcher(tmp_path / "built").snapshot()
    followed = follower.snapshot()
    assert followed.gen.name == fresh.gen.name
    assert followed.groups.names == fresh.groups.names
    for entry_id in final:
        versions = fresh.other_versions(entry_id)
        assert set(versions) == set(built.other_versions(entry_id))
        assert followed.other_versions(entry_id) == versions


def test_past_its_share_of_rows_a_delta_is_written_whole_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = load_sources(SEED_PAGES).entries
    index = tmp_path / "updated"
    build_index(entries, index)
    first = _inode(_live(index) / MANIFEST)
    monkeypatch.setattr(generations, "DELTA_MIN_ROWS", 2)
    monkeypatch.setattr(generations, "DELTA_SHARE", len(entries) + 1)  # 2 rows, not a share
    for n in range(2):
        update_index(index, [_edited(entries[n], "Edited.")])
        assert _inode(_live(index) / MANIFEST_BASE) == first
    update_index(index, [_edited(entries[2], "Edited.")])  # a third row: written whole
    live = _live(index)
    assert not (live / MANIFEST_DELTA).exists()
    # and the groups with it (their delta would fit): never a groups delta without a
    # manifest delta, which an indexer of layout 3 would read as an index without groups
    assert (live / GROUPS).exists() and not (live / GROUPS_DELTA).exists()
    assert _inode(live / MANIFEST) != first
    update_index(index, [_edited(entries[3], "Edited.")])  # and a delta over that one
    assert (_live(index) / MANIFEST_BASE).samefile(live / MANIFEST)
    assert json.loads((_live(index) / MANIFEST_DELTA).read_text())["base_rows"] == len(entries)
    build_index([_edited(e, "Edited.") for e in entries[:4]] + entries[4:], tmp_path / "built")
    _same(_manifest(index), _manifest(tmp_path / "built"))


def test_a_group_delta_and_the_groups_written_whole_list_the_same_order(tmp_path: Path) -> None:
    base = {f"e{n}": f"g{n % 7}" for n in range(40)}
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / GROUPS).write_text(json.dumps(base), encoding="utf-8")
    groups = read_groups(tmp_path / "a", once=True)
    groups.regroup(["e1", "e8", "e15", "e3"], {"e1": "g-new", "e8": "g-new", "e15": "g1"})
    groups.regroup(["e8", "e2"], {"e2": "g-new", "e8": "g-new"})
    assert groups.delta == {"e3": None, "e1": "g-new", "e8": "g-new", "e2": "g-new"}
    for name, file in (("delta", groups), ("whole", GroupFile(groups.of))):
        (tmp_path / name).mkdir()
        write_groups(tmp_path / name, file)
        assert (tmp_path / name / GROUPS_DELTA).exists() == (name == "delta")
    delta, whole = (read_groups(tmp_path / name).of for name in ("delta", "whole"))
    assert list(delta.items()) == list(whole.items()) == list(groups.of.items())
    assert "e3" not in delta and list(delta)[-3:] == ["e1", "e8", "e2"]
    assert base == json.loads((tmp_path / "a" / GROUPS).read_text())  # the base unchanged


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"{",
        lambda data: data.replace(b'"base_rows": ', b'"base_rows": 1'),
        lambda data: data.replace(b'"rows": [[', b'"rows": [[7, '),
    ],
    ids=["not JSON", "another base", "a row of the wrong types"],
)
def test_a_damaged_manifest_delta_rebuilds_with_a_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: object
) -> None:
    entries = load_sources(SEED_PAGES).entries
    build_index(entries, tmp_path)
    update_index(tmp_path, [_edited(entries[0], "Edited.")])
    path = _live(tmp_path) / MANIFEST_DELTA
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    with caplog.at_level(logging.WARNING, logger="indexer.manifest"):
        report = build_index(entries, tmp_path)
    assert report.rebuilt and report.total == len(entries)
    assert f"{path}: unreadable" in caplog.text
    assert Searcher(tmp_path).get(entries[0].id).summary == entries[0].summary  # type: ignore[union-attr]


@pytest.mark.parametrize("name", [MANIFEST_DELTA, GROUPS_DELTA])
def test_a_delta_the_disk_cannot_hold_leaves_the_linked_files_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    entries = load_sources(SEED_PAGES).entries
    build_index(entries, tmp_path)
    live = _live(tmp_path)
    before = {file: (live / file).read_bytes() for file in (MANIFEST, GROUPS)}
    real = Path.write_text

    def write_text(path: Path, *args: Any, **kwargs: Any) -> int:
        if path.name == name:  # the disk fills as the delta is written
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(DiskFullError):
        update_index(tmp_path, [_edited(entries[0], "Edited.")])
    monkeypatch.undo()
    assert _live(tmp_path) == live  # still served, its files as they were
    assert {file: (live / file).read_bytes() for file in before} == before
    assert integrity.verify(generations.current(tmp_path), deep=True) == []
    assert update_index(tmp_path, [_edited(entries[0], "Edited.")]).changed == 1


def test_a_lost_manifest_delta_is_never_read_as_a_whole_manifest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entries = load_sources(SEED_PAGES).entries
    build_index(entries[1:], tmp_path)
    update_index(tmp_path, [entries[0]])  # a new entry: a row only the delta holds
    (_live(tmp_path) / MANIFEST_DELTA).unlink()
    with pytest.raises(UpdateError, match="no index to update"):  # nothing written
        update_index(tmp_path, [_edited(entries[0], "Changed.")])
    with caplog.at_level(logging.WARNING, logger="indexer.manifest"):
        report = build_index(entries, tmp_path)
    assert report.rebuilt and f"{MANIFEST_DELTA}: missing" in caplog.text
    assert Searcher(tmp_path).search(SearchRequest("", versions="all")).total == len(entries)


@pytest.mark.parametrize("damage", ["lost", "garbage"])
def test_groups_whose_delta_is_lost_or_damaged_are_made_again_from_every_entry(
    tmp_path: Path,
    pages: list[Entry],
    translated: list[Entry],
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    build_index(pages, tmp_path / "built")
    build_index(pages, tmp_path / "index")
    update_index(tmp_path / "index", translated)  # groups formed: in the delta only
    delta = _live(tmp_path / "index") / GROUPS_DELTA
    delta.unlink() if damage == "lost" else delta.write_text("{")
    edited = _edited(pages[0], "Edited.")
    with caplog.at_level(logging.WARNING, logger="indexer.build"):
        update_index(tmp_path / "index", [edited])
    assert "unreadable groups" in caplog.text and "grouping every entry" in caplog.text
    live = _live(tmp_path / "index")
    assert (live / GROUPS).exists() and not (live / GROUPS_DELTA).exists()  # written whole
    update_index(tmp_path / "built", [*translated, edited])
    assert read_groups(live).of == read_groups(_live(tmp_path / "built")).of != {}


def test_a_check_names_a_base_without_its_delta_and_a_delta_beside_a_whole_file(
    tmp_path: Path,
) -> None:
    entries = load_sources(SEED_PAGES).entries
    build_index(entries, tmp_path / "whole")
    stray = _live(tmp_path / "whole") / GROUPS_DELTA  # recorded nowhere: sizes pass
    stray.write_text('{"format": 1, "base_rows": 0, "groups": []}')
    build_index(entries, tmp_path / "based")
    update_index(tmp_path / "based", [_edited(entries[0], "Edited.")])
    (_live(tmp_path / "based") / MANIFEST_DELTA).unlink()
    for name, held in (("whole", f"{GROUPS_DELTA}, {GROUPS}"), ("based", MANIFEST_BASE)):
        live = generations.current(tmp_path / name)
        needs = f"{live.path}: holds {held}; it needs"
        assert any(p.startswith(needs) for p in integrity.verify(live)), name
        with pytest.raises(generations.IndexNotFoundError, match="it needs"):
            Searcher(tmp_path / name)
