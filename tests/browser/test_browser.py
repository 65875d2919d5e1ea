"""What a person does in a real browser: search, filter, page, read, translate, switch language."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import ARTIFACTS, LiveServer, PageWatch
from tests.webui.conftest import EVIL_CITY

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "screenshot.png"
PHONE_SCREENSHOT = REPO / "docs" / "screenshot-phone.png"


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def total(page: Page) -> int:
    return int(re.match(r"\d+", page.locator("#results-title").inner_text()).group())


def facet_box(page: Page, facet: str, value: str) -> Locator:
    return page.locator(f"#facet-{facet} input[value='{value}']")


def test_typing_a_query_shows_highlighted_results(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Search good practices").fill("integration")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=integration"))
    marks = page.locator(".result .snippet mark")
    expect(marks.first).to_be_visible()
    assert marks.first.inner_text().lower().startswith("integrat")
    assert total(page) > 0
    assert page.locator(".result-title a").first.get_attribute("lang")
    expect(page.locator(".result .badge-lang").first).to_be_visible()


def test_two_language_facets_change_results_then_a_chip_removes_one(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    everything = total(page)
    languages = page.locator("#facet-language input[type=checkbox]")
    assert languages.count() >= 2
    first, second = (languages.nth(i).get_attribute("value") for i in (1, 0))
    first_count = int(page.locator("#facet-language .count").nth(1).inner_text())

    facet_box(page, "language", first).check()  # JS follows the value's toggle URL
    page.wait_for_url(re.compile(f"language={first}"))
    assert total(page) == first_count < everything
    assert params(page)["language"] == [first]
    expect(facet_box(page, "language", first)).to_be_checked()

    facet_box(page, "language", second).check()
    page.wait_for_url(re.compile(f"language={second}"))
    assert sorted(params(page)["language"]) == sorted([first, second])
    both = total(page)
    assert first_count < both <= everything
    badges = set(page.locator(".result .badge-lang").all_inner_texts())
    assert len(badges) >= 1
    expect(page.locator(".chips .chip")).to_have_count(2)

    page.locator(".chips .chip-remove").first.click()
    page.wait_for_load_state()
    expect(page.locator(".chips .chip")).to_have_count(1)
    assert len(params(page)["language"]) == 1
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator(".chips")).to_have_count(0)
    assert total(page) == everything


def test_pagination(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    first_ids = page.locator(".result-title a").evaluate_all("els => els.map(e => e.href)")
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator(".pagination a[aria-current=page]")).to_have_text("2")
    second_ids = page.locator(".result-title a").evaluate_all("els => els.map(e => e.href)")
    assert second_ids and second_ids != first_ids
    assert page.locator("ol.result-list").get_attribute("start") == "11"
    page.locator(".pagination a[rel=prev]").click()
    page.wait_for_url(lambda url: "page=" not in url)


def test_sort_select_submits_without_a_button(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/?q=intercultural")
    expect(page.get_by_role("button", name="Sort")).to_be_hidden()
    page.get_by_label("Sort by").select_option("newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    assert params(page)["q"] == ["intercultural"]


def test_open_an_entry_then_a_similar_practice(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/?q=integration")
    title = page.locator(".result-title a").first
    title_text = title.inner_text()
    title.click()
    page.wait_for_url(re.compile(r"/practice/"))
    expect(page.locator("h1")).to_have_text(title_text)
    expect(page.locator("dl.facts")).to_be_visible()
    similar = page.locator("section.similar a")
    assert similar.count() > 0
    similar_title = similar.first.inner_text()
    similar.first.click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text(similar_title)


def test_translators_page(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Translations").click()
    page.wait_for_url(re.compile(r"/translations"))
    rows = page.locator("table.report tbody tr")
    everything = rows.count()
    assert everything > 0
    locale = page.locator("#facet-locale input[type=checkbox]").first
    value = locale.get_attribute("value")
    locale.check()
    page.wait_for_url(re.compile(f"locale={value}"))
    assert 0 < page.locator("table.report tbody tr").count() <= everything
    cells = page.locator("table.report tbody tr td:nth-child(2)").all_inner_texts()
    assert all(cell.startswith(f"/{value}/") for cell in cells)
    csv_link = page.get_by_role("link", name="Download CSV")
    assert f"locale={value}" in csv_link.get_attribute("href")
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.suggested_filename == "untranslated.csv"


def test_switch_the_interface_to_french_and_stay_there(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/?q=integration")
    page.get_by_role("link", name="français").click()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("#results-title")).to_contain_text("résultats pour « integration »")
    assert params(page)["q"] == ["integration"]
    page.get_by_label("Rechercher des bonnes pratiques").fill("intercultural")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=intercultural"))
    assert params(page)["lang"] == ["fr"], "the choice survives a new search"
    page.locator(".result-title a").first.click()
    page.wait_for_url(re.compile(r"/practice/"))
    expect(page.locator("section.similar h2")).to_have_text(
        "Pratiques similaires dans d’autres villes"
    )


def test_french_from_the_browser_language(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?language=sq")
        assert page.locator("html").get_attribute("lang") == "fr"
        expect(page.locator(".result .badge-lang").first).to_have_text("albanais")
    finally:
        context.close()


def test_keyboard_skip_link_and_visible_focus(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the skip link comes into view when focused"
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_filters_work_without_javascript(nojs_page: Page, live_server: LiveServer) -> None:
    page = nojs_page
    page.goto(live_server.url + "/?q=intercultural")
    apply = page.get_by_role("button", name="Apply filters")
    expect(apply).to_be_visible()
    value = page.locator("#facet-kind input[type=checkbox]").first.get_attribute("value")
    facet_box(page, "kind", value).check()
    assert "kind=" not in page.url, "without JS nothing happens until the form is sent"
    apply.click()
    page.wait_for_url(re.compile(f"kind={value}"))
    assert params(page)["q"] == ["intercultural"]
    expect(page.locator(".chips .chip")).to_have_count(1)


def test_hostile_corpus_never_runs_script(
    page_watch: tuple[Page, PageWatch], xss_server: LiveServer
) -> None:
    page, watch = page_watch
    for path in (
        "/?q=integration",
        "/?q=festival",
        "/practice/xss-script-title",
        "/practice/xss-javascript-url",
        "/translations",
        "/?city=" + EVIL_CITY.replace("<", "%3C").replace(">", "%3E").replace(" ", "+"),
        "/?q=%3Cscript%3Ealert(1)%3C/script%3E",
    ):
        page.goto(xss_server.url + path)
        page.wait_for_load_state("load")
    page.goto(xss_server.url + "/?q=festival")
    page.locator(".result-title a").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_contain_text("<script>alert(1)</script>")
    assert page.locator("img").count() == 0
    assert watch.dialogs == []


PHONE_PAGES = ["/?q=integration&language=en", "/", "/translations", "/?q=integration&lang=fr"]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_width_has_no_horizontal_scroll(
    phone_page: Page, live_server: LiveServer, path: str
) -> None:
    phone_page.goto(live_server.url + path)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width}px wide at a 390px viewport"
    expect(phone_page.get_by_role("searchbox").or_(phone_page.locator("h1")).first).to_be_visible()


def test_phone_entry_page_has_no_horizontal_scroll(
    phone_page: Page, live_server: LiveServer
) -> None:
    phone_page.goto(live_server.url + "/?q=integration")
    phone_page.locator(".result-title a").first.click()
    phone_page.wait_for_url(re.compile(r"/practice/"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.goto(live_server.url + "/?q=integration")
    phone_page.locator(".result-title a").first.click()


def test_readme_screenshot(page: Page, live_server: LiveServer, phone_page: Page) -> None:
    """A real query with a facet selected and highlights; written to docs/ for the README."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server.url + "/?q=integration+OR+intercultural&language=en&language=fr")
    expect(page.locator(".result .snippet mark").first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "readme.png"))
    phone_page.goto(live_server.url + "/?q=integration&language=en")
    phone_page.screenshot(path=str(ARTIFACTS / "readme-phone.png"))
    if os.environ.get("GPSEARCH_UPDATE_SCREENSHOTS") or not SCREENSHOT.exists():
        shutil.copyfile(ARTIFACTS / "readme.png", SCREENSHOT)
        shutil.copyfile(ARTIFACTS / "readme-phone.png", PHONE_SCREENSHOT)


def _result_texts(page: Page) -> list[str]:
    titles = page.locator(".result-title").all_inner_texts()
    snippets = page.locator(".result .snippet").all_inner_texts()
    return [f"{t}\n{s}" for t, s in zip(titles, snippets, strict=False)]


def test_one_result_per_practice_and_every_version_on_request(
    page: Page, live_server: LiveServer
) -> None:
    """The same Albanian text published under /sq/ and /en/ is one result listing its other
    version; the toggle shows every entry, and back."""
    page.goto(live_server.url + "/?q=equality+data+Ireland")
    texts = _result_texts(page)
    assert len(texts) == len(set(texts)), "no page shows one text twice"
    ireland = page.locator(".result", has_text="Irlandë")
    expect(ireland).to_have_count(1)
    also = ireland.locator(".versions-line a")
    expect(also).to_have_count(1)
    assert also.first.get_attribute("href").startswith("/practice/")
    practices = total(page)

    page.get_by_role("link", name="Show every version separately").click()
    page.wait_for_url(re.compile(r"versions=all"))
    expect(page.locator(".result", has_text="Irlandë")).to_have_count(2)
    page.get_by_role("link", name="One result per practice").click()
    page.wait_for_url(lambda url: "versions=all" not in url)
    assert total(page) == practices
