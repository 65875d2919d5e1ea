"""Translation groups: entries in different locales that describe the same practice.

Two entries are versions of one practice when the source says so (`group`, or
`translation_of` naming the other id), or when all of these hold:
  - same place and period (country, city, first year): the block they are compared in;
  - published under different locales;
  - the same title once folded, or enough shared evidence that survives translation:
    numbers, proper names and acronyms, long cognates ("interculturelle"/"intercultural")
    and lexicon concepts ("médiation"/"mediation").
Several practices of one city and year are common (Valladolid lists five for 2019), so
the evidence bar is high: a missed pair costs less than an invented one.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

from indexer.analysis import TOKEN_PATTERN, fold, fold_word, term
from indexer.concepts import concept_index

_TOKEN = re.compile(TOKEN_PATTERN)
_NUMBER = re.compile(r"\d[\d ,.]*\d|\d")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[“\"«(]\s*)$")
COGNATE_PREFIX = 7  # folded words this long share a stem across the Latin-script languages
MAX_ANCHOR_SHARE = 0.5  # anchors in more than half of a block say nothing
LINK_SCORE = 0.5  # different practices of one city and year scored up to 0.36 in tests
MIN_SHARED = 2
MAX_COMPARED = 5000  # entries of one place and year compared; beyond, titles only
SIGNATURE_BLOCK = 6  # index of the block in Signature.to_list()
RARE_ANCHOR = 10  # anchors in at most this many entries of a block propose candidate pairs


@dataclass(frozen=True, slots=True)
class Signature:
    """What grouping needs of an entry (computed once per Whoosh segment, see accel)."""

    id: str
    locale: str
    language: str
    title: str  # folded
    anchors: frozenset[str]  # numbers, names, acronyms, cognate stems
    concepts: frozenset[str]
    block: str = ""  # place and first year; "" when the entry lacks them
    group: str = ""  # declared by the source
    translation_of: str = ""

    def to_list(self) -> list[Any]:  # the block is at SIGNATURE_BLOCK
        return [
            self.id,
            self.locale,
            self.language,
            self.title,
            sorted(self.anchors),
            sorted(self.concepts),
            self.block,
            self.group,
            self.translation_of,
        ]

    @classmethod
    def from_list(cls, row: list[Any]) -> Signature:
        sid, locale, language, title, anchors, concepts, block, group, of = row
        return cls(
            sid, locale, language, title, frozenset(anchors), frozenset(concepts), block, group, of
        )


def _names(text: str) -> set[str]:
    """Capitalised words inside sentences (names), acronyms and numbers, folded."""
    found: set[str] = set()
    for match in _TOKEN.finditer(text):
        word = match.group()
        if (word.isupper() and len(word) >= 2) or (
            word[0].isupper()
            and len(word) >= 3
            and not _SENTENCE_START.search(text[: match.start()])
        ):
            found.add("n:" + fold(word))
    for number in _NUMBER.findall(text):
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 2:
            found.add("d:" + digits)
    return found


@lru_cache(maxsize=1 << 16)
def _word_concepts(word: str, family: str) -> frozenset[str]:
    indexed = term(word, family)
    return concept_index().concepts(family, indexed) if indexed else frozenset()


def signature(doc: Mapping[str, Any]) -> Signature:
    key = _block(doc)
    block = "\x1f".join(map(str, key)) if key else ""
    title = " ".join(fold_word(w) for w in _TOKEN.findall(doc["title"]))
    anchors: set[str] = set()
    concepts: set[str] = set()
    if block:  # entries without a place and year are never compared
        text = f"{doc['title']}. {doc['summary']}"
        family = doc["language"]
        words = _TOKEN.findall(text)
        anchors = _names(text) | {
            "c:" + f[:COGNATE_PREFIX] for w in words if len(f := fold_word(w)) >= COGNATE_PREFIX
        }
        for word in words:
            concepts |= _word_concepts(word, family)
    return Signature(
        id=doc["id"],
        locale=doc["locale"],
        language=doc["language"],
        title=title,
        anchors=frozenset(anchors),
        concepts=frozenset(concepts),
        block=block,
        group=doc.get("group") or "",
        translation_of=doc.get("translation_of") or "",
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def same_practice(a: Signature, b: Signature, common: frozenset[str] = frozenset()) -> bool:
    """Whether two entries of one place and period are versions of one practice."""
    if a.locale == b.locale:
        return False
    if a.title and a.title == b.title:
        return True
    anchors_a, anchors_b = a.anchors - common, b.anchors - common
    shared = len(anchors_a & anchors_b) + len(a.concepts & b.concepts)
    score = _jaccard(anchors_a, anchors_b) + _jaccard(a.concepts, b.concepts)
    return shared >= MIN_SHARED and score >= LINK_SCORE


def block_and_flag(entry: Any) -> tuple[str, int]:
    """What a build remembers of an entry for regrouping: its block as a string ("" when
    it has none) and whether it declares its group."""
    key = _block(entry.to_dict())
    declared = int(bool(entry.group or entry.translation_of))
    return ("\x1f".join(map(str, key)) if key else ""), declared


def _block(doc: Mapping[str, Any]) -> tuple[str, str, int] | None:
    place = doc.get("country_code") or fold(doc.get("country") or "")
    if not place or not doc.get("year_from"):
        return None  # too little to tell practices apart: prefer missing a pair
    return place, fold(doc.get("city") or ""), int(doc["year_from"])


def _candidates(
    sigs: list[Signature], counts: Mapping[str, int], *, titles_only: bool = False
) -> set[tuple[int, int]]:
    """Pairs worth scoring: the same title, or a rare anchor (a name, a number) in common.
    Versions of one practice share at least one; scoring every pair of a big block would
    be quadratic (blocks beyond MAX_COMPARED entries pair by title only)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, sig in enumerate(sigs):
        postings["t:" + sig.title].append(i)
        if titles_only:
            continue
        for anchor in sig.anchors:
            if counts[anchor] <= RARE_ANCHOR:
                postings[anchor].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) > 1:
            pairs.update(combinations(members, 2))
    return pairs


class _Components:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def assign_groups(docs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Map entry id -> group id, for entries that have at least one other version."""
    return group_signatures(signature(doc) for doc in docs)


def group_signatures(signatures: Iterable[Signature]) -> dict[str, str]:
    """Map entry id -> group id from the entries' signatures."""
    links = _Components()
    blocks: dict[str, list[Signature]] = defaultdict(list)
    explicit: dict[str, list[str]] = defaultdict(list)
    ids = set()
    for sig in signatures:
        ids.add(sig.id)
        if sig.group:
            explicit[f"group:{sig.group}"].append(sig.id)
        if sig.translation_of:
            explicit[f"id:{sig.translation_of}"].append(sig.id)
        if sig.block:
            blocks[sig.block].append(sig)
    for key, members in explicit.items():
        if key.startswith("id:") and key[3:] in ids:
            members = [*members, key[3:]]
        for other in members[1:]:
            links.union(members[0], other)
    for sigs in blocks.values():
        if len(sigs) < 2 or len({s.locale for s in sigs}) < 2:
            continue
        counts: dict[str, int] = defaultdict(int)
        for sig in sigs:
            for anchor in sig.anchors:
                counts[anchor] += 1
        common = frozenset(a for a, c in counts.items() if c > max(2, len(sigs) * MAX_ANCHOR_SHARE))
        for i, j in _candidates(sigs, counts, titles_only=len(sigs) > MAX_COMPARED):
            if same_practice(sigs[i], sigs[j], common):
                links.union(sigs[i].id, sigs[j].id)
    members: dict[str, list[str]] = defaultdict(list)
    for entry_id in list(links.parent):
        members[links.find(entry_id)].append(entry_id)
    groups: dict[str, str] = {}
    for ids_in_group in members.values():
        if len(ids_in_group) > 1:
            digest = hashlib.sha1("\n".join(sorted(ids_in_group)).encode()).hexdigest()[:10]
            groups.update({entry_id: f"g-{digest}" for entry_id in ids_in_group})
    return groups
