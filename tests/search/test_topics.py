"""Topics in search: the multi-valued facet, the filter, `topic:` syntax, the ranking signal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus import CorpusError, load_sources
from search import Searcher, SearchRequest, topics
from search.models import SearchError
from tests.search.small import small_index

LABOUR = "business-labour-market"
RECORDS = [
    {
        "id": "jobs",
        "title": "Jobs and employment for migrants",
        "summary": "A labour market programme: employment, job training and entrepreneurship.",
    },
    {
        "id": "jobs-school",
        "title": "School and jobs",
        "summary": "Teachers and pupils at school prepare for employment and jobs.",
    },
    {
        "id": "school",
        "title": "Intercultural school",
        "summary": "Teachers, pupils and the school curriculum in several languages.",
    },
    {
        "id": "market",
        "title": "Apprenticeships in local firms",
        "summary": "Employment and entrepreneurship: migrants start businesses and find work.",
    },
    {
        "id": "declared",
        "title": "A festival of music",
        "summary": "Concerts in the park, with neighbours.",
        "topics": "Éducation; business-labour-market",
    },
    {
        "id": "french",
        "title": "Emploi des nouveaux arrivants",
        "summary": "Le marché du travail : emploi, formation et création d'entreprise.",
        "language": "fr",
        "locale": "fr",
    },
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return Searcher(small_index(tmp_path_factory.mktemp("topics") / "index", RECORDS))


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.id for h in response.results]


def facet(response, name: str = "topic") -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {v.value: v.count for v in response.facets[name]}


def test_every_entry_gets_ranked_topics_and_hits_carry_them(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("", versions="all", per_page=20))
    assert len(response.results) == len(RECORDS)
    for hit in response.results:
        assert 1 <= len(hit.topics) <= 3
    doc = searcher.get("jobs")
    assert doc is not None and doc.topics[0] == LABOUR
    best = doc.topic_scores[0]
    assert best["topic"] == LABOUR and 0 < best["confidence"] <= 1 and best["evidence"]
    assert searcher.get("french").topics[0] == LABOUR  # whatever the entry's language


def test_topic_strengths_are_each_entrys_strongest_named_topic(searcher: Searcher) -> None:
    """The strength a named topic gives, found through the topics' own entry lists, is
    each entry's best weight * confidence * rank share over its topics."""
    snap = searcher.snapshot()
    cols = snap.data.topics
    confidence = cols.confidence.astype(np.float32)
    for named in ({t: 1.0} for t in cols.values[:4]):
        named = {**named, cols.values[-1]: 0.8}
        expected = np.zeros(snap.n, dtype=np.float32)
        for d in range(snap.n):
            for k, code in enumerate(cols.codes[d]):
                if code >= 0 and cols.values[code] in named:
                    share = topics.RANK_WEIGHTS[min(k, len(topics.RANK_WEIGHTS) - 1)]
                    value = np.float32(named[cols.values[code]]) * confidence[d, k]
                    expected[d] = max(expected[d], value * np.float32(share))
        assert expected.any()
        assert np.array_equal(topics.strengths(snap, named), expected)


def test_declared_topics_win_over_the_assignment(searcher: Searcher) -> None:
    doc = searcher.get("declared")
    assert doc.topics == ("education", LABOUR)  # names resolved, source order kept
    assert [s["confidence"] for s in doc.topic_scores] == [1.0, 1.0]


def test_an_unknown_declared_topic_stops_the_build_naming_the_record(tmp_path: Path) -> None:
    bad = {"title": "T", "summary": "S", "topics": "education, astrology"}
    with pytest.raises(CorpusError, match=r"test:1: unknown topic 'astrology'"):
        small_index(tmp_path / "index", [bad])


def test_an_entry_counts_once_under_each_of_its_topics(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("", versions="all"))
    counts = facet(response)
    assert sum(counts.values()) > response.total  # multi-valued
    assert counts[LABOUR] >= 4 and counts["education"] >= 3


def test_topic_filter_is_disjunctive_and_accepts_names(searcher: Searcher) -> None:
    edu = searcher.search(SearchRequest("", filters={"topic": ("education",)}, versions="all"))
    assert {"school", "jobs-school", "declared"} <= set(ids(edu)) and "market" not in ids(edu)
    # the topic facet's own selection leaves its counts alone: other topics still show
    assert facet(edu)[LABOUR] >= 4
    both = searcher.search(
        SearchRequest("", filters={"topic": ("education", LABOUR)}, versions="all")
    )
    assert set(ids(both)) > set(ids(edu))
    french = searcher.search(SearchRequest("", filters={"topic": ("Éducation",)}, versions="all"))
    assert ids(french) == ids(edu)
    with pytest.raises(SearchError, match="topics"):
        SearchRequest("", filters={"topics": ("education",)})


def test_a_topic_value_naming_no_topic_stays_a_selected_value(searcher: Searcher) -> None:
    response = searcher.search(
        SearchRequest("", filters={"topic": ("en", "Éducation")}, versions="all")
    )
    selected = {v.value: v.count for v in response.facets["topic"] if v.selected}
    # "Éducation" selects the education topic; "en" names none, matches nothing and is
    # still listed as selected (the UI's chip can remove it), as other facets' unknowns are
    assert "education" in selected and selected["education"] >= 3
    assert selected["en"] == 0


@pytest.mark.parametrize(
    "query",
    ["topic:education", "topic:Éducation", "topic:Arsimi", 'topic:"Education"', "topic:EDUCATION"],
)
def test_topic_syntax_in_several_languages(searcher: Searcher, query: str) -> None:
    found = set(ids(searcher.search(SearchRequest(query, versions="all"))))
    assert {"school", "jobs-school", "declared"} <= found and "market" not in found


def test_topic_syntax_takes_words_naming_a_topic(searcher: Searcher) -> None:
    found = ids(searcher.search(SearchRequest('topic:"marché du travail"', versions="all")))
    assert {"jobs", "market", "french"} <= set(found) and "school" not in found
    assert ids(searcher.search(SearchRequest("topic:astrology"))) == []


def test_a_topic_only_entry_ranks_below_entries_with_the_words(searcher: Searcher) -> None:
    # "labour market" names the topic; only two entries have the words
    found = ids(searcher.search(SearchRequest("labour market", versions="all", per_page=10)))
    with_words = {"jobs", "french"}
    assert set(found[: len(with_words)]) == with_words
    assert "market" in found[len(with_words) :]  # the topic, none of the words
    assert "school" not in found


def test_topic_entries_do_not_join_phrases_or_negations(searcher: Searcher) -> None:
    assert "market" not in ids(searcher.search(SearchRequest('"labour market"')))
    assert "market" not in ids(searcher.search(SearchRequest("labour market -teachers")))


def test_topic_entries_do_not_flood_results_the_words_fill(tmp_path: Path) -> None:
    records = [
        {"id": f"w{i}", "title": f"Labour market {i}", "summary": "The labour market office."}
        for i in range(12)
    ] + [RECORDS[3]]  # the topic, none of the words
    searcher = Searcher(small_index(tmp_path / "index", records))
    response = searcher.search(SearchRequest("labour market", versions="all"))
    assert response.total == 12 and "market" not in ids(response)
    few = searcher.search(SearchRequest("labour market", filters={"topic": (LABOUR,)}))
    assert few.total == 12


def _cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gpsearch.cli", *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_cli_filter_and_export_carry_topics(searcher: Searcher) -> None:
    index = str(searcher.index_dir)
    data = json.loads(_cli("search", "--index", index, "--filter", "topic=education", "--json"))
    assert data["total"] >= 3 and all("education" in h["topics"] for h in data["results"])
    exported = [json.loads(line) for line in _cli("export", "--index", index).splitlines()]
    assert {e["id"]: e["topics"] for e in exported}["declared"] == ["education", LABOUR]
    assert all(e["topics"] and e["topic_scores"] for e in exported)


def test_csv_topics_are_comma_or_semicolon_separated(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text(
        "title,summary,locale,topics\n"
        'A,One,en,"education, Public space"\n'
        "B,Two,en,education;interaction\n",
        encoding="utf-8",
    )
    entries = load_sources([path]).entries
    assert [e.topics for e in entries] == [
        ("education", "Public space"),
        ("education", "interaction"),
    ]


def test_queries_read_topics_with_the_generations_vocabulary(searcher: Searcher) -> None:
    """A fresh process answers topical queries and topic filters from what the build saved
    beside the index: it never analyses the lexicon or the topic terms again (1-2 s on the
    first such query, and a second copy of the lexicon in every server worker)."""
    script = """
import json, sys
from pathlib import Path
from indexer import concepts, topic_data
from search import Searcher, SearchRequest
s = Searcher(Path(sys.argv[1]))
lifted = [h.id for h in s.search(SearchRequest("labour market", versions="all")).results]
named = [h.id for h in s.search(SearchRequest("", filters={"topic": ("marché du travail",)},
                                              versions="all")).results]
print(json.dumps({"lifted": lifted, "named": named,
                  "analysed": concepts._analysed.cache_info().currsize
                  + topic_data.load_vocabulary.cache_info().currsize}))
"""
    index = searcher.snapshot().gen.path.parent
    out = subprocess.run(
        [sys.executable, "-c", script, str(index)], capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert "market" in found["lifted"]  # the topic, none of the words
    assert {"jobs", "market", "french"} <= set(found["named"]) and "school" not in found["named"]
    assert found["analysed"] == 0


def test_topic_slots_after_added_entries_are_those_sorted_afresh() -> None:
    """A reopen after an update that only added entries (an edit adds its new version)
    places their topic slots into the previous generation's order: the same order and
    runs as sorting every slot, for codes with empty runs, no-topic slots and repeats."""
    from types import SimpleNamespace

    rng = np.random.default_rng(3)
    values = [f"t{k}" for k in range(12)]

    def snap(codes: np.ndarray) -> SimpleNamespace:
        cols = SimpleNamespace(codes=codes, values=values)
        return SimpleNamespace(data=SimpleNamespace(topics=cols), memo={})

    codes = rng.integers(-1, 12, (500, 3)).astype(np.int16)
    codes[codes == 5] = 7  # topic 5: an empty run
    before = snap(codes)
    topics.topic_slots(before)
    for step in range(6):
        grown = np.concatenate([codes, rng.integers(-1, 12, (step * 3, 3)).astype(np.int16)])
        after, fresh = snap(grown), snap(grown)
        assert topics._added_slots(after.data.topics, before) is not None  # carried
        order, starts = topics.topic_slots(after, before)
        expected = topics.topic_slots(fresh)
        assert np.array_equal(order, expected[0]) and np.array_equal(starts, expected[1])
        before, codes = after, grown
    changed = codes.copy()
    changed[3, 0] = (changed[3, 0] + 1) % 12  # an old row changed: sorted afresh
    assert topics._added_slots(snap(changed).data.topics, before) is None
