"""The judged relevance set (queries.tsv + qrels.txt) is well formed and matches the corpus."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from corpus.model import derive_id

EVAL_DIR = Path(__file__).resolve().parent
SPLITS = ("dev", "test")
CATEGORIES = (
    "keyword",
    "officer",
    "translator",
    "fr",
    "sq",
    "sr",
    "es",
    "uk",
    "typo",
    "nodiacritics",
    "phrase",
    "syntax",
)
MIN_QUERIES_PER_SPLIT = 25


def load_queries() -> dict[str, tuple[str, str, str]]:
    """qid -> (split, category, query)."""
    queries: dict[str, tuple[str, str, str]] = {}
    text = (EVAL_DIR / "queries.tsv").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("\t")
        assert len(fields) == 4, f"queries.tsv:{number}: expected 4 tab-separated fields"
        qid, split, category, query = fields
        assert qid not in queries, f"queries.tsv:{number}: duplicate qid {qid}"
        queries[qid] = (split, category, query)
    return queries


def load_qrels() -> list[tuple[str, str, int]]:
    """(qid, docid, grade) for every judged pair."""
    qrels: list[tuple[str, str, int]] = []
    text = (EVAL_DIR / "qrels.txt").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        assert len(fields) == 4, f"qrels.txt:{number}: expected 'qid 0 docid grade'"
        qid, iteration, docid, grade = fields
        assert iteration == "0", f"qrels.txt:{number}: iteration column must be 0"
        assert grade.isdigit(), f"qrels.txt:{number}: grade {grade!r} is not an integer"
        qrels.append((qid, docid, int(grade)))
    return qrels


def test_queries_are_well_formed() -> None:
    queries = load_queries()
    qids = list(queries)
    assert qids == [f"q{n:02d}" for n in range(1, len(qids) + 1)], "qids must run q01..qNN"
    for qid, (split, category, query) in queries.items():
        assert split in SPLITS, f"{qid}: unknown split {split!r}"
        assert category in CATEGORIES, f"{qid}: unknown category {category!r}"
        assert query.strip() == query and query, f"{qid}: empty or padded query"


def test_both_splits_are_large_enough_and_cover_every_category() -> None:
    queries = load_queries()
    per_split = Counter(split for split, _, _ in queries.values())
    for split in SPLITS:
        assert per_split[split] >= MIN_QUERIES_PER_SPLIT, f"{split}: {per_split[split]} queries"
    categories = defaultdict(set)
    for split, category, _ in queries.values():
        categories[category].add(split)
    for category, splits in categories.items():
        assert splits == set(SPLITS), f"category {category} is only in {sorted(splits)}"


def test_qrels_and_queries_name_the_same_qids() -> None:
    queries = load_queries()
    judged = {qid for qid, _, _ in load_qrels()}
    assert judged - set(queries) == set(), "qrels has qids missing from queries.tsv"
    assert set(queries) - judged == set(), "queries.tsv has queries without judgments"


def test_grades_are_in_range_and_pairs_unique() -> None:
    pairs: Counter[tuple[str, str]] = Counter()
    for qid, docid, grade in load_qrels():
        assert 1 <= grade <= 3, f"{qid} {docid}: grade {grade} outside 1..3"
        pairs[(qid, docid)] += 1
    duplicates = [pair for pair, count in pairs.items() if count > 1]
    assert duplicates == [], f"pairs judged twice: {duplicates}"


def test_every_query_has_a_highly_relevant_document() -> None:
    best: dict[str, int] = defaultdict(int)
    for qid, _, grade in load_qrels():
        best[qid] = max(best[qid], grade)
    weak = sorted(qid for qid in load_queries() if best[qid] < 2)
    assert weak == [], f"queries without a grade>=2 document: {weak}"


def test_every_judged_document_is_in_the_corpus(gold_entries: list[dict[str, Any]]) -> None:
    known = {derive_id(e["locale"], e["url"], e["title"]) for e in gold_entries}
    unknown = sorted({docid for _, docid, _ in load_qrels()} - known)
    assert unknown == [], f"docids that are not corpus entries: {unknown}"
