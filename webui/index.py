"""The app's one Searcher, opened on first use and kept on the app (no module globals).

Opening lazily lets `/healthz` answer 503 while the index is missing; the Searcher itself
follows new generations after a rebuild.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from search import Searcher

_EXTENSION = "gpsearch"


def get_searcher() -> Searcher:
    """The app's Searcher; raises IndexNotFoundError while there is no usable index."""
    state = current_app.extensions[_EXTENSION]
    searcher = state.get("searcher")
    if searcher is None:
        with state["lock"]:
            searcher = state.get("searcher")
            if searcher is None:
                searcher = Searcher(current_app.config["INDEX_DIR"])
                state["searcher"] = searcher
    return searcher


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = {"searcher": None, "lock": threading.Lock()}


def use_searcher(app: Flask, searcher: Searcher) -> None:
    """Serve an already opened Searcher (a server's master opens it before forking)."""
    app.extensions[_EXTENSION]["searcher"] = searcher
