"""Places at query time: entries located where a query says, `near=` and distances.

Every entry carries its coordinates (float32 arrays, NaN where the city was not found:
a country-centre fallback is a guess, so it never counts as "within" a radius) and its
place key (a metadata column). The place tables the build saved are memory-mapped
(indexer.places.load_book), so a query process pays for the pages a lookup touches.

A query word or phrase that names a place present in the index (`Ginevra`, `Londres`,
`Луцьк`) scores the entries located there above those that merely mention it; a word
that names a country (`Norvège`, `Kıbrıs`) does the same for that country's entries.
Ambiguous names (`Roma` the people) are places only when the query says so: `city:Roma`,
`near:Roma`.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from corpus.gazetteer import gazetteer
from corpus.places import (
    DEFAULT_RADIUS_KM,
    NearPoint,
    Place,
    PlaceBook,
    UnknownPlace,
    haversine_km_array,
)
from indexer.places import load_book, load_local
from search.models import SearchError

# A located entry's score, as a multiple of the best text score of the word that named
# its place: above every entry that only mentions the name.
LOCATED_WEIGHT = 1.2
COUNTRY_WEIGHT = 1.1
MIN_COUNTRY_CHARS = 4  # "no", "it", "de" are words, not Norway, Italy and Germany
NAMED_CACHE = 4096  # query words whose places are remembered (a few hundred bytes each)
KM_PER_DEGREE = 111.19  # of latitude (2 pi R / 360): the band a radius can reach


class Geo:
    """One snapshot's places: coordinates, place keys, the generation's place tables."""

    def __init__(self, snap: Any) -> None:
        # A proxy, not a reference: the snapshot holds its Geo, and a cycle between them
        # would outlive the snapshot in a server's worker, whose objects inherited from
        # the master are frozen out of the collector's reach (webui.server).
        self.snap = weakref.proxy(snap)
        self.lat = snap.data.coordinates.get("lat")
        self.lon = snap.data.coordinates.get("lon")
        self._named: dict[tuple[str, bool], list[Place]] = {}  # query words -> places

    @cached_property
    def book(self) -> PlaceBook | None:
        return load_book(self.snap.gen.path)

    @cached_property
    def local(self) -> PlaceBook | None:
        """The places of this index (and their cities): what query words are matched to."""
        return load_local(self.snap.gen.path, self.keys)

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(k for k in self.snap.data.values.get("place_key", ()) if k)

    @property
    def available(self) -> bool:
        return self.book is not None and self.lat is not None

    # --- names ------------------------------------------------------------------------

    def named(self, text: str, *, explicit: bool = False) -> list[Place]:
        """Places of this index that `text` names (explicit: the text is a place name)."""
        if not self.available or not text.strip():
            return []
        assert self.book is not None
        key = (text, explicit)
        found = self._named.get(key)
        if found is None:  # a lookup tries up to 8 romanisations: ~1 ms for a plain word
            if len(self._named) >= NAMED_CACHE:
                self._named.clear()
            local = self.local
            assert local is not None
            found = self._named[key] = local.match_names(text, explicit=explicit, among=self.keys)
        return found

    def located(self, places: list[Place]) -> np.ndarray:
        """Entries whose place is one of `places` (a city's boroughs come with it)."""
        codes = self._place_codes
        chosen = np.zeros(len(codes), dtype=bool)  # per code, then one gather (np.isin sorted)
        chosen[[codes[p.key] for p in places if p.key in codes]] = True
        return chosen[self.snap.data.columns["place_key"]]

    @cached_property
    def _place_codes(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.snap.data.values["place_key"])}

    def word_bonus(self, text: str, text_scores: np.ndarray) -> np.ndarray | None:
        """Scores for the entries located in the place (or country) a query word names."""
        if places := self.named(text):
            mask = self.located(places) & self.snap.alive
            best = float(text_scores.max()) if len(text_scores) else 0.0
            return np.multiply(mask, np.float32(LOCATED_WEIGHT * max(best, 1.0)))
        if len(text) < MIN_COUNTRY_CHARS or not gazetteer().country_code(text):
            return None
        # An entry's country is in its indexed place field under its printed and English
        # names: only the entries a name in another language (`Norvège`) missed need a score,
        # that of the country's entries that have it.
        mask = self.snap.column_mask("country", (text,)) & self.snap.alive & (text_scores <= 0)
        if not mask.any():
            return None
        found = text_scores[self.snap.column_mask("country", (text,))]
        level = float(found.max()) if found.size and found.max() > 0 else 1.0
        return np.multiply(mask, np.float32(COUNTRY_WEIGHT * level))

    def city_mask(self, value: str) -> np.ndarray | None:
        """Entries located in the city `city:` names in any language (None: no such place)."""
        places = self.named(value, explicit=True)
        return self.located(places) if places else None

    # --- near ---------------------------------------------------------------------------

    def point(self, value: str, parameter: str = "near") -> NearPoint:
        """`near=`: a place name in any language or `lat,lon`; SearchError naming the
        parameter (with close matches) when it is neither."""
        if not self.available:
            raise SearchError(parameter, "this index has no place data; rebuild it")
        assert self.book is not None
        try:
            return self.book.parse_near(value, parameter=parameter)
        except UnknownPlace as exc:
            hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            raise SearchError(parameter, f"unknown place {value!r}{hint}") from None
        except ValueError as exc:
            raise SearchError(parameter, str(exc).partition(": ")[2] or str(exc)) from None

    def distances(self, point: NearPoint) -> np.ndarray:
        """Every entry's distance in km from the point (NaN where not located)."""
        if self.lat is None or self.lon is None:
            return np.full(self.snap.n, np.nan)
        return haversine_km_array(point.lat, point.lon, self.lat, self.lon)

    def within(self, point: NearPoint, km: float = DEFAULT_RADIUS_KM) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return self.distances(point) <= km

    # --- facets -------------------------------------------------------------------------

    @cached_property
    def city_points(self) -> dict[str, tuple[float, float]]:
        """Each city facet value's coordinates (of its first located entry)."""
        if self.lat is None or self.lon is None:
            return {}
        codes = self.snap.data.columns["city"]
        located = np.flatnonzero(self.snap.alive & ~np.isnan(self.lat))
        found, first = np.unique(codes[located], return_index=True)
        values = self.snap.data.values["city"]
        rows = located[first]
        return {
            values[int(code)]: (round(float(self.lat[r]), 5), round(float(self.lon[r]), 5))
            for code, r in zip(found.tolist(), rows.tolist(), strict=True)
            if values[int(code)]
        }


@dataclass(frozen=True, slots=True)
class NearFilter:
    """A request's `near` resolved: the point, the radius, distances and the mask."""

    point: NearPoint
    km: float
    distances: np.ndarray  # km from the point (NaN: not located, or outside the radius' band)
    mask: np.ndarray  # entries within km (located ones only)

    def sort_key(self, candidates: np.ndarray) -> np.ndarray:
        """Larger is nearer; entries without a location last."""
        return np.nan_to_num(-self.distances[candidates], nan=-np.inf)

    def distance(self, docnum: int) -> float | None:
        value = float(self.distances[docnum])
        return None if math.isnan(value) else round(value, 1)


def near_filter(snap: Any, near: str, km: float | None) -> NearFilter | None:
    """The request's `near`/`within_km` over a snapshot (None without `near`)."""
    if not near:
        return None
    point = snap.geo.point(near)
    radius = DEFAULT_RADIUS_KM if km is None else float(km)
    geo = snap.geo
    distances = np.full(snap.n, np.nan)
    if geo.lat is not None and geo.lon is not None:
        # Only the latitude band the radius spans can be within it (a degree of latitude
        # is ~111 km everywhere): at 100k entries this skips most of the trigonometry.
        with np.errstate(invalid="ignore"):
            band = np.flatnonzero(np.abs(geo.lat - point.lat) <= radius / KM_PER_DEGREE + 0.01)
        distances[band] = haversine_km_array(point.lat, point.lon, geo.lat[band], geo.lon[band])
    with np.errstate(invalid="ignore"):
        mask = distances <= radius
    return NearFilter(point, radius, distances, mask)


def nearby(snap: Any, docnum: int, limit: int) -> list[tuple[int, float]]:
    """Entries of the nearest other cities (one per city, nearest first), with distances:
    what the entry page lists beside similar practices."""
    geo = snap.geo
    if geo.lat is None or geo.lon is None or math.isnan(float(geo.lat[docnum])):
        return []
    point = NearPoint(float(geo.lat[docnum]), float(geo.lon[docnum]))
    distances = geo.distances(point)
    cities = snap.data.columns["city"]
    own = cities[docnum]
    candidates = np.flatnonzero(snap.alive & (cities != own) & ~np.isnan(distances))
    order = candidates[np.argsort(distances[candidates], kind="stable")]
    found: list[tuple[int, float]] = []
    seen: set[int] = set()
    for d in order.tolist():
        if cities[d] in seen:
            continue
        seen.add(int(cities[d]))
        found.append((d, round(float(distances[d]), 1)))
        if len(found) == limit:
            break
    return found


def city_places(snap: Any, values: Iterable[Any]) -> dict[str, dict[str, float]]:
    """Coordinates of the city facet values that are located (the map's markers)."""
    points = snap.geo.city_points
    found = {}
    for facet_value in values:
        point = points.get(facet_value.value)
        if point is not None:
            found[facet_value.value] = {"lat": point[0], "lon": point[1]}
    return found
