"""Language detection for entries and search queries.

The n-gram model is langdetect's: its 55 language profiles are loaded once per process
into one matrix, and a text is scored over all of its character 1-3-grams at once
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
import json
import logging
import math
import re
import threading
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
from indexer.southslavic import LETTERS_RE

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
SMOOTHING = 0.5 / 10000  # langdetect's alpha / BASE_FREQ


@dataclass(frozen=True)
class Detection:
    """A detected language (ISO 639-1, or "und"), how sure (0..1) and how it was found
    (one of METHODS)."""

    language: str
    confidence: float
    method: str


# --- the model -------------------------------------------------------------------


class _Model:
    """langdetect's profiles as a log-probability matrix: one row per n-gram, the n-grams
    in a sorted array.  Profiles are read one at a time (langdetect's own loader keeps a
    Python float per n-gram and language, ~100 MB that a process never gives back)."""

    def __init__(self, *, compact: bool = False) -> None:
        from langdetect.detector_factory import PROFILES_DIRECTORY
        from langdetect.utils.ngram import NGram

        directory = Path(PROFILES_DIRECTORY)
        files = sorted(p for p in directory.iterdir() if p.is_file() and p.name[0] != ".")
        # Each profile as (grams, counts), read once: 184k pairs, a few MB while loading
        # (langdetect's own loader keeps a float per n-gram and language).
        profiles: list[tuple[str, list[str], list[int], list[int]]] = []
        vocabulary: set[str] = set()
        for path in files:
            profile = json.loads(path.read_text(encoding="utf-8"))
            freq = {g: c for g, c in profile["freq"].items() if 1 <= len(g) <= 3}
            vocabulary.update(freq)
            profiles.append((profile["name"], list(freq), list(freq.values()), profile["n_words"]))
            del profile
        ordered = sorted(vocabulary)
        self.grams = np.asarray(ordered, dtype="<U3")
        row_of = {g: i for i, g in enumerate(ordered)}  # dict lookups, not string bisection
        # compact: a sparse matrix (an n-gram is in few profiles: 184k of 4.8M cells); every
        # other cell holds the same smoothed floor.  1.3 MB instead of 19 MB, and no dense
        # copy on the way; scoring a long text costs more (0.5 against 0.4 ms an entry), so
        # builds keep the dense matrix and a searcher, which detects short queries, this.
        probs = None if compact else np.zeros((len(self.grams), len(files)), dtype=np.float32)
        cells: list[tuple[np.ndarray, int, np.ndarray]] = []
        langs: list[str] = []
        for column, (name, grams, gram_counts, words) in enumerate(profiles):
            langs.append(name.split("-")[0])  # zh-cn -> zh
            rows = np.fromiter(map(row_of.__getitem__, grams), dtype=np.int64, count=len(grams))
            n_words = np.asarray(words, dtype=np.float64)
            lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
            counts = np.asarray(gram_counts, dtype=np.float64)
            if probs is None:
                cells.append((rows, column, (counts / n_words[lengths - 1]).astype(np.float32)))
            else:
                probs[rows, column] = counts / n_words[lengths - 1]
        self.langs: list[str] = langs
        self.lang_index: dict[str, int] = {}
        for i, code in enumerate(langs):
            self.lang_index.setdefault(code, i)
        self.matrix: np.ndarray | None = None
        if probs is None:
            self._sparse(cells)
        else:
            probs += SMOOTHING
            self.matrix = np.log(probs, out=probs)
        self._normalize = NGram.normalize
        self._norm_cache: dict[str, str] = {}
        log.debug("loaded %d n-grams for %d languages", len(self.grams), len(langs))

    def _sparse(self, cells: list[tuple[np.ndarray, int, np.ndarray]]) -> None:
        """Rows of (language, log-probability) pairs, each value computed as the dense
        matrix computes it (float32: probability + smoothing, then the log)."""
        rows = np.concatenate([r for r, _, _ in cells])
        cols = np.concatenate([np.full(len(r), c, dtype=np.int8) for r, c, _ in cells])
        probs = np.concatenate([p for _, _, p in cells])
        order = np.lexsort((cols, rows))
        probs = probs[order]
        probs += SMOOTHING
        self.logs = np.log(probs, out=probs)
        self.cols = cols[order]
        self.ptr = np.searchsorted(rows[order], np.arange(len(self.grams) + 1)).astype(np.int32)
        floor = np.full(1, SMOOTHING, dtype=np.float32)
        self.floor = float(np.log(floor, out=floor)[0])  # an absent n-gram's cell

    def _norm(self, ch: str) -> str:
        out = self._norm_cache.get(ch)
        if out is None:
            out = self._norm_cache[ch] = self._normalize(ch)
        return out

    def gram_rows(self, text: str) -> np.ndarray:
        """Rows of the n-grams of a text, extracted like langdetect's NGram (words of
        capitals only are skipped: acronyms say nothing of the language)."""
        found: list[str] = []
        norm = self._norm
        grams = " "
        capital = False
        for raw in text:
            ch = norm(raw)
            last = grams[-1]
            if last == " ":
                grams = " "
                capital = False
                if ch == " ":
                    continue
            elif len(grams) >= 3:
                grams = grams[1:]
            grams += ch
            if ch.isupper():
                if last.isupper():
                    capital = True
            else:
                capital = False
            if capital:
                continue
            for n in (1, 2, 3):
                if len(grams) < n:
                    break
                gram = grams[-n:]
                if gram != " ":
                    found.append(gram)
        if not found:
            return np.zeros(0, dtype=np.int64)
        wanted = np.asarray(found, dtype="<U3")
        rows = np.searchsorted(self.grams, wanted)
        rows[rows == len(self.grams)] = 0
        return rows[self.grams[rows] == wanted]

    def log_likelihood(self, text: str) -> tuple[np.ndarray, int]:
        rows = self.gram_rows(text)
        if len(rows) < 6:  # all capitals or nearly: read it in lowercase
            rows = self.gram_rows(text.lower())
        if not len(rows):
            return np.zeros(len(self.langs)), 0
        if self.matrix is not None:
            return self.matrix[rows].sum(axis=0, dtype=np.float64), len(rows)
        starts = self.ptr[rows]
        counts = self.ptr[rows + 1] - starts
        # the held cells of every row, one gather: row i's run starts at starts[i]
        runs = np.repeat(starts - np.cumsum(counts) + counts, counts)
        cells = runs + np.arange(len(runs), dtype=runs.dtype)
        cols = self.cols[cells]
        held = np.bincount(cols, minlength=len(self.langs))
        sums = np.bincount(cols, weights=self.logs[cells], minlength=len(self.langs))
        return sums + (len(rows) - held) * self.floor, len(rows)


_models: dict[bool, _Model] = {}  # dense, compact
_model_lock = threading.Lock()


def _get_model(compact: bool = False) -> _Model:
    model = _models.get(compact)
    if model is None:
        with _model_lock:
            model = _models.get(compact)
            if model is None:
                model = _models[compact] = _Model(compact=compact)
    return model


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
    counts: dict[str, int] = {}
    for ch in text:
        script = script_of(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts


# --- South Slavic rules ------------------------------------------------------------

_TWO_LETTERS = re.compile(r"[^\W\d_]{2}")

# --- the detector ----------------------------------------------------------------


class LanguageDetector:
    """Detects the language of entries (title + summary + body) and of queries.

    Thread-safe: the model is loaded once per process and only read afterwards."""

    def __init__(
        self,
        corpus_languages: Iterable[str] | None = None,
        *,
        lexicon_languages: Iterable[str] | None = None,
        compact: bool = False,
    ) -> None:
        """`lexicon_languages` limits the dictionaries consulted for short text (each costs
        30-120 MB of memory): a server passes the ones its analysers load anyway.
        `compact`: the model as a sparse matrix (18 MB less; slower on long text), for a
        process that detects queries."""
        self._model = _get_model(compact)
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
    import simplemma

    try:
        return bool(simplemma.is_known(word, code, low_memory=True))  # as stemming.LEMMATIZER
    except ValueError:
        return False


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()
