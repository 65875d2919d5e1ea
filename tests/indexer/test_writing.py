"""How a build writes Whoosh segments: the one-pass text field and the build's codec write
what Whoosh's own paths write."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import SegmentReader

from corpus import Entry, load_sources
from indexer import codec, merging
from indexer.analysis import SUPPORTED, UNDETERMINED, analysis_language
from indexer.codec import BuildCodec
from indexer.merging import merge_policy
from indexer.schema import Analysed, Text, build_schema, whoosh_document
from tests.conftest import synthetic_jsonl

# Words each pipeline treats apart: elisions, apostrophes, stopwords only, digits, marks
# alone, Cyrillic and Latin Serbian, dotted and dotless i, a word over the length limit.
AWKWARD = [
    "",
    "   ",
    "l'intégration des réfugiés à l’école d'été",
    "the and of to in",
    "\u0301\u0301 \u0301x",
    "2019-2021 № 15 ½",
    "Интеркултурни град Нови Сад; interkulturni grad Novi Sad",
    "İstanbul ISTANBUL ıslak Iğdır",
    "x" * 300 + " word",
    "Roma Roma roma ROMA Róma",
]


def _texts(entries: list[Entry]) -> list[str]:
    return [t for e in entries for t in (e.title, e.summary, e.body) if t] + AWKWARD


def test_text_fields_index_what_whoosh_indexes(pages: list[Entry]) -> None:
    """Every language's field (and the folded ones) gives, for each text, the same terms,
    frequencies, weights and encoded values as Whoosh's TEXT field with the same analyser
    (the 17 shared pages' texts and awkward strings)."""
    schema = build_schema()
    texts = _texts(pages)
    checked = set()
    for name, field in schema.items():
        if not isinstance(field, Text):
            continue
        plain = fields.TEXT(analyzer=field.analyzer, phrase=False)
        for text in texts:
            assert sorted(field.index(text)) == sorted(plain.index(text)), (name, text[:60])
        checked.add(field.lang)
    assert checked == {analysis_language(lang) for lang in SUPPORTED} | {UNDETERMINED}


def _documents(entries: list[Entry]) -> list[dict[str, Any]]:
    return [
        whoosh_document(Analysed(e, e.language or "en", 1.0, "declared", "h", "f")) for e in entries
    ]


def _written(directory: Path, documents: list[dict[str, Any]], **options: Any) -> Any:
    directory.mkdir()
    ix = windex.create_in(str(directory), build_schema())
    writer = ix.writer(compound=False, **options)
    for doc in documents:
        writer.add_document(**doc)
    writer.commit()
    return ix


def _contents(ix: Any) -> dict[str, Any]:
    """Per field: each term's postings, weights and the lengths its block info records,
    and each document's field length."""
    out: dict[str, Any] = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for name, field in ix.schema.items():
            if not field.scorable:
                continue
            terms = {}
            for term in reader.lexicon(name):
                info = reader.term_info(name, term)
                postings = reader.postings(name, term)
                terms[term] = (
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    list(postings.items_as("weight")),
                )
            lengths = [reader.doc_field_length(d, name) for d in range(reader.doc_count_all())]
            out[name] = (terms, lengths)
    return out


def _writers_seen(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], list[int]]:
    """The build's field writer made to note the pid of each process it writes in
    (forked writer processes inherit the patch); returns the reader of those notes."""
    add_postings = codec._FieldWriter.add_postings

    def noted(self: Any, *args: Any) -> None:
        with log.open("a") as out:
            out.write(f"{os.getpid()}\n")
        add_postings(self, *args)

    monkeypatch.setattr(codec._FieldWriter, "add_postings", noted)
    return lambda: [int(p) for p in log.read_text().split()] if log.exists() else []


def _all_segment_files(directory: Path) -> list[tuple[int, int, dict[str, bytes]]]:
    """Each segment of the index, in its table of contents' order: documents, deleted
    ones, and its files by extension (the segment's id, "MAIN_...", names them; a file
    of no listed segment fails)."""
    by_segment: dict[str, dict[str, bytes]] = {}
    for path in directory.glob("MAIN_*.*"):
        segment_id, extension = path.name.split(".", 1)
        by_segment.setdefault(segment_id, {})[extension] = path.read_bytes()
    segments = windex.open_dir(str(directory))._segments()
    assert sorted(by_segment) == sorted(s.segment_id() for s in segments)
    return [(s.doc_count_all(), s.deleted_count(), by_segment[s.segment_id()]) for s in segments]


def _segment_files(directory: Path) -> dict[str, bytes]:
    """The one segment's files by extension (their names carry the segment's random id)."""
    (only,) = _all_segment_files(directory)
    return only[2]


@pytest.mark.parametrize("corpus", ["pages", "synthetic"])
def test_build_codec_writes_what_whoosh_writes(
    pages: list[Entry], tmp_path: Path, corpus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A segment written with the build's codec is Whoosh's, byte for byte: its postings
    (blocks of 128, with each block's weights and length range), term infos and columns.
    It names Whoosh's own codec, so a reader opens it without this module.  The synthetic
    entries give terms of over two blocks."""
    entries = pages
    if corpus == "synthetic":
        entries = load_sources([synthetic_jsonl(tmp_path / "entries.jsonl", 600)]).entries
    documents = _documents(entries)
    plain = _written(tmp_path / "plain", documents)
    writers = _writers_seen(monkeypatch, tmp_path / "pids")
    built = _written(tmp_path / "built", documents, codec=BuildCodec())
    assert writers() == [os.getpid()], "the build's field writer wrote the segment"
    assert _segment_files(tmp_path / "built") == _segment_files(tmp_path / "plain")
    assert _contents(built) == _contents(plain)
    with windex.open_dir(str(tmp_path / "built")).reader() as reader:
        segments = [r.segment() for r, _ in reader.leaf_readers()]
        most = max(reader.doc_frequency(f, t) for f, t in reader.all_terms())
    assert segments and all(type(s.codec()) is W3Codec for s in segments)
    assert corpus == "pages" or most > 256


@pytest.mark.parametrize("procs", [1, 2])
def test_build_codec_in_the_multiprocess_writer(
    pages: list[Entry], tmp_path: Path, procs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers of Whoosh's multiprocess writer write with it too (each of them, not the
    build's process), and each term's weight, document frequency and the field lengths its
    infos record are Whoosh's own."""
    from indexer.workers import DyingMpWriter, WriterSource

    documents = _documents(pages)
    plain = _written(tmp_path / "plain", documents)
    writers = _writers_seen(monkeypatch, tmp_path / "pids")
    directory = tmp_path / "built"
    directory.mkdir()
    ix = windex.create_in(str(directory), build_schema())
    source = WriterSource(documents, dict)
    writer = DyingMpWriter(ix, procs, source, batchsize=10, codec=BuildCodec())  # each gets some
    writer.add_source()
    writer.commit()

    def infos(ix: Any) -> dict[str, Any]:  # docnums differ: the workers take batches
        return {
            name: {t: p[:4] for t, p in terms.items()} for name, (terms, _) in _contents(ix).items()
        }

    assert infos(ix) == infos(plain)
    seen = writers()
    assert len(set(seen)) == procs and os.getpid() not in seen


def test_build_codec_rewrites_a_mostly_deleted_segment_as_whoosh_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update that deletes most of a segment has the commit rewrite it (merging.py):
    the segment it writes with the build's codec, reading the old one with a MergeReader,
    is what Whoosh writes reading it with its own reader, byte for byte."""
    entries = load_sources([synthetic_jsonl(tmp_path / "entries.jsonl", 600)]).entries
    documents = _documents(entries)
    writers = _writers_seen(monkeypatch, tmp_path / "pids")
    for name, options in (("plain", {}), ("built", {"codec": BuildCodec()})):
        with monkeypatch.context() as patch:
            if name == "plain":  # the old segment read by Whoosh's reader, not a MergeReader
                patch.setattr(merging, "MergeReader", SegmentReader)
            ix = _written(tmp_path / name, documents[:500])
            writer = ix.writer(compound=False, **options)
            for doc in documents[:400]:
                writer.delete_by_term("id", doc["id"])
            for doc in documents[500:]:
                writer.add_document(**doc)
            writer.commit(mergetype=merge_policy)
        assert windex.open_dir(str(tmp_path / name)).doc_count_all() == 200
    assert writers(), "the build's field writer wrote the merged segment"
    assert _segment_files(tmp_path / "built") == _segment_files(tmp_path / "plain")


def test_one_entry_updates_merge_their_small_segments_as_whoosh_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One-entry updates leave one-document segments, which a later commit merges
    (merging.merge_small, each read by codec.MergeReader): after every commit the segments
    are those Whoosh's MERGE_SMALL and SegmentReader make, byte for byte, the documents
    the updates deleted from them left out."""
    from whoosh.writing import MERGE_SMALL

    entries = load_sources([synthetic_jsonl(tmp_path / "entries.jsonl", 130)]).entries
    documents = _documents(entries)
    seen: dict[str, list[Any]] = {}
    for name in ("whoosh", "built"):
        with monkeypatch.context() as patch:
            if name == "whoosh":  # the policy before: Whoosh's selection and reader
                patch.setattr(merging, "merge_small", MERGE_SMALL)
                patch.setattr(merging, "MergeReader", SegmentReader)
            ix = _written(tmp_path / name, documents[:100], codec=BuildCodec())
            states = []
            for i, doc in enumerate(documents[100:]):
                writer = ix.writer(compound=False, codec=BuildCodec())
                writer.delete_by_term("id", documents[100 + i // 2]["id"])  # an added one
                writer.add_document(**doc)
                writer.commit(mergetype=merge_policy)
                states.append(_all_segment_files(tmp_path / name))
            seen[name] = states
    assert seen["built"] == seen["whoosh"]
    states = seen["built"]
    merges = [i for i in range(1, len(states)) if len(states[i]) < len(states[i - 1])]
    assert len(merges) >= 2, "commits merged the small segments"
    merged_away = [
        files
        for i in merges
        for _, deleted, files in states[i - 1]
        if deleted and files not in [f for _, _, f in states[i]]
    ]
    assert merged_away, "a segment with deleted documents was merged (they are left out)"


def test_merge_small_picks_the_segments_whoosh_picks(monkeypatch: pytest.MonkeyPatch) -> None:
    """merging.merge_small merges and keeps what Whoosh's MERGE_SMALL merges and keeps,
    in the same order, for lists of segments of many sizes (one-entry updates' among them)."""
    import random

    import whoosh.reading
    from whoosh.writing import MERGE_SMALL

    class Segment:
        def __init__(self, count: int, number: int) -> None:
            self.count, self.number = count, number

        def doc_count_all(self) -> int:
            return self.count

    def picks(policy: Any, segments: list[Segment]) -> tuple[list[int], list[int]]:
        merged: list[int] = []

        class Reader:  # what a merge opens: noted, never read
            def __init__(self, storage: Any, schema: Any, segment: Segment) -> None:
                merged.append(segment.number)

            def close(self) -> None:
                pass

        writer = type("Writer", (), {"storage": None, "schema": None})()
        writer.add_reader = lambda reader: None
        with monkeypatch.context() as patch:
            patch.setattr(whoosh.reading, "SegmentReader", Reader)
            patch.setattr(merging, "MergeReader", Reader)
            kept = policy(writer, segments)
        return merged, [s.number for s in kept]

    rng = random.Random(5)
    sizes = [0, 1, 1, 2, 3, 5, 8, 13, 20, 40, 100, 1000, 20000]
    for _ in range(2000):
        segments = [Segment(rng.choice(sizes), n) for n in range(rng.randint(0, 9))]
        assert picks(merging.merge_small, segments) == picks(MERGE_SMALL, segments), [
            s.count for s in segments
        ]
