"""Parse the meta line printed under each listing entry into place and period.

Forms found on the site (all real):
  place first:  `Spain Valladolid 2019 - ongoing`, `Norway 2013-`, `Royaume-Uni Leeds 2020`,
                `Ireland QË NGA VITI 2020`, `Italy Fermo January - February 2018`,
                `Switzerland Geneva`, `Switzerland Zurich 2021 (ongoing since 2017)`
  date first:   `18-19 October 2018 Geneva, Switzerland`, `3 October 2022 Cyprus`,
                `September 2018 Mexico City`, `starting from 28 September 2020`,
                `21st September 2020 at 13:00 CET online`
  place only:   `Montreal, Canada`
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_month_names

from corpus.gazetteer import gazetteer, normalize_name

MAX_META_CHARS = 120
# Locales whose month names may appear in periods (`mai 2016`).
MONTH_LOCALES = (
    "en",
    "fr",
    "de",
    "it",
    "es",
    "pt",
    "nl",
    "sq",
    "sr_Latn",
    "hr",
    "bs",
    "sl",
    "el",
    "tr",
    "pl",
    "cs",
    "ro",
    "hu",
    "sv",
    "da",
    "nb",
    "fi",
    "ca",
)
# Words that open a period or mark it as still running, in the site's languages.
# Multi-word phrases first so "që nga viti" wins over "që".
PERIOD_WORDS = (
    "on-going since",
    "ongoing since",
    "që nga viti",
    "që nga",
    "në vazhdim",
    "à partir de",
    "en cours",
    "en curso",
    "in corso",
    "u toku",
    "starting from",
    "since",
    "from",
    "ongoing",
    "on-going",
    "onwards",
    "onward",
    "depuis",
    "desde",
    "dal",
    "dall'",
    "seit",
    "laufend",
    "od",
    "από",
    "itibaren",
)
_PERIOD_WORDS_NORMALIZED = tuple(normalize_name(w) for w in PERIOD_WORDS)
_RUNNING = re.compile(
    r"on-?going|onwards?|since|depuis|desde|seit|laufend|en cours|en curso|in corso|u toku"
    r"|në vazhdim|që nga|\bod\b|από|itibaren|-\s*$|\(ongoing\)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
_CITY_CONNECTORS = {
    "de",
    "del",
    "della",
    "di",
    "la",
    "le",
    "les",
    "sur",
    "am",
    "an",
    "der",
    "upon",
    "on",
    "en",
    "y",
    "i",
    "e",
    "el",
    "da",
    "do",
    "dos",
    "das",
    "d'",
}


@dataclass(frozen=True, slots=True)
class Meta:
    country: str = ""
    country_code: str = ""
    city: str = ""
    period: str = ""
    year_from: int | None = None
    year_to: int | None = None
    form: str = "place"  # "place" (place first), "date" (news date first), "place-only"


def parse_years(period: str) -> tuple[int | None, int | None]:
    """First and last year of a period; no last year while it is still running."""
    years = [int(y) for y in _YEAR.findall(period)]
    year_from = min(years) if years else None
    if _RUNNING.search(period):
        return year_from, None
    return year_from, (max(years) if years else None)


@cache
def _month_words() -> frozenset[str]:
    words: set[str] = set()
    for locale in MONTH_LOCALES:
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            continue
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for name in get_month_names(width, context, locale).values():
                    words.add(normalize_name(name.rstrip(".")))
    return frozenset(w for w in words if len(w) >= 3)


@cache
def _date_re() -> re.Pattern[str]:
    months = "|".join(sorted((re.escape(m) for m in _month_words()), key=len, reverse=True))
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    return re.compile(
        rf"^(?:(?:starting from|from|since)\s+)?"
        rf"(?P<date>(?:{day}(?:\s*[-–]\s*{day})?\s+)?(?:{months})"
        rf"(?:\s*[-–]\s*(?:{day}\s+)?(?:{months}))?\.?,?\s+(?:19|20)\d{{2}})(?=\s|$|,)",
        re.IGNORECASE,
    )


def _starts_period(words: list[str], i: int) -> bool:
    word = words[i]
    if re.match(r"^\(?(?:19|20)\d{2}", word):
        return True
    folded = normalize_name(word)
    if folded in _month_words():
        return True
    rest = normalize_name(" ".join(words[i:]))
    return any(rest == w or rest.startswith(w + " ") for w in _PERIOD_WORDS_NORMALIZED)


def _looks_like_city(words: list[str]) -> bool:
    if not words or len(words) > 5:
        return False
    for word in words:
        if word.lower() in _CITY_CONNECTORS:
            continue
        if not (word[0].isupper() or word[0] == "("):
            return False
    return True


def _parse_place(text: str) -> tuple[str, str, str] | None:
    """`Geneva, Switzerland` / `Cyprus` / `Mexico City` -> (country, code, city)."""
    text = text.strip().strip(",").strip()
    if not text:
        return "", "", ""
    gaz = gazetteer()
    if "," in text:
        city, _, country = text.rpartition(",")
        code = gaz.country_code(country.strip())
        if code and _looks_like_city(city.split()):
            return country.strip(), code, city.strip()
        return None
    code = gaz.country_code(text)
    if code:
        return text, code, ""
    if _looks_like_city(text.split()):
        return "", gaz.city_country(text) or "", text
    return None


def parse_meta(line: str) -> Meta | None:
    """Parse a meta line, or None when the line is not one (a title or a summary)."""
    line = " ".join(line.split())
    if not line or len(line) > MAX_META_CHARS:
        return None
    date = _date_re().match(line)
    if date:
        period = date.group("date")
        rest = line[date.end() :].strip()
        place = ("", "", "") if re.match(r"^(?:at|@|online)\b", rest, re.I) else _parse_place(rest)
        if place is None:
            return None
        country, code, city = place
        if city and not country and code:
            country = gazetteer().english_name(code)
        year_from, year_to = parse_years(period)
        return Meta(country, code, city, period, year_from, year_to, form="date")
    match = gazetteer().match_country_prefix(line)
    if match:
        words = line[match.end :].split()
        split = next((i for i in range(len(words)) if _starts_period(words, i)), len(words))
        city_words, period_words = words[:split], words[split:]
        if city_words and not _looks_like_city(city_words):
            return None
        period = " ".join(period_words)
        year_from, year_to = parse_years(period)
        return Meta(match.printed, match.code, " ".join(city_words), period, year_from, year_to)
    if "," in line:
        place = _parse_place(line)
        if place and place[0]:
            return Meta(place[0], place[1], place[2], form="place-only")
    return None
