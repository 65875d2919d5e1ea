"""More like this: the entries sharing most of an entry's distinctive terms, in any language.

Two lists are built from it: *similar practices* of one entry (peer examples for a city
officer, other cities first, its own translations left out) and *related practices* that
fill a short first page (pseudo-relevance feedback from the best results).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from indexer.analysis import analysis_language, term, tokens
from indexer.schema import TEXT_PARTS, text_field
from search.highlight import Marks
from search.scoring import BOOST, Channels
from search.snapshot import Snapshot

SIMILAR_TERMS = 25  # an entry's most distinctive terms that define its neighbours
MORE_LIKE_KEPT = 200  # neighbours kept per entry: enough for related and similar lists
SAME_CITY_FACTOR = 0.35  # peers from other cities first
RELATED_MIN_SHARE = 0.1  # below this share of the best related score: not related
TOP_MIN_SHARE = 2**-10  # top_docnums: below this share of the best score, all contend
EXACT_SHARE = 4  # related: filters allowing at most 1/4 of the entries score them exactly

Ranked = list[tuple[int, float]]  # (docnum, score), best first


def more_like(snap: Snapshot, docnum: int) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, scores) of an entry's neighbours, best first, at most MORE_LIKE_KEPT, the
    entry itself included.  Cached per entry: related and similar lists ask for the same
    entries often."""
    hit = snap.neighbours.get(docnum)
    if hit is not None:
        return hit
    scores = likeness(Channels(snap), docnum)
    top = top_docnums(scores, MORE_LIKE_KEPT).astype(np.int32)  # 0.8 KB an entry less
    result = (top, scores[top])
    snap.neighbours.put(docnum, result)
    return result


def likeness(channels: Channels, docnum: int) -> np.ndarray:
    """Every live entry's likeness to one entry (those in `channels.within` only, when it
    has a mask): the BM25 weights of the entry's most distinctive terms, in its own
    language and through their concepts in the others."""
    snap = channels.snap
    doc = snap.stored(docnum)
    family = analysis_language(doc["language"])
    text = " ".join((doc["title"], doc["summary"], doc.get("body", "")))
    counts = Counter(t for token in tokens(text) if (t := term(token, family)))
    scores = channels.zeros()
    body = snap.data.fields.get(text_field("body", family))
    if body is not None and counts:

        def weight(t: str) -> float:
            return counts[t] * math.log(1 + snap.n / (1 + body.doc_frequency(t)))

        for t in sorted(counts, key=weight, reverse=True)[:SIMILAR_TERMS]:
            for part in TEXT_PARTS:
                channels.add(scores, text_field(part, family), t, BOOST[part])
            concepts = snap.lexicon.concepts(family, t)
            if concepts:
                channels.concepts(scores, concepts, {(family, t)}, TEXT_PARTS, Marks(), 1.0)
    return scores * snap.alive  # np.where took three times as long


def best(scores: np.ndarray, limit: int, floor: float = 0.0) -> Ranked:
    """The `limit` best-scoring docnums above `floor` (ties in docnum order)."""
    return [(int(d), float(scores[d])) for d in top_docnums(scores, limit, floor)]


def top_docnums(scores: np.ndarray, limit: int, floor: float = 0.0) -> np.ndarray:
    """The `limit` best-scoring docnums above `floor`, best first, ties in docnum order.

    Only the contenders are sorted: when more than `limit` entries score above the floor,
    those scoring at least a halving share of the best one are counted until `limit` of
    them are (a comparison pass each).  A partition of every entry's score cost 1 ms at
    100k entries, where this costs 0.1-0.2 (the neighbours of one entry, measured); the
    partition also kept an arbitrary one of the entries tied at the cut.  Every bar is
    compared in the scores' own type, as numpy compares a Python float with them."""
    if limit < 1 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    cast = scores.dtype.type
    low = cast(floor)
    above = scores > low  # NaN scores never are (nor anything, for a NaN floor)
    if np.count_nonzero(above) <= limit:
        candidates = np.flatnonzero(above)
    else:
        candidates = None
        high = cast(scores.max())  # NaN when a score is: then every score above contends
        share = 0.5
        while share >= TOP_MIN_SHARE:
            bar = cast(high * share)
            if not bar > low:
                break
            contenders = np.flatnonzero(scores >= bar)
            if len(contenders) >= limit:
                candidates = contenders
                break
            share /= 2
        if candidates is None:
            candidates = np.flatnonzero(above)
        values = scores[candidates]
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        candidates = candidates[values >= kth]
    return candidates[np.lexsort((candidates, -scores[candidates]))][:limit]


def related(snap: Snapshot, seeds: np.ndarray, allowed: np.ndarray, limit: int) -> Ranked:
    """Entries like the best results, to fill a short page: a city officer searching one
    practice also sees its peers.  When the filters allow no entry the page does not show
    yet, no neighbours are looked for (a fifth of the bench's short pages at real size).

    When they allow most entries, or the index holds no more entries than an entry's kept
    neighbours (which then are all the entries alike), each seed's neighbours are kept per
    entry (`more_like`), so the short pages of repeated and related queries reuse them.
    Otherwise, when the filters allow at most 1/EXACT_SHARE of the live entries, the allowed
    entries are scored exactly instead, as Solr's more like this does under a filter query:
    an entry's 200 neighbours among 100,000 rarely hold the few a country and a kind
    allow, and the allowed entries' share of the postings costs less than every posting
    (one weight per term shared by the seeds), though nothing of it is kept."""
    allowed = allowed & snap.alive
    count = int(np.count_nonzero(allowed))
    if not count:
        return []
    scores = np.zeros(snap.n, dtype=np.float32)
    live = int(np.count_nonzero(snap.alive))
    if live > MORE_LIKE_KEPT and count * EXACT_SHARE <= live:
        channels = Channels(snap, within=allowed)
        for rank, docnum in enumerate(seeds):
            scores += likeness(channels, int(docnum)) / (rank + 1)
    else:
        for rank, docnum in enumerate(seeds):
            near, weights = more_like(snap, int(docnum))
            scores[near] += weights / (rank + 1)
        scores = scores * allowed
    if not scores.any():
        return []
    return best(scores, limit, float(scores.max()) * RELATED_MIN_SHARE)


def similar(snap: Snapshot, entry_id: str, limit: int) -> Ranked:
    """Peer examples of an entry: the most alike in other cities first, its own other
    language versions left out."""
    docnum = snap.docnum.get(entry_id)
    if docnum is None:
        return []
    near, weights = more_like(snap, docnum)
    scores = np.zeros(snap.n, dtype=np.float32)
    scores[near] = weights
    for other in (entry_id, *snap.other_versions(entry_id)):
        scores[snap.docnum[other]] = 0
    city = snap.stored(docnum)["city"]
    if city:
        same_city = snap.column_mask("city", (city,))
        scores = np.where(same_city, scores * SAME_CITY_FACTOR, scores)
    return best(scores * snap.alive, limit)
