"""Topics: the Intercultural Cities Index policy areas an entry is about, in any language.

An entry's words are analysed with its language's pipeline and looked up in the
cross-language concept lexicon (indexer/data/concepts.tsv); concepts map to topics with a
weight (topic_concepts.tsv), and a few topic-only words that are not concepts come from
topic_terms.tsv. So an Albanian entry on "të dhënat e barazisë" and an English one on
"equality data" reach the same concept, hence the same topics. The taxonomy itself
(ids, names per language, descriptions) is data: topics.json (see topics.README.md).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from indexer.analysis import TOKEN_RE, analysis_language, families_for, term
from indexer.concepts import MAX_PHRASE, ConceptIndex, concept_index, lexicon_version

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")
TAXONOMY = DATA_DIR / "topics.json"
TOPIC_CONCEPTS = DATA_DIR / "topic_concepts.tsv"
TOPIC_TERMS = DATA_DIR / "topic_terms.tsv"
REQUIRED_NAME_LANGS = ("en", "fr")
FIELD_WEIGHTS = {"title": 2.0, "summary": 1.0, "body": 0.5}
MAX_BODY_WORDS = 250  # the body's opening says what it is about; a cap keeps builds fast
MAX_TOPICS = 3
FIELD_CAP = 1.5  # most a topic gets from one field, in weight units (1 = one strong word)
SECONDARY_RATIO = 0.5  # a further topic must score at least this share of the best one
STRONG_SCORE = 3.0  # a score this high (title + summary evidence) is full confidence
QUERY_MIN = 0.3  # weaker hints in a query (e.g. "intercultural") name no topic

Signal = tuple[tuple[str, float], ...]  # (topic, weight) pairs one word or phrase gives


class TopicDataError(ValueError):
    """A topic data file is malformed (the message names file:line)."""


@dataclass(frozen=True)
class TopicScore:
    topic: str
    confidence: float
    evidence: tuple[str, ...]  # the matched words, as written (lowercased)


@dataclass(frozen=True)
class Topic:
    id: str
    names: dict[str, str]  # language -> display name
    description: dict[str, str]  # language -> one sentence


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]  # in file (display) order

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def get(self, topic_id: str) -> Topic:
        return next(t for t in self.topics if t.id == topic_id)


@cache
def load_taxonomy(path: Path = TAXONOMY) -> Taxonomy:
    """The topics of topics.json, checked: unique ids, en/fr names and descriptions."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["topics"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TopicDataError(f"{path}: cannot read the topic taxonomy: {exc}") from exc
    topics: list[Topic] = []
    for number, row in enumerate(rows, start=1):
        where = f"{path}: topic #{number}"
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise TopicDataError(f"{where}: needs a string 'id'")
        names, description = row.get("names", {}), row.get("description", {})
        for lang in REQUIRED_NAME_LANGS:
            if not names.get(lang) or not description.get(lang):
                raise TopicDataError(
                    f"{where} ({row['id']}): needs a name and description in {lang}"
                )
        if row["id"] in {t.id for t in topics}:
            raise TopicDataError(f"{where}: duplicate id {row['id']!r}")
        topics.append(Topic(row["id"], dict(names), dict(description)))
    return Taxonomy(tuple(topics))


def _tsv_rows(path: Path, header: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    rows = []
    seen_header = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not seen_header:
            if tuple(fields) != header:
                raise TopicDataError(f"{path}:{number}: expected header {'<TAB>'.join(header)}")
            seen_header = True
            continue
        if len(fields) != len(header):
            raise TopicDataError(f"{path}:{number}: expected {len(header)} tab-separated fields")
        rows.append((number, fields))
    return rows


def _weight(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 1:
        raise TopicDataError(f"{where}: weight {text!r} must be a number in (0, 1]")
    return value


def _indexed(text: str, family: str) -> tuple[str, ...]:
    return tuple(t for w in TOKEN_RE.findall(text) if (t := term(w, family)))


@dataclass(frozen=True)
class TopicVocabulary:
    """What signals each topic: lexicon concepts and topic-only terms, analysed."""

    by_concept: dict[str, Signal]  # concept -> (topic, weight)
    # (family, indexed words) -> (topic, weight): topic_terms.tsv and the topics' names
    by_term: dict[tuple[str, tuple[str, ...]], Signal]


@cache
def load_vocabulary(
    concepts_path: Path = TOPIC_CONCEPTS,
    terms_path: Path = TOPIC_TERMS,
    taxonomy_path: Path = TAXONOMY,
) -> TopicVocabulary:
    taxonomy = load_taxonomy(taxonomy_path)
    known = set(taxonomy.ids)
    lexicon = concept_index().terms
    by_concept: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for number, (topic, concept, weight) in _tsv_rows(
        concepts_path, ("topic", "concept", "weight")
    ):
        where = f"{concepts_path}:{number}"
        if topic not in known:
            raise TopicDataError(f"{where}: unknown topic {topic!r}")
        if concept not in lexicon:
            raise TopicDataError(f"{where}: concept {concept!r} is not in the lexicon")
        by_concept[concept].append((topic, _weight(weight, where)))
    by_term: dict[tuple[str, tuple[str, ...]], list[tuple[str, float]]] = defaultdict(list)
    if terms_path.is_file():
        for number, (topic, lang, text, weight) in _tsv_rows(
            terms_path, ("topic", "lang", "term", "weight")
        ):
            if topic not in known:
                raise TopicDataError(f"{terms_path}:{number}: unknown topic {topic!r}")
            family = analysis_language(lang)
            if family == "und":
                raise TopicDataError(f"{terms_path}:{number}: no analyser for language {lang!r}")
            indexed = _indexed(text, family)
            if not indexed or len(indexed) > MAX_PHRASE:
                raise TopicDataError(
                    f"{terms_path}:{number}: term {text!r} gives no 1-{MAX_PHRASE} terms"
                )
            by_term[(family, indexed)].append((topic, _weight(weight, f"{terms_path}:{number}")))
    for topic in taxonomy.topics:  # a topic's own name, in any language, names it
        for lang, name in topic.names.items():
            family = analysis_language(lang)
            if 0 < len(indexed := _indexed(name, family)) <= MAX_PHRASE:
                by_term[(family, indexed)].append((topic.id, 1.0))
    log.debug("topic vocabulary: %d concepts, %d terms", len(by_concept), len(by_term))
    return TopicVocabulary(
        {k: tuple(v) for k, v in by_concept.items()},
        {k: tuple(dict.fromkeys(v)) for k, v in by_term.items()},
    )


@cache
def vocabulary_version() -> str:
    """Changes when the lexicon, the analysers or a topic data file changes."""
    digest = hashlib.sha1(lexicon_version().encode())
    for path in (TAXONOMY, TOPIC_CONCEPTS, TOPIC_TERMS):
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def vocabulary_json(vocabulary: TopicVocabulary) -> str:
    """The analysed vocabulary as a build saves it beside its index (`read_vocabulary`)."""
    return json.dumps(
        {
            "version": vocabulary_version(),
            "by_concept": vocabulary.by_concept,
            "by_term": [[f, ts, signal] for (f, ts), signal in vocabulary.by_term.items()],
        },
        ensure_ascii=False,
    )


def read_vocabulary(saved: Path) -> TopicVocabulary | None:
    """The vocabulary a previous build saved, when it is still current: an update then
    analyses no topic term again (which loads every lemmatizer's dictionary, ~1 s)."""
    try:
        data = json.loads(saved.read_text(encoding="utf-8"))
        if data.get("version") != vocabulary_version():
            log.info("%s: analysed from other topic data: analysing again", saved)
            return None
        return TopicVocabulary(
            {c: _signal_of(pairs) for c, pairs in data["by_concept"].items()},
            {(f, tuple(ts)): _signal_of(pairs) for f, ts, pairs in data["by_term"]},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _signal_of(pairs: list[list[Any]]) -> Signal:
    return tuple((str(topic), float(weight)) for topic, weight in pairs)


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
