"""Server-rendered SVG maps and timelines: valid XML, one linked and named marker per
city, sizes by count, escaped text, no inline styles (the CSP forbids them)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from corpus.place_data import read_centres
from webui.data import make_countries
from webui.maps import COUNTRIES, Bar, Marker, location_svg, timeline_svg, world_map_svg

SVG = "{http://www.w3.org/2000/svg}"
EUROPE_MARKERS = [
    Marker("Geneva", 46.20, 6.14, 3, "/search?city=Geneva", "Geneva: 3 entries"),
    Marker("Oslo", 59.91, 10.75, 6, "/search?city=Oslo", "Oslo: 6 entries"),
    Marker("Lisbon", 38.72, -9.14, 4, "/search?city=Lisbon&q=a", "Lisbon: 4 entries"),
    Marker("Lutsk", 50.75, 25.34, 1, "/search?city=Lutsk", "Lutsk: 1 entry"),
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def markers(root: ET.Element) -> list[ET.Element]:
    return [a for a in root.iter(f"{SVG}a") if "map-marker" in a.get("class", "")]


def in_box(root: ET.Element, circle: ET.Element) -> bool:
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    x, y = float(circle.get("cx", "nan")), float(circle.get("cy", "nan"))
    return 0 <= x <= width and 0 <= y <= height


def test_one_linked_named_marker_per_city() -> None:
    root = parse(world_map_svg(EUROPE_MARKERS, width=600, height=400, title="Where"))
    found = {a.get("href"): a for a in markers(root)}
    assert set(found) == {m.url for m in EUROPE_MARKERS}
    for m in EUROPE_MARKERS:
        a = found[m.url]
        assert a.get("aria-label") == m.label
        assert a.findtext(f"{SVG}title") == m.label
        circle = a.find(f"{SVG}circle")
        assert circle is not None and in_box(root, circle), m.name
    assert root.findtext(f"{SVG}title") == "Where"
    assert root.get("role") == "group"  # not "img", which would hide the links


def test_marker_area_grows_with_the_count() -> None:
    root = parse(world_map_svg(EUROPE_MARKERS))
    radius = {a.get("href"): float(a.find(f"{SVG}circle").get("r")) for a in markers(root)}  # type: ignore[union-attr]
    by_count = sorted(EUROPE_MARKERS, key=lambda m: m.count)
    sizes = [radius[m.url] for m in by_count]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    oslo, geneva = radius["/search?city=Oslo"], radius["/search?city=Geneva"]
    assert (oslo / geneva) ** 2 == pytest.approx(6 / 3, rel=0.01)  # area ~ count


def test_european_markers_show_europe_and_far_ones_widen_the_view() -> None:
    europe = parse(world_map_svg(EUROPE_MARKERS))
    drawn = {p.get("data-country") for p in europe.iter(f"{SVG}path")}
    assert {"FR", "DE", "NO", "PT", "UA", "GB", "IT"} <= drawn
    assert "AU" not in drawn and "US" not in drawn
    far = [*EUROPE_MARKERS, Marker("Auckland", -36.85, 174.76, 1, "/a", "Auckland: 1")]
    world = parse(world_map_svg(far))
    assert all(in_box(world, a.find(f"{SVG}circle")) for a in markers(world))  # type: ignore[arg-type]
    assert "NZ" in {p.get("data-country") for p in world.iter(f"{SVG}path")}


def test_an_empty_result_set_draws_europe_without_markers() -> None:
    root = parse(world_map_svg([]))
    assert markers(root) == []
    assert "FR" in {p.get("data-country") for p in root.iter(f"{SVG}path")}


def test_hostile_names_and_urls_are_escaped() -> None:
    evil = '<script>alert(1)</script>" onload="x'
    hostile = [Marker(evil, 48.85, 2.35, 2, '/s?city="><script>', f"{evil}: 2")]
    for svg in (
        world_map_svg(hostile, title=evil),
        timeline_svg([Bar(2020, 1, '/s?year="><x>', evil)], title=evil),
        location_svg(48.85, 2.35, evil),
    ):
        root = parse(svg)
        assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))
        assert all("onload" not in el.attrib for el in root.iter())
        assert evil in {
            root.findtext(f"{SVG}title"),
            *(a.get("aria-label") for a in root.iter(f"{SVG}a")),
        }


def test_timeline_bars_link_each_year_with_labels() -> None:
    bars = [Bar(y, c, f"/search?year={y}", f"{y}: {c} entries")
            for y, c in [(2009, 1), (2013, 2), (2018, 9), (2022, 5)]]  # fmt: skip
    root = parse(timeline_svg(bars, title="Entries by year"))
    links = [a for a in root.iter(f"{SVG}a") if "timeline-bar" in a.get("class", "")]
    assert [a.get("href") for a in links] == [b.url for b in bars]
    assert [a.get("aria-label") for a in links] == [b.label for b in bars]
    heights = {a.get("href"): float(a.find(f"{SVG}rect").get("height")) for a in links}  # type: ignore[union-attr]
    assert max(heights, key=heights.__getitem__) == "/search?year=2018"
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "2009" in labels and "2022" in labels
    xs = [float(a.find(f"{SVG}rect").get("x")) for a in links]  # type: ignore[union-attr]
    assert xs == sorted(xs) and (xs[1] - xs[0]) > (xs[3] - xs[2]) / 2  # years keep their gaps


def test_location_map_centres_the_place() -> None:
    root = parse(location_svg(60.39, 5.32, "Bergen"))
    assert root.get("aria-label") == "Bergen" and root.get("role") == "img"
    here = next(c for c in root.iter(f"{SVG}circle") if c.get("class") == "map-here")
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert float(here.get("cx", 0)) == pytest.approx(width / 2, abs=1)
    assert float(here.get("cy", 0)) == pytest.approx(height / 2, abs=1)
    assert "NO" in {p.get("data-country") for p in root.iter(f"{SVG}path")}


@pytest.mark.parametrize(
    "svg",
    [
        world_map_svg(EUROPE_MARKERS),
        timeline_svg([Bar(2020, 3, "/y", "2020: 3")]),
        location_svg(46.2, 6.14, "Geneva"),
    ],
)
def test_no_inline_styles(svg: str) -> None:
    root = parse(svg)
    assert all("style" not in el.attrib for el in root.iter())
    assert not list(root.iter(f"{SVG}style")) and "<style" not in svg


def test_committed_outlines_are_compact_and_coded() -> None:
    assert COUNTRIES.stat().st_size < 150_000
    data = json.loads(COUNTRIES.read_text(encoding="utf-8"))
    codes = {c["code"] for c in data["countries"]}
    assert {"FR", "NO", "GB", "UA", "XK", "CY", "AU", "NZ", "CA", "MX"} <= codes
    centres = read_centres()
    france = centres["FR"]
    assert math.dist((france[0], france[1]), (46.6, 2.4)) < 1.5  # inside mainland France
    norway = centres["NO"]
    assert 4.5 < norway[1] < 12 and 58 < norway[0] < 66  # not in Sweden


def test_topojson_decoding_undoes_quantisation_and_deltas() -> None:
    """A 2x2 square in quantised, delta-encoded arcs, one of them used reversed."""
    topo = {
        "transform": {"scale": [0.5, 0.25], "translate": [10, 40]},
        "arcs": [[[0, 0], [4, 0], [0, 8]], [[0, 0], [0, 8], [4, 0]]],
        "objects": {"countries": {"geometries": [
            {"type": "Polygon", "arcs": [[0, ~1]], "id": "250", "properties": {"name": "F"}},
        ]}},
    }  # fmt: skip
    arcs = make_countries.decode_arcs(topo)
    assert arcs[0] == [(10, 40), (12, 40), (12, 42)]
    ring = make_countries.ring_points([0, ~1], arcs)
    assert ring == [(10, 40), (12, 40), (12, 42), (10, 42), (10, 40)]
    (country,) = make_countries.convert(topo)
    assert country["code"] == "FR" and country["centre"] == [11.0, 41.0]
    assert re.fullmatch(r"[A-Z]{2}", country["code"])
