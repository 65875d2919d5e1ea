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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import one_line
from indexer import generations, integrity
from indexer.analysis import analysis_language
from search import ranking, similar, topics
from search.corrections import suggestion
from search.facets import facet_counts, filter_mask, warm_facets
from search.highlight import Marks, mark, snippet
from search.matching import Evaluation, Matcher
from search.models import FACETS, Document, Hit, Notice, SearchRequest, SearchResponse
from search.places import NearFilter, city_places, near_filter, nearby
from search.practices import Practices, dedupe, language_preference, representatives
from search.querylang import ParsedQuery, parse
from search.snapshot import Snapshot, release_free_memory

log = logging.getLogger(__name__)

FALLBACK_BELOW = 3  # a filtered query with fewer hits also shows the unfiltered one
FALLBACK_PER_PAGE = 5
RELATED_SEEDS = 3  # best results whose peers fill a short first page
LISTED_VERSIONS = 20  # other versions a hit or a report row lists (a practice's first ones)
RELATED_PER_PRACTICE = 3  # related entries looked at per practice shown (versions collapse)


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
                    integrity.require_intact(gen, self.index_dir)
                except generations.DamagedGenerationError as exc:
                    if self._snapshot is None:
                        raise
                    log.error("%s; still serving %s", exc, self._snapshot.gen.name)
                    self._stamp = stamp  # said once; the next switch is checked again
                    return self._snapshot
                log.info("opening index generation %s", gen.name)
                snap = _open(self.index_dir, gen, self._snapshot)
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

    @property
    def open_generation(self) -> str | None:
        """The generation held open now, without looking for a newer one (None: none)."""
        snap = self._snapshot
        return None if snap is None else snap.gen.name

    # --- search -----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResponse:
        """One page of results, with facets, notices, suggestion, fallback and related."""
        started = time.perf_counter()
        snap = self.snapshot()
        parsed = parse(request.query)
        ev = Matcher(snap).evaluate(parsed.root)
        filters = dict(request.filters)
        if parsed.languages:  # `:fr` is a language filter the user typed in the query
            typed = (*filters.get("language", ()), *parsed.languages)
            filters["language"] = tuple(dict.fromkeys(typed))
        language = ranking.query_language(snap, parsed)
        ranking.boost_language(snap, language, ev)
        topics.lift(snap, parsed, ev)
        readers = (language or "", request.reader_language)
        near = near_filter(snap, request.near, request.within_km)
        response, unseen = self._respond(snap, request, parsed, ev, filters, readers, near)
        if request.hits and parsed.root is not None:
            self._add_extras(snap, request, parsed, ev, response, unseen, readers)
        response.took_ms = (time.perf_counter() - started) * 1000
        return response

    def _respond(
        self,
        snap: Snapshot,
        request: SearchRequest,
        parsed: ParsedQuery,
        ev: Evaluation,
        filters: dict[str, tuple[str, ...]],
        readers: tuple[str, ...],
        near: NearFilter | None = None,
    ) -> tuple[SearchResponse, np.ndarray]:
        """One page of answers with its facets, and the filtered entries it did not show."""
        masks = {name: filter_mask(snap, name, values) for name, values in filters.items()}
        if near is not None:  # narrows every facet's counts, as a filter does
            masks["near"] = near.mask
        filtered = np.ones(snap.n, dtype=bool)
        for m in masks.values():
            filtered &= m
        sel = _select(snap, request, ev, filtered, readers)
        response = SearchResponse(
            query=request.query,
            total=int(np.count_nonzero(sel.shown)),
            page=request.page,
            per_page=request.per_page,
            sort=request.sort if near is not None or request.sort != "nearest" else "relevance",
            versions=request.versions,
            filters=filters,
            relaxed=sel.relaxed,
            notices=list(parsed.notices),
            generation=snap.gen.name,
        )
        if request.hits:
            candidates = np.flatnonzero(sel.shown)
            newest = request.sort == "newest" or parsed.root is None
            keys = ranking.sort_keys(snap, candidates, sel.ranked, newest)
            if near is not None and request.sort == "nearest":
                keys = [near.sort_key(candidates), *keys]
            order = candidates[ranking.page_order(keys, request.page, request.per_page)]
            marks = ev.marks if request.highlight else Marks()
            scores = sel.ranked.scores
            response.results = [_hit(snap, int(d), float(scores[d]), marks) for d in order]
            if near is not None:
                for hit, d in zip(response.results, order.tolist(), strict=True):
                    hit.distance_km = near.distance(d)
        if request.facets:
            response.facets = facet_counts(
                snap, sel.matching, masks, FACETS, filters, sel.practices
            )
            response.places = city_places(snap, response.facets.get("city", ()))
        return response, sel.unseen

    def _add_extras(
        self,
        snap: Snapshot,
        request: SearchRequest,
        parsed: ParsedQuery,
        ev: Evaluation,
        response: SearchResponse,
        unseen: np.ndarray,
        readers: tuple[str, ...],
    ) -> None:
        """Related practices, notices, did-you-mean and the unfiltered fallback."""
        total = response.total
        if request.related and request.page == 1 and 0 < total < request.per_page:
            seeds = np.asarray([snap.docnum[h.id] for h in response.results[:RELATED_SEEDS]])
            wanted = request.per_page - total
            found = similar.related(snap, seeds, unseen, wanted * RELATED_PER_PRACTICE)
            if request.versions == "practice":
                found = dedupe(Practices.of_snapshot(snap), found)
            response.related = [_hit(snap, d, score, Marks()) for d, score in found[:wanted]]
        for phrase in ev.loose_phrases:
            response.notices.append(Notice("loose_phrase", phrase=phrase))
        if ev.unknown:
            words = ", ".join(dict.fromkeys(ev.unknown))
            response.notices.append(Notice("not_found", words=words))
        response.suggestion = suggestion(snap, parsed, ev.corrections, total)
        if response.filters and total < FALLBACK_BELOW:
            # As Wikipedia does: rather than an empty page, the same query without filters.
            per_page = min(request.per_page, FALLBACK_PER_PAGE)
            unfiltered = replace(request, page=1, per_page=per_page, facets=False)
            fallback, _ = self._respond(snap, unfiltered, parsed, ev, {}, readers)
            if fallback.total > total:
                response.fallback = fallback

    # --- entries ----------------------------------------------------------------------

    def get(self, entry_id: str) -> Document | None:
        snap = self.snapshot()
        docnum = snap.docnum.get(entry_id)
        return None if docnum is None else Document.from_stored(snap.stored(docnum))

    def versions(self, entry_id: str, limit: int | None = None) -> list[Document]:
        """Other language versions of an entry (its translation group; the first `limit`)."""
        return _versions(self.snapshot(), entry_id, limit)

    def similar(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """Peer examples: entries sharing the most distinctive words, other cities first."""
        return _similar(self.snapshot(), entry_id, limit)

    def practice(
        self, entry_id: str, similar_limit: int = 5
    ) -> tuple[Document, list[Document], list[Hit]] | None:
        """An entry, its other language versions and its similar practices, all from one
        index generation (a rebuild in between never mixes two); None for an unknown id."""
        snap = self.snapshot()
        docnum = snap.docnum.get(entry_id)
        if docnum is None:
            return None
        entry = Document.from_stored(snap.stored(docnum))
        return entry, _versions(snap, entry_id), _similar(snap, entry_id, similar_limit)

    def nearby(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """Practices of the nearest other cities, nearest first (`distance_km` set)."""
        return _nearby(self.snapshot(), entry_id, limit)

    def practice_nearby(
        self, entry_id: str, similar_limit: int = 5, nearby_limit: int = 5
    ) -> tuple[Document, list[Document], list[Hit], list[Hit]] | None:
        """practice() and the practices nearby, all from one index generation."""
        snap = self.snapshot()
        docnum = snap.docnum.get(entry_id)
        if docnum is None:
            return None
        entry = Document.from_stored(snap.stored(docnum))
        similar_hits = _similar(snap, entry_id, similar_limit)
        return entry, _versions(snap, entry_id), similar_hits, _nearby(snap, entry_id, nearby_limit)

    def iter_documents(self) -> Iterator[Document]:
        """Every live entry, in index order (for export)."""
        snap = self.snapshot()
        for docnum in np.flatnonzero(snap.alive):
            yield Document.from_stored(snap.stored(int(docnum)))


@dataclass(slots=True)
class _Selection:
    shown: np.ndarray  # the results: entries, or one version per practice
    matching: np.ndarray  # the entries facets count (every version of matched practices)
    unseen: np.ndarray  # entries the filters allow that are not shown (related come from)
    ranked: Evaluation  # the scores and tiers `shown` is ranked by
    relaxed: bool
    practices: Practices | None  # when results (and facet counts) are practices


def _select(
    snap: Snapshot,
    request: SearchRequest,
    ev: Evaluation,
    filtered: np.ndarray,
    readers: tuple[str, ...],
) -> _Selection:
    """What a request shows: matching entries, or (by default) matching practices, each
    in the version its reader prefers and ranked by its best version."""
    fill = request.page * request.per_page
    if request.versions == "all":
        matching, relaxed = ranking.words_cut(ev, fill, lambda m: np.count_nonzero(m & filtered))
        selected = matching & filtered
        return _Selection(selected, matching, filtered & ~selected, ev, relaxed, None)
    practices = Practices.of_snapshot(snap)
    last: list[np.ndarray] = []  # the last mask counted and its expansion

    def count(mask: np.ndarray) -> int:
        last[:] = [mask, practices.expand(mask)]
        return practices.count_in(last[1] & filtered)

    entries, relaxed = ranking.words_cut(ev, fill, count)
    ranked = replace(
        ev,
        scores=practices.best(entries, ev.scores),
        tiers=None if ev.tiers is None else practices.best(entries, ev.tiers),
    )
    # The cut the words settled on was counted last: its expansion is at hand.
    matching = last[1] if last and last[0] is entries else practices.expand(entries)
    selected = matching & filtered
    preference = language_preference(snap, readers)
    shown = representatives(practices, selected, ev.scores, preference)
    return _Selection(shown, matching, filtered & ~selected, ranked, relaxed, practices)


def _hit(snap: Snapshot, docnum: int, score: float, marks: Marks) -> Hit:
    """A result as the API returns it: the stored entry, its score and marked snippets."""
    doc = snap.stored(docnum)
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
        versions=_listed_versions(snap, docnum),
        topics=list(doc.get("topics", ())),
        lat=doc.get("lat"),
        lon=doc.get("lon"),
        place=doc.get("place"),
    )


def _listed_versions(snap: Snapshot, docnum: int) -> list[dict[str, Any]]:
    """The first versions of an entry's practice, as a hit lists them (a practice published
    thousands of times must not make each result read every version).  Each column is
    gathered for all of them at once (78 µs a hit, against 89 looked up per version)."""
    members = [d for d in snap.groups.members(docnum, LISTED_VERSIONS + 1) if d != docnum]
    members = members[:LISTED_VERSIONS]
    if not members:
        return []
    values, columns = snap.data.values, snap.data.columns
    language, locale, translated = (
        [values[key][code] for code in columns[key][members].tolist()]
        for key in ("language", "locale", "translated")
    )
    return [
        {"id": i, "title": snap.title(d), "language": la, "locale": lo, "translated": tr}
        for i, d, la, lo, tr in zip(
            snap.docnum.ids_of(members), members, language, locale, translated, strict=True
        )
    ]


def _nearby(snap: Snapshot, entry_id: str, limit: int) -> list[Hit]:
    docnum = snap.docnum.get(entry_id)
    if docnum is None:
        return []
    hits = []
    for d, km in nearby(snap, docnum, limit):
        hit = _hit(snap, d, 0.0, Marks())
        hit.distance_km = km
        hits.append(hit)
    return hits


def _similar(snap: Snapshot, entry_id: str, limit: int) -> list[Hit]:
    return [_hit(snap, d, score, Marks()) for d, score in similar.similar(snap, entry_id, limit)]


def _open(index_dir: Path, gen: generations.Generation, previous: Snapshot | None) -> Snapshot:
    """A generation's snapshot (taking what `previous` parsed of the same files); damaged
    files are IndexNotFoundError naming the directory.

    Truncated or garbage Whoosh, numpy or JSON files raise whatever their reader raises
    (EOFError, UnpicklingError, ValueError, OSError...): one clear error instead.
    """
    try:
        snap = Snapshot(gen, previous)
        snap.warm_up()
        warm_facets(snap, previous)
        release_free_memory()
    except Exception as exc:
        detail = one_line(exc, 200)
        raise generations.IndexNotFoundError(
            f"index at {index_dir} is corrupt: generation {gen.name} cannot be opened"
            f" ({detail}); rebuild it with `gpsearch index --rebuild --index {index_dir}`"
        ) from exc
    return snap


def _versions(snap: Snapshot, entry_id: str, limit: int | None = None) -> list[Document]:
    return [
        Document.from_stored(snap.stored(snap.docnum[other]))
        for other in snap.other_versions(entry_id)[:limit]
    ]
