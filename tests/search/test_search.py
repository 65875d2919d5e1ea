"""The search library over real indexes: what a researcher, officer or translator sees."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.analysis import fold
from search import Searcher, SearchError, SearchRequest
from search.models import FACETS

REPO = Path(__file__).resolve().parents[2]
RESULT_FIELDS = {
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
}


def _search(searcher: Searcher, query: str, **kw: object) -> list[str]:
    return [h.title for h in searcher.search(SearchRequest(query, **kw)).results]  # type: ignore[arg-type]


def _marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_cli_json_follows_the_output_contract(multilingual_index: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gpsearch.cli",
            "search",
            "mediation",
            "--index",
            str(multilingual_index),
            "--filter",
            "language=en",
            "--filter",
            "language=fr",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    data = json.loads(out.stdout)
    assert {"query", "total", "page", "per_page", "suggestion", "results", "facets"} <= set(data)
    assert (data["query"], data["page"], data["per_page"]) == ("mediation", 1, 10)
    assert isinstance(data["total"], int) and data["total"] >= 2
    for result in data["results"]:
        assert set(result) >= RESULT_FIELDS
        assert result["language"] in ("en", "fr")
        assert isinstance(result["score"], float) and result["score"] > 0
    assert set(data["facets"]) == set(FACETS)
    for values in data["facets"].values():
        for value in values:
            assert set(value) == {"value", "count", "selected"}
    selected = {v["value"] for v in data["facets"]["language"] if v["selected"]}
    assert selected == {"en", "fr"}


def test_albanian_inflections_find_each_other(searcher: Searcher) -> None:
    for form in ("barazia", "barazisë", "barazinë", "barazi"):
        titles = _search(searcher, form, filters={"language": ("sq",)})
        assert any("Barazia territoriale" in t for t in titles), form
        assert any("Krijimi i kushteve" in t for t in titles), form


def test_query_without_diacritics_finds_accented_text(searcher: Searcher) -> None:
    assert any("Réseauteurs" in t for t in _search(searcher, "reseauteurs"))
    assert any("Portimão" in t for t in _search(searcher, "Portimao semaine"))
    response = searcher.search(SearchRequest("barazise"))
    assert "barazisë" in [m.lower() for h in response.results for m in _marked(h.snippet)]


def test_exact_form_ranks_above_folded_match(searcher: Searcher) -> None:
    hits = searcher.search(SearchRequest("réfugiés")).results
    assert hits, "French refugees"
    assert hits[0].language == "fr"


def test_stemming_in_english_french_spanish(searcher: Searcher) -> None:
    assert any("Siemens" in t for t in _search(searcher, "refugee integrate"))
    assert any("Réseauteurs" in t for t in _search(searcher, "communauté immigrée"))
    assert any("Getxo" in t for t in _search(searcher, "migrante barrio"))


def test_cyrillic_entries_are_found_by_their_own_words(searcher: Searcher) -> None:
    # Ukrainian lemmas: громади / громадою / громада; Serbian Cyrillic and Latin alike.
    assert any("Вінниці" in t for t in _search(searcher, "громада переміщені"))
    assert any("Суботица" in t for t in _search(searcher, "медијатори"))
    assert any("Суботица" in t for t in _search(searcher, "medijacija opština"))


def test_highlights_show_original_words_escaped(searcher: Searcher) -> None:
    hit = searcher.search(SearchRequest("police officers")).results[0]
    assert {"Police", "police", "officers"} & set(_marked(hit.snippet))
    assert "<" not in re.sub(r"</?mark>", "", hit.snippet)
    assert all(
        not m.endswith(("polic", "offic")) or m in ("Police", "police")
        for m in _marked(hit.snippet)
    )


def test_phrase_and_boolean_syntax(searcher: Searcher) -> None:
    phrase = _search(searcher, '"community policing"')
    assert phrase and all(("Fuenlabrada" in t or "Lisboa" in t) for t in phrase)
    roma = set(_search(searcher, "roma"))
    no_italy = set(_search(searcher, "roma -italy"))
    assert no_italy < roma and not any("Reggio" in t for t in no_italy)
    either = set(_search(searcher, "Leeds OR Bradford", per_page=50))
    assert any("Leeds" in t for t in either) and any("Bradford" in t for t in either)


def test_field_and_year_syntax(searcher: Searcher) -> None:
    hits = searcher.search(SearchRequest("country:Portugal year:2016..2017", per_page=50)).results
    assert hits and all(h.country == "Portugal" for h in hits)
    assert all((h.year_from or 0) <= 2017 and (h.year_to or 9999) >= 2016 for h in hits)
    french = searcher.search(SearchRequest(":fr immigration")).results
    assert french and all(h.language == "fr" for h in french)
    assert all(h.language == "sq" for h in searcher.search(SearchRequest("lang:sq")).results)
    titles = searcher.search(SearchRequest("title:budget")).results
    assert titles and all("budget" in h.title.lower() for h in titles)


def test_year_ranges_read_the_same_in_a_query_and_in_a_filter(searcher: Searcher) -> None:
    """`2016-2017` and `2016..2017` are one range, whether typed in the query or sent as the
    year filter (which counts start years)."""

    def ids(query: str, **filters: tuple[str, ...]) -> list[str]:
        request = SearchRequest(query, filters=filters, per_page=100)
        return [h.id for h in searcher.search(request).results]

    assert ids("year:2016..2017") and ids("year:2016-2017") == ids("year:2016..2017")
    dotted = ids("", year=("2016..2017",))
    assert dotted and ids("", year=("2016-2017",)) == dotted
    assert ids("", year=("2016",)) and set(ids("", year=("2016",))) < set(dotted)


def test_prefix_is_capped_and_short_prefix_refused(searcher: Searcher) -> None:
    hits = searcher.search(SearchRequest("integ*")).results
    assert hits and all(re.search(r"\binteg", fold(h.title + " " + h.summary)) for h in hits)
    short = searcher.search(SearchRequest("a* b*"))
    assert any("too short" in n for n in short.notices)


@pytest.mark.parametrize(
    ("query", "plain", "notice"),
    [
        ('"unbalanced quote', "unbalanced quote", "unbalanced quote"),
        ("((roma", "roma", "unbalanced parentheses"),
        ("AND OR NOT", "", None),
        ("NOT", "", None),
        ("-", "", None),
        ('"', "", "unbalanced quote"),
        ("***", "", None),
        ("(((())))", "", None),
        ("!!! ???", "", None),
        ("foo:bar", "foo bar", "unknown field 'foo:'"),
        ("year:soon", "", "year needs a form like 2019"),
        ("title:", "title", None),
        ("\x00\x1f control", "control", None),
    ],
)
def test_hostile_syntax_degrades_to_a_plain_query(
    searcher: Searcher, query: str, plain: str, notice: str | None
) -> None:
    """Broken syntax answers as the plain query it degrades to, saying what it ignored."""

    def answer(text: str) -> tuple[int, list[str]]:
        response = searcher.search(SearchRequest(text, per_page=100))
        return response.total, [h.id for h in response.results]

    assert answer(query) == answer(plain)
    if notice is not None:
        assert any(notice in n for n in searcher.search(SearchRequest(query)).notices)


def test_empty_query_browses_newest_first_with_facets(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("", per_page=100))
    assert response.total == len(response.results) > 60
    ends = [h.year_to or (9999 if h.year_from else 0) for h in response.results]
    assert ends == sorted(ends, reverse=True)
    assert sum(v.count for v in response.facets["language"]) == response.total


def test_facets_are_disjunctive_within_and_conjunctive_across(searcher: Searcher) -> None:
    everything = searcher.search(SearchRequest(""))
    counts = {v.value: v.count for v in everything.facets["language"]}
    both = searcher.search(SearchRequest("", filters={"language": ("fr", "sq")}))
    assert both.total == counts["fr"] + counts["sq"]
    # The other languages' counts stay visible while two are selected.
    shown = {v.value: (v.count, v.selected) for v in both.facets["language"]}
    assert shown["en"] == (counts["en"], False)
    assert shown["fr"] == (counts["fr"], True) and shown["sq"][1]
    # Across facets, filters combine: locale counts are those of the fr+sq entries ...
    entries = searcher.search(SearchRequest("", {"language": ("fr", "sq")}, versions="all"))
    assert sum(v.count for v in entries.facets["locale"]) == entries.total
    # ... and by default of practices: one published under two locales counts under both.
    assert sum(v.count for v in both.facets["locale"]) > both.total
    narrowed = searcher.search(
        SearchRequest("", filters={"language": ("fr", "sq"), "locale": ("en",)})
    )
    assert narrowed.total == {v.value: v.count for v in both.facets["locale"]}["en"]


def test_translated_facet_finds_untranslated_entries(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("", filters={"translated": ("no",)}, per_page=100))
    assert response.total >= 20
    assert all(h.language != h.locale for h in response.results)


def test_pagination_is_stable_and_complete(searcher: Searcher) -> None:
    pages = [searcher.search(SearchRequest("intercultural", page=p, per_page=7)) for p in (1, 2, 3)]
    ids = [h.id for page in pages for h in page.results]
    assert len(ids) == len(set(ids)) == min(21, pages[0].total)
    single = searcher.search(SearchRequest("intercultural", per_page=21))
    assert [h.id for h in single.results] == ids


def test_sort_newest(searcher: Searcher) -> None:
    hits = searcher.search(SearchRequest("intercultural", sort="newest", per_page=30)).results
    ends = [h.year_to or (9999 if h.year_from else 0) for h in hits]
    assert ends == sorted(ends, reverse=True)


def test_did_you_mean_and_typo_tolerance(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("Valadolid"))
    assert response.suggestion == "valladolid"
    assert response.results and "Valladolid" in response.results[0].title
    assert searcher.search(SearchRequest("Salsbury")).results[0].city == "Salisbury"
    assert searcher.search(SearchRequest("mediation")).suggestion is None


def test_unknown_word_is_reported_not_fatal(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("mediation qqqzzzxx"))
    assert response.total > 0 and any("qqqzzzxx" in n for n in response.notices)
    assert searcher.search(SearchRequest("qqqzzzxx")).total == 0


def test_filtered_query_with_few_hits_offers_the_unfiltered_one(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("mediation", filters={"language": ("sq",)}))
    assert response.total < 3
    assert response.fallback is not None and response.fallback.total > response.total
    assert searcher.search(SearchRequest("mediation")).fallback is None


def test_similar_practices_prefer_other_cities(searcher: Searcher) -> None:
    base = next(
        h
        for h in searcher.search(SearchRequest("Valladolid mediation")).results
        if h.city == "Valladolid"
    )
    peers = searcher.similar(base.id, limit=5)
    assert peers and base.id not in {p.id for p in peers}
    assert peers[0].city != "Valladolid"


@pytest.mark.parametrize(
    ("request_kw", "param"),
    [
        ({"page": 0}, "page"),
        ({"per_page": 101}, "per_page"),
        ({"sort": "random"}, "sort"),
        ({"filters": {"colour": ("red",)}}, "colour"),
        ({"query": "x" * 501}, "q"),
        ({"page": 2000, "per_page": 10}, "page"),
    ],
)
def test_bad_requests_name_the_parameter(
    searcher: Searcher, request_kw: dict[str, object], param: str
) -> None:
    with pytest.raises(SearchError) as info:
        searcher.search(SearchRequest(**request_kw))  # type: ignore[arg-type]
    assert info.value.param == param


def test_unknown_facet_value_is_an_empty_result(searcher: Searcher) -> None:
    assert searcher.search(SearchRequest("", filters={"country": ("Atlantis",)})).total == 0


def test_multi_word_concept_term_matches_as_written_not_by_stems(tmp_path: Path) -> None:
    """French "autochtones" reaches English "First Nations" (concept `indigenous`), but the
    stems first + nation of "First national forum ... national plan" are not that name."""
    rows = [
        {
            "title": "First national forum on housing: first steps of the national plan",
            "summary": "The first national forum met to discuss the first national housing plan.",
        },
        {
            "title": "Family support centre",
            "summary": "The city opens a support centre for First Nations families and elders.",
        },
        {"title": "Street festival", "summary": "Music and food in the old town square."},
    ]
    source = tmp_path / "entries.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {
                    **row,
                    "kind": "good-practice",
                    "locale": "en",
                    "country": "Canada",
                    "city": "Montreal",
                    "language": "en",
                }
            )
            + "\n"
            for row in rows
        ),
        encoding="utf-8",
    )
    from tests.conftest import build_test_index

    titles = _search(Searcher(build_test_index([source], tmp_path / "index")), "autochtones")
    assert titles[0] == "Family support centre", titles


def test_counts_only_request_matches_the_full_search(searcher: Searcher) -> None:
    """`hits=False` (the facets API, the health check) answers the same total and counts
    without building a page of results, related entries or a fallback."""
    left_out = []
    for filters in ({}, {"language": ("sq",)}):
        full = searcher.search(SearchRequest("mediation", filters=filters))
        counts = searcher.search(SearchRequest("mediation", filters=filters, hits=False))
        assert counts.total == full.total and counts.facets == full.facets
        assert not counts.results and not counts.related and counts.fallback is None
        left_out += [bool(full.results), full.fallback is not None]
    assert left_out == [True, False, False, True]  # both kinds of answer were left out


def test_kind_aliases_work_in_filters_as_in_queries(searcher: Searcher) -> None:
    def total(query: str, **filters: tuple[str, ...]) -> int:
        return searcher.search(SearchRequest(query, filters=filters)).total

    practices = total("", kind=("good-practice",))
    assert 0 < practices < total("")
    assert total("", kind=("practice",)) == total("kind:practice") == practices
