"""Cross-language concepts: words of one language reach entries written in another.

The lexicon (indexer/data/concepts.tsv) lists terms of each concept in many languages.
Each term is analysed with its own language's pipeline, so matching is on indexed terms:
"médiation" (fr) -> concept `mediation` -> en "mediation", sq "ndërmjetësim", ...
Concepts whose id starts with `_` are generic (city, project) and are not expanded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from indexer.analysis import TOKEN_RE, analysis_language, families_for, folded_words, term

log = logging.getLogger(__name__)

LEXICON = Path(__file__).with_name("data") / "concepts.tsv"
MAX_PHRASE = 4
FORMAT = 2  # of the analysed lexicon saved with an index (2: written forms of phrases)


@dataclass(frozen=True, slots=True)
class ConceptIndex:
    by_term: dict[tuple[str, str], frozenset[str]]  # (family, indexed term) -> concepts
    terms: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]  # concept -> (family, terms)
    families: tuple[str, ...]  # every analysis family the lexicon has terms in
    by_phrase: dict[tuple[str, tuple[str, ...]], frozenset[str]]  # multi-word terms
    # multi-word terms as written (folded words): "first nations" is one name, and its
    # stems "first" + "nation" must not pass for it in "First National Policy Lab"
    surfaces: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], ...]]

    def phrases_in(self, words: list[str]) -> list[tuple[frozenset[str], int, int]]:
        """Multi-word lexicon terms among consecutive query words: (concepts, start, end)
        with word indices, e.g. "égalité femmes hommes" -> gender equality, 0..3."""
        found: dict[tuple[int, int], set[str]] = {}
        for family in self.families:
            tokens = [
                (i, t)
                for i, w in enumerate(words)
                if family in families_for(w, (family,)) and (t := term(w, family))
            ]
            for size in range(MAX_PHRASE, 1, -1):
                for k in range(len(tokens) - size + 1):
                    window = tokens[k : k + size]
                    concepts = self.by_phrase.get((family, tuple(t for _, t in window)))
                    if concepts:
                        span = (window[0][0], window[-1][0] + 1)
                        found.setdefault(span, set()).update(concepts)
        return [(frozenset(c), a, b) for (a, b), c in sorted(found.items())]

    def concepts_of(self, word: str) -> frozenset[str]:
        """Concepts a query word names, in whichever lexicon language it is written."""
        found: set[str] = set()
        for family in families_for(word, self.families):
            indexed = term(word, family)
            if indexed:
                found |= self.by_term.get((family, indexed), frozenset())
        return frozenset(found)

    def concepts(self, family: str, indexed: str) -> frozenset[str]:
        return self.by_term.get((family, indexed), frozenset())

    def expansions(self, concept: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(family, indexed terms) for every language of a concept; several terms are an AND."""
        return self.terms.get(concept, ())

    def written(self, family: str, indexed: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The folded words of a multi-word term as the lexicon writes it (all its forms)."""
        return self.surfaces.get((family, indexed), ())

    def to_json(self) -> str:
        """The analysed lexicon, so a server need not load every lemmatizer to rebuild it."""
        return json.dumps(
            {
                "lexicon": lexicon_version(),
                "terms": {c: [[f, list(ts)] for f, ts in v] for c, v in self.terms.items()},
                "families": list(self.families),
                "surfaces": [
                    [f, list(ts), [list(w) for w in ws]] for (f, ts), ws in self.surfaces.items()
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ConceptIndex:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConceptIndex:
        terms = {c: tuple((f, tuple(ts)) for f, ts in v) for c, v in data["terms"].items()}
        surfaces = {  # absent in lexicons saved before format 2
            (f, tuple(ts)): tuple(tuple(w) for w in ws) for f, ts, ws in data.get("surfaces", ())
        }
        return _index(terms, tuple(data["families"]), surfaces)


def _indexed(text: str, family: str) -> tuple[str, ...]:
    return tuple(t for w in TOKEN_RE.findall(text) if (t := term(w, family)))


@cache
def lexicon_version(path: Path = LEXICON) -> str:
    """Changes when the lexicon or the analysers change (then it is analysed again)."""
    from indexer.schema import SCHEMA_VERSION

    data = path.read_bytes() if path.is_file() else b""
    return f"{SCHEMA_VERSION}.{FORMAT}-{hashlib.sha1(data).hexdigest()[:16]}"


def load_lexicon(saved: Path | None = None, path: Path = LEXICON) -> ConceptIndex:
    """The analysed lexicon for a build: the copy a previous generation saved (`to_json`)
    when it is still current, which spares analysing it again (1-2 s: every lemmatizer's
    dictionary); otherwise `concept_index(path)`."""
    if saved is not None:
        reused = saved_lexicon(saved)
        if reused is not None:
            return reused
    return concept_index(path)


def saved_lexicon(saved: Path) -> ConceptIndex | None:
    """The lexicon a generation saved, when it is current; else None."""
    try:
        data = json.loads(saved.read_text(encoding="utf-8"))
        if data.get("lexicon") != lexicon_version():
            log.info("%s: analysed by another lexicon or analyser version: analysing again", saved)
            return None
        return ConceptIndex.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def concept_index(path: Path = LEXICON) -> ConceptIndex:
    """The lexicon, analysed with each language's pipeline (once per process and file)."""
    return _analysed(path.resolve())


@cache
def _analysed(path: Path) -> ConceptIndex:
    return _analyse(path)


def _analyse(path: Path) -> ConceptIndex:
    terms: dict[str, set[tuple[str, tuple[str, ...]]]] = defaultdict(set)
    surfaces: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]] = defaultdict(set)
    if not path.is_file():
        log.warning("concept lexicon %s missing: no cross-language matching", path)
        return ConceptIndex({}, {}, (), {}, {})
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or (number == 1 and line.startswith("concept")):
            continue
        try:
            concept, lang, text = line.split("\t")
        except ValueError:
            log.warning("%s:%d: expected concept<TAB>lang<TAB>term", path, number)
            continue
        if concept.startswith("_"):
            continue
        family = analysis_language(lang)
        indexed = _indexed(text, family)
        if indexed:
            terms[concept].add((family, indexed))
            if len(indexed) > 1:
                surfaces[(family, indexed)].add(tuple(folded_words(text)))
    families = tuple(sorted({f for pairs in terms.values() for f, _ in pairs}))
    return _index(
        {k: tuple(sorted(v)) for k, v in terms.items()},
        families,
        {k: tuple(sorted(v)) for k, v in surfaces.items()},
    )


def _index(
    terms: dict[str, tuple[tuple[str, tuple[str, ...]], ...]],
    families: tuple[str, ...],
    surfaces: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], ...]],
) -> ConceptIndex:
    by_term: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_phrase: dict[tuple[str, tuple[str, ...]], set[str]] = defaultdict(set)
    for concept, pairs in terms.items():
        for family, indexed in pairs:
            if len(indexed) == 1:
                by_term[(family, indexed[0])].add(concept)
            elif len(indexed) <= MAX_PHRASE:
                by_phrase[(family, indexed)].add(concept)
    return ConceptIndex(
        {k: frozenset(v) for k, v in by_term.items()},
        terms,
        families,
        {k: frozenset(v) for k, v in by_phrase.items()},
        surfaces,
    )
