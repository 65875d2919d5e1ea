"""Security: headers on every response, and hostile corpus text rendered inert everywhere."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from tests.webui.conftest import EVIL_CITY, FORMULA_TITLE, SCRIPT_TITLE
from tests.webui.html import parse

EXPECTED_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
URLS = [
    "/",
    "/?q=integration",
    "/?format=json",
    "/practice/xss-script-title",
    "/practice/nope",
    "/translations",
    "/translations.csv",
    "/api/search",
    "/api/nope",
    "/api/search?page=x",
    "/healthz",
    "/opensearch.xml",
    "/api/openapi.json",
    "/static/style.css",
    "/static/app.js",
    "/no/such/page",
]


@pytest.mark.parametrize("url", URLS)
def test_security_headers_on_every_response(xss_client: FlaskClient, url: str) -> None:
    response = xss_client.get(url)
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, (url, name)


def test_security_headers_on_405(xss_client: FlaskClient) -> None:
    response = xss_client.post("/")
    assert response.status_code == 405
    assert response.headers["X-Frame-Options"] == "DENY"


SVG_CLASSES = ("map", "timeline", "map map-location")


def test_no_inline_script_or_style_anywhere(xss_client: FlaskClient) -> None:
    for url in (
        "/",
        "/?q=integration",
        "/practice/xss-script-title",
        "/translations",
        "/practice/nope",
    ):
        elements = parse(xss_client.get(url).data).find_all()
        assert elements, url
        for element in elements:
            assert element.tag != "style", url
            assert element.tag != "script" or (element.attrs.get("src") and not element.text)
            assert not [a for a in element.attrs if a == "style" or a.startswith("on")], (
                url,
                element.tag,
                element.attrs,
            )
            assert element.tag not in ("img", "iframe", "object", "embed"), url
            # The only SVG is the server's own map and timeline (webui.maps), never injected.
            assert element.tag != "svg" or element.attrs.get("class") in SVG_CLASSES, url


def assert_inert(body: str) -> None:
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "<svg onload" not in body
    assert 'href="javascript:' not in body.lower()


def test_search_results_and_facets_render_hostile_text_inert(xss_client: FlaskClient) -> None:
    body = xss_client.get("/?q=integration&per_page=50").data.decode()
    assert_inert(body)
    page = parse(body)
    titles = [r.find("h3").raw_text for r in page.find_all("li", "result")]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in titles)
    snippets = " ".join(p.raw_text for p in page.find_all("p", "snippet"))
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in snippets or (
        "&#34;&gt;&lt;img" in snippets
    )
    city = page.find("input", name="city", value=EVIL_CITY)  # attribute decoded by the parser
    assert city.attrs["data-toggle-url"].startswith("/?q=integration")
    assert "&lt;svg onload=alert(1)&gt;" in body
    chips = xss_client.get("/?city=%3Csvg+onload%3Dalert(1)%3E").data.decode()
    assert_inert(chips)
    assert "City: &lt;svg onload=alert(1)&gt;" in chips


def test_entry_page_renders_hostile_text_inert(xss_client: FlaskClient) -> None:
    body = xss_client.get("/practice/xss-script-title").data.decode()
    assert_inert(body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Festival" in body
    assert "<title>&lt;script&gt;" in body


def test_javascript_url_is_never_a_link(xss_client: FlaskClient) -> None:
    body = xss_client.get("/practice/xss-javascript-url").data.decode()
    assert_inert(body)
    page = parse(body)
    assert all(
        not a.attrs.get("href", "").lower().startswith("javascript") for a in page.find_all("a")
    )
    assert "no address" in page.find("dl", "facts").text
    results = xss_client.get("/?q=inert").data.decode()
    assert 'href="javascript' not in results.lower()


def test_translations_page_and_csv_are_safe(xss_client: FlaskClient) -> None:
    body = xss_client.get("/translations?per_page=100").data.decode()
    assert_inert(body)
    rows = list(csv.reader(io.StringIO(xss_client.get("/translations.csv").data.decode())))
    titles = {row[1] for row in rows[1:]}
    assert "'" + FORMULA_TITLE in titles, "formula cells are prefixed with a quote"
    assert FORMULA_TITLE not in titles
    assert SCRIPT_TITLE in titles, "CSV is data, not HTML: text is kept as is"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_json_is_served_as_json_not_html(xss_client: FlaskClient) -> None:
    response = xss_client.get("/api/search?q=integration")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert xss_client.get("/?q=integration&format=json").mimetype == "application/json"
