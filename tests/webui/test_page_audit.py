"""What the independent page audits check (axe-core best practice, Lighthouse SEO and best
practices): one h1, a favicon, a description, a canonical URL, landmarks, muted contrast."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.webui.html import Element, parse

STYLE = Path(__file__).resolve().parents[2] / "webui" / "static" / "style.css"
PAGES = ["/", "/?q=integration", "/?q=integration&language=en&sort=newest", "/translations"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_one_h1_a_description_and_an_icon(client: FlaskClient, url: str) -> None:
    page = parse(client.get(url).data)
    assert len(page.find_all("h1")) == 1
    description = page.find("meta", name="description").attrs["content"]
    assert len(description) > 50
    icon = page.find("link", rel="icon").attrs["href"]
    assert client.get(icon).status_code == 200


def test_the_search_pages_h1_labels_the_query_box(client: FlaskClient) -> None:
    h1 = parse(client.get("/?q=integration").data).find("h1")
    assert h1.find("label", for_="q").text == "Search good practices"


def test_favicon_ico_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml" and b"<svg" in response.data
    assert response.cache_control.max_age and response.cache_control.max_age > 0


def _canonical(client: FlaskClient, url: str) -> str:
    return parse(client.get(url).data).find("link", rel="canonical").attrs["href"]


def test_canonical_url_is_the_same_for_equivalent_searches(client: FlaskClient) -> None:
    a = _canonical(client, "/?language=sq&q=intercultural&language=en&page=1&sort=relevance")
    b = _canonical(client, "/?q=intercultural&language=en&language=sq")
    assert a == b
    parts = urlsplit(a)
    assert parts.scheme in ("http", "https") and parts.path == "/"
    assert parse_qs(parts.query) == {"q": ["intercultural"], "language": ["en", "sq"]}
    assert _canonical(client, "/") == f"{parts.scheme}://{parts.netloc}/"


def test_canonical_url_keeps_what_changes_the_page(client: FlaskClient) -> None:
    query = parse_qs(urlsplit(_canonical(client, "/?q=integration&sort=newest&page=2")).query)
    assert query == {"q": ["integration"], "sort": ["newest"], "page": ["2"]}
    french = parse_qs(urlsplit(_canonical(client, "/?q=integration&lang=fr")).query)
    assert french == {"q": ["integration"], "lang": ["fr"]}


def _landmarks(page: Element, role: str, tag: str | None = None) -> list[Element]:
    found = page.find_all(role=role)
    return found + (page.find_all(tag) if tag else [])


def test_the_search_landmark_is_the_query_box_only(client: FlaskClient) -> None:
    page = parse(client.get("/?q=integration&language=en").data)
    (landmark,) = _landmarks(page, "search", "search")
    assert landmark.find("input", id="q")
    assert not landmark.find_all("fieldset") and not landmark.find_all("li", "result")
    # Filters and sort still submit with the query, without JavaScript: one form.
    form = page.find("form", id="search")
    assert form.find("input", id="q") and form.find("input", name="language", value="en")
    assert form.find("select", id="sort") and "role" not in form.attrs


def _region_names(page: Element) -> list[str]:
    """Accessible names of the page's region landmarks (sections with a name included)."""
    by_id = {e.attrs["id"]: e.text for e in page.find_all() if "id" in e.attrs}
    names = []
    for element in page.find_all(role="region") + page.find_all("section"):
        if "aria-label" in element.attrs:
            names.append(element.attrs["aria-label"])
        elif "aria-labelledby" in element.attrs:
            names.append(by_id[element.attrs["aria-labelledby"]])
    return names


@pytest.mark.parametrize("url", ["/translations", "/translations?lang=fr", "/"])
def test_no_two_landmarks_share_a_role_and_name(client: FlaskClient, url: str) -> None:
    names = _region_names(parse(client.get(url).data))
    assert names and [n for n, count in Counter(names).items() if count > 1] == []


def _colours() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", STYLE.read_text(encoding="utf-8")))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_helper_matches_known_ratios() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


@pytest.mark.parametrize("text", ["muted", "accent", "ink", "warn-ink"])
def test_text_colours_meet_wcag_aa_on_every_background(text: str) -> None:
    """The translators' table puts muted text and links on tinted cells, where axe cannot
    see the background: checked here, by hand, for each pair (WCAG AA 4.5:1)."""
    colours = _colours()
    for background in ("paper", "tint", "ok-bg", "warn-bg", "mark"):
        ratio = contrast(colours[text], colours[background])
        assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"
