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

from whoosh.reading import SegmentReader
from whoosh.writing import MERGE_SMALL

EXPUNGE_SHARE = 0.5  # a segment with more of its documents deleted is rewritten


def merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's `mergetype`: the segments kept as they are (the writer adds the rest)."""
    kept = []
    for segment in segments:
        total, live = segment.doc_count_all(), segment.doc_count()
        if live == 0:
            continue  # nothing of it is served: dropped, not copied
        if total - live > total * EXPUNGE_SHARE:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)  # its live documents, into the new segment
            reader.close()
        else:
            kept.append(segment)
    return list(MERGE_SMALL(writer, kept))
