"""A build in worker processes: each Whoosh writer process exports the segment it wrote,
and the translation groups are found block by block in several processes; both must give
what the one-process paths give."""

from __future__ import annotations

import filecmp
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex

from corpus import load_sources
from indexer import build, generations, grouping, postings
from indexer.generations import GENERATION_META
from indexer.groups import group_signatures
from indexer.manifest import read_generation_manifest
from indexer.resources import load_resources
from indexer.schema import SCHEMA_VERSION
from indexer.signatures import load_signatures
from search import Searcher, SearchRequest
from tests.conftest import synthetic_jsonl

TRANSLATIONS = Path(__file__).resolve().parents[1] / "data" / "translations.jsonl"


def _replicas(shared_corpus: Path, out: Path, copies: int) -> Path:
    """The shared pages and the written translations, each copied into `copies` cities
    of its own (the same place-and-year blocks, versions and groups in each)."""
    entries = load_sources([shared_corpus / "pages", TRANSLATIONS]).entries
    with out.open("w", encoding="utf-8") as lines:
        for k in range(copies):
            for e in entries:
                record = {**e.to_dict(), "id": f"{e.id}-{k}", "source": ""}
                record["city"] = f"{e.city} {k}" if e.city else ""
                lines.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Iterator[Path]:
    """The live generation of 600 synthetic entries and the shared pages with the written
    translations in 8 cities, written by two writer processes (the thresholds lowered so
    that a small build forks them)."""
    tmp = tmp_path_factory.mktemp("parallel")
    sources = [
        synthetic_jsonl(tmp / "entries.jsonl", 600),
        _replicas(shared_corpus, tmp / "replicas.jsonl", 8),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "PARALLEL_THRESHOLD", 100)
        patch.setattr(grouping, "PARALLEL_THRESHOLD", 100)
        build.build_index(load_sources(sources).entries, tmp / "index", procs=2)
    yield generations.current(tmp / "index").path


def _exported_as_stored(built: Path, tmp_path: Path) -> None:
    """Every segment's exported files are those exporting it from its stored entries
    writes, and they hold every document of the generation."""
    meta = json.loads((built / GENERATION_META).read_text(encoding="utf-8"))
    lexicon = load_resources(built).lexicon
    compared = 0
    with windex.open_dir(str(built)).reader() as reader:
        for segreader, _ in reader.leaf_readers():
            name = f"seg-{segreader.segment().segment_id()}"
            again = tmp_path / name
            postings.export_segment(segreader, again, lexicon)
            written = built / postings.ACCEL / name
            files = sorted(p.name for p in written.iterdir())
            assert files == sorted(p.name for p in again.iterdir())
            assert files and all(filecmp.cmp(written / f, again / f, shallow=False) for f in files)
            compared += segreader.doc_count()
    assert compared == meta["documents"]


def test_each_writer_process_exports_its_segment_as_its_stored_entries_give_it(
    built: Path, tmp_path: Path
) -> None:
    """The writer processes export their segments from the documents they wrote (the
    build's own export has nothing left to do)."""
    meta = json.loads((built / GENERATION_META).read_text(encoding="utf-8"))
    assert meta["accel"]["segments"] >= 2
    assert meta["accel"]["exported"] == 0
    _exported_as_stored(built, tmp_path)


def test_an_update_in_writer_processes_exports_what_it_writes(
    tmp_path: Path, shared_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update that changes and removes entries in writer processes: the carried
    segments keep their deletions, the new ones are exported by their writers, and every
    segment's files are those its stored entries give."""
    monkeypatch.setattr(build, "PARALLEL_THRESHOLD", 100)
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 500)
    entries = load_sources([source, shared_corpus / "pages"]).entries
    index = tmp_path / "index"
    build.build_index(entries, index, procs=2)
    changed = [replace(e, summary=e.summary + " Qzxedit.") for e in entries[:300]]
    build.build_index([*changed, *entries[320:]], index, procs=2)  # 20 of its file removed
    live = generations.current(index).path
    meta = json.loads((live / GENERATION_META).read_text(encoding="utf-8"))
    assert meta["documents"] == len(entries) - 20
    # at most the segment the commit merged the mostly-deleted old ones into (merging.py),
    # which the build's own writer wrote: the writer processes' are exported already
    assert meta["accel"]["exported"] <= 1 and meta["accel"]["segments"] >= 3
    _exported_as_stored(live, tmp_path / "again")
    hits = Searcher(index).search(SearchRequest("qzxedit", per_page=5, versions="all"))
    assert hits.total == 300


def test_groups_found_block_by_block_in_processes_are_those_found_at_once(built: Path) -> None:
    """The same groups, listed in the same order (the versions of a practice are shown in
    it), as grouping every signature in one process; each process reads its blocks' rows
    where the segments' row indexes say they are."""
    manifest = read_generation_manifest(built, SCHEMA_VERSION)
    assert manifest is not None and not manifest.declared
    at_once = group_signatures(load_signatures(built))
    caller = os.getpid()

    def in_a_worker(found: Any) -> dict[str, str]:
        assert os.getpid() != caller, "grouped in the calling process"
        return group_signatures(found)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "PARALLEL_THRESHOLD", 100)
        patch.setattr(grouping, "group_signatures", in_a_worker)
        split = grouping.group_all(built, manifest, procs=2)
    assert len(set(at_once.values())) >= 8 * 4  # 4 groups of the pages in each city
    assert list(split.items()) == list(at_once.items())


def test_blocks_are_split_whole_and_evenly() -> None:
    sizes = {"": 500, "a": 40, "b": 30, "c": 20, "d": 10, "e": 10, "f": 5}
    parts = grouping.split_blocks(sizes, 2)
    assert sorted(b for part in parts for b in part) == ["a", "b", "c", "d", "e", "f"]
    loads = sorted(sum(sizes[b] for b in part) for part in parts)
    assert loads == [55, 60]  # the largest first, each to the lighter part
    assert grouping.split_blocks({"": 9}, 2) == []
    assert grouping.split_blocks({"a": 3}, 4) == [{"a"}]


def test_the_writer_processes_refuse_documents_given_one_by_one(tmp_path: Path) -> None:
    """They take the source's items by position: a document added as Whoosh's writer takes
    it would reach a worker as a job it reads as positions, so it is refused at once."""
    from whoosh import fields

    from indexer.workers import DyingMpWriter, WriterSource

    ix = windex.create_in(str(tmp_path), fields.Schema(t=fields.TEXT))
    writer = DyingMpWriter(ix, 2, WriterSource(["a b"], lambda text: {"t": text}))
    try:
        with pytest.raises(TypeError, match="add_source"):
            writer.add_document(t="c d")
    finally:
        writer.cancel()
