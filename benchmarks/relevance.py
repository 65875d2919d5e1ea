"""nDCG@10 and MRR@10 of each system on the judged queries (tests/eval), with ir_measures.

The judged set is `tests/eval/queries.tsv` (`qid<TAB>split<TAB>category<TAB>query`) and
`tests/eval/qrels.txt` (TREC: `qid 0 docid grade`); doc ids are `derive_id` of the real
entries.  Until those files exist, a three-query placeholder built from the real corpus
keeps the pipeline honest (the report says so).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.data import EVAL_DIR, REPO_ROOT
from benchmarks.queries import Query, load_judged_queries, save_queries

log = logging.getLogger(__name__)

MEASURE_NAMES = ("nDCG@10", "MRR@10")
# Placeholder queries: (qid, split, category, query, a title substring of the relevant entries).
_PLACEHOLDER = (
    ("p1", "dev", "en", "interreligious dialogue Valladolid", "Interreligious dialogue"),
    ("p2", "test", "fr", "carte immigration Leeds", "Carte de l’immigration"),
    ("p3", "test", "sr", "strukturalnog rasizma Bergen", "strukturalnog rasizma"),
)


@dataclass(slots=True)
class JudgedSet:
    queries: list[Query]
    qrels_path: Path
    placeholder: bool
    source: str


def load_judged(
    work: Path, real_entries: Sequence[dict[str, Any]], eval_dir: Path = EVAL_DIR
) -> JudgedSet:
    """The judged queries (saved as JSON in `work` for the query workers) and qrels."""
    queries_tsv, qrels = eval_dir / "queries.tsv", eval_dir / "qrels.txt"
    work.mkdir(parents=True, exist_ok=True)
    if queries_tsv.exists() and qrels.exists():
        queries = load_judged_queries(queries_tsv)
        where = eval_dir.relative_to(REPO_ROOT) if eval_dir.is_relative_to(REPO_ROOT) else eval_dir
        source, placeholder = f"`{where}/{queries_tsv.name}` + `{qrels.name}`", False
    else:
        log.warning("%s or %s missing: using a 3-query placeholder", queries_tsv, qrels)
        queries, qrels = _placeholder(work, real_entries)
        source, placeholder = "3-query placeholder (tests/eval not present yet)", True
    save_queries(work / "judged.json", queries)
    return JudgedSet(queries, qrels, placeholder, source)


def _placeholder(work: Path, entries: Sequence[dict[str, Any]]) -> tuple[list[Query], Path]:
    queries: list[Query] = []
    lines: list[str] = []
    for qid, split, category, text, needle in _PLACEHOLDER:
        queries.append(Query(qid=qid, text=text, category=category, split=split))
        for entry in entries:
            if needle.lower() in entry["title"].lower():
                lines.append(f"{qid} 0 {entry['id']} 2")
    path = work / "placeholder-qrels.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return queries, path


def load_practices(path: Path = EVAL_DIR / "practices.tsv") -> dict[str, str]:
    """Gold versions of one practice: docid -> practice (ids not listed stand alone)."""
    if not path.exists():
        return {}
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return {
        row[1]: row[0]
        for row in rows
        if len(row) == 2 and not row[0].startswith("#") and row[0] != "practice"
    }


def by_practice(
    judged: JudgedSet, run: Mapping[str, Sequence[str]], practices: Mapping[str, str], work: Path
) -> tuple[JudgedSet, dict[str, list[str]]]:
    """The judged set and a run measured per practice: a practice's versions are one
    document (graded as its best version), and a run lists each practice once, where its
    first version stands.  A result page that shows a practice twice shows nothing more."""

    def key(doc_id: str) -> str:
        return practices.get(doc_id, doc_id)

    grades: dict[tuple[str, str], int] = {}
    for line in judged.qrels_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:
            qid, _, doc_id, grade = parts
            pair = (qid, key(doc_id))
            grades[pair] = max(grades.get(pair, 0), int(grade))
    work.mkdir(parents=True, exist_ok=True)
    qrels = work / "practice-qrels.txt"
    qrels.write_text(
        "".join(f"{qid} 0 {doc} {grade}\n" for (qid, doc), grade in grades.items()),
        encoding="utf-8",
    )
    collapsed = {qid: list(dict.fromkeys(key(d) for d in ids)) for qid, ids in run.items()}
    return JudgedSet(judged.queries, qrels, judged.placeholder, judged.source), collapsed


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def evaluate(judged: JudgedSet, run: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Per-query scores and means per split (dev/test/all) and per category.

    Queries without any relevant document in the qrels are left out (as trec_eval
    does); judged queries a system returned nothing for score 0.  Judged queries missing
    from `run` (the system's judged run hit its time budget before them) are left out
    too and counted in `not_run`: a query never asked is not a miss.
    """
    import ir_measures
    from ir_measures import RR, nDCG

    qrels = list(ir_measures.read_trec_qrels(str(judged.qrels_path)))
    relevant = {q.query_id for q in qrels if q.relevance > 0}
    scored = [
        ir_measures.ScoredDoc(qid, doc_id, float(len(ids) - rank))
        for qid, ids in run.items()
        for rank, doc_id in enumerate(ids)
    ]
    measures = {"nDCG@10": nDCG @ 10, "MRR@10": RR @ 10}
    judged_ids = [q.qid for q in judged.queries if q.qid in relevant]
    per_query: dict[str, dict[str, float]] = {
        qid: dict.fromkeys(MEASURE_NAMES, 0.0) for qid in judged_ids if qid in run
    }
    by_measure = {m: n for n, m in measures.items()}
    for metric in ir_measures.iter_calc(list(measures.values()), qrels, scored):
        if metric.query_id in per_query:
            per_query[metric.query_id][by_measure[metric.measure]] = float(metric.value)
    groups: dict[str, list[str]] = {"all": list(per_query)}
    for q in judged.queries:
        if q.qid not in per_query:
            continue
        groups.setdefault(f"split:{q.split or '-'}", []).append(q.qid)
        groups.setdefault(f"category:{q.category or '-'}", []).append(q.qid)
    summary = {
        group: {
            "queries": len(qids),
            **{m: _mean(per_query[qid][m] for qid in qids) for m in MEASURE_NAMES},
        }
        for group, qids in groups.items()
    }
    return {
        "per_query": per_query,
        "groups": summary,
        "unjudged": len(judged.queries) - len(judged_ids),
        "not_run": len(judged_ids) - len(per_query),
    }
