"""The translators' page: untranslated entries, counts, CSV, JSON twin, coverage matrix."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from search.reports import UNTRANSLATED_COLUMNS
from tests.webui.html import parse
from tests.webui.test_search_page import query_of


def test_lists_untranslated_entries_with_links_and_counts(client: FlaskClient) -> None:
    page = parse(client.get("/translations").data)
    assert page.find("h2", "results-count").text == "3 untranslated entries"
    rows = page.find("table", "report").find("tbody").find_all("tr")
    assert len(rows) == 3
    link = rows[0].find("a")
    assert link.attrs["href"].startswith("/practice/") and link.attrs["lang"] == "sq"
    assert "Albanian" in rows[0].text and "/en/" in rows[0].text
    languages = page.find("fieldset", id="facet-language")
    assert "Albanian" in languages.text and "3" in languages.find("span", "count").text


def test_filters_by_locale_and_language_with_toggle_urls(ml_client: FlaskClient) -> None:
    everything = ml_client.get("/translations?format=json").get_json()
    groups = {g["name"]: g for g in everything["facet_groups"]}
    locales = {v["value"]: v["count"] for v in groups["locale"]["values"]}
    assert {"sq", "sr", "en"} <= set(locales)
    assert sum(locales.values()) == everything["total"]
    sq = next(v for v in groups["locale"]["values"] if v["value"] == "sq")
    assert query_of(sq["toggle_url"]) == {"locale": ["sq"]}
    only_sq = ml_client.get("/translations?locale=sq&format=json").get_json()
    assert only_sq["total"] == locales["sq"]
    assert {r["locale"] for r in only_sq["rows"]} == {"sq"}
    assert {r["language"] for r in only_sq["rows"]} == {"en"}
    two = ml_client.get("/translations?locale=sq&locale=sr&format=json").get_json()
    assert two["total"] == locales["sq"] + locales["sr"]


def test_english_entry_under_sq_is_untranslated_everywhere(ml_client: FlaskClient) -> None:
    data = ml_client.get("/api/search?locale=sq&language=en").get_json()
    assert data["total"] > 0
    page = parse(ml_client.get("/?locale=sq&language=en").data)
    for result in page.find_all("li", "result"):
        assert result.find("span", "badge-untranslated")
        assert result.find("span", "badge-lang").text == "English"
        assert "published under /sq/" in result.text


def test_csv_download_has_the_report_columns_and_keeps_filters(client: FlaskClient) -> None:
    page = parse(client.get("/translations?language=sq").data)
    href = page.find("a", "button").attrs["href"]
    assert query_of(href) == {"language": ["sq"]}
    response = client.get(href)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert tuple(rows[0]) == UNTRANSLATED_COLUMNS
    assert len(rows) == 4 and all(r[3] == "sq" for r in rows[1:])


def test_json_twin_and_api_agree(client: FlaskClient) -> None:
    twin = client.get("/translations?format=json").get_json()
    api = client.get("/api/translations").get_json()
    assert twin == api
    row = twin["rows"][0]
    assert set(UNTRANSLATED_COLUMNS) <= set(row) and "versions" in row


def test_unknown_translation_filter_is_400(client: FlaskClient) -> None:
    response = client.get("/api/translations?country=Spain")
    assert response.status_code == 400 and response.get_json()["param"] == "country"
    assert client.get("/translations?page=x").status_code == 400


def test_coverage_matrix_links_each_version(ml_client: FlaskClient) -> None:
    data = ml_client.get("/api/translations").get_json()["coverage"]
    lutsk = next(r for r in data["rows"] if r["title"] == "Art-therapy in Lutsk")
    assert (lutsk["cells"]["en"], lutsk["cells"]["sq"], lutsk["cells"]["fr"]) == (
        "translated",
        "untranslated",
        "missing",
    )
    matrix = parse(ml_client.get("/translations").data).find("table", "coverage-matrix")
    headers = [th.text for th in matrix.find("thead").find_all("th")]
    assert headers[0] == "Practice" and {"/en/", "/sq/", "/fr/"} <= set(headers)
    row = next(
        tr
        for tr in matrix.find("tbody").find_all("tr")
        if tr.find("th").text == "Art-therapy in Lutsk"
    )
    links = {a.attrs["href"] for a in row.find_all("a")}
    assert {f"/practice/{e['id']}" for es in lutsk["entries"].values() for e in es} == links
    totals = data["totals"]["en"]
    assert f"{totals['translated']} translated, {totals['untranslated']} untranslated" in (
        matrix.find("tfoot").text
    )


def test_real_coverage_matrix(client: FlaskClient) -> None:
    data = client.get("/api/translations").get_json()["coverage"]
    assert set(data) >= {"locales", "rows", "totals"}
    page = parse(client.get("/translations").data)
    assert page.find("table", "coverage-matrix").find("tbody").find_all("tr")
