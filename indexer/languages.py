"""The table of languages: one row per analysis pipeline, one alias table, the scripts.

A row says everything that is particular to a language, and nothing outside this table
tests a language code:

* how a word becomes a term: Snowball stemmer, simplemma lemmatizer, light suffix rules
  (stemming.py), spelling rewrites before stemming, Cyrillic transliteration, Turkic
  casing, whether accents are folded before stemming;
* its stopwords (stopwords.py: Snowball's list, stopwordsiso's, or a file in data/);
* elided articles cut before an apostrophe ("l’immigration") and enclitics after one;
* the scripts it is written in (a Latin word is never analysed as Ukrainian);
* what language detection (detect.py) uses for it: the langdetect profile, which has no
  Serbian, and the simplemma dictionary that recognises its words in short text.

Language families: Serbian, Croatian, Bosnian and Montenegrin share one pipeline ("sr"):
they are one pluricentric language with the same inflection.  Norwegian Bokmål/Nynorsk
use "no".  Anything else is "und": folded words, no stemming, the elisions and enclitics
of every language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.folding import word_set
from indexer.stemming import SUFFIX_RULES, SuffixRules

UNDETERMINED = "und"  # the language code of text no pipeline is chosen for
MIN_TERM_LENGTH = 2
MAX_TERM_LENGTH = 64


# Elided articles/prepositions written before an apostrophe ("l’", "dell’", "qu’").
_ELISIONS_FR = word_set("l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu quelqu")
_ELISIONS_IT = word_set(
    "l d c un all dall dell nell sull coll quest quell tutt nessun sant bell buon"
)
_ELISIONS_CA = word_set("l d s m n t")
# Clitics written after an apostrophe: English possessive, Catalan enclitic pronouns.
_ENCLITICS_EN = frozenset({"s"})
_ENCLITICS_CA = word_set("s t m n l ls ns hi ho")

Rewrite = tuple[re.Pattern[str], str]  # (pattern, replacement) for `pattern.sub`

# British -ise/-isation spellings are indexed as -ize so both spellings meet.
_EN_ISE: Rewrite = (re.compile(r"(?<=[a-z]{4})is(ation|ations|e|es|ed|ing|er|ers)$"), r"iz\1")
# Folded French feminine participles "-ee(s)" (réfugiée) read as "-e(s)": Snowball knows
# "-ée" but not its folded spelling, and French is stemmed after folding.
_FR_EE: Rewrite = (re.compile(r"(?<=..)ee(s?)$"), r"e\1")
# Serbian verbal nouns (razumevanje, istraživanjem) go to Snowball in their nominative:
# simplemma turns some of them into their verb and leaves others, and Snowball cuts
# "-njem" differently from "-nje", either of which splits the family.
_SR_VERBAL_NOUN: Rewrite = (re.compile(r"nj(?:e|a|u|em|ima)$"), "nje")


@dataclass(frozen=True)
class Pipeline:
    """How one analysis language turns a word into a term, and how it is detected."""

    name: str
    stemmer: str | None = None  # Snowball algorithm (PyStemmer)
    lemmatizer: str | None = None  # simplemma language code
    suffix_rules: SuffixRules | None = None  # applied to the lemma
    stopwords: str = ""  # "snowball", "stopwordsiso", "data:<file>" or "" (none)
    stopwords_extra: frozenset[str] = frozenset()  # words the source list lacks
    stopwords_keep: str = ""  # data file of content words the source list wrongly has
    elisions: frozenset[str] = frozenset()
    enclitics: frozenset[str] = frozenset()
    fold_first: bool = False  # fold before stemming (accents are optional when typing)
    transliterate: bool = False  # Serbian Cyrillic -> Latin before everything else
    turkic_case: bool = False  # I -> ı, İ -> i when lowercasing
    min_length: int = MIN_TERM_LENGTH  # shorter words are not indexed
    rewrites: tuple[Rewrite, ...] = ()  # spelling variants, before lemma and stemmer
    # words matching one of these are rewritten and go to the stemmer without the lemma
    unlemmatized: tuple[Rewrite, ...] = ()
    scripts: tuple[str, ...] = ("latin",)
    detect_model: str | None = None  # langdetect profile, when not the language's own
    dictionary: str | None = None  # simplemma code for detection, when not the lemmatizer

    @property
    def description(self) -> str:
        steps = ["tokenize", "lowercase"]
        if self.transliterate:
            steps.append("Cyrillic->Latin")
        if self.elisions or self.enclitics:
            steps.append("elisions")
        if self.stopwords:
            steps.append(f"stopwords({self.stopwords})")
        if self.fold_first:
            steps.append("fold")
        if self.lemmatizer:
            steps.append(f"simplemma({self.lemmatizer})")
        if self.suffix_rules:
            steps.append("suffix rules")
        if self.stemmer:
            steps.append(f"snowball({self.stemmer})")
        steps.append("fold")
        return f"{self.name}: " + " | ".join(steps)


def _snow(name: str, **kw: object) -> Pipeline:
    return Pipeline(name=name.capitalize(), stemmer=name, **kw)  # type: ignore[arg-type]


def _lemmas(name: str, code: str, **kw: object) -> Pipeline:
    rules = SUFFIX_RULES.get(code)
    return Pipeline(name=name, lemmatizer=code, suffix_rules=rules, **kw)  # type: ignore[arg-type]


SUPPORTED: dict[str, Pipeline] = {
    "en": _snow("english", stopwords="snowball", enclitics=_ENCLITICS_EN, rewrites=(_EN_ISE,)),
    "fr": _snow(
        "french",
        stopwords="snowball",
        stopwords_extra=frozenset({"les"}),  # missing from Snowball's list
        elisions=_ELISIONS_FR,
        fold_first=True,
        rewrites=(_FR_EE,),
    ),
    "es": _snow("spanish", stopwords="snowball", fold_first=True),
    "it": _snow("italian", stopwords="snowball", elisions=_ELISIONS_IT, fold_first=True),
    "pt": _snow("portuguese", stopwords="snowball"),
    "ca": _snow(
        "catalan",
        stopwords="stopwordsiso",
        elisions=_ELISIONS_CA,
        enclitics=_ENCLITICS_CA,
        fold_first=True,
    ),
    "de": _snow("german", stopwords="snowball"),
    "nl": _snow("dutch", stopwords="snowball"),
    "da": _snow("danish", stopwords="snowball"),
    "no": _snow("norwegian", stopwords="snowball"),
    "sv": _snow("swedish", stopwords="snowball"),
    "fi": _snow("finnish", stopwords="snowball"),
    "hu": _snow("hungarian", stopwords="snowball"),
    "ro": _snow("romanian", stopwords="stopwordsiso"),
    "ru": _snow("russian", stopwords="snowball", scripts=("cyrillic",)),
    "el": _snow("greek", stopwords="stopwordsiso", scripts=("greek",)),
    "tr": _snow("turkish", stopwords="snowball", turkic_case=True),
    "cs": _snow("czech", stopwords="stopwordsiso"),
    "pl": _snow("polish", stopwords="stopwordsiso"),
    "lt": _snow("lithuanian", stopwords="stopwordsiso"),
    "et": _snow("estonian", stopwords="stopwordsiso"),
    "eu": _snow("basque", stopwords="stopwordsiso"),
    "ga": _snow("irish", stopwords="stopwordsiso"),
    "hy": _snow("armenian", stopwords="stopwordsiso", scripts=("armenian",)),
    "ar": _snow("arabic", stopwords="stopwordsiso", scripts=("arabic",)),
    "fa": _snow("persian", stopwords="stopwordsiso", scripts=("arabic",)),
    "hi": _snow("hindi", stopwords="stopwordsiso", scripts=("devanagari",)),
    "id": _snow("indonesian", stopwords="stopwordsiso"),
    # Lemmatized with simplemma's Serbo-Croatian dictionary, the lemma then stemmed by
    # Snowball's Serbian stemmer (either alone conflates far fewer forms).
    "sr": Pipeline(
        name="Serbian/Croatian/Bosnian",
        stemmer="serbian",
        lemmatizer="hbs",
        stopwords="data:stopwords_sr.txt",
        transliterate=True,
        unlemmatized=(_SR_VERBAL_NOUN,),
        scripts=("latin", "cyrillic"),
        detect_model="hr",  # langdetect has no Serbian: its Croatian profile stands in
    ),
    "sq": _lemmas("Albanian", "sq", stopwords="data:stopwords_sq.txt"),
    "uk": _lemmas("Ukrainian", "uk", stopwords="stopwordsiso", scripts=("cyrillic",)),
    "bg": _lemmas(
        "Bulgarian",
        "bg",
        stopwords="stopwordsiso",
        stopwords_keep="stopwords_keep_bg.txt",
        scripts=("cyrillic",),
    ),
    "mk": _lemmas("Macedonian", "mk", stopwords="data:stopwords_mk.txt", scripts=("cyrillic",)),
    "sl": _lemmas(
        "Slovenian", "sl", stopwords="stopwordsiso", stopwords_keep="stopwords_keep_sl.txt"
    ),
    "sk": Pipeline(name="Slovak", lemmatizer="sk", stopwords="stopwordsiso"),
    "lv": Pipeline(name="Latvian", lemmatizer="lv", stopwords="stopwordsiso"),
    UNDETERMINED: Pipeline(
        name="Undetermined (folded words, no stemming)",
        elisions=_ELISIONS_FR | _ELISIONS_IT | _ELISIONS_CA,
        enclitics=_ENCLITICS_EN,
        min_length=1,
        # scripts no family of its own analyses: the language-neutral pipeline takes them
        scripts=(
            "latin",
            "cyrillic",
            "greek",
            "hebrew",
            "georgian",
            "thai",
            "hangul",
            "kana",
            "han",
            "other",
        ),
    ),
}

# Codes that share another code's pipeline.
ALIASES = {
    "hr": "sr",
    "bs": "sr",
    "sh": "sr",
    "cnr": "sr",
    "me": "sr",
    "hbs": "sr",
    "nb": "no",
    "nn": "no",
    "mo": "ro",
}

FAMILY_SCRIPTS: dict[str, tuple[str, ...]] = {code: p.scripts for code, p in SUPPORTED.items()}


def base_code(lang: str | None) -> str:
    """`pt-BR` -> `pt`, `sr_Latn` -> `sr`, `zh-cn` -> `zh`; "und" for nothing."""
    if not lang:
        return UNDETERMINED
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or UNDETERMINED


def language_code(lang: str | None) -> str | None:
    """`base_code` of a well-formed code (2-3 letters), None for empty, "und" or junk."""
    code = base_code(lang)
    if not re.fullmatch(r"[a-z]{2,3}", code) or code == UNDETERMINED:
        return None
    return code


@functools.lru_cache(maxsize=1024)
def analysis_language(lang: str | None) -> str:
    """The pipeline a detected or declared language is indexed with ("und" if none)."""
    code = base_code(lang)
    code = ALIASES.get(code, code)
    return code if code in SUPPORTED else UNDETERMINED


def detect_model(lang: str) -> str:
    """The langdetect profile that stands for a language (Serbian, Bosnian -> "hr")."""
    return SUPPORTED[analysis_language(lang)].detect_model or lang


def dictionary(lang: str) -> str:
    """The simplemma dictionary that knows a language's words ("sr", "hr" -> "hbs")."""
    pipeline = SUPPORTED[analysis_language(lang)]
    return pipeline.dictionary or pipeline.lemmatizer or lang


# --- scripts -------------------------------------------------------------------------

_SCRIPT_RANGES = (
    ("latin", "\u0041", "\u024f"),
    ("latin", "\u1e00", "\u1eff"),
    ("greek", "\u0370", "\u03ff"),
    ("greek", "\u1f00", "\u1fff"),
    ("cyrillic", "\u0400", "\u052f"),
    ("armenian", "\u0530", "\u058f"),
    ("hebrew", "\u0590", "\u05ff"),
    ("arabic", "\u0600", "\u06ff"),
    ("arabic", "\u0750", "\u077f"),
    ("devanagari", "\u0900", "\u097f"),
    ("thai", "\u0e00", "\u0e7f"),
    ("georgian", "\u10a0", "\u10ff"),
    ("hangul", "\u1100", "\u11ff"),
    ("kana", "\u3040", "\u30ff"),
    ("han", "\u4e00", "\u9fff"),
    ("hangul", "\uac00", "\ud7af"),
)


@functools.lru_cache(maxsize=8192)
def script_of(ch: str) -> str | None:
    """The script of a letter (\"latin\", \"cyrillic\", ...; \"other\"), None for a non-letter."""
    if not ch.isalpha():
        return None
    for name, low, high in _SCRIPT_RANGES:
        if low <= ch <= high:
            return name
    return "other"


@functools.lru_cache(maxsize=1 << 14)
def _word_script(word: str) -> str | None:
    """The script of a word's first letter."""
    return next((script_of(ch) for ch in word if ch.isalpha()), None)


def families_for(word: str, families: Iterable[str]) -> tuple[str, ...]:
    """The families whose script a word is written in: a Latin word is never analysed as
    Ukrainian (which would load a 55 MB dictionary for nothing), nor a Cyrillic word as
    French.  Serbian takes both scripts; words with no letters go everywhere."""
    script = _word_script(word)
    if script is None:
        return tuple(families)
    return tuple(f for f in families if script in FAMILY_SCRIPTS.get(f, ("latin",)))
