"""The .npy reader (indexer.npyfiles) gives what np.load gives, and names a short file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.npyfiles import _header, map_array, read_array

ARRAYS = {
    "int32": np.arange(1000, dtype=np.int32),
    "bool": np.arange(77) % 3 == 0,
    "float16 rows": np.linspace(0, 1, 60, dtype=np.float16).reshape(20, 3),
    "int16 Fortran": np.asfortranarray(np.arange(24, dtype=np.int16).reshape(4, 6)),
    "big-endian": np.arange(9, dtype=">i8"),
    "bytes": np.array([b"a", b"syn-000001", b"\xc3\xa9t\xc3\xa9"]),
    "unicode": np.array(["Zürich", "Beograd"]),
    "empty": np.zeros(0, dtype=np.int64),
    "empty rows": np.zeros((0, 3), dtype=np.int16),
    "scalar": np.array(3.5),
    "structured": np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]),
    "wide header": np.zeros((2, 3, 4, 5, 6, 7, 8), dtype=np.uint8),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_arrays_read_and_mapped_as_np_load_gives_them(tmp_path: Path, name: str) -> None:
    path = tmp_path / "a.npy"
    np.save(path, ARRAYS[name])
    expected = np.load(path)
    with path.open("rb") as handle:  # read here, not handed to np.load: all but one
        assert (_header(handle) is None) == (name == "structured")
    for got in (read_array(path), map_array(path)):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert np.array_equal(got, expected)
        assert got.flags.f_contiguous == expected.flags.f_contiguous
    read = read_array(path)
    if read.size:
        read.flat[0] = read.flat[-1]  # its own memory: writable, the file untouched
        assert np.array_equal(np.load(path), expected)


def test_a_file_cut_short_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "col.city.npy"
    np.save(path, np.arange(1000, dtype=np.int32))
    path.write_bytes(path.read_bytes()[:-10])
    for reader in (read_array, map_array):
        with pytest.raises(ValueError, match=r"col\.city\.npy"):
            reader(path)
    path.write_bytes(b"not numpy at all")
    for reader in (read_array, map_array):
        with pytest.raises(ValueError):
            reader(path)
