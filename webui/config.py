"""Settings: defaults, `GPSEARCH_*` environment overrides, and a check at start-up.

A bad setting stops the app factory with one clear message (as SearXNG validates its
settings), never a stack trace at the first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

UI_LANGUAGES = ("en", "fr")

# name -> (environment variable, default, parser)
_SETTINGS: dict[str, tuple[str, Any]] = {
    "INDEX_DIR": ("GPSEARCH_INDEX", "var/index"),
    "PER_PAGE": ("GPSEARCH_PER_PAGE", 10),
    "FACET_VALUES_SHOWN": ("GPSEARCH_FACET_VALUES_SHOWN", 8),
    "TRANSLATIONS_PER_PAGE": ("GPSEARCH_TRANSLATIONS_PER_PAGE", 25),
    "SIMILAR_LIMIT": ("GPSEARCH_SIMILAR_LIMIT", 5),
    "DEFAULT_UI_LANGUAGE": ("GPSEARCH_UI_LANGUAGE", "en"),
}
_INT_LIMITS = {
    "PER_PAGE": (1, 100),
    "FACET_VALUES_SHOWN": (1, 1000),
    "TRANSLATIONS_PER_PAGE": (1, 1000),
    "SIMILAR_LIMIT": (0, 50),
}


class ConfigError(ValueError):
    """A setting the operator must fix; the message names the setting and its variable."""


def load_config(
    overrides: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then `GPSEARCH_*` variables, then `overrides`; validated."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for name, (variable, default) in _SETTINGS.items():
        config[name] = environ.get(variable, default)
    config.update(overrides or {})
    return validate(config)


def _label(name: str) -> str:
    variable = _SETTINGS.get(name, (None,))[0]
    return f"{name} (${variable})" if variable else name


def validate(config: dict[str, Any]) -> dict[str, Any]:
    index_dir = config.get("INDEX_DIR")
    if not isinstance(index_dir, str | Path) or not str(index_dir).strip():
        raise ConfigError(f"{_label('INDEX_DIR')} must name the index directory")
    config["INDEX_DIR"] = Path(index_dir)
    for name, (low, high) in _INT_LIMITS.items():
        value = config.get(name)
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(f"{_label(name)} must be a whole number, got {value!r}") from None
        if isinstance(value, bool) or not low <= number <= high:
            raise ConfigError(f"{_label(name)} must be from {low} to {high}, got {value!r}")
        config[name] = number
    if config.get("DEFAULT_UI_LANGUAGE") not in UI_LANGUAGES:
        raise ConfigError(
            f"{_label('DEFAULT_UI_LANGUAGE')} must be one of {', '.join(UI_LANGUAGES)},"
            f" got {config.get('DEFAULT_UI_LANGUAGE')!r}"
        )
    if config.get("DEBUG"):
        raise ConfigError("DEBUG must stay off: gpsearch is served by gunicorn, never debug mode")
    return config
