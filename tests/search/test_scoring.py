"""Scoring and matching on a small index the test writes itself (no ../shared needed)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.schema import TEXT_PARTS
from search import Searcher, SearchRequest, scoring
from search.highlight import Marks
from search.matching import Matcher
from search.querylang import parse
from search.scoring import Channels, below_direct
from search.sorted_lists import positions
from tests.search.small import small_index

RECORDS = [
    {"id": "title", "title": "Intercultural mediation in schools", "summary": "Teachers meet."},
    {"id": "summary", "title": "School meetings", "summary": "Parents use mediation often."},
    {
        "id": "french",
        "title": "Médiation interculturelle à Paris",
        "summary": "Des médiateurs accueillent les familles.",
        "locale": "fr",
        "language": "fr",
    },
    {"id": "other", "title": "Urban gardens", "summary": "Neighbours grow vegetables together."},
    {"id": "phrase", "title": "Community policing", "summary": "Police and community meet."},
    {"id": "loose", "title": "Policing the community", "summary": "Officers walk the streets."},
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return Searcher(small_index(tmp_path_factory.mktemp("small") / "index", RECORDS))


def scores_of(searcher: Searcher, word: str) -> dict[str, float]:
    snap = searcher.snapshot()
    scores, _ = Channels(snap).word(word, None, Marks())
    return {entry_id: float(scores[d]) for entry_id, d in snap.docnum.items()}


def ids(searcher: Searcher, query: str) -> list[str]:
    return [h.id for h in searcher.search(SearchRequest(query)).results]


def test_a_title_match_outweighs_a_summary_match(searcher: Searcher) -> None:
    scores = scores_of(searcher, "mediation")
    assert scores["title"] > scores["summary"] > 0
    assert scores["other"] == 0


def test_accents_are_optional_and_the_accented_entry_is_found(searcher: Searcher) -> None:
    assert scores_of(searcher, "mediation")["french"] > 0
    assert ids(searcher, "médiation")[0] == "french", "the form as typed ranks first"


def test_a_rare_word_weighs_more_than_a_common_one(searcher: Searcher) -> None:
    snap = searcher.snapshot()
    channels = Channels(snap)
    rare = channels.bm25("body_en", "veget")  # one entry
    common = channels.bm25("body_en", "meet")  # three entries
    assert rare is not None and common is not None
    assert rare[1].max() > common[1].max()


def test_translations_stay_below_the_weakest_direct_match() -> None:
    direct = np.asarray([0.0, 2.0, 5.0], dtype=np.float32)
    indirect = np.asarray([9.0, 9.0, 1.0], dtype=np.float32)
    capped = below_direct(direct, indirect)
    assert capped[0] < direct[1] and capped.tolist()[1:] == [9.0, 1.0]


def test_the_cap_on_translations_is_the_dense_rule_for_any_scores() -> None:
    """below_direct changes only the few entries it must: the same floats as capping every
    entry, whatever the shares of direct, indirect and overlapping matches."""
    rng = np.random.default_rng(3)
    for direct_share, indirect_share in ((0.0, 0.5), (0.3, 0.0), (0.1, 0.2), (0.9, 0.9)):
        direct = rng.random(5000).astype(np.float32) * 4
        direct[rng.random(5000) >= direct_share] = 0
        indirect = rng.random(5000).astype(np.float32) * 8
        indirect[rng.random(5000) >= indirect_share] = 0
        before = indirect.copy()
        matched = direct > 0
        expected = indirect
        if matched.any():
            cap = float(direct[matched].min()) * 0.99
            expected = np.where(matched, indirect, np.minimum(indirect, cap))
        got = below_direct(direct, indirect)
        assert got.dtype == np.float32 and np.array_equal(got, expected)
        assert np.array_equal(indirect, before)  # the caller's scores are not changed


def test_boolean_masks(searcher: Searcher) -> None:
    snap = searcher.snapshot()

    def matched(query: str) -> set[str]:
        ev = Matcher(snap).evaluate(parse(query).root)
        return {entry_id for entry_id, d in snap.docnum.items() if ev.mask[d]}

    assert matched("mediation -teachers") == {"summary", "french"}
    assert matched("gardens OR policing") == {"other", "phrase", "loose"}
    assert matched("NOT mediation") == {"other", "phrase", "loose"}


def test_a_phrase_needs_its_words_in_order_else_says_so(searcher: Searcher) -> None:
    assert ids(searcher, '"community policing"') == ["phrase"]
    response = searcher.search(SearchRequest('"policing community"'))
    assert {h.id for h in response.results} == {"phrase", "loose"}
    assert [n.code for n in response.notices] == ["loose_phrase"]


def test_a_misspelt_word_is_searched_as_its_correction(searcher: Searcher) -> None:
    response = searcher.search(SearchRequest("mediaton"))
    assert response.results and response.results[0].id == "title"
    assert response.suggestion == "mediation"


def test_more_words_matched_rank_first(searcher: Searcher) -> None:
    assert ids(searcher, "mediation schools")[0] == "title"


def test_highlights_mark_the_words_as_written(searcher: Searcher) -> None:
    hit = searcher.search(SearchRequest("mediateurs")).results[0]
    assert "<mark>médiateurs</mark>" in hit.snippet


@pytest.mark.parametrize(
    "terms",
    [("intercultur", "mediat"), ("mediat", "intercultur"), ("communiti", "polic"), ("polic",) * 2],
)
def test_a_rare_words_lookup_finds_what_marking_every_posting_finds(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch, terms: tuple[str, ...]
) -> None:
    """A multi-word term's entries and summed weights are the same to the bit whether its
    rarest word is looked up in the others' postings or all postings are marked."""
    snap = searcher.snapshot()
    found = []
    for below in (0, 10**9):  # always looked up; never
        monkeypatch.setattr(scoring, "SEARCH_BELOW", below)
        found.append(Channels(snap)._all_terms("en", terms, TEXT_PARTS))
    (docs, total), (dense_docs, dense_total) = found
    assert len(docs) and np.array_equal(docs, dense_docs)
    assert total.dtype == dense_total.dtype and np.array_equal(total, dense_total)


def test_a_docnum_looked_up_in_an_empty_list_is_not_there() -> None:
    at, found = positions(np.zeros(0, dtype=np.int64), np.asarray([0, 5]))
    assert at.tolist() == [0, 0] and found.tolist() == [False, False]
