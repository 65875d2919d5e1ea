"""latency.png: library query latency against corpus size, one line pair per system."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.report.fmt import PRIMARY, dig


def write_chart(results: dict[str, Any], path: Path, systems: Sequence[str]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["config"]["sizes"]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    colors = {
        "gpsearch": "#d62728",
        "whoosh": "#1f77b4",
        "fts5": "#2ca02c",
        "tantivy": "#ff7f0e",
        "xapian": "#9467bd",
    }
    for name in systems:
        xs, medians, p95s = [], [], []
        for size in sorted(sizes, key=lambda s: s["entries"]):
            lat = dig(results["runs"].get(size["label"], {}).get(name), "query", "latency_ms")
            if lat:
                xs.append(size["entries"])
                medians.append(lat["median"])
                p95s.append(lat["p95"])
        if not xs:
            continue
        # A configuration of a peer shares its colour (`fts5-and` is drawn like `fts5`),
        # with hollow markers.
        color = colors.get(name.split("-", 1)[0])
        face = "none" if "-" in name else color
        ax.plot(xs, medians, marker="o", mfc=face, color=color, label=f"{name} median")
        ax.plot(
            xs, p95s, marker="^", mfc=face, ls="--", color=color, alpha=0.7, label=f"{name} p95"
        )
    if PRIMARY in systems:
        label = "p95 bar with 3 filters (15 ms)"
        ax.axhline(15, color="grey", linewidth=0.8, linestyle=":", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (entries)")
    ax.set_ylabel("library query latency (ms)")
    ax.set_title("Query latency vs corpus size (top 10 + 6 facets + highlights)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
