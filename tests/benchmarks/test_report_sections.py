"""The report's section registry and the relevance-by-category section."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import report
from benchmarks.report.fmt import Report, table
from benchmarks.report.relevance import relevance_category_section


def _scores(**by_category: float) -> dict[str, Any]:
    groups = {
        f"category:{c}": {"queries": 4, "nDCG@10": v, "MRR@10": v} for c, v in by_category.items()
    }
    return {"groups": {"all": {"queries": 8, "nDCG@10": 0.5, "MRR@10": 0.5}, **groups}}


def _report(rel: dict[str, Any]) -> Report:
    return Report({"relevance": rel}, list(rel), "gpsearch")


def test_category_table_has_a_column_per_system_and_names_the_best_peer() -> None:
    rel = {
        "gpsearch": _scores(typo=0.90, uk=0.95),
        "xapian": _scores(typo=0.97, uk=0.0),
        "fts5": _scores(typo=0.60, uk=0.0),
    }
    text = "\n".join(relevance_category_section(_report(rel)))
    assert "| category | queries | gpsearch | xapian | fts5 | best peer (gpsearch − it) |" in text
    assert "| typo | 4 | 0.900 / 0.900 | 0.970 / 0.970 | 0.600 / 0.600 | xapian (-0.070) |" in text
    # Where a peer wins, the report says so and why; where gpsearch leads widely, why too.
    assert "- **typo** (gpsearch 0.900): xapian beats it (0.970). Why: Xapian's spelling" in text
    assert "- **uk**: gpsearch leads by 0.950." in text


def test_a_partial_run_is_not_compared() -> None:
    rel = {"gpsearch": _scores(typo=0.5), "xapian": {**_scores(typo=0.9), "not_run": 3}}
    text = "\n".join(relevance_category_section(_report(rel)))
    assert "xapian (partial)" in text
    assert "xapian beats it" not in text


def test_registered_section_is_rendered_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "SECTIONS", list(report.SECTIONS))

    def collapsing(r: Report) -> list[str]:
        return ["## Collapsing cost", "", table(["system", "ms"], [["gpsearch", "1.0"]]), ""]

    report.register_section("collapsing", collapsing, after="query")
    keys = [s.key for s in report.SECTIONS]
    assert keys[keys.index("query") + 1] == "collapsing"
    text = report.render({"runs": {}}, [s for s in report.SECTIONS if s.key == "collapsing"])
    assert text.startswith("## Collapsing cost\n\n| system | ms |\n|:--|--:|\n| gpsearch | 1.0 |")
    with pytest.raises(KeyError, match="no section 'nonexistent'"):
        report.register_section("maps", collapsing, after="nonexistent")
