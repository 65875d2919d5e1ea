"""Translation groups: pairing precision and recall on real pages plus written translations."""

from __future__ import annotations

import json
import random
from itertools import combinations
from pathlib import Path

from corpus import bundled_sources, load_sources
from indexer.detect import LanguageDetector
from indexer.groups import LINK_SCORE, MIN_SHARED, Signature, assign_groups, same_practice
from indexer.groups import _jaccard as jaccard_of_shared

TRANSLATIONS = Path(__file__).resolve().parents[1] / "data" / "translations.jsonl"
# Title prefixes of the originals each written translation belongs with.
ORIGINALS = {
    "mediation": "Intercultural mediation to promote",
    "capacity": "Capacity building on",
    "welcoming": "Welcoming and social inclusion",
    "interreligious": "Interreligious dialogue",
    "gender": "Gender-responsive budgeting",
    "leeds": "The Leeds City Region",
    "lutsk": "Art-therapy in Lutsk",
    "salisbury-plan": "Salisbury’s Intercultural Strategic",
    "schools": "Schools for equality",
    "bradford-roma": "Roma Strategy for the Bradford",
}


def _docs(shared_corpus: Path) -> list[dict]:
    entries = load_sources([shared_corpus / "pages", *bundled_sources(), TRANSLATIONS]).entries
    detector = LanguageDetector()
    return [
        {**e.to_dict(), "language": detector.detect(e.title, e.summary, locale=e.locale).language}
        for e in entries
    ]


def _gold_pairs(docs: list[dict]) -> set[frozenset[str]]:
    """Same title under two locales (the real pages), and each translation with its originals."""
    practice: dict[str, str] = {}
    for doc in docs:
        practice[doc["id"]] = doc["title"]
    for record in map(json.loads, TRANSLATIONS.read_text(encoding="utf-8").splitlines()):
        if record["pair"]:
            tid = next(d["id"] for d in docs if d["title"] == record["title"])
            for doc in docs:
                if doc["title"].startswith(ORIGINALS[record["pair"]]):
                    practice[doc["id"]] = practice[tid] = record["pair"]
    by_id = {d["id"]: d for d in docs}
    return {
        frozenset((a, b))
        for a, b in combinations(practice, 2)
        if practice[a] == practice[b] and by_id[a]["locale"] != by_id[b]["locale"]
    }


def test_pairing_precision_and_recall(shared_corpus: Path) -> None:
    docs = _docs(shared_corpus)
    groups = assign_groups(docs)
    found = {frozenset((a, b)) for a, b in combinations(groups, 2) if groups[a] == groups[b]}
    gold = _gold_pairs(docs)
    precision = len(found & gold) / len(found)
    recall = len(found & gold) / len(gold)
    report = (
        f"pairs found {len(found)}, gold {len(gold)}:"
        f" precision {precision:.2f}, recall {recall:.2f}"
    )
    print(report)
    assert precision == 1.0, report
    assert recall >= 0.95, report
    # Five Valladolid practices of 2019 stay apart: each joins at most its own translation.
    valladolid = {groups.get(d["id"]) for d in docs if d["city"] == "Valladolid"} - {None}
    assert len(valladolid) == 4, report


def test_declared_groups_are_honoured() -> None:
    base = {"summary": "Purpose: a practice.", "kind": "good-practice", "language": "en"}
    docs = [
        {**base, "id": "a", "title": "Alpha", "locale": "en", "group": "g1"},
        {**base, "id": "b", "title": "Bêta", "locale": "fr", "group": "g1"},
        {**base, "id": "c", "title": "Gamma", "locale": "sq", "translation_of": "a"},
        {**base, "id": "d", "title": "Delta", "locale": "sr", "translation_of": "missing"},
    ]
    groups = assign_groups(docs)
    assert groups["a"] == groups["b"] == groups["c"] and "d" not in groups


def _practice(entry_id: str, locale: str, **fields: str) -> dict:
    """Two versions of one practice: same place and year, shared names and numbers."""
    return {
        "id": entry_id,
        "title": f"Roma mediators in Novi Sad {entry_id}",
        "summary": "Novi Sad trained 12 Roma mediators with UNICEF and the Roma Education Fund.",
        "kind": "good-practice",
        "language": locale,
        "locale": locale,
        "country_code": "RS",
        "city": "Novi Sad",
        "year_from": 2020,
        **fields,
    }


def test_automatic_group_joins_versions_that_share_names() -> None:
    groups = assign_groups([_practice("a", "en"), _practice("b", "sr")])
    assert groups["a"] == groups["b"]


def test_dash_group_keeps_an_entry_out_of_automatic_groups() -> None:
    docs = [_practice("a", "en"), _practice("b", "sr", group="-"), _practice("c", "fr")]
    groups = assign_groups(docs)
    assert "b" not in groups and groups["a"] == groups["c"]


def test_dash_group_still_honours_translation_of() -> None:
    docs = [_practice("a", "en"), _practice("b", "sr", group="-", translation_of="a")]
    groups = assign_groups(docs)
    assert groups["a"] == groups["b"]


def test_different_declared_groups_split_an_automatic_group() -> None:
    # the pair of test_automatic_group_joins_versions_that_share_names, named apart
    docs = [_practice("a", "en", group="one"), _practice("b", "sr", group="two")]
    assert assign_groups(docs) == {}


def test_a_declared_group_takes_in_its_automatic_versions() -> None:
    docs = [_practice("a", "en", group="one"), _practice("b", "sr")]
    groups = assign_groups(docs)
    assert groups["a"] == groups["b"]


def test_transliterated_and_inflected_place_names_meet() -> None:
    from indexer.groups import name_skeleton

    assert name_skeleton("Lutsk") == name_skeleton("Луцьк") == name_skeleton("Lucku")
    assert name_skeleton("Kharkiv") == name_skeleton("Харків") == name_skeleton("Harkovu")
    assert name_skeleton("Lutsk") != name_skeleton("Lviv")


def test_a_sentence_start_is_found_from_the_tail_as_from_the_whole_prefix() -> None:
    """Capitalised words count as names unless a sentence starts there; looking only at
    the tail before a word must answer as the pattern over the whole text before it, for
    every mark, quote, bracket, newline and Unicode space, at the start or not."""
    import random

    from indexer.groups import _SENTENCE_START, _starts_sentence

    rng = random.Random(9)
    alphabet = 'aA .!?:;“"«(\n\t\u2028\u00a0\x1cbB'
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(20000)]
    for text in [*texts, "", "\n", "Intro. Kharkiv and Lutsk", "(\n  Lviv"]:
        for at in range(len(text) + 1):
            whole = _SENTENCE_START.search(text[:at]) is not None
            assert _starts_sentence(text, at) == whole, (text, at)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def test_a_pair_is_scored_by_the_jaccard_index_of_its_sets() -> None:
    """The shared members and Jaccard indexes a pair is linked by, counted without making
    each pair's union, against the sets themselves (random sets, empty ones among them)."""
    rng = random.Random(3)
    words = [f"w{n}" for n in range(30)]

    def some() -> frozenset[str]:
        return frozenset(rng.sample(words, rng.choice((0, 1, 2, 5, 12))))

    for _ in range(3000):
        a, b = some(), some()
        assert jaccard_of_shared(len(a & b), a, b) == _jaccard(a, b)
        one, two = (Signature(f"e{n}", f"l{n}", "en", "", some(), some()) for n in range(2))
        common = some()
        anchors = (one.anchors - common, two.anchors - common)
        shared = len(anchors[0] & anchors[1]) + len(one.concepts & two.concepts)
        score = _jaccard(*anchors) + _jaccard(one.concepts, two.concepts)
        linked = shared >= MIN_SHARED and score >= LINK_SCORE
        assert same_practice(one, two, anchors=anchors) == linked


def test_names_are_the_capitalised_tokens_the_tokenizer_finds_where_it_finds_them() -> None:
    """Names skip the lowercase words by a pattern of their own; it must find exactly the
    tokens TOKEN_RE finds (at the same places) that can be a name or an acronym, around
    apostrophes joining words or not, combining marks, digits and other scripts."""
    import random

    from indexer.analysis import TOKEN_RE
    from indexer.groups import _CAPITALISED

    def may_be_a_name(word: str) -> bool:
        return (word.isupper() and len(word) >= 2) or word[0].isupper()

    rng = random.Random(11)
    alphabet = "aAzZéÉßøÿÀ1 9'’ʼ.-_\u0301\u0483жЖџЏωΩσ\u2028xX"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(30000)]
    for text in [*texts, "l'Europe d’Été 'Hello Ж'Ω", "1ST ÉTÉ abc'Def X'"]:
        tokens = [(m.start(), m.group()) for m in TOKEN_RE.finditer(text)]
        wanted = [(at, word) for at, word in tokens if may_be_a_name(word)]
        found = [(m.start(), m.group()) for m in _CAPITALISED.finditer(text)]
        assert [t for t in found if may_be_a_name(t[1])] == wanted, text
        assert set(found) <= set(tokens), text


def test_a_signature_is_the_same_with_the_words_other_entries_left(shared_corpus: Path) -> None:
    """The export signs a segment's entries with one memo of what each word gave (per
    language): an entry's signature must not depend on the entries signed before it."""
    from indexer.concepts import concept_index
    from indexer.groups import WordEvidence, signature

    docs = _docs(shared_corpus)
    lexicon = concept_index()
    seen: WordEvidence = {}
    for doc in [*docs, *reversed(docs)]:
        assert signature(doc, lexicon, seen) == signature(doc, lexicon), doc["id"]
    assert {family for family, _ in seen} >= {"en", "fr", "sq"}
