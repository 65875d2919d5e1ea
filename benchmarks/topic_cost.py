"""What topics cost (gpsearch only): assigning them at build time, and at query time
counting the multi-valued topic facet beside a single-valued one."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

REPEAT = 15
ASSIGN_SAMPLE = 2000  # entries timed for the assignment cost


def assignment_cost(entries: Sequence[Any]) -> dict[str, float]:
    """The assigner's one-off set-up (seconds) and milliseconds per entry, in one process
    (a build assigns in its detection pool, so its share is this divided by the workers)."""
    from indexer.detect import LanguageDetector
    from indexer.topics import TopicAssigner
    from indexer.workers import detect_entry

    started = time.perf_counter()
    assigner = TopicAssigner()
    setup = time.perf_counter() - started
    sample = list(entries[:ASSIGN_SAMPLE])
    detector = LanguageDetector()
    languages = [detect_entry(detector, e).language for e in sample]
    started = time.perf_counter()
    for entry, language in zip(sample, languages, strict=True):
        assigner.assign(entry.title, entry.summary, entry.body, language)
    per_entry = (time.perf_counter() - started) * 1000 / max(1, len(sample))
    return {"setup_s": setup, "ms_per_entry": per_entry, "sample": len(sample)}


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
    from search.practices import Practices

    snap = searcher.snapshot()
    practices = Practices.of_snapshot(snap)
    alive = snap.alive

    def count(name: str) -> Callable[[], Any]:
        return lambda: facet_counts(snap, alive, {}, (name,), {}, practices)

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
