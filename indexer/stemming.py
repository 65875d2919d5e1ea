"""Stemming and lemmatization: Snowball stemmers, simplemma lemmas, and the light suffix
rules of the languages Snowball lacks (Albanian, Ukrainian, Bulgarian, Macedonian,
Slovenian).  Which language uses which is a column of the table in languages.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import simplemma
import Stemmer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.utils import normalize_token

from indexer.lemma_tables import CompactStreamFactory

_local = threading.local()

# simplemma's dictionaries stay in their front-coded form, with a sparse index (simplemma's
# `low_memory` backend, its index made compact in lemma_tables.py) instead of a dict of every
# form.  Measured on simplemma 2.0: Serbo-Croatian 4.3 MB against 65 MB, Ukrainian 5.0 against
# 74, English 1.3 against 25 (simplemma's own stream index: 8.1, 8.7, 2.3), and each loads
# three times faster (hbs 0.3 s against 0.9 s); a lookup costs 10 us instead of 1-3 us, once
# per distinct word (this lemmatizer's cache, then term()'s).  The same data, the same lemmas.
DICTIONARIES = CompactStreamFactory()
LEMMATIZER = simplemma.Lemmatizer(
    lemmatization_strategy=DefaultStrategy(dictionary_factory=DICTIONARIES)
)
_LOOKUP = DictionaryLookupStrategy(DICTIONARIES)


def stemmer(algorithm: str) -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe: one per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(algorithm)
    if stemmer is None:
        stemmer = stemmers[algorithm] = Stemmer.Stemmer(algorithm, 0)
    return stemmer


@dataclass(frozen=True)
class SuffixRules:
    """Light stemming applied after the lemma: cut at most one inflection ending (the
    first that matches, longest listed first), then at most one final vowel, keeping
    at least `min_stem` characters.

    The rules run on simplemma's lemma as well as on words simplemma does not know, so
    all forms of a word meet whether or not the dictionary has them (komuna -> lemma
    komunë -> komun; komunën, unknown -> komun).  Endings are listed with and without
    diacritics so a query typed without them ("barazise") cuts like "barazisë"."""

    endings: tuple[str, ...]
    vowels: str = ""
    min_stem: int = 3
    # ending -> stem endings it is not cut after ("-itet" loanwords: komunitet is not
    # komunit + et, while komunitet-et is).
    keep_after: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def apply(self, word: str) -> str:
        minimum = self.min_stem
        blocked = dict(self.keep_after)
        for ending in self.endings:
            # A long ending is distinctive enough to leave a short stem (romëve -> rom).
            least = min(minimum, 3) if len(ending) >= 3 else minimum
            if word.endswith(ending) and len(word) - len(ending) >= least:
                stem = word[: -len(ending)]
                if not stem.endswith(blocked.get(ending, ())):
                    word = stem
                    break
        if self.vowels and len(word) > minimum and word[-1] in self.vowels:
            word = word[:-1]
        return word


SUFFIX_RULES: dict[str, SuffixRules] = {
    # Albanian: case/definite endings (gen. pl. -ve, abl. pl. -sh, def. pl. -t, acc. -n,
    # gen. -s/-t, -së/-në/-të after i-stems, -ia), then the plural/stem vowel.
    "sq": SuffixRules(
        endings=(
            "ëve",
            "eve",
            "ave",
            "ësh",
            "esh",
            "ash",
            "isë",
            "inë",
            "itë",
            "ise",
            "ine",
            "ia",
            "ët",
            "et",
            "at",
            "it",
            "ut",
            "ën",
            "en",
            "in",
            "un",
            "ës",
            "es",
        ),
        vowels="ëeaiu",
        min_stem=4,
        keep_after=(("et", ("it",)),),
    ),
    # Ukrainian: noun and adjective case endings.
    "uk": SuffixRules(
        endings=(
            "ами",
            "ями",
            "ові",
            "еві",
            "ого",
            "ому",
            "ими",
            "іми",
            "ої",
            "ій",
            "ий",
            "ах",
            "ях",
            "ам",
            "ям",
            "ою",
            "ею",
            "ом",
            "ем",
            "ів",
            "їв",
            "а",
            "я",
            "у",
            "ю",
            "і",
            "и",
            "о",
            "е",
            "ь",
            "ї",
        ),
    ),
    # Bulgarian: definite articles and plural endings, then the stem vowel.
    "bg": SuffixRules(
        endings=(
            "ищата",
            "овете",
            "евете",
            "ите",
            "ият",
            "ът",
            "ят",
            "та",
            "то",
            "те",
            "ове",
            "еве",
            "ища",
            "ия",
        ),
        vowels="аяиое",
    ),
    # Macedonian: the three definite articles and plural endings, then the stem vowel.
    "mk": SuffixRules(
        endings=(
            "ишта",
            "иња",
            "овите",
            "евите",
            "ите",
            "ови",
            "еви",
            "от",
            "ов",
            "он",
            "та",
            "ва",
            "на",
            "то",
            "во",
            "но",
            "те",
            "ве",
            "не",
        ),
        vowels="аеиоу",
    ),
    # Slovenian: case endings.
    "sl": SuffixRules(
        endings=(
            "ama",
            "ami",
            "ega",
            "emu",
            "imi",
            "ih",
            "om",
            "em",
            "ov",
            "ev",
            "ah",
            "im",
            "a",
            "e",
            "i",
            "o",
            "u",
        ),
    ),
}


def strip_suffixes(word: str, rules: SuffixRules) -> str:
    """Rules applied to a fixed point, so a lemma that itself ends like an inflection
    (refugjat) meets its inflected forms (refugjatëve -> refugjat -> refugj)."""
    for _ in range(3):
        shorter = rules.apply(word)
        if shorter == word:
            break
        word = shorter
    return word


def lemma(word: str, lang: str) -> str:
    """simplemma's lemma of a word, lowercase; the word itself when it has none.

    Give the word as written: simplemma knows proper nouns by their capital ("Київ"
    stays "Київ", while lowercase "київ" would become the noun "кий")."""
    try:
        return LEMMATIZER.lemmatize(word, lang).lower()
    except ValueError:  # pragma: no cover - unsupported code in the language table
        return word.lower()


def is_known(word: str, lang: str) -> bool:
    """Whether simplemma's dictionary of `lang` holds the word (ValueError for a language
    it lacks); the dictionaries LEMMATIZER reads, not a second copy."""
    return _LOOKUP.get_lemma(normalize_token(word), lang) is not None
