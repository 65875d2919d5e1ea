"""The result map and timeline in a real browser: drawn offline, each mark a working filter."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
MAP_SCREENSHOT = REPO / "docs" / "screenshot-map.png"
LABEL = re.compile(r"^(?P<name>.+): (?P<count>\d+) (?:practices?|started)$")


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def total(page: Page) -> int:
    return int(re.match(r"\d+", page.locator("#results-title").inner_text()).group())


def watch_requests(page: Page) -> list[str]:
    seen: list[str] = []

    def on_request(request: Request) -> None:
        seen.append(request.url)

    page.on("request", on_request)
    return seen


def assert_local(urls: list[str], server: LiveServer) -> None:
    assert urls, "no request recorded"
    foreign = [u for u in urls if not (u.startswith(server.url + "/") or u.startswith("data:"))]
    assert foreign == [], "a request left 127.0.0.1"


def test_clicking_a_marker_filters_by_its_city(page: Page, live_server: LiveServer) -> None:
    requests = watch_requests(page)
    page.goto(live_server.url + "/?q=intercultural")
    expect(page.locator("svg.map")).to_be_visible()
    markers = page.locator("svg.map a.map-marker")
    assert markers.count() >= 3
    marker = markers.last  # the smallest, drawn on top of the others
    label = LABEL.match(marker.get_attribute("aria-label") or "")
    assert label, marker.get_attribute("aria-label")
    marker.click()
    page.wait_for_url(re.compile(r"[?&]city="))
    assert params(page)["city"] == [label["name"]]
    assert total(page) == int(label["count"])
    assert_local(requests, live_server)


def test_clicking_a_bar_filters_by_its_year(page: Page, live_server: LiveServer) -> None:
    requests = watch_requests(page)
    page.goto(live_server.url + "/?q=intercultural")
    bars = page.locator("svg.timeline a.timeline-bar")
    assert bars.count() >= 2
    bar = bars.first
    label = LABEL.match(bar.get_attribute("aria-label") or "")
    assert label, bar.get_attribute("aria-label")
    bar.click()
    page.wait_for_url(re.compile(r"[?&]year="))
    assert params(page)["year"] == [label["name"]]
    assert total(page) == int(label["count"])
    assert_local(requests, live_server)


def test_the_map_and_timeline_render_for_the_readme(page: Page, live_server: LiveServer) -> None:
    requests = watch_requests(page)
    page.goto(live_server.url + "/?q=intercultural")
    figure = page.locator("section.result-maps")
    expect(figure).to_be_visible()
    box = page.locator("svg.map").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150  # drawn, not collapsed
    assert page.locator("svg.map path").count() > 20  # country outlines
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figure.screenshot(path=str(ARTIFACTS / "readme-map.png"))
    if os.environ.get("GPSEARCH_UPDATE_SCREENSHOTS") or not MAP_SCREENSHOT.exists():
        shutil.copyfile(ARTIFACTS / "readme-map.png", MAP_SCREENSHOT)
    assert_local(requests, live_server)
