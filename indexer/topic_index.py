"""Topics at index time: each entry's ranked topics, and their arrays beside the postings.

An entry's topics come from its source when it declares them (the site's own Topic wins
over any guess), else from the TopicAssigner.  The stored entry keeps `topics` (ids, best
first) and `topic_scores` (id, confidence, evidence); the postings export writes each
document's topics as a small fixed-width array (`MAX_TOPICS` codes, -1 empty) so the
`topic` facet and filter are array operations, like the single-valued columns.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corpus.errors import CorpusError
from corpus.model import Entry
from indexer.analysis import fold
from indexer.arraypack import Arrays, PackWriter
from indexer.topics import MAX_TOPICS, Taxonomy, TopicAssigner, TopicScore, load_taxonomy

log = logging.getLogger(__name__)

CODES = "topics.npy"  # int16 [n, MAX_TOPICS]: codes into VALUES, -1 where empty
CONFIDENCE = "topic_conf.npy"  # float16 [n, MAX_TOPICS]
VALUES = "topics.json"  # the topic ids the codes stand for
NO_TOPIC = -1


class UnknownTopicError(CorpusError):
    """An entry declares a topic the taxonomy lacks (the message names its file:line)."""


def resolve(value: str, taxonomy: Taxonomy | None = None) -> str | None:
    """The topic id a value names (an id or a name in any language), None when none."""
    return (taxonomy or load_taxonomy()).by_name.get(fold(value.strip()))


def declared(entry: Entry, taxonomy: Taxonomy) -> tuple[TopicScore, ...]:
    """The topics an entry's source gives, in its order, full confidence; raises
    UnknownTopicError naming the entry's file:line for a topic the taxonomy lacks."""
    found: list[str] = []
    for value in getattr(entry, "topics", ()) or ():
        topic = taxonomy.by_name.get(fold(value.strip()))
        if topic is None:
            raise UnknownTopicError(
                f"{entry.source or entry.id}: unknown topic {value!r}; topics are "
                f"{', '.join(taxonomy.ids)}"
            )
        if topic not in found:
            found.append(topic)
    return tuple(TopicScore(t, 1.0, ()) for t in found[:MAX_TOPICS])


Topics = tuple[TopicScore, ...]


def assign_entry(assigner: TopicAssigner, entry: Entry, language: str) -> Topics:
    """An entry's topics: the declared ones win, else assigned in its detected language."""
    return declared(entry, assigner.taxonomy) or assigner.assign(
        entry.title, entry.summary, entry.body, language
    )


def stored_fields(topics: Sequence[TopicScore]) -> dict[str, Any]:
    """What the stored entry keeps of its topics."""
    return {
        "topics": [t.topic for t in topics],
        "topic_scores": [
            {"topic": t.topic, "confidence": t.confidence, "evidence": list(t.evidence)}
            for t in topics
        ],
    }


# --- arrays ---------------------------------------------------------------------------


def save_segment(pack: PackWriter, docs: Sequence[dict[str, Any]]) -> None:
    """One segment's topic arrays (into its pack), from its stored entries in docnum
    order."""
    values = sorted({t for doc in docs for t in doc.get("topics", ())})
    code = {t: i for i, t in enumerate(values)}
    codes = np.full((len(docs), MAX_TOPICS), NO_TOPIC, dtype=np.int16)
    confidence = np.zeros((len(docs), MAX_TOPICS), dtype=np.float16)
    for row, doc in enumerate(docs):
        scores = {s["topic"]: s["confidence"] for s in doc.get("topic_scores", ())}
        for k, topic in enumerate(doc.get("topics", ())[:MAX_TOPICS]):
            codes[row, k] = code[topic]
            confidence[row, k] = scores.get(topic, 1.0)
    pack.save(CODES, codes)
    pack.save(CONFIDENCE, confidence)
    (pack.directory / VALUES).write_text(json.dumps(values), encoding="utf-8")


def merge(segments: Sequence[Arrays], pack: PackWriter) -> None:
    """The segments' topic arrays over the whole index, with one list of topic ids."""
    loaded = [load(arrays) for arrays in segments]
    values = sorted({t for seg in loaded for t in seg.values})
    lookup = {t: i for i, t in enumerate(values)}
    empty = np.zeros((0, MAX_TOPICS))
    codes = [_remapped(seg.codes, seg.values, lookup) for seg in loaded]
    pack.save(CODES, np.concatenate(codes).astype(np.int16) if codes else empty)
    confidence = [seg.confidence for seg in loaded]
    pack.save(CONFIDENCE, np.concatenate(confidence) if confidence else empty)
    (pack.directory / VALUES).write_text(json.dumps(values), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class TopicColumns:
    """Every document's topics: codes into `values` (-1 empty) and confidences."""

    codes: np.ndarray  # int16 [n, MAX_TOPICS]
    confidence: np.ndarray  # float16 [n, MAX_TOPICS]
    values: list[str]


def load(arrays: Arrays) -> TopicColumns:
    return TopicColumns(
        codes=arrays.read(CODES),
        confidence=arrays.read(CONFIDENCE),
        values=json.loads((arrays.directory / VALUES).read_text(encoding="utf-8")),
    )


def join(held: TopicColumns, more: TopicColumns) -> TopicColumns:
    """Two parts' topics one after the other (indexer.layout: a base and a tail), with
    the codes into the values of both (the base's remapped only for a topic it lacks)."""
    values = held.values
    if not set(more.values) <= set(values):
        values = sorted({*held.values, *more.values})
    lookup = {t: i for i, t in enumerate(values)}
    first = held.codes if values is held.values else _remapped(held.codes, held.values, lookup)
    codes = np.concatenate([first, _remapped(more.codes, more.values, lookup)])
    confidence = np.concatenate([held.confidence, more.confidence.astype(held.confidence.dtype)])
    return TopicColumns(codes.astype(np.int16), confidence, list(values))


def _remapped(codes: np.ndarray, values: Sequence[str], lookup: dict[str, int]) -> np.ndarray:
    """Codes into `values` as codes into `lookup`'s values (-1, no topic, stays -1)."""
    remap = np.asarray([lookup[t] for t in values] + [NO_TOPIC], dtype=np.int16)
    return remap[codes.astype(np.int64)]  # -1 indexes the appended NO_TOPIC
