"""The search page as a user sees it: highlights, badges, facets, chips, pages, notes."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from search import SearchResponse
from tests.webui.html import Element, parse


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_query_marks_matched_words_in_titles_and_snippets(client: FlaskClient) -> None:
    page = parse(client.get("/?q=integration").data)
    results = page.find_all("li", "result")
    assert results, "a query that matches shows results"
    marked = [m.text.lower() for r in results for m in r.find_all("mark")]
    assert marked and all(word.startswith("integrat") for word in marked)
    snippet = results[0].find("p", "snippet")
    assert snippet.find_all("mark")


def test_result_shows_count_title_link_badges_and_place(client: FlaskClient) -> None:
    page = parse(client.get("/?q=integration").data)
    assert "2 results for “integration”" in page.find("h2", "results-count").text
    first = page.find("li", "result")
    link = first.find("h3", "result-title").find("a")
    assert link.attrs["href"].startswith("/practice/")
    assert link.attrs["lang"] == "en"
    meta = first.find("p", "result-meta").text
    assert "English" in meta
    assert "published under /en/" in meta


def test_albanian_entry_under_en_is_marked_untranslated_with_its_language(
    client: FlaskClient,
) -> None:
    page = parse(client.get("/?language=sq").data)
    results = page.find_all("li", "result")
    assert len(results) == 3
    for result in results:
        assert result.find("span", "badge-lang").text == "Albanian"
        assert result.find("span", "badge-untranslated").text == "not in this locale's language"
        assert result.find("h3").find("a").attrs["lang"] == "sq"


def test_translated_entries_carry_no_untranslated_marker(client: FlaskClient) -> None:
    page = parse(client.get("/?language=en&per_page=50").data)
    assert page.find_all("li", "result")
    assert not page.find_all("span", "badge-untranslated")


def test_empty_query_browses_everything_newest_first(client: FlaskClient) -> None:
    data = client.get("/?format=json&per_page=50").get_json()
    assert data["total"] == 23 and data["browse"] is True
    # Ongoing practices (a start, no end) count as the newest.
    ends = [r["year_to"] or (9999 if r["year_from"] else 0) for r in data["results"]]
    assert ends == sorted(ends, reverse=True)
    page = parse(client.get("/").data)
    assert "23 practices, newest first" in page.find("h2", "results-count").text


def test_facet_toggle_urls_add_or_remove_one_value_and_keep_the_rest(
    client: FlaskClient,
) -> None:
    data = client.get(
        "/?q=strategy&language=en&sort=newest&per_page=2&page=2&format=json"
    ).get_json()
    groups = {g["name"]: g for g in data["facet_groups"]}
    albanian = next(v for v in groups["language"]["values"] if v["value"] == "sq")
    assert not albanian["selected"]
    added = query_of(albanian["toggle_url"])
    assert added == {
        "q": ["strategy"],
        "language": ["en", "sq"],
        "sort": ["newest"],
        "per_page": ["2"],
    }, "adds one value, keeps the state, back to page 1"
    english = next(v for v in groups["language"]["values"] if v["value"] == "en")
    assert english["selected"]
    assert query_of(english["toggle_url"]) == {
        "q": ["strategy"],
        "sort": ["newest"],
        "per_page": ["2"],
    }
    kind = groups["kind"]["values"][0]
    assert query_of(kind["toggle_url"])["language"] == ["en"]
    assert query_of(kind["toggle_url"])["kind"] == [kind["value"]]


def test_facet_checkboxes_form_works_without_javascript(client: FlaskClient) -> None:
    page = parse(client.get("/?q=intercultural&language=sq").data)
    form = page.find("form", id="search")
    assert form.attrs["method"] == "get"
    box = form.find("input", name="language", value="sq")
    assert "checked" in box.attrs and box.attrs["data-toggle-url"] == "/?q=intercultural"
    label = form.find("label", for_=box.attrs["id"])
    assert "Albanian" in label.text and label.find("span", "count").text.isdigit()
    assert form.find("button", "js-hide").text == "Apply filters"
    # Submitting the form as a browser would: q plus ticked boxes, repeated names.
    response = client.get("/?q=intercultural&language=sq&language=en")
    assert response.status_code == 200
    assert len(parse(response.data).find_all("span", "chip-remove")) == 0
    assert len(parse(response.data).find_all("a", "chip-remove")) == 2


def test_selected_values_show_as_removable_chips_and_clear_all(client: FlaskClient) -> None:
    page = parse(client.get("/?q=intercultural&language=sq&kind=good-practice").data)
    chips = page.find("ul", "chips")
    texts = [c.find("span").text for c in chips.find_all("li", "chip")]
    assert texts == ["Language: Albanian", "Type: Good practice"]
    removes = [a.attrs["href"] for a in chips.find_all("a", "chip-remove")]
    assert query_of(removes[0]) == {"q": ["intercultural"], "kind": ["good-practice"]}
    assert query_of(removes[1]) == {"q": ["intercultural"], "language": ["sq"]}
    assert chips.find("a", "clear-all").attrs["href"] == "/?q=intercultural"


def _text(element: Element, skip: Callable[[Element], bool]) -> str:
    """An element's text without the descendants `skip` picks (inline: no spaces added)."""
    parts = [
        p if isinstance(p, str) else _text(p, skip)
        for p in element.parts
        if isinstance(p, str) or not skip(p)
    ]
    return " ".join("".join(parts).split())


def test_a_chips_remove_link_is_named_by_its_visible_words(client: FlaskClient) -> None:
    """WCAG 2.5.3 (label in name): the accessible name starts with the visible text, and
    the "×" glyph is decoration, hidden from assistive technology."""
    page = parse(client.get("/?q=intercultural&language=sq&lang=fr").data)
    remove = page.find("ul", "chips").find("a", "chip-remove")
    assert "aria-label" not in remove.attrs
    name = _text(remove, lambda e: "aria-hidden" in e.attrs)
    visible = _text(remove, lambda e: "aria-hidden" in e.attrs or "visually-hidden" in e.classes())
    assert visible == "Retirer"
    assert name == "Retirer le filtre Langue : albanais"
    assert name.startswith(visible)
    assert remove.find("span", aria_hidden="true").text == "×"


def test_filters_change_results_and_counts(client: FlaskClient) -> None:
    everything = client.get("/?format=json").get_json()
    albanian = client.get("/?language=sq&format=json").get_json()
    assert everything["total"] == 23 and albanian["total"] == 3
    assert all(r["language"] == "sq" for r in albanian["results"])
    # A facet's own selection does not shrink its counts (multi-select stays possible).
    langs = {v["value"]: v["count"] for v in albanian["facets"]["language"]}
    assert langs == {"en": 20, "sq": 3}
    both = client.get("/?language=sq&language=en&format=json").get_json()
    assert both["total"] == 23


def test_pagination_links_keep_state_and_mark_current_page(client: FlaskClient) -> None:
    page = parse(client.get("/?per_page=5&page=2&kind=good-practice").data)
    nav = page.find("nav", "pagination")
    current = nav.find("a", aria_current="page")
    assert current.text == "2"
    prev = nav.find("a", rel="prev").attrs["href"]
    assert query_of(prev) == {"kind": ["good-practice"], "per_page": ["5"]}
    nxt = query_of(nav.find("a", rel="next").attrs["href"])
    assert nxt == {"kind": ["good-practice"], "per_page": ["5"], "page": ["3"]}
    assert (
        parse(client.get("/?per_page=5&page=2&kind=good-practice").data)
        .find("ol", "result-list")
        .attrs["start"]
        == "6"
    )


def test_pages_never_repeat_or_skip_entries(client: FlaskClient) -> None:
    everything = client.get("/?per_page=50&kind=good-practice&format=json").get_json()
    paged = []
    for number in range(1, 5):
        data = client.get(f"/?per_page=5&page={number}&kind=good-practice&format=json")
        paged += [r["id"] for r in data.get_json()["results"]]
    assert paged == [r["id"] for r in everything["results"]]


def test_sort_select_offers_relevance_and_newest(client: FlaskClient) -> None:
    page = parse(client.get("/?q=intercultural&sort=newest").data)
    select = page.find("select", id="sort")
    options = {o.attrs["value"]: o for o in select.find_all("option")}
    assert set(options) == {"relevance", "newest"}
    assert "selected" in options["newest"].attrs
    data = client.get("/?q=intercultural&sort=newest&format=json").get_json()
    ends = [r["year_to"] or (9999 if r["year_from"] else 0) for r in data["results"]]
    assert ends == sorted(ends, reverse=True)


def test_did_you_mean_links_to_the_corrected_query(client: FlaskClient) -> None:
    page = parse(client.get("/?q=integraton&language=en").data)
    link = page.find("p", "suggestion").find("a")
    assert link.text == "integration"
    assert query_of(link.attrs["href"]) == {"q": ["integration"], "language": ["en"]}


def test_relaxed_note_and_unknown_word_notice(client: FlaskClient) -> None:
    page = parse(client.get("/?q=migrants+housing+school+xyzzy").data)
    assert "No practice contains every word" in page.find("p", "relaxed").text
    notices = [p.text for p in page.find_all("p", "notice")]
    assert any("xyzzy" in n and "Not found in any practice" in n for n in notices)


def test_fallback_shows_results_without_the_filters(client: FlaskClient) -> None:
    page = parse(client.get("/?q=intercultural&language=sq&kind=news").data)
    fallback = page.find("section", "fallback")
    heading = fallback.find("h2").find("a")
    assert "results without your filters" in heading.text
    assert heading.attrs["href"] == "/?q=intercultural"
    assert fallback.find_all("li", "result")


def test_query_language_prefix_selects_language_and_is_shown_as_set_by_query(
    client: FlaskClient,
) -> None:
    data = client.get("/?q=:sq&format=json").get_json()
    assert data["total"] == 3 and data["filters"] == {"language": ["sq"]}
    albanian = next(v for v in data["facet_groups"][0]["values"] if v["value"] == "sq")
    assert albanian["selected"] and albanian["from_query"]
    box = parse(client.get("/?q=:sq").data).find("input", name="language", value="sq")
    assert "disabled" in box.attrs and "checked" in box.attrs


def test_syntax_help_and_labels(client: FlaskClient) -> None:
    page = parse(client.get("/").data)
    search = page.find("input", id="q")
    assert page.find("label", for_="q").text == "Search good practices"
    assert search.attrs["aria-describedby"] == "syntax-help"
    help_text = page.find("details", id="syntax-help").text
    for example in (
        '"intercultural dialogue"',
        "AND",
        "OR",
        "NOT",
        "-sport",
        "country:Spain",
        "year:2019..2022",
        "integ*",
        ":fr",
    ):
        assert example in help_text
    assert page.find("a", "skip-link").attrs["href"] == "#main"
    assert page.find("main", id="main")


def test_json_twin_is_the_api_contract_plus_links(client: FlaskClient) -> None:
    twin = client.get("/?q=integration&language=en&format=json").get_json()
    api = client.get("/api/search?q=integration&language=en").get_json()
    for key in (
        "query",
        "total",
        "page",
        "per_page",
        "pages",
        "sort",
        "suggestion",
        "filters",
        "relaxed",
        "notices",
        "generation",
    ):
        assert twin[key] == api[key], key
    assert [r["id"] for r in twin["results"]] == [r["id"] for r in api["results"]]
    assert twin["results"][0]["view"]["page_url"].startswith("/practice/")
    assert twin["json_url"] == "/?q=integration&language=en&format=json"
    page = parse(client.get("/?q=integration&language=en").data)
    assert page.find("a", href=twin["json_url"]).text == "This page as JSON"


def test_year_range_filter_from_the_url(client: FlaskClient) -> None:
    data = client.get("/?year=2019..2022&format=json&per_page=50").get_json()
    assert data["total"] > 0
    assert all(2019 <= r["year_from"] <= 2022 for r in data["results"])


def test_related_practices_are_shown_when_the_library_offers_them(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    to_dict = SearchResponse.to_dict

    def with_related(self: SearchResponse) -> dict:
        data = to_dict(self)
        data["related"] = data["results"][:1]
        return data

    monkeypatch.setattr(SearchResponse, "to_dict", with_related)
    section = parse(client.get("/?q=integration").data).find("section", "related")
    assert section.find("h2").text == "Related practices"
    assert section.find("a").attrs["href"].startswith("/practice/")


def test_english_entry_under_sq_carries_the_untranslated_marker(xss_client: FlaskClient) -> None:
    """Runs without the shared corpus: the hostile index has English entries under /sq/."""
    page = parse(xss_client.get("/?locale=sq&language=en").data)
    results = page.find_all("li", "result")
    assert results
    for result in results:
        assert result.find("span", "badge-lang").text == "English"
        assert "published under /sq/" in result.find("p", "result-meta").text
        assert result.find("span", "badge-untranslated").text == "not in this locale's language"
    french = parse(xss_client.get("/?locale=sq&language=en&lang=fr").data)
    assert french.find("span", "badge-lang").text == "anglais"
