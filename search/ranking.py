"""The order of a result page: word tiers, query language, sort keys, exact pagination."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from indexer.analysis import UNDETERMINED
from search.matching import Evaluation
from search.querynodes import ParsedQuery
from search.snapshot import Snapshot

QUERY_LANGUAGE_BOOST = 1.15
QUERY_LANGUAGE_MIN_CONFIDENCE = 0.9
QUERY_LANGUAGE_MAX_WORDS = 4
TOPIC_JOIN_BELOW = 10  # results the words give below which a named topic's entries join


def words_cut(
    ev: Evaluation, fill: int, count: Callable[[np.ndarray], int]
) -> tuple[np.ndarray, bool]:
    """The entries `_words_cut` gives, and the joining topic entries when it gives fewer
    than TOPIC_JOIN_BELOW results (whatever the page: pages must add up to the total), so
    they never flood results the words fill."""
    cut, relaxed = _words_cut(ev, fill, count)
    if ev.joining is not None and count(cut) < TOPIC_JOIN_BELOW:
        cut = cut | ev.joining
    return cut, relaxed


def _words_cut(
    ev: Evaluation, fill: int, count: Callable[[np.ndarray], int]
) -> tuple[np.ndarray, bool]:
    """Entries with all the words, or as many as it takes to fill the requested page
    (`count` says how many results a mask of entries gives).

    As Meilisearch's matching strategy: when too few entries have every word, entries
    missing one word join (ranked after them), and so on down to one word.  Returns the
    mask and whether it was relaxed.
    """
    if ev.tiers is None:
        return ev.mask, False
    for need in range(ev.words, 1, -1):
        cut = ev.mask & (ev.tiers >= need)
        if count(cut) >= fill:
            return cut, need < ev.words
    return ev.mask & (ev.tiers >= 1), ev.words > 1


def query_language(snap: Snapshot, parsed: ParsedQuery) -> str | None:
    """The language a short query is recognisably written in (None when unsure)."""
    words = parsed.words()
    if parsed.languages or not words or len(words) > QUERY_LANGUAGE_MAX_WORDS:
        return None
    found = snap.detector.detect_query(" ".join(words))
    if found.language == UNDETERMINED or found.confidence < QUERY_LANGUAGE_MIN_CONFIDENCE:
        return None
    return found.language


def boost_language(snap: Snapshot, language: str | None, ev: Evaluation) -> None:
    """Entries in the query's language rank a little higher (never a filter)."""
    if language:
        same = snap.column_mask("language", (language,))
        scores = ev.scores.copy()
        boosted = np.flatnonzero(same & (scores != 0))  # a third of np.where's time
        scores[boosted] *= np.float32(QUERY_LANGUAGE_BOOST)
        ev.scores = scores


def sort_keys(
    snap: Snapshot, candidates: np.ndarray, ev: Evaluation, newest: bool
) -> list[np.ndarray]:
    """The sort keys of the candidates, most significant first, larger is better."""
    scores = ev.scores[candidates]
    if newest:  # latest end (ongoing first), then latest start, then the score
        start, end = (years[candidates] for years in snap.year_span)
        return [end, start, scores]
    if ev.tiers is not None:  # more of the query's words first, then the score
        return [ev.tiers[candidates], scores]
    return [scores]


def page_order(keys: Sequence[np.ndarray], page: int, per_page: int) -> np.ndarray:
    """Positions of one page of candidates sorted by `keys` (ties in candidate order, so
    pages never overlap or skip entries)."""
    need = page * per_page
    count = len(keys[0]) if keys else 0
    if need - per_page >= count:
        return np.zeros(0, dtype=np.int64)
    positions = _contenders(list(keys), np.arange(count), need)
    order = np.lexsort((positions, *(-key[positions] for key in reversed(keys))))
    return positions[order][need - per_page : need]


def _contenders(keys: list[np.ndarray], positions: np.ndarray, need: int) -> np.ndarray:
    """The positions that can be among the first `need` by `keys`: all that beat the
    need-th best value of the first key, and the contenders among those equal to it by
    the next keys (a selection in linear time, so only a page's worth is sorted)."""
    if len(positions) <= need:
        return positions
    if not keys:
        return positions[:need]
    values = keys[0][positions]
    kth = np.partition(values, len(values) - need)[len(values) - need]
    above = positions[np.flatnonzero(values > kth)]
    ties = positions[np.flatnonzero(values == kth)]
    return np.concatenate([above, _contenders(keys[1:], ties, need - len(above))])
