"""The report's topics section: assignment's share of the build, the topic facet's cost."""

from __future__ import annotations

from benchmarks.report.fmt import Report, dig, fmt_ms, table


def topics_section(r: Report) -> list[str]:
    rows = []
    for size, per_system in r.results["runs"].items():
        record = per_system.get("gpsearch")
        build = dig(record, "build", "build")
        cost = dig(record, "query", "facet_cost_ms") or {}
        assign = dig(build, "extra", "topics")
        if build is None or not assign:
            continue
        entries, seconds = build["entries"], build["seconds"]
        serial = assign["ms_per_entry"] * entries / 1000
        rows.append(
            [
                size,
                f"{assign['setup_s']:.2f}",
                fmt_ms(assign["ms_per_entry"]),
                f"{serial:.2f}",
                f"{100 * serial / seconds:.0f}%" if seconds else "–",
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
        "set-up s",
        "ms/entry",
        "1 process s",
        "of build",
        "topic facet",
        "language facet",
        "search topic=",
        "search language=",
    ]
    return [
        "## Topics (gpsearch)",
        "",
        "Assignment timed apart, in one process: the assigner's one-off set-up, then per"
        " entry (the build assigns in its detection pool, so it pays about this divided by"
        " its workers, plus the set-up); *of build* = one process's total over the build's"
        " seconds. Facet = one facet counted over every entry (practice units); search = an"
        " empty query filtered by one topic or one language, facets included (medians).",
        "",
        table(header, rows),
        "",
    ]
