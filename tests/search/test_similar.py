"""Related practices (a short page filled with peers of its best results) and the ranking
helper the similar and related lists share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search import Searcher, SearchRequest
from search.scoring import Channels
from search.similar import MORE_LIKE_KEPT, best, likeness, top_docnums
from tests.search.small import small_index

FILLER = [
    {"title": f"Neighbourhood festival {n}", "summary": "Residents meet at a summer festival."}
    for n in range(6)
]


@pytest.fixture(scope="module")
def related_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    records = [
        {
            "id": "seed-first",
            "title": "Lighthouse lighthouse beekeeping cooperative",
            "summary": "Beekeeping hives and honey cooperatives run by refugees.",
            "kind": "news",
        },
        {
            "id": "seed-second",
            "title": "Chess club",
            "summary": "A lighthouse keeper teaches chess openings and chess endgames.",
        },
        {
            "id": "like-first",
            "title": "Urban beekeeping",
            "summary": "Honey from rooftop hives, a beekeeping cooperative of newcomers.",
            "kind": "news",
        },
        {
            "id": "like-second",
            "title": "Chess in the park",
            "summary": "Chess openings and endgames for all ages.",
        },
        *FILLER,
    ]
    index = small_index(tmp_path_factory.mktemp("related") / "index", records)
    return Searcher(index)


def test_a_short_page_is_filled_with_peers_of_its_best_results(
    related_searcher: Searcher,
) -> None:
    response = related_searcher.search(SearchRequest("lighthouse", per_page=10))
    shown = [h.id for h in response.results]
    related = [h.id for h in response.related]
    assert shown == ["seed-first", "seed-second"]
    assert related[:2] == ["like-first", "like-second"], "the best result's peers first"
    assert not set(related) & set(shown), "a result is never also listed as related"
    assert not any(r.startswith("Neighbourhood") for r in related), "no unrelated filler"


def test_a_search_that_asks_for_no_related_practices_runs_no_neighbour_pass(
    related_searcher: Searcher,
) -> None:
    fresh = Searcher(related_searcher.index_dir)  # its own, empty neighbour cache
    plain = fresh.search(SearchRequest("lighthouse", per_page=10, related=False))
    assert [h.id for h in plain.results] == ["seed-first", "seed-second"]
    assert plain.related == [] and plain.to_dict()["related"] == []
    snap = fresh.snapshot()
    assert snap.neighbours.get(snap.docnum["seed-first"]) is None
    assert fresh.search(SearchRequest("lighthouse", per_page=10)).related  # the default


def test_a_full_page_lists_no_related(related_searcher: Searcher) -> None:
    response = related_searcher.search(SearchRequest("festival", per_page=5))
    assert response.total >= 5 and response.related == []


def test_no_neighbours_are_looked_for_when_the_filters_leave_nothing_to_add(
    related_searcher: Searcher,
) -> None:
    """Both news entries about beekeeping are on the page: with `kind: news` nothing else
    could fill it, so the seeds' more-like-this passes are not run at all."""
    fresh = Searcher(related_searcher.index_dir)  # its own, empty neighbour cache
    response = fresh.search(SearchRequest("beekeeping", {"kind": ("news",)}, per_page=10))
    assert sorted(h.id for h in response.results) == ["like-first", "seed-first"]
    assert response.related == []
    snap = fresh.snapshot()
    assert all(snap.neighbours.get(snap.docnum[h.id]) is None for h in response.results)
    unfiltered = fresh.search(SearchRequest("beekeeping", per_page=10))
    assert unfiltered.related, "without the filter the same seeds do find peers"
    assert snap.neighbours.get(snap.docnum["seed-first"]) is not None


def test_best_ranks_by_score_with_ties_in_docnum_order() -> None:
    scores = np.asarray([0, 2, 5, 2, 0.5, 5, 2], dtype=np.float32)
    assert best(scores, 4) == [(2, 5.0), (5, 5.0), (1, 2.0), (3, 2.0)]
    assert best(scores, 10, floor=1.0) == [(2, 5.0), (5, 5.0), (1, 2.0), (3, 2.0), (6, 2.0)]
    assert best(np.zeros(5, dtype=np.float32), 3) == []


def test_best_agrees_with_a_full_stable_sort() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 500))
        scores = (rng.integers(0, 4, n) * rng.random(n).round(1)).astype(np.float32)
        limit, floor = int(rng.integers(1, 20)), float(rng.choice([0.0, 0.5]))
        order = np.argsort(-scores, kind="stable")[:limit]
        expected = [(int(d), float(scores[d])) for d in order if scores[d] > floor]
        assert best(scores, limit, floor) == expected


def test_top_docnums_agrees_with_a_full_stable_sort_over_any_spread_of_scores() -> None:
    """The contenders are found by halving a share of the best score: scores spread over
    many orders of magnitude (one far ahead, many below 1/1024 of it), many tied, and
    limits above and below the count of positive scores give what a full sort gives."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.integers(1, 3000))
        scores = (10.0 ** rng.uniform(-6, 3, n)).astype(np.float32)
        scores[rng.random(n) < 0.3] = 0
        scores[rng.random(n) < 0.2] = scores[int(rng.integers(0, n))]  # ties
        limit = int(rng.integers(1, 400))
        some_score = float(scores[int(rng.integers(0, n))])
        floor = float(rng.choice([0.0, 1e-4, float(scores.max()) * 0.1, some_score]))
        order = np.argsort(-scores, kind="stable")
        expected = [int(d) for d in order if scores[d] > floor][:limit]
        assert top_docnums(scores, limit, floor).tolist() == expected
    assert top_docnums(np.ones(4, dtype=np.float32), 0).tolist() == []
    assert top_docnums(np.zeros(0, dtype=np.float32), 3).tolist() == []


def test_top_docnums_compares_in_the_scores_type_and_skips_nan() -> None:
    # 0.1 is not a float32: compared as one, the scores equal to it are not above it.
    assert top_docnums(np.asarray([0.2, 0.1, 0.1], dtype=np.float32), 3, 0.1).tolist() == [0]
    tiny = np.zeros(300, dtype=np.float32)
    tiny[[5, 9]] = np.float32(2**-149)  # half the best is 0 in float32: no zero sneaks in
    assert top_docnums(tiny, 200).tolist() == [5, 9]
    with_nan = np.asarray([np.nan, 3, 1, np.nan, 2], dtype=np.float32)
    assert top_docnums(with_nan, 2).tolist() == [1, 4]
    assert top_docnums(np.tile(with_nan, 100), 2).tolist() == [1, 6]
    assert top_docnums(with_nan, 5, float("nan")).tolist() == []


def test_related_practices_are_the_same_when_asked_again(related_searcher: Searcher) -> None:
    """The second time (each seed's neighbours kept) the same list; a filter narrows it."""
    first = related_searcher.search(SearchRequest("lighthouse", per_page=10))
    again = related_searcher.search(SearchRequest("lighthouse", per_page=10))
    assert [h.id for h in again.related] == [h.id for h in first.related]
    narrowed = related_searcher.search(
        SearchRequest("lighthouse", {"kind": ("news",)}, per_page=10)
    )
    assert [h.id for h in narrowed.results] == ["seed-first"]
    assert [h.id for h in narrowed.related] == ["like-first"], "only peers the filter allows"


def test_under_filters_the_allowed_peers_are_found_beyond_the_nearest_overall(
    tmp_path: Path,
) -> None:
    """A city officer narrows to practices: the page's one practice is filled with its
    practice peers even when more news items than an entry's kept neighbours are closer to
    it (each seed's kept neighbours hold none of the practices: they were listed none)."""
    closer = [
        {
            "title": f"Beekeeping cooperative of refugees, hives {n}",
            "summary": "Refugees keep beehives: honey cooperative, beekeeping classes.",
            "kind": "news",
        }
        for n in range(MORE_LIKE_KEPT + 10)
    ]
    practices = [
        {"title": f"Chess club {n}", "summary": "Openings and endgames.", "kind": "good-practice"}
        for n in range(30)
    ]
    seed = {
        "id": "seed",
        "title": "Lighthouse beekeeping cooperative",
        "summary": "Refugees keep beehives and sell honey from the lighthouse garden.",
        "kind": "good-practice",
    }
    peer = {
        "id": "peer",
        "title": "Urban beekeeping",
        "summary": "A honey cooperative for newcomers on city rooftops.",
        "kind": "good-practice",
    }
    searcher = Searcher(small_index(tmp_path / "index", [seed, peer, *closer, *practices]))
    filtered = searcher.search(SearchRequest("lighthouse", {"kind": ("good-practice",)}))
    assert [h.id for h in filtered.results] == ["seed"]
    assert [h.id for h in filtered.related] == ["peer"], "the one allowed practice alike"
    unfiltered = searcher.search(SearchRequest("lighthouse"))
    assert unfiltered.related and all(h.kind == "news" for h in unfiltered.related)


def test_entries_under_a_mask_score_as_without_it(tmp_path: Path) -> None:
    """Related practices under filters score the allowed entries only, each exactly as the
    unfiltered scoring does (to the bit), including multi-word concept terms whose loose
    matches stay below their weakest written match among every entry."""
    rng = np.random.default_rng(7)
    common = ("new", "arrival", "migrant", "social", "community", "trust", "mutual", "person",
              "displaced", "internal", "living", "together", "sense", "belonging", "respect",
              "cohesion")  # fmt: skip
    rare = ("newcomer", "seeker", "asylum", "worker", "background", "inclusion", "exclusion",
            "sanctuary")  # fmt: skip
    phrases = [
        ["new", "arrival"],
        ["asylum", "seeker"],
        ["social", "inclusion"],
        ["living", "together"],
        ["migrant", "worker"],
    ]
    records = []
    for n in range(320):
        words = list(rng.choice(common, int(rng.integers(2, 13))))
        words += list(rng.choice(rare, int(rng.integers(0, 4))))
        words += [f"w{k}" for k in rng.integers(0, 60, int(rng.integers(0, 80)))]
        rng.shuffle(words)
        if rng.random() < 0.3:
            words[0:0] = phrases[int(rng.integers(len(phrases)))]
        kind = "news" if rng.random() < 0.5 else "good-practice"
        title, summary = " ".join(words[:5]), " ".join(words[5:]) or "plain"
        records.append({"id": f"d{n}", "title": title, "summary": summary, "kind": kind})
    snap = Searcher(small_index(tmp_path / "index", records)).snapshot()
    compared = 0
    for share in (0.05, 0.2, 0.5) * 6:
        allowed = rng.random(snap.n) < share
        channels = Channels(snap, within=allowed)  # shared by the seeds, as related() does
        for seed in rng.choice(snap.n, 3, replace=False):
            full = likeness(Channels(snap), int(seed))
            masked = likeness(channels, int(seed))
            assert not masked[~allowed].any()
            assert full[allowed].tobytes() == masked[allowed].tobytes()
            compared += int(np.count_nonzero(full[allowed]))
    assert compared > 1000
