"""Where a query word is turned into scores: channels and BM25 over the postings arrays.

A query word becomes *channels*: (field, indexed term, boost) in every language family the
index holds, the language-neutral folded fields, the place field, and cross-language concept
expansions.  Each channel's BM25 weights are added into one score vector per word.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from indexer.analysis import CYRILLIC_RE, families_for, fold, pair_keys, term, transliterate
from indexer.schema import (
    BODY_FOLDED,
    FOLDED_FIELDS,
    PLACE_FOLDED,
    TEXT_PARTS,
    TITLE_FOLDED,
    text_field,
)
from search.highlight import Marks
from search.snapshot import Snapshot, derived
from search.sorted_lists import all_in_sorted, size

K1 = 1.2
B = 0.75
# Channel boosts: title above body, own-language (stemmed) and exact form above folded,
# metadata (country/city) for place queries, cross-language and typo matches below all.
BOOST = {
    "title": 2.5,
    "body": 1.0,
    TITLE_FOLDED: 1.2,
    BODY_FOLDED: 0.5,
    PLACE_FOLDED: 1.5,
}
CONCEPT_BOOST = 0.3
LOOSE_CONCEPT = 0.3  # a multi-word concept term whose words are not consecutive
# Matches through translations (or loose multi-word terms) stay just below the weakest
# direct match: this share of it at most.
BELOW_DIRECT = 0.99
# A multi-word term's rarest word is looked up in the others' postings (a binary search
# per docnum) when they hold this many times its docnums; else all are marked.
SEARCH_BELOW = 8  # at 4, more-like-this took 3.5 ms an entry against 3.1 (dense, or 8)


def title_only(scope: str | None) -> bool:
    return scope == "title"


class Channels:
    """Scores of query words over one snapshot's fields (one per query evaluation).

    With `within` (a mask over the entries) only those entries are scored, each as without
    the mask: the others' postings are left out before their weights are computed, so a
    narrow mask costs a gather per posting instead of a dozen passes (related practices
    under filters).  What compares an entry with all the others is taken over all of them
    (`_written_cap`); `word` is for a Channels without a mask only."""

    def __init__(self, snap: Snapshot, within: np.ndarray | None = None) -> None:
        self.snap = snap
        self.n = snap.n
        self.within = within
        self._scratch_arrays: tuple[np.ndarray, np.ndarray] | None = None  # see _all_terms
        # A word repeated in a query ("the the the ...") is scored once.
        self._words: dict[tuple[str, str | None, float], tuple[np.ndarray, bool]] = {}
        # So is a term: concepts share their terms' words ("equal" is in "equal
        # opportunities", "equal rights", "gender equality"...), read once a query.
        self._terms: dict[tuple[str, str], tuple[np.ndarray, np.ndarray] | None] = {}

    def zeros(self) -> np.ndarray:
        return np.zeros(self.n, dtype=np.float32)

    def bm25(self, name: str, indexed: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums, BM25 weights) of one indexed term in one field (not to be changed:
        they are kept for the rest of the query)."""
        key = (name, indexed)
        if key not in self._terms:
            self._terms[key] = self._bm25(name, indexed)
        return self._terms[key]

    def _bm25(self, name: str, indexed: str) -> tuple[np.ndarray, np.ndarray] | None:
        fp = self.snap.data.fields.get(name)
        found = fp.postings(indexed) if fp is not None else None
        if found is None:
            return None
        docs, tf = found
        df = len(docs)
        idf = math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))
        if self.within is not None:  # the same weights, for the entries asked about only
            inside = np.flatnonzero(self.within[docs])
            if not len(inside):
                return None
            docs, tf = docs[inside], tf[inside]
        tf = tf.astype(np.float32)
        # idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg)), in float32 as the
        # lengths are, computed in place: the same floats with two arrays instead of seven.
        norm = fp.lengths[docs]
        norm *= B
        norm /= self.snap.avg_len[name]
        norm += 1.0 - B
        norm *= K1
        norm += tf
        weights = tf * idf
        weights *= K1 + 1.0
        weights /= norm
        return docs, weights

    def add(self, scores: np.ndarray, name: str, indexed: str, boost: float) -> bool:
        """Add one channel's weights into `scores`; False when the term is not there."""
        hit = self.bm25(name, indexed)
        if hit is None:
            return False
        docs, weights = hit
        scores[docs] += boost * weights
        return True

    def word(
        self, word: str, scope: str | None, marks: Marks, boost: float = 1.0
    ) -> tuple[np.ndarray, bool]:
        """Scores of one query word over all channels; False when nothing matched at all."""
        # Its translations stay below its weakest direct match among every entry.
        assert self.within is None, "query words are scored over every entry"
        key = (word, scope, boost)
        known = self._words.get(key)
        if known is None:
            known = self._words[key] = self._word(word, scope, marks, boost)
        return known[0].copy(), known[1]

    def _word(
        self, word: str, scope: str | None, marks: Marks, boost: float
    ) -> tuple[np.ndarray, bool]:
        scores = self.zeros()
        found = False
        seen: set[tuple[str, str]] = set()
        parts = ("title",) if title_only(scope) else TEXT_PARTS
        for family in families_for(word, self.snap.families):
            indexed = term(word, family)
            if not indexed:
                continue
            for part in parts:
                if self.add(scores, text_field(part, family), indexed, BOOST[part] * boost):
                    found = True
                    marks.add_term(family, indexed)
            seen.add((family, indexed))
        folded_forms = {fold(word)}
        if CYRILLIC_RE.search(word):
            folded_forms.add(transliterate(word))
        folded_fields = (TITLE_FOLDED,) if title_only(scope) else FOLDED_FIELDS
        for folded in folded_forms:
            for name in folded_fields:
                if self.add(scores, name, folded, BOOST[name] * boost):
                    found = True
                    marks.add_folded(folded)
        concepts = self.snap.lexicon.concepts_of(word)
        translated = self.zeros()
        if concepts and self.concepts(translated, concepts, seen, parts, marks, boost):
            found = True
            scores += below_direct(scores, translated)
        return scores, found

    def concepts(
        self,
        scores: np.ndarray,
        concepts: frozenset[str],
        seen: set[tuple[str, str]],
        parts: tuple[str, ...],
        marks: Marks,
        boost: float,
    ) -> bool:
        """Add matches of the concepts' terms in the other languages the index holds."""
        lexicon = self.snap.lexicon
        found = False
        for concept in concepts:
            for family, indexed_terms in lexicon.expansions(concept):
                if family not in self.snap.families:
                    continue
                if len(indexed_terms) == 1:
                    # One term: its postings added where they are, no dense temporaries
                    # (each one a pass over every entry; more-like-this asks for hundreds).
                    (indexed,) = indexed_terms
                    if (family, indexed) in seen:
                        continue
                    weight = CONCEPT_BOOST * boost
                    hit = False
                    for part in parts:
                        name = text_field(part, family)
                        hit |= self.add(scores, name, indexed, BOOST[part] * weight)
                    if hit:
                        found = True
                        marks.add_term(family, indexed)
                    continue
                docs, term_scores = self._all_terms(family, indexed_terms, parts)
                if not len(docs):
                    continue
                forms = lexicon.written(family, indexed_terms)
                among_all = None if self.within is None else (family, indexed_terms, parts)
                term_scores = self.as_written(forms, docs, term_scores, among_all)
                scores[docs] += term_scores * (CONCEPT_BOOST * boost / len(indexed_terms))
                found = True
                for indexed in indexed_terms:
                    marks.add_term(family, indexed)
        return found

    def consecutive(self, words: Sequence[str], candidates: np.ndarray) -> np.ndarray:
        """The candidates holding the folded words one after the other (the pair index)."""
        return candidates & self._holding(words)

    def _holding(self, words: Sequence[str]) -> np.ndarray:
        """Per entry: whether it holds the words one after the other.  A mask over every
        entry per word pair, gathered where asked: np.isin(docs, pair docnums) took 0.7 ms
        where this takes 0.04 (10-1,000 docs against pairs of 8-20k entries)."""
        held = np.ones(self.n, dtype=bool)
        for key in pair_keys(list(words)):
            hit = np.zeros(self.n, dtype=bool)
            hit[self.snap.data.pairs.docs(key)] = True
            held &= hit
        return held

    def _all_terms(
        self, family: str, indexed_terms: tuple[str, ...], parts: tuple[str, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The entries holding every one of the terms (in any of the parts' fields) and
        the sum of the terms' weights there, in work proportional to the postings: a
        multi-word concept term took a dozen passes over every entry (more-like-this asks
        for hundreds of them).  The sums are added in the order the dense form added them,
        so the scores are the same to the bit."""
        postings = []  # per term, its (docnums, boosted weights) in each part's field
        for indexed in indexed_terms:
            hits = []
            for part in parts:
                hit = self.bm25(text_field(part, family), indexed)
                if hit is not None:
                    hits.append((hit[0], BOOST[part] * hit[1]))
            if not hits:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            postings.append(hits)
        fewest = min(postings, key=size)
        if size(fewest) * SEARCH_BELOW <= sum(map(size, postings)) - size(fewest):
            return all_in_sorted(postings, fewest)
        count, total_of = self._scratch()
        merged = [np.concatenate([d for d, _ in hits]) for hits in postings]
        for term_docs in merged:  # a docnum in both fields counts once: `+=` does not repeat
            count[term_docs] += 1
        picked = []
        for d, _ in fewest:
            holding = d[count[d] == len(postings)]
            count[holding] = 0  # taken: the same docnum in the next field is not again
            picked.append(holding)
        docs = np.concatenate(picked)
        total = np.zeros(len(docs), dtype=np.float32)
        for hits, term_docs in zip(postings, merged, strict=True):
            count[term_docs] = 0
            for d, w in hits:
                total_of[d] += w
            total += total_of[docs]
            for d, _ in hits:
                total_of[d] = 0
        return docs, total

    def _scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-entry counters and sums, all zero between uses (set back after each)."""
        if self._scratch_arrays is None:
            self._scratch_arrays = (np.zeros(self.n, dtype=np.uint8), self.zeros())
        return self._scratch_arrays

    def as_written(
        self,
        forms: tuple[tuple[str, ...], ...],
        docs: np.ndarray,
        scores: np.ndarray,
        among_all: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None,
    ) -> np.ndarray:
        """Scores of a multi-word term's entries (`docs`, `scores`): where its words stand
        as written (consecutive, in the pair index) in full; where its stems only co-occur,
        damped and below every written match among all entries (`among_all`: the term's
        family, indexed terms and parts, when `docs` are only some of its entries).
        "First Nations" is not "first ... national", though an inflected "peuple
        autochtone" still counts for "peuples autochtones"."""
        if not forms:
            return scores  # an index from before written forms were kept
        written = self._written(forms, docs)
        if written.all():
            return scores
        loose = scores * LOOSE_CONCEPT
        cap = (
            _below_written(scores, written) if among_all is None else self._written_cap(*among_all)
        )
        if cap < math.inf:
            loose = np.minimum(loose, cap)
        return np.where(written, scores, loose)

    def _written(self, forms: tuple[tuple[str, ...], ...], docs: np.ndarray) -> np.ndarray:
        """Per docnum of `docs`: whether one of the term's written forms is in it."""
        written = np.zeros(len(docs), dtype=bool)
        for words in forms:
            written |= self._holding(words)[docs]
        return written

    def _written_cap(
        self, family: str, indexed_terms: tuple[str, ...], parts: tuple[str, ...]
    ) -> float:
        """The bar a multi-word term's loose matches stay below, from its written matches
        among every entry (a Channels with a mask sees some of them only), once per
        generation: the same scores with the mask as without it.  Only the entries the
        pair index has the written words in are scored (scoring every entry holding the
        terms took up to 3 ms a page at 100k)."""

        def make() -> float:
            forms = self.snap.lexicon.written(family, indexed_terms)
            holding = np.zeros(self.n, dtype=bool)
            for words in forms:
                holding |= self._holding(words)
            written = Channels(self.snap, within=holding)
            docs, scores = written._all_terms(family, indexed_terms, parts)
            return _below_written(scores, written._written(forms, docs))

        return derived(self.snap.memo, ("written cap", family, indexed_terms, parts), make)

    def phrase_concepts(
        self, words: Sequence[tuple[int, str]], marks: Marks
    ) -> dict[int, np.ndarray]:
        """Scores from multi-word lexicon terms spanning consecutive query words, shared
        out to the words they cover: (position, word) pairs in, position -> scores out."""
        extra: dict[int, np.ndarray] = {}
        for concepts, start, end in self.snap.lexicon.phrases_in([w for _, w in words]):
            scores = self.zeros()
            if self.concepts(scores, concepts, set(), TEXT_PARTS, marks, 1.0):
                for i, _ in words[start:end]:
                    extra[i] = extra.get(i, 0) + scores / (end - start)
        return extra


def _below_written(scores: np.ndarray, written: np.ndarray) -> float:
    """Just below the weakest of the written matches' scores (math.inf: there are none)."""
    return float(scores[written].min()) * BELOW_DIRECT if written.any() else math.inf


def below_direct(direct: np.ndarray, indirect: np.ndarray) -> np.ndarray:
    """Indirect scores (translations, synonyms) capped below the weakest direct match: the
    word as typed ranks above its translations, which still rank where it is absent."""
    matched = direct > 0
    found = np.flatnonzero(matched)
    if not len(found):
        return indirect
    cap = float(direct[found].min()) * BELOW_DIRECT
    # Only the few entries above the cap and without a direct match change: found and
    # set where they are (np.where and np.minimum over every entry took 0.3 ms a word).
    over = np.flatnonzero(indirect > np.float32(cap))
    over = over[~matched[over]]
    if not len(over):
        return indirect
    capped = indirect.copy()
    capped[over] = np.minimum(indirect[over], cap)
    return capped
