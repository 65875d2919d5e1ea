"""What a build reports: counts of new, changed, removed and unchanged entries, and the
live index's languages, locales and untranslated entries (read from its columns)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer import accel, generations


@dataclass(slots=True)
class BuildReport:
    total: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    generation: str | None = None
    rebuilt: bool = False
    languages: Counter[str] = field(default_factory=Counter)
    locales: Counter[str] = field(default_factory=Counter)
    untranslated: int = 0
    # (city, country code) of this build's entries whose city no gazetteer row matched
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    # ids an update was asked to delete that the index does not hold
    not_found: list[str] = field(default_factory=list)

    @property
    def modified(self) -> int:
        return self.new + self.changed + self.removed

    @property
    def per_second(self) -> float:
        return (self.new + self.changed) / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "new": self.new,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "seconds": round(self.seconds, 3),
            "entries_per_second": round(self.per_second, 1),
            "generation": self.generation,
            "rebuilt": self.rebuilt,
            "languages": dict(self.languages.most_common()),
            "locales": dict(self.locales.most_common()),
            "untranslated": self.untranslated,
            "unresolved_cities": len(self.unresolved),
            "unresolved": [list(pair) for pair in self.unresolved],
            "not_found": list(self.not_found),
        }


def summarise(report: BuildReport, gen: generations.Generation | None) -> None:
    """Per-language and per-locale counts of the live index, from its merged columns."""
    if gen is None:
        return
    columns = accel.live_columns(gen.path, ("language", "locale", "translated"))
    for name, counter in (("language", report.languages), ("locale", report.locales)):
        codes, values = columns[name]
        for code, count in enumerate(np.bincount(codes, minlength=len(values)).tolist()):
            if count:
                counter[values[code]] = count
    translated, values = columns["translated"]
    no_code = values.index("no") if "no" in values else -1
    report.untranslated = int((translated == no_code).sum())
