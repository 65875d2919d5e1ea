"""The report's topics section: assignment's share of the build, the topic facet's cost."""

from __future__ import annotations

from benchmarks.report.fmt import Report, dig, fmt_ms, table


def topics_section(r: Report) -> list[str]:
    rows = []
    for size, per_system in r.results["runs"].items():
        record = per_system.get("gpsearch")
        build = dig(record, "build", "build")
        cost = dig(record, "query", "facet_cost_ms") or {}
        topic_s = dig(build, "extra", "topic_seconds")
        if build is None or topic_s is None:
            continue
        entries, seconds = build["entries"], build["seconds"]
        rows.append(
            [
                size,
                f"{topic_s:.2f}",
                f"{100 * topic_s / seconds:.1f}%" if seconds else "–",
                fmt_ms(1000 * topic_s / max(1, entries)),
                fmt_ms(cost.get("count_topic")),
                fmt_ms(cost.get("count_language")),
                fmt_ms(cost.get("search_topic_filter")),
                fmt_ms(cost.get("search_language_filter")),
            ]
        )
    if not rows:
        return []
    header = [
        "size",
        "assign s",
        "of build",
        "ms/entry",
        "topic facet",
        "language facet",
        "search topic=",
        "search language=",
    ]
    return [
        "## Topics (gpsearch)",
        "",
        "Assignment = TopicAssigner over the new entries in the build (its ~2 s set-up"
        " included). Facet = one facet counted over every entry (practice units); search ="
        " an empty query filtered by one topic or one language, facets included (medians).",
        "",
        table(header, rows),
        "",
    ]
