"""Updates by id (`update_index`): add or replace some entries, delete others, and leave
every other entry of the index as it is, as a search engine's document API does."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from corpus import Entry, load_sources
from indexer import generations, places
from indexer.arraypack import Arrays
from indexer.build import build_index, index_sources, update_index
from indexer.generations import CONCEPTS, TOPIC_VOCABULARY
from indexer.plan import UpdateError
from indexer.postings import text_fields
from indexer.schema import build_schema
from search import Searcher, SearchRequest
from search.snapshot import Snapshot
from tests.conftest import SEED_PAGES, synthetic_jsonl


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, list[Entry]]:
    entries = load_sources(SEED_PAGES).entries
    build_index(entries, tmp_path)
    return tmp_path, entries


def _ids(searcher: Searcher, query: str) -> list[str]:
    return [h.id for h in searcher.search(SearchRequest(query, per_page=50)).results]


def test_an_upserted_entry_replaces_its_old_version_and_the_rest_stays(
    built: tuple[Path, list[Entry]],
) -> None:
    index, entries = built
    searcher = Searcher(index, check_interval=0)
    before = _ids(searcher, "")
    edited = dataclasses.replace(entries[3], summary="A zeppelin tour for newcomers.")
    added = dataclasses.replace(entries[5], id="brand-new", title="Harbour choir")
    report = update_index(index, [edited, added])
    assert (report.new, report.changed, report.removed, report.unchanged) == (1, 1, 0, 0)
    assert _ids(searcher, "zeppelin") == [edited.id]
    assert _ids(searcher, "harbour choir")[:1] == ["brand-new"]
    assert sorted(_ids(searcher, "")) == sorted([*before, "brand-new"])
    assert searcher.get(edited.id).summary == "A zeppelin tour for newcomers."  # type: ignore[union-attr]
    # what an entry says is analysed again: its language, as a build detects it
    assert searcher.get("brand-new").language == searcher.get(entries[5].id).language  # type: ignore[union-attr]


def test_a_deleted_id_goes_and_an_unknown_one_is_reported(
    built: tuple[Path, list[Entry]], caplog: pytest.LogCaptureFixture
) -> None:
    index, entries = built
    searcher = Searcher(index, check_interval=0)
    live = generations.current(index).name
    with caplog.at_level(logging.WARNING):
        nothing = update_index(index, deletes=["no-such-entry"])
    assert nothing.not_found == ["no-such-entry"] and nothing.removed == 0
    assert nothing.generation == live  # nothing to change: no new generation
    assert "no-such-entry" in caplog.text
    report = update_index(index, deletes=[entries[0].id, "no-such-entry"])
    assert (report.removed, report.not_found) == (1, ["no-such-entry"])
    assert searcher.get(entries[0].id) is None
    assert searcher.search(SearchRequest("")).total == len(entries) - 1


def test_an_unchanged_upsert_writes_nothing(built: tuple[Path, list[Entry]]) -> None:
    index, entries = built
    live = generations.current(index).name
    report = update_index(index, [entries[2]])
    assert (report.modified, report.unchanged, report.generation) == (0, 1, live)


def test_an_id_given_twice_or_no_index_is_refused_and_nothing_changes(
    built: tuple[Path, list[Entry]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    index, entries = built
    live = generations.current(index).name
    edited = dataclasses.replace(entries[1], summary="changed")
    with pytest.raises(
        UpdateError, match=r"upserts\[1\]: entry id .* already given at upserts\[0\]"
    ):
        update_index(index, [entries[1], edited])
    with pytest.raises(UpdateError, match=r"deletes\[0\]: .* already given at upserts\[0\]"):
        update_index(index, [edited], deletes=[entries[1].id])
    assert generations.current(index).name == live
    assert Searcher(index).get(entries[1].id).summary == entries[1].summary  # type: ignore[union-attr]
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(UpdateError, match="no index to update"):
        update_index(empty, [edited])


def test_the_next_import_of_the_file_skips_the_lines_an_update_left_alone(
    tmp_path: Path,
) -> None:
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 40)
    index = tmp_path / "index"
    index_sources([source], index)
    entries = load_sources([source]).entries
    update_index(index, [dataclasses.replace(entries[7], summary="edited by id")])
    # The file still has the old text: the next import puts it back, parsing that line
    # only (the 39 others are remembered; the edited entry's line no longer matches).
    loaded, report = index_sources([source], index)
    assert (report.changed, report.unchanged) == (1, 39)
    assert len(loaded.known) == 39
    assert Searcher(index).get(entries[7].id).summary == entries[7].summary  # type: ignore[union-attr]


def test_a_reopen_after_an_update_shares_the_unchanged_lexicon(
    built: tuple[Path, list[Entry]],
) -> None:
    index, entries = built
    searcher = Searcher(index, check_interval=0)
    first = searcher.snapshot()
    update_index(index, [dataclasses.replace(entries[4], summary="A zeppelin tour.")])
    second = searcher.snapshot()
    assert second.gen.name != first.gen.name
    # the same saved lexicon and topic vocabulary: not parsed again, and one copy in memory
    assert second.lexicon is first.lexicon
    assert second.topic_assigner is first.topic_assigner
    assert _ids(searcher, "zeppelin") == [entries[4].id]
    # the update kept the files themselves (linked, not written again)
    for name in (CONCEPTS, TOPIC_VOCABULARY):
        assert (second.gen.path / name).samefile(first.gen.path / name)
    # a generation whose saved topic vocabulary differs gets its own assigner; one whose
    # saved lexicon differs, its own lexicon and assigner
    vocabulary = first.gen.path / TOPIC_VOCABULARY
    text = vocabulary.read_text(encoding="utf-8")
    vocabulary.unlink()  # a file of its own, as another build writes it
    vocabulary.write_text(text + " ", encoding="utf-8")
    third = Snapshot(second.gen, first)
    assert third.lexicon is first.lexicon
    assert third.topic_assigner is not first.topic_assigner
    (first.gen.path / CONCEPTS).unlink()
    (first.gen.path / CONCEPTS).write_text("{}", encoding="utf-8")
    fourth = Snapshot(second.gen, first)
    assert fourth.lexicon is not first.lexicon
    assert fourth.topic_assigner is not first.topic_assigner


def test_an_updates_segment_holds_arrays_only_for_the_fields_it_has_words_in(
    built: tuple[Path, list[Entry]],
) -> None:
    index, entries = built
    searcher = Searcher(index, check_interval=0)
    before = {p.name for p in (generations.current(index).path / "accel").iterdir()}
    update_index(index, [dataclasses.replace(entries[6], summary="A zeppelin tour.")])
    accel = generations.current(index).path / "accel"
    (added,) = [p for p in accel.glob("seg-*") if p.name not in before]
    arrays = Arrays(added)
    vocabularies = [name for name in arrays.names() if name.endswith(".vocab")]
    # one entry in one language: a few fields, not every language's (5 arrays per field)
    assert vocabularies and all(arrays.text(name) for name in vocabularies)
    assert len(vocabularies) < len(text_fields(build_schema())) / 4
    # every language still answers, from the segments that hold it
    assert _ids(searcher, "zeppelin") == [entries[6].id]
    for entry in entries[:5]:
        assert entry.id in _ids(searcher, entry.title)


def _edit(**changes: Any) -> Any:
    return lambda e: [dataclasses.replace(e[0], **changes)]


def _nothing(entries: list[Entry]) -> list[Any]:
    return []


@pytest.mark.parametrize(
    ("upserts", "deletes", "message"),
    [
        (_edit(id=""), _nothing, r"upserts\[0\]: .* needs its id"),
        (lambda e: [e[1], *_edit(id="bad id/x")(e)], _nothing, r"upserts\[1\] .*'id'"),
        (_edit(title=""), _nothing, r"upserts\[0\] .*'title'"),
        (_edit(year_from=99999), _nothing, r"upserts\[0\] .*year"),
        (_edit(kind="bogus"), _nothing, r"upserts\[0\] .*'kind'"),
        (lambda e: [e[0].to_dict()], _nothing, r"upserts\[0\]: an Entry, not dict"),
        (_nothing, lambda e: "abc", r"deletes: a list of entry ids, not one string"),
        (_nothing, lambda e: [e[0].id, 7], r"deletes\[1\]: an entry id, not int"),
        (_nothing, lambda e: [x.id for x in e], r"deletes: removing every entry would"),
    ],
)
def test_what_an_import_would_refuse_is_refused_naming_the_argument(
    built: tuple[Path, list[Entry]], upserts: Any, deletes: Any, message: str
) -> None:
    index, entries = built
    live = generations.current(index).name
    with pytest.raises(UpdateError, match=message):
        update_index(index, upserts(entries), deletes(entries))
    assert generations.current(index).name == live
    assert Searcher(index).search(SearchRequest("")).total == len(entries)


def test_a_generation_in_a_newer_layout_is_refused_and_the_old_one_keeps_serving(
    built: tuple[Path, list[Entry]], caplog: pytest.LogCaptureFixture
) -> None:
    index, entries = built
    searcher = Searcher(index, check_interval=0)
    serving = searcher.generation
    update_index(index, [dataclasses.replace(entries[0], summary="A zeppelin tour.")])
    newer = generations.current(index).path / generations.GENERATION_META
    meta = json.loads(newer.read_text(encoding="utf-8"))
    newer.write_text(json.dumps({**meta, "layout": generations.LAYOUT + 1}), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert searcher.generation == serving
    assert "cannot be served" in caplog.text and "written by a newer gpsearch" in caplog.text
    assert "damaged" not in caplog.text  # nothing to rebuild: this code is the older one
    with pytest.raises(generations.IndexNotFoundError, match=r"cannot be served: .*newer"):
        Searcher(index)
    # Nor does this indexer update it (it would misread the newer files); it may rebuild it
    edit = dataclasses.replace(entries[1], summary="A balloon tour.")
    for build in (lambda: update_index(index, [edit]), lambda: build_index(entries, index)):
        with pytest.raises(generations.IndexNotFoundError, match=r"not updated: .*newer"):
            build()
    assert build_index(entries, index, rebuild=True).rebuilt
    assert Searcher(index).search(SearchRequest("")).total == len(entries)


def test_an_update_keeps_the_local_place_table_and_makes_it_anew_for_a_new_city(
    built: tuple[Path, list[Entry]],
) -> None:
    index, entries = built
    first = generations.current(index).path
    update_index(index, [dataclasses.replace(entries[3], summary="A zeppelin tour.")])
    second = generations.current(index).path
    shared = [p for p in (first / places.LOCAL).rglob("*") if p.is_file()]
    assert shared and all(
        p.samefile(second / places.LOCAL / p.relative_to(first / places.LOCAL)) for p in shared
    )  # the same places: the previous table's files, not a cut of the full tables again
    moved = dataclasses.replace(
        entries[5], id="brand-new", city="Kraków", country="Poland", country_code="PL"
    )
    update_index(index, [moved])
    third = generations.current(index).path
    local = places.load_local(third, places.generation_keys(third))
    assert local is not None
    names = {local.tables.names[i] for i in range(len(local.tables.keys))}
    assert any(name.startswith("Krak") for name in names), names
    assert Searcher(index).get("brand-new").lat is not None  # type: ignore[union-attr]


def test_updates_map_the_carried_place_tables_once_and_new_tables_anew(
    built: tuple[Path, list[Entry]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    index, entries = built
    first = places.indexing_book(generations.current(index).path)
    update_index(index, [dataclasses.replace(entries[3], summary="A zeppelin tour.")])
    again = places.indexing_book(generations.current(index).path)
    assert first is not None and again is first  # the linked tables: not mapped again
    # Another index's tables (a copy: other files with the same bytes) are its own.
    copy = tmp_path_factory.mktemp("copy") / "index"
    shutil.copytree(index, copy)
    elsewhere = places.indexing_book(generations.current(copy).path)
    assert elsewhere is not None and elsewhere is not first
    assert elsewhere.tables.keys[0] == first.tables.keys[0]
    # Rebuilt tables (a build from nothing writes them anew) are read, not the old book.
    build_index(entries, index, rebuild=True)
    assert places.indexing_book(generations.current(index).path) not in (first, elsewhere)
    # A query process maps its generation's own (a snapshot releases them when it closes).
    assert places.load_book(generations.current(index).path) is not places.load_book(
        generations.current(index).path
    )


def test_a_reopen_after_an_update_shares_the_segments_both_generations_hold(
    built: tuple[Path, list[Entry]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    index, entries = built
    searcher = Searcher(index, check_interval=0)
    first = searcher.snapshot()
    before = {q: _ids(searcher, q) for q in ("intercultural", "city", "")}
    update_index(index, [dataclasses.replace(entries[4], summary="A zeppelin tour.")])
    second = searcher.snapshot()
    old, new = first.data.fields["body_f"].segments, second.data.fields["body_f"].segments
    assert len(new) == len(old) + 1
    assert all(a is b for a, b in zip(old, new, strict=False))  # read once, not again
    assert new[-1].offset == first.n  # the update's own segment, after them
    assert _ids(searcher, "zeppelin") == [entries[4].id]
    edited = entries[4].id
    for query, found in before.items():  # every other entry as before, from the shared arrays
        assert sorted(set(_ids(searcher, query)) - {edited}) == sorted(set(found) - {edited})
    # The same segment names in another index's files: read from those files, not shared.
    copy = tmp_path_factory.mktemp("copy") / "index"
    shutil.copytree(index, copy)
    elsewhere = Snapshot(generations.current(copy), second)
    assert not any(
        a is b for a, b in zip(elsewhere.data.fields["body_f"].segments, new, strict=True)
    )


def test_after_updates_every_id_finds_its_own_entry(built: tuple[Path, list[Entry]]) -> None:
    index, entries = built
    # new ids sorting first, last and longer than any the index holds, over three updates
    longest = "z" + "-x" * 60
    update_index(index, [dataclasses.replace(entries[1], id="0-first", title="First")])
    update_index(index, [dataclasses.replace(entries[2], id=longest, title="Longest")])
    update_index(
        index,
        [dataclasses.replace(entries[3], summary="Edited.")],
        deletes=[entries[4].id],
    )
    searcher = Searcher(index)
    expected = {e.id for e in entries} - {entries[4].id} | {"0-first", longest}
    assert {d.id for d in searcher.iter_documents()} == expected
    for entry_id in expected:
        assert searcher.get(entry_id).id == entry_id  # type: ignore[union-attr]
    assert searcher.get(longest).title == "Longest"  # type: ignore[union-attr]
    assert searcher.get(entries[4].id) is None
