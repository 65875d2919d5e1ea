"""Which Whoosh segments a commit keeps, merges or drops.

An update deletes the old versions of the entries it changes; Whoosh keeps a deleted
document in its segment until that segment is merged, and its own policy (MERGE_SMALL)
merges only small segments.  An update that changed most entries of a big segment (a
source re-exported with a new field, say) left that segment mostly or wholly dead: every
query then walked arrays three times the corpus (300k documents for 100k live entries,
measured after two such updates), and every process mapped and held them.  As Lucene's
TieredMergePolicy expunges deletions, a commit here drops the segments without a live
document and rewrites those mostly deleted, then merges small ones as Whoosh does.
"""

from __future__ import annotations

from typing import Any

from whoosh.util import fib

from indexer.codec import MergeReader

EXPUNGE_SHARE = 0.5  # a segment with more of its documents deleted is rewritten


def merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's `mergetype`: the segments kept as they are (the writer adds the rest)."""
    kept = []
    for segment in segments:
        total, live = segment.doc_count_all(), segment.doc_count()
        if live == 0:
            continue  # nothing of it is served: dropped, not copied
        if total - live > total * EXPUNGE_SHARE:
            _merge(writer, segment)  # its live documents, into the new segment
        else:
            kept.append(segment)
    return merge_small(writer, kept)


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's MERGE_SMALL, merging the same segments: taken smallest first, the first
    five or more whose documents stay below a Fibonacci number (fib(count + 4)) go into
    the new segment.  Each is read by a `MergeReader`: every fifth one-entry update merges
    the four one-entry segments before it (with the segment the last such merge wrote,
    while that stays small), and Whoosh's reader made that update the slowest of five."""
    ordered = sorted(segments, key=lambda s: s.doc_count_all())
    total = 0
    for i, segment in enumerate(ordered):
        total += segment.doc_count_all()
        if i > 3 and total < fib(i + 5):
            for merged in ordered[: i + 1]:
                _merge(writer, merged)
            return ordered[i + 1 :]
    return segments


def _merge(writer: Any, segment: Any) -> None:
    reader = MergeReader(writer.storage, writer.schema, segment)
    try:
        writer.add_reader(reader)
    finally:
        reader.close()
