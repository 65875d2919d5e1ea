"""Production serving: gunicorn with sync workers, never Flask's debug server.

`serve()` opens the index once before starting, so a missing index fails at once with the
library's message (the CLI prints it and exits 1).  The master keeps that Searcher: its
generation (arrays, ids, groups, facet classes) and the language resources every worker
needs (lemma dictionaries, the language model, the concept lexicon) are loaded before
gunicorn forks, frozen out of the garbage collector's reach, and shared copy-on-write by
the workers (preload_app).  A worker reopens the generation's Whoosh files on first use
(search.snapshot) and follows rebuilds on its own.  Once a rebuild made another generation
live, the master releases the one it opened (`release_replaced_index`); workers forked
after that open the live generation themselves.

Limits and timeouts are set here, explicitly, rather than left to gunicorn's defaults
(README, "Serving: limits, timeouts and shutdown"):
- SIGTERM (or SIGINT) is a graceful stop: the master stops accepting, each worker finishes
  the request it is handling, then exits; one still busy after GRACEFUL_TIMEOUT is killed.
- A worker busy on one request for more than TIMEOUT seconds is killed and replaced.
- gunicorn's own request-line limit cannot go above 8,190 bytes and answers with an HTML
  414, while the API allows more (`q` of 500 four-byte characters is 6,000 bytes
  percent-encoded, plus filters): it is turned off and the app answers URLs over
  webui.errors.MAX_URL_BYTES with a JSON 414 naming the longest parameter.  In front of
  the internet, the reverse proxy bounds what reaches gunicorn (deploy/nginx.conf).
- Headers: at most LIMIT_REQUEST_FIELDS, each at most LIMIT_REQUEST_FIELD_SIZE bytes
  (gunicorn answers 431 beyond: a browser never gets there).
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer import generations
from search import Searcher
from search.snapshot import release_free_memory
from webui import create_app
from webui.config import load_config
from webui.index import use_searcher

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
TIMEOUT = 30  # seconds one request may take before its worker is killed and replaced
GRACEFUL_TIMEOUT = 30  # seconds workers get, after SIGTERM, to finish what they are doing
LIMIT_REQUEST_LINE = 0  # off: the app's own limit answers in JSON (see the docstring)
LIMIT_REQUEST_FIELDS = 50  # headers a request may have (browsers send about 15)
LIMIT_REQUEST_FIELD_SIZE = 8190  # bytes in one header line
# Proxies whose X-Forwarded-Proto gunicorn believes (the scheme of redirects and URLs).
FORWARDED_ALLOW_IPS = "127.0.0.1,::1"


class _Arbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master loop, which also lets go of a replaced index generation."""

    def manage_workers(self) -> None:
        try:
            self.app.release_replaced_index()
        except Exception:  # the master must go on managing its workers whatever happens
            log.exception("releasing the master's index generation failed")
        super().manage_workers()


class GunicornApp(BaseApplication):  # type: ignore[misc]
    """gunicorn configured in code (no gunicorn.conf.py, no command-line parsing)."""

    def __init__(
        self,
        config: dict[str, Any],
        options: dict[str, Any],
        proxy_hops: int = 0,
        searcher: Searcher | None = None,
    ) -> None:
        self.app_config = config
        self.options = options
        self.proxy_hops = proxy_hops
        self.searcher = searcher
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def run(self) -> None:
        _Arbiter(self).run()

    def release_replaced_index(self) -> None:
        """Once a rebuild made another generation live, the master closes the one it
        opened (workers forked later open the live one themselves): it never keeps a
        deleted generation's files and disk space, nor memory no worker shares.  Called by
        the master's loop, about once a second."""
        searcher = self.searcher
        held = None if searcher is None else searcher.open_generation
        if searcher is None or held is None:
            return
        try:
            if generations.current(searcher.index_dir).name == held:
                return
        except Exception as exc:  # e.g. the index directory was removed: let it go too
            log.warning("the index the master holds could not be checked: %s", exc)
        log.info("generation %s is no longer live: the master releases it", held)
        searcher.close()  # freed with it (nothing of a snapshot is in a cycle)
        release_free_memory()

    def load(self) -> Any:
        app = create_app(self.app_config)
        if self.searcher is not None:
            use_searcher(app, self.searcher)
        if self.proxy_hops:
            # Behind N proxies the client is the Nth address from the right of
            # X-Forwarded-For; REMOTE_ADDR (the access log's %(h)s too) becomes it.  Never
            # set this without a proxy: clients could then claim any address.
            app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
                app.wsgi_app, x_for=self.proxy_hops, x_proto=self.proxy_hops
            )
        return app


def gunicorn_options(
    host: str, port: int, workers: int, forwarded_allow_ips: str | None = None
) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "preload_app": True,  # the app and its open index, shared by the workers
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "forwarded_allow_ips": forwarded_allow_ips or FORWARDED_ALLOW_IPS,
        "proc_name": "gpsearch",
    }


def serve(
    index_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = DEFAULT_WORKERS,
    proxy_hops: int = 0,
) -> None:
    """Serve the web UI and API until SIGTERM/SIGINT (graceful: in-flight requests finish).

    `proxy_hops`: how many reverse proxies stand in front (their X-Forwarded-For is
    believed); 0 when clients connect directly.

    Raises IndexNotFoundError (naming the directory) when there is no usable index, and
    ConfigError for bad settings, before any worker starts.
    """
    if not 1 <= int(workers) <= 64:
        raise ValueError(f"workers must be from 1 to 64, got {workers}")
    if not 0 <= int(proxy_hops) <= 5:
        raise ValueError(f"proxy_hops must be from 0 to 5, got {proxy_hops}")
    config = load_config({"INDEX_DIR": str(index_dir)})
    searcher = Searcher(config["INDEX_DIR"])  # fail fast, with the library's message
    log.info(
        "serving index %s (generation %s) on http://%s:%s with %d workers%s",
        index_dir,
        searcher.generation,
        host,
        port,
        workers,
        f" behind {proxy_hops} proxy(ies)" if proxy_hops else "",
    )
    app = GunicornApp(config, gunicorn_options(host, port, workers), proxy_hops, searcher)
    app.wsgi()  # the Flask app, built now so that it is frozen and shared with the rest
    gc.collect()
    release_free_memory()  # what opening the index freed, before the workers copy it
    gc.freeze()  # a collection in a worker would otherwise touch (and copy) every page
    app.run()
