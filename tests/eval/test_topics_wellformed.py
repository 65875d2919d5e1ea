"""The blind topic labels (topics.tsv) are well formed and match the corpus and taxonomy."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from corpus.model import derive_id

EVAL_DIR = Path(__file__).resolve().parent
LABELS = EVAL_DIR / "topics.tsv"
TAXONOMY = EVAL_DIR.parents[1] / "indexer" / "data" / "topics.json"
HEADER = ("id", "gold_language", "primary", "secondary", "title")
# The last entries of three pages are cut off mid-entry (not in entries.jsonl):
# (page file, title as printed, language of the text).
PARTIAL = (
    ("en_c.txt", "A road map to promote egalitarian government open to diversity", "en"),
    ("fr_e.txt", "The Intercultural Week of Portimão", "en"),
    ("sr_e.txt", "Bradford for Everyone or how to create a more inclusive city for all", "en"),
)
# One practice listed in two languages under different titles: labelled alike.
TRANSLATIONS = (("La semaine interculturelle de Portimão", "The Intercultural Week of Portimão"),)
_LOCALE = re.compile(r"^https?://[^/]+/([a-z]{2})/")


@dataclass(frozen=True)
class Label:
    id: str
    gold_language: str
    primary: str
    secondary: tuple[str, ...]
    title: str


def load_labels(path: Path = LABELS) -> list[Label]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert tuple(lines[0].split("\t")) == HEADER, f"{path.name}:1: header must be {HEADER}"
    labels = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        assert len(fields) == 5, f"{path.name}:{number}: expected 5 tab-separated fields"
        ident, lang, primary, secondary, title = fields
        labels.append(Label(ident, lang, primary, tuple(filter(None, secondary.split(","))), title))
    return labels


def partial_entries(corpus: Path) -> list[dict[str, str]]:
    """The three cut-off entries: id (locale and url from the page's Source line), title,
    language, and the meta line and summary as far as the page goes."""
    found = []
    for page, title, lang in PARTIAL:
        text = (corpus / "pages" / page).read_text(encoding="utf-8")
        assert title in text, f"{page}: partial entry {title!r} not on the page"
        url = text.splitlines()[0].removeprefix("Source: ").strip()
        match = _LOCALE.match(url)
        assert match, f"{page}: no locale in Source address {url!r}"
        locale = match.group(1)
        lines = [line.strip() for line in text.split(title, 1)[1].splitlines() if line.strip()]
        found.append({
            "id": derive_id(locale, url, title), "title": title, "language": lang,
            "meta": lines[0] if lines else "", "summary": " ".join(lines[1:]),
        })  # fmt: skip
    return found


def taxonomy_ids() -> list[str]:
    return [topic["id"] for topic in json.loads(TAXONOMY.read_text(encoding="utf-8"))["topics"]]


@pytest.fixture(scope="module")
def labels() -> list[Label]:
    return load_labels()


def test_every_entry_is_labelled_once(
    labels: list[Label], gold_entries: list[dict[str, Any]], shared_corpus: Path
) -> None:
    expected = {derive_id(e["locale"], e["url"], e["title"]) for e in gold_entries}
    expected |= {p["id"] for p in partial_entries(shared_corpus)}
    ids = [label.id for label in labels]
    assert len(ids) == len(set(ids)), "an id is labelled twice"
    assert set(ids) - expected == set(), "labels for ids that are not corpus entries"
    assert expected - set(ids) == set(), "corpus entries without a label"


def test_languages_match_the_corpus(
    labels: list[Label], gold_entries: list[dict[str, Any]]
) -> None:
    gold = {derive_id(e["locale"], e["url"], e["title"]): e for e in gold_entries}
    for label in labels:
        if label.id in gold:
            assert label.gold_language == gold[label.id]["gold_language"], label.id
            assert label.title == gold[label.id]["title"], label.id


def test_topics_are_in_the_taxonomy(labels: list[Label]) -> None:
    known = set(taxonomy_ids())
    for label in labels:
        assert label.primary in known, f"{label.id}: unknown primary {label.primary!r}"
        assert len(label.secondary) <= 2, f"{label.id}: more than 2 secondary topics"
        assert len(set(label.secondary)) == len(label.secondary), f"{label.id}: repeated topic"
        for topic in label.secondary:
            assert topic in known, f"{label.id}: unknown secondary {topic!r}"
            assert topic != label.primary, f"{label.id}: {topic} is primary and secondary"


def test_duplicates_and_translations_are_labelled_alike(labels: list[Label]) -> None:
    by_title: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        by_title[" ".join(label.title.split())].append(label)
    groups = [group for group in by_title.values() if len(group) > 1]
    groups += [[by_title[a][0], by_title[b][0]] for a, b in TRANSLATIONS]
    assert len(groups) >= 5, "the corpus lists at least 5 practices twice"
    for group in groups:
        first = group[0]
        for other in group[1:]:
            assert (other.primary, other.secondary) == (first.primary, first.secondary), (
                f"{first.id} and {other.id} are one practice but labelled differently"
            )
