"""Sorted docnum lists (a field's postings): the entries holding every one of some terms,
found by binary search in the others' lists when one term is much rarer."""

from __future__ import annotations

import numpy as np

Postings = list[tuple[np.ndarray, np.ndarray]]  # a term's (docnums, weights) per field


def size(hits: Postings) -> int:
    """How many docnums a term's lists hold."""
    return sum(len(d) for d, _ in hits)


def all_in_sorted(terms: list[Postings], fewest: Postings) -> tuple[np.ndarray, np.ndarray]:
    """`Channels._all_terms` (search.scoring) when one term is much rarer than the others:
    its docnums looked up in theirs (docnums are sorted in a field's postings) instead of
    marking all of theirs ("intercultural interaction": 1,000 docnums against 56,000 took
    0.1 ms instead of 0.4).  The same entries in the same order and the same sums, added
    alike."""
    picked = []
    for i, (d, _) in enumerate(fewest):
        keep = np.ones(len(d), dtype=bool)
        for earlier, _ in fewest[:i]:  # taken from an earlier field of the same term
            keep &= ~positions(earlier, d)[1]
        for hits in terms:
            if hits is not fewest:
                inside = np.zeros(len(d), dtype=bool)
                for other, _ in hits:
                    inside |= positions(other, d)[1]
                keep &= inside
        picked.append(d[keep])
    docs = np.concatenate(picked)
    total = np.zeros(len(docs), dtype=np.float32)
    for hits in terms:
        term_total = np.zeros(len(docs), dtype=np.float32)
        for d, w in hits:
            at, found = positions(d, docs)
            term_total[found] += w[at[found]]
        total += term_total
    return docs, total


def positions(sorted_docs: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `docs` is in `sorted_docs` (clipped), and whether it is there."""
    if not len(sorted_docs):
        return np.zeros(len(docs), dtype=np.int64), np.zeros(len(docs), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_docs, docs), len(sorted_docs) - 1)
    return at, sorted_docs[at] == docs
