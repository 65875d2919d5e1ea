"""The gpsearch-only probes (benchmarks/probes.py): hostile queries, collapsing, reports."""

from __future__ import annotations

from benchmarks.report.fmt import Report, fmt_ms, table

HOSTILE_BOUND_MS = 50.0  # every hostile query, at the largest size, in the library
TRANSLATORS_BOUND_MS = 50.0


def _probes(r: Report) -> list[tuple[str, dict]]:
    runs = r.results.get("runs", {})
    return [
        (size, runs[size]["gpsearch"]["probes"])
        for size in runs
        if "probes" in runs[size].get("gpsearch", {})
    ]


def probes_section(r: Report) -> list[str]:
    found = _probes(r)
    if not found:
        return []
    lines = [
        "## Hostile queries, collapsing and the translators' page (gpsearch)",
        "",
        f"Each hostile query is distinct and runs once (an attacker varies the string); the"
        f" figure is the **maximum**, bound {HOSTILE_BOUND_MS:.0f} ms.",
        "",
    ]
    rows = []
    for size, probes in found:
        hostile = probes["hostile"]
        worst = hostile["worst"]
        verdict = "PASS" if hostile["all"]["max"] <= HOSTILE_BOUND_MS else "FAIL"
        rows.append(
            [
                size,
                str(hostile["queries"]),
                fmt_ms(hostile["all"]["median"]),
                fmt_ms(hostile["all"]["p95"]),
                fmt_ms(hostile["all"]["max"]),
                f"{worst['kind']}",
                verdict,
            ]
        )
    lines += [
        table(
            ["size", "queries", "median", "p95", "max", "slowest kind", "<= bound"], rows, "lrrrrll"
        ),
        "",
    ]
    return lines + _detail_lines(found)


def _detail_lines(found: list[tuple[str, dict]]) -> list[str]:
    """By kind at the largest size, collapsing and the translators' page per size."""
    size, probes = found[-1]
    by_kind = probes["hostile"]["by_kind"]
    lines: list[str] = []
    lines += [
        f"By kind at {size}:",
        "",
        table(
            ["kind", "queries", "median", "max"],
            [
                [k, str(v["n"]), fmt_ms(v["median"]), fmt_ms(v["max"])]
                for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]["max"])
            ],
            "lrrr",
        ),
        "",
    ]
    rows = [
        [
            size,
            fmt_ms(p["versions"]["all"]["median"]),
            fmt_ms(p["versions"]["practice"]["median"]),
            fmt_ms(p["versions"]["all"]["p95"]),
            fmt_ms(p["versions"]["practice"]["p95"]),
        ]
        for size, p in found
    ]
    lines += [
        "One result per practice (the default) against `versions=all`, the generated queries:",
        "",
        table(["size", "all median", "practice median", "all p95", "practice p95"], rows, "lrrrr"),
        "",
    ]
    rows = []
    served_by = "the Flask app, in process"  # reports written before the probe served it
    for size, p in found:
        translators = p["translators"]
        if "paths" in translators:
            served_by = translators["served_by"]
            translators = translators["paths"]
        for path, v in translators.items():
            worst = v.get("max")
            verdict = "" if worst is None else "PASS" if worst <= TRANSLATORS_BOUND_MS else "FAIL"
            rows.append([size, path, fmt_ms(v["median"]), fmt_ms(v["p95"]), fmt_ms(worst), verdict])
    lines += [
        f"The translators' page, {served_by}, one request at a time; the figure is the"
        f" **maximum**, bound {TRANSLATORS_BOUND_MS:.0f} ms:",
        "",
        table(["size", "request", "median", "p95", "max", "<= bound"], rows, "llrrrl"),
        "",
    ]
    return lines
