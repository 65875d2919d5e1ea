"""The JSON API: the search contract, practices, facets, and errors that name the parameter."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

CONTRACT = {
    "query",
    "total",
    "page",
    "per_page",
    "pages",
    "sort",
    "suggestion",
    "results",
    "facets",
    "filters",
    "relaxed",
    "fallback",
    "notices",
    "generation",
    "took_ms",
}
HIT = {
    "id",
    "title",
    "summary",
    "url",
    "kind",
    "language",
    "locale",
    "country",
    "city",
    "year_from",
    "year_to",
    "score",
    "snippet",
    "title_html",
    "period",
    "translated",
    "language_confidence",
}


def test_search_returns_the_contract(client: FlaskClient) -> None:
    response = client.get("/api/search?q=integration")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) >= CONTRACT, "the documented contract (the library may add fields)"
    assert data["results"] and set(data["results"][0]) >= HIT
    assert "<mark>" in data["results"][0]["snippet"]
    assert set(data["facets"]) == {
        "language",
        "locale",
        "country",
        "city",
        "year",
        "kind",
        "translated",
        "topic",
    }


def test_repeated_parameters_select_several_values(client: FlaskClient) -> None:
    data = client.get(
        "/api/search?language=sq&language=en&per_page=3&page=2&sort=newest"
    ).get_json()
    assert data["filters"] == {"language": ["sq", "en"]}
    assert (data["page"], data["per_page"], data["sort"], data["total"]) == (2, 3, "newest", 23)


def test_facets_for_the_whole_index_and_for_a_query(client: FlaskClient) -> None:
    whole = client.get("/api/facets").get_json()
    assert set(whole) == {"query", "total", "filters", "facets", "places", "generation"}
    assert {v["value"]: v["count"] for v in whole["facets"]["language"]} == {"en": 20, "sq": 3}
    query = client.get("/api/facets?q=integration").get_json()
    assert query["total"] == 2
    assert sum(v["count"] for v in query["facets"]["kind"]) == 2


def test_practice_api(client: FlaskClient) -> None:
    entry_id = client.get("/api/search?q=integration").get_json()["results"][0]["id"]
    data = client.get(f"/api/practice/{entry_id}").get_json()
    assert set(data) == {"entry", "versions", "similar", "nearby"}
    assert data["entry"]["id"] == entry_id and data["entry"]["body"] is not None
    assert all(set(h) >= HIT for h in data["similar"])


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("page=x", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("per_page=abc", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=99999&per_page=100", "page"),
        ("sort=random", "sort"),
        ("colour=red", "colour"),
        ("q=" + "x" * 501, "q"),
        ("format=xml", "format"),
        ("page=99999999999999", "page"),
        ("related=maybe", "related"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    client: FlaskClient, query: str, param: str
) -> None:
    for path in ("/api/search", "/api/facets"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert response.get_json()["param"] == param
        assert response.get_json()["error"]
    page = client.get(f"/?{query}")
    assert page.status_code == 400 and f"<code>{param}</code>".encode() in page.data


def test_related_practices_can_be_left_out(client: FlaskClient) -> None:
    asked = client.get("/api/search?q=lutsk").get_json()
    assert asked["total"] == 1 and asked["related"], "a short page lists related practices"
    for off in ("0", "false"):
        plain = client.get(f"/api/search?q=lutsk&related={off}").get_json()
        assert plain["results"] == asked["results"] and plain["related"] == []
    page = client.get("/?q=lutsk&related=0").data.decode()
    assert "related=0" in page  # the page's own links keep the choice


def test_unknown_api_path_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Nothing is published at this address.", "param": None}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_served(client: FlaskClient, method: str) -> None:
    for path in ("/api/search", "/", "/translations", "/healthz"):
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path)
        assert response.headers["Allow"] == "GET, HEAD"
    assert client.open("/api/search", method=method).get_json()["param"] is None
    assert client.head("/api/search?q=x").status_code == 200


def test_nul_and_control_characters_are_not_a_500(client: FlaskClient) -> None:
    for query in (
        "q=%00",
        "q=%C0%AF",
        "language=%00",
        "q=%22%22%22((",
        "q=year%3Aabc",
        "q=NOT",
        "q=-",
        "q=*",
        "city=" + "x" * 300,
    ):
        assert client.get(f"/api/search?{query}").status_code in (200, 400), query
        assert client.get(f"/?{query}").status_code in (200, 400), query
