"""Topics at query time: the `topic` filter and facet, and topics as a ranking signal.

An entry has up to three topics (a row of the generation's topic arrays), so the facet is
multi-valued: an entry counts once under each of its topics (with practice units, each
(practice, topic) once).  A query that names a topic in any language ("labour market",
"marché du travail") lifts that topic's entries: among entries with the words a little,
when topics account for every word of the query (a word no topic names, as in "Barazia
territoriale", is the user's own and its matches keep their order), and entries with none
of the words join below the weakest word match, only when the words find too few to fill
the page (see ranking.words_cut).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from indexer.topic_index import resolve
from indexer.topics import Taxonomy, load_taxonomy
from search.models import FacetValue
from search.practices import Practices
from search.querynodes import And, Compound, Node, Or, ParsedQuery, Word
from search.scoring import below_direct
from search.snapshot import derived

# How much a named topic lifts entries that have the words: score * (1 + LIFT * strength)
LIFT = 0.1
# Entries with the topic but none of the words need this strength (weight * confidence).
JOIN_MIN = 0.3
# A topic the query names more weakly ("carte" hints at a topic) lifts nothing.
NAMED_MIN = 0.7
# The share of a topic's weight its second and third topics of an entry carry.
RANK_WEIGHTS = (1.0, 0.6, 0.4)


def taxonomy() -> Taxonomy:
    return load_taxonomy()


# A value that is no id or name must name one topic this strongly ("marché du travail").
NAMES_TOPIC = 0.9


def topic_ids(snap: Any, values: Iterable[str]) -> list[str]:
    """The topic ids the values name: ids or names in any language of the taxonomy, or
    words that name a topic ("marché du travail", part of its French name)."""
    found = []
    for value in values:
        topic = resolve(value)
        if topic is None:
            named = snap.topic_assigner.query_topics(value)
            best = max(named, key=named.__getitem__, default=None)
            topic = best if best and named[best] >= NAMES_TOPIC else None
        if topic is not None:
            found.append(topic)
    return found


def _codes(snap: Any) -> np.ndarray:
    cols = snap.data.topics
    if cols is None:
        return np.full((snap.n, 1), -1, dtype=np.int16)
    return cols.codes


def topic_mask(snap: Any, values: Iterable[str]) -> np.ndarray:
    """Entries with any of the topics (an unknown topic matches nothing)."""
    cols = snap.data.topics
    wanted = set(topic_ids(snap, values))
    if cols is None or not wanted:
        return np.zeros(snap.n, dtype=bool)
    order, starts = topic_slots(snap)
    mask = np.zeros(snap.n, dtype=bool)
    for code, topic in enumerate(cols.values):
        if topic in wanted:  # the topic's entries, at any rank (np.isin sorted every row)
            mask[order[starts[code] : starts[code + 1]] // cols.codes.shape[1]] = True
    return mask


def topic_values(
    snap: Any, docs: np.ndarray, selected: set[str], practices: Practices | None
) -> list[FacetValue]:
    """The topic facet over `docs` (live docnums): entries (or practices) per topic, most
    first.  An entry has each of its topics once; with practices, each (practice, topic)
    counts once."""
    cols = snap.data.topics
    values = cols.values if cols is not None else []
    size = max(1, len(values))
    codes = _codes(snap)
    if practices is None:
        flat = codes[docs].ravel()
        counts = np.bincount(flat[flat >= 0], minlength=size)
    else:
        counts = practices.value_counts("topic", codes, docs, size)
    found = [(values[i], int(counts[i])) for i in np.flatnonzero(counts).tolist()]
    found.sort(key=lambda p: (-p[1], p[0]))
    # A value naming a topic selects its id; one naming none stays selected as given (a
    # removable value matching nothing, as every other facet's unknown values do).
    chosen = {v: ids[0] if (ids := topic_ids(snap, (v,))) else v for v in selected}
    out = [FacetValue(v, c, v in chosen.values()) for v, c in found]
    shown = {v.value for v in out}
    out += [FacetValue(v, 0, True) for v in sorted(set(chosen.values()) - shown)]
    return out


def counts(snap: Any) -> dict[str, int]:
    """Live entries per topic id (every topic of the taxonomy, 0 when none)."""
    facet = topic_values(snap, np.flatnonzero(snap.alive), set(), None)
    found = {v.value: v.count for v in facet}
    return {t: found.get(t, 0) for t in taxonomy().ids}


def strengths(snap: Any, named: dict[str, float]) -> np.ndarray:
    """Per entry, how strongly it is about the topics a query names (0..1): the
    strongest of its topics' weight * confidence * the rank's share, set where the named
    topics' entries are (three passes over every entry took ~1 ms at 100k)."""
    cols = snap.data.topics
    out = np.zeros(snap.n, dtype=np.float32)
    if cols is None or not named:
        return out
    order, starts = topic_slots(snap)
    confidence = topic_confidence(snap)
    width = cols.codes.shape[1]
    shares = np.asarray(
        [RANK_WEIGHTS[min(k, len(RANK_WEIGHTS) - 1)] for k in range(width)], dtype=np.float32
    )
    for code, topic in enumerate(cols.values):
        weight = named.get(topic)
        if not weight:
            continue
        docs, rank = np.divmod(order[starts[code] : starts[code + 1]], width)
        found = np.float32(weight) * confidence[rank, docs] * shares[rank]
        np.maximum.at(out, docs, found)  # an entry may hold a topic at two ranks
    return out


def topic_slots(snap: Any, previous: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The topic arrays' slots (docnum * width + rank) ordered by topic code, and where
    each code's run starts: per generation (1.2 MB at 100k entries, made at open, from
    `previous`'s where an update only added entries); none without topic arrays."""
    cols = snap.data.topics

    def make() -> tuple[np.ndarray, np.ndarray]:
        if cols is None:
            return np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64)
        carried = None if previous is None else _added_slots(cols, previous)
        if carried is not None:
            return carried
        flat = cols.codes.ravel()
        order = np.argsort(flat, kind="stable").astype(np.int32)
        starts = np.searchsorted(flat[order], np.arange(len(cols.values) + 1))
        return order, starts

    return derived(snap.memo, "topic_slots", make)


def _added_slots(cols: Any, previous: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """`topic_slots` of a generation whose first entries are `previous`'s, with the same
    topics, and the others added after them (an update: edited entries get new docnums,
    the old ones are only marked deleted): each added slot goes at the end of its code's
    run, as a stable sort puts it (sorting every slot took 5 of a reopen's ms at 100k)."""
    held, old = previous.memo.get("topic_slots"), previous.data.topics
    if held is None or old is None or list(old.values) != list(cols.values):
        return None
    count, width = old.codes.shape
    if cols.codes.shape[1] != width or len(cols.codes) < count:
        return None
    if not np.array_equal(cols.codes[:count], old.codes):
        return None
    added = np.arange(count * width, cols.codes.size, dtype=np.int32)
    codes = cols.codes.ravel()[added].astype(np.int64)
    by = np.argsort(codes, kind="stable")
    added, codes = added[by], codes[by]
    order, starts = held
    return (
        np.insert(order, starts[codes + 1], added),  # code -1 (no topic): starts[0]
        starts + np.searchsorted(codes, np.arange(len(starts))),
    )


def topic_confidence(snap: Any) -> np.ndarray | None:
    """The topic confidences, one float32 row per rank (None without topic arrays).
    Converting the float16 column on every query cost 0.9 of its 1.5 ms at 100k entries:
    the copy is kept per generation (1.2 MB), made at open (search.searcher)."""
    cols = snap.data.topics
    if cols is None:
        return None
    return derived(
        snap.memo,
        "topic_confidence",
        lambda: np.ascontiguousarray(cols.confidence.T.astype(np.float32)),
    )


def _only_words(node: Node | None) -> bool:
    """A query of plain words only: a phrase or prefix asks for those very words, and a
    NOT, field or year clause is a condition entries joining without the words would skip."""
    if isinstance(node, And | Or):
        return all(_only_words(child) for child in node.nodes)
    return isinstance(node, Word | Compound)


def lift(snap: Any, parsed: ParsedQuery, ev: Any) -> None:
    """Topics the query's words name lift their entries (see the module's docstring)."""
    words = parsed.words()
    if not words:
        return
    named_any, whole = snap.topic_assigner.read_query(" ".join(words))
    named = {t: w for t, w in named_any.items() if w >= NAMED_MIN}
    if not named:
        return
    strength = strengths(snap, named) * snap.alive
    if not strength.any():
        return
    direct = ev.scores
    # Entries with the words are reordered by topic only when the topics account for the
    # whole query: a word no topic names is the user's own, and its matches stay in order.
    lift_by = LIFT if whole else 0.0
    lifted = np.multiply(direct * (1 + lift_by * strength), ev.mask, dtype=np.float32)
    joining = ~ev.mask & (strength >= JOIN_MIN) & _only_words(parsed.root)
    if joining.any():
        top = float(direct.max()) if ev.mask.any() else 1.0
        indirect = np.multiply(strength * top, joining, dtype=np.float32)
        lifted += below_direct(lifted, indirect)
        ev.joining = joining
    ev.scores = lifted
