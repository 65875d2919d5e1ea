"""The topic data files, read and checked: the taxonomy (topics.json: ids, names per
language, descriptions) and the vocabulary that signals each topic (topic_concepts.tsv:
lexicon concepts with a weight; topic_terms.tsv: topic-only words), analysed with each
language's pipeline.  A build saves the analysed vocabulary beside its index
(`vocabulary_json`), and an update reads it back (`read_vocabulary`) instead of analysing
it again.  Messages about a malformed file name file:line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from indexer.analysis import TOKEN_RE, analysis_language, fold, term
from indexer.concepts import MAX_PHRASE, concept_index, lexicon_version

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")
TAXONOMY = DATA_DIR / "topics.json"
TOPIC_CONCEPTS = DATA_DIR / "topic_concepts.tsv"
TOPIC_TERMS = DATA_DIR / "topic_terms.tsv"
REQUIRED_NAME_LANGS = ("en", "fr")

Signal = tuple[tuple[str, float], ...]  # (topic, weight) pairs one word or phrase gives


class TopicDataError(ValueError):
    """A topic data file is malformed (the message names file:line)."""


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

    @cached_property
    def by_name(self) -> Mapping[str, str]:
        """Folded id and names (in every language) -> topic id: what a user or a source
        may write for a topic ("education", "Éducation", "business-labour-market").  Made
        once per taxonomy: a build had made it again for every entry (187 folds each; the
        language and topic phase of 20k entries took 12.5 s with it, 5.2 s without, both
        profiled in one process)."""
        names: dict[str, str] = {}
        for topic in self.topics:
            names[fold(topic.id)] = topic.id
            for name in topic.names.values():
                names.setdefault(fold(name), topic.id)
        return names  # shared by every caller: typed read-only (a proxy would not pickle)


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
