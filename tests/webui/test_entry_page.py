"""The practice page: full entry, original link, versions, similar practices, 404s."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.webui.html import parse

GENDER = "en-gender-responsive-budgeting-to-improve-3fe2f3a1"
ALBANIAN = "en-krijimi-i-kushteve-per-nje-strategji-per-0d23a523"


def test_practice_page_shows_entry_metadata_and_original_link(client: FlaskClient) -> None:
    response = client.get(f"/practice/{GENDER}")
    assert response.status_code == 200
    page = parse(response.data)
    h1 = page.find("h1")
    assert h1.text.startswith("Gender-responsive budgeting") and h1.attrs["lang"] == "en"
    assert page.find("p", "summary").attrs["lang"] == "en"
    facts = page.find("dl", "facts").text
    for expected in ("Good practice", "English", "/en/", "France", "Strasbourg", "Since 2022"):
        assert expected in facts
    original = page.find("dl", "facts").find("a")
    assert original.attrs["href"] == "https://www.coe.int/en/web/interculturalcities/good-practice"
    assert "noopener" in original.attrs["rel"]


def test_practice_page_lists_similar_practices_in_other_cities(client: FlaskClient) -> None:
    page = parse(client.get(f"/practice/{GENDER}").data)
    similar = page.find("section", "similar")
    assert similar.find("h2").text == "Similar practices in other cities"
    links = similar.find_all("a")
    assert links and all(a.attrs["href"].startswith("/practice/") for a in links)
    assert f"/practice/{GENDER}" not in [a.attrs["href"] for a in links]
    data = client.get(f"/practice/{GENDER}?format=json").get_json()
    assert all(s["city"] != "Strasbourg" for s in data["similar"][:1])


def test_albanian_entry_page_is_marked_and_tagged(client: FlaskClient) -> None:
    page = parse(client.get(f"/practice/{ALBANIAN}").data)
    assert page.find("h1").attrs["lang"] == "sq"
    assert page.find("span", "badge-untranslated")
    assert "Albanian" in page.find("dl", "facts").text


def test_versions_of_a_practice_published_in_two_locales(ml_client: FlaskClient) -> None:
    """Art-therapy in Lutsk is listed under /en/ and /sq/: each page links the other."""
    rows = ml_client.get("/api/search?q=Lutsk&per_page=20&versions=all").get_json()["results"]
    lutsk = {r["locale"]: r["id"] for r in rows if r["title"] == "Art-therapy in Lutsk"}
    assert set(lutsk) == {"en", "sq"}
    data = ml_client.get(f"/api/practice/{lutsk['sq']}").get_json()
    assert [v["id"] for v in data["versions"]] == [lutsk["en"]]
    section = parse(ml_client.get(f"/practice/{lutsk['en']}").data).find("section", "versions")
    link = section.find("a", href=f"/practice/{lutsk['sq']}")
    assert link.text == "Art-therapy in Lutsk" and link.attrs["lang"] == "en"
    assert "English" in section.text and "/sq/" in section.text


@pytest.mark.parametrize(
    "entry_id",
    [
        "no-such-entry",
        "..",
        ".hidden",
        "a" * 200,
        "-starts-with-dash",
        "with%20space",
        "%3Cscript%3E",
    ],
)
def test_unknown_or_invalid_ids_are_404(client: FlaskClient, entry_id: str) -> None:
    response = client.get(f"/practice/{entry_id}")
    assert response.status_code == 404
    assert "There is no practice with the id" in parse(response.data).find("main").text
    api = client.get(f"/api/practice/{entry_id}")
    assert api.status_code == 404 and api.get_json()["param"] == "entry_id"


def test_path_traversal_never_reaches_the_index(client: FlaskClient) -> None:
    assert client.get("/practice/../../etc/passwd").status_code == 404
    assert client.get("/practice/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    assert client.get("/practice/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/api/practice/..%2F..%2Fetc%2Fpasswd").get_json()["error"]


def test_practice_json_twin_has_entry_versions_and_similar(client: FlaskClient) -> None:
    data = client.get(f"/practice/{GENDER}?format=json").get_json()
    assert data["entry"]["id"] == GENDER
    assert isinstance(data["versions"], list) and data["similar"]
    assert "/" not in data["entry"]["source"], "no server paths in public JSON"
    assert "content_hash" not in data["entry"]
