"""Topics in a real browser: pick a topic in the facet, counts change and a chip appears;
the French interface names the topics in French."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from indexer.topics import load_taxonomy
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def total(page: Page) -> int:
    return int(re.match(r"\d+", page.locator("#results-title").inner_text()).group())


def counts(page: Page, facet: str) -> dict[str, int]:
    boxes = page.locator(f"#facet-{facet} input[type=checkbox]")
    found = {}
    for i in range(boxes.count()):
        value = boxes.nth(i).get_attribute("value")
        found[value] = int(page.locator(f"#facet-{facet} .count").nth(i).text_content())
    return found


def test_picking_a_topic_changes_counts_and_shows_a_chip(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    everything = total(page)
    languages_before = counts(page, "language")
    topics = counts(page, "topic")
    assert len(topics) >= 3
    topic = next(iter(topics))  # the most common one, listed first
    page.locator(f"#facet-topic input[value='{topic}']").check()  # JS follows its toggle URL
    page.wait_for_url(re.compile(f"topic={topic}"))
    assert parse_qs(urlsplit(page.url).query)["topic"] == [topic]
    assert total(page) == topics[topic] < everything
    expect(page.locator(f"#facet-topic input[value='{topic}']")).to_be_checked()
    assert counts(page, "language") != languages_before  # the other facets narrowed
    name = load_taxonomy().get(topic).names["en"]
    expect(page.locator(".chips .chip")).to_have_count(1)
    expect(page.locator(".chips .chip").first).to_contain_text(f"Topic: {name}")
    page.locator(".chips .chip-remove").first.click()
    page.wait_for_load_state()
    expect(page.locator(".chips")).to_have_count(0)
    assert total(page) == everything


def test_french_interface_shows_french_topic_names(page: Page, live_server: LiveServer) -> None:
    taxonomy = load_taxonomy()
    page.goto(live_server.url + "/?lang=fr")
    expect(page.locator("#facet-topic legend")).to_have_text("Thème")
    labels = page.locator("#facet-topic .facet-label").all_text_contents()
    values = [
        page.locator("#facet-topic input[type=checkbox]").nth(i).get_attribute("value")
        for i in range(len(labels))
    ]
    assert labels == [taxonomy.get(v).names["fr"] for v in values]
    browse = page.locator("#home-browse-topic a").first
    expect(browse).to_be_visible()
    browse.click()
    page.wait_for_url(re.compile(r"topic="))
    expect(page.locator(".chips .chip").first).to_contain_text("Thème : ")
    page.locator(".result-title a").first.click()
    expect(page.locator("ul.topics a").first).to_be_visible()
    first = page.locator("ul.topics a").first
    assert first.inner_text() == taxonomy.get(first.get_attribute("data-topic")).names["fr"]
