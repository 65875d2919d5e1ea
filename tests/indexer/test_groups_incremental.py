"""Translation groups stay right when an update touches only some place-and-year blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus import Entry, bundled_sources, load_sources
from indexer import generations
from indexer.build import build_index
from indexer.group_files import read_groups
from indexer.groups import assign_groups
from tests.indexer.packs import unpack

TRANSLATIONS = Path(__file__).resolve().parents[1] / "data" / "translations.jsonl"


def _groups(index_dir: Path) -> dict[str, str]:
    return read_groups(generations.current(index_dir).path).of


def test_incremental_groups_equal_a_full_regrouping(tmp_path: Path, shared_corpus: Path) -> None:
    pages = load_sources([shared_corpus / "pages", *bundled_sources()]).entries
    translated = load_sources([TRANSLATIONS]).entries
    build_index(pages, tmp_path)
    lutsk = {e.id for e in pages if e.title == "Art-therapy in Lutsk"}
    assert {_groups(tmp_path)[i] for i in lutsk} == {_groups(tmp_path)[next(iter(lutsk))]}
    # Add the translations (new entries in existing blocks), then change and drop some.
    build_index([*pages, *translated], tmp_path)
    after_add = _groups(tmp_path)
    changed = [Entry(**{**e.to_dict(), "summary": e.summary + " Updated."}) for e in translated]
    report = build_index([*pages, *changed[1:]], tmp_path)
    assert report.removed == 1 and report.changed == len(changed) - 1
    incremental = _groups(tmp_path)
    from whoosh import index as windex

    ix = windex.open_dir(str(generations.current(tmp_path).path))
    with ix.searcher() as searcher:
        full = assign_groups(f["doc"] for f in searcher.reader().all_stored_fields())
    assert incremental == full
    assert len(after_add) > len(incremental) >= len(lutsk)


def test_an_entry_updated_out_of_every_block_leaves_its_group(
    tmp_path: Path, shared_corpus: Path
) -> None:
    from indexer.build import update_index

    pages = load_sources([shared_corpus / "pages", *bundled_sources()]).entries
    build_index(pages, tmp_path)
    lutsk = sorted(e.id for e in pages if e.title == "Art-therapy in Lutsk")
    assert len({_groups(tmp_path)[i] for i in lutsk}) == 1 and len(lutsk) > 1
    moved = next(e for e in pages if e.id == lutsk[0])
    # no place and no year: never compared, so in no group, as a build from nothing says
    placeless = Entry(**{**moved.to_dict(), "country": "", "city": "", "meta": "", "period": ""})
    update_index(tmp_path, [Entry(**{**placeless.to_dict(), "year_from": None, "year_to": None})])
    assert lutsk[0] not in _groups(tmp_path)


def test_the_rows_of_a_few_blocks_are_read_as_the_whole_file_has_them(
    tmp_path: Path, shared_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer import signatures

    build_index(load_sources([shared_corpus / "entries.jsonl"]).entries, tmp_path)
    gen_dir = generations.current(tmp_path).path
    everything = signatures.load_signatures(gen_dir)
    blocks = {s.block for s in everything if s.block}
    assert everything[-1].block, "the file's last row must be among those read"
    chosen = set(sorted(blocks)[:3]) | {everything[-1].block}
    expected = [s for s in everything if s.block in chosen]
    assert len(expected) >= 3
    assert signatures.load_signatures(gen_dir, chosen) == expected
    monkeypatch.setattr(signatures, "_PARSED_AT_ONCE", 2)  # parsed two rows at a time
    assert signatures.load_signatures(gen_dir, chosen) == expected
    # a segment exported before the row index: the same rows, found by scanning the file
    for seg_dir in gen_dir.glob("accel/seg-*"):
        unpack(seg_dir, leave_out={signatures.SIGNATURE_INDEX})
    assert signatures.load_signatures(gen_dir, chosen) == expected
    assert signatures.load_signatures(gen_dir, {"no such block"}) == []


@pytest.mark.parametrize(
    ("column", "damage"),
    [
        (1, lambda index, blocks: len(blocks) + 99),  # a block past the segment's table
        (0, lambda index, blocks: index[2, 0] + 5),  # a row ending before it starts
        (0, lambda index, blocks: 2**40),  # a row far past the end of the file
        (0, lambda index, blocks: -3),
    ],
    ids=["block code", "reversed row", "row past the end", "negative start"],
)
def test_a_damaged_row_index_is_an_error_naming_the_segment(
    tmp_path: Path, shared_corpus: Path, column: int, damage: Any
) -> None:
    from indexer import signatures

    build_index(load_sources([shared_corpus / "entries.jsonl"]).entries, tmp_path)
    gen_dir = generations.current(tmp_path).path
    blocks = {s.block for s in signatures.load_signatures(gen_dir) if s.block}
    seg_dir = max(
        gen_dir.glob("accel/seg-*"), key=lambda d: (d / "signatures.jsonl").stat().st_size
    )
    unpack(seg_dir)  # the row index as its own file, to damage it
    index = np.load(seg_dir / signatures.SIGNATURE_INDEX)
    assert len(index) > 3
    index[1, column] = damage(index, blocks)
    np.save(seg_dir / signatures.SIGNATURE_INDEX, index)
    with pytest.raises(ValueError, match=f"{seg_dir}: damaged"):
        signatures.load_signatures(gen_dir, blocks)
