"""What an update reads back from the previous generation instead of recomputing it: the
manifest of entries and the analysed topic vocabulary."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from corpus import Entry, load_sources
from indexer import generations, integrity, resources
from indexer.build import build_index, update_index
from indexer.generations import MANIFEST, TOPIC_VOCABULARY
from indexer.manifest import read_generation_manifest, read_manifest
from indexer.schema import SCHEMA_VERSION
from search import Searcher
from tests.conftest import SEED_PAGES


def _entries() -> list[Entry]:
    return load_sources(SEED_PAGES).entries


def _changed(entries: list[Entry]) -> list[Entry]:
    edited = Entry(**{**entries[0].to_dict(), "summary": "Language classes for refugees."})
    return [edited, *entries[1:]]


def test_an_update_assigns_topics_from_the_saved_vocabulary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _entries()
    build_index(entries, tmp_path / "full")
    build_index(entries, tmp_path / "updated")
    analysed: list[int] = []
    real = resources._analysed_assigner
    monkeypatch.setattr(resources, "_analysed_assigner", lambda: analysed.append(1) or real())
    changed = _changed(entries)
    report = build_index(changed, tmp_path / "updated")
    assert report.changed == 1 and not analysed  # nothing analysed again
    build_index(changed, tmp_path / "full", rebuild=True)
    edited = changed[0].id
    topics = [Searcher(tmp_path / d).get(edited).topics for d in ("full", "updated")]
    assert topics[0] == topics[1] and "language" in " ".join(topics[0])

    # Vocabulary saved from other topic data (or damaged): analysed again, same topics.
    saved = generations.current(tmp_path / "updated").path / TOPIC_VOCABULARY
    saved.write_text(json.dumps({**json.loads(saved.read_text()), "version": "other"}))
    build_index(entries, tmp_path / "updated")
    assert analysed == [1]
    build_index(entries, tmp_path / "original")
    topics = [Searcher(tmp_path / d).get(edited).topics for d in ("original", "updated")]
    assert topics[0] == topics[1]


def test_a_manifest_of_another_format_rebuilds_with_a_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entries = _entries()
    build_index(entries, tmp_path)
    manifest = generations.current(tmp_path).path / MANIFEST
    old = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({"schema_version": old["schema_version"], "entries": {}}))
    with caplog.at_level(logging.INFO, logger="indexer.manifest"):
        report = build_index(_changed(entries), tmp_path)
    assert report.rebuilt and report.total == len(entries)
    assert "another manifest format: rebuilding" in caplog.text
    assert Searcher(tmp_path).get(entries[1].id) is not None


def test_an_index_whose_manifest_is_in_the_previous_format_updates_without_a_rebuild(
    tmp_path: Path,
) -> None:
    entries = _entries()
    build_index(entries, tmp_path)
    path = generations.current(tmp_path).path / MANIFEST
    now = read_manifest(path, SCHEMA_VERSION)
    assert now is not None and len(now) == len(entries)
    ids = list(now.hashes)
    path.unlink()  # as gpsearch wrote it before format 3: columns as lists
    path.write_text(
        json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "format": 2,
                "ids": ids,
                "hashes": [now.hashes[i] for i in ids],
                "sources": sorted(set(now.files.values())),
                "source": [sorted(set(now.files.values())).index(now.files[i]) for i in ids],
                "blocks": [now.blocks[i] for i in ids],
                "declared": sorted(now.declared),
            }
        )
    )
    older = read_manifest(path, SCHEMA_VERSION)
    assert older is not None and list(older.hashes.items()) == list(now.hashes.items())
    assert older.files == now.files and older.blocks == now.blocks
    report = build_index(_changed(entries), tmp_path)
    assert not report.rebuilt and (report.changed, report.unchanged) == (1, len(entries) - 1)
    again = read_generation_manifest(generations.current(tmp_path).path, SCHEMA_VERSION)
    assert again is not None and again.blocks == now.blocks and again.files == now.files


@pytest.mark.parametrize("listed", [True, False], ids=["inodes as listed", "inodes by stat"])
def test_an_update_checksums_only_the_files_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    """The files carried over (hard links) keep the checksums recorded for them, and every
    checksum recorded is the file's (a deep check reads them all); also where the file
    system lists no true inode numbers (then files are compared by stat)."""
    entries = _entries()
    index = tmp_path / "index"
    build_index(entries, index)
    before = generations.current(index)
    if not listed:
        monkeypatch.setattr(integrity, "_true_inodes", lambda top, found: False)
    read: list[str] = []
    real = integrity._crc32
    depth = len(index.parts) + 1  # index/<generation>/<file>

    def crc32(path: Path) -> str:
        read.append("/".join(path.parts[depth:]))
        return real(path)

    monkeypatch.setattr(integrity, "_crc32", crc32)
    update_index(index, [_changed(entries)[0]])
    monkeypatch.undo()
    live = generations.current(index)
    records = integrity.recorded_files(live)
    assert records is not None and integrity.verify(live, deep=True) == []
    carried = {
        rel
        for rel in records
        if (before.path / rel).exists() and (before.path / rel).samefile(live.path / rel)
    }
    assert any(rel.endswith(".pst") for rel in carried)  # the Whoosh segments, linked
    assert sorted(read) == sorted(set(records) - carried)  # each file written, once


def test_inode_numbers_a_file_system_makes_up_are_not_taken_for_the_files(
    tmp_path: Path,
) -> None:
    """FUSE file systems without `use_ino` list one number for every file: an update
    would then take each file it wrote for the live generation's namesake."""
    for name in ("a", "b"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    true = {name: (tmp_path / name).stat().st_ino for name in ("a", "b")}
    assert integrity._true_inodes(tmp_path, true)
    assert not integrity._true_inodes(tmp_path, dict.fromkeys(true, 0xFFFFFFFF))
    assert not integrity._true_inodes(tmp_path, {"a": true["b"], "b": true["a"]})
