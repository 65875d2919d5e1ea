"""gpsearch's web interface and JSON API, built by the `create_app` application factory.

flask --app webui run            # development, reads $GPSEARCH_INDEX
gpsearch serve --index var/index # production: gunicorn, see webui.server
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from webui.config import ConfigError, load_config

__all__ = ["ConfigError", "create_app"]

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new app; `config` keys override the `GPSEARCH_*` environment and the defaults."""
    from webui import api, entry, errors, i18n, index, meta, search, security, translators

    app = Flask(__name__)
    app.config.from_mapping(load_config(config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.autoescape = True  # every template, whatever its extension (.xml too)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    index.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for blueprint in (search.bp, entry.bp, translators.bp, api.bp, meta.bp):
        app.register_blueprint(blueprint)
    app.context_processor(_template_helpers)
    _register_commands(app)
    log.debug("gpsearch web app ready (index %s)", app.config["INDEX_DIR"])
    return app


def _template_helpers() -> dict[str, Any]:
    from flask import g, request, url_for

    from webui.config import UI_LANGUAGES
    from webui.i18n import language_name, ui_language

    def switch_language_url(code: str) -> str:
        """This page in another interface language (same query string otherwise)."""
        if request.url_rule is None:
            return url_for("search.index", lang=code)
        args = {k: request.args.getlist(k) for k in request.args if k != "lang"}
        return url_for(
            request.endpoint or "search.index", **(request.view_args or {}), **args, lang=code
        )

    current = ui_language()
    return {
        "ui_lang": current,
        "chosen_lang": g.get("explicit_lang"),
        "ui_languages": [
            {
                "code": code,
                "name": language_name(code, code),
                "current": code == current,
                "url": switch_language_url(code),
            }
            for code in UI_LANGUAGES
        ],
    }


def _register_commands(app: Flask) -> None:
    import click

    from webui.i18n import compile_catalogs

    @app.cli.command("compile-messages")
    def compile_messages() -> None:
        """Compile the interface translations (.po -> .mo) when they changed."""
        for path in compile_catalogs():
            click.echo(f"compiled {path}")
