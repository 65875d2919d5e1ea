"""Translators' reports: untranslated entries against the hand-checked languages; coverage."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from corpus import derive_id
from search import Searcher, SearchRequest
from search.reports import (
    UNTRANSLATED_COLUMNS,
    coverage,
    untranslated_report,
    untranslated_rows,
    write_csv,
)
from tests.conftest import run_cli


def test_untranslated_report_matches_the_gold_languages(
    searcher: Searcher, gold_entries: list[dict[str, Any]]
) -> None:
    gold = {derive_id(g["locale"], g["url"], g["title"]): g for g in gold_entries}
    flagged = {row["id"] for row in untranslated_rows(searcher)} & set(gold)
    truth = {i for i, g in gold.items() if g["gold_language"] != g["locale"]}
    precision = len(flagged & truth) / len(flagged)
    recall = len(flagged & truth) / len(truth)
    report = f"untranslated: precision {precision:.3f}, recall {recall:.3f} ({len(truth)} in gold)"
    print(report)
    assert precision >= 0.95 and recall >= 0.95, report


def test_untranslated_filters_and_check_flag(searcher: Searcher) -> None:
    rows = untranslated_rows(searcher, {"locale": ("sq",)})
    assert rows and all(r["locale"] == "sq" and r["language"] != "sq" for r in rows)
    assert any("Art-therapy" in r["title"] for r in rows)
    assert all(r["check"] == (r["confidence"] < 0.8) for r in rows)
    english = untranslated_rows(searcher, {"language": ("sq",)})
    assert english and all(r["language"] == "sq" and r["locale"] != "sq" for r in english)


def test_csv_has_the_columns_and_defuses_formulas() -> None:
    out = io.StringIO()
    rows = [
        {
            "id": "x",
            "title": "=cmd|' /C calc'!A0",
            "locale": "en",
            "language": "fr",
            "confidence": 0.9,
            "check": False,
            "url": "@SUM(1)",
        }
    ]
    write_csv(out, rows, UNTRANSLATED_COLUMNS)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(parsed[0]) == list(UNTRANSLATED_COLUMNS)
    assert parsed[0]["title"].startswith("'=") and parsed[0]["url"] == "'@SUM(1)"


def test_report_pages_and_counts(searcher: Searcher) -> None:
    every = untranslated_rows(searcher)
    report = untranslated_report(searcher, {"locale": ("sr", "sq")}, page=2, per_page=3)
    chosen = [r for r in every if r["locale"] in ("sr", "sq")]
    assert report["untranslated_total"] == len(every)
    assert report["total"] == len(chosen)
    assert [r["id"] for r in report["rows"]] == [r["id"] for r in chosen[3:6]]
    locales = {f.value: (f.count, f.selected) for f in report["facets"]["locale"]}
    assert locales["sr"][1] and locales["en"] == (sum(r["locale"] == "en" for r in every), False)


def test_coverage_matrix(searcher: Searcher) -> None:
    matrix = coverage(searcher)
    assert {"en", "fr", "sq", "sr"} <= set(matrix["locales"])
    lutsk = next(r for r in matrix["rows"] if r["title"] == "Art-therapy in Lutsk")
    assert lutsk["cells"]["en"] == "translated" and lutsk["cells"]["sq"] == "untranslated"
    assert lutsk["cells"]["fr"] == "missing"
    for loc, counts in matrix["totals"].items():
        assert sum(counts.values()) == len(matrix["rows"]), loc
    listed = sum(len(es) for r in matrix["rows"] for es in r["entries"].values())
    assert listed == searcher.search(SearchRequest("", versions="all")).total
    assert len(matrix["rows"]) == searcher.search(SearchRequest("")).total, "one per practice"
    assert matrix["practices"] == len(matrix["rows"])
    page = coverage(searcher, page=2, per_page=5)
    assert page["rows"] == matrix["rows"][5:10] and page["totals"] == matrix["totals"]


def test_cli_untranslated_formats(multilingual_index: Path) -> None:
    base = ["untranslated", "--index", str(multilingual_index)]
    table = run_cli(*base, "--locale", "sr", check=True).stdout
    assert "Migrant stories" in table and "untranslated entr" in table
    out = run_cli(*base, "--format", "csv", check=True).stdout
    header = next(csv.reader(io.StringIO(out)))
    assert header == list(UNTRANSLATED_COLUMNS)


def test_cli_untranslated_filters_by_language_and_topic(multilingual_index: Path) -> None:
    base = ["untranslated", "--index", str(multilingual_index), "--format", "json"]
    every = json.loads(run_cli(*base, check=True).stdout)
    english = json.loads(run_cli(*base, "--language", "en", check=True).stdout)
    assert english and len(english) < len(every)
    assert all(row["language"] == "en" for row in english)
    searcher = Searcher(multilingual_index)
    topic = Counter(t for row in every for t in searcher.get(row["id"]).topics).most_common(1)[0][0]
    of_topic = json.loads(run_cli(*base, "--topic", topic, check=True).stdout)
    expected = [row for row in every if topic in searcher.get(row["id"]).topics]
    assert of_topic == expected and 0 < len(expected) < len(every)
    wrong = run_cli(*base, "--topic", "astrology")
    assert wrong.returncode == 2 and "--topic" in wrong.stderr and "education" in wrong.stderr
    assert not wrong.stdout
