"""The South Slavic rules of language detection: Serbian, Croatian, Bosnian, Slovenian
and Macedonian, which langdetect's profiles cannot tell apart (it has no Serbian at all).

Serbian Latin comes out of the model as hr (or sl), Serbian Cyrillic as mk/bg/ru.  These
general rules recover the language: Cyrillic text written only with letters of the
Serbian alphabet and with Serbian letters (ђ, ћ) or Serbian function words is sr (and
with Macedonian ones mk); Latin text in the Serbian/Croatian/Bosnian cluster is told
apart by the reflex of old jat (ekavian "razumevanje", "mesto" is Serbian; ijekavian
"razumijevanje", "mjesto" is Croatian or Bosnian) and by vocabulary that differs between
the standards (opština/općina, saradnja/suradnja, hiljada/tisuća), then by the locale;
Slovenian by its function words.
"""

from __future__ import annotations

import re

from indexer.folding import is_cyrillic, serbian_to_latin, word_set

MODEL_LANGUAGES = ("hr", "sl")  # what langdetect answers for Latin text of this cluster
# a run of letters (no digits, no apostrophes): what the rules and dictionaries look up
LETTERS_RE = re.compile(r"[^\W\d_]+")
_SERBO_CROATIAN = ("sr", "hr", "bs")


def _patterns(*regexes: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{r})" for r in regexes))


# Ekavian jat reflex and Serbian-only vocabulary (whole words, Latin; Cyrillic text is
# transliterated first).
_EKAVIAN = _patterns(
    r"razumev\w*",
    r"reš(?:en|av|i)\w*",
    r"mest(?:o|a|u|om|ima)",
    r"vreme",
    r"primer\w*",
    r"dec(?:a|e|i|om)",
    r"dete(?:ta|tu|tom)?",
    r"celokup\w*",
    r"ce(?:o|la|lo|li|le)",
    r"lep(?:o|a|i|e|u|ih|im)?",
    r"pesm\w*",
    r"svetsk\w*",
    r"uslov\w*",
    r"deo",
    r"delov\w*",
    r"podel\w*",
    r"obezbe\w*",
    r"nedelj\w*",
    r"gde",
    r"pre",
    r"posle",
    r"ovde",
    r"mesec\w*",
    r"celin\w*",
    r"cen(?:a|e|i|u|ama)",
    r"procen\w*",
    r"ocen\w*",
    r"vest(?:i|ima)?",
    r"sedišt\w*",
    r"vera",
    r"verski\w*",
    r"zahtev\w*",
    r"tok(?:om)?",
    r"opšt\w*",
    r"istorij\w*",
    r"bezbed\w*",
    r"sprovo\w*",
    r"takođe",
)
# Ijekavian jat reflex.
_IJEKAVIAN = _patterns(
    r"razumijev\w*",
    r"rješ\w*",
    r"mjest\w*",
    r"mjesec\w*",
    r"vrijem\w*",
    r"djec\w*",
    r"dijete",
    r"djetet\w*",
    r"primjer\w*",
    r"cjelokup\w*",
    r"cijel\w*",
    r"cjelin\w*",
    r"pjesm\w*",
    r"svjetsk\w*",
    r"dio",
    r"dijel\w*",
    r"djel\w*",
    r"podjel\w*",
    r"gdje",
    r"prije",
    r"poslije",
    r"ovdje",
    r"nedjelj\w*",
    r"sjedišt\w*",
    r"procjen\w*",
    r"ocjen\w*",
    r"vijest\w*",
    r"vijeć\w*",
    r"lijep\w*",
    r"bijel\w*",
    r"rijek\w*",
    r"stoljeć\w*",
    r"vjer\w*",
    r"tijek\w*",
    r"zahtjev\w*",
    r"uvjet\w*",
)
# Croatian vocabulary (not Serbian or Bosnian).
_CROATIAN = _patterns(
    r"tko",
    r"tisuć\w*",
    r"općin\w*",
    r"surad\w*",
    r"sveučilišt\w*",
    r"obitelj\w*",
    r"povijes\w*",
    r"europsk\w*",
    r"znanstv\w*",
    r"kazališt\w*",
    r"glazb\w*",
    r"tjed(?:an|na|nu|ni|ana|nima)",
    r"također",
    r"siječ\w*",
    r"veljač\w*",
    r"ožuj\w*",
    r"trav(?:anj|nja|nju)",
    r"svib(?:anj|nja|nju)",
    r"lip(?:anj|nja|nju)",
    r"srp(?:anj|nja|nju)",
    r"kolovoz\w*",
    r"ruj(?:an|na|nu)",
    r"listopad\w*",
    r"prosin(?:ac|ca|cu)",
    r"\w{4,}ira(?:ti|nje|nja|nju|n|na|no|ni|ne|li|la|lo)",
)
# Serbian and Bosnian vocabulary (not Croatian).
_SERBIAN_BOSNIAN = _patterns(
    r"hiljad\w*",
    r"porodic\w*",
    r"evrop\w*",
    r"saradn\w*",
    r"univerzitet\w*",
    r"\w{4,}izova\w*",
    r"\w{4,}isa(?:nje|nja|nju|ti|n|na|no|ni|ne|li|la|lo)",
    r"\w{4,}ova(?:nje|nja|nju)",
    r"januar\w*",
    r"februar\w*",
    r"septemb\w*",
    r"oktob\w*",
    r"novemb\w*",
    r"decemb\w*",
    r"šta",
    r"ko",
    r"historij\w*",
    r"sedmic\w*",
)
_BOSNIAN = _patterns(r"historij\w*", r"sedmic\w*", r"lahk\w*", r"kahv\w*", r"hljeb\w*")

# Function words telling Slovenian from Serbian/Croatian/Bosnian.
_SLOVENIAN_WORDS = word_set(
    "in v ki so tudi kot pa ter bo lahko še sem smo ste kjer zato vendar ker bi je"
)
_BCMS_WORDS = word_set(
    "i u koji koja koje kojih su kao će ili sa iz nije jer ovaj ova ovo ovu te da se"
)

# Cyrillic letters: Serbian only, Macedonian only, both, and never in Serbian.
_SR_LETTERS = frozenset("ђћЂЋ")
_MK_LETTERS = frozenset("ќѓѕЌЃЅ")
_NOT_SR_LETTERS = frozenset("йщыэюяьъёєіїґўЙЩЫЭЮЯЬЪЁЄІЇҐЎ")
_SR_CYR_WORDS = word_set("у је су са из који која које као ће није или шта ово овај")
_MK_CYR_WORDS = word_set("во со е ќе кои ги го беше сите како оваа тоа нè")


def _count(pattern: re.Pattern[str], words: list[str]) -> int:
    return sum(1 for w in words if pattern.fullmatch(w))


def serbo_croatian_variant(
    words: list[str], locale: str | None, corpus: frozenset[str]
) -> tuple[str, float]:
    """sr, hr or bs for Latin (or transliterated) text of the shared language, and how
    clear the evidence was (0..1)."""
    ekavian = _count(_EKAVIAN, words)
    ijekavian = _count(_IJEKAVIAN, words)
    croatian = _count(_CROATIAN, words)
    serbian_bosnian = _count(_SERBIAN_BOSNIAN, words)
    if ekavian != ijekavian:
        clarity = min(1.0, 0.6 + 0.15 * abs(ekavian - ijekavian))
        if ekavian > ijekavian:
            return "sr", clarity
        if croatian >= serbian_bosnian and not (locale == "bs" and croatian == 0):
            return "hr", clarity
        if _count(_BOSNIAN, words) or locale == "bs" or locale != "sr":
            return "bs", clarity * 0.8
        return "sr", clarity * 0.8
    if croatian != serbian_bosnian:
        clarity = min(1.0, 0.5 + 0.15 * abs(croatian - serbian_bosnian))
        if croatian > serbian_bosnian:
            return "hr", clarity
        return ("bs" if locale == "bs" or _count(_BOSNIAN, words) else "sr"), clarity
    if locale in _SERBO_CROATIAN:
        return locale, 0.5
    present = [code for code in _SERBO_CROATIAN if code in corpus]
    if len(present) == 1:
        return present[0], 0.45
    return "hr", 0.4


def latin_words(text: str) -> list[str]:
    return [w.lower() for w in LETTERS_RE.findall(serbian_to_latin(text))]


def cyrillic_serbian(
    text: str, words: list[str], locale: str | None, corpus: frozenset[str]
) -> tuple[str, float] | None:
    """ "sr" or "mk" when a Cyrillic text is written in the Serbian/Macedonian alphabet,
    None when it has letters those alphabets lack (Russian, Bulgarian, Ukrainian ...)."""
    letters = set(text)
    not_sr = sum(1 for ch in text if ch in _NOT_SR_LETTERS)
    cyrillic = sum(1 for ch in text if is_cyrillic(ch))
    if not_sr > cyrillic // 100:  # a stray letter is let pass only in a long text
        return None
    has_sr, has_mk = bool(letters & _SR_LETTERS), bool(letters & _MK_LETTERS)
    if has_sr and not has_mk:
        return "sr", 0.95
    if has_mk and not has_sr:
        return "mk", 0.95
    sr_votes = sum(1 for w in words if w in _SR_CYR_WORDS)
    mk_votes = sum(1 for w in words if w in _MK_CYR_WORDS)
    if sr_votes != mk_votes:
        clarity = min(0.95, 0.6 + 0.1 * abs(sr_votes - mk_votes))
        return ("sr" if sr_votes > mk_votes else "mk"), clarity
    if locale in ("sr", "mk"):
        return locale, 0.5
    if "sr" in corpus and "mk" not in corpus:
        return "sr", 0.45
    if "mk" in corpus and "sr" not in corpus:
        return "mk", 0.45
    return None


def refine_latin(
    text: str,
    found: tuple[str, float, str],
    cluster: float,
    locale: str | None,
    corpus: frozenset[str],
) -> tuple[str, float, str]:
    """Slovenian, Serbian, Croatian or Bosnian for Latin text the model read as "hr" or
    "sl" (`found`: language, confidence, method; `cluster`: the model's probability of
    either).  Returns the same kind of triple."""
    lang, confidence, method = found
    words = latin_words(text)
    slovenian = sum(1 for w in words if w in _SLOVENIAN_WORDS)
    bcms = sum(1 for w in words if w in _BCMS_WORDS)
    if lang == "sl" and bcms <= slovenian + 1:
        return lang, confidence, method
    if lang == "hr" and slovenian > bcms + 1:
        return "sl", cluster, "rules"
    variant, clarity = serbo_croatian_variant(words, locale, corpus)
    if variant == "hr" and lang == "hr":
        return "hr", confidence * max(clarity, 0.6), method
    return variant, cluster * clarity, "rules"
