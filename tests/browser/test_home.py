"""The home page in a real browser: each kind of user reaches their main task in one click."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
HOME_SCREENSHOT = REPO / "docs" / "screenshot-home.png"


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def total(page: Page) -> int:
    return int(re.match(r"\d+", page.locator("#results-title").inner_text()).group())


def test_researcher_runs_an_example_search_in_one_click(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    examples = page.locator("#home-examples a")
    assert examples.count() >= 3
    assert len({examples.nth(i).get_attribute("lang") for i in range(examples.count())}) >= 3
    example = page.get_by_role("link", name="barazia", exact=True)
    example.click()
    page.wait_for_url(re.compile(r"q=barazia"))
    assert total(page) > 0
    expect(page.locator(".result .snippet mark, .result-title mark").first).to_be_visible()
    expect(page.locator("section.home")).to_have_count(0)


def test_translator_opens_the_untranslated_list_in_one_click(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    link = page.locator("#home-translations a")
    shown = int(re.match(r"\d+", link.inner_text()).group())
    assert shown > 0
    link.click()
    page.wait_for_url(re.compile(r"/translations"))
    expect(page.locator("#report-title")).to_contain_text(f"{shown} untranslated")
    expect(page.locator("table.report tbody tr").first).to_be_visible()


def test_officer_browses_a_country_in_one_click(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    item = page.locator("#home-browse-country li").first
    country = item.locator("a").inner_text()
    count = int(item.locator(".count").inner_text())
    item.locator("a").click()
    page.wait_for_url(re.compile(r"country="))
    assert total(page) == count
    expect(page.locator(".chips .chip").first).to_contain_text(country)
    places = page.locator(".result .place")
    for i in range(places.count()):
        assert country in places.nth(i).inner_text()


def test_home_screenshot(page: Page, live_server: LiveServer) -> None:
    """The home page of the bundled corpus; written to docs/ for the README."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server.url + "/")
    expect(page.locator("section.home")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "readme-home.png"))
    if os.environ.get("GPSEARCH_UPDATE_SCREENSHOTS") or not HOME_SCREENSHOT.exists():
        shutil.copyfile(ARTIFACTS / "readme-home.png", HOME_SCREENSHOT)
