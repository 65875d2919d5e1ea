"""The judged relevance set (queries.tsv + qrels.txt) is well formed and matches the corpus."""

from __future__ import annotations

import json
import re
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
    "topical",
    "place",
    "crosslang",
)
MIN_QUERIES_PER_SPLIT = 25
# The entries the listing pages cut off mid-entry: the corpus imports them, flagged truncated.
PARTIAL_FIELDS = [
    "title",
    "meta",
    "summary",
    "kind",
    "locale",
    "url",
    "country",
    "country_code",
    "country_en",
    "city",
    "period",
    "year_from",
    "year_to",
    "source",
    "gold_language",
    "truncated",
]


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


def test_splits_alternate_within_each_category() -> None:
    # Alternating keeps dev and test alike in size and kind for every category.
    splits: dict[str, list[str]] = defaultdict(list)
    for split, category, _ in load_queries().values():
        splits[category].append(split)
    for category, order in splits.items():
        repeats = [n for n in range(1, len(order)) if order[n] == order[n - 1]]
        assert repeats == [], f"category {category}: split repeats at its query {repeats}"


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


def load_partial_entries() -> list[dict[str, Any]]:
    text = (EVAL_DIR / "partial-entries.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def corpus_entries(gold_entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every entry of the bundled corpus: the complete ones and the cut-off last ones."""
    return gold_entries + load_partial_entries()


def test_partial_entries_are_the_cut_off_last_entries_of_their_pages(shared_corpus: Path) -> None:
    for number, entry in enumerate(load_partial_entries(), 1):
        place = f"partial-entries.jsonl:{number}"
        assert sorted(entry) == sorted(PARTIAL_FIELDS), f"{place}: fields {sorted(entry)}"
        assert entry["truncated"] is True, f"{place}: not flagged truncated"
        page = (shared_corpus / "pages" / entry["source"]).read_text(encoding="utf-8")
        assert page.splitlines()[0] == f"Source: {entry['url']}", f"{place}: url of another page"
        tail = [line.strip() for line in page.splitlines() if line.strip()][-3:]
        printed = [entry["title"], entry["meta"], entry["summary"]]
        # An entry cut before its summary ends the page on its meta line.
        assert tail == printed or tail[1:] == printed[:2], f"{place}: not the page's last entry"


def test_every_judged_document_is_in_the_corpus(gold_entries: list[dict[str, Any]]) -> None:
    known = {derive_id(e["locale"], e["url"], e["title"]) for e in corpus_entries(gold_entries)}
    unknown = sorted({docid for _, docid, _ in load_qrels()} - known)
    assert unknown == [], f"docids that are not corpus entries: {unknown}"


def test_copies_of_one_entry_get_the_same_grades(gold_entries: list[dict[str, Any]]) -> None:
    copies: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in corpus_entries(gold_entries):
        copies[(e["title"], e["summary"])].add(derive_id(e["locale"], e["url"], e["title"]))
    grades: dict[tuple[str, str], int] = {(qid, docid): g for qid, docid, g in load_qrels()}
    for qid in load_queries():
        for ids in copies.values():
            seen = {docid: grades.get((qid, docid), 0) for docid in ids}
            assert len(set(seen.values())) == 1, f"{qid}: copies graded differently: {seen}"


def test_readme_query_table_matches_the_files() -> None:
    # The README is how people read the set; a stale table misleads every comparison.
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for qid, _, grade in load_qrels():
        counts[qid][grade] += 1
    expected = [
        f"| {qid} | {split} | {category} | `{query}` | "
        f"{counts[qid][3]} / {counts[qid][2]} / {counts[qid][1]} |"
        for qid, (split, category, query) in load_queries().items()
    ]
    readme = (EVAL_DIR / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if re.match(r"\| q\d", line)]
    assert rows == expected, "README.md query table differs from queries.tsv + qrels.txt"
    total = f"| **total** | {len(load_qrels())} |"
    assert total in readme.splitlines(), f"README.md lacks the judged-pairs total {total!r}"
