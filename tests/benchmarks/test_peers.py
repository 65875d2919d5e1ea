"""The benchmark's peers match as their configuration says: OR vs AND, phrases kept as
phrases, diacritics folded, the meta line indexed; and the Xapian bridge to the system
Python works.  Real indexes on disk, built from a small corpus written for these tests.

tantivy and the Xapian bindings come with the bench setup (`make setup-bench`), which
`make test` does not run: without them these tests skip, and fail under
$GPSEARCH_REQUIRE_FULL_SUITE only where the bench setup ran and should have installed them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import data
from benchmarks.queries import Query, parse_clauses
from benchmarks.systems import FIELD_WEIGHTS, REGISTRY, System, load_system, meta_line
from benchmarks.systems.fts5 import bm25_sql, match_expression
from tests.conftest import missing_prerequisite

BENCH_SETUP_DONE = (Path(sys.prefix) / ".installed-bench").exists()
FAIR = ("fts5", "tantivy", "whoosh", "xapian")
STRICT = ("fts5-and", "tantivy-and", "whoosh-and")


def _entry(id_: str, title: str, summary: str, **extra: Any) -> dict[str, Any]:
    entry = {name: "" for name in data.ENTRY_FIELDS}
    entry.update(
        id=id_,
        kind="good-practice",
        title=title,
        summary=summary,
        language="en",
        locale="en",
        year_from=2019,
        year_to=None,
        url=f"https://example.org/{id_}",
    )
    entry.update(extra)
    return entry


ENTRIES = [
    _entry(
        "malaga",
        "Intercultural mediation in Málaga",
        "The city strategy trains mediators in schools.",
        country="Spain",
        city="Málaga",
        period="2019 - ongoing",
    ),
    _entry(
        "leeds",
        "Roma inclusion in Leeds",
        "Strategy of the city: schools and housing for Roma families.",
        country="United Kingdom",
        city="Leeds",
        year_from=2021,
    ),
    _entry(
        "desk",
        "Refugee welcome desk",
        "Volunteers help newcomers with paperwork and housing.",
        country="Spain",
        city="Pontevedra",
    ),
    _entry(
        "rumours",
        "Anti-rumour network",
        "Workshops against prejudice in neighbourhoods.",
        country="Norway",
        city="Bergen",
        language="fr",
    ),
]


def _require(system: System) -> None:
    reason = system.unavailable()
    if reason is None:
        return
    if BENCH_SETUP_DONE:
        missing_prerequisite(f"{system.name}: {reason} although `make setup-bench` ran")
    pytest.skip(f"{system.name}: {reason} (bench setup not installed)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("peers") / "entries.jsonl"
    data.write_jsonl(path, ENTRIES)
    return path


def _opened(name: str, corpus: Path, workdir: Path) -> Iterator[System]:
    system = load_system(name)
    _require(system)
    system.build(corpus, workdir / name)
    system.close()
    system.open(workdir / name)
    try:
        yield system
    finally:
        system.close()


@pytest.fixture(params=FAIR)
def fair(request: pytest.FixtureRequest, corpus: Path, tmp_path: Path) -> Iterator[System]:
    yield from _opened(request.param, corpus, tmp_path)


@pytest.fixture(params=STRICT)
def strict(request: pytest.FixtureRequest, corpus: Path, tmp_path: Path) -> Iterator[System]:
    yield from _opened(request.param, corpus, tmp_path)


def ask(system: System, text: str, **filters: list[str]) -> list[str]:
    return system.query(Query(qid="t", text=text, category="t", filters=filters)).ids


def test_fts5_match_string_quotes_every_clause_and_joins_by_or_or_and() -> None:
    clauses = parse_clauses('Roma "equality data" AND')
    assert match_expression(clauses, conjunction=False) == '"roma" OR "equality data" OR "and"'
    assert match_expression(clauses, conjunction=True) == '"roma" "equality data" "and"'
    assert bm25_sql(("title", "summary", "body", "meta"), weighted=True) == (
        "bm25(docs, 0.0, 3.0, 2.0, 1.0, 2.0)"
    )


def test_fair_peer_ors_the_words(fair: System) -> None:
    # No entry holds both words: OR still finds each entry holding one of them.
    assert set(ask(fair, "mediation volunteers")) == {"malaga", "desk"}


def test_strict_peer_ands_the_words(strict: System) -> None:
    assert ask(strict, "mediation volunteers") == []
    assert ask(strict, "mediation schools") == ["malaga"]


def test_phrases_stay_phrases(fair: System) -> None:
    # "Strategy of the city" holds both words, but not side by side.
    assert ask(fair, '"city strategy"') == ["malaga"]
    assert "leeds" in ask(fair, "city strategy")


def test_strict_peer_keeps_phrases_too(strict: System) -> None:
    assert ask(strict, '"city strategy"') == ["malaga"]


def test_fair_peer_folds_diacritics(fair: System) -> None:
    assert ask(fair, "malaga")[:1] == ["malaga"]
    assert ask(fair, "málaga")[:1] == ["malaga"]


def test_fair_peer_searches_the_meta_line(fair: System) -> None:
    # Pontevedra is only the entry's city, never in its title or summary.
    assert ask(fair, "pontevedra") == ["desk"]


def test_strict_peer_does_not_search_the_meta_line(strict: System) -> None:
    assert ask(strict, "pontevedra") == []


def test_filters_and_facets_apply_to_the_or_query(fair: System) -> None:
    result = fair.query(
        Query(qid="t", text="housing prejudice", category="t", filters={"country": ["Spain"]})
    )
    assert result.ids == ["desk"]
    assert result.total == 1
    assert result.facets["country"] == {"Spain": 1}
    unfiltered = fair.query(Query(qid="t", text="housing prejudice", category="t"))
    assert unfiltered.total == 3
    assert unfiltered.facets["language"] == {"en": 2, "fr": 1}


def test_every_registered_system_loads_under_its_own_name() -> None:
    for name in REGISTRY:
        assert load_system(name).name == name


# --------------------------------------------------------------------------- Xapian
def _xapian_bridge() -> Any:
    """benchmarks.systems.xapian_peer, once the bridge's Python imports the bindings."""
    from benchmarks.systems import xapian_peer

    reason = xapian_peer.bridge_unavailable(xapian_peer.bridge_python())
    if reason is not None:
        if BENCH_SETUP_DONE:
            missing_prerequisite(f"xapian bridge: {reason} although `make setup-bench` ran")
        pytest.skip(f"xapian bridge: {reason} (bench setup not installed)")
    return xapian_peer


def test_xapian_bridge_answers_from_the_system_python(corpus: Path, tmp_path: Path) -> None:
    xapian_peer = _xapian_bridge()
    bridge = xapian_peer.XapianBridge(xapian_peer.bridge_python(), "unknown")
    try:
        assert bridge.build(str(corpus), str(tmp_path / "x"))["entries"] == len(ENTRIES)
        bridge.open(str(tmp_path / "x"))
        answer = bridge.query([[["volunters"], False]], {})
        assert answer["ids"] == ["desk"]  # the typo corrected from the spelling data
        assert answer["corrected"] == "volunteers"
        assert bridge.peak_rss_bytes() > 0
        with pytest.raises(RuntimeError, match=r"'query'.*cannot filter on 'colour'"):
            bridge.query([[["roma"], False]], {"colour": ["red"]})
        # An error reply leaves the child serving.
        assert bridge.query([[["roma"], False]], {})["ids"] == ["leeds"]
    finally:
        bridge.close()
    assert bridge._process.returncode == 0


def test_xapian_corrects_only_words_the_index_lacks(corpus: Path, tmp_path: Path) -> None:
    xapian_peer = _xapian_bridge()
    unknown = xapian_peer.XapianBridge(xapian_peer.bridge_python(), "unknown")
    try:
        unknown.build(str(corpus), str(tmp_path / "x"))
        unknown.open(str(tmp_path / "x"))
        # "roma" is in the index: kept, though "from"-like neighbours may be commoner.
        assert unknown.query([[["roma", "inclusion"], True]], {})["corrected"] == (
            '"roma inclusion"'
        )
        assert unknown.query([[["pontevdra"], False]], {})["ids"] == ["desk"]
    finally:
        unknown.close()


def test_xapian_engine_agrees_with_the_benchmark_definitions() -> None:
    # The engine imports nothing from the project (it runs under the system Python), so
    # it repeats a few definitions: ask the engine, under that Python, for its own.
    xapian_peer = _xapian_bridge()
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import xapian_engine as e; "
        "entries = json.loads(sys.stdin.read()); print(json.dumps({"
        "'weights': e.FIELD_WEIGHTS, 'facets': e.FACET_FIELDS, 'filters': e.FILTER_FIELDS, "
        "'meta': [e.meta_line(x) for x in entries], "
        "'values': [[e.facet_value(x, f) for f in e.FILTER_FIELDS] for x in entries]}))"
    )
    engine_dir = str(xapian_peer.ENGINE_SCRIPT.parent)
    done = subprocess.run(
        [xapian_peer.bridge_python(), "-c", script, engine_dir],
        input=json.dumps(ENTRIES),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    engine = json.loads(done.stdout)
    assert engine["weights"] == FIELD_WEIGHTS
    assert tuple(engine["facets"]) == data.FACET_FIELDS
    assert tuple(engine["filters"]) == data.FILTER_FIELDS
    assert engine["meta"] == [meta_line(x) for x in ENTRIES]
    assert engine["values"] == [
        [data.facet_value(x, f) for f in data.FILTER_FIELDS] for x in ENTRIES
    ]


@pytest.mark.parametrize("name", ["gpsearch", *FAIR])
def test_a_system_builds_where_no_work_directory_exists_yet(
    name: str, corpus: Path, tmp_path: Path
) -> None:
    """`make bench` on a fresh clone: the scratch directories do not exist yet (gpsearch
    writes its input file beside its index, and failed there)."""
    system = load_system(name)
    _require(system)
    index = tmp_path / "work" / "indexes" / "real" / name
    system.build(corpus, index)
    system.close()
    system.open(index)
    try:
        assert "malaga" in ask(system, "mediation")  # the index built holds the entries
    finally:
        system.close()
