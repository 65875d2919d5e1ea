"""Formatting, the markdown table helper and accessors shared by the report's sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MB = 1_000_000
PRIMARY = "gpsearch"
FALLBACK_REFERENCE = "whoosh"
TARGET_SIZE = "100k"
# A peer counts as faster/better than the reference from this ratio on.
BETTER_RATIO = 1.25
BETTER_NDCG = 0.02


# --------------------------------------------------------------------------- formatting
def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def fmt_num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def fmt_mb(value: float | None) -> str:
    if value is None:
        return "–"
    return (
        f"{value / MB:.2f}"
        if value < 10 * MB
        else f"{value / MB:,.1f}"
        if value < 100 * MB
        else f"{value / MB:,.0f}"
    )


def fmt_ratio(value: float | None, ref: float | None) -> str:
    if value is None or not ref:
        return "–"
    ratio = value / ref
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    """One table cell: a single line, with pipes escaped (error texts carry tracebacks)."""
    return " ".join(str(value).split()).replace("|", "\\|")


def short_error(error: str, limit: int = 100) -> str:
    """`phase: last line of the traceback`, e.g. `http: KeyError: 'segments'`."""
    phase, _, rest = error.partition(":")
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    text = f"{phase}: {lines[-1] if lines else rest.strip()}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- accessors
def dig(data: Any, *keys: Any) -> Any:
    for key in keys:
        if data is None:
            return None
        data = data.get(key) if isinstance(data, dict) else None
    return data


def systems_with_data(results: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for per_system in results["runs"].values():
        for name, record in per_system.items():
            if name not in seen and ("build" in record or "query" in record):
                seen.append(name)
    return seen


def reference(results: dict[str, Any]) -> str | None:
    systems = systems_with_data(results)
    for name in (PRIMARY, FALLBACK_REFERENCE):
        if name in systems:
            return name
    return systems[0] if systems else None


def largest_size(results: dict[str, Any]) -> str | None:
    sizes = results["config"]["sizes"]
    return max(sizes, key=lambda s: s["entries"])["label"] if sizes else None


@dataclass(slots=True)
class Report:
    """What every section reads: the run's results, the systems with data, the reference."""

    results: dict[str, Any]
    systems: list[str]
    ref: str | None

    @classmethod
    def of(cls, results: dict[str, Any]) -> Report:
        return cls(results, systems_with_data(results), reference(results))


def relevance_partial(scores: dict[str, Any]) -> bool:
    """The system's judged run stopped at its time budget before every query was asked."""
    return not scores.get("complete", True) or bool(scores.get("not_run"))
