"""A directory's arrays in one pack (indexer.arraypack): each array read back as saved, a
damaged pack named, and a generation written before packs (one .npy file per array) read
as its packed twin."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus import load_sources
from indexer import accel, generations, layout, signatures
from indexer.arraypack import PACK, Arrays, PackWriter
from indexer.build import build_index, update_index
from tests.conftest import SEED_PAGES
from tests.indexer.packs import unpack

SAVED: dict[str, Any] = {
    "body_f.docs.npy": np.arange(7, dtype=np.int32),
    "body_f.tf.npy": np.array([1, 65535, 3], dtype=np.uint16),
    "topics.npy": np.arange(12, dtype=np.int16).reshape(4, 3),
    "topic_conf.npy": np.linspace(0, 1, 8, dtype=np.float16).reshape(2, 4),
    "col.id.values.npy": np.array([b"a", b"bc", b"d\xc3\xa9f"]),
    "alive.npy": np.array([True, False, True]),
    "empty.npy": np.zeros(0, dtype=np.int64),
    "empty2d.npy": np.zeros((0, 5), dtype=np.int16),
    "lat.npy": np.array([np.nan, 1.5], dtype=np.float32),
}
RAW = {"body_f.vocab": "école\nzürich\nбеоград".encode(), "titles.utf8": b""}


def test_a_pack_gives_back_each_array_as_saved(tmp_path: Path) -> None:
    pack = PackWriter(tmp_path)
    for name, array in SAVED.items():
        pack.save(name, array)
    for name, data in RAW.items():
        pack.save_bytes(name, data)
    pack.close()
    assert [p.name for p in tmp_path.iterdir()] == [PACK]
    arrays = Arrays(tmp_path)
    assert arrays.packed and arrays.names() == [*SAVED, *RAW]
    for name, array in SAVED.items():
        mapped, read = arrays.map(name), arrays.read(name)
        for got in (mapped, read):
            assert got.dtype == array.dtype and got.shape == array.shape
            np.testing.assert_array_equal(got, array)
        assert read.flags.writeable and not mapped.flags.writeable, "a map is read-only"
        if array.size:
            assert mapped.ctypes.data % 64 == 0, "each array starts at a 64-byte boundary"
    assert arrays.text("body_f.vocab") == RAW["body_f.vocab"].decode()
    assert arrays.text("titles.utf8") == ""
    assert arrays.has("alive.npy") and not arrays.has("nothing.npy")
    for name, data in RAW.items():
        assert arrays.read(name).tobytes() == data
    for read in (arrays.map, arrays.read):
        with pytest.raises(FileNotFoundError, match="nothing"):
            read("nothing.npy")


def test_an_array_is_written_when_saved_and_only_plain_arrays_are(tmp_path: Path) -> None:
    """A writer holds no array (a change after `save` is not written), and refuses what
    the pack cannot give back as saved, naming the pack."""
    pack = PackWriter(tmp_path)
    held = np.arange(4)
    pack.save("held.npy", held)
    held[:] = 9
    for bad in (
        np.int64(3),
        np.array(["a", None], dtype=object),
        np.zeros(2, dtype=[("a", "<i4")]),
        np.array(["2026-12-07"], dtype="datetime64[D]"),
    ):
        with pytest.raises(ValueError, match="no plain array") as raised:
            pack.save("bad.npy", bad)
        assert str(tmp_path / PACK) in str(raised.value)
    pack.close()
    assert Arrays(tmp_path).read("held.npy").tolist() == [0, 1, 2, 3]
    assert Arrays(tmp_path).names() == ["held.npy"]


def test_a_directory_without_a_pack_reads_each_name_from_its_file(tmp_path: Path) -> None:
    for name, array in SAVED.items():
        np.save(tmp_path / name, array)
    for name, data in RAW.items():
        (tmp_path / name).write_bytes(data)
    arrays = Arrays(tmp_path)
    assert not arrays.packed and arrays.names() == sorted([*SAVED, *RAW])
    for name, array in SAVED.items():
        np.testing.assert_array_equal(arrays.map(name), array)
        np.testing.assert_array_equal(arrays.read(name), array)
    for name, data in RAW.items():
        assert arrays.read(name).tobytes() == arrays.map(name).tobytes() == data
    assert arrays.text("body_f.vocab") == RAW["body_f.vocab"].decode()
    assert not len(arrays.map("titles.utf8"))


def _header(data: bytes, header: bytes) -> bytes:
    """The pack `data` with another header (it ends the file)."""
    return data[: int.from_bytes(data[8:16], "little")] + header


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"NOTAPACK" + data[8:], "not an array pack"),
        (lambda data: data[:12], "not an array pack"),
        (lambda data: data[:20], "shorter than its header"),
        (lambda data: _header(data, b"{" * 40), "damaged header"),
        (lambda data: _header(data, b"[" * 100_000), "damaged header"),
        (lambda data: _header(data, b""), "damaged header"),
        (lambda data: data[: len(data) - 5], "damaged header"),
        (lambda data: _header(data, b'["a list"]'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["<i4", [3], -64]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["<i4", [3], 65]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["<i4", [3], true]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["<i4", "12", 64]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["<i4", [2.7], 64]}'), "damaged header"),
        (
            lambda data: _header(data, b'{"a.npy": ["<i4", [4294967296, 4294967296], 64]}'),
            "damaged header",
        ),
        (lambda data: _header(data, b'{"a.npy": ["<i4", [100000000], 64]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["|O", [3], 64]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["|V0", [3], 64]}'), "damaged header"),
        (lambda data: _header(data, b'{"a.npy": ["<i4", [3]]}'), "damaged header"),
    ],
)
def test_a_damaged_pack_is_named(tmp_path: Path, damage: Any, message: str) -> None:
    pack = PackWriter(tmp_path)
    for name, array in SAVED.items():
        pack.save(name, array)
    pack.close()
    path = tmp_path / PACK
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=message) as raised:
        Arrays(tmp_path)
    assert str(path) in str(raised.value)


def _held(gen_dir: Path) -> dict[str, Any]:
    """What a reader takes from a generation's arrays, as plain values."""
    data = accel.load(gen_dir)
    n = data.doc_count_all
    merged = layout.read(gen_dir)
    out: dict[str, Any] = {
        "titles": [data.titles[d] for d in range(n)] if data.titles else None,
        "alive": data.alive.tolist(),
        "columns": {k: [merged.values[k][int(c)] for c in v] for k, v in merged.columns.items()},
        "years": {k: v.tolist() for k, v in data.years.items()},
        "lat": np.nan_to_num(data.coordinates["lat"], nan=-1).tolist(),
        "signatures": signatures.load_signatures(gen_dir),
    }
    assert data.topics is not None
    out["topics"] = (data.topics.codes.tolist(), data.topics.values)
    for name, postings in data.fields.items():
        vocab, _ = postings.vocabulary
        found = {str(t): postings.postings(str(t)) for t in vocab}
        out[name] = (
            {t: (hit[0].tolist(), hit[1].tolist()) for t, hit in found.items() if hit},
            postings.lengths.tolist(),
        )
    keys = np.unique(np.concatenate([seg[0] for seg in data.pairs.segments]))
    out["pairs"] = {int(k): data.pairs.docs(k).tolist() for k in keys}
    return out


def test_a_generation_written_before_packs_reads_as_its_packed_twin(tmp_path: Path) -> None:
    """A build and two updates (a tail, one-entry segments); then every directory but one
    segment's written out as the files layout 5 had (a mixed generation, as an update of
    such an index leaves): every array a reader takes is the same."""
    entries = load_sources(SEED_PAGES).entries
    index = tmp_path / "index"
    build_index(entries, index)
    for k in range(2):
        update_index(index, [dataclasses.replace(entries[k], summary=f"Harbour edit {k}.")])
    gen = generations.current(index).path
    before = _held(gen)
    packed = sorted(p.parent for p in gen.glob(f"accel/*/{PACK}"))
    assert len(packed) >= 4 and (gen / "accel" / layout.TAIL) in packed
    for directory in packed[1:]:
        unpack(directory)
    assert _held(gen) == before
