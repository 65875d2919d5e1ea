"""Integrity checks for the cross-language concept lexicon `indexer/data/concepts.tsv`.

The lexicon maps a short English concept id to dictionary-form terms in each supported
language so a query in one language can reach entries written in another.  These tests pin
the file format and the coverage/quality rules described in `indexer/data/concepts.README.md`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "indexer" / "data"
TSV = DATA_DIR / "concepts.tsv"
README = DATA_DIR / "concepts.README.md"

HEADER = ("concept", "lang", "term")
LANGS = frozenset({"en", "fr", "es", "it", "de", "pt", "sq", "sr", "uk", "el", "tr"})
# Every non-generic concept must be reachable from these languages (the brief's minimum).
REQUIRED_LANGS = ("en", "fr", "es", "sq", "sr", "uk")
# ...and every concept, generic or not, is expected to carry these as well.
CORE_LANGS = (*REQUIRED_LANGS, "it", "de", "pt")

CONCEPT_ID = re.compile(r"^_?[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
GREEK = re.compile(r"[\u0370-\u03FF\u1F00-\u1FFF]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
# Ukrainian terms: Cyrillic letters, spaces, hyphens, apostrophes (ASCII ', ’ and ʼ), digits.
UK_TERM = re.compile(r"^[\u0400-\u04FF0-9 '\u2019\u02BC-]+$")

# A term may sit under two non-generic concepts of the same language only when the word
# really carries both meanings there.  Keep this list short and give the reason.
SHARED_TERMS: dict[tuple[str, str], str] = {
    ("el", "έκθεση"): "Greek 'έκθεση' is both a report and an exhibition",
    ("el", "χάρτης"): "Greek 'χάρτης' is both a map and a charter",
}

# Terms of three letters or fewer, reviewed as unambiguous in their language (casefolded).
SHORT_TERMS: dict[str, str] = {
    "en": "art idp ngo kid jew job law map war",
    "fr": "art rom ong foi loi",
    "es": "ley paz red ong fe",
    "it": "rom ong",
    "de": "ngo job",
    "pt": "paz lei ong fé",
    "sq": "art rom fe ojq",
    "sr": "mir rat sud nvo trg đak",
    "uk": "мир мер впо змі нуо суд їжа",
    "el": "μκο κεπ μμε βία",
    "tr": "din dil suç stk göç",
}


def _shared_keys() -> set[tuple[str, str]]:
    return {(lang, term.casefold()) for lang, term in SHARED_TERMS}


@dataclass(frozen=True)
class Row:
    line: int
    concept: str
    lang: str
    term: str

    @property
    def generic(self) -> bool:
        return self.concept.startswith("_")


def _data_lines() -> list[tuple[int, str]]:
    text = TSV.read_text(encoding="utf-8")
    return [
        (number, line)
        for number, line in enumerate(text.split("\n"), start=1)
        if line and not line.startswith("#")
    ]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    lines = _data_lines()
    assert lines, "concepts.tsv has no data"
    parsed: list[Row] = []
    for number, line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == 3, f"line {number}: expected 3 tab-separated columns: {line!r}"
        parsed.append(Row(number, *cells))
    return parsed


@pytest.fixture(scope="module")
def by_concept(rows: list[Row]) -> dict[str, dict[str, list[str]]]:
    table: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        table[row.concept][row.lang].append(row.term)
    return table


def test_file_is_utf8_without_bom_and_ends_with_newline() -> None:
    raw = TSV.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    raw.decode("utf-8")
    assert raw.endswith(b"\n")
    assert b"\r" not in raw, "use LF line endings"


def test_header_is_first_data_line() -> None:
    first = _data_lines()[0][1]
    assert tuple(first.split("\t")) == HEADER


def test_rows_have_valid_concept_ids_and_langs(rows: list[Row]) -> None:
    for row in rows:
        assert CONCEPT_ID.match(row.concept), f"line {row.line}: bad concept id {row.concept!r}"
        assert row.lang in LANGS, f"line {row.line}: unknown language {row.lang!r}"


def test_terms_are_clean_and_nfc(rows: list[Row]) -> None:
    for row in rows:
        term = row.term
        assert term, f"line {row.line}: empty term"
        assert term == term.strip(), f"line {row.line}: surrounding whitespace in {term!r}"
        assert "  " not in term, f"line {row.line}: double space in {term!r}"
        assert unicodedata.normalize("NFC", term) == term, f"line {row.line}: {term!r} not NFC"
        assert not any(unicodedata.category(ch) == "Cc" for ch in term), f"line {row.line}"


def test_no_duplicate_rows(rows: list[Row]) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row.concept, row.lang, row.term.casefold())
        assert key not in seen, f"line {row.line} repeats line {seen[key]}: {key}"
        seen[key] = row.line


def test_concepts_are_contiguous_blocks(rows: list[Row]) -> None:
    """Each concept's rows sit together, so the file reads (and diffs) one concept at a time."""
    closed: set[str] = set()
    current: str | None = None
    for row in rows:
        if row.concept != current:
            assert row.concept not in closed, f"line {row.line}: {row.concept} split in two"
            if current is not None:
                closed.add(current)
            current = row.concept


def test_non_generic_concepts_cover_required_languages(
    by_concept: dict[str, dict[str, list[str]]],
) -> None:
    missing = {
        concept: [lang for lang in REQUIRED_LANGS if not langs.get(lang)]
        for concept, langs in by_concept.items()
        if not concept.startswith("_")
    }
    assert not {c: m for c, m in missing.items() if m}


def test_every_concept_covers_core_languages(
    by_concept: dict[str, dict[str, list[str]]],
) -> None:
    missing = {
        concept: [lang for lang in CORE_LANGS if not langs.get(lang)]
        for concept, langs in by_concept.items()
    }
    assert not {c: m for c, m in missing.items() if m}


def test_script_per_language(rows: list[Row]) -> None:
    for row in rows:
        if row.lang == "uk":
            assert UK_TERM.match(row.term), f"line {row.line}: uk term not Cyrillic: {row.term!r}"
        elif row.lang == "el":
            assert GREEK.search(row.term), f"line {row.line}: el term not Greek: {row.term!r}"
        else:
            # sr is listed in Latin script (the engine transliterates Cyrillic queries).
            assert not CYRILLIC.search(row.term), f"line {row.line}: Cyrillic in {row.lang}"
            assert LATIN_LETTER.search(row.term), f"line {row.line}: no Latin letter"


def test_no_term_under_two_non_generic_concepts(rows: list[Row]) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        if not row.generic:
            owners[(row.lang, row.term.casefold())].add(row.concept)
    clashes = {
        key: sorted(concepts)
        for key, concepts in owners.items()
        if len(concepts) > 1 and key not in _shared_keys()
    }
    assert not clashes, f"terms under several concepts (add a reason to SHARED_TERMS?): {clashes}"


def test_shared_terms_allow_list_is_live(rows: list[Row]) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        if not row.generic:
            owners[(row.lang, row.term.casefold())].add(row.concept)
    for (lang, term), reason in SHARED_TERMS.items():
        assert reason
        key = (lang, term.casefold())
        assert len(owners.get(key, set())) > 1, f"stale SHARED_TERMS entry {key}"


def test_short_terms_are_deliberate(rows: list[Row]) -> None:
    """Terms of three letters or fewer must be unambiguous; keep them to a reviewed set."""
    allowed = {(lang, term) for lang, terms in SHORT_TERMS.items() for term in terms.split()}
    short = {(row.lang, row.term.casefold()) for row in rows if len(row.term.replace(" ", "")) <= 3}
    assert short <= allowed, f"unreviewed short terms: {sorted(short - allowed)}"


def test_size_is_in_expected_range(by_concept: dict[str, dict[str, list[str]]]) -> None:
    assert 150 <= len(by_concept) <= 300


@pytest.mark.parametrize(
    ("lang", "term", "en_term"),
    [
        ("fr", "médiation interculturelle", "intercultural mediation"),
        ("sq", "barazi", "equality"),
        ("uk", "біженці", "refugee"),
        ("sr", "policija", "police"),
    ],
)
def test_brief_examples_resolve_to_english(
    rows: list[Row], lang: str, term: str, en_term: str
) -> None:
    concepts = {r.concept for r in rows if r.lang == lang and r.term == term}
    english = {r.term for r in rows if r.lang == "en" and r.concept in concepts}
    assert en_term in english


@pytest.mark.parametrize(
    ("lang", "term", "wrong_concept"),
    [
        ("sq", "politikë", "police"),  # policy, not police
        ("fr", "politique", "police"),
        ("es", "política", "police"),
        ("fr", "librairie", "library"),  # bookshop
        ("es", "librería", "library"),
        ("fr", "formation", "education"),  # training
    ],
)
def test_known_false_friends_are_not_mapped(
    rows: list[Row], lang: str, term: str, wrong_concept: str
) -> None:
    assert not any(r.lang == lang and r.term == term and r.concept == wrong_concept for r in rows)


def test_readme_documents_the_format() -> None:
    text = README.read_text(encoding="utf-8")
    for needle in ("concept", "lang", "term", "_", "NFC"):
        assert needle in text


def test_analysed_lexicon_round_trips_and_reads_older_saves() -> None:
    """Each generation keeps the lexicon as analysed; a server reads it back, also from an
    index saved before written forms of multi-word terms were kept."""
    import json

    from indexer.concepts import ConceptIndex, concept_index

    index = concept_index()
    again = ConceptIndex.from_json(index.to_json())
    assert again.terms == index.terms and again.surfaces == index.surfaces
    assert ("first", "nations") in index.written("en", ("first", "nation"))
    older = json.loads(index.to_json())
    del older["surfaces"]
    assert ConceptIndex.from_json(json.dumps(older)).written("en", ("first", "nation")) == ()


def test_a_saved_lexicon_is_reused_only_when_current(tmp_path: Path) -> None:
    """A build takes the previous generation's analysed lexicon instead of analysing it
    again, unless it was analysed by another lexicon or analyser version."""
    import json

    from indexer.concepts import concept_index, load_lexicon

    saved = json.loads(concept_index().to_json())
    # a concept only the saved copy has shows which copy was taken
    saved["terms"]["_saved_marker"] = [["en", ["zzmarker"]]]
    current = tmp_path / "current.json"
    current.write_text(json.dumps(saved), encoding="utf-8")
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**saved, "lexicon": "old"}), encoding="utf-8")
    assert load_lexicon(current).concepts("en", "zzmarker") == {"_saved_marker"}
    assert load_lexicon(stale).concepts("en", "zzmarker") == frozenset()
    assert load_lexicon(tmp_path / "missing.json").terms == concept_index().terms
    assert load_lexicon(None) is concept_index()
