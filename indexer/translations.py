"""Translation groups: entries in different locales that describe the same practice."""

from __future__ import annotations

from typing import Any


def assign_groups(reader: Any) -> dict[str, str]:
    """Map entry id -> group id for entries that have versions in other locales."""
    return {}
