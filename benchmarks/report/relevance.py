"""The report's relevance sections: nDCG@10 / MRR@10 per split, then per category with
the categories a peer wins and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.relevance import MEASURE_NAMES
from benchmarks.report.fmt import BETTER_NDCG, PRIMARY, Report, fmt_num, relevance_partial, table

# Why a lexical peer can score at or above gpsearch in a category of the judged set
# (tests/eval/README.md describes them); quoted only where this run's numbers show it.
CATEGORY_REASONS = {
    "translator": "the queries are exact title fragments: plain BM25 with a title weight "
    "ranks the entry holding them first, which is all this category asks",
    "phrase": "a quoted phrase is an exact positional match in every engine; what is left "
    "is BM25 ordering among the few entries holding it",
    "keyword": "English keywords that occur verbatim in English entries: an English "
    "stemmer and BM25 suffice, and OR keeps partial matches",
    "officer": "topic words plus a place name: the meta line (country, city) is indexed, "
    "so OR + BM25 ranks the entries of that place that also hold the topic",
    "nodiacritics": "the peer folds diacritics (FTS5 remove_diacritics 2, tantivy "
    "ascii_fold, Whoosh accent_map, Xapian folded in Python), so `Malaga` is `Málaga`",
    "typo": "Xapian's spelling correction from index-time spelling data replaces an "
    "unknown word by the nearest indexed one, as gpsearch's suggestion does",
    "fr": "French queries over French entries: the stemmed and folded exact words match",
    "sq": "Albanian queries whose words occur verbatim in the Albanian entries",
    "sr": "Serbian queries whose words occur verbatim in the Serbian entries",
    "es": "Spanish words that happen to equal English or French forms in the entries",
    "uk": "Cyrillic words that occur verbatim in an entry",
}


def relevance_section(r: Report) -> list[str]:
    results, systems = r.results, r.systems
    rel = results.get("relevance") or {}
    judged = results.get("judged") or {}
    if not rel:
        return ["## Relevance", "", "Not measured (the real corpus was not in `--sizes`).", ""]
    names = [n for n in systems if n in rel]
    splits = ["all", *(g for g in _groups(rel, names) if g.startswith("split:"))]
    partial = [n for n in names if relevance_partial(rel[n])]

    out = [
        "## Relevance",
        "",
        f"Judged set: {judged.get('source', '?')}; {judged.get('queries', 0)} queries "
        "(queries with no relevant document are left out, as trec_eval does). Each cell is "
        "nDCG@10 / MRR@10 with `ir_measures`, no filters, on the real corpus.",
        "",
    ]
    if judged.get("placeholder"):
        out += [
            "> **Placeholder**: `tests/eval/queries.tsv` / `qrels.txt` were not there yet; "
            "these numbers only show the pipeline works.",
            "",
        ]
    if partial:
        budget = results["config"].get("query_budget_s", 0)
        out += [
            "> **Incomplete judged run**: "
            + "; ".join(
                f"{n} ran out of its {budget:.0f} s budget with {rel[n].get('not_run', '?')} "
                "judged queries not asked"
                for n in partial
            )
            + ". Those queries are left out of its means (not scored as misses), so its "
            "columns (marked *partial*) cover fewer queries than the others and are not "
            "compared with them below.",
            "",
        ]
    headers = [f"{n} (partial)" if n in partial else n for n in names]
    out += [
        table(
            ["split", "queries", *headers],
            [
                [
                    g.removeprefix("split:"),
                    _count(rel, names, g),
                    *[_cell(rel, n, g) for n in names],
                ]
                for g in splits
            ],
        ),
        "",
    ]
    return out


# Why gpsearch leads a category by a wide margin (LEAD_GAP) over the best lexical peer.
LEAD_REASONS = {
    "uk": "the answers are English or Ukrainian-city entries written in Latin script: "
    "gpsearch transliterates Cyrillic place names and matches across languages through "
    "its concept lexicon; a lexical peer has no Cyrillic term to match",
    "es": "there are no Spanish entries: gpsearch maps Spanish words to the English and "
    "French entries through its concept lexicon; a lexical peer matches only the words "
    "that happen to be spelled alike",
    "sq": "Albanian inflection (`barazisë`, `të dhënat`): gpsearch lemmatizes Albanian; the "
    "peers' English stemmer leaves the forms apart",
    "sr": "Serbian inflection (`podaci o jednakosti`): gpsearch lemmatizes Serbian; the "
    "peers' English stemmer leaves the forms apart",
    "fr": "French inflection and cross-language answers: gpsearch analyses French entries "
    "with a French stemmer and reaches English entries through the concept lexicon",
    "typo": "gpsearch's typo tolerance; only Xapian's spelling correction comes close",
    "phrase": "a phrase whose answers are written in another language (`equality data`, "
    "answered by Albanian and Serbian entries): gpsearch reaches them through its concept "
    "lexicon, a lexical peer cannot; the other phrases score alike",
    "keyword": "keywords whose best answers are written in another language (`equality "
    "data`): gpsearch reaches them through its concept lexicon, a lexical peer cannot",
    "nodiacritics": "not the folding (every fair peer folds) but inflection and "
    "cross-language answers of the unaccented Serbian and French queries",
}
LEAD_GAP = 0.1


def _best_peer(rel: dict[str, Any], names: Sequence[str], ref: str, group: str) -> str:
    """`name (gap)`: the peer with the highest nDCG@10 in the group and ref's lead over it."""
    scored = [(n, v) for n in names if n != ref and (v := _ndcg(rel, n, group)) is not None]
    theirs = _ndcg(rel, ref, group)
    if not scored or theirs is None:
        return "–"
    name, best = max(scored, key=lambda item: item[1])
    return f"{name} ({theirs - best:+.3f})"


def _groups(rel: dict[str, Any], names: Sequence[str]) -> list[str]:
    groups: set[str] = set()
    for name in names:
        groups.update(rel[name]["groups"])
    return sorted(groups)


def _cell(rel: dict[str, Any], name: str, group: str) -> str:
    values = rel[name]["groups"].get(group)
    if not values:
        return "–"
    return " / ".join(fmt_num(values[m], 3) for m in MEASURE_NAMES)


def _count(rel: dict[str, Any], names: Sequence[str], group: str) -> str:
    # A system whose judged run was cut short scored fewer queries: show the full count.
    counts = (rel[n]["groups"][group]["queries"] for n in names if group in rel[n]["groups"])
    return str(max(counts, default=0))


def _ndcg(rel: dict[str, Any], name: str, group: str) -> float | None:
    return (rel.get(name, {}).get("groups", {}).get(group) or {}).get("nDCG@10")


def category_wins(rel: dict[str, Any], names: Sequence[str], ref: str) -> list[str]:
    """One line per (category, peer) where the peer's nDCG@10 is within BETTER_NDCG of
    the reference's or above it, with the reason for that category."""
    lines: list[str] = []
    complete = [n for n in names if not relevance_partial(rel[n])]
    for group in (g for g in _groups(rel, complete) if g.startswith("category:")):
        theirs = _ndcg(rel, ref, group)
        if theirs is None:
            continue
        peers = [
            (n, mine)
            for n in complete
            if n != ref
            and (mine := _ndcg(rel, n, group)) is not None
            and mine >= theirs - BETTER_NDCG
        ]
        if not peers:
            continue
        category = group.removeprefix("category:")
        who = ", ".join(
            f"{n} {'beats' if m > theirs + BETTER_NDCG else 'ties'} it ({m:.3f})" for n, m in peers
        )
        reason = CATEGORY_REASONS.get(category, "no explanation recorded yet")
        lines.append(f"- **{category}** ({ref} {theirs:.3f}): {who}. Why: {reason}.")
    return lines


def relevance_category_section(r: Report) -> list[str]:
    rel = r.results.get("relevance") or {}
    names = [n for n in r.systems if n in rel]
    categories = [g for g in _groups(rel, names) if g.startswith("category:")]
    if not categories:
        return []
    partial = [n for n in names if relevance_partial(rel[n])]
    headers = [f"{n} (partial)" if n in partial else n for n in names]
    ref = PRIMARY if PRIMARY in names else r.ref
    complete = [n for n in names if n not in partial]
    rows = [
        [
            g.removeprefix("category:"),
            _count(rel, names, g),
            *[_cell(rel, n, g) for n in names],
            *([_best_peer(rel, complete, ref, g)] if ref in complete else []),
        ]
        for g in categories
    ]
    best_header = [f"best peer ({ref} − it)"] if ref in complete else []
    out = [
        "## Relevance by category",
        "",
        "nDCG@10 / MRR@10 of every system in each category of the judged set "
        "(`tests/eval/README.md` says what each one tests); the last column names the "
        f"peer with the highest nDCG@10 and {ref}'s lead over it.",
        "",
        table(["category", "queries", *headers, *best_header], rows),
        "",
    ]
    if ref in complete:
        out += _lead_lines(rel, complete, ref, categories)
    if ref in names:
        wins = category_wins(rel, names, ref)
        out += [
            f"### Categories where a peer ties or beats {ref}",
            "",
            f"A peer ties when its nDCG@10 is within {BETTER_NDCG} of {ref}'s, beats it above.",
            "",
            *(wins or [f"- None: {ref} leads every category by more than {BETTER_NDCG}."]),
            "",
        ]
    return out


def _lead_lines(
    rel: dict[str, Any], names: Sequence[str], ref: str, categories: Sequence[str]
) -> list[str]:
    """Why ref leads where its nDCG@10 is LEAD_GAP above every peer's."""
    lines = []
    for group in categories:
        theirs = _ndcg(rel, ref, group)
        peers = [v for n in names if n != ref and (v := _ndcg(rel, n, group)) is not None]
        if theirs is None or not peers or theirs - max(peers) < LEAD_GAP:
            continue
        category = group.removeprefix("category:")
        reason = LEAD_REASONS.get(category, "no explanation recorded yet")
        lines.append(f"- **{category}**: {ref} leads by {theirs - max(peers):.3f}. {reason}.")
    if not lines:
        return []
    return [f"### Categories where {ref} leads every peer by {LEAD_GAP} or more", "", *lines, ""]
