"""Production serving: gunicorn with sync workers, never Flask's debug server.

`serve()` opens the index once before starting, so a missing index fails at once with the
library's message (the CLI prints it and exits 1).  That first open also loads the
language resources every worker needs (detector profiles, lemmatizer dictionaries, the
concept lexicon: ~110 MB); they are frozen out of the garbage collector's reach before
gunicorn forks, so workers share them copy-on-write.  Each worker still builds its own
app, opens the index itself and follows rebuilds on its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from search import Searcher
from webui import create_app
from webui.config import load_config

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


class GunicornApp(BaseApplication):  # type: ignore[misc]
    """gunicorn configured in code (no gunicorn.conf.py, no command-line parsing)."""

    def __init__(self, config: dict[str, Any], options: dict[str, Any]) -> None:
        self.app_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.app_config)


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "preload_app": False,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "timeout": 30,
        "graceful_timeout": 10,
        "proc_name": "gpsearch",
    }


def serve(
    index_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, workers: int = DEFAULT_WORKERS
) -> None:
    """Serve the web UI and API until interrupted.

    Raises IndexNotFoundError (naming the directory) when there is no usable index, and
    ConfigError for bad settings, before any worker starts.
    """
    if not 1 <= int(workers) <= 64:
        raise ValueError(f"workers must be from 1 to 64, got {workers}")
    config = load_config({"INDEX_DIR": str(index_dir)})
    searcher = Searcher(config["INDEX_DIR"])  # fail fast, with the library's message
    log.info(
        "serving index %s (generation %s) on http://%s:%s with %d workers",
        index_dir,
        searcher.generation,
        host,
        port,
        workers,
    )
    searcher.close()  # each worker opens the index itself; the warmed caches stay
    gc.collect()
    _release_free_memory()  # the closed index's memory, which no worker will use
    gc.freeze()  # a collection in a worker would otherwise touch (and copy) every page
    GunicornApp(config, gunicorn_options(host, port, workers)).run()
