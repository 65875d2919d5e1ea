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
class Classes:
    """A facet's practice classes (see `Practices._classes`)."""

    slot: np.ndarray  # per entry (a row per entry for a multi-valued facet): its bin
    count: int  # classes, holes included: bins width + 1 + class
    value: np.ndarray  # each class's value code
    width: int  # bins 0..width-1: a value no other version shares; bin width: none
    codes: np.ndarray  # the codes they were made of (what the next generation compares)
    holes: int = 0  # classes no entry holds any more (carried over from a generation before)


@dataclass(frozen=True, slots=True)
class Practices:
    """Each live entry's practice as a number (-1 for deleted documents)."""

    of: np.ndarray  # docnum -> practice number
    count: int
    memo: dict[Any, Any] = field(default_factory=dict)  # per generation (Snapshot.memo)
    firsts: np.ndarray | None = None  # each practice's lowest live docnum
    previous: Practices | None = None  # the generation before (see `carried`), at open

    @classmethod
    def of_snapshot(cls, snap: Snapshot, previous: Snapshot | None = None) -> Practices:
        before = None if previous is None else cls.of_snapshot(previous)
        return cls(*snap.practice_numbers, snap.memo, snap.practices[2].firsts, before)

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
        found = self._classes(key, codes)
        width = found.width
        tally = np.bincount(found.slot[docs].ravel(), minlength=width + 1 + found.count)
        counts = np.zeros(max(size, width), dtype=np.int64)
        counts[:width] = tally[:width]
        touched = found.value[np.flatnonzero(tally[width + 1 :] > 0)]
        counts += np.bincount(touched, minlength=len(counts))
        return counts[:size]

    def _classes(self, key: str, codes: np.ndarray) -> Classes:
        """Per entry (and slot), a bin: its value code when no other version shares its
        (practice, value), `width` for no value, else `width` + 1 + its class; the number
        of classes, each class's value and the width of the codes.  Once per generation:
        carried over from the generation before where few entries changed (`carried`),
        else derived.

        Only versions of a practice with others can share a class (or an entry whose row
        repeats a value).  The slots are taken in practice order (`by_practice`), so the
        keys to sort are sorted but within each practice's few versions, which a stable
        sort (a merge of runs) orders faster than np.unique sorted them in docnum order:
        at 100k entries 1.2-2 instead of 4.5-5 ms a facet (every reopen)."""
        found = self.memo.get(("classes", key))
        if found is None:
            found = carried(self, key, codes)
            if found is None:
                per = 1 if codes.ndim == 1 else codes.shape[1]
                docs = self.by_practice(alone=per > 1 and self._repeats(codes))
                found = _derive(self.of, codes, docs)
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


def _pairs(
    of: np.ndarray, flat: np.ndarray, per: int, docs: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (practice, value) pairs several slots of `docs` share (docs in practice order,
    whole practices): those slots' positions in `flat` (the codes raveled, `per` a
    row), each one's pair number (0..k-1) and each pair's value code."""
    pos = (docs[:, None] * per + np.arange(per)).ravel() if per != 1 else docs
    pos = pos[np.flatnonzero(flat[pos] >= 0)]  # a boolean index took 3 times as long
    keys = of[pos // per].astype(np.int64) * width + flat[pos]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    pair = np.cumsum(first) - 1  # each slot's (practice, value), in sorted order
    shared = np.bincount(pair, minlength=int(first.sum())) > 1
    number = np.cumsum(shared) - 1
    inside = np.flatnonzero(shared[pair])
    return pos[order[inside]], number[pair[inside]], ordered[first][shared] % width


def _width(codes: np.ndarray) -> int:
    return int(codes.max()) + 1 if codes.size else 1


def _derive(of: np.ndarray, codes: np.ndarray, docs: np.ndarray) -> Classes:
    """A facet's classes over `docs` (the entries that can share one, by practice)."""
    flat = codes.ravel().astype(np.int64)
    width = _width(flat)
    per = 1 if codes.ndim == 1 else codes.shape[1]
    pos, number, values = _pairs(of, flat, per, docs, width)
    slot = codes.ravel().astype(np.int32)  # a pass over int64 codes took 4 times as long
    np.putmask(slot, slot < 0, width)
    slot[pos] = number + width + 1
    return Classes(slot.reshape(codes.shape), len(values), values, width, codes)


CARRY_SHARE = 8  # carried over while the entries to redo are at most 1/8 of the index
HOLES_SHARE = 4  # derived again once a quarter of the classes are holes, past
HOLES_FREE = 256  # holes that cost nothing (empty bins of a tally)


def carried(practices: Practices, key: str, codes: np.ndarray) -> Classes | None:
    """A facet's classes taken from the generation before and redone for the practices
    an update touched, as Lucene's reopen keeps the readers of unchanged segments: the
    slots of every other entry stay, the touched practices' classes become holes and
    theirs are appended.  None (derive them) without a generation before, or where much
    changed.  Deriving them took 33 of a reopen's 67 ms at 100k entries.

    Compared docnum by docnum, so a merge that renumbers entries is seen as a change: an
    entry is redone when it was deleted or added, its codes differ, or its practice's
    lowest docnum does; with it, every version of its practice before, then every
    version of theirs after.  Then each practice left alone holds the same docnums, with
    the same codes, as before, and no class of the generation before is split."""
    old = practices.previous
    before = None if old is None else old.memo.get(("classes", key))
    if old is None or before is None or old.firsts is None or practices.firsts is None:
        return None
    if before.codes.shape[1:] != codes.shape[1:] or _width(codes) != before.width:
        return None
    n, m, width = len(practices.of), min(len(practices.of), len(old.of)), before.width
    per = 1 if codes.ndim == 1 else codes.shape[1]
    redo = derived(
        practices.memo, "redo", lambda: _closed(_changed(practices, old), practices, old)
    )
    differ = np.flatnonzero(codes[:m].ravel() != before.codes[:m].ravel()) // per
    differ = differ[~redo[differ]]
    if len(differ):
        redo = redo.copy()
        redo[differ] = True
        redo = _closed(redo, practices, old)
    docs = np.flatnonzero(redo[:n])
    if len(docs) * CARRY_SHARE > n:
        return None
    flat = codes.ravel()
    live = docs[np.argsort(practices.of[docs], kind="stable")]
    live = live[np.flatnonzero(practices.of[live] >= 0)]
    pos, number, values = _pairs(practices.of, flat, per, live, width)
    known = before.slot.reshape(len(old.of), per)
    gone = known[np.flatnonzero(redo[: len(old.of)])].ravel()
    holes = before.holes + len(np.unique(gone[gone > width]))
    count = before.count + len(values)
    if holes > HOLES_FREE and holes * HOLES_SHARE > count:
        return None
    slot = np.empty((n, per), dtype=np.int32)
    slot[:m] = known[:m]
    at = (docs[:, None] * per + np.arange(per)).ravel()
    redone = flat[at]
    slot.ravel()[at] = np.where(redone < 0, width, redone)
    slot.ravel()[pos] = number + before.count + width + 1
    value = np.concatenate([before.value, values])
    return Classes(slot.reshape(codes.shape), count, value, width, codes, holes)


def _changed(new: Practices, old: Practices) -> np.ndarray:
    """Per docnum (of the longer of two generations), whether it was deleted or added, or
    its practice's lowest docnum differs."""
    assert new.firsts is not None and old.firsts is not None
    m = min(len(new.of), len(old.of))
    changed = np.ones(max(len(new.of), len(old.of)), dtype=bool)
    a, b = new.of[:m], old.of[:m]
    changed[:m] = (a < 0) != (b < 0)
    changed[:m] |= (a >= 0) & (new.firsts[np.maximum(a, 0)] != old.firsts[np.maximum(b, 0)])
    return changed


def _closed(redo: np.ndarray, new: Practices, old: Practices) -> np.ndarray:
    """`redo` with every version of its practices in `old`, then of theirs in `new`."""
    redo[: len(old.of)] |= old.expand(redo[: len(old.of)])
    redo[: len(new.of)] |= new.expand(redo[: len(new.of)])
    return redo
