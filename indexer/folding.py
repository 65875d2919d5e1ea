"""Words and their spelling: the one tokenizer, case/accent folding, Cyrillic to Latin.

Every module splits text with `TOKEN_RE` (indexing, queries, snippets, grouping), so a word
is the same word everywhere.  Folding makes a query typed without accents meet the
accented text ("mediation" / "médiation"); Cyrillic keeps its own letters.  Serbian
Cyrillic is transliterated to gajica before analysis (`serbian_to_latin`); place names are
compared in the Latin spelling the site prints (`transliterate`: Луцьк -> lutsk).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# A word: letters/digits plus combining marks (text may arrive decomposed), with
# apostrophes allowed between letters so elisions and possessives stay one token.
WORD_CHAR = r"[\w\u0300-\u036f\u0483-\u0489]"
TOKEN_PATTERN = rf"{WORD_CHAR}+(?:['’ʼ]{WORD_CHAR}+)*"
TOKEN_RE = re.compile(TOKEN_PATTERN)  # the one tokenizer: every module splits words with it


def tokens(text: str) -> list[str]:
    """The words of a text, as every analyser and the query language split them."""
    return TOKEN_RE.findall(text)


def word_set(text: str) -> frozenset[str]:
    """The space-separated words of a data table ("l d j m n")."""
    return frozenset(text.split())


CYRILLIC_RE = re.compile("[\u0400-\u052f]")  # the Cyrillic and Cyrillic Supplement blocks


def is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


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
