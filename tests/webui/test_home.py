"""The home page (empty search): a starting point for researchers, translators and officers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app
from tests.webui.html import Element, parse


@pytest.fixture(scope="session")
def demo_app(bundled_index: Path) -> Flask:
    """What `make run` serves: the bundled corpus."""
    return make_app(bundled_index)


@pytest.fixture
def demo(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


def _panel(client: FlaskClient, url: str = "/") -> Element | None:
    found = parse(client.get(url).data).find_all("section", "home")
    return found[0] if found else None


def test_examples_are_links_named_with_their_language(client: FlaskClient) -> None:
    examples = _panel(client).find("div", id="home-examples").find_all("li")
    assert len(examples) >= 3
    languages = set()
    for item in examples:
        link = item.find("a")
        assert parse_qs(urlsplit(link.attrs["href"]).query)["q"] == [link.text]
        languages.add(link.attrs["lang"])
    assert len(languages) >= 3, "examples in several languages"
    notes = [i.find("span", "home-note").text for i in examples]
    assert any(n.startswith("Albanian:") for n in notes) and any(
        n.startswith("French:") for n in notes
    )


def test_every_example_finds_practices_in_the_bundled_corpus(demo: FlaskClient) -> None:
    for link in _panel(demo).find("div", id="home-examples").find_all("a"):
        data = demo.get(link.attrs["href"] + "&format=json").get_json()
        assert data["total"] > 0, link.text


def test_untranslated_count_links_to_the_translators_page(demo: FlaskClient) -> None:
    link = _panel(demo).find("div", id="home-translations").find("a")
    assert urlsplit(link.attrs["href"]).path == "/translations"
    report = demo.get("/api/translations").get_json()
    assert link.text.startswith(f"{report['total']} entries are not in their locale")
    assert report["total"] > 0


def test_browse_links_filter_by_language_and_country_with_counts(demo: FlaskClient) -> None:
    browse = _panel(demo).find("div", id="home-browse")
    everything = demo.get("/?format=json").get_json()["facets"]
    for name in ("language", "country"):
        items = browse.find("ul", id=f"home-browse-{name}").find_all("li")
        assert len(items) >= 2
        expected = {fv["value"]: fv["count"] for fv in everything[name]}
        for item in items:
            (value,) = parse_qs(urlsplit(item.find("a").attrs["href"]).query)[name]
            count = int(item.find("span", "count").text)
            assert count == expected[value]
            filtered = demo.get(item.find("a").attrs["href"] + "&format=json").get_json()
            assert filtered["total"] == count


def test_the_bundled_corpus_shows_several_languages_and_locales(demo: FlaskClient) -> None:
    facets = demo.get("/?format=json").get_json()["facets"]
    assert {"en", "fr", "sq", "sr"} <= {fv["value"] for fv in facets["language"]}
    assert len(facets["locale"]) >= 7
    browse = _panel(demo).find("ul", id="home-browse-language").text
    assert "French" in browse and "Serbian" in browse


@pytest.mark.parametrize("url", ["/?q=integration", "/?language=sq", "/?page=2"])
def test_the_panel_leaves_once_the_user_asks_for_something(client: FlaskClient, url: str) -> None:
    assert _panel(client, url) is None
    assert client.get(url + "&format=json").get_json()["home"] is None


def test_the_panel_in_french(client: FlaskClient) -> None:
    panel = _panel(client, "/?lang=fr")
    assert panel.find("h2").text == "Par où commencer"
    notes = [s.text for s in panel.find_all("span", "home-note")]
    assert "albanais : égalité, en albanais" in notes
    link = panel.find("div", id="home-browse").find("a")
    assert "lang=fr" in link.attrs["href"]
