"""A parsed query evaluated over one snapshot: a mask of matching entries and their scores.

Words combine by AND/OR/NOT over boolean masks; phrases are checked in the index of
consecutive word pairs; a word found nowhere is searched as its typo corrections.  A
multi-word AND at the top counts, per entry, how many of its words matched (the tiers the
searcher ranks by before the score).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from indexer.analysis import fold, folded_words, term
from indexer.schema import BODY_FOLDED, TITLE_FOLDED
from search.corrections import corrections
from search.highlight import Marks
from search.querynodes import (
    TEXT_NODES,
    And,
    Compound,
    Match,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    Years,
)
from search.scoring import BOOST, Channels, title_only
from search.snapshot import Snapshot

FUZZY_BOOST = 0.6
PREFIX_BOOST = 0.7
PHRASE_BONUS = 1.5
MAX_PREFIX_EXPANSIONS = 50  # as Elasticsearch's max_expansions
PREFIX_FIELDS = (TITLE_FOLDED, BODY_FOLDED)


@dataclass(slots=True)
class Evaluation:
    """What a query matched: mask, scores and the terms to mark in snippets."""

    mask: np.ndarray
    scores: np.ndarray
    marks: Marks = field(default_factory=Marks)
    corrections: dict[str, str] = field(default_factory=dict)  # misspelled word -> used
    unknown: list[str] = field(default_factory=list)  # words found nowhere
    tiers: np.ndarray | None = None  # words matched per entry, ranked before the score
    words: int = 0  # how many words the tiers count
    loose_phrases: list[str] = field(default_factory=list)  # "phrases" matched as words
    # Entries of a topic the query names but without its words: they join (ranked below
    # every word match) only when the words find too few (search.topics.lift).
    joining: np.ndarray | None = None


Result = tuple[np.ndarray, np.ndarray]  # (mask, scores) of one clause


class Matcher:
    """Evaluates parsed queries over one snapshot."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.n = snap.n
        self.channels = Channels(snap)

    def evaluate(self, root: Node | None) -> Evaluation:
        """Mask and scores of a parsed query (None: every entry, unscored)."""
        ev = Evaluation(self.snap.alive.copy(), self.channels.zeros())
        if root is None:
            return ev
        mask, scores = self._node(root, ev, top=True)
        ev.mask = mask & self.snap.alive
        ev.scores = np.multiply(scores, ev.mask, dtype=np.float32)
        return ev

    def _node(self, node: Node, ev: Evaluation, top: bool = False) -> Result:
        if isinstance(node, Not):
            mask, _ = self._node(node.node, ev)
            return ~mask, self.channels.zeros()
        if isinstance(node, Or):
            mask = np.zeros(self.n, dtype=bool)
            scores = self.channels.zeros()
            for child in node.nodes:
                m, s = self._node(child, ev)
                mask |= m
                scores += s
            return mask, scores
        if isinstance(node, And):
            return self._and(node, ev, top)
        return self._leaf(node, ev)

    def _leaf(self, node: Node, ev: Evaluation) -> Result:
        if isinstance(node, Word):
            return self._word(node, ev)
        if isinstance(node, Compound):
            return self._compound(node, ev)
        if isinstance(node, Prefix):
            return self._prefix(node, ev)
        if isinstance(node, Phrase):
            return self._phrase(node, ev)
        if isinstance(node, Match):
            return self._match(node), self.channels.zeros()
        if isinstance(node, Years):
            return self.snap.year_mask(node.low, node.high), self.channels.zeros()
        raise TypeError(node)

    def _match(self, node: Match) -> np.ndarray:
        if node.field == "near":  # near:Geneva, within the default radius
            return self.snap.geo.within(self.snap.geo.point(node.value, "q"))
        mask = self.snap.column_mask(node.field, (node.value,))
        if node.field == "city":  # city:Ginevra: the place, in any language
            located = self.snap.geo.city_mask(node.value)
            if located is not None:
                mask |= located
        return mask

    def _located(self, text: str, field: str | None, scores: np.ndarray) -> bool:
        """Add the entries located in the place `text` names (True when there are any)."""
        if title_only(field):
            return False
        bonus = self.snap.geo.word_bonus(text, scores)
        if bonus is None:
            return False
        scores += bonus
        return True

    def _word(self, node: Word, ev: Evaluation, extra: np.ndarray | None = None) -> Result:
        scores, found = self.channels.word(node.text, node.field, ev.marks)
        if extra is not None and extra.any():  # part of a multi-word concept that matched
            scores += extra
            found = True
        # A place name the text never uses (`Ginevra`) still gets its typo corrections:
        # did-you-mean offers the spelling the entries use.
        located = self._located(node.text, node.field, scores)
        if not found:
            for fix in corrections(self.snap, node.text):
                more, hit = self.channels.word(fix, node.field, ev.marks, FUZZY_BOOST)
                if hit:
                    scores += more
                    ev.corrections.setdefault(node.text, fix)
            if not ev.corrections.get(node.text) and not located:
                ev.unknown.append(node.text)
        return scores > 0, scores

    def _compound(self, node: Compound, ev: Evaluation) -> Result:
        """All parts ("art" and "therapy"), else any of them; a place (`Mexiko-Stadt`)."""
        mask, scores = self._all_words(node.parts, node.field, ev)
        if self._located(" ".join(node.parts), node.field, scores):
            return scores > 0, scores
        return (mask, scores) if mask.any() else (scores > 0, scores)

    def _all_words(self, words: tuple[str, ...], scope: str | None, ev: Evaluation) -> Result:
        extra = self._phrase_concepts([Word(w, scope) for w in words], ev)
        scores = self.channels.zeros()
        mask = np.ones(self.n, dtype=bool)
        for i, word in enumerate(words):
            word_scores, _ = self.channels.word(word, scope, ev.marks)
            if i in extra:
                word_scores += extra[i]
            mask &= word_scores > 0
            scores += word_scores
        return mask, scores

    def _phrase(self, node: Phrase, ev: Evaluation) -> Result:
        mask, scores = self._all_words(node.words, node.field, ev)
        if self._located(" ".join(node.words), node.field, scores):
            return scores > 0, scores
        if not mask.any():
            return mask, scores
        exact = self.channels.consecutive(folded_words(" ".join(node.words)), mask)
        if not exact.any():
            # No entry has the words in this order (in any language it is written in): the
            # entries with all of them, translations included, are the next best thing.
            ev.loose_phrases.append(" ".join(node.words))
            return mask, scores
        return exact, scores * PHRASE_BONUS * exact

    def _prefix(self, node: Prefix, ev: Evaluation) -> Result:
        folded = fold(node.text)
        scores = self.channels.zeros()
        names = (TITLE_FOLDED,) if title_only(node.field) else PREFIX_FIELDS
        for name in names:
            vocab, frequencies = self.snap.data.fields[name].vocabulary
            lo = int(np.searchsorted(vocab, folded, side="left"))
            hi = int(np.searchsorted(vocab, folded + "\U0010ffff", side="left"))
            candidates = vocab[lo:hi].tolist()
            if len(candidates) > MAX_PREFIX_EXPANSIONS:  # the most common ones
                keep = np.argsort(-frequencies[lo:hi], kind="stable")[:MAX_PREFIX_EXPANSIONS]
                candidates = [candidates[i] for i in sorted(keep)]
            for candidate in candidates:
                self.channels.add(scores, name, candidate, BOOST[name] * PREFIX_BOOST)
        if scores.any():
            ev.marks.add_prefix(folded)
        return scores > 0, scores

    def _phrase_concepts(
        self, nodes: list[Node] | tuple[Node, ...], ev: Evaluation
    ) -> dict[int, np.ndarray]:
        """Multi-word lexicon terms spanning consecutive query words (child index -> scores)."""
        words = [
            (i, n.text)
            for i, n in enumerate(nodes)
            if isinstance(n, Word | Compound) and not title_only(n.field)
        ]
        return self.channels.phrase_concepts(words, ev.marks)

    def _is_stop(self, node: Node) -> bool:
        """A word some indexed language drops as a stopword ("de", "të", "the")."""
        return isinstance(node, Word) and any(
            term(node.text, f) is None for f in self.snap.families
        )

    def _balanced(self, scores: np.ndarray) -> np.ndarray:
        """One word's share of a multi-word query's score.

        Raw BM25 sums over channels let a frequent word matched in many titles outweigh
        a rare word matched in a summary ("migrant entrepreneurship": every migrant
        story above the one entrepreneurship programme).  Each word's scores are damped
        by the square root of its best match and weighted by its rarity, so a rare word
        counts more and a word's strong matches still rank above its weak ones.
        """
        best = float(scores.max())
        if best <= 0:
            return scores
        df = int(np.count_nonzero(scores != 0))
        return scores * (math.log(1.0 + self.n / df) / math.sqrt(best))

    def _and(self, node: And, ev: Evaluation, top: bool) -> Result:
        text: list[tuple[Node, np.ndarray]] = []
        required = np.ones(self.n, dtype=bool)
        parts: list[np.ndarray] = []  # each child's scores
        unknown = 0
        extra = self._phrase_concepts(node.nodes, ev)
        for i, child in enumerate(node.nodes):
            if i in extra and isinstance(child, Word):
                m, s = self._word(child, ev, extra[i])
            else:
                m, s = self._node(child, ev)
            parts.append(s)
            if not isinstance(child, TEXT_NODES):
                required &= m
            elif isinstance(child, Word) and child.text in ev.unknown:
                unknown += 1  # found nowhere: reported, and must not empty the result
            else:
                text.append((child, m))
        if unknown and not text:
            required[:] = False
        counted = [m for child, m in text if not self._is_stop(child)]
        if not top or len(counted) < 2:
            mask = required.copy()
            for _, m in text:
                mask &= m
            return mask, self._total(parts)
        # Every entry with any of the words is a candidate; the searcher keeps those with
        # the most words that fill the page (Meilisearch's "words" rule and strategy).
        ev.tiers = np.sum(counted, axis=0, dtype=np.int16)
        ev.words = len(counted)
        return required & (ev.tiers >= 1), self._total(self._balanced(s) for s in parts)

    def _total(self, parts: Iterable[np.ndarray]) -> np.ndarray:
        total = self.channels.zeros()
        for scores in parts:
            total += scores
        return total
