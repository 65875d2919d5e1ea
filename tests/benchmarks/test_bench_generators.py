"""Smoke tests of the benchmark's corpus and query generators (the harness itself runs
under `make bench`, not here)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.data import ENTRY_FIELDS, facet_value
from benchmarks.queries import FILTER_COUNTS, KINDS, Query, generate_queries, parse_clauses
from benchmarks.relevance import JudgedSet, evaluate
from benchmarks.synth import build_model, generate, write_corpus

SOURCES = [
    {
        "id": "en-a",
        "kind": "good-practice",
        "language": "en",
        "locale": "en",
        "title": "Intercultural mediation in Valladolid: a city strategy",
        "summary": "Purpose: Promote respect for religious diversity. The city trains "
        "mediators in schools and neighbourhoods...",
        "body": "",
        "country": "Spain",
        "country_code": "ES",
        "city": "Valladolid",
        "period": "2019 - ongoing",
        "year_from": 2019,
        "year_to": None,
        "url": "https://www.coe.int/en/web/interculturalcities/good-practice",
    },
    {
        "id": "sr-b",
        "kind": "news",
        "language": "en",
        "locale": "sr",
        "title": "Roma inclusion policies in Reggio Emilia",
        "summary": "The initiative aims to support the inclusion of the Roma community. "
        "Local schools and services take part.",
        "body": "",
        "country": "Italy",
        "country_code": "IT",
        "city": "Reggio Emilia",
        "period": "3 October 2022",
        "year_from": 2022,
        "year_to": 2022,
        "url": "https://www.coe.int/sr/web/interculturalcities/newsroom",
    },
    {
        "id": "fr-c",
        "kind": "good-practice",
        "language": "fr",
        "locale": "fr",
        "title": "Carte de l’immigration à Leeds",
        "summary": "Leeds s’appuie sur des données statistiques et qualitatives relatives "
        "à la diversité. La ville publie une carte interactive...",
        "body": "",
        "country": "Royaume-Uni",
        "country_code": "GB",
        "city": "Leeds",
        "period": "2020",
        "year_from": 2020,
        "year_to": 2020,
        "url": "https://www.coe.int/fr/web/interculturalcities/good-practice",
    },
]


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    assert write_corpus(first, 300, seed=3, sources=SOURCES) == 300
    write_corpus(second, 300, seed=3, sources=SOURCES)
    write_corpus(other, 300, seed=4, sources=SOURCES)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_entries_keep_fields_and_stay_within_their_language(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    write_corpus(path, 200, seed=1, sources=SOURCES)
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["id"] for e in entries[:2]] == ["syn-000001", "syn-000002"]
    assert all(tuple(e) == ENTRY_FIELDS for e in entries)
    french_words = {"données", "Leeds", "carte", "immigration", "ville"}
    for entry in entries:
        text = f"{entry['title']} {entry['summary']}"
        if entry["language"] == "fr":
            assert any(w in text for w in french_words)
            assert "Roma" not in text
        else:
            assert "données" not in text
        assert (entry["country"], entry["city"]) in {(s["country"], s["city"]) for s in SOURCES}
    # The template's kind decides the period pool: news keep news dates.
    assert {e["period"] for e in entries if e["kind"] == "news"} == {"3 October 2022"}
    assert {e["language"] for e in entries} == {"en", "fr"}


def test_generation_streams_lazily() -> None:
    stream = generate(build_model(SOURCES), 10**9, seed=1)
    assert next(stream)["id"].startswith("syn-")


def test_query_mix_is_seeded_and_covers_every_cell() -> None:
    entries = [
        *SOURCES,
        {
            **SOURCES[2],
            "id": "fr-d",
            "language": "fr",
            "title": "Semaine interculturelle de Portimão",
            "summary": "Une semaine entière consacrée à "
            "l’interculturel, avec un programme d’activités partagées.",
        },
    ]
    queries = generate_queries(entries, 30, seed=5)
    assert [q.to_dict() for q in queries] == [
        q.to_dict() for q in generate_queries(entries, 30, seed=5)
    ]
    assert {(q.category, q.n_filters) for q in queries} == {
        (k, n) for k in KINDS for n in FILTER_COUNTS
    }
    for q in queries:
        if q.category == "phrase":
            assert q.text.startswith('"') and q.text.endswith('"')
        if q.category == "non_english":
            assert q.language == "fr"
    # Filters come from the entry the words were drawn from: one entry matches them all.
    for q in queries:
        assert any(
            all(facet_value(e, f) in values for f, values in q.filters.items()) for e in entries
        ), q
    # The warm-up set (another seed) shares no query with the timed one.
    warmup = generate_queries(entries, 10, seed=6, exclude=queries)
    assert len(warmup) == 10
    timed = {(q.text, str(q.filters)) for q in queries}
    assert not timed & {(q.text, str(q.filters)) for q in warmup}


def test_clauses_quote_phrases_and_drop_syntax() -> None:
    clauses = parse_clauses('"Intercultural  Cities" AND d’accueil -x:y')
    assert [(c.words, c.phrase) for c in clauses] == [
        (("intercultural", "cities"), True),
        (("and",), False),
        (("d",), False),
        (("accueil",), False),
        (("x",), False),
        (("y",), False),
    ]


def test_relevance_scores_only_the_judged_queries_that_ran(tmp_path: Path) -> None:
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("a 0 d1 2\nb 0 d2 2\nc 0 d3 0\n", encoding="utf-8")
    judged = JudgedSet(
        [
            Query("a", "x", "en", split="dev"),
            Query("b", "y", "en", split="dev"),
            Query("c", "z", "en", split="dev"),
        ],
        qrels,
        placeholder=False,
        source="test",
    )
    # `b` ran and found nothing: a miss.  `c` has no relevant document: left out.
    full = evaluate(judged, {"a": ["d1"], "b": [], "c": ["d3"]})
    assert full["groups"]["all"] == {"queries": 2, "nDCG@10": 0.5, "MRR@10": 0.5}
    assert (full["unjudged"], full["not_run"]) == (1, 0)
    # The run stopped at its budget before `b`: not asked, so not scored as a miss.
    partial = evaluate(judged, {"a": ["d1"]})
    assert partial["groups"]["all"] == {"queries": 1, "nDCG@10": 1.0, "MRR@10": 1.0}
    assert (partial["unjudged"], partial["not_run"]) == (1, 1)
