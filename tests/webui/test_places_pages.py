"""The map, the timeline, near= and the practices nearby as users meet them in the UI."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import make_app
from tests.search.test_places_search import RECORDS, code


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    from corpus import make_entry
    from indexer.build import build_index

    entries = [
        make_entry(
            {"locale": "en", "language": "en", "country_code": code(r["country"]), **r},
            source=f"test:{n}",
        )
        for n, r in enumerate(RECORDS, start=1)
    ]
    index_dir = tmp_path_factory.mktemp("places-ui") / "index"
    build_index(entries, index_dir)
    return make_app(index_dir).test_client()


def test_the_map_has_one_linked_marker_per_located_city(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    markers = re.findall(r'<a href="([^"]+)" class="map-marker" aria-label="([^"]+)"', html)
    labels = {label for _, label in markers}
    assert "Geneva: 2 practices" in labels and "Lyon: 1 practice" in labels
    assert not any(label.startswith("Zzyzxville") for label in labels)  # not located
    url = {label: href for href, label in markers}["Geneva: 2 practices"].replace("&amp;", "&")
    data = client.get(url + ("&" if "?" in url else "?") + "format=json").get_json()
    assert data["filters"] == {"city": ["Geneva"]} and data["total"] == 2


def test_the_timeline_bars_filter_by_year(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    bars = re.findall(r'<a href="([^"]+)" class="timeline-bar" aria-label="([^"]+)"', html)
    assert {label for _, label in bars} == {"2019: 1 started", "2021: 1 started"}
    href = {label: h for h, label in bars}["2021: 1 started"].replace("&amp;", "&")
    data = client.get(href + ("&" if "?" in href else "?") + "format=json").get_json()
    assert data["filters"] == {"year": ["2021"]} and data["results"][0]["title"] == "Study trip"


def test_near_in_the_form_and_the_api(client: FlaskClient) -> None:
    data = client.get("/api/search?near=Ginevra&within_km=50").get_json()
    assert {h["city"] for h in data["results"]} == {"Geneva"}
    assert all(h["distance_km"] == 0.0 for h in data["results"])
    page = client.get("/?near=Ginevra&sort=nearest").get_data(as_text=True)
    assert 'value="nearest" selected' in page and 'id="near"' in page
    bad = client.get("/api/search?near=Genevaa")
    assert bad.status_code == 400 and bad.get_json()["param"] == "near"
    assert "Geneva" in bad.get_json()["error"]
    assert client.get("/api/search?sort=nearest").get_json()["param"] == "sort"


def test_the_entry_page_shows_its_location_and_practices_nearby(client: FlaskClient) -> None:
    hit = client.get("/api/search?q=Welcome+desk").get_json()["results"][0]
    html = client.get(f"/practice/{hit['id']}").get_data(as_text=True)
    assert 'class="map map-location"' in html and "Location: Geneva" in html
    nearby = html.split('id="nearby-title"')[1]
    assert nearby.index("Lyon youth council") < nearby.index("Rome welcomes refugees")
    assert re.search(r"Lyon, France, 11\d km", nearby)
    api = client.get(f"/api/practice/{hit['id']}").get_json()
    assert api["nearby"][0]["city"] == "Lyon" and api["entry"]["place"] == "Geneva"
