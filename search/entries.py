"""A generation's entry ids and translation groups, as arrays: id <-> docnum, each
practice's key, each group's members (search.snapshot opens them with the generation)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.accel import SortedStrings, encode_strings


class EntryIds:
    """Entry ids <-> live docnums, by binary search in the id column's sorted values.

    A dict of 100k ids took 6.6 MB in each process, and a forked worker copied its pages
    as lookups changed the reference counts of its int values; this keeps one int64 per id.
    Read as the dict it replaced was (`get`, `[]`, `items`); `id_of` goes back."""

    def __init__(self, values: SortedStrings, codes: np.ndarray, alive: np.ndarray) -> None:
        self._values = values  # the merged id column (indexer.postings)
        self._codes = codes
        live = np.flatnonzero(alive)
        self._docnum = np.full(len(values), -1, dtype=np.int64)
        self._docnum[codes[live]] = live  # an updated entry's deleted version stays -1

    def get(self, entry_id: str, default: int | None = None) -> int | None:
        i = self._values.find(entry_id)
        if i >= 0:
            docnum = int(self._docnum[i])
            if docnum >= 0:
                return docnum
        return default

    def get_encoded(self, entry_ids: np.ndarray) -> np.ndarray:
        """The live docnum of each id given as UTF-8 bytes without NUL (see
        accel.encode_strings), -1 for none: one vectorised binary search."""
        return self.docnums_of(self._values.find_encoded(entry_ids))

    def docnums_of(self, codes: np.ndarray) -> np.ndarray:
        """The live docnum of each id given by its code in the values (-1: none)."""
        docnums = np.full(len(codes), -1, dtype=np.int64)
        held = codes >= 0
        docnums[held] = self._docnum[codes[held]]
        return docnums

    def __getitem__(self, entry_id: str) -> int:
        docnum = self.get(entry_id)
        if docnum is None:
            raise KeyError(entry_id)
        return docnum

    def items(self) -> Iterator[tuple[str, int]]:
        """Every live (id, docnum), in id order."""
        for i, docnum in enumerate(self._docnum.tolist()):
            if docnum >= 0:
                yield self._values[i], docnum

    def id_of(self, docnum: int) -> str:
        """The id of a document (live or deleted)."""
        return self._values[int(self._codes[docnum])]

    def ids_of(self, docnums: list[int]) -> list[str]:
        """The ids of some documents (live or deleted), their codes gathered at once."""
        return [self._values[code] for code in self._codes[docnums].tolist()]


class PracticeKeys(Sequence[str]):
    """Each practice's key, by number: its translation group's name, or the id of the entry
    that is alone in it (made when asked: a tuple held 100k ids).  Read by number only."""

    def __init__(self, groups: Groups, ids: EntryIds, firsts: np.ndarray) -> None:
        self._groups = groups  # not the snapshot: no cycle keeps a generation alive
        self._ids = ids
        self._firsts = firsts  # each practice's first docnum

    def __len__(self) -> int:
        return len(self._firsts)

    @property
    def firsts(self) -> np.ndarray:
        """Each practice's first (lowest) live docnum, by number."""
        return self._firsts

    def __getitem__(self, number: int) -> str:  # type: ignore[override]
        docnum = int(self._firsts[number])
        group = int(self._groups.code[docnum])
        return self._groups.names[group] if group >= 0 else self._ids.id_of(docnum)


@dataclass(frozen=True, slots=True)
class GroupRows:
    """A groups map as arrays, in its order: each id's UTF-8 bytes and group, and the
    group names.  A reopen whose generation links the groups file a previous one read
    takes its rows as they were read (search.snapshot) and applies only its own delta."""

    ids: np.ndarray  # fixed-width bytes (accel.encode_strings)
    group: np.ndarray  # index into names
    names: tuple[str, ...]
    order: np.ndarray | None = None  # the ids' sorted order (rows read from a file)
    numbers: Mapping[str, int] | None = None  # each name's index (rows read from a file)

    @classmethod
    def of(cls, group_of: Mapping[str, str]) -> GroupRows:
        """A map's rows, with their ids' sorted order: each reopen looks a delta's ids up
        among them (np.isin sorted the 40k ids every time: 8.7 ms at 100k entries)."""
        # An id with NUL is none the id column holds (its bytes would lose the NUL)
        pairs = [(i, g) for i, g in group_of.items() if "\0" not in i]
        number: dict[str, int] = {}
        codes = [number.setdefault(g, len(number)) for _, g in pairs]
        ids = encode_strings(i for i, _ in pairs)
        order = np.argsort(ids, kind="stable")
        return cls(ids, np.array(codes, dtype=np.int32), tuple(number), order, number)

    def holding(self, ids: np.ndarray) -> np.ndarray:
        """Per row, whether its id is one of `ids` (fixed-width bytes)."""
        if self.order is None or not len(self.ids):
            return np.isin(self.ids, ids)
        ordered = self.ids[self.order]
        at = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
        rows = np.zeros(len(self.ids), dtype=bool)
        rows[self.order[at[ordered[at] == ids]]] = True
        return rows

    def changed(
        self, delta: Mapping[str, str | None], values: SortedStrings, codes: np.ndarray
    ) -> tuple[GroupRows, np.ndarray]:
        """The rows without the ids of `delta`, then those of its ids with a group, in
        its order (as indexer.group_files applies a delta); and their ids' codes in the
        id column's `values`, given `codes`, those of these rows (a reopen takes them from
        the previous generation while the ids are the same: looking up 40k ids took 7 ms)."""
        if not delta:
            return self, codes
        kept = ~self.holding(encode_strings(delta))
        added = [(i, g) for i, g in delta.items() if g is not None and "\0" not in i]
        # the names' index as read (a dict of 15k names took 2 ms of every reopen)
        number = self.numbers if self.numbers is not None else _numbers(self.names)
        more: dict[str, int] = {}  # the names the delta adds
        group_codes = [
            number[g] if g in number else more.setdefault(g, len(number) + len(more))
            for _, g in added
        ]
        new_ids = encode_strings(i for i, _ in added)
        ids = np.concatenate([self.ids[kept], new_ids])
        group = np.concatenate([self.group[kept], np.array(group_codes, dtype=np.int32)])
        codes = np.concatenate([codes[kept], values.find_encoded(new_ids)])
        return GroupRows(ids, group, (*self.names, *more)), codes


def _numbers(names: Sequence[str]) -> dict[str, int]:
    return {g: k for k, g in enumerate(names)}


class Groups:
    """Translation groups as arrays: each docnum's group (-1: none) and each group's live
    members in the order groups.json lists them (held as GroupRows, never as a dict of
    every id: 13 MB at 100k entries, and as much again for a dict of members)."""

    def __init__(
        self, code: np.ndarray, names: tuple[str, ...], ptr: np.ndarray, docs: np.ndarray
    ) -> None:
        self.code = code
        self.names = names
        self._ptr = ptr
        self._docs = docs

    @classmethod
    def load(cls, rows: GroupRows, codes: np.ndarray, docnum: EntryIds, n: int) -> Groups:
        """From a generation's groups (`codes`: their ids' codes in the id column),
        numbered in the order their first live member is listed."""
        found = docnum.docnums_of(codes)
        live = found >= 0
        listed = rows.group[live]
        first = np.unique(listed, return_index=True)
        ranked = first[0][np.argsort(first[1])]  # the groups with live members, in order
        number = np.full(len(rows.names), -1, dtype=np.int64)
        number[ranked] = np.arange(len(ranked))
        owners = number[listed]
        members = found[live]
        code = np.full(n, -1, dtype=np.int32)
        code[members] = owners
        order = np.argsort(owners, kind="stable")
        ptr = np.zeros(len(ranked) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owners, minlength=len(ranked)), out=ptr[1:])
        names = tuple(rows.names[g] for g in ranked.tolist())
        return cls(code, names, ptr, members[order])

    def members(self, docnum: int, limit: int | None = None) -> list[int]:
        """Live docnums in the group of `docnum` (itself included), the first `limit`;
        [] when it has none."""
        c = int(self.code[docnum])
        if c < 0:
            return []
        start, end = int(self._ptr[c]), int(self._ptr[c + 1])
        return self._docs[start : end if limit is None else min(end, start + limit)].tolist()
