"""benchmarks/report.md, report.json and latency.png from one run's results.

Every ratio compares numbers taken in the same run on the same machine; the reference
column is gpsearch when it ran, else plain Whoosh (the library gpsearch builds on).

The markdown is the concatenation of the sections in `SECTIONS`, in order.  A section is
a function `(Report) -> list[str]` (markdown lines; [] to leave the section out); add one
with `register_section`, e.g. `register_section("collapsing", collapsing_section,
after="query")`, reading its numbers from `report.results` (what benchmarks.run
returns, also written to report.json).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report.chart import write_chart
from benchmarks.report.fmt import Report, systems_with_data
from benchmarks.report.probes import probes_section
from benchmarks.report.relevance import relevance_category_section, relevance_section
from benchmarks.report.sections import (
    errors_section,
    faster_section,
    header_section,
    sample_section,
    systems_section,
    targets_section,
)
from benchmarks.report.speed import http_section, indexing_section, query_section
from benchmarks.report.topics import topics_section

__all__ = ["SECTIONS", "Report", "Section", "register_section", "render", "write_report"]


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    render: Callable[[Report], list[str]]


SECTIONS: list[Section] = [
    Section("header", header_section),
    Section("systems", systems_section),
    Section("targets", targets_section),
    Section("indexing", indexing_section),
    Section("query", query_section),
    Section("topics", topics_section),
    Section("http", http_section),
    Section("probes", probes_section),
    Section("relevance", relevance_section),
    Section("relevance_by_category", relevance_category_section),
    Section("faster", faster_section),
    Section("sample", sample_section),
    Section("errors", errors_section),
]


def register_section(
    key: str, render: Callable[[Report], list[str]], after: str | None = None
) -> None:
    """Add a section (or replace the one with the same key) after `after`, else at the end
    (before the errors)."""
    keys = [s.key for s in SECTIONS]
    if key in keys:
        SECTIONS[keys.index(key)] = Section(key, render)
        return
    if after is not None and after not in keys:
        raise KeyError(f"register_section({key!r}): no section {after!r}; known: {keys}")
    position = keys.index(after) + 1 if after is not None else keys.index("errors")
    SECTIONS.insert(position, Section(key, render))


def render(results: dict[str, Any], sections: list[Section] | None = None) -> str:
    report = Report.of(results)
    lines: list[str] = []
    for section in SECTIONS if sections is None else sections:
        lines += section.render(report)
    return "\n".join(lines).rstrip() + "\n"


def write_report(results: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = write_chart(results, out_dir / "latency.png", systems_with_data(results))
    markdown = out_dir / "report.md"
    markdown.write_text(render(results), encoding="utf-8")
    # render() adds the evaluated targets and findings, so JSON is written after it.
    data = out_dir / "report.json"
    data.write_text(
        json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return [markdown, data, chart]
