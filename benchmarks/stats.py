"""Latency summaries: medians and tail percentiles, in milliseconds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def summarize_ms(
    latencies_s: Sequence[float], percentiles: Sequence[int] = (95, 99)
) -> dict[str, float]:
    """n, median, `p<q>` for each of `percentiles`, mean and max, in milliseconds."""
    if not latencies_s:
        return {}
    values = np.asarray(latencies_s, dtype=float) * 1000
    return {
        "n": int(values.size),
        "median": float(np.median(values)),
        **{f"p{q}": float(np.percentile(values, q)) for q in percentiles},
        "mean": float(values.mean()),
        "max": float(values.max()),
    }


def grouped_ms(latencies_s: Sequence[float], keys: Iterable[Any]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[float]] = {}
    for latency, key in zip(latencies_s, keys, strict=True):
        groups.setdefault(str(key), []).append(latency)
    return {key: summarize_ms(values) for key, values in sorted(groups.items())}
