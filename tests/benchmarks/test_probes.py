"""The gpsearch probes of `make bench`: a fixed hostile set, and a run on a real index."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.probes import hostile_queries, main
from benchmarks.queries import Query, save_queries
from benchmarks.report.fmt import Report
from benchmarks.report.probes import probes_section


def test_the_hostile_set_is_fixed_distinct_and_covers_every_kind() -> None:
    first, again = hostile_queries(), hostile_queries()
    assert first == again, "seeded: every run measures the same strings"
    keys = [json.dumps([q, o], sort_keys=True, default=list) for _, q, o in first]
    assert len(set(keys)) == len(keys)
    assert len({kind for kind, _, _ in first}) >= 15
    assert all(len(q) <= 500 for _, q, _ in first), "within the query length the API allows"


def test_probes_measure_a_real_index_and_the_report_shows_them(
    seed_index: Path, tmp_path: Path
) -> None:
    queries = tmp_path / "queries.json"
    save_queries(queries, [Query("g1", "integration", "keyword"), Query("g2", "", "browse")])
    out = tmp_path / "probes.json"
    main(["--index", str(seed_index), "--queries", str(queries), "--out", str(out)])
    probes = json.loads(out.read_text(encoding="utf-8"))
    assert probes["hostile"]["queries"] == len(hostile_queries())
    assert probes["hostile"]["all"]["max"] >= probes["hostile"]["all"]["median"] > 0
    assert set(probes["versions"]) == {"all", "practice"}
    served = probes["translators"]
    assert served["served_by"].startswith("gpsearch serve")  # the real server, over HTTP
    assert set(served["paths"]) >= {"/translations", "/api/translations"}
    assert all(v["max"] >= v["median"] > 0 for v in served["paths"].values())
    text = "\n".join(
        probes_section(Report.of({"runs": {"real": {"gpsearch": {"probes": probes}}}}))
    )
    assert "Hostile queries" in text and "gpsearch serve, 2 workers" in text
    assert "| real | /translations?page=40 |" in text and "<= bound" in text
