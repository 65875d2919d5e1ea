"""Relevance regression: nDCG@10 on the blind judged queries must not drop.

The run is the first page as a user sees it: the results, then the related practices
that fill a short page.  Floors are the values reached when they were set, minus 0.02.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.relevance import by_practice, evaluate, load_judged, load_practices
from search import Searcher, SearchRequest

FLOORS = {
    "split:dev": 0.842,
    "split:test": 0.877,
    "all": 0.859,
    # the categories topics and places were built for
    "category:place": 0.980,
    "category:topical": 0.552,
}


def test_ndcg_does_not_drop(eval_index: Path, tmp_path: Path) -> None:
    judged = load_judged(tmp_path, [])
    assert not judged.placeholder, "tests/eval/queries.tsv and qrels.txt are missing"
    searcher = Searcher(eval_index)
    run = {}
    for query in judged.queries:
        response = searcher.search(SearchRequest(query.text, per_page=10))
        run[query.qid] = [h.id for h in (*response.results, *response.related)][:10]
    groups = evaluate(*by_practice(judged, run, load_practices(), tmp_path))["groups"]
    table = "\n".join(
        f"{name:24} {g['queries']:3} queries  nDCG@10 {g['nDCG@10']:.3f}  MRR@10 {g['MRR@10']:.3f}"
        for name, g in sorted(groups.items())
    )
    print("\n" + table)
    for name, floor in FLOORS.items():
        assert groups[name]["nDCG@10"] >= floor, f"{name} below {floor}\n{table}"
