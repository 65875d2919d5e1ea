"""The listing-page importer against every real page and the hand-checked entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corpus import LoadReport, bundled_sources, load_sources
from corpus.listing import read_listing
from corpus.meta import parse_meta

CHECKED_FIELDS = (
    "kind",
    "summary",
    "url",
    "country",
    "country_code",
    "city",
    "period",
    "year_from",
    "year_to",
    "meta",
)


def _by_key(entries: list[Any]) -> dict[tuple[str, str], Any]:
    return {(e.locale, e.title): e for e in entries}


def _compare(gold: list[dict[str, Any]], entries: list[Any]) -> list[str]:
    got = _by_key(entries)
    problems = []
    for g in gold:
        entry = got.get((g["locale"], g["title"]))
        if entry is None:
            problems.append(f"missing {g['locale']} {g['title']!r}")
            continue
        problems += [
            f"{g['title'][:40]!r} {name}: got {getattr(entry, name)!r}, want {g[name]!r}"
            for name in CHECKED_FIELDS
            if getattr(entry, name) != g[name]
        ]
    return problems


def test_shared_pages_import_exactly_the_checked_entries(shared_corpus: Path) -> None:
    from tests.conftest import read_jsonl

    gold = read_jsonl(shared_corpus / "entries.jsonl")
    result = load_sources([shared_corpus / "pages"])
    assert len(gold) == 45 and len(result.entries) == 48
    assert _compare(gold, result.entries) == []
    # sr_d repeats an entry of sr_a (same listing, another page): kept once.
    assert result.report.duplicates == 1
    # Every checked entry is whole; the 3 others are the pages' last entries, cut by the
    # capture: imported, flagged (see test_truncated_pages.py).
    checked = {(g["locale"], g["title"]) for g in gold}
    extra = [e for e in result.entries if (e.locale, e.title) not in checked]
    assert all(e.truncated for e in extra) and not any(
        e.truncated for e in result.entries if (e.locale, e.title) in checked
    )
    assert {e.source.split(":")[0].rsplit("/", 1)[-1] for e in extra} == {
        "en_c.txt",
        "fr_e.txt",
        "sr_e.txt",
    }


def test_bundled_corpus_is_every_real_page(shared_corpus: Path) -> None:
    from tests.conftest import read_jsonl

    gold = read_jsonl(shared_corpus / "entries.jsonl") + read_jsonl(
        shared_corpus / "seed-entries.jsonl"
    )
    result = load_sources()
    assert [p.name for p in result.files] == [p.name for p in bundled_sources()]
    # Every checked entry is there; entries the capture cut short may be kept too.
    assert len(result.entries) >= len(gold) == 68
    assert _compare(gold, result.entries) == []


def test_bundled_corpus_needs_nothing_beside_the_package() -> None:
    result = load_sources()
    assert len(result.entries) >= 68
    assert all(
        Path(e.source.rsplit(":", 1)[0]).is_relative_to(bundled_sources()[0].parent)
        for e in result.entries
    )
    assert {e.kind for e in result.entries} == {"news", "good-practice"}
    assert {e.locale for e in result.entries} == {"el", "en", "es", "fr", "sq", "sr", "tr"}


@pytest.mark.parametrize(
    ("line", "country", "city", "period", "years"),
    [
        ("Spain Valladolid 2019 - ongoing", "Spain", "Valladolid", "2019 - ongoing", (2019, None)),
        ("Spain Valladolid 2019-ongoing", "Spain", "Valladolid", "2019-ongoing", (2019, None)),
        ("United Kingdom Leeds 2022", "United Kingdom", "Leeds", "2022", (2022, 2022)),
        ("France Strasbourg Since 2022", "France", "Strasbourg", "Since 2022", (2022, None)),
        (
            "Australia Salisbury 2017 onwards",
            "Australia",
            "Salisbury",
            "2017 onwards",
            (2017, None),
        ),
        ("Ireland QË NGA VITI 2020", "Ireland", "", "QË NGA VITI 2020", (2020, None)),
        ("Ireland OD 2020", "Ireland", "", "OD 2020", (2020, None)),
        ("Norway 2013-", "Norway", "", "2013-", (2013, None)),
        ("Germany Erlangen ongoing", "Germany", "Erlangen", "ongoing", (None, None)),
        (
            "Switzerland Zurich 2021 (ongoing since 2017)",
            "Switzerland",
            "Zurich",
            "2021 (ongoing since 2017)",
            (2017, None),
        ),
        ("Royaume-Uni Leeds 2020", "Royaume-Uni", "Leeds", "2020", (2020, 2020)),
        ("Italie Ravenne 2017-2018", "Italie", "Ravenne", "2017-2018", (2017, 2018)),
        ("Portugal Portimão mai 2016", "Portugal", "Portimão", "mai 2016", (2016, 2016)),
        (
            "France Paris On-going since 2014",
            "France",
            "Paris",
            "On-going since 2014",
            (2014, None),
        ),
        (
            "Italy Fermo January - February 2018",
            "Italy",
            "Fermo",
            "January - February 2018",
            (2018, 2018),
        ),
        ("Switzerland Geneva", "Switzerland", "Geneva", "", (None, None)),
        ("Germany Berlin-Neukölln 2015", "Germany", "Berlin-Neukölln", "2015", (2015, 2015)),
        (
            "Spain Donostia-San Sebastian 2016",
            "Spain",
            "Donostia-San Sebastian",
            "2016",
            (2016, 2016),
        ),
        ("Italy Reggio Emilia 2022", "Italy", "Reggio Emilia", "2022", (2022, 2022)),
        (
            "New Zealand Auckland 2018 onwards",
            "New Zealand",
            "Auckland",
            "2018 onwards",
            (2018, None),
        ),
        (
            "United Kingdom London-Lewisham 2009 onwards",
            "United Kingdom",
            "London-Lewisham",
            "2009 onwards",
            (2009, None),
        ),
        (
            "18-19 October 2018 Geneva, Switzerland",
            "Switzerland",
            "Geneva",
            "18-19 October 2018",
            (2018, 2018),
        ),
        ("Montreal, Canada", "Canada", "Montreal", "", (None, None)),
        ("September 2018 Mexico City", "Mexico", "Mexico City", "September 2018", (2018, 2018)),
        ("3 October 2022 Cyprus", "Cyprus", "", "3 October 2022", (2022, 2022)),
        ("18 September 2019", "", "", "18 September 2019", (2019, 2019)),
        ("starting from 28 September 2020", "", "", "28 September 2020", (2020, 2020)),
        ("21st September 2020 at 13:00 CET online", "", "", "21st September 2020", (2020, 2020)),
    ],
)
def test_meta_line_variants(
    line: str, country: str, city: str, period: str, years: tuple[int | None, int | None]
) -> None:
    meta = parse_meta(line)
    assert meta is not None, line
    assert (meta.country, meta.city, meta.period, (meta.year_from, meta.year_to)) == (
        country,
        city,
        period,
        years,
    )


@pytest.mark.parametrize(
    "line",
    [
        "Roma inclusion policies in Reggio Emilia, Italy",
        "Mexico City opens its first Centre for Interculturality",
        "28 September: Launch of Voice Over, the online review about the intercultural mood",
        "Portugal organises its first Policy Lab on inclusive integration",
        "Migrant stories",
    ],
)
def test_titles_are_not_meta_lines(line: str) -> None:
    assert parse_meta(line) is None


def _page(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PAGE_BODY = (
    "Template for collection of Good practices >>\n\nMigrant stories\n\nGermany Erlangen 2020\n\n"
    "Purpose: During COVID, the City of Erlangen uplifted the stories of migrants...\n\nRead More\n"
)


def test_locale_from_source_address_then_option_then_file_prefix(tmp_path: Path) -> None:
    def locale_of(path: Path, locale: str | None = None) -> str:
        report = LoadReport()
        entries = list(
            read_listing(
                path,
                enumerate(path.read_text().split("\n"), start=1),
                locale=locale,
                report=report,
                skip_invalid=False,
            )
        )
        return entries[0].locale

    switch = (
        "Source: https://coe.int/fr/c/portal/update_language?languageId=de_DE&redirect="
        "%2Ffr%2Fweb%2Finterculturalcities%2Fgood-practice\n\n"
    )
    assert locale_of(_page(tmp_path, "a.txt", switch + PAGE_BODY)) == "fr"
    assert locale_of(_page(tmp_path, "sq__b.txt", PAGE_BODY), locale="es") == "es"
    assert locale_of(_page(tmp_path, "sq__c.txt", PAGE_BODY)) == "sq"
    # Nothing names the locale: the site's default, with a warning naming the file.
    result = load_sources([_page(tmp_path, "d.txt", PAGE_BODY)])
    assert result.entries[0].locale == "en"
    assert any("d.txt:1: no 'Source: <address>'" in w for w in result.report.warnings)


def test_seed_pages_as_found_import_like_the_checked_entries(shared_corpus: Path) -> None:
    """The raw seeds have no Source line: English by default, kinds from their dates."""
    from tests.conftest import read_jsonl

    gold = read_jsonl(shared_corpus / "seed-entries.jsonl")
    entries = load_sources([shared_corpus.parent / "seeds"]).entries
    assert len(entries) == len(gold)
    problems = [p for p in _compare(gold, entries) if " url:" not in p]
    assert problems == []


def test_page_without_read_more_lines_and_with_news_without_meta(tmp_path: Path) -> None:
    text = (
        "Source: https://www.coe.int/sq/web/interculturalcities/good-practice\n\n"
        "This section offers examples of intercultural approaches.\n\n"
        "Arritja në një pikë\n\nNorway Oslo 2022\n\nKomuna e Oslos ndërmori iniciativë...\n\n"
        "Barazia territoriale\n\nCanada Montreal 2020\n\nTë dhënat e popullsisë mblidhen...\n"
    )
    entries = load_sources([_page(tmp_path, "p.txt", text)]).entries
    assert [(e.title, e.city, e.year_from) for e in entries] == [
        ("Arritja në një pikë", "Oslo", 2022),
        ("Barazia territoriale", "Montreal", 2020),
    ]
    news = (
        "Source: https://www.coe.int/en/web/interculturalcities/newsroom#2020\n\n"
        "Launch of the Anti-rumour Guide\n\nWhich better place than a school to promote...\n\n"
        "Read More\n"
    )
    [entry] = load_sources([_page(tmp_path, "n.txt", news)]).entries
    assert (entry.kind, entry.meta, entry.country, entry.year_from) == ("news", "", "", None)


def test_ids_are_stable_across_pages_of_one_listing(shared_corpus: Path) -> None:
    pages = shared_corpus / "pages"
    first = {e.title: e.id for e in load_sources([pages / "sr_a.txt"]).entries}
    second = {e.title: e.id for e in load_sources([pages / "sr_d.txt"]).entries}
    shared = set(first) & set(second)
    assert shared, "sr_a and sr_d list a common entry"
    assert all(first[t] == second[t] for t in shared)
    again = {e.title: e.id for e in load_sources([pages / "sr_a.txt"]).entries}
    assert again == first


def test_source_line_counts_newlines_only(tmp_path: Path) -> None:
    """A form feed or line separator inside a line is not a line break for editors and
    `grep -n`: the entry's source must still name the line its title is on."""
    body = "Intro\x0cstill the intro line\u2028and more\n\n" + PAGE_BODY
    path = _page(tmp_path, "en__odd.txt", body)
    (entry,) = load_sources([path]).entries
    title_line = path.read_text(encoding="utf-8").split("\n").index("Migrant stories") + 1
    assert entry.source.endswith(f"en__odd.txt:{title_line}"), entry.source
