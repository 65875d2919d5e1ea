"""The benchmark's queries: one generated list for every system and size, plus the judged set.

Generated queries are drawn with a fixed seed from the real corpus vocabulary (the
synthetic corpus recombines the same sentences, so they hit at every size).  The mix is
a full cross of five kinds of text x three filter counts (0, 1, 3), in equal shares:

- `word`: one content word of an English entry;
- `two_words`: two content words of the same English entry;
- `phrase`: two or three consecutive words of an English sentence, in quotes;
- `non_english`: one or two content words of a French, Albanian or Serbian entry;
- `misspelled`: a longer content word with one edit (swap, drop, double or replace).

Filters come from the entry the words were drawn from (e.g. language=en,
kind=good-practice, country=Spain), so most filtered queries still match something.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import stopwordsiso

from benchmarks.data import facet_value

KINDS = ("word", "two_words", "phrase", "non_english", "misspelled")
FILTER_COUNTS = (0, 1, 3)
NON_ENGLISH = ("fr", "sq", "sr")
# Fields a generated filter uses; three-filter queries take three distinct ones.
GENERATED_FILTER_FIELDS = ("language", "kind", "country", "locale", "year")

# stopwordsiso has no Albanian or Serbian lists: the commonest function words suffice.
_EXTRA_STOPWORDS = {
    "sq": "dhe të në për një e i me nga që së u si janë është ka do mbi nën nuk por ose kjo ky "
    "ato ata tyre saj tij cila cili edhe më deri pas para gjatë duke ishte ku kur",
    "sr": "i u za na je se da od do o kao su sa koji koja koje kroz ili ali kako bi biti ne iz "
    "po pri ovu ova ovo što radi pre posle kod ih ga",
}
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CLAUSE_RE = re.compile(r'"([^"]*)"|([^"\s]+)')
_TOKEN_RE = re.compile(r"[^\W_]+")
# Phrases stay inside one sentence or clause, as a user would copy them.
_SEGMENT_SPLIT = re.compile(r"[.!?:;()\[\]\"“”–—]+")


@dataclass(slots=True)
class Query:
    """A search as a user types it, with facet filters (OR within a field, AND across)."""

    qid: str
    text: str
    category: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    language: str = ""
    split: str = ""

    @property
    def n_filters(self) -> int:
        return len(self.filters)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Query:
        return cls(**data)


@dataclass(slots=True, frozen=True)
class Clause:
    """One word, or a phrase (several words in order) when `phrase` is true."""

    words: tuple[str, ...]
    phrase: bool = False


def parse_clauses(text: str) -> list[Clause]:
    """Quoted phrases and bare words, lower-cased; punctuation only separates words.

    Every peer renders these clauses in its own query syntax, so no peer sees syntax it
    could misread (`AND`, `-`, `:`) and all of them do the same job.
    """
    clauses: list[Clause] = []
    for quoted, bare in _CLAUSE_RE.findall(text):
        words = tuple(w.lower() for w in _TOKEN_RE.findall(quoted or bare))
        if not words:
            continue
        if quoted and len(words) > 1:
            clauses.append(Clause(words, phrase=True))
        else:
            clauses.extend(Clause((w,)) for w in words)
    return clauses


def _stopwords(language: str) -> set[str]:
    words = {w.lower() for w in stopwordsiso.stopwords(language)}
    words.update(_EXTRA_STOPWORDS.get(language, "").split())
    return words


def _content_words(text: str, stop: set[str]) -> list[str]:
    return [w for w in _WORD_RE.findall(text) if len(w) >= 4 and w.lower() not in stop]


def _misspell(rng: random.Random, word: str) -> str:
    position = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    if edit == "drop":
        return word[:position] + word[position + 1 :]
    if edit == "double":
        return word[:position] + word[position] + word[position:]
    letters = "aeioustrnl"
    replacement = rng.choice([c for c in letters if c != word[position].lower()])
    return word[:position] + replacement + word[position + 1 :]


def _filters(rng: random.Random, entry: dict[str, Any], count: int) -> dict[str, list[str]]:
    fields = [f for f in GENERATED_FILTER_FIELDS if facet_value(entry, f)]
    chosen = rng.sample(fields, min(count, len(fields)))
    return {f: [facet_value(entry, f)] for f in GENERATED_FILTER_FIELDS if f in chosen}


def _text(rng: random.Random, kind: str, entry: dict[str, Any], stop: set[str]) -> str | None:
    # Fields end with a full stop so that no phrase runs from a title into its summary.
    text = f"{entry['title']}. {entry['summary']}. {entry.get('body') or ''}"
    words = _content_words(text, stop)
    if not words:
        return None
    if kind in ("word", "non_english") and (kind == "word" or rng.random() < 0.5):
        return rng.choice(words).lower()
    if kind in ("two_words", "non_english"):
        distinct = list(dict.fromkeys(w.lower() for w in words))
        if len(distinct) < 2:
            return None
        first, second = rng.sample(distinct, 2)
        return f"{first} {second}"
    if kind == "phrase":
        segments = [_WORD_RE.findall(s) for s in _SEGMENT_SPLIT.split(text)]
        segments = [s for s in segments if len(s) >= 2]
        for _ in range(20):
            if not segments:
                break
            segment = rng.choice(segments)
            size = min(rng.choice((2, 2, 3)), len(segment))
            start = rng.randrange(0, len(segment) - size + 1)
            window = segment[start : start + size]
            # A phrase worth typing starts and ends on a content word.
            if len(window) == size and all(w.lower() not in stop for w in (window[0], window[-1])):
                return '"' + " ".join(w.lower() for w in window) + '"'
        return None
    if kind == "misspelled":
        long_words = [w for w in words if len(w) >= 6]
        return _misspell(rng, rng.choice(long_words).lower()) if long_words else None
    raise ValueError(f"unknown query kind {kind!r}")


def _key(text: str, filters: dict[str, list[str]]) -> tuple[str, str]:
    return text, json.dumps(filters, sort_keys=True)


def generate_queries(
    entries: Sequence[dict[str, Any]],
    count: int = 240,
    *,
    seed: int = 7,
    exclude: Iterable[Query] = (),
) -> list[Query]:
    """`count` queries, rotating through every (kind, filter count) cell in turn.

    None repeats another, nor any query of `exclude` (same text and filters).
    """
    rng = random.Random(seed)
    by_language: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_language.setdefault(entry["language"], []).append(entry)
    stop = {lang: _stopwords(lang) for lang in sorted(by_language)}
    non_english = [lang for lang in NON_ENGLISH if lang in by_language]
    cells = [(kind, n) for kind in KINDS for n in FILTER_COUNTS]
    queries: list[Query] = []
    seen = {_key(q.text, q.filters) for q in exclude}
    attempts = 0
    while len(queries) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError("could not draw enough distinct queries from the corpus")
        kind, n_filters = cells[len(queries) % len(cells)]
        language = rng.choice(non_english) if kind == "non_english" and non_english else "en"
        entry = rng.choice(by_language.get(language) or list(entries))
        text = _text(rng, kind, entry, stop.get(entry["language"], set()))
        if not text:
            continue
        filters = _filters(rng, entry, n_filters)
        key = _key(text, filters)
        if key in seen:
            continue
        seen.add(key)
        queries.append(
            Query(
                qid=f"g{len(queries) + 1:04d}",
                text=text,
                category=kind,
                filters=filters,
                language=entry["language"],
            )
        )
    return queries


def save_queries(path: Path, queries: Sequence[Query]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps([q.to_dict() for q in queries], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


def load_queries(path: Path) -> list[Query]:
    return [Query.from_dict(item) for item in json.loads(path.read_text(encoding="utf-8"))]


def load_judged_queries(path: Path) -> list[Query]:
    """`qid<TAB>split<TAB>category<TAB>query` lines; `#` comments and a header are skipped."""
    queries: list[Query] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row or row[0].startswith("#") or row[0].strip().lower() == "qid":
                continue
            if len(row) < 4:
                raise ValueError(f"{path}: expected 4 tab-separated columns, got {row!r}")
            qid, split, category = (c.strip() for c in row[:3])
            text = "\t".join(row[3:]).strip()
            queries.append(Query(qid=qid, text=text, category=category, split=split))
    return queries
