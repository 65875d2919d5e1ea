"""The performance targets gpsearch is judged against (PASS/FAIL in the report)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.report.fmt import MB, TARGET_SIZE, dig, fmt_mb, fmt_ms, fmt_num


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    threshold: str
    size: str
    value: Callable[[dict[str, Any]], float | None]
    ok: Callable[[float, dict[str, Any]], bool]
    fmt: Callable[[float | None], str]


def _three_filter_p95(record: dict[str, Any]) -> float | None:
    return dig(record, "query", "by_filters", "3", "p95")


def _http_p95(record: dict[str, Any]) -> float | None:
    """HTTP p95; infinite when the load ran but no request completed."""
    http = dig(record, "http")
    if not http:
        return None
    return dig(http, "latency_ms", "p95") if http.get("requests") else float("inf")


def fmt_target_ms(value: float | None) -> str:
    return "no reply" if value == float("inf") else f"{fmt_ms(value)} ms"


TARGETS = (
    Target(
        "Library query p95, 3 filters + 6 facets + highlights",
        "≤ 60 ms",
        TARGET_SIZE,
        _three_filter_p95,
        lambda v, r: v <= 60,
        lambda v: f"{fmt_ms(v)} ms",
    ),
    Target(
        "HTTP p95, 8 concurrent clients, 0 errors",
        "≤ 100 ms",
        TARGET_SIZE,
        _http_p95,
        lambda v, r: v <= 100 and dig(r, "http", "errors") == 0,
        fmt_target_ms,
    ),
    Target(
        "Build throughput",
        "≥ 1,000 entries/s",
        TARGET_SIZE,
        lambda r: dig(r, "build", "build", "entries_per_s"),
        lambda v, r: v >= 1000,
        lambda v: f"{fmt_num(v)}/s",
    ),
    Target(
        "Server peak memory, PSS (master + workers)",
        "≤ 400 MB",
        TARGET_SIZE,
        lambda r: dig(r, "http", "server_peak_pss_bytes"),
        lambda v, r: v <= 400 * MB,
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Target(
        "Server peak RSS summed over processes",
        "≤ 400 MB",
        TARGET_SIZE,
        lambda r: dig(r, "http", "server_peak_rss_bytes"),
        lambda v, r: v <= 400 * MB,
        lambda v: f"{fmt_mb(v)} MB",
    ),
    Target(
        "HTTP p95 at real-corpus size, 0 errors",
        "≤ 15 ms",
        "real",
        _http_p95,
        lambda v, r: v <= 15 and dig(r, "http", "errors") == 0,
        fmt_target_ms,
    ),
)


def _target_size(results: dict[str, Any], wanted: str) -> tuple[str | None, str]:
    labels = [s["label"] for s in results["config"]["sizes"]]
    if wanted in labels:
        return wanted, ""
    synthetic = [s for s in results["config"]["sizes"] if s["label"] != "real"]
    if wanted != "real" and synthetic:
        largest = max(synthetic, key=lambda s: s["entries"])["label"]
        return largest, f" (measured at {largest}; the target is for {wanted})"
    return None, " (size not run)"


def evaluate_targets(results: dict[str, Any], systems: Sequence[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for target in TARGETS:
        size, note = _target_size(results, target.size)
        cells: dict[str, dict[str, Any]] = {}
        for name in systems:
            record = results["runs"].get(size or "", {}).get(name)
            value = target.value(record) if record else None
            cells[name] = {
                "value": value,
                "text": target.fmt(value) if value is not None else "n/a",
                "pass": None if value is None else bool(target.ok(value, record)),
            }
        rows.append(
            {
                "target": target.label,
                "threshold": target.threshold,
                "size": size,
                "note": note,
                "cells": cells,
            }
        )
    return rows
