"""Translation groups: entries in different locales that describe the same practice.

Two entries are versions of one practice when the source says so, or when all of these
hold:
  - same place and period (country, city, first year): the block they are compared in;
  - published under different locales;
  - the same title once folded, or enough shared evidence that survives translation:
    numbers, proper names and acronyms (also by their consonant skeleton, so "Lutsk",
    "Луцьк" and the Serbian locative "Lucku" meet), long cognates
    ("interculturelle"/"intercultural") and lexicon concepts ("médiation"/"mediation").
Several practices of one city and year are common (Valladolid lists five for 2019), so
the evidence bar is high: a missed pair costs less than an invented one.

An editor overrides a wrong group in the input (JSONL/CSV fields of the entry):
  - `group: "<name>"` puts entries with the same name in one group, whatever their
    place, year or text; entries declaring different names are never joined by the
    automatic rule (a wrong automatic group is split by naming its parts);
  - `translation_of: "<id>"` joins an entry to the entry with that id;
  - `group: "-"` keeps an entry out of every automatic group (it still joins the
    entries it names with `translation_of`, or that name it).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import chain, combinations
from typing import Any, NamedTuple

from indexer.analysis import CYRILLIC_RE, TOKEN_RE, fold, fold_word, term, transliterate
from indexer.concepts import ConceptIndex, concept_index
from indexer.folding import TOKEN_PATTERN, WORD_CHAR

# The tokens (as TOKEN_RE finds them, where it finds them) that may be names: not those
# starting with a lowercase letter of the common alphabets, which the regex skips without
# a match object each (most words).  A token starts where no word character, nor an
# apostrophe joined to one, comes before.
_CAPITALISED = re.compile(
    rf"(?<!{WORD_CHAR})(?<!{WORD_CHAR}['’ʼ])(?![a-zß-öø-ÿа-џα-ω]){TOKEN_PATTERN}"
)
_NUMBER = re.compile(r"\d[\d ,.]*\d|\d")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[“\"«(]\s*)$")
COGNATE_PREFIX = 7  # folded words this long share a stem across the Latin-script languages
MAX_ANCHOR_SHARE = 0.5  # anchors in more than half of a block say nothing
LINK_SCORE = 0.5  # different practices of one city and year scored up to 0.36 in tests
MIN_SHARED = 2
MAX_COMPARED = 5000  # entries of one place and year compared; beyond, titles only
SIGNATURE_BLOCK = 6  # index of the block in Signature.to_list()
NO_GROUP = "-"  # `group` value that keeps an entry out of automatic groups
RARE_ANCHOR = 10  # anchors in at most this many entries of a block propose candidate pairs


class Signature(NamedTuple):
    """What grouping needs of an entry (computed once per Whoosh segment, see accel).

    A named tuple: an update regroups a block from its rows read back, and a frozen
    dataclass cost twice as much to make per row (1.8 against 1.0 µs, measured)."""

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


# Spellings one word takes across Latin transliterations and languages ("Kharkiv" /
# "Harkiv", "Lutsk" / "Lucku", "therapy" / "terapija"): each becomes one letter.
_SPELLINGS = {
    "tsch": "c",
    "sch": "s",
    "tch": "c",
    "ch": "c",
    "kh": "h",
    "zh": "s",
    "sh": "s",
    "ts": "c",
    "tz": "c",
    "ph": "f",
    "th": "t",
    "qu": "kv",
    "x": "ks",
    "w": "v",
    "dj": "d",
    "gj": "g",
    "z": "s",
    "y": "i",
    "j": "i",
}
_SPELLING_RE = re.compile("|".join(sorted(_SPELLINGS, key=len, reverse=True)))
_DOUBLED = re.compile(r"(.)\1+")
_INNER_VOWELS = re.compile(r"(?<!^)[aeiou]+")
_POSSESSIVE = re.compile(r"['’ʼ]s$")
NAME_SKELETON = 4  # consonants of a name's skeleton compared (at least 3 are needed)


@lru_cache(maxsize=1 << 16)
def spelling(word: str) -> str:
    """A word folded to a spelling its transliterations share: Cyrillic in Latin
    letters, digraphs as one letter, doubled letters once ("Луцьк", "Lutsk" -> "luck";
    "Lucku" -> "lucku"; "Kharkiv", "Харків" -> "harkiv")."""
    if CYRILLIC_RE.search(word):
        word = transliterate(word)
    folded = fold(_POSSESSIVE.sub("", word))
    return _DOUBLED.sub(r"\1", _SPELLING_RE.sub(lambda m: _SPELLINGS[m.group()], folded))


def name_skeleton(word: str) -> str:
    """A name's consonant skeleton, the same across scripts, transliterations and the
    case endings languages add to names: "Lutsk", "Луцьк", "Lucku" (Serbian locative)
    -> "lck"; "Ukraine", "Ukrajinu", "Україна" -> "ukrn".  Vowels after the first letter
    are dropped: they are what inflection and transliteration change most."""
    return _INNER_VOWELS.sub("", spelling(word))[:NAME_SKELETON]


def _starts_sentence(text: str, at: int) -> bool:
    """Whether `text[:at]` ends where a sentence starts (_SENTENCE_START).  Its match can
    only begin at the text's start or at the mark before the spaces that end `text[:at]`,
    so only that tail is searched (`^` matches at 0 only): searching each capitalised
    word's whole prefix made the names of a text quadratic in its length."""
    start = at
    while start > 0 and text[start - 1].isspace():  # as \s: both are Py_UNICODE_ISSPACE
        start -= 1
    return _SENTENCE_START.search(text, max(0, start - 1), at) is not None


def _names(text: str) -> set[str]:
    """Capitalised words inside sentences (names), acronyms and numbers, folded; names
    also by their skeleton (`name_skeleton`)."""
    found: set[str] = set()
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        if word.islower():  # in another alphabet: neither a name nor an acronym
            continue
        if (word.isupper() and len(word) >= 2) or (
            word[0].isupper() and len(word) >= 3 and not _starts_sentence(text, match.start())
        ):
            found.update(_name_anchors(word))
    for number in _NUMBER.findall(text):
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 2:
            found.add("d:" + digits)
    return found


# What a word says in a language: its cognate anchor ("" when it is too short) and the
# lexicon concepts it names.
WordEvidence = dict[tuple[str, str], tuple[str, frozenset[str]]]
WORDS_SEEN_KEPT = 1 << 18  # a memo of more words than this starts again


@lru_cache(maxsize=1 << 16)
def _name_anchors(word: str) -> tuple[str, ...]:
    """A name's anchors: the folded name, and its skeleton when it keeps 3 letters."""
    named, skeleton = "n:" + fold(word), name_skeleton(word)
    return (named, "s:" + skeleton) if len(skeleton) >= 3 else (named,)


def signature(
    doc: Mapping[str, Any], lexicon: ConceptIndex, words_seen: WordEvidence | None = None
) -> Signature:
    """What grouping needs of a stored entry; its concepts are looked up in `lexicon`
    (`words_seen`: what earlier calls found of each word with this lexicon, for a caller
    that signs many entries)."""
    block = _block(doc)
    title = " ".join(fold_word(w) for w in TOKEN_RE.findall(doc["title"]))
    anchors: set[str] = set()
    concepts: set[str] = set()
    if block:  # entries without a place and year are never compared
        text = f"{doc['title']}. {doc['summary']}"
        family = doc["language"]
        anchors = _names(text)
        seen = {} if words_seen is None else words_seen
        if len(seen) > WORDS_SEEN_KEPT:
            seen.clear()
        for word in set(TOKEN_RE.findall(text)):
            evidence = seen.get((family, word))
            if evidence is None:
                evidence = seen[(family, word)] = _word_evidence(word, family, lexicon)
            cognate, named = evidence
            if cognate:
                anchors.add(cognate)
            concepts |= named
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


def _word_evidence(word: str, family: str, lexicon: ConceptIndex) -> tuple[str, frozenset[str]]:
    folded = fold_word(word)
    cognate = "c:" + folded[:COGNATE_PREFIX] if len(folded) >= COGNATE_PREFIX else ""
    indexed = term(word, family)
    return cognate, lexicon.concepts(family, indexed) if indexed else frozenset()


def _jaccard(both: int, a: frozenset[str], b: frozenset[str]) -> float:
    """The Jaccard index of two sets that share `both` members (0 when both are empty)."""
    union = len(a) + len(b) - both
    return both / union if union else 0.0


def same_practice(
    a: Signature, b: Signature, anchors: tuple[frozenset[str], frozenset[str]] | None = None
) -> bool:
    """Whether two entries of one place and period are versions of one practice
    (`anchors`: the anchors of each that count, theirs without the block's common ones;
    all of theirs when not given)."""
    if a.locale == b.locale:
        return False
    if a.title and a.title == b.title:
        return True
    anchors_a, anchors_b = anchors or (a.anchors, b.anchors)
    both_anchors, both_concepts = len(anchors_a & anchors_b), len(a.concepts & b.concepts)
    if both_anchors + both_concepts < MIN_SHARED:  # most candidate pairs: no score needed
        return False
    score = _jaccard(both_anchors, anchors_a, anchors_b) + _jaccard(
        both_concepts, a.concepts, b.concepts
    )
    return score >= LINK_SCORE


def block_and_flag(entry: Any) -> tuple[str, int]:
    """What a build remembers of an entry for regrouping: its block as a string ("" when
    it has none) and whether it declares its group."""
    declared = int(bool(entry.group or entry.translation_of))
    return _block(entry.to_dict()), declared


def _block(doc: Mapping[str, Any]) -> str:
    """The place-and-year block of an entry ("" when it has none: too little to tell
    practices apart, so it is never compared: a missed pair is better than a wrong one)."""
    place = doc.get("country_code") or fold(doc.get("country") or "")
    if not place or not doc.get("year_from"):
        return ""
    return "\x1f".join((place, fold(doc.get("city") or ""), str(int(doc["year_from"]))))


def _practice_counts(sigs: list[Signature]) -> Counter[str]:
    """In how many practices of a block each anchor occurs.  Entries with one title are
    one practice (they are linked anyway): the copies of a page in two locales must not
    make the words its translation shares with it look common to the whole block."""
    by_title: dict[str, frozenset[str]] = {}
    for sig in sigs:
        held = by_title.get(sig.title)
        by_title[sig.title] = sig.anchors if held is None else held | sig.anchors
    return Counter(chain.from_iterable(by_title.values()))


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
    """Union-find over entry ids; a component remembers the group its entries declare, so
    an automatic link never merges two differently declared groups."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.declared: dict[str, str] = {}  # root -> declared group

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def declare(self, x: str, group: str) -> None:
        self.declared.setdefault(self.find(x), group)

    def union(self, a: str, b: str, *, automatic: bool = False) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ga, gb = self.declared.get(ra), self.declared.get(rb)
        if automatic and ga and gb and ga != gb:
            return  # the source keeps these apart
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        if ga or gb:
            self.declared[keep] = ga or gb  # type: ignore[assignment]
        self.declared.pop(gone, None)


def assign_groups(
    docs: Iterable[Mapping[str, Any]], lexicon: ConceptIndex | None = None
) -> dict[str, str]:
    """Map entry id -> group id, for entries that have at least one other version
    (`lexicon`: the bundled one when not given)."""
    lexicon = lexicon or concept_index()
    return group_signatures(signature(doc, lexicon) for doc in docs)


def group_signatures(signatures: Iterable[Signature]) -> dict[str, str]:
    """Map entry id -> group id from the entries' signatures."""
    sigs = list(signatures)
    links = _declared_links(sigs)
    blocks: dict[str, list[Signature]] = defaultdict(list)
    for sig in sigs:
        if sig.block and sig.group != NO_GROUP:
            blocks[sig.block].append(sig)
    for block in blocks.values():
        if len(block) < 2 or len({s.locale for s in block}) < 2:
            continue
        counts = _practice_counts(block)
        practices = len({s.title for s in block})
        common = frozenset(a for a, c in counts.items() if c > max(2, practices * MAX_ANCHOR_SHARE))
        # each entry's anchors without the common ones once, not once per pair it is in
        anchors = [s.anchors - common for s in block] if common else [s.anchors for s in block]
        for i, j in _candidates(block, counts, titles_only=len(block) > MAX_COMPARED):
            if same_practice(block[i], block[j], anchors=(anchors[i], anchors[j])):
                links.union(block[i].id, block[j].id, automatic=True)
    return _group_ids(links)


def _declared_links(sigs: list[Signature]) -> _Components:
    """The groups the source declares: one `group` value, or `translation_of` an id."""
    links = _Components()
    ids = {sig.id for sig in sigs}
    explicit: dict[str, list[str]] = defaultdict(list)
    for sig in sigs:
        links.find(sig.id)
        if sig.group and sig.group != NO_GROUP:
            explicit[f"group:{sig.group}"].append(sig.id)
            links.declare(sig.id, sig.group)
        if sig.translation_of:
            explicit[f"id:{sig.translation_of}"].append(sig.id)
    for key, members in explicit.items():
        if key.startswith("id:") and key[3:] in ids:
            members = [*members, key[3:]]
        for other in members[1:]:
            links.union(members[0], other)
    return links


def _group_ids(links: _Components) -> dict[str, str]:
    members: dict[str, list[str]] = defaultdict(list)
    for entry_id in list(links.parent):
        members[links.find(entry_id)].append(entry_id)
    groups: dict[str, str] = {}
    for ids_in_group in members.values():
        if len(ids_in_group) > 1:
            digest = hashlib.sha1("\n".join(sorted(ids_in_group)).encode()).hexdigest()[:10]
            groups.update({entry_id: f"g-{digest}" for entry_id in ids_in_group})
    return groups
