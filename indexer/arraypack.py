"""A directory's arrays in one file (`arrays.pack`), read by the names they had as files.

A segment's export held ~50-80 files (4 arrays and a term list per field, the columns,
the word pairs, the titles ...), and a one-entry update wrote ~50 of them for its
one-entry segment and 18 for the layout's tail.  Every generation then hard-links,
records, stats at reopen and, two updates later, unlinks each of them.  Packed, a
segment is five files and a layout part three, as Lucene's compound file holds a
segment's small files in one.

The pack: 8 bytes of magic and where its header starts (8 bytes, little-endian), then each
array's bytes at a 64-byte boundary as it is saved (a writer holds none of them: a 100k
segment's postings are tens of MB), then the header as JSON (name -> [dtype, shape, offset
in the file]).  A reader maps an array (`Arrays.map`, read-only) or reads it into memory of
its own (`Arrays.read`).  Raw bytes (a term list, the titles' text) are uint8 arrays.
A directory written before packs (layout 5 and older) has no pack: `Arrays` reads each
name from its own file there, so a generation may mix both.
"""

from __future__ import annotations

import json
import math
import mmap
import os
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from indexer.npyfiles import map_array, read_array

PACK = "arrays.pack"
_MAGIC = b"GPSPACK\x02"
_ALIGN = 64
_KINDS = "biufcSU"  # plain numbers, bools and fixed-width strings: what np.save would not pickle


def _aligned(at: int) -> int:
    return -(-at // _ALIGN) * _ALIGN


class PackWriter:
    """The arrays of one directory, written to its pack as they are saved; `close` writes
    the header that names them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._header: dict[str, list[Any]] = {}
        self._handle: BinaryIO | None = None
        self._at = _ALIGN  # the preamble, then the arrays

    def save(self, name: str, array: Any) -> None:
        held = np.asarray(array)
        kind = held.dtype
        if held.ndim == 0 or kind.kind not in _KINDS or kind.names or not kind.itemsize:
            raise ValueError(
                f"{self.directory / PACK}: {name} ({kind}, shape {held.shape}) is no plain array"
            )
        held = np.ascontiguousarray(held)
        handle = self._file()
        start = _aligned(self._at)
        handle.write(bytes(start - self._at))
        if held.nbytes:
            handle.write(memoryview(held.reshape(-1)).cast("B"))
        self._header[name] = [kind.str, list(held.shape), start]
        self._at = start + held.nbytes

    def save_bytes(self, name: str, data: bytes) -> None:
        self.save(name, np.frombuffer(data, dtype=np.uint8))

    def close(self) -> None:
        handle = self._file()
        start = _aligned(self._at)
        handle.write(bytes(start - self._at))
        handle.write(json.dumps(self._header, ensure_ascii=False).encode("utf-8"))
        handle.seek(0)
        handle.write(_MAGIC + start.to_bytes(8, "little"))
        handle.close()

    def _file(self) -> BinaryIO:
        if self._handle is None:
            self._handle = (self.directory / PACK).open("wb")
            self._handle.write(bytes(_ALIGN))
        return self._handle


class Arrays:
    """A directory's arrays by name: from its pack when it has one, else each from the
    file of that name (an .npy file, or raw bytes for any other name)."""

    __slots__ = ("_index", "directory")

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: dict[str, tuple[np.dtype, tuple[int, ...], int]] | None = None
        path = directory / PACK
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            head = handle.read(16)
            if len(head) < 16 or head[:8] != _MAGIC:
                raise ValueError(f"{path}: not an array pack")
            start = int.from_bytes(head[8:], "little")
            size = os.fstat(handle.fileno()).st_size
            if not _ALIGN <= start <= size:
                raise ValueError(f"{path}: shorter than its header at {start}")
            handle.seek(start)
            try:
                self._index = _parsed(json.loads(handle.read(size - start)), start)
            except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
                raise ValueError(f"{path}: a damaged header ({exc})") from None

    @property
    def packed(self) -> bool:
        return self._index is not None

    def names(self) -> list[str]:
        """The pack's names; without a pack, every file of the directory (its JSON files
        too)."""
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
        dtype, shape, start = self._entry(name)
        count = math.prod(shape)
        if count == 0:
            empty = np.empty(shape, dtype)
            empty.flags.writeable = False
            return empty
        # Each array mapped on its own, from the page it starts in: the kernel maps the
        # cached pages around one a query touches (64 KB), and in one map of the whole
        # pack those were other arrays' (+2 MB a query process at 100k entries, measured)
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
        dtype, shape, start = self._entry(name)
        array = np.empty(shape, dtype)
        if array.size:
            with (self.directory / PACK).open("rb") as handle:
                handle.seek(start)
                got = handle.readinto(array.reshape(-1).view(np.uint8))
            if got != array.nbytes:
                raise ValueError(f"{self.directory / PACK}: {got} of {name}'s {array.nbytes} bytes")
        return array

    def text(self, name: str) -> str:
        """Raw bytes saved under `name`, as UTF-8 text."""
        if self._index is None:
            return (self.directory / name).read_text(encoding="utf-8")
        return self.read(name).tobytes().decode("utf-8")


def _parsed(header: Any, end: int) -> dict[str, tuple[np.dtype, tuple[int, ...], int]]:
    """The header's arrays, each a plain dtype and shape at an aligned offset between the
    preamble and the header (`end`)."""
    index = {}
    for name, (descr, shape, offset) in header.items():
        dtype = np.dtype(descr)
        dims = tuple(shape) if isinstance(shape, list) else None
        if (
            not isinstance(name, str)
            or dtype.kind not in _KINDS
            or dtype.names
            or not dtype.itemsize
            or dims is None
            or not all(type(n) is int and n >= 0 for n in dims)
            or type(offset) is not int
            or offset % _ALIGN
            or not _ALIGN <= offset <= offset + dtype.itemsize * math.prod(dims) <= end
        ):
            raise ValueError(f"{name}: {descr} {shape} at {offset}")
        index[name] = (dtype, dims, offset)
    return index


def _map_raw(path: Path) -> np.ndarray:
    with path.open("rb") as handle:
        if not os.fstat(handle.fileno()).st_size:  # an empty file cannot be mapped
            return np.zeros(0, dtype=np.uint8)
        return np.frombuffer(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), np.uint8)
