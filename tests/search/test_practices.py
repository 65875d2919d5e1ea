"""One result per practice: versions collapse into one hit, `versions=all` lists entries."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from search import Searcher, SearchRequest
from search.practices import Practices, _derive, carried
from search.snapshot import Snapshot
from tests.search.small import small_index


def texts(hits: list) -> list[tuple[str, str]]:
    return [
        (" ".join(h.title.casefold().split()), " ".join(h.summary.casefold().split())) for h in hits
    ]


def all_pages(searcher: Searcher, query: str, **options: object) -> list:
    first = searcher.search(SearchRequest(query, per_page=7, **options))  # type: ignore[arg-type]
    hits = list(first.results)
    for page in range(2, first.pages + 1):
        hits += searcher.search(SearchRequest(query, page=page, per_page=7, **options)).results  # type: ignore[arg-type]
    assert len(hits) == first.total, "pages add up to the total"
    return hits


@pytest.mark.parametrize("query", ["", "equality data", "barazia", "art therapy", "Lutsk"])
def test_no_result_list_shows_one_text_twice(searcher: Searcher, query: str) -> None:
    hits = all_pages(searcher, query)
    assert len(set(texts(hits))) == len(hits)
    assert len({h.id for h in hits}) == len(hits)


def test_versions_all_restores_every_entry(searcher: Searcher) -> None:
    entries = all_pages(searcher, "", versions="all")
    practices = all_pages(searcher, "")
    assert len(entries) == len(list(searcher.iter_documents()))
    assert len(practices) < len(entries)
    shown = {h.id for h in practices} | {v["id"] for h in practices for v in h.versions}
    assert shown == {h.id for h in entries}, "every entry is a hit or a listed version"


def test_a_practice_under_two_locales_is_one_hit_listing_the_other(searcher: Searcher) -> None:
    hits = searcher.search(SearchRequest("equality data Ireland")).results
    ireland = [h for h in hits if "Irlandë" in h.title]
    assert len(ireland) == 1
    assert {v["locale"] for v in ireland[0].versions} | {ireland[0].locale} == {"en", "sq"}
    every = searcher.search(SearchRequest("equality data Ireland", versions="all")).results
    assert len([h for h in every if "Irlandë" in h.title]) == 2


TRANSLATED = [
    {
        "id": "garden-en",
        "title": "Shared gardens for newcomers",
        "summary": "Newcomers and neighbours grow vegetables together in Lyon.",
        "group": "gardens",
        "country": "France",
        "city": "Lyon",
    },
    {
        "id": "garden-fr",
        "title": "Jardins partagés pour les nouveaux arrivants",
        "summary": "Nouveaux arrivants et voisins cultivent des légumes ensemble à Lyon.",
        "locale": "fr",
        "language": "fr",
        "group": "gardens",
        "country": "France",
        "city": "Lyon",
    },
    {"id": "other", "title": "Football for youth", "summary": "Young people play football."},
]


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return Searcher(small_index(tmp_path_factory.mktemp("translated") / "index", TRANSLATED))


def test_the_reader_sees_the_version_in_their_language(translated: Searcher) -> None:
    for reader, shown in (("fr", "garden-fr"), ("en", "garden-en")):
        hits = translated.search(SearchRequest("gardens", reader_language=reader)).results
        assert [h.id for h in hits] == [shown]
        assert [v["id"] for v in hits[0].versions] == [
            {"garden-fr": "garden-en", "garden-en": "garden-fr"}[shown]
        ]


def test_words_of_one_version_find_the_practice_in_another(translated: Searcher) -> None:
    """'vegetables' is only in the English text: a French reader still finds the practice."""
    response = translated.search(SearchRequest("vegetables", reader_language="fr"))
    assert [h.id for h in response.results] == ["garden-fr"]


def test_facets_count_practices_under_each_of_their_languages(translated: Searcher) -> None:
    response = translated.search(SearchRequest(""))
    assert response.total == 2
    assert {v.value: v.count for v in response.facets["language"]} == {"en": 2, "fr": 1}
    entries = translated.search(SearchRequest("", versions="all"))
    assert entries.total == 3


def test_a_language_filter_shows_the_version_in_that_language(translated: Searcher) -> None:
    hits = translated.search(SearchRequest("gardens", {"language": ("fr",)})).results
    assert [h.id for h in hits] == ["garden-fr"]


def test_an_unknown_versions_value_names_the_parameter(translated: Searcher) -> None:
    from search import SearchError

    with pytest.raises(SearchError) as caught:
        SearchRequest("x", versions="some")
    assert caught.value.param == "versions"


def test_practice_counts_match_a_brute_force_count() -> None:
    """Facet counts in practice units against counting distinct practices by hand, for
    single-valued and multi-valued (topic-like, -1 = empty slot) columns, over many
    random match sets of a random grouping with deleted entries."""
    rng = np.random.default_rng(5)
    n, count = 3000, 900
    of = rng.integers(0, count, n)
    of[rng.random(n) < 0.05] = -1  # deleted documents
    codes = rng.integers(0, 6, n)
    rows = rng.integers(-1, 9, (n, 3))  # values repeated in a row, too
    distinct = np.argsort(rng.random((n, 9)), axis=1)[:, :3]  # no value twice in a row
    distinct[rng.random((n, 3)) < 0.3] = -1
    practices = Practices(of, count)
    for _ in range(25):
        docs = np.flatnonzero((rng.random(n) < rng.random()) & (of >= 0))
        single = practices.value_counts("kind", codes, docs, 6)
        assert single.tolist() == [len({of[d] for d in docs if codes[d] == v}) for v in range(6)]
        for key, multi in (("topic", rows), ("distinct", distinct)):
            counts = practices.value_counts(key, multi, docs, 9)
            assert counts.tolist() == [
                len({of[d] for d in docs if v in multi[d]}) for v in range(9)
            ]


def _numbered(group: np.ndarray) -> Practices:
    """Practices as a snapshot numbers them: in the order they first appear, an entry
    without a group (-1) alone, a deleted entry (-2) in none."""
    of = np.full(len(group), -1, dtype=np.int64)
    number: dict[tuple[int, int], int] = {}
    for d, g in enumerate(group.tolist()):
        if g != -2:
            of[d] = number.setdefault((0, g) if g >= 0 else (1, d), len(number))
    firsts = np.array([d for d in range(len(group)) if of[d] >= 0 and of[d] not in of[:d]])
    return Practices(of, len(number), {}, firsts.astype(np.int64))


def _brute(of: np.ndarray, codes: np.ndarray, docs: np.ndarray, size: int) -> list[int]:
    rows = codes if codes.ndim == 2 else codes[:, None]
    return [len({of[d] for d in docs if v in rows[d]}) for v in range(size)]


def test_classes_carried_over_an_update_count_as_derived_ones() -> None:
    """A reopen carries each facet's classes over from the generation before and redoes
    the practices an update touched: entries deleted and added, moved between groups,
    given other values, and a merge that renumbers docnums.  Over ten generations in a
    row, the counts match counting practices by hand, and the small updates were carried
    (the large ones derived again)."""
    rng = np.random.default_rng(11)
    n = 2000
    group = rng.integers(-1, 500, n)
    single = rng.integers(0, 6, n)
    rows = rng.integers(-1, 9, (n, 3))
    rows[:, 0] = np.maximum(rows[:, 0], 0)  # every value code in use: the width stays
    single[:6] = np.arange(6)
    practices = _numbered(group)
    carried_count = 0
    for generation in range(10):
        for key, codes, size in (("kind", single, 6), ("topic", rows, 9)):
            for _ in range(6):
                docs = np.flatnonzero((rng.random(len(group)) < rng.random()) & (group != -2))
                expected = _brute(practices.of, codes, docs, size)
                assert practices.value_counts(key, codes, docs, size).tolist() == expected
            found = practices._classes(key, codes)  # its holes: the classes no entry holds
            live = np.unique(found.slot[found.slot > found.width])
            assert (
                found.count - found.holes
                == len(live)
                == len(_derive(practices.of, codes, practices.by_practice(alone=True)).value)
            )
        group, single, rows = group.copy(), single.copy(), rows.copy()
        if generation == 6:  # a merge: deleted entries leave, later docnums move down
            keep = np.flatnonzero(group != -2)
            group, single, rows = group[keep], single[keep], rows[keep]
        else:
            changed = rng.choice(len(group), 5, replace=False)
            group[changed[:2]] = -2  # deleted
            group[changed[2]] = rng.integers(0, 500)  # moved to another group
            single[changed[3]] = rng.integers(0, 6)
            rows[changed[4], 1:] = rng.integers(-1, 9, 2)
            added = rng.integers(-1, 500, 3)
            group = np.concatenate([group, added])  # the new versions, at the end
            single = np.concatenate([single, rng.integers(0, 6, 3)])
            rows = np.concatenate([rows, rng.integers(0, 9, (3, 3))])
        before = practices
        fresh = _numbered(group)
        practices = Practices(fresh.of, fresh.count, {}, fresh.firsts, before)
        was_carried = carried(practices, "kind", single) is not None
        carried_count += was_carried
        assert was_carried == (generation != 6), generation
    assert carried_count == 9


def test_a_reopen_after_updates_counts_facets_as_a_fresh_open(tmp_path: Path) -> None:
    """Each update's reopen carries the facets' practice classes over from the generation
    before: after an edited version of a practice, a deleted one, an entry moved to
    another country and to a translation group, every facet counts as in a Searcher
    opened afresh, and the classes were carried (their holes are the old practices')."""
    from corpus import load_sources
    from indexer.build import update_index
    from tests.conftest import build_test_index

    index = build_test_index(None, tmp_path / "index")
    searcher = Searcher(index)
    searcher.check_interval = 0.0
    snap = searcher.snapshot()
    entries = {e.id: e for e in load_sources(None).entries}
    versions = {i: snap.other_versions(i) for i in entries}
    # two practices whose versions share a country: a class of each
    first, second = [
        entries[i]
        for i, others in versions.items()
        if any(entries[o].country == entries[i].country for o in others)
    ][::2][:2]
    assert versions[first.id] != versions[second.id]
    held = Counter(e.country for e in entries.values())
    # alone in their practices, in countries other entries keep: the column's values stay
    alone = [
        entries[i] for i, others in versions.items() if not others and held[entries[i].country] > 1
    ][:2]
    countries = sorted({e.country for e in entries.values() if e.country})
    other = next(c for c in countries if c != alone[0].country)
    rounds = [
        ([replace(first, summary=first.summary + " edited")], []),
        ([], [second.id]),
        ([replace(alone[0], country=other)], []),
        ([replace(alone[1], translation_of=first.id)], []),
    ]
    requests = [
        SearchRequest(""),
        SearchRequest("culture"),
        SearchRequest("", filters={"kind": ("good-practice",)}),
    ]
    for number, (upserts, deletes) in enumerate(rounds):
        update_index(index, upserts, deletes)
        reopened = searcher.snapshot()
        fresh = Searcher(index)
        for request in requests:
            assert searcher.search(request).facets == fresh.search(request).facets
        assert reopened.memo[("classes", "country")].holes > 0, f"round {number}: carried"
        assert fresh.snapshot().memo[("classes", "country")].holes == 0


def test_a_hit_lists_the_first_versions_of_a_large_practice(tmp_path: Path) -> None:
    """A practice published under many locales: the hit lists its first 20 other versions
    (in the group's order, never itself), and the entry page still has all of them."""
    locales = [f"en-r{n:02d}" for n in range(30)]
    records = [
        {
            "id": f"week-{loc}",
            "title": f"Intercultural week {loc}",
            "summary": "A week of open kitchens and concerts.",
            "group": "week",
            "locale": loc,
        }
        for loc in locales
    ]
    searcher = Searcher(small_index(tmp_path / "index", records))
    (hit,) = searcher.search(SearchRequest("kitchens")).results
    listed = [v["id"] for v in hit.versions]
    others = [f"week-{loc}" for loc in locales if f"week-{loc}" != hit.id]
    assert listed == others[:20]
    assert {v["locale"] for v in hit.versions} == {i.removeprefix("week-") for i in listed}
    assert all(v["title"].startswith("Intercultural week") for v in hit.versions)
    assert len(searcher.versions(hit.id)) == 29


def _numbered_by_sorting_every_key(alive: np.ndarray, code: np.ndarray, groups: int) -> tuple:
    """Practice numbers in order of first appearance, by sorting every entry's key (the
    group, or a number of its own): what Snapshot.practices derives faster."""
    docnums = np.flatnonzero(alive)
    group = code[docnums].astype(np.int64)
    alone = groups + np.arange(len(docnums), dtype=np.int64)
    keys = np.where(group >= 0, group, alone)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    number = np.empty_like(order)
    number[order] = np.arange(len(order))
    return docnums, number[inverse.ravel()], docnums[first[order]]


def test_practices_are_numbered_in_the_order_they_first_appear() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        n, count = int(rng.integers(0, 200)), int(rng.integers(1, 30))
        code = np.where(rng.random(n) < 0.4, rng.integers(0, count, n), -1).astype(np.int32)
        alive = rng.random(n) < 0.9
        snap = SimpleNamespace(
            alive=alive, groups=SimpleNamespace(code=code, names=("g",) * count), docnum=None
        )
        docnums, number, keys = Snapshot.practices.func(snap)  # type: ignore[attr-defined]
        expected = _numbered_by_sorting_every_key(alive, code, count)
        assert np.array_equal(docnums, expected[0]) and np.array_equal(number, expected[1])
        assert np.array_equal(keys._firsts, expected[2])
