"""Server-rendered SVG maps and timelines: no tiles, no scripts, no external requests.

Pure functions returning markupsafe.Markup. Country outlines come from
`data/countries-110m.json` (Natural Earth, see data/README.md), parsed once per process.
The projection is equirectangular with x scaled by cos(centre latitude), which is close to
true shape at European scale. No `style` attributes (the Content-Security-Policy allows
only the site's stylesheets): presentation attributes and the classes of static/maps.css.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from markupsafe import Markup, escape

COUNTRIES = Path(__file__).with_name("data") / "countries-110m.json"
EUROPE = (-12.0, 34.0, 36.0, 64.0)  # lon_min, lat_min, lon_max, lat_max: the default view
MIN_SPAN_DEG = 12.0  # a view narrower than this shows too little to recognise
MAX_RADIUS, MIN_RADIUS = 22.0, 4.0
OUTLINE_CACHE = 16  # views whose country paths are kept (~100 KB each at world scale)


@dataclass(frozen=True)
class Marker:
    name: str
    lat: float
    lon: float
    count: int
    url: str
    label: str  # accessible name: "Geneva: 3 entries"


@dataclass(frozen=True)
class Bar:
    year: int
    count: int
    url: str
    label: str


@dataclass(frozen=True)
class _Country:
    code: str
    bbox: tuple[float, float, float, float]
    rings: tuple[tuple[float, ...], ...]


@cache
def _countries() -> tuple[_Country, ...]:
    data = json.loads(COUNTRIES.read_text(encoding="utf-8"))
    countries = []
    for c in data["countries"]:
        rings = tuple(tuple(r) for r in c["rings"])
        lons = [v for r in rings for v in r[0::2]]
        lats = [v for r in rings for v in r[1::2]]
        countries.append(_Country(c["code"], (min(lons), min(lats), max(lons), max(lats)), rings))
    return tuple(countries)


class _Projection:
    def __init__(self, view: tuple[float, float, float, float], width: int, height: int) -> None:
        lon0, lat0, lon1, lat1 = view
        self.k = math.cos(math.radians((lat0 + lat1) / 2))
        # Fit the view into the box, keeping the aspect ratio, centred.
        sx = width / max((lon1 - lon0) * self.k, 1e-9)
        sy = height / max(lat1 - lat0, 1e-9)
        self.s = min(sx, sy)
        self.cx, self.cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        self.w, self.h = width, height

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.w / 2 + (lon - self.cx) * self.k * self.s,
            self.h / 2 - (lat - self.cy) * self.s,
        )

    def visible(self) -> tuple[float, float, float, float]:
        half_lon = self.w / 2 / (self.k * self.s)
        half_lat = self.h / 2 / self.s
        return self.cx - half_lon, self.cy - half_lat, self.cx + half_lon, self.cy + half_lat


def _view(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    """Bounding box of the (lat, lon) points with padding, widened to all of Europe when
    they lie in it (a few markers alone would zoom in too far to recognise)."""
    if not points:
        return EUROPE
    lons, lats = [p[1] for p in points], [p[0] for p in points]
    pad_lon = max((max(lons) - min(lons)) * 0.1, 2.0)
    pad_lat = max((max(lats) - min(lats)) * 0.1, 1.5)
    lon0, lat0 = max(min(lons) - pad_lon, -180.0), max(min(lats) - pad_lat, -85.0)
    lon1, lat1 = min(max(lons) + pad_lon, 180.0), min(max(lats) + pad_lat, 85.0)
    e = EUROPE
    near_europe = e[0] - 10 <= lon0 and lon1 <= e[2] + 15 and e[1] - 8 <= lat0 and lat1 <= 75
    if near_europe:
        return min(lon0, e[0]), min(lat0, e[1]), max(lon1, e[2]), max(lat1, e[3])
    if lon1 - lon0 < MIN_SPAN_DEG:
        mid = (lon0 + lon1) / 2
        lon0, lon1 = mid - MIN_SPAN_DEG / 2, mid + MIN_SPAN_DEG / 2
    if lat1 - lat0 < MIN_SPAN_DEG / 2:
        mid = (lat0 + lat1) / 2
        lat0, lat1 = mid - MIN_SPAN_DEG / 4, mid + MIN_SPAN_DEG / 4
    return lon0, lat0, lon1, lat1


@lru_cache(maxsize=OUTLINE_CACHE)
def _outlines(view: tuple[float, float, float, float], width: int, height: int) -> str:
    """The country paths of one view, drawn once: the same result set (a browse page, a
    filter) gives the same view, and the paths are most of the rendering time."""
    return _outline_paths(_Projection(view, width, height))


def _outline_paths(proj: _Projection) -> str:
    v0, v1, v2, v3 = proj.visible()
    paths = []
    for country in _countries():
        b = country.bbox
        if b[2] < v0 or b[0] > v2 or b[3] < v1 or b[1] > v3:
            continue
        d = []
        for ring in country.rings:
            pts = [proj(ring[i], ring[i + 1]) for i in range(0, len(ring), 2)]
            d.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
        code = escape(country.code or "none")
        paths.append(f'<path class="map-country" data-country="{code}" d="{"".join(d)}"/>')
    return "".join(paths)


def _svg_open(width: int, height: int, title: str, css_class: str, role: str) -> str:
    """role "img" for a picture, "group" when it holds links (an img hides its children
    from assistive technology)."""
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="{role}"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' aria-label="{t}"><title>{t}</title>'
        f'<rect class="map-sea" x="0" y="0" width="{width}" height="{height}" fill="#eef4fb"/>'
    )


def marker_radius(count: int, largest: int) -> float:
    """Circle radius with area proportional to the count."""
    if largest <= 0 or count <= 0:
        return MIN_RADIUS
    return max(MIN_RADIUS, MAX_RADIUS * math.sqrt(count / largest))


def world_map_svg(
    markers: Sequence[Marker], *, width: int = 640, height: int = 400, title: str = "Map"
) -> Markup:
    """Outlines and one linked circle per marker (area ~ count; the biggest drawn first so
    that small ones stay clickable on top)."""
    view = _view([(m.lat, m.lon) for m in markers])
    proj = _Projection(view, width, height)
    largest = max((m.count for m in markers), default=0)
    parts = [_svg_open(width, height, title, "map", "group"), '<g class="map-land">']
    parts += [_outlines(view, width, height), '</g><g class="map-markers">']
    for m in sorted(markers, key=lambda m: -m.count):
        x, y = proj(m.lon, m.lat)
        r = marker_radius(m.count, largest)
        label = escape(m.label)
        parts.append(
            f'<a href="{escape(m.url)}" class="map-marker" aria-label="{label}">'
            f"<title>{label}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#0b5cad" fill-opacity="0.7"'
            f' stroke="#ffffff" stroke-width="1.5"/></a>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


def location_svg(
    lat: float, lon: float, name: str, *, width: int = 240, height: int = 160
) -> Markup:
    """A small map centred on one place, with a dot and its name as the accessible name."""
    half = 7.0
    view = (lon - half / max(math.cos(math.radians(lat)), 0.2), lat - half / 1.6,
            lon + half / max(math.cos(math.radians(lat)), 0.2), lat + half / 1.6)  # fmt: skip
    proj = _Projection(view, width, height)
    x, y = proj(lon, lat)
    parts = [_svg_open(width, height, name, "map map-location", "img"), '<g class="map-land">']
    parts += [
        _outline_paths(proj),
        "</g>",
        f'<circle class="map-here" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#c62828"'
        ' stroke="#ffffff" stroke-width="2"/></svg>',
    ]
    return Markup("".join(parts))


def timeline_svg(
    bars: Sequence[Bar], *, width: int = 640, height: int = 160, title: str = "Timeline"
) -> Markup:
    """One linked bar per year (years without entries leave a gap), with year labels."""
    left, bottom, top = 28, 22, 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="group"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    if not bars:
        parts.append("</svg>")
        return Markup("".join(parts))
    first, last = min(b.year for b in bars), max(b.year for b in bars)
    slots = last - first + 1
    slot = (width - left) / slots
    largest = max(b.count for b in bars) or 1
    plot = height - bottom - top
    base = height - bottom
    parts.append(
        f'<line class="timeline-axis" x1="{left}" y1="{base}" x2="{width}" y2="{base}"'
        ' stroke="#57606a"/>'
        f'<text class="timeline-label" x="{left - 4}" y="{top + 8}" text-anchor="end"'
        f' font-size="10">{largest}</text>'
    )
    step = max(1, math.ceil(slots / max(1, int((width - left) / 36))))
    for bar in sorted(bars, key=lambda b: b.year):
        i = bar.year - first
        h = max(1.0, plot * bar.count / largest)
        x = left + i * slot + slot * 0.1
        label = escape(bar.label)
        parts.append(
            f'<a href="{escape(bar.url)}" class="timeline-bar" aria-label="{label}">'
            f"<title>{label}</title>"
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}"'
            ' fill="#0b5cad"/></a>'
        )
        if i % step == 0 or bar.year == last:
            parts.append(
                f'<text class="timeline-label" x="{x + slot * 0.4:.1f}" y="{height - 6}"'
                f' text-anchor="middle" font-size="10">{bar.year}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
