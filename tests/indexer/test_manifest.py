"""The manifest a generation keeps of its entries: rows changed in place by an update,
read and written as columns, and the same as dicts keyed by id would hold it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from indexer.manifest import Manifest, read_manifest
from indexer.schema import SCHEMA_VERSION


@pytest.mark.parametrize("removals", [3, 200])  # a few rows dropped, or filtered
def test_a_manifest_changes_and_reads_back_as_dicts_by_id_would(
    tmp_path: Path, removals: int
) -> None:
    rng = random.Random(removals)
    manifest = Manifest()
    model: dict[str, tuple[str, str, str]] = {}  # id -> hash, file, block, in order
    declared: set[str] = set()

    def add(entry_id: str) -> None:
        row = (
            f"{rng.getrandbits(64):016x}",
            f"f{rng.randrange(3)}.jsonl",
            rng.choice(["", "b1", "b2", "b3", "b4", "b5"]),
        )
        flag = rng.random() < 0.1
        manifest.add(entry_id, *row, flag)
        model[entry_id] = row  # a known id keeps its place
        (declared.add if flag else declared.discard)(entry_id)

    for n in range(500):
        add(f"e{n}")
    gone = rng.sample(sorted(model), removals)
    manifest = manifest.without([*gone, "not-there"])
    for entry_id in gone:
        del model[entry_id]
        declared.discard(entry_id)
    for n in (*rng.sample(sorted(model), 20), "new-1", "new-2"):
        add(n)
    path = tmp_path / "manifest.json"
    path.write_text(manifest.to_json(SCHEMA_VERSION), encoding="utf-8")
    for held in (manifest, read_manifest(path, SCHEMA_VERSION)):
        assert held is not None and len(held) == len(model)
        assert list(held.hashes.items()) == [(i, r[0]) for i, r in model.items()]
        assert held.files == {i: r[1] for i, r in model.items()}
        assert held.blocks == {i: r[2] for i, r in model.items()}
        assert held.declared == declared
        for blocks in ({"b1", "b3"}, {"b1", "b2", "b4", "b5", "b9"}):  # scans, then one pass
            assert held.ids_in(blocks) == [i for i, r in model.items() if r[2] in blocks]
        assert [held.hash_of(i) for i in ("new-2", gone[0])] == [model["new-2"][0], None]
        assert held.block_of("new-1") == model["new-1"][2] and "new-1" in held


def test_a_manifest_with_a_code_outside_its_table_is_unreadable(tmp_path: Path) -> None:
    manifest = Manifest()
    manifest.add("a", "0" * 16, "f.jsonl", "b", False)
    path = tmp_path / "manifest.json"
    path.write_text(manifest.to_json(SCHEMA_VERSION).replace('"block": [0]', '"block": [7]'))
    assert read_manifest(path, SCHEMA_VERSION) is None  # the caller rebuilds, with a notice


@pytest.mark.parametrize(
    "change",
    [
        {"source": [0.0]},  # a code that is no int
        {"ids": "a\na"},  # an id listed twice
        {"sources": {"0": "f.jsonl"}},
        {"blocks": "b"},
        {"hashes": 7},
    ],
)
def test_a_damaged_manifest_is_unreadable_never_an_error_later(
    tmp_path: Path, change: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    manifest = Manifest()
    manifest.add("a", "0" * 16, "f.jsonl", "b", False)
    data = {**json.loads(manifest.to_json(SCHEMA_VERSION)), **change}
    if change.get("ids") == "a\na":
        data["hashes"], data["source"], data["block"] = "0\n1", [0, 0], [0, 0]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_manifest(path, SCHEMA_VERSION) is None  # the caller rebuilds
    assert "unreadable manifest" in caplog.text


def test_ids_that_lines_cannot_hold_round_trip(tmp_path: Path) -> None:
    # A library caller's Entry is not checked as an import's is: an id with a newline, or an
    # empty one, is kept as written (as a list) rather than breaking every later update.
    for ids in (["odd\nid", "b"], [""], ["x", ""]):
        manifest = Manifest()
        for entry_id in ids:
            manifest.add(entry_id, "0" * 16, "f.jsonl", "", False)
        path = tmp_path / "manifest.json"
        path.write_text(manifest.to_json(SCHEMA_VERSION), encoding="utf-8")
        again = read_manifest(path, SCHEMA_VERSION)
        assert again is not None and list(again.hashes) == ids
