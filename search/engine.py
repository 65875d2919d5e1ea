"""Query evaluation over one index generation with numpy arrays.

A query word becomes *channels*: (field, indexed term, boost) in every language family
the index holds, the language-neutral folded fields, the place field, cross-language
concept expansions, and typo corrections.  A channel's BM25 weights are added into a
score vector; words combine by AND/OR/NOT over boolean masks.  Phrases are checked in the
index of consecutive word pairs; Whoosh serves the stored entries.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import index as windex

from corpus.gazetteer import gazetteer, normalize_name
from indexer import postings
from indexer.analysis import (
    CYRILLIC_RE,
    SUPPORTED,
    TOKEN_PATTERN,
    analysis_language,
    families_for,
    fold,
    folded_words,
    pair_keys,
    term,
    transliterate,
)
from indexer.concepts import ConceptIndex, concept_index
from indexer.detect import LanguageDetector
from indexer.generations import CONCEPTS, GROUPS, Generation
from indexer.schema import FOLDED_FIELDS
from search.highlight import Marks
from search.querylang import And, Match, Node, Not, Or, Phrase, Prefix, Word, Years

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
# Channel boosts: title above body, own-language (stemmed) and exact form above folded,
# metadata (country/city) for place queries, cross-language and typo matches below all.
BOOST = {
    "title": 2.5,
    "body": 1.0,
    "title_f": 1.2,
    "body_f": 0.5,
    "place_f": 1.5,
}
CONCEPT_BOOST = 0.3
LOOSE_CONCEPT = 0.3  # a multi-word concept term whose words are not consecutive
FUZZY_BOOST = 0.6
PREFIX_BOOST = 0.7
PHRASE_BONUS = 1.5
MAX_PREFIX_EXPANSIONS = 50  # as Elasticsearch's max_expansions
MAX_CORRECTIONS = 3
SIMILAR_TERMS = 25
KIND_ALIASES = {"practice": "good-practice", "good practice": "good-practice"}
MORE_LIKE_KEPT = 200  # neighbours kept per entry: enough for related and similar lists
MORE_LIKE_CACHE = 4096  # entries whose neighbours are kept in memory (~3 KB each)
STORED_CACHE = 2048  # decoded entries kept in memory (~2 KB each)
_TOKEN = re.compile(TOKEN_PATTERN)


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


class Snapshot:
    """One generation, opened once: arrays, Whoosh searcher, groups. Read-only."""

    def __init__(self, gen: Generation) -> None:
        self.gen = gen
        self.ix = windex.open_dir(str(gen.path), readonly=True)
        self.searcher = self.ix.searcher()
        self._whoosh_lock = threading.Lock()  # Whoosh searchers are not thread-safe
        self._more_like: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._more_like_lock = threading.Lock()
        self._stored: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._value_index: dict[str, dict[str, list[int]]] = {}  # see _value_codes
        self.data = postings.load(gen.path)
        self.n = self.data.doc_count_all
        self.alive = self.data.alive
        self.groups: dict[str, str] = json.loads((gen.path / GROUPS).read_text(encoding="utf-8"))
        self.avg_len = {
            name: float(fp.lengths[self.alive].mean()) if self.alive.any() else 1.0
            for name, fp in self.data.fields.items()
        }
        self.families = tuple(
            name[len("body_") :]
            for name, fp in self.data.fields.items()
            if name.startswith("body_") and name not in FOLDED_FIELDS and fp
        )
        ids = self.data.values["id"]
        self.ids = np.asarray(ids, dtype=object)[self.data.columns["id"]]
        self.docnum = {entry_id: int(i) for i, entry_id in enumerate(self.ids) if self.alive[i]}

    @cached_property
    def lexicon(self) -> ConceptIndex:
        """The concept lexicon as analysed when this generation was built."""
        path = self.gen.path / CONCEPTS
        if path.is_file():
            return ConceptIndex.from_json(path.read_text(encoding="utf-8"))
        return concept_index()

    @cached_property
    def detector(self) -> LanguageDetector:
        """Query language detection among the languages this generation holds."""
        held = set(self.data.values["language"]) - {"und"}
        lemmatized = {lang for lang in held if SUPPORTED[analysis_language(lang)].lemmatizer}
        return LanguageDetector(corpus_languages=held, lexicon_languages=lemmatized)

    def warm_up(self) -> None:
        """Load what the first query would otherwise wait for: lemmatizer dictionaries,
        the concept lexicon, the typo vocabulary and the detector's dictionaries."""
        for family in self.families:
            term("warmup", family)
        self.detector.detect_query("warm up")
        _ = self.lexicon, self.folded_vocab
        # Whoosh reads stored entries lazily: read one per segment now, so damaged files
        # stop a server at start-up rather than failing its first requests.
        with self._whoosh_lock:
            for segreader, _offset in self.searcher.reader().leaf_readers():
                if segreader.doc_count_all():
                    segreader.stored_fields(0)

    def close(self) -> None:
        with self._whoosh_lock:
            self.searcher.close()

    # --- stored documents -------------------------------------------------------------

    def stored(self, docnum: int) -> dict[str, Any]:
        """An entry as stored (decoded once, then kept while it is asked for often)."""
        with self._whoosh_lock:
            doc = self._stored.get(docnum)
            if doc is None:
                doc = self._stored[docnum] = self.searcher.stored_fields(docnum)["doc"]
                if len(self._stored) > STORED_CACHE:
                    self._stored.popitem(last=False)
            else:
                self._stored.move_to_end(docnum)
            return doc

    @cached_property
    def id_rank(self) -> np.ndarray:
        """Each docnum's position in id order (reports list entries by id)."""
        rank = np.empty(self.n, dtype=np.int64)
        rank[np.argsort(self.ids, kind="stable")] = np.arange(self.n)
        return rank

    @cached_property
    def folded_vocab(self) -> tuple[list[str], np.ndarray]:
        """Every folded term with its document frequency, for typo correction."""
        counts: dict[str, int] = {}
        for name in FOLDED_FIELDS:
            vocab, df = self.data.fields[name].vocabulary
            for t, d in zip(vocab.tolist(), df.tolist(), strict=True):
                counts[t] = max(counts.get(t, 0), d)
        terms = sorted(counts)
        return terms, np.asarray([counts[t] for t in terms])

    def folded_df(self, word: str) -> int:
        """Entries holding a word in a folded field (its highest count over the fields)."""
        terms, df = self.folded_vocab
        folded = fold(word)
        i = bisect.bisect_left(terms, folded)
        return int(df[i]) if i < len(terms) and terms[i] == folded else 0

    @cached_property
    def practices(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Live docnums, the practice of each (its translation group, or the entry alone)
        as a number, and the practices' keys by number."""
        docnums = np.flatnonzero(self.alive)
        keys = [self.groups.get(i, i) for i in self.ids[docnums]]
        number: dict[str, int] = {}
        practice = np.fromiter(
            (number.setdefault(k, len(number)) for k in keys), dtype=np.int64, count=len(keys)
        )
        return docnums, practice, list(number)

    @cached_property
    def group_members(self) -> dict[str, tuple[str, ...]]:
        """Translation group -> ids of its live entries."""
        members: dict[str, list[str]] = {}
        for entry_id, group in self.groups.items():
            if entry_id in self.docnum:
                members.setdefault(group, []).append(entry_id)
        return {group: tuple(ids) for group, ids in members.items()}

    # --- scoring ------------------------------------------------------------------------

    def _bm25(self, name: str, indexed: str) -> tuple[np.ndarray, np.ndarray] | None:
        fp = self.data.fields.get(name)
        if fp is None:
            return None
        found = fp.postings(indexed)
        if found is None:
            return None
        docs, tf = found
        df = len(docs)
        idf = math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))
        tf = tf.astype(np.float32)
        norm = K1 * (1.0 - B + B * fp.lengths[docs] / self.avg_len[name])
        return docs, idf * tf * (K1 + 1.0) / (tf + norm)

    def _add(self, scores: np.ndarray, name: str, indexed: str, boost: float) -> bool:
        hit = self._bm25(name, indexed)
        if hit is None:
            return False
        docs, weights = hit
        scores[docs] += boost * weights
        return True

    def _word_scores(
        self, word: str, scope: str | None, marks: Marks, boost: float = 1.0
    ) -> tuple[np.ndarray, bool]:
        """Scores of one query word over all channels; False when nothing matched at all."""
        scores = np.zeros(self.n, dtype=np.float32)
        found = False
        seen: set[tuple[str, str]] = set()
        parts = ("title",) if scope == "title" else ("title", "body")
        for family in families_for(word, self.families):
            indexed = term(word, family)
            if not indexed:
                continue
            for part in parts:
                if self._add(scores, f"{part}_{family}", indexed, BOOST[part] * boost):
                    found = True
                    marks.add_term(family, indexed)
            seen.add((family, indexed))
        folded_words = {fold(word)}
        if CYRILLIC_RE.search(word):
            folded_words.add(transliterate(word))
        folded_fields = ("title_f",) if scope == "title" else FOLDED_FIELDS
        for folded in folded_words:
            for name in folded_fields:
                if self._add(scores, name, folded, BOOST[name] * boost):
                    found = True
                    marks.add_folded(folded)
        concepts = self.lexicon.concepts_of(word)
        translated = np.zeros(self.n, dtype=np.float32)
        if concepts and self._add_concepts(translated, concepts, seen, parts, marks, boost):
            found = True
            direct = scores > 0
            if direct.any():
                # The word as typed ranks above its translations and synonyms: an entry
                # matched only through them stays below every direct match.
                cap = float(scores[direct].min()) * 0.99
                translated = np.where(direct, translated, np.minimum(translated, cap))
            scores += translated
        return scores, found

    def _add_concepts(
        self,
        scores: np.ndarray,
        concepts: frozenset[str],
        seen: set[tuple[str, str]],
        parts: tuple[str, ...],
        marks: Marks,
        boost: float,
    ) -> bool:
        """Add matches of the concepts' terms in the other languages the index holds."""
        lexicon = self.lexicon
        found = False
        for concept in concepts:
            for family, indexed_terms in lexicon.expansions(concept):
                if family not in self.families:
                    continue
                if len(indexed_terms) == 1 and (family, indexed_terms[0]) in seen:
                    continue
                phrase_scores = np.zeros(self.n, dtype=np.float32)
                phrase_mask = np.ones(self.n, dtype=bool)
                for indexed in indexed_terms:
                    one = np.zeros(self.n, dtype=np.float32)
                    for part in parts:
                        self._add(one, f"{part}_{family}", indexed, BOOST[part])
                    phrase_mask &= one > 0
                    phrase_scores += one
                if phrase_mask.any():
                    if len(indexed_terms) > 1:
                        phrase_scores = self._as_written(
                            lexicon.written(family, indexed_terms), phrase_mask, phrase_scores
                        )
                    scores += np.where(phrase_mask, phrase_scores, 0) * (
                        CONCEPT_BOOST * boost / len(indexed_terms)
                    )
                    found = True
                    for indexed in indexed_terms:
                        marks.add_term(family, indexed)
        return found

    def _consecutive(self, words: Sequence[str], candidates: np.ndarray) -> np.ndarray:
        """The candidates holding the folded words one after the other (the pair index)."""
        found = candidates.copy()
        for key in pair_keys(list(words)):
            hit = np.zeros(self.n, dtype=bool)
            hit[self.data.pairs.docs(key)] = True
            found &= hit
        return found

    def _as_written(
        self, forms: tuple[tuple[str, ...], ...], candidates: np.ndarray, scores: np.ndarray
    ) -> np.ndarray:
        """Scores of a multi-word term: where its words stand as written (consecutive, in
        the pair index) in full; where its stems only co-occur, damped and below every
        written match.  "First Nations" is not "first ... national", though an inflected
        "peuple autochtone" still counts for "peuples autochtones"."""
        if not forms:
            return scores  # an index from before written forms were kept
        written = np.zeros(self.n, dtype=bool)
        for words in forms:
            written |= self._consecutive(words, candidates)
        loose = scores * LOOSE_CONCEPT
        if written.any():
            loose = np.minimum(loose, float(scores[written].min()) * 0.99)
        return np.where(written, scores, loose)

    def corrections(self, word: str, limit: int = MAX_CORRECTIONS) -> list[str]:
        """Close indexed words (optimal string alignment distance 1, 2 for long words)."""
        folded = fold(word)
        if len(folded) < 4 or (CYRILLIC_RE.search(folded) and len(folded) < 5):
            return []
        max_dist = 1 if len(folded) < 8 else 2
        terms, df = self.folded_vocab
        found = process.extract(folded, terms, scorer=OSA.distance, score_cutoff=max_dist, limit=50)
        ranked = sorted(
            ((dist, -int(df[i]), terms[i]) for _, dist, i in found if terms[i] != folded),
        )
        return [t for _, _, t in ranked[:limit]]

    def _leaf(self, node: Node, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
        """(mask, scores) of one clause."""
        if isinstance(node, Word):
            return self._word(node, ev)
        if isinstance(node, Prefix):
            return self._prefix(node, ev)
        if isinstance(node, Phrase):
            return self._phrase(node, ev)
        if isinstance(node, Match):
            return self._match(node), np.zeros(self.n, dtype=np.float32)
        if isinstance(node, Years):
            return self._years(node), np.zeros(self.n, dtype=np.float32)
        raise TypeError(node)

    def _word(
        self, node: Word, ev: Evaluation, extra: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        tokens = _TOKEN.findall(node.text)
        if len(tokens) > 1:  # "art-therapy", "anti-discrimination": all parts, else any
            mask, scores = self._phrase(Phrase(tuple(tokens), node.field), ev, exact=False)
            if mask.any():
                return mask, scores
            return scores > 0, scores
        if not tokens:
            return np.ones(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32)
        scores, found = self._word_scores(tokens[0], node.field, ev.marks)
        if extra is not None and extra.any():  # part of a multi-word concept that matched
            scores += extra
            found = True
        if not found:
            for fix in self.corrections(tokens[0]):
                more, hit = self._word_scores(fix, node.field, ev.marks, FUZZY_BOOST)
                if hit:
                    scores += more
                    ev.corrections.setdefault(tokens[0], fix)
            if not ev.corrections.get(tokens[0]):
                ev.unknown.append(tokens[0])
        return scores > 0, scores

    def _prefix(self, node: Prefix, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
        folded = fold(node.text)
        scores = np.zeros(self.n, dtype=np.float32)
        names = ("title_f",) if node.field == "title" else ("title_f", "body_f")
        for name in names:
            fp = self.data.fields[name]
            vocab, frequencies = fp.vocabulary
            lo = int(np.searchsorted(vocab, folded, side="left"))
            hi = int(np.searchsorted(vocab, folded + "\U0010ffff", side="left"))
            candidates = vocab[lo:hi].tolist()
            if len(candidates) > MAX_PREFIX_EXPANSIONS:
                df = frequencies[lo:hi]
                keep = np.argsort(-df, kind="stable")[:MAX_PREFIX_EXPANSIONS]
                candidates = [candidates[i] for i in sorted(keep)]
            for candidate in candidates:
                self._add(scores, name, candidate, BOOST[name] * PREFIX_BOOST)
        if scores.any():
            ev.marks.add_prefix(folded)
        return scores > 0, scores

    def _phrase(
        self, node: Phrase, ev: Evaluation, exact: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        scores = np.zeros(self.n, dtype=np.float32)
        mask = np.ones(self.n, dtype=bool)
        tokens = [t for word in node.words for t in _TOKEN.findall(word)]
        extra = self._phrase_concepts(tuple(Word(t, node.field) for t in tokens), ev)
        for i, token in enumerate(tokens):
            word_scores, _ = self._word_scores(token, node.field, ev.marks)
            if i in extra:
                word_scores += extra[i]
            mask &= word_scores > 0
            scores += word_scores
        if not exact or not mask.any():
            return mask, scores
        exact_mask = self._consecutive(folded_words(" ".join(tokens)), mask)
        if not exact_mask.any():
            # No entry has the words in this order (in any language it is written in): the
            # entries with all of them, translations included, are the next best thing.
            ev.loose_phrases.append(" ".join(node.words))
            return mask, scores
        return exact_mask, np.where(exact_mask, scores * PHRASE_BONUS, 0)

    def column_mask(self, name: str, values: tuple[str, ...]) -> np.ndarray:
        """Documents whose metadata column equals one of the values (case/accent-blind)."""
        wanted = {normalize_name(v) for v in values}
        if name == "country":  # accept local or English names: "Royaume-Uni", "UK"
            for v in values:
                code = gazetteer().country_code(v)
                if code:
                    wanted.add(normalize_name(gazetteer().english_name(code)))
        index = self._value_codes(name)
        return np.isin(self.data.columns[name], [c for w in wanted for c in index.get(w, ())])

    def _value_codes(self, name: str) -> dict[str, list[int]]:
        """A column's normalised values (and the kind aliases) -> their codes; built once."""
        index = self._value_index.get(name)
        if index is None:
            index = {}
            for code, value in enumerate(self.data.values[name]):
                index.setdefault(normalize_name(value), []).append(code)
            if name == "kind":
                for alias, kind in KIND_ALIASES.items():
                    index[normalize_name(alias)] = index.get(normalize_name(kind), [])
            self._value_index[name] = index
        return index

    def _match(self, node: Match) -> np.ndarray:
        return self.column_mask(node.field, (node.value,))

    @cached_property
    def year_span(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) year of every entry, 0 where unknown; an ongoing entry ends in 9999."""
        start = self.data.years["year_from"].astype(np.int32)
        end = self.data.years["year_to"].astype(np.int32)
        return start, np.where(end > 0, end, np.where(start > 0, 9999, 0)).astype(np.int32)

    def year_mask(self, low: int | None, high: int | None) -> np.ndarray:
        """Entries whose period overlaps [low, high]; an ongoing entry runs to today."""
        start, end = self.year_span
        mask = start > 0
        if low is not None:
            mask &= end >= low
        if high is not None:
            mask &= start <= high
        return mask

    def start_year_mask(self, low: int | None, high: int | None) -> np.ndarray:
        """Entries that started within [low, high] (the year facet counts start years)."""
        start = self.year_span[0]
        mask = start > 0
        if low is not None:
            mask &= start >= low
        if high is not None:
            mask &= start <= high
        return mask

    def more_like(self, docnum: int) -> tuple[np.ndarray, np.ndarray]:
        """The entries sharing most of an entry's distinctive terms, in any language:
        (docnums, scores), best first, at most MORE_LIKE_KEPT, the entry itself included.
        Cached per entry: related and similar practices ask for the same entries often."""
        with self._more_like_lock:
            hit = self._more_like.get(docnum)
            if hit is not None:
                self._more_like.move_to_end(docnum)
                return hit
        doc = self.stored(docnum)
        family = analysis_language(doc["language"])
        text = " ".join((doc["title"], doc["summary"], doc.get("body", "")))
        counts = Counter(t for token in _TOKEN.findall(text) if (t := term(token, family)))
        scores = np.zeros(self.n, dtype=np.float32)
        body = self.data.fields.get(f"body_{family}")
        if body is not None and counts:

            def weight(t: str) -> float:
                return counts[t] * math.log(1 + self.n / (1 + body.doc_frequency(t)))

            for t in sorted(counts, key=weight, reverse=True)[:SIMILAR_TERMS]:
                for part in ("title", "body"):
                    self._add(scores, f"{part}_{family}", t, BOOST[part])
                concepts = self.lexicon.concepts(family, t)
                if concepts:
                    self._add_concepts(
                        scores, concepts, {(family, t)}, ("title", "body"), Marks(), 1.0
                    )
        scores = np.where(self.alive, scores, 0)
        keep = min(MORE_LIKE_KEPT, int(np.count_nonzero(scores)))
        top = np.argpartition(-scores, keep - 1)[:keep] if keep else np.zeros(0, np.int64)
        top = top[np.argsort(-scores[top], kind="stable")]
        result = (top, scores[top])
        with self._more_like_lock:
            self._more_like[docnum] = result
            if len(self._more_like) > MORE_LIKE_CACHE:
                self._more_like.popitem(last=False)
        return result

    def _years(self, node: Years) -> np.ndarray:
        return self.year_mask(node.low, node.high)

    def evaluate(self, root: Node | None) -> Evaluation:
        """Mask and scores of a parsed query (None: every entry, unscored)."""
        ev = Evaluation(self.alive.copy(), np.zeros(self.n, dtype=np.float32))
        if root is None:
            return ev
        mask, scores = self._node(root, ev, top=True)
        ev.mask = mask & self.alive
        ev.scores = np.where(ev.mask, scores, 0).astype(np.float32)
        return ev

    def _node(self, node: Node, ev: Evaluation, top: bool = False) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, Not):
            mask, _ = self._node(node.node, ev)
            return ~mask, np.zeros(self.n, dtype=np.float32)
        if isinstance(node, Or):
            mask = np.zeros(self.n, dtype=bool)
            scores = np.zeros(self.n, dtype=np.float32)
            for child in node.nodes:
                m, s = self._node(child, ev)
                mask |= m
                scores += s
            return mask, scores
        if isinstance(node, And):
            return self._and(node, ev, top)
        return self._leaf(node, ev)

    def _total(self, parts: Iterable[np.ndarray]) -> np.ndarray:
        total = np.zeros(self.n, dtype=np.float32)
        for scores in parts:
            total += scores
        return total

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
        df = int(np.count_nonzero(scores))
        return scores * (math.log(1.0 + self.n / df) / math.sqrt(best))

    def _is_stop(self, node: Node) -> bool:
        """A word some indexed language drops as a stopword ("de", "të", "the")."""
        if not isinstance(node, Word):
            return False
        tokens = _TOKEN.findall(node.text)
        return len(tokens) == 1 and any(term(tokens[0], f) is None for f in self.families)

    def _phrase_concepts(self, nodes: tuple[Node, ...], ev: Evaluation) -> dict[int, np.ndarray]:
        """Scores from multi-word lexicon terms spanning consecutive query words, shared
        out to the words they cover (child index -> scores)."""
        words = [(i, n) for i, n in enumerate(nodes) if isinstance(n, Word) and n.field != "title"]
        extra: dict[int, np.ndarray] = {}
        for concepts, start, end in self.lexicon.phrases_in([n.text for _, n in words]):
            scores = np.zeros(self.n, dtype=np.float32)
            if self._add_concepts(scores, concepts, set(), ("title", "body"), ev.marks, 1.0):
                for i, _ in words[start:end]:
                    extra[i] = extra.get(i, 0) + scores / (end - start)
        return extra

    def _and(self, node: And, ev: Evaluation, top: bool) -> tuple[np.ndarray, np.ndarray]:
        text: list[tuple[Node, np.ndarray]] = []
        other: list[np.ndarray] = []
        parts: list[np.ndarray] = []  # each child's scores
        unknown = 0
        extra = self._phrase_concepts(node.nodes, ev)
        for i, child in enumerate(node.nodes):
            if i in extra and isinstance(child, Word):
                m, s = self._word(child, ev, extra[i])
            else:
                m, s = self._node(child, ev)
            parts.append(s)
            if isinstance(child, Word | Phrase | Prefix):
                if isinstance(child, Word) and child.text in ev.unknown:
                    unknown += 1  # found nowhere: reported, and must not empty the result
                    continue
                text.append((child, m))
            else:
                other.append(m)
        required = np.ones(self.n, dtype=bool)
        for m in other:
            required &= m
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
