"""What places cost at query time: the result map and timeline of a browse page over the
whole index, and the `near` filter and `nearest` sort (gpsearch only).

Run inside the query worker after the timed passes (the index is open and warm); the
numbers travel in the query phase's JSON under `places` and the report's "Map, timeline
and near" section prints them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.report import register_section
from benchmarks.report.fmt import Report, fmt_ms, table

REPEAT = 5
NEAR = "Geneva"


def _best_ms(fn: Callable[[], Any], repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def measure(index_dir: Path, searcher: Any) -> dict[str, Any]:
    """Best-of-REPEAT milliseconds of each step, and what the page held."""
    from search import SearchRequest
    from webui import create_app
    from webui.places import bars, markers, search_maps
    from webui.present import search_url
    from webui.state import SearchState

    state = SearchState()
    browse = searcher.search(SearchRequest()).to_dict()
    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True})
    with app.test_request_context("/"):
        found_markers = markers(state, browse, search_url)
        found_bars = bars(state, browse, search_url)
        rendered = search_maps(state, browse, search_url)
        result = {
            "entries": browse["total"],
            "markers": len(found_markers),
            "bars": len(found_bars),
            "svg_bytes": sum(len(v or "") for v in rendered.values()),
            "browse_ms": _best_ms(lambda: searcher.search(SearchRequest())),
            "marks_ms": _best_ms(
                lambda: (markers(state, browse, search_url), bars(state, browse, search_url))
            ),
            "svg_ms": _best_ms(lambda: search_maps(state, browse, search_url)),
        }
    near = SearchRequest(near=NEAR, within_km=300)
    result["near_total"] = searcher.search(near).total
    result["near_ms"] = _best_ms(lambda: searcher.search(near))
    result["nearest_ms"] = _best_ms(
        lambda: searcher.search(SearchRequest(near=NEAR, within_km=300, sort="nearest"))
    )
    result["near_word_ms"] = _best_ms(
        lambda: searcher.search(SearchRequest("intercultural", near=NEAR))
    )
    result["word_ms"] = _best_ms(lambda: searcher.search(SearchRequest("intercultural")))
    return result


def places_section(r: Report) -> list[str]:
    rows = []
    for size, runs in r.results.get("runs", {}).items():
        places = ((runs.get("gpsearch") or {}).get("query") or {}).get("places")
        if not places or "error" in places:
            continue
        rows.append(
            [
                size,
                f"{places['entries']:,}",
                f"{places['markers']} / {places['bars']}",
                fmt_ms(places["browse_ms"]),
                fmt_ms(places["marks_ms"]),
                fmt_ms(places["svg_ms"]),
                f"{places['svg_bytes'] / 1024:.0f} KB",
                fmt_ms(places["word_ms"]),
                fmt_ms(places["near_word_ms"]),
                fmt_ms(places["near_ms"]),
                fmt_ms(places["nearest_ms"]),
            ]
        )
    if not rows:
        return []
    head = ["size", "entries", "markers / bars", "browse", "marks", "SVG", "SVG size",
            "word", "word + near", "near", "nearest"]  # fmt: skip
    return [
        "## Map, timeline and near (gpsearch)",
        "",
        "The search page's map and timeline of a browse page over the whole index (markers"
        " and bars from the city and year facets, then the server-rendered SVG), and the"
        f" `near={NEAR}&within_km=300` filter and `nearest` sort; best of {REPEAT}, in ms.",
        "",
        table(head, rows),
        "",
    ]


register_section("places", places_section, after="query")
