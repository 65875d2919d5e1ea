"""From words to indexed terms: `term()`, the Whoosh filters and analysers.

An indexed term is made in this order: tokenize (folding.py), Cyrillic to Latin where the
language's row says so, cut elisions and clitics ("l’immigration" -> "immigration"),
lowercase, drop stopwords (stopwords.py), spelling rewrites, lemmatize and/or stem
(stemming.py), then accent-fold the result so a query typed without accents meets the
accented text ("mediation" / "médiation").  Every step a language takes is a column of its
row in languages.py; nothing here tests a language code.

Token offsets (`chars=True`) always point at the original word in the text, never at the
stem: highlighting shows what was written.

Analysers are cached and picklable (module-level filter classes holding only strings), as
Whoosh's multiprocess writer pickles the schema.

The names of languages.py, folding.py, stemming.py and stopwords.py that callers used to
import from here are re-exported.
"""

from __future__ import annotations

import functools
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from whoosh.analysis import Analyzer, Filter, RegexTokenizer

from indexer.folding import (
    CYRILLIC_RE,
    TOKEN_PATTERN,
    TOKEN_RE,
    fold,
    fold_word,
    is_cyrillic,
    serbian_to_latin,
    tokens,
    transliterate,
)
from indexer.languages import (
    ALIASES,
    FAMILY_SCRIPTS,
    MAX_TERM_LENGTH,
    MIN_TERM_LENGTH,
    SUPPORTED,
    UNDETERMINED,
    Pipeline,
    analysis_language,
    base_code,
    families_for,
    script_of,
)
from indexer.stemming import SUFFIX_RULES, SuffixRules, lemma, stemmer, strip_suffixes
from indexer.stopwords import DATA_DIR, folded_stopwords, stopwords

__all__ = [
    "ALIASES",
    "CYRILLIC_RE",
    "DATA_DIR",
    "FAMILY_SCRIPTS",
    "MAX_TERM_LENGTH",
    "MIN_TERM_LENGTH",
    "SUFFIX_RULES",
    "SUPPORTED",
    "TOKEN_PATTERN",
    "TOKEN_RE",
    "UNDETERMINED",
    "FoldFilter",
    "LanguageFilter",
    "Pipeline",
    "SuffixRules",
    "analysis_language",
    "analyzer",
    "base_code",
    "families_for",
    "fold",
    "fold_word",
    "folded_analyzer",
    "folded_words",
    "is_cyrillic",
    "lemma",
    "pair_keys",
    "script_of",
    "serbian_to_latin",
    "stopwords",
    "term",
    "terms",
    "tokens",
    "transliterate",
    "word_ids",
]

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})


def _prepare(raw: str, pipeline: Pipeline) -> tuple[str, int]:
    """Normalise one token and cut elisions and clitics; returns the word (case kept)
    and how many leading characters of the raw token were cut."""
    word = unicodedata.normalize("NFC", raw)
    if pipeline.transliterate:
        word = serbian_to_latin(word)
    cut = 0
    if "'" in word or "’" in word or "ʼ" in word:
        word = word.translate(_APOSTROPHES)
        head, _, rest = word.partition("'")
        if rest and head.lower() in pipeline.elisions:
            word = rest
            cut = raw.translate(_APOSTROPHES).index("'") + 1
        stem, _, tail = word.rpartition("'")
        if stem and tail.lower() in pipeline.enclitics:
            word = stem
        word = word.replace("'", "")
    return word, cut


def _lower(word: str, pipeline: Pipeline) -> str:
    if pipeline.turkic_case:
        word = word.replace("I", "ı").replace("İ", "i")
    return word.lower()


def _finish(cased: str, lang: str, pipeline: Pipeline) -> str | None:
    word = _lower(cased, pipeline)
    if not pipeline.min_length <= len(word) <= MAX_TERM_LENGTH:
        return None
    if word in stopwords(lang):
        return None
    folded = fold(word)
    if folded in folded_stopwords(lang):
        return None
    if pipeline.fold_first:
        word = folded
    for pattern, replacement in pipeline.rewrites:
        word = pattern.sub(replacement, word)
    unlemmatized = next((r for r in pipeline.unlemmatized if r[0].search(word)), None)
    if unlemmatized is not None:
        word = unlemmatized[0].sub(unlemmatized[1], word)
    elif pipeline.lemmatizer and any(ch.isalpha() for ch in word):
        # A dictionary knows words: a token of digits or marks alone must never make a
        # request wait for one to load (`\u0301\u0301` once cost a second per worker).
        word = lemma(cased, pipeline.lemmatizer)
        if pipeline.suffix_rules:
            word = strip_suffixes(word, pipeline.suffix_rules)
    if pipeline.stemmer:
        word = stemmer(pipeline.stemmer).stemWord(word)
    result = fold(word)
    return result or None


@functools.lru_cache(maxsize=1 << 18)
def _analyse(raw: str, lang: str) -> tuple[str | None, int]:
    pipeline = SUPPORTED[lang]
    word, cut = _prepare(raw, pipeline)
    return _finish(word, lang, pipeline), cut


def term(word: str, lang: str) -> str | None:
    """The indexed term of one token in language `lang` (any code), or None when it is a
    stopword or too short."""
    return _analyse(word, analysis_language(lang))[0]


# --- Whoosh filters ----------------------------------------------------------------


class LanguageFilter(Filter):
    """Turns tokens into the terms of one analysis language (see module docstring).

    Keeps only a language code, so it pickles; the work is done by the module-level,
    cached `_analyse`.  Stopwords are removed (or marked `stopped` when the tokenizer
    was called with removestops=False) and positions renumbered like Whoosh's
    StopFilter, so phrase queries skip stopwords on both sides alike."""

    is_morph = True

    def __init__(self, lang: str) -> None:
        if lang not in SUPPORTED:
            raise ValueError(f"no analysis pipeline for {lang!r}")
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.lang == self.lang  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.lang))

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        lang = self.lang
        analyse = _analyse
        pos = None
        for t in tokens:
            text, cut = analyse(t.text, lang)
            if text is None:
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            t.stopped = False
            t.text = text
            if cut and t.chars:
                t.startchar += cut
            if t.positions:
                pos = t.pos if pos is None else pos + 1
                t.pos = pos
            yield t


class FoldFilter(LanguageFilter):
    """Language-neutral terms: lowercase, elisions cut, accents folded; nothing dropped."""

    is_morph = False

    def __init__(self) -> None:
        self.lang = UNDETERMINED


def _tokenizer() -> RegexTokenizer:
    return RegexTokenizer(TOKEN_PATTERN)


def analyzer(lang: str) -> Analyzer:
    """The stemming/lemmatizing analyser for a language (any code: it is mapped with
    `analysis_language`, so "hr" gives the "sr" analyser); cached, picklable."""
    return _analyzer(analysis_language(lang))


@functools.cache
def _analyzer(code: str) -> Analyzer:
    if code == UNDETERMINED:
        return folded_analyzer()
    return _tokenizer() | LanguageFilter(code)


@functools.cache
def folded_analyzer() -> Analyzer:
    """Language-neutral analyser: tokenize, lowercase, cut elisions, accent-fold
    (Cyrillic kept); no stemming, no stopwords."""
    return _tokenizer() | FoldFilter()


def word_ids(words: Iterable[str]) -> np.ndarray:
    """Stable 32-bit ids of folded words (CRC-32: the same in every process and build)."""
    return np.fromiter((_word_id(w) for w in words), dtype=np.uint64)


@functools.lru_cache(maxsize=1 << 16)
def _word_id(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def pair_keys(words: Sequence[str]) -> np.ndarray:
    """One 64-bit key per pair of consecutive folded words ("community policing"): an
    index of pairs answers phrase queries without positions."""
    ids = word_ids(words)
    return (ids[:-1] << np.uint64(32)) | ids[1:] if len(ids) > 1 else ids[:0]


def folded_words(text: str) -> list[str]:
    """The folded analyser's words of a text, in order, stopwords kept."""
    return [t for w in TOKEN_RE.findall(text) if (t := _analyse(w, UNDETERMINED)[0])]


def term_counts(text: str, lang: str) -> Counter[str]:
    """How often each term `analyzer(lang)` makes of a text occurs: what indexing a field
    stores, in one pass over the words instead of a Token object through a generator per
    filter."""
    code = analysis_language(lang)
    return Counter(t for w in TOKEN_RE.findall(text) if (t := _analyse(w, code)[0]))


def terms(text: str, lang: str) -> list[str]:
    """The terms `analyzer(lang)` makes of a text (handy for tests and debugging)."""
    return [t.text for t in analyzer(lang)(text)]
