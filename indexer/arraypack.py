"""A directory's arrays in one file (`arrays.pack`), read by the names they had as files.

A segment's export held ~50-80 files (4 arrays and a term list per field, the columns,
the word pairs, the titles ...), and a one-entry update wrote ~50 of them for its
one-entry segment and 18 for the layout's tail.  Every generation then hard-links,
records, stats at reopen and, two updates later, unlinks each of them.  Packed, a
segment is five files and a layout part three, as Lucene's compound file holds a
segment's small files in one.

The pack: 8 bytes of magic, the header's length (8 bytes, little-endian), the header as
JSON (name -> [dtype, shape, offset from the data's start]), then each array's bytes at a
64-byte boundary.  A reader maps an array (`Arrays.map`, read-only) or reads it into
memory of its own (`Arrays.read`).  Raw bytes (a term list, the titles' text) are uint8
arrays.
A directory written before packs (layout 5 and older) has no pack: `Arrays` reads each
name from its own file there, so a generation may mix both.
"""

from __future__ import annotations

import json
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np

from indexer.npyfiles import map_array, read_array

PACK = "arrays.pack"
_MAGIC = b"GPSPACK\x01"
_ALIGN = 64


def _aligned(at: int) -> int:
    return -(-at // _ALIGN) * _ALIGN


class PackWriter:
    """The arrays of one directory, gathered by name, then written as its pack (`close`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._arrays: dict[str, np.ndarray] = {}

    def save(self, name: str, array: Any) -> None:
        self._arrays[name] = np.ascontiguousarray(array)

    def save_bytes(self, name: str, data: bytes) -> None:
        self._arrays[name] = np.frombuffer(data, dtype=np.uint8)

    def close(self) -> None:
        header: dict[str, list[Any]] = {}
        at = 0
        for name, array in self._arrays.items():
            header[name] = [array.dtype.str, list(array.shape), at]
            at = _aligned(at + array.nbytes)
        encoded = json.dumps(header, ensure_ascii=False).encode("utf-8")
        start = _aligned(16 + len(encoded))
        with (self.directory / PACK).open("wb") as handle:
            handle.write(_MAGIC + len(encoded).to_bytes(8, "little") + encoded)
            handle.write(bytes(start - 16 - len(encoded)))
            written = 0
            for array in self._arrays.values():
                if array.nbytes:
                    handle.write(memoryview(array.reshape(-1)).cast("B"))
                written += array.nbytes
                handle.write(bytes(_aligned(written) - written))
                written = _aligned(written)


class Arrays:
    """A directory's arrays by name: from its pack when it has one, else each from the
    file of that name (an .npy file, or raw bytes for any other name)."""

    __slots__ = ("_index", "_start", "directory")

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: dict[str, tuple[np.dtype, tuple[int, ...], int]] | None = None
        self._start = 0
        path = directory / PACK
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            head = handle.read(16)
            if len(head) < 16 or head[:8] != _MAGIC:
                raise ValueError(f"{path}: not an array pack")
            length = int.from_bytes(head[8:], "little")
            size = os.fstat(handle.fileno()).st_size
            if 16 + length > size:
                raise ValueError(f"{path}: shorter than its header ({length} bytes)")
            try:
                self._index = _parsed(json.loads(handle.read(length)))
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}: a damaged header ({exc})") from None
            self._start = _aligned(16 + length)
            end = (
                max(
                    (self._start + at + dt.itemsize * int(np.prod(shape, dtype=np.int64)))
                    for dt, shape, at in self._index.values()
                )
                if self._index
                else 0
            )
            if end > size:
                raise ValueError(f"{path}: shorter than its arrays ({end} bytes)")

    @property
    def packed(self) -> bool:
        return self._index is not None

    def names(self) -> list[str]:
        if self._index is not None:
            return list(self._index)
        return sorted(path.name for path in self.directory.iterdir())

    def has(self, name: str) -> bool:
        if self._index is not None:
            return name in self._index
        return (self.directory / name).is_file()

    def _entry(self, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
        assert self._index is not None
        try:
            return self._index[name]
        except KeyError:
            raise FileNotFoundError(f"{self.directory / PACK}: no {name}") from None

    def map(self, name: str) -> np.ndarray:
        """The array (read-only), a view of the mapped file."""
        if self._index is None:
            path = self.directory / name
            return map_array(path) if name.endswith(".npy") else _map_raw(path)
        dtype, shape, at = self._entry(name)
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            return np.empty(shape, dtype)
        # Each array mapped on its own, from the page it starts in: the kernel maps the
        # cached pages around one a query touches (64 KB), and in one map of the whole
        # pack those were other arrays' (+2 MB a query process at 100k entries, measured)
        start = self._start + at
        page = start - start % mmap.ALLOCATIONGRANULARITY
        size = start - page + count * dtype.itemsize
        with (self.directory / PACK).open("rb") as handle:
            held = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ, offset=page)
        return np.frombuffer(held, dtype, count, start - page).reshape(shape)

    def read(self, name: str) -> np.ndarray:
        """The array in memory of its own (writable), read from the file: copied from a
        map instead, its pages would count twice in the process's memory (+10 MB of the
        bench's query process at 100k entries, measured)."""
        if self._index is None:
            path = self.directory / name
            return read_array(path) if name.endswith(".npy") else np.fromfile(path, np.uint8)
        dtype, shape, at = self._entry(name)
        array = np.empty(shape, dtype)
        if array.size:
            with (self.directory / PACK).open("rb") as handle:
                handle.seek(self._start + at)
                got = handle.readinto(array.reshape(-1).view(np.uint8))
            if got != array.nbytes:
                raise ValueError(f"{self.directory / PACK}: {got} of {name}'s {array.nbytes} bytes")
        return array

    def text(self, name: str) -> str:
        """Raw bytes saved under `name`, as UTF-8 text."""
        if self._index is None:
            return (self.directory / name).read_text(encoding="utf-8")
        return self.read(name).tobytes().decode("utf-8")


def _parsed(header: Any) -> dict[str, tuple[np.dtype, tuple[int, ...], int]]:
    index = {}
    for name, (descr, shape, offset) in header.items():
        dtype = np.dtype(descr)
        dims = tuple(int(n) for n in shape)
        if dtype.hasobject or not isinstance(offset, int) or offset < 0 or min(dims, default=0) < 0:
            raise ValueError(f"{name}: {descr} {shape} at {offset}")
        index[str(name)] = (dtype, dims, offset)
    return index


def _map_raw(path: Path) -> np.ndarray:
    with path.open("rb") as handle:
        if not os.fstat(handle.fileno()).st_size:  # an empty file cannot be mapped
            return np.zeros(0, dtype=np.uint8)
        return np.frombuffer(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), np.uint8)
