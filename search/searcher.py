"""The search library's entry point: `Searcher(index_dir).search(SearchRequest(...))`.

A Searcher follows the index directory's live generation: when a build switches CURRENT,
the next call opens the new generation (arrays are memory-mapped, so this is quick) and
requests already running finish on the old one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from indexer import generations
from indexer.analysis import analysis_language
from search.engine import Evaluation, Snapshot
from search.facets import facet_counts, filter_mask
from search.highlight import Marks, mark, snippet
from search.models import FACETS, Hit, Notice, SearchRequest, SearchResponse
from search.querylang import ParsedQuery, Word, parse

log = logging.getLogger(__name__)

FALLBACK_BELOW = 3  # a filtered query with fewer hits also shows the unfiltered one
QUERY_LANGUAGE_BOOST = 1.15
QUERY_LANGUAGE_MIN_CONFIDENCE = 0.9
QUERY_LANGUAGE_MAX_WORDS = 4
SAME_CITY_FACTOR = 0.35  # peers from other cities first
RELATED_SEEDS = 3  # best results whose peers fill a short first page
RELATED_MIN_SHARE = 0.1  # below this share of the best related score: not related


class Searcher:
    def __init__(self, index_dir: str | Path, *, check_interval: float = 1.0) -> None:
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self.snapshot()  # fail now, with a clear message, if there is no usable index

    # --- generations ------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The live generation, reopened when the index directory switched to a new one."""
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked < self.check_interval:
            return snap
        with self._lock:
            self._checked = now
            stamp = generations.pointer_stamp(self.index_dir)
            if self._snapshot is not None and stamp == self._stamp:
                return self._snapshot
            gen = generations.current(self.index_dir)
            if self._snapshot is None or gen.name != self._snapshot.gen.name:
                try:  # a damaged generation is never served: keep the one we have
                    generations.require_intact(gen, self.index_dir)
                except generations.DamagedGenerationError as exc:
                    if self._snapshot is None:
                        raise
                    log.error("%s; still serving %s", exc, self._snapshot.gen.name)
                    self._stamp = stamp  # said once; the next switch is checked again
                    return self._snapshot
                log.info("opening index generation %s", gen.name)
                snap = _open(self.index_dir, gen)
                self._snapshot = snap
            self._stamp = stamp
            return self._snapshot

    def close(self) -> None:
        """Release the open generation's files (module-level language caches stay)."""
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
                self._stamp = None

    @property
    def generation(self) -> str:
        return self.snapshot().gen.name

    # --- search -----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        request = request.validated()
        snap = self.snapshot()
        parsed = parse(request.query)
        ev = snap.evaluate(parsed.root)
        filters = dict(request.filters)
        if parsed.languages:  # `:fr` is a language filter the user typed in the query
            filters["language"] = tuple(
                dict.fromkeys((*filters.get("language", ()), *parsed.languages))
            )
        self._boost_query_language(snap, request.query, parsed.languages, ev)
        response = self._respond(snap, request, parsed, ev, filters, main=request.hits)
        if request.hits and filters and response.total < FALLBACK_BELOW and parsed.root is not None:
            # As Wikipedia does: rather than an empty page, the same query without filters.
            unfiltered = replace(request, page=1, per_page=min(request.per_page, 5), facets=False)
            fallback = self._respond(snap, unfiltered, parsed, ev, {}, main=False)
            if fallback.total > response.total:
                response.fallback = fallback
        response.took_ms = (time.perf_counter() - started) * 1000
        return response

    def _respond(
        self,
        snap: Snapshot,
        request: SearchRequest,
        parsed: ParsedQuery,
        ev: Evaluation,
        filters: dict[str, tuple[str, ...]],
        *,
        main: bool = True,
    ) -> SearchResponse:
        """One page of answers; the fallback (`main` False) needs no related entries,
        notices or suggestion: the main response has them."""
        masks = {name: filter_mask(snap, name, values) for name, values in filters.items()}
        filtered = np.ones(snap.n, dtype=bool)
        for m in masks.values():
            filtered &= m
        matching, relaxed = self._words_cut(ev, filtered, request.page * request.per_page)
        selected = matching & filtered
        total = int(selected.sum())
        order = (
            self._order(snap, selected, ev, request, browse=parsed.root is None)
            if request.hits
            else np.zeros(0, dtype=np.int64)
        )
        response = SearchResponse(
            query=request.query,
            total=total,
            page=request.page,
            per_page=request.per_page,
            sort=request.sort,
            filters=filters,
            relaxed=relaxed,
            notices=list(parsed.notices),
            generation=snap.gen.name,
        )
        response.results = [
            self._hit(snap, int(d), float(ev.scores[d]), ev.marks, request.highlight) for d in order
        ]
        if request.facets:
            response.facets = facet_counts(snap, matching, masks, FACETS, filters)
        if not main:
            return response
        if request.page == 1 and 0 < total < request.per_page and parsed.root is not None:
            response.related = self._related(
                snap, order[:RELATED_SEEDS], filtered & ~selected, request.per_page - total
            )
        for phrase in ev.loose_phrases:
            response.notices.append(Notice("loose_phrase", phrase=phrase))
        if ev.unknown:
            response.notices.append(Notice("not_found", words=", ".join(dict.fromkeys(ev.unknown))))
        response.suggestion = self._suggestion(snap, request.query, parsed, ev, total)
        return response

    def _related(
        self, snap: Snapshot, seeds: np.ndarray, allowed: np.ndarray, limit: int
    ) -> list[Hit]:
        """Entries like the best results (pseudo-relevance feedback), to fill a short page:
        a city officer searching one practice also sees its peers."""
        scores = np.zeros(snap.n, dtype=np.float32)
        for rank, docnum in enumerate(seeds):
            near, weights = snap.more_like(int(docnum))
            scores[near] += weights / (rank + 1)
        scores = np.where(allowed & snap.alive, scores, 0)
        if not scores.any():
            return []
        floor = scores.max() * RELATED_MIN_SHARE
        top = np.argsort(-scores, kind="stable")[:limit]
        return [
            self.hit_from_doc(snap.stored(int(d)), float(scores[d]), Marks())
            for d in top
            if scores[d] > floor
        ]

    @staticmethod
    def _words_cut(ev: Evaluation, filtered: np.ndarray, fill: int) -> tuple[np.ndarray, bool]:
        """Entries with all the words, or as many as it takes to fill the requested page.

        As Meilisearch's matching strategy: when too few entries have every word, entries
        missing one word join (ranked after them), and so on down to one word.
        """
        if ev.tiers is None:
            return ev.mask, False
        for need in range(ev.words, 0, -1):
            cut = ev.mask & (ev.tiers >= need)
            if need == 1 or int((cut & filtered).sum()) >= fill:
                return cut, need < ev.words
        raise AssertionError("unreachable")

    def _boost_query_language(
        self, snap: Snapshot, query: str, languages: tuple[str, ...], ev: Evaluation
    ) -> None:
        """Short queries in a recognisable language prefer entries in it (never a filter)."""
        words = query.split()
        if languages or not words or len(words) > QUERY_LANGUAGE_MAX_WORDS:
            return
        found = snap.detector.detect_query(query)
        if found.language == "und" or found.confidence < QUERY_LANGUAGE_MIN_CONFIDENCE:
            return
        same = snap.column_mask("language", (found.language,))
        ev.scores = np.where(same, ev.scores * QUERY_LANGUAGE_BOOST, ev.scores)

    @staticmethod
    def _order(
        snap: Snapshot, mask: np.ndarray, ev: Evaluation, request: SearchRequest, browse: bool
    ) -> np.ndarray:
        """Docnums of the requested page, best first."""
        candidates = np.flatnonzero(mask)
        need = request.page * request.per_page
        if not len(candidates) or need - request.per_page >= len(candidates):
            return np.zeros(0, dtype=np.int64)
        if request.sort == "newest" or browse:
            start, end = (years[candidates].astype(np.float64) for years in snap.year_span)
            top = ev.scores[candidates].astype(np.float64)
            key = end * 1e8 + start * 1e3 + top / (top.max() + 1.0) * 999
        else:
            key = ev.scores[candidates].astype(np.float64)
            if ev.tiers is not None:  # more of the query's words first, then the score
                key = key + ev.tiers[candidates].astype(np.float64) * 1e6
        # Ties are broken by docnum, so pages never overlap or skip entries: all entries
        # better than the page's last key, then those equal to it in docnum order.
        if need < len(candidates):
            last = np.partition(-key, need - 1)[need - 1]
            better = np.flatnonzero(-key < last)
            ties = np.flatnonzero(-key == last)
            part = np.concatenate([better, ties[: need - len(better)]])
        else:
            part = np.arange(len(candidates))
        part = part[np.lexsort((candidates[part], -key[part]))]
        return candidates[part][need - request.per_page : need]

    def _hit(self, snap: Snapshot, docnum: int, score: float, marks: Marks, highlight: bool) -> Hit:
        doc = snap.stored(docnum)
        return self.hit_from_doc(doc, score, marks if highlight else Marks())

    @staticmethod
    def hit_from_doc(doc: dict[str, Any], score: float, marks: Marks) -> Hit:
        family = analysis_language(doc["language"])
        return Hit(
            id=doc["id"],
            title=doc["title"],
            summary=doc["summary"],
            url=doc["url"],
            kind=doc["kind"],
            language=doc["language"],
            locale=doc["locale"],
            country=doc["country_en"],
            city=doc["city"],
            year_from=doc["year_from"],
            year_to=doc["year_to"],
            score=score,
            snippet=snippet((doc["summary"], doc.get("body", "")), family, marks),
            title_html=mark(doc["title"], family, marks),
            period=doc["period"],
            translated=doc["translated"],
            language_confidence=doc["language_confidence"],
            country_code=doc["country_code"],
        )

    def _suggestion(
        self, snap: Snapshot, query: str, parsed: ParsedQuery, ev: Evaluation, total: int
    ) -> str | None:
        """Did-you-mean: the query with misspelled words replaced, when it finds few."""
        if total >= FALLBACK_BELOW and not ev.corrections:
            return None
        fixes = dict(ev.corrections)
        for leaf in parsed.positive_leaves():
            if isinstance(leaf, Word) and leaf.text not in fixes:
                options = snap.corrections(leaf.text, limit=1)
                if options and snap.folded_df(options[0]) > 2 * max(1, snap.folded_df(leaf.text)):
                    fixes[leaf.text] = options[0]
        if not fixes:
            return None
        suggestion = query
        for wrong, right in fixes.items():
            suggestion = suggestion.replace(wrong, right)
        return suggestion if suggestion != query else None

    # --- entries ----------------------------------------------------------------------

    def get(self, entry_id: str) -> dict[str, Any] | None:
        snap = self.snapshot()
        docnum = snap.docnum.get(entry_id)
        return None if docnum is None else snap.stored(docnum)

    def versions(self, entry_id: str) -> list[dict[str, Any]]:
        """Other language versions of an entry (its translation group)."""
        return _versions(self.snapshot(), entry_id)

    def similar(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """Peer examples: entries sharing the most distinctive words, other cities first."""
        return self._similar(self.snapshot(), entry_id, limit)

    def practice(
        self, entry_id: str, similar_limit: int = 5
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[Hit]] | None:
        """An entry, its other language versions and its similar practices, all from one
        index generation (a rebuild in between never mixes two); None for an unknown id."""
        snap = self.snapshot()
        docnum = snap.docnum.get(entry_id)
        if docnum is None:
            return None
        return (
            snap.stored(docnum),
            _versions(snap, entry_id),
            self._similar(snap, entry_id, similar_limit),
        )

    def _similar(self, snap: Snapshot, entry_id: str, limit: int) -> list[Hit]:
        docnum = snap.docnum.get(entry_id)
        if docnum is None:
            return []
        doc = snap.stored(docnum)
        near, weights = snap.more_like(docnum)
        scores = np.zeros(snap.n, dtype=np.float32)
        scores[near] = weights
        for other in (entry_id, *_other_versions(snap, entry_id)):
            scores[snap.docnum[other]] = 0
        if doc["city"]:
            same_city = snap.column_mask("city", (doc["city"],))
            scores = np.where(same_city, scores * SAME_CITY_FACTOR, scores)
        scores = np.where(snap.alive, scores, 0)
        top = np.argsort(-scores, kind="stable")[:limit]
        return [
            self.hit_from_doc(snap.stored(int(d)), float(scores[d]), Marks())
            for d in top
            if scores[d] > 0
        ]

    def iter_documents(self) -> Iterator[dict[str, Any]]:
        """Every live entry's stored document, in index order (for export)."""
        snap = self.snapshot()
        for docnum in np.flatnonzero(snap.alive):
            yield snap.stored(int(docnum))


def _open(index_dir: Path, gen: generations.Generation) -> Snapshot:
    """A generation's snapshot; damaged files are IndexNotFoundError naming the directory.

    Truncated or garbage Whoosh, numpy or JSON files raise whatever their reader raises
    (EOFError, UnpicklingError, ValueError, OSError...): one clear error instead.
    """
    try:
        snap = Snapshot(gen)
        snap.warm_up()
    except Exception as exc:
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise generations.IndexNotFoundError(
            f"index at {index_dir} is corrupt: generation {gen.name} cannot be opened"
            f" ({detail}); rebuild it with `gpsearch index --rebuild --index {index_dir}`"
        ) from exc
    return snap


def _versions(snap: Snapshot, entry_id: str) -> list[dict[str, Any]]:
    return [snap.stored(snap.docnum[other]) for other in _other_versions(snap, entry_id)]


def _other_versions(snap: Snapshot, entry_id: str) -> list[str]:
    """Live ids in the entry's translation group, the entry itself left out."""
    group = snap.groups.get(entry_id)
    members = snap.group_members.get(group, ()) if group else ()
    return [other for other in members if other != entry_id]
