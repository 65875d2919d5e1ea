"""A generation's entry ids and translation groups, as arrays: id <-> docnum, each
practice's key, each group's members (search.snapshot opens them with the generation)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from indexer.accel import SortedStrings


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

    def get_all(self, entry_ids: Sequence[str]) -> np.ndarray:
        """The live docnum of each id, -1 for none (one merge, see SortedStrings.find_all)."""
        codes = self._values.find_all(entry_ids)
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


class PracticeKeys(Sequence[str]):
    """Each practice's key, by number: its translation group's name, or the id of the entry
    that is alone in it (made when asked: a tuple held 100k ids).  Read by number only."""

    def __init__(self, groups: Groups, ids: EntryIds, firsts: np.ndarray) -> None:
        self._groups = groups  # not the snapshot: no cycle keeps a generation alive
        self._ids = ids
        self._firsts = firsts  # each practice's first docnum

    def __len__(self) -> int:
        return len(self._firsts)

    def __getitem__(self, number: int) -> str:  # type: ignore[override]
        docnum = int(self._firsts[number])
        group = int(self._groups.code[docnum])
        return self._groups.names[group] if group >= 0 else self._ids.id_of(docnum)


class Groups:
    """Translation groups as arrays: each docnum's group (-1: none) and each group's live
    members in the order groups.json lists them.  The JSON's dict of every id (13 MB at
    100k entries, and as much again for a dict of members) is read once and dropped."""

    def __init__(
        self, code: np.ndarray, names: tuple[str, ...], ptr: np.ndarray, docs: np.ndarray
    ) -> None:
        self.code = code
        self.names = names
        self._ptr = ptr
        self._docs = docs

    @classmethod
    def load(cls, group_of: dict[str, str], docnum: EntryIds, n: int) -> Groups:
        """From a generation's groups (indexer.group_files.read_groups)."""
        found = docnum.get_all(list(group_of))
        live = found >= 0
        names = [g for g, held in zip(group_of.values(), live.tolist(), strict=True) if held]
        del group_of
        # Groups numbered in the order their first live member is listed
        number = {g: i for i, g in enumerate(dict.fromkeys(names))}
        owners = np.fromiter(map(number.__getitem__, names), dtype=np.int64, count=len(names))
        members = found[live]
        code = np.full(n, -1, dtype=np.int32)
        code[members] = owners
        order = np.argsort(owners, kind="stable")
        ptr = np.zeros(len(number) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owners, minlength=len(number)), out=ptr[1:])
        return cls(code, tuple(number), ptr, members[order])

    def members(self, docnum: int, limit: int | None = None) -> list[int]:
        """Live docnums in the group of `docnum` (itself included), the first `limit`;
        [] when it has none."""
        c = int(self.code[docnum])
        if c < 0:
            return []
        start, end = int(self._ptr[c]), int(self._ptr[c + 1])
        return self._docs[start : end if limit is None else min(end, start + limit)].tolist()
