"""What topics cost at query time: counting the multi-valued topic facet beside a
single-valued one, and a search with the topic facet asked or not (gpsearch only)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

REPEAT = 15


def _median_ms(run: Callable[[], Any], repeat: int = REPEAT) -> float:
    run()  # caches (practice numbers, value indexes) are built once per generation
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def facet_cost_ms(searcher: Any) -> dict[str, float]:
    """Median milliseconds: the topic and language facets counted over every live entry
    (practice units), and an empty-query search with the topic filter vs the language one."""
    from search.facets import facet_counts
    from search.models import SearchRequest

    snap = searcher.snapshot()
    units, _ = snap.practice_numbers
    alive = snap.alive

    def count(name: str) -> Callable[[], Any]:
        return lambda: facet_counts(snap, alive, {}, (name,), {}, units)

    topic = (next(iter(snap.data.topics.values)),) if snap.data.topics else ()
    language = (snap.data.values["language"][0],)
    return {
        "count_topic": _median_ms(count("topic")),
        "count_language": _median_ms(count("language")),
        "search_topic_filter": _median_ms(
            lambda: searcher.search(SearchRequest("", filters={"topic": topic}))
        ),
        "search_language_filter": _median_ms(
            lambda: searcher.search(SearchRequest("", filters={"language": language}))
        ),
    }
