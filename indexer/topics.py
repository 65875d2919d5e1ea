"""Topics: the Intercultural Cities Index policy areas an entry is about, in any language.

An entry's words are analysed with its language's pipeline and looked up in the
cross-language concept lexicon (indexer/data/concepts.tsv); concepts map to topics with a
weight (topic_concepts.tsv), and a few topic-only words that are not concepts come from
topic_terms.tsv. So an Albanian entry on "të dhënat e barazisë" and an English one on
"equality data" reach the same concept, hence the same topics. The taxonomy itself
(ids, names per language, descriptions) is data: topics.json (see topics.README.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from indexer.analysis import TOKEN_RE, analysis_language, families_for, term
from indexer.concepts import ConceptIndex, concept_index
from indexer.generations import TOPIC_VOCABULARY
from indexer.topic_data import (  # noqa: F401  (re-exported: the data files' readers)
    TAXONOMY,
    TOPIC_CONCEPTS,
    TOPIC_TERMS,
    Signal,
    Taxonomy,
    Topic,
    TopicDataError,
    TopicVocabulary,
    load_taxonomy,
    load_vocabulary,
    read_vocabulary,
)

FIELD_WEIGHTS = {"title": 2.0, "summary": 1.0, "body": 0.5}
MAX_BODY_WORDS = 250  # the body's opening says what it is about; a cap keeps builds fast
MAX_TOPICS = 3
FIELD_CAP = 1.5  # most a topic gets from one field, in weight units (1 = one strong word)
SECONDARY_RATIO = 0.5  # a further topic must score at least this share of the best one
STRONG_SCORE = 3.0  # a score this high (title + summary evidence) is full confidence
QUERY_MIN = 0.3  # weaker hints in a query (e.g. "intercultural") name no topic


@dataclass(frozen=True)
class TopicScore:
    topic: str
    confidence: float
    evidence: tuple[str, ...]  # the matched words, as written (lowercased)


class TopicAssigner:
    """Assigns 1-3 ranked topics to an entry and reads the topics a query names."""

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        vocabulary: TopicVocabulary | None = None,
        concepts: ConceptIndex | None = None,
    ) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.vocabulary = vocabulary or load_vocabulary()
        self.concepts = concepts or concept_index()
        self._lookup = self._signals()
        sizes: dict[tuple[str, str], set[int]] = defaultdict(set)
        for f, ts in self._lookup:
            if len(ts) > 1:
                sizes[(f, ts[0])].add(len(ts))
        # (family, first term) -> the lengths of the phrases it starts, longest first
        self._phrase_sizes = {k: tuple(sorted(v, reverse=True)) for k, v in sizes.items()}
        self._families = sorted({f for f, _ in self._lookup})

    def _signal(self, family: str, indexed: tuple[str, ...]) -> Signal | None:
        """The (topic, weight) pairs of one word (one indexed term) or phrase; None when it
        is no lexicon or topic term (a term of no topic gives (): "study visit" is one
        concept of no topic, so "study" must not count as research)."""
        if len(indexed) == 1:
            found = self.concepts.by_term.get((family, indexed[0]))
        else:
            found = self.concepts.by_phrase.get((family, indexed))
        extra = self.vocabulary.by_term.get((family, indexed))
        if found is None and extra is None:
            return None
        pairs = [p for c in sorted(found or ()) for p in self.vocabulary.by_concept.get(c, ())]
        return tuple(pairs) + (extra or ())

    def _signals(self) -> dict[tuple[str, tuple[str, ...]], Signal]:
        """Every word and phrase's signal, worked out once: assign() is called per entry
        of a build, so it does one dict look-up per word."""
        keys = {(f, (t,)) for f, t in self.concepts.by_term}
        keys |= set(self.concepts.by_phrase) | set(self.vocabulary.by_term)
        return {key: signal for key in keys if (signal := self._signal(*key)) is not None}

    def _matches(self, words: list[str], family: str) -> list[tuple[str, Signal]]:
        """(evidence, signal) of the words and phrases of a text: the longest phrase at
        each word (phrases may overlap: "prikupljanja podataka o jednakosti" is both data
        collection and equality data), then the words no phrase covers."""
        return [
            (" ".join(words[first : last + 1]).lower(), signal)
            for first, last, signal in self._spans(words, family)
        ]

    def _spans(self, words: list[str], family: str) -> list[tuple[int, int, Signal]]:
        """`_matches` as (first word, last word, signal): where in the text each match is."""
        seq = [(i, t) for i, w in enumerate(words) if (t := term(w, family))]
        signals, phrase_sizes = self._lookup, self._phrase_sizes
        found: list[tuple[int, int, Signal]] = []
        covered: set[int] = set()
        for k, (_, first) in enumerate(seq):
            for size in phrase_sizes.get((family, first), ()):
                window = seq[k : k + size]
                if len(window) < size:
                    continue
                signal = signals.get((family, tuple(t for _, t in window)))
                if signal is not None:
                    covered.update(range(k, k + size))
                    if signal:
                        found.append((window[0][0], window[-1][0], signal))
                    break
        for k, (i, indexed) in enumerate(seq):
            if k not in covered and (signal := signals.get((family, (indexed,)))):
                found.append((i, i, signal))
        return found

    def _read_any(self, words: list[str]) -> tuple[list[tuple[str, Signal]], bool]:
        """Matches in every lexicon language (a query, or an entry of no known family), a
        word analysed only in the languages of its script; and whether topics account
        for every word that is not a stop word (in some lexicon language of its script)."""
        merged: dict[str, dict[str, float]] = {}
        content: set[int] = set(range(len(words)))
        named: set[int] = set()
        for family in self._families:
            in_script = [w if family in families_for(w, (family,)) else "" for w in words]
            content -= {i for i, w in enumerate(in_script) if w and not term(w, family)}
            for first, last, signal in self._spans(in_script, family):
                if any(weight >= QUERY_MIN for _, weight in signal):
                    named.update(range(first, last + 1))
                slot = merged.setdefault(" ".join(in_script[first : last + 1]).lower(), {})
                for topic, weight in signal:
                    slot[topic] = max(slot.get(topic, 0.0), weight)
        matches = [(found, tuple(slot.items())) for found, slot in merged.items()]
        return matches, bool(content) and content <= named

    def _matches_any(self, words: list[str]) -> list[tuple[str, Signal]]:
        return self._read_any(words)[0]

    def assign(self, title: str, summary: str, body: str, language: str) -> tuple[TopicScore, ...]:
        """1-3 topics, best first, with a confidence in 0..1 and the words that gave them.
        Title words weigh more than summary words, summary words more than body words."""
        family = analysis_language(language)
        known_family = family in self.concepts.families
        scores: dict[str, float] = defaultdict(float)
        evidence: dict[str, dict[str, float]] = defaultdict(dict)
        fields = (("title", title), ("summary", summary), ("body", body))
        for field, text in fields:
            words = [m.group() for m in islice(TOKEN_RE.finditer(text), MAX_BODY_WORDS)]
            if not words:
                continue
            matches = self._matches(words, family) if known_family else self._matches_any(words)
            best: dict[tuple[str, str], float] = {}  # a word counts once per field and topic
            for found, signal in matches:
                for topic, weight in signal:
                    best[(topic, found)] = max(best.get((topic, found), 0.0), weight)
            # A topic's evidence in one field adds up to a cap: how a language happens to
            # split a phrase into lexicon terms ("prikupljanja podataka" + "podataka o
            # jednakosti" for "equality data collection") must not multiply its score.
            field_scores: dict[str, float] = defaultdict(float)
            for (topic, found), weight in best.items():
                field_scores[topic] += weight
                evidence[topic][found] = (
                    evidence[topic].get(found, 0.0) + weight * FIELD_WEIGHTS[field]
                )
            for topic, value in field_scores.items():
                scores[topic] += min(value, FIELD_CAP) * FIELD_WEIGHTS[field]
        if not scores:
            return self._fallback(" ".join(t for _, t in fields))
        return self._ranked(scores, evidence)

    def _ranked(
        self, scores: dict[str, float], evidence: dict[str, dict[str, float]]
    ) -> tuple[TopicScore, ...]:
        order = {t: i for i, t in enumerate(self.taxonomy.ids)}  # ties: taxonomy order
        ranked = sorted(scores, key=lambda t: (-scores[t], order.get(t, len(order))))
        top = scores[ranked[0]]
        chosen = [t for t in ranked[:MAX_TOPICS] if scores[t] >= SECONDARY_RATIO * top]
        return tuple(
            TopicScore(
                t,
                round(min(1.0, scores[t] / STRONG_SCORE), 3),
                tuple(sorted(evidence[t], key=lambda w: -evidence[t][w])),
            )
            for t in chosen
        )

    def _fallback(self, text: str) -> tuple[TopicScore, ...]:
        """No topic word in the entry's language: its words in every lexicon language (a
        wrong language tag), else the first topic with confidence 0 and no evidence."""
        words = TOKEN_RE.findall(text)[:MAX_BODY_WORDS]
        if not words:
            return ()
        scores: dict[str, float] = defaultdict(float)
        evidence: dict[str, dict[str, float]] = defaultdict(dict)
        for found, signal in self._matches_any(words):
            for topic, weight in signal:
                scores[topic] += weight
                evidence[topic][found] = weight
        if scores:
            return self._ranked(scores, evidence)[:1]
        return (TopicScore(self.taxonomy.ids[0], 0.0, ()),)

    def query_topics(self, text: str) -> dict[str, float]:
        """Topics a search query names, in any lexicon language, with a strength in 0..1
        ("labour market", "marché du travail", "tregu i punës" -> business-labour-market)."""
        return self.read_query(text)[0]

    def names_whole_query(self, text: str) -> bool:
        """Whether topics account for every word of a query that is not a stop word:
        "jobs for newcomers" yes, "Barazia territoriale" no (only "barazia", equality,
        names a topic; "territoriale" is the user's own word)."""
        return self.read_query(text)[1]

    def read_query(self, text: str) -> tuple[dict[str, float], bool]:
        """`query_topics` and `names_whole_query` from one reading of the query."""
        words = TOKEN_RE.findall(text)
        if not words:
            return {}, False
        matches, whole = self._read_any(words)
        missing: dict[str, float] = defaultdict(lambda: 1.0)  # 1 - strength, combined
        for _, signal in matches:
            for topic, weight in signal:
                missing[topic] *= 1.0 - weight
        strengths = {t: round(1.0 - m, 3) for t, m in missing.items()}
        ranked = sorted(strengths.items(), key=lambda kv: -kv[1])
        return {t: s for t, s in ranked if s >= QUERY_MIN}, whole


def saved_assigner(gen_dir: Path, lexicon: ConceptIndex) -> TopicAssigner | None:
    """The assigner a generation's saved topic vocabulary makes with `lexicon`, when that
    vocabulary is current (nothing analysed: every lemmatizer's dictionary, 1-2 s); None
    when it is missing or from other topic data."""
    vocabulary = read_vocabulary(gen_dir / TOPIC_VOCABULARY)
    return None if vocabulary is None else TopicAssigner(vocabulary=vocabulary, concepts=lexicon)
