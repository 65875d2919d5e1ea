"""Topics in the web UI and API: facet, chips, entry page links, translators' filter,
/api/topics and the home page's browse entry point, in English and French."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from indexer.topics import load_taxonomy
from tests.conftest import make_app
from tests.webui.html import parse

FRENCH = {"Accept-Language": "fr"}
TOPICS = load_taxonomy()


def _topic_groups(data: dict) -> dict[str, str]:
    return {
        v["value"]: v["label"]
        for g in data["facet_groups"]
        if g["name"] == "topic"
        for v in g["values"] + g["more"]
    }


def _most_common(client: FlaskClient) -> tuple[str, int]:
    facet = client.get("/api/facets").get_json()["facets"]["topic"]
    return facet[0]["value"], facet[0]["count"]


def test_topic_facet_labels_are_the_taxonomy_names_in_the_ui_language(
    client: FlaskClient,
) -> None:
    english = _topic_groups(client.get("/?format=json").get_json())
    french = _topic_groups(client.get("/?format=json&lang=fr").get_json())
    assert english and english.keys() == french.keys()
    for topic_id in english:
        names = TOPICS.get(topic_id).names
        assert english[topic_id] == names["en"] and french[topic_id] == names["fr"]
    page = parse(client.get("/", headers=FRENCH).data)
    assert page.find("fieldset", id="facet-topic").find("legend").text == "Thème"


def test_selecting_a_topic_filters_and_shows_a_chip(client: FlaskClient) -> None:
    topic, count = _most_common(client)
    everything = client.get("/api/search").get_json()["total"]
    assert 0 < count < everything
    data = client.get(f"/api/search?topic={topic}&per_page=50").get_json()
    assert data["total"] == count
    assert all(topic in h["topics"] or h["versions"] for h in data["results"])
    assert any(topic in h["topics"] for h in data["results"])
    name = TOPICS.get(topic).names
    chips = parse(client.get(f"/?topic={topic}").data).find("ul", "chips").text
    assert f"Topic: {name['en']}" in chips
    chips_fr = parse(client.get(f"/?topic={topic}&lang=fr").data).find("ul", "chips").text
    assert f"Thème : {name['fr']}" in chips_fr


def test_topic_in_the_query_syntax(client: FlaskClient) -> None:
    topic, count = _most_common(client)
    french_name = TOPICS.get(topic).names["fr"]
    by_id = client.get(f"/api/search?q=topic:{topic}").get_json()
    by_name = client.get(f'/api/search?q=topic:"{french_name}"').get_json()
    assert by_id["total"] == by_name["total"] == count


def test_entry_page_lists_its_topics_with_links(client: FlaskClient) -> None:
    hit = client.get("/api/search?q=integration").get_json()["results"][0]
    page = parse(client.get(f"/practice/{hit['id']}").data)
    links = page.find("ul", "topics").find_all("a")
    assert [a.attrs["data-topic"] for a in links] == hit["topics"]
    assert [a.text for a in links] == [TOPICS.get(t).names["en"] for t in hit["topics"]]
    href = links[0].attrs["href"]
    assert parse_qs(urlsplit(href).query)["topic"] == [hit["topics"][0]]
    ids = {
        h["id"]
        for h in client.get(href + "&format=json&versions=all&per_page=100").get_json()["results"]
    }
    assert hit["id"] in ids
    french = parse(client.get(f"/practice/{hit['id']}", headers=FRENCH).data)
    names = [a.text for a in french.find("ul", "topics").find_all("a")]
    assert names == [TOPICS.get(t).names["fr"] for t in hit["topics"]]


def test_api_practice_and_export_carry_topic_scores(client: FlaskClient) -> None:
    hit = client.get("/api/search?q=integration").get_json()["results"][0]
    entry = client.get(f"/api/practice/{hit['id']}").get_json()["entry"]
    assert entry["topics"] == hit["topics"]
    assert [s["topic"] for s in entry["topic_scores"]] == entry["topics"]
    assert all(0 <= s["confidence"] <= 1 for s in entry["topic_scores"])


def test_api_topics_lists_every_topic_with_names_and_counts(client: FlaskClient) -> None:
    data = client.get("/api/topics").get_json()
    assert [t["id"] for t in data["topics"]] == list(TOPICS.ids)
    facet = {
        v["value"]: v["count"]
        for v in client.get("/api/facets?versions=all").get_json()["facets"]["topic"]
    }
    for topic in data["topics"]:
        assert topic["names"]["en"] and topic["names"]["fr"] and topic["description"]["fr"]
        assert topic["count"] == facet.get(topic["id"], 0)
    assert sum(t["count"] for t in data["topics"]) >= sum(1 for _ in facet)


@pytest.fixture(scope="module")
def demo(bundled_index: Path) -> FlaskClient:
    """The bundled corpus: untranslated entries of several topics."""
    return make_app(bundled_index).test_client()


def test_translators_page_filters_by_topic(demo: FlaskClient) -> None:
    client = demo
    report = client.get("/api/translations").get_json()
    groups = {g["name"]: g for g in report["facet_groups"]}
    assert "topic" in groups
    value = groups["topic"]["values"][0]
    filtered = client.get(f"/api/translations?topic={value['value']}").get_json()
    assert filtered["total"] == value["count"] < report["total"]
    for row in filtered["rows"]:
        entry = client.get(f"/api/practice/{row['id']}").get_json()["entry"]
        assert value["value"] in entry["topics"]
    assert value["label"] == TOPICS.get(value["value"]).names["en"]
    french = client.get("/translations?format=json&lang=fr").get_json()
    labels = [
        v["label"] for g in french["facet_groups"] if g["name"] == "topic" for v in g["values"]
    ]
    assert labels[0] == TOPICS.get(value["value"]).names["fr"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_home_page_offers_topics_to_browse(client: FlaskClient, lang: str) -> None:
    page = parse(client.get(f"/?lang={lang}").data)
    items = page.find("ul", id="home-browse-topic").find_all("li")
    facets = {
        v["value"]: v["count"] for v in client.get("/api/facets").get_json()["facets"]["topic"]
    }
    assert items
    for item in items:
        href = item.find("a").attrs["href"]
        (topic,) = parse_qs(urlsplit(href).query)["topic"]
        assert TOPICS.get(topic).names[lang] in item.text
        assert int(item.find("span", "count").text) == facets[topic]
        assert client.get(href + "&format=json").get_json()["total"] == facets[topic]


def test_results_show_their_topics_as_links_in_the_ui_language(client: FlaskClient) -> None:
    hits = client.get("/api/search?q=integration").get_json()["results"]
    for lang in ("en", "fr"):
        page = parse(client.get(f"/?q=integration&lang={lang}").data)
        first = page.find("li", "result")
        badges = first.find_all("a", "badge-topic")
        assert [a.attrs["data-topic"] for a in badges] == hits[0]["topics"]
        assert [a.text for a in badges] == [TOPICS.get(t).names[lang] for t in hits[0]["topics"]]
        assert all("topic=" in a.attrs["href"] for a in badges)
