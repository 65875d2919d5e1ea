"""Language detection for entries and search queries.

The n-gram model is langdetect's (ngram_model.py): its 55 language profiles are loaded
once per process into one matrix, and a text is scored over all of its character 1-3-grams at once
(naive Bayes with langdetect's smoothing) instead of langdetect's random sampling.  The
answer is the same kind, but deterministic by construction and about seven times faster,
which the index build needs (1,000 entries/s).

Priors and rules on top of the model:

* script: Greek, Armenian, Georgian, Hebrew, Thai, Korean and Japanese script decide the
  language alone; Cyrillic and Latin go to the model;
* the page locale and the set of languages the corpus has are priors: they decide short
  or ambiguous text and never outvote a clear text;
* langdetect has no Serbian: the rules of southslavic.py recover Serbian, Croatian,
  Bosnian, Slovenian and Macedonian; which profile and which dictionary stand for a
  language is a column of the language table (languages.py);
* a declared language wins.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer import southslavic
from indexer.languages import (
    UNDETERMINED,
    detect_model,
    dictionary,
    language_code,
    script_of,
)
from indexer.ngram_model import NgramModel, get_model
from indexer.southslavic import LETTERS_RE
from indexer.stemming import is_known

log = logging.getLogger(__name__)

METHODS = ("declared", "script", "langdetect", "rules", "prior", "short")

MAX_CHARS = 3000  # title + summary + the start of the body: plenty for the model
MIN_LETTERS = 3  # fewer letters than this: "und"
RELIABLE_LETTERS = 40  # below this many letters confidence is scaled down
TEMPERATURE = 1 / 3  # each character is in three n-grams: they are not independent
# Priors, in nats.  A whole entry gives the model 50+ nats between its language and the
# locale's (measured on the shared corpus), so priors this size decide only short text.
LOCALE_PRIOR = math.log(50)
CORPUS_PRIOR = math.log(10)
QUERY_CORPUS_PRIOR = math.log(30)
# Short text: each word a language's dictionary (simplemma) knows is this much evidence.
LEXICON_WEIGHT = math.log(20)
LEXICON_MAX_LETTERS = 2 * 40
LEXICON_TOP = 3


@dataclass(frozen=True)
class Detection:
    """A detected language (ISO 639-1, or "und"), how sure (0..1) and how it was found
    (one of METHODS)."""

    language: str
    confidence: float
    method: str


# --- scripts ---------------------------------------------------------------------

# Scripts used by one language only (in this corpus' world).
_SCRIPT_LANGUAGE = {
    "greek": "el",
    "armenian": "hy",
    "georgian": "ka",
    "hebrew": "he",
    "thai": "th",
    "hangul": "ko",
    "kana": "ja",
}


def _script_counts(text: str) -> dict[str, int]:
    """Letters per script, the scripts in the order the text first uses them (a tie goes
    to the first): each distinct character is looked up once (Counter counts in C)."""
    counts: dict[str, int] = {}
    for ch, n in Counter(text).items():  # in order of first occurrence
        script = script_of(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + n
    return counts


# --- South Slavic rules ------------------------------------------------------------

_TWO_LETTERS = re.compile(r"[^\W\d_]{2}")

# --- the detector ----------------------------------------------------------------


class LanguageDetector:
    """Detects the language of entries (title + summary + body) and of queries.

    Thread-safe: the model is loaded once per process; afterwards only the store of its
    words' n-gram rows changes, and a text takes the rows it uses out of it first."""

    def __init__(
        self,
        corpus_languages: Iterable[str] | None = None,
        *,
        lexicon_languages: Iterable[str] | None = None,
        compact: bool = False,
        saved_model: Path | None = None,
    ) -> None:
        """`lexicon_languages` limits the dictionaries consulted for short text (each costs
        30-120 MB of memory): a server passes the ones its analysers load anyway.
        `compact`: the model as a sparse matrix (18 MB less; slower on long text), for a
        process that detects queries.  `saved_model`: the model as an index generation
        keeps it (indexer.ngram_model.MODEL_FILE), quicker to load than the profiles."""
        self._model: NgramModel = get_model(compact, saved_model)
        codes = {language_code(lang) for lang in corpus_languages or ()}
        self.corpus_languages: frozenset[str] = frozenset(c for c in codes if c)
        self.lexicon_languages: frozenset[str] | None = (
            None if lexicon_languages is None else frozenset(lexicon_languages)
        )

    # -- public API --

    def detect(
        self,
        title: str,
        summary: str = "",
        body: str = "",
        *,
        locale: str | None = None,
        declared: str | None = None,
    ) -> Detection:
        """The language of an entry.  A declared language wins; otherwise title, summary
        and the start of the body are read together, with the page locale and the corpus'
        languages as priors.  Never raises."""
        declared_code = language_code(declared)
        if declared_code:
            return Detection(declared_code, 1.0, "declared")
        parts = [p for p in (title, summary, body) if p and p.strip()]
        text = "\n".join(parts)[:MAX_CHARS]
        return self._detect(text, language_code(locale), CORPUS_PRIOR)

    def detect_query(self, text: str, *, locale: str | None = None) -> Detection:
        """Best-effort language of a short search query, given as its plain words (the
        search layer passes the parsed query's words, never its syntax): the corpus'
        languages weigh more and confidence is low for a word or two.  Never raises."""
        try:
            return self._detect((text or "")[:MAX_CHARS], language_code(locale), QUERY_CORPUS_PRIOR)
        except Exception:  # a query must never fail because of detection
            log.exception("language detection failed for query %r", text)
            return Detection(UNDETERMINED, 0.0, "short")

    # -- internals --

    def _detect(self, text: str, locale: str | None, corpus_weight: float) -> Detection:
        counts = _script_counts(text)
        letters = sum(counts.values())
        if letters < MIN_LETTERS or not _TWO_LETTERS.search(text):
            return Detection(UNDETERMINED, 0.0, "short")
        length_factor = min(1.0, letters / RELIABLE_LETTERS)
        script, script_letters = max(counts.items(), key=lambda kv: kv[1])
        share = script_letters / letters
        if script in _SCRIPT_LANGUAGE:
            return Detection(_SCRIPT_LANGUAGE[script], round(share * length_factor, 3), "script")
        if script == "cyrillic":
            words = [w.lower() for w in LETTERS_RE.findall(text)]
            found = southslavic.cyrillic_serbian(text, words, locale, self.corpus_languages)
            if found is not None:
                lang, clarity = found
                return Detection(lang, round(clarity * length_factor * share, 3), "rules")
        if script != "latin" and share > 0.5:
            # as langdetect does: Latin words in a non-Latin text are names and acronyms
            text = "".join(ch for ch in text if script_of(ch) != "latin")

        model = self._model
        loglik, n_grams = model.log_likelihood(text)
        if n_grams == 0:
            return Detection(UNDETERMINED, 0.0, "short")
        evidence = loglik * TEMPERATURE
        prior = self._prior(locale, corpus_weight)
        if letters <= LEXICON_MAX_LETTERS:
            evidence = evidence + self._lexicon(text, evidence + prior, locale)
        posterior = _softmax(evidence + prior)
        best = int(np.argmax(posterior))
        lang = model.langs[best]
        confidence = float(posterior[best])
        method = "langdetect"
        if int(np.argmax(evidence)) != best:
            method = "prior"  # the text alone pointed elsewhere

        if lang in southslavic.MODEL_LANGUAGES and script == "latin":
            index = model.lang_index
            cluster = float(sum(posterior[index[code]] for code in southslavic.MODEL_LANGUAGES))
            lang, confidence, method = southslavic.refine_latin(
                text, (lang, confidence, method), cluster, locale, self.corpus_languages
            )
        confidence *= length_factor
        if letters < RELIABLE_LETTERS and locale and lang in (locale, detect_model(locale)):
            method = "prior" if method == "langdetect" else method
        return Detection(lang, round(confidence, 3), method)

    def _lexicon(self, text: str, scores: np.ndarray, locale: str | None) -> np.ndarray:
        """Dictionary evidence for short text: n-grams of two words say little, but
        "barazia" is an Albanian word and "cities" an English one."""
        model = self._model
        # Each language's dictionary costs a second to load: ask the corpus' languages,
        # or the model's top three when the corpus is not known.
        # With known corpus languages only theirs are asked, so a query never waits for
        # a dictionary that was not loaded at start-up.
        if self.corpus_languages:
            candidates = {detect_model(c) for c in self.corpus_languages}
        else:
            candidates = {model.langs[i] for i in np.argsort(-scores)[:LEXICON_TOP]}
        if locale:
            candidates.add(detect_model(locale))
        words = [w for w in LETTERS_RE.findall(text) if len(w) >= 3]
        bonus = np.zeros(len(model.langs))
        if self.lexicon_languages is not None:
            candidates &= self.lexicon_languages
        for lang in candidates:
            code = dictionary(lang)
            if lang not in model.lang_index or code not in _simplemma_languages():
                continue
            known = sum(1 for w in words if _is_known(w, code))
            bonus[model.lang_index[lang]] = known * LEXICON_WEIGHT
        return bonus

    def _prior(self, locale: str | None, corpus_weight: float) -> np.ndarray:
        return _prior_vector(tuple(self._model.langs), locale, self.corpus_languages, corpus_weight)


@functools.lru_cache(maxsize=256)
def _prior_vector(
    langs: tuple[str, ...], locale: str | None, corpus: frozenset[str], corpus_weight: float
) -> np.ndarray:
    prior = np.zeros(len(langs))
    corpus_models = {detect_model(c) for c in corpus}
    for i, code in enumerate(langs):
        if code in corpus_models:
            prior[i] += corpus_weight
    if locale:
        model_code = detect_model(locale)
        for i, code in enumerate(langs):
            if code == model_code:
                prior[i] += LOCALE_PRIOR
    prior.setflags(write=False)
    return prior


@functools.cache
def _simplemma_languages() -> frozenset[str]:
    from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

    return frozenset(SUPPORTED_LANGUAGES)


@functools.lru_cache(maxsize=1 << 16)
def _is_known(word: str, code: str) -> bool:
    try:
        return is_known(word, code)
    except ValueError:
        return False


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()
