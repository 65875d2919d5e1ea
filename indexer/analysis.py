"""Every language's analysis pipeline, defined in one place.

An indexed term is made in this order: tokenize (Unicode words, apostrophes kept inside a
word so French/Italian/Catalan elisions can be cut off: "l’immigration" -> "immigration"),
lowercase, drop stopwords, stem (Snowball via PyStemmer) or lemmatize (simplemma, with a
small suffix fallback), then accent-fold the result so a query typed without accents meets
the accented text ("mediation" / "médiation").

Token offsets (`chars=True`) always point at the original word in the text, never at the
stem: highlighting shows what was written.

Language families: Serbian, Croatian, Bosnian and Montenegrin share one pipeline ("sr"):
they are one pluricentric language with the same inflection.  Cyrillic is transliterated
to Latin first, so "општина" and "opština" give one term; words are lemmatized with
simplemma's Serbo-Croatian dictionary and the lemma stemmed by Snowball's Serbian stemmer
(either alone conflates far fewer forms).  Norwegian Bokmål/Nynorsk use "no".  Anything
else is "und": folded words, no stemming.

Analysers are cached and picklable (module-level filter classes holding only strings), as
Whoosh's multiprocess writer pickles the schema.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simplemma
import Stemmer
import stopwordsiso
from whoosh.analysis import Analyzer, Filter, RegexTokenizer
from whoosh.lang.stopwords import stoplists as snowball_stoplists

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DATA_DIR = Path(__file__).resolve().parent / "data"

# A word: letters/digits plus combining marks (text may arrive decomposed), with
# apostrophes allowed between letters so elisions and possessives stay one token.
_WORD = r"[\w\u0300-\u036f\u0483-\u0489]"
TOKEN_PATTERN = rf"{_WORD}+(?:['’ʼ]{_WORD}+)*"
TOKEN_RE = re.compile(TOKEN_PATTERN)  # the one tokenizer: every module splits words with it
UNDETERMINED = "und"  # the language code of text no pipeline is chosen for


def tokens(text: str) -> list[str]:
    """The words of a text, as every analyser and the query language split them."""
    return TOKEN_RE.findall(text)


_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
MIN_TERM_LENGTH = 2
MAX_TERM_LENGTH = 64

# Elided articles/prepositions written before an apostrophe ("l’", "dell’", "qu’").
_ELISIONS_FR = _words("l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu quelqu")
_ELISIONS_IT = _words(
    "l d c un all dall dell nell sull coll quest quell tutt nessun sant bell buon"
)
_ELISIONS_CA = _words("l d s m n t")
# Clitics written after an apostrophe: English possessive, Catalan enclitic pronouns.
_ENCLITICS_EN = frozenset({"s"})
_ENCLITICS_CA = _words("s t m n l ls ns hi ho")


@dataclass(frozen=True)
class Pipeline:
    """How one analysis language turns a word into a term."""

    name: str
    stemmer: str | None = None  # Snowball algorithm (PyStemmer)
    lemmatizer: str | None = None  # simplemma language code
    suffix_rules: bool = False  # SUFFIX_RULES after the lemma
    stopwords: str = ""  # "snowball", "stopwordsiso" or "data:<file>" or "" (none)
    elisions: frozenset[str] = frozenset()
    enclitics: frozenset[str] = frozenset()
    fold_first: bool = False  # fold before stemming (accents are optional when typing)
    transliterate: bool = False  # Serbian Cyrillic -> Latin before everything else
    turkic_case: bool = False  # I -> ı, İ -> i when lowercasing

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


SUPPORTED: dict[str, Pipeline] = {
    "en": _snow("english", stopwords="snowball", enclitics=_ENCLITICS_EN),
    "fr": _snow("french", stopwords="snowball", elisions=_ELISIONS_FR, fold_first=True),
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
    "ru": _snow("russian", stopwords="snowball"),
    "el": _snow("greek", stopwords="stopwordsiso"),
    "tr": _snow("turkish", stopwords="snowball", turkic_case=True),
    "cs": _snow("czech", stopwords="stopwordsiso"),
    "pl": _snow("polish", stopwords="stopwordsiso"),
    "lt": _snow("lithuanian", stopwords="stopwordsiso"),
    "et": _snow("estonian", stopwords="stopwordsiso"),
    "eu": _snow("basque", stopwords="stopwordsiso"),
    "ga": _snow("irish", stopwords="stopwordsiso"),
    "hy": _snow("armenian", stopwords="stopwordsiso"),
    "ar": _snow("arabic", stopwords="stopwordsiso"),
    "fa": _snow("persian", stopwords="stopwordsiso"),
    "hi": _snow("hindi", stopwords="stopwordsiso"),
    "id": _snow("indonesian", stopwords="stopwordsiso"),
    "sr": Pipeline(
        name="Serbian/Croatian/Bosnian",
        stemmer="serbian",
        lemmatizer="hbs",
        stopwords="data:stopwords_sr.txt",
        transliterate=True,
    ),
    "sq": Pipeline(
        name="Albanian",
        lemmatizer="sq",
        suffix_rules=True,
        stopwords="data:stopwords_sq.txt",
    ),
    "uk": Pipeline(name="Ukrainian", lemmatizer="uk", suffix_rules=True, stopwords="stopwordsiso"),
    "bg": Pipeline(name="Bulgarian", lemmatizer="bg", suffix_rules=True, stopwords="stopwordsiso"),
    "mk": Pipeline(name="Macedonian", lemmatizer="mk", suffix_rules=True, stopwords="data:mk"),
    "sl": Pipeline(name="Slovenian", lemmatizer="sl", suffix_rules=True, stopwords="stopwordsiso"),
    "sk": Pipeline(name="Slovak", lemmatizer="sk", stopwords="stopwordsiso"),
    "lv": Pipeline(name="Latvian", lemmatizer="lv", stopwords="stopwordsiso"),
    "und": Pipeline(name="Undetermined (folded words, no stemming)"),
}

# Codes that share another code's pipeline.
_ALIASES = {
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


def _base_code(lang: str | None) -> str:
    """`pt-BR` -> `pt`, `sr_Latn` -> `sr`, `zh-cn` -> `zh`."""
    if not lang:
        return "und"
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or "und"


def families_for(word: str, families: Iterable[str]) -> tuple[str, ...]:
    """The families whose script a word is written in: a Latin word is never analysed as
    Ukrainian (which would load a 55 MB dictionary for nothing), nor a Cyrillic word as
    French.  Serbian takes both scripts; words with no letters go everywhere."""
    script = _word_script(word)
    if script is None:
        return tuple(families)
    return tuple(f for f in families if script in FAMILY_SCRIPTS.get(f, ("latin",)))


FAMILY_SCRIPTS: dict[str, tuple[str, ...]] = {
    "uk": ("cyrillic",),
    "bg": ("cyrillic",),
    "mk": ("cyrillic",),
    "ru": ("cyrillic",),
    "sr": ("latin", "cyrillic"),
    "el": ("greek",),
    "hy": ("armenian",),
    "ar": ("arabic",),
    "fa": ("arabic",),
    "hi": ("devanagari",),
    # scripts no family of its own analyses: the language-neutral pipeline takes them
    "und": (
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
}


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


CYRILLIC_RE = re.compile("[\u0400-\u052f]")  # the Cyrillic and Cyrillic Supplement blocks


def is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


@functools.lru_cache(maxsize=1 << 14)
def _word_script(word: str) -> str | None:
    """The script of a word's first letter."""
    return next((script_of(ch) for ch in word if ch.isalpha()), None)


@functools.lru_cache(maxsize=1024)
def analysis_language(lang: str | None) -> str:
    """The pipeline a detected or declared language is indexed with ("und" if none)."""
    code = _base_code(lang)
    code = _ALIASES.get(code, code)
    return code if code in SUPPORTED else "und"


# --- folding -----------------------------------------------------------------------

_FOLD_SPECIAL = {
    "ß": "ss",
    "đ": "dj",
    "ł": "l",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ð": "d",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŀ": "l",
    "ĳ": "ij",
    "ſ": "s",
    "'": "",
    "’": "",
    "ʼ": "",
}


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    special = _FOLD_SPECIAL.get(ch)
    if special is not None:
        return special
    if ch.isascii() or is_cyrillic(ch):
        # Cyrillic letters with marks (й, ё, ї, ў) are letters of their own.
        return ch
    category = unicodedata.category(ch)
    if category == "Mn":
        return ""
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def fold(text: str) -> str:
    """Case- and accent-fold: "Portimão" -> "portimao", "Straße" -> "strasse",
    "Đorđe" -> "djordje", "Ελλάδα" -> "ελλαδα"; Cyrillic letters stay as they are
    ("Київ" -> "київ").  Apostrophes are dropped ("aujourd'hui" -> "aujourdhui")."""
    text = unicodedata.normalize("NFC", text).casefold()
    if text.isascii():
        return text.replace("'", "")
    return "".join(map(_fold_char, text))


@functools.lru_cache(maxsize=1 << 16)
def fold_word(word: str) -> str:
    """`fold` of one word, cached: words repeat across entries and snippets."""
    return fold(word)


# --- Serbian transliteration -------------------------------------------------------

_SR_CYR_TO_LAT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "ђ": "đ",
        "е": "e",
        "ж": "ž",
        "з": "z",
        "и": "i",
        "ј": "j",
        "к": "k",
        "л": "l",
        "љ": "lj",
        "м": "m",
        "н": "n",
        "њ": "nj",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "ћ": "ć",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "c",
        "ч": "č",
        "џ": "dž",
        "ш": "š",
        "А": "A",
        "Б": "B",
        "В": "V",
        "Г": "G",
        "Д": "D",
        "Ђ": "Đ",
        "Е": "E",
        "Ж": "Ž",
        "З": "Z",
        "И": "I",
        "Ј": "J",
        "К": "K",
        "Л": "L",
        "Љ": "Lj",
        "М": "M",
        "Н": "N",
        "Њ": "Nj",
        "О": "O",
        "П": "P",
        "Р": "R",
        "С": "S",
        "Т": "T",
        "Ћ": "Ć",
        "У": "U",
        "Ф": "F",
        "Х": "H",
        "Ц": "C",
        "Ч": "Č",
        "Џ": "Dž",
        "Ш": "Š",
    }
)


def serbian_to_latin(text: str) -> str:
    """Serbian Cyrillic to Serbian Latin (gajica); other characters unchanged."""
    return text.translate(_SR_CYR_TO_LAT)


# Ukrainian/Russian/Serbian Cyrillic to the Latin forms used in place names (national
# Ukrainian romanisation, close to what the site prints: Луцьк -> lutsk, Вінниця -> vinnytsia).
_CYR_LAT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "h",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "ie",
        "ж": "zh",
        "з": "z",
        "и": "y",
        "і": "i",
        "ї": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ь": "",
        "ю": "iu",
        "я": "ia",
        "ъ": "",
        "ы": "y",
        "э": "e",
        "ё": "e",
        "ђ": "dj",
        "ј": "j",
        "љ": "lj",
        "њ": "nj",
        "ћ": "c",
        "џ": "dz",
        "'": "",
        "’": "",
    }
)


def transliterate(word: str) -> str:
    """A Cyrillic word in the Latin spelling place names use (\"Луцьк\" -> \"lutsk\")."""
    return word.lower().translate(_CYR_LAT)


# --- stopwords ---------------------------------------------------------------------

# stopwordsiso lists mix function words with some content words; these are kept.
_STOPWORD_KEEP: dict[str, frozenset[str]] = {
    "bg": _words(
        "автентичен благодаря бивш бивша бившо време глас главен главна главно година "
        "години годишен ден днес дни добра добре добро добър евтин екип живот заспал "
        "лесен лесно лош мек месец мокър нов нова нови новина равен равна смях син "
        "хиляди часа юмрук харесва"
    ),
    "sl": _words(
        "april avgust december februar januar julij junij maj marec november oktober "
        "september nedelja petek ponedeljek sobota sreda torek četrtek datum dan leto "
        "mesec lep lepa lepe lepi lepo dober dobra dobri dobro dolg dolga dolgi kratek "
        "kratka kratke kratki majhen majhna majhni odprt odprta odprti poln polna polni "
        "polno prazen prazna prazno pripravljen pripravljena pripravljeni stran stvar "
        "težak težka težki težko visok visoka visoke visoki velik velika veliki veliko "
        "zaprta zaprti zaprto primer reč gospa gospod srednja srednji slab"
    ),
}

# Words Snowball's lists lack ("les" is missing from the French list).
_SNOWBALL_ADD: dict[str, frozenset[str]] = {"fr": frozenset({"les"})}

# Macedonian has no maintained list we ship; a short list of its function words.
_MK_STOPWORDS = _words(
    "и или но а на во со од за до по при низ кон меѓу без под над пред зад околу "
    "е се сум си сме сте беше биле бил била било ќе би да не ни ли што кој која кое кои "
    "чиј тоа тој таа тие овој оваа ова овие оној го ги ја му ѝ им нè ве ме те уште "
    "исто така како кога каде дека ако туку само сите секој"
)


def _read_word_list(name: str) -> frozenset[str]:
    path = DATA_DIR / name
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(line.lower())
    return frozenset(words)


@functools.cache
def stopwords(lang: str) -> frozenset[str]:
    """The stop list of an analysis language, lowercase, as written (not folded)."""
    code = analysis_language(lang)
    source = SUPPORTED[code].stopwords
    if not source:
        return frozenset()
    if source == "snowball":
        words = frozenset(snowball_stoplists[code]) | _SNOWBALL_ADD.get(code, frozenset())
    elif source == "stopwordsiso":
        words = frozenset(stopwordsiso.stopwords(code)) - _STOPWORD_KEEP.get(code, frozenset())
    elif source == "data:mk":
        words = _MK_STOPWORDS
    elif source.startswith("data:"):
        words = _read_word_list(source[5:])
    else:  # pragma: no cover - a typo in SUPPORTED
        raise ValueError(f"unknown stopword source {source!r}")
    return frozenset(w.lower() for w in words)


@functools.cache
def _folded_stopwords(lang: str) -> frozenset[str]:
    # Greek lists are written without accents and queries are often typed without them.
    return frozenset(fold(w) for w in stopwords(lang))


# --- stemming and lemmatization ----------------------------------------------------

_local = threading.local()


def _stemmer(algorithm: str) -> Stemmer.Stemmer:
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


def _strip_suffixes(word: str, lang: str) -> str:
    """Rules applied to a fixed point, so a lemma that itself ends like an inflection
    (refugjat) meets its inflected forms (refugjatëve -> refugjat -> refugj)."""
    rules = SUFFIX_RULES[lang]
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
        return simplemma.lemmatize(word, lang=lang).lower()
    except ValueError:  # pragma: no cover - unsupported code in SUPPORTED
        return word.lower()


# British -ise/-isation spellings are indexed as -ize so both spellings meet.
_EN_ISE = re.compile(r"(?<=[a-z]{4})is(ation|ations|e|es|ed|ing|er|ers)$")


# Serbian verbal nouns (razumevanje, istraživanjem) go to Snowball in their nominative:
# simplemma turns some of them into their verb and leaves others, and Snowball cuts
# "-njem" differently from "-nje", either of which splits the family.
_SR_VERBAL_NOUN = re.compile(r"nj(?:e|a|u|em|ima)$")

# Folded French feminine participles "-ee(s)" (réfugiée) read as "-e(s)": Snowball knows
# "-ée" but not its folded spelling, and French is stemmed after folding.
_FR_EE = re.compile(r"(?<=..)ee(s?)$")


def _prepare(raw: str, lang: str) -> tuple[str, int]:
    """Normalise one token and cut elisions and clitics; returns the word (case kept)
    and how many leading characters of the raw token were cut."""
    pipeline = SUPPORTED[lang]
    word = unicodedata.normalize("NFC", raw)
    if pipeline.transliterate:
        word = serbian_to_latin(word)
    cut = 0
    if "'" in word or "’" in word or "ʼ" in word:
        word = word.translate(_APOSTROPHES)
        head, _, rest = word.partition("'")
        elisions = pipeline.elisions if lang != "und" else _ELISIONS_ANY
        if rest and head.lower() in elisions:
            word = rest
            cut = raw.translate(_APOSTROPHES).index("'") + 1
        enclitics = pipeline.enclitics if lang != "und" else _ENCLITICS_EN
        stem, _, tail = word.rpartition("'")
        if stem and tail.lower() in enclitics:
            word = stem
        word = word.replace("'", "")
    return word, cut


def _lower(word: str, pipeline: Pipeline) -> str:
    if pipeline.turkic_case:
        word = word.replace("I", "ı").replace("İ", "i")
    return word.lower()


def _finish(cased: str, lang: str) -> str | None:
    pipeline = SUPPORTED[lang]
    word = _lower(cased, pipeline)
    if lang == "und":
        folded = fold(word)
        return folded if 0 < len(folded) <= MAX_TERM_LENGTH else None
    if not MIN_TERM_LENGTH <= len(word) <= MAX_TERM_LENGTH:
        return None
    if word in stopwords(lang):
        return None
    folded = fold(word)
    if folded in _folded_stopwords(lang):
        return None
    if pipeline.fold_first:
        word = folded
    if lang == "en":
        word = _EN_ISE.sub(r"iz\1", word)
    elif lang == "fr":
        word = _FR_EE.sub(r"e\1", word)
    if lang == "sr" and _SR_VERBAL_NOUN.search(word):
        word = _SR_VERBAL_NOUN.sub("nje", word)
    elif pipeline.lemmatizer:
        word = lemma(cased, pipeline.lemmatizer)
        if pipeline.suffix_rules:
            word = _strip_suffixes(word, lang)
    if pipeline.stemmer:
        word = _stemmer(pipeline.stemmer).stemWord(word)
    result = fold(word)
    return result or None


_ELISIONS_ANY = _ELISIONS_FR | _ELISIONS_IT | _ELISIONS_CA


@functools.lru_cache(maxsize=1 << 18)
def _analyse(raw: str, lang: str) -> tuple[str | None, int]:
    word, cut = _prepare(raw, lang)
    return _finish(word, lang), cut


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
        self.lang = "und"


def _tokenizer() -> RegexTokenizer:
    return RegexTokenizer(TOKEN_PATTERN)


def analyzer(lang: str) -> Analyzer:
    """The stemming/lemmatizing analyser for a language (any code: it is mapped with
    `analysis_language`, so "hr" gives the "sr" analyser); cached, picklable."""
    return _analyzer(analysis_language(lang))


@functools.cache
def _analyzer(code: str) -> Analyzer:
    if code == "und":
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
    return [t for w in TOKEN_RE.findall(text) if (t := _analyse(w, "und")[0])]


def terms(text: str, lang: str) -> list[str]:
    """The terms `analyzer(lang)` makes of a text (handy for tests and debugging)."""
    return [t.text for t in analyzer(lang)(text)]
