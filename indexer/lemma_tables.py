"""simplemma's dictionaries, read from their front-coded streams with a compact index.

simplemma's `low_memory` backend keeps each dictionary as its decompressed front-coded
stream plus a sparse index of every 32nd record: a list of first keys and a list of
(offset, previous key, previous value) tuples.  For the Serbo-Croatian, Ukrainian and
English dictionaries a server loads, those Python objects took 11.5 MB beside 7.6 MB of
streams.  Here the same restart points live in five flat buffers (3 MB for the three:
19.1 -> 10.6 MB in all, measured with tracemalloc); lookups decode the same records, so they
give the same lemmas.

It reads the stream with simplemma's own record decoder (`frontcode`, a private module of
the version constraints.txt pins); tests/indexer/test_lemma_tables.py compares every kind of
lookup with simplemma's StreamMap, so a simplemma that changes the format fails there.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping

from simplemma.strategies.dictionaries import frontcode
from simplemma.strategies.dictionaries.dictionary_factory import (
    CachingDictionaryFactory,
    DecodedStrMapping,
    _read_decompressed,
)

BLOCK = 32  # records per restart point, as simplemma's StreamMap


class CompactStreamMap(DecodedStrMapping):
    """A read-only str -> str view of one language's front-coded stream.

    Each block's first record is kept decoded (its key and value in two byte strings with
    offsets) with the stream offset of the record after it, where decoding resumes."""

    __slots__ = ("_count", "_data", "_key_at", "_keys", "_next", "_rev", "_value_at", "_values")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._rev, self._count, pos = frontcode._read_header(data)
        keys, values = bytearray(), bytearray()
        key_at, value_at, after = array("q", [0]), array("q", [0]), array("q")
        index = -1
        for index, (start, key, value) in enumerate(frontcode._iter_records(data, pos)):
            if index % BLOCK == 0:
                keys += key
                values += value
                key_at.append(len(keys))
                value_at.append(len(values))
                after.append(len(data))  # a block of one record: nothing follows
            elif index % BLOCK == 1:
                after[-1] = start
        if index + 1 != self._count:  # a stream cut on a record boundary
            raise ValueError(frontcode._CORRUPT_STREAM_MSG)
        self._keys, self._values = bytes(keys), bytes(values)
        self._key_at, self._value_at, self._next = key_at, value_at, after

    def _first_key(self, block: int) -> bytes:
        return self._keys[self._key_at[block] : self._key_at[block + 1]]

    def _lookup(self, key: str) -> str | None:
        target = key.encode()
        if self._rev:
            target = target[::-1]
        low, high = 0, len(self._next)
        while low < high:  # past the last block whose first key <= target
            middle = (low + high) // 2
            if self._first_key(middle) <= target:
                low = middle + 1
            else:
                high = middle
        block = low - 1
        if block < 0:
            return None
        first = self._first_key(block)
        value = self._values[self._value_at[block] : self._value_at[block + 1]]
        if first == target:
            return self._decoded(value)
        # Sorted keys bound the scan: the next block's first key exceeds the target.
        records = frontcode._iter_records(self._data, self._next[block], first, value)
        for _, stored_key, stored_value in records:
            if stored_key == target:
                return self._decoded(stored_value)
            if stored_key > target:
                return None
        return None

    def _decoded(self, value: bytes) -> str:
        return (value[::-1] if self._rev else value).decode()

    def __iter__(self) -> Iterator[str]:
        first = frontcode._read_header(self._data)[2]
        for _, stored_key, _ in frontcode._iter_records(self._data, first):
            yield (stored_key[::-1] if self._rev else stored_key).decode()

    def __len__(self) -> int:
        return self._count


class CompactStreamFactory(CachingDictionaryFactory):
    """simplemma's `DictionaryFactory` serving `CompactStreamMap`s (ValueError for a
    language simplemma lacks)."""

    __slots__ = ()

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        return CompactStreamMap(_read_decompressed(lang))
