"""One result per practice: the versions of a practice collapse into one hit.

The same practice is often published under several locales, in the same words or
translated.  A practice is a translation group (indexer.groups: declared or found), or an
entry alone.  As Elasticsearch's field collapsing and Solr's grouping do, a result page
lists practices: each shown in the version that best fits the reader, with the others
listed on the hit.  A query that matches one version finds the whole practice, so an
English query finds a practice whose matching words exist only in its English version
while the reader is shown the version in the requested language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from search.matching import Evaluation
from search.snapshot import Snapshot, derived


@dataclass(frozen=True, slots=True)
class Practices:
    """Each live entry's practice as a number (-1 for deleted documents)."""

    of: np.ndarray  # docnum -> practice number
    count: int
    memo: dict[Any, Any] = field(default_factory=dict)  # per generation (Snapshot.memo)

    @classmethod
    def of_snapshot(cls, snap: Snapshot) -> Practices:
        return cls(*snap.practice_numbers, snap.memo)

    def shared(self) -> np.ndarray:
        """Entries whose practice has other live versions."""

        def make() -> np.ndarray:
            sizes = np.bincount(self.of[self.of >= 0], minlength=self.count)
            return (self.of >= 0) & (sizes[np.maximum(self.of, 0)] > 1)

        return derived(self.memo, "shared", make)

    def value_counts(self, key: str, codes: np.ndarray, docs: np.ndarray, size: int) -> np.ndarray:
        """Per value code (0..size-1), how many practices have an entry among `docs` (live
        docnums) with it: a practice with versions in two languages counts once under each.
        `codes` has a code per entry, or a row of codes per entry (-1: none) for a
        multi-valued facet.

        Work is in proportion to the matches: one gather and one bincount over them.  An
        entry whose (practice, value) no other version shares counts as its value; the
        classes several versions share (most practices, for country or city) count once
        each however many of their versions matched (see `_classes`)."""
        slot, classes, class_value, width = self._classes(key, codes)
        tally = np.bincount(slot[docs].ravel(), minlength=classes + width + 1)
        counts = np.zeros(max(size, width), dtype=np.int64)
        counts[:width] = tally[classes : classes + width]
        touched = class_value[np.flatnonzero(tally[:classes] > 0)]
        counts += np.bincount(touched, minlength=len(counts))
        return counts[:size]

    def _classes(self, key: str, codes: np.ndarray) -> tuple[np.ndarray, int, np.ndarray, int]:
        """Per entry (and slot), a bin: its (practice, value) class when other versions
        share it (0..classes-1), else `classes` + its value code, and `classes` + `width`
        for no value; the number of classes, each class's value and the width of the
        codes.  Once per generation.

        Only versions of a practice with others can share a class (or an entry whose row
        repeats a value).  The slots are taken in practice order (`by_practice`), so the
        keys to sort are sorted but within each practice's few versions, which a stable
        sort (a merge of runs) orders faster than np.unique sorted them in docnum order:
        at 100k entries 1.2-2 instead of 4.5-5 ms a facet (every reopen)."""
        found = self.memo.get(("classes", key))
        if found is None:
            flat = codes.ravel().astype(np.int64)
            width = int(flat.max()) + 1 if flat.size else 1
            per = 1 if codes.ndim == 1 else codes.shape[1]
            docs = self.by_practice(alone=per > 1 and self._repeats(codes))
            pos = (docs[:, None] * per + np.arange(per)).ravel() if per != 1 else docs
            pos = pos[np.flatnonzero(flat[pos] >= 0)]  # a boolean index took 3 times as long
            keys = self.of[pos // per].astype(np.int64) * width + flat[pos]
            order = np.argsort(keys, kind="stable")
            ordered = keys[order]
            first = np.ones(len(ordered), dtype=bool)
            np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
            pair = np.cumsum(first) - 1  # each slot's (practice, value), in sorted order
            shared = np.bincount(pair, minlength=int(first.sum())) > 1
            number = np.cumsum(shared) - 1
            classes = int(shared.sum())
            slot = codes.ravel().astype(np.int32)  # a pass over int64 codes took 4 times as long
            np.putmask(slot, slot < 0, width)
            slot += classes
            inside = np.flatnonzero(shared[pair])
            slot[pos[order[inside]]] = number[pair[inside]]
            found = (slot.reshape(codes.shape), classes, ordered[first][shared] % width, width)
            self.memo[("classes", key)] = found
        return found

    def _repeats(self, rows: np.ndarray) -> bool:
        """Whether an entry alone in its practice repeats a value in its row (then it is
        a class of its own: counted once)."""
        alone = rows[np.flatnonzero((self.of >= 0) & ~self.shared())]
        width = rows.shape[1]
        return any(  # each pair of a row's slots (sorting every row took 4.5 ms at 100k)
            bool(((alone[:, i] == alone[:, j]) & (alone[:, j] >= 0)).any())
            for i in range(width)
            for j in range(i + 1, width)
        )

    def by_practice(self, *, alone: bool = False) -> np.ndarray:
        """The docnums of `shared()` (and with `alone`, of every live entry), ordered by
        practice (once per generation)."""

        def make() -> np.ndarray:
            docs = np.flatnonzero(self.of >= 0) if alone else self.shared_docnums()
            return docs[np.argsort(self.of[docs], kind="stable")]

        return derived(self.memo, ("by_practice", alone), make)

    def expand(self, mask: np.ndarray) -> np.ndarray:
        """Every version of the practices that have an entry in `mask`."""
        hit = np.zeros(self.count + 1, dtype=bool)  # the last: no practice (deleted)
        hit[self.of[np.flatnonzero(mask)]] = True
        hit[-1] = False
        slot = derived(self.memo, "slot", lambda: np.where(self.of >= 0, self.of, self.count))
        return hit[slot]

    def count_in(self, mask: np.ndarray) -> int:
        """How many practices have an entry in `mask`."""
        practices = np.bincount(self.of[np.flatnonzero(mask)], minlength=self.count)
        return int(np.count_nonzero(practices))

    def best(self, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The largest value among each practice's entries in `mask`, per entry (0 for
        entries of practices without one)."""
        # An entry alone in its practice is its own best; only the shared ones (40% of the
        # 100k bench corpus) go through the scatter.
        live = derived(self.memo, "live", lambda: self.of >= 0)
        out = values * (mask & live)
        shared = self.shared_docnums()
        owners = derived(self.memo, "shared_owners", lambda: self.of[shared])
        inside = np.flatnonzero(mask[shared])
        best = np.zeros(self.count, dtype=values.dtype)
        np.maximum.at(best, owners[inside], values[shared[inside]])
        out[shared] = best[owners]
        return out

    def shared_docnums(self) -> np.ndarray:
        """The docnums of `shared()` (once per generation)."""
        return derived(self.memo, "shared_docnums", lambda: np.flatnonzero(self.shared()))


def spread(practices: Practices, ev: Evaluation, matching: np.ndarray) -> np.ndarray:
    """Give every version of a matched practice the practice's score and word tiers (the
    best of its matching versions), so a practice ranks by its best version whichever
    version is shown; returns the entries of the matched practices."""
    ev.scores = practices.best(matching, ev.scores)
    if ev.tiers is not None:
        ev.tiers = practices.best(matching, ev.tiers)
    return practices.expand(matching)


def representatives(
    practices: Practices,
    candidates: np.ndarray,
    own: np.ndarray,
    preference: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """A mask with one entry per practice among `candidates`: the version the reader
    prefers (`preference` of docnums, larger is better: the query's or the interface's
    language), then the best own score, then the lowest docnum."""
    several = practices.shared()
    chosen = candidates & ~several  # an entry alone is its practice's only version
    docnums = np.flatnonzero(candidates & several)
    if len(docnums):
        # Three linear passes instead of a sort: keep each practice's most preferred
        # versions, then the best scored of those, then the lowest docnum.
        owner = practices.of[docnums]
        for key, fill in ((preference, -128), (own.__getitem__, -np.inf)):
            values = key(docnums)
            top = np.full(practices.count, fill, dtype=values.dtype)
            np.maximum.at(top, owner, values)
            keep = values == top[owner]
            docnums, owner = docnums[keep], owner[keep]
        first = np.full(practices.count, len(own), dtype=np.int64)
        np.minimum.at(first, owner, docnums)
        chosen[first[owner]] = True
    return chosen


def language_preference(
    snap: Snapshot, languages: tuple[str, ...]
) -> Callable[[np.ndarray], np.ndarray]:
    """How much the reader prefers the language of each of some docnums: the first
    language listed most (the query's language), then the next (the interface's), then
    any.  Ranked per language value, then looked up for the docnums only (a mask over
    every entry per language cost ~0.3 ms a request)."""
    ranks = np.zeros(len(snap.data.values["language"]), dtype=np.int8)
    for rank, language in enumerate(reversed(languages), start=1):
        if language:
            ranks[snap.value_mask("language", (language,))] = rank
    codes = snap.data.columns["language"]
    return lambda docnums: ranks[codes[docnums]]


def dedupe(practices: Practices, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """A ranked list with each practice once, at its best place."""
    seen: set[int] = set()
    kept = []
    for docnum, score in ranked:
        practice = int(practices.of[docnum])
        if practice not in seen:
            seen.add(practice)
            kept.append((docnum, score))
    return kept
