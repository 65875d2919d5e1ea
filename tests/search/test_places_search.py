"""Places through the product: the build places entries, queries name places in any
language, `near` filters and sorts by distance, the entry page's nearby practices."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from corpus import make_entry
from corpus.gazetteer import gazetteer
from indexer.build import build_index
from search import Searcher, SearchError, SearchRequest

RECORDS = [
    # Located in Geneva, never naming it.
    {"title": "Neighbourhood mediation service", "summary": "Mediators in every district.",
     "city": "Geneva", "country": "Switzerland"},
    {"title": "Welcome desk for newcomers", "summary": "One desk, twelve languages.",
     "city": "Geneva", "country": "Switzerland", "period": "2019", "year_from": 2019},
    # Mentions Geneva, located far away.
    {"title": "Study trip", "summary": "Officers visited Geneva to learn about mediation.",
     "city": "Lisbon", "country": "Portugal", "period": "2021", "year_from": 2021},
    {"title": "Roma inclusion in schools", "summary": "Roma pupils and their families.",
     "city": "Bradford", "country": "United Kingdom"},
    {"title": "Rome welcomes refugees", "summary": "Reception centres in the city.",
     "city": "Rome", "country": "Italy"},
    {"title": "Borough festival", "summary": "A street festival.",
     "city": "London-Lewisham", "country": "United Kingdom"},
    {"title": "Lyon youth council", "summary": "Young people advise the mayor.",
     "city": "Lyon", "country": "France"},
    {"title": "A city nobody knows", "summary": "Somewhere in France.",
     "city": "Zzyzxville", "country": "France"},
    {"title": "Lutsk art therapy", "summary": "Art therapy for displaced people.",
     "city": "Lutsk", "country": "Ukraine"},
]  # fmt: skip


def code(country: str) -> str:
    return gazetteer().country_code(country) or ""


@pytest.fixture(scope="module")
def places_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    entries = [
        make_entry(
            {"locale": "en", "language": "en", "country_code": code(r["country"]), **r},
            source=f"test:{n}",
        )
        for n, r in enumerate(RECORDS, start=1)
    ]
    index_dir = tmp_path_factory.mktemp("places") / "index"
    report = build_index(entries, index_dir)
    return index_dir, report


@pytest.fixture(scope="module")
def searcher(places_index: tuple[Path, object]) -> Searcher:
    return Searcher(places_index[0])


def titles(searcher: Searcher, request: SearchRequest) -> list[str]:
    return [h.title for h in searcher.search(request).results]


def test_the_build_reports_the_cities_it_could_not_place(
    places_index: tuple[Path, object], searcher: Searcher
) -> None:
    _, report = places_index
    assert report.unresolved == [("Zzyzxville", "FR")]  # type: ignore[attr-defined]
    assert report.to_dict()["unresolved_cities"] == 1  # type: ignore[attr-defined]
    docs = {d.city: d for d in searcher.iter_documents()}
    assert docs["Zzyzxville"].lat is None and docs["Zzyzxville"].place_approximate is True
    geneva = docs["Geneva"]
    assert geneva.place == "Geneva" and math.isclose(geneva.lat or 0, 46.2, abs_tol=0.1)
    assert docs["London-Lewisham"].place == "Lewisham"


@pytest.mark.parametrize("query", ["Ginevra", "Genève", "Geneva", "Женева"])
def test_a_place_name_in_any_language_finds_the_entries_located_there_first(
    searcher: Searcher, query: str
) -> None:
    found = titles(searcher, SearchRequest(query))
    assert set(found[:2]) == {"Neighbourhood mediation service", "Welcome desk for newcomers"}
    if query == "Geneva":  # the entry that merely mentions it comes after
        assert found[2] == "Study trip"


def test_a_city_finds_its_boroughs_and_other_spellings(searcher: Searcher) -> None:
    assert titles(searcher, SearchRequest("Londres")) == ["Borough festival"]
    assert titles(searcher, SearchRequest("Луцьк"))[0] == "Lutsk art therapy"


def test_roma_the_people_is_not_rome_unless_the_query_says_so(searcher: Searcher) -> None:
    assert titles(searcher, SearchRequest("Roma"))[0] == "Roma inclusion in schools"
    assert "Rome welcomes refugees" not in titles(searcher, SearchRequest("Roma"))
    assert titles(searcher, SearchRequest("city:Roma")) == ["Rome welcomes refugees"]
    assert titles(searcher, SearchRequest("near:Roma")) == ["Rome welcomes refugees"]


def test_near_keeps_the_entries_within_the_radius_nearest_first(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest(near="Ginevra", within_km=200, sort="nearest"))
    cities = [h.city for h in response.results]
    assert cities == ["Geneva", "Geneva", "Lyon"]
    assert response.results[0].distance_km == 0.0
    assert 100 < (response.results[-1].distance_km or 0) < 130
    default = searcher.search(SearchRequest(near="46.2,6.15"))
    assert default.total == 3  # 300 km: Lyon, not Lisbon, Rome or the country centre
    assert {h.city for h in default.results} == {"Geneva", "Lyon"}


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"near": "Genevaa"}, "near"),
        ({"sort": "nearest"}, "sort"),
        ({"within_km": 50}, "within_km"),
        ({"near": "Geneva", "within_km": 0}, "within_km"),
        ({"near": "Geneva", "within_km": 30000}, "within_km"),
        ({"near": "95,10"}, "near"),
    ],
)
def test_bad_near_requests_name_the_parameter(
    searcher: Searcher, options: dict[str, object], param: str
) -> None:
    with pytest.raises(SearchError) as error:
        searcher.search(SearchRequest(**options))  # type: ignore[arg-type]
    assert error.value.param == param


def test_an_unknown_place_suggests_close_names(searcher: Searcher) -> None:
    with pytest.raises(SearchError, match="Geneva"):
        searcher.search(SearchRequest(near="Genevaa"))


def test_city_facet_values_carry_coordinates(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest())
    cities = {v.value for v in response.facets["city"]}
    assert set(response.places) == cities - {"Zzyzxville"}
    assert math.isclose(response.places["Lyon"]["lon"], 4.85, abs_tol=0.1)
    json.dumps(response.to_dict())  # the API serialises it


def test_practices_nearby_are_other_cities_nearest_first(searcher: Searcher) -> None:
    geneva = next(h for h in searcher.search(SearchRequest("Welcome desk")).results)
    nearby = searcher.nearby(geneva.id, limit=3)
    assert [h.city for h in nearby] == ["Lyon", "Rome", "London-Lewisham"]
    distances = [h.distance_km or 0 for h in nearby]
    assert distances == sorted(distances) and distances[0] > 0


def test_an_update_keeps_the_places_of_carried_entries(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"

    def entry(n: int, city: str, country: str) -> object:
        record = {"title": f"Practice {n}", "summary": "A practice.", "city": city,
                  "country": country, "country_code": code(country)}  # fmt: skip
        return make_entry({"locale": "en", "language": "en", **record}, source=f"f{n}:1")

    build_index([entry(1, "Geneva", "Switzerland")], index_dir)
    build_index([entry(2, "Lyon", "France")], index_dir)  # another file: entry 1 stays
    response = Searcher(index_dir).search(SearchRequest(near="Genève", sort="nearest"))
    assert [h.city for h in response.results] == ["Geneva", "Lyon"]


def test_gpsearch_index_counts_the_unplaced_cities_and_lists_them_with_verbose(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from gpsearch.cli import main

    source = tmp_path / "entries.jsonl"
    rows = [{**r, "locale": "en", "language": "en"} for r in RECORDS]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    index = ["index", str(source), "--index", str(tmp_path / "index")]
    quiet = CliRunner().invoke(main, index)
    assert quiet.exit_code == 0, quiet.output
    assert "unresolved cities (placed at their country's centre): 1 (-v lists them)" in quiet.output
    verbose = CliRunner().invoke(main, [*index, "--rebuild", "-v"])
    assert "  Zzyzxville (FR)" in verbose.output
    search = CliRunner().invoke(
        main, ["search", "--index", str(tmp_path / "index"), "--near", "Genevaa"]
    )
    assert search.exit_code == 1 and "near: unknown place 'Genevaa'" in search.output


def test_every_city_of_the_shared_corpus_and_the_seed_pages_is_placed(eval_index: Path) -> None:
    docs = list(Searcher(eval_index).iter_documents())
    unplaced = sorted({(d.city, d.country_code) for d in docs if d.city and d.lat is None})
    assert unplaced == []
    by_city = {d.city: d for d in docs}
    assert by_city["Ravenne"].place == "Ravenna"  # printed in French
    assert by_city["London-Lewisham"].place == "Lewisham"  # a borough of London
    bergen = by_city["Bergen"]  # in Norway, not Mons (Bergen in Dutch)
    assert bergen.lat is not None and bergen.lat > 60
