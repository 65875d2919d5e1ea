"""Service pages: health check, OpenSearch description, robots.txt, favicon."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from search import IndexNotFoundError, SearchRequest
from webui.index import get_searcher

log = logging.getLogger(__name__)
bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 with the live generation and its document count, 503 when the index is unusable."""
    try:
        response = get_searcher().search(SearchRequest(facets=False, hits=False, versions="all"))
    except (IndexNotFoundError, OSError, ValueError) as exc:
        log.error("health check failed: %s", exc)
        return jsonify({"status": "unavailable", "error": "the search index is not usable"}), 503
    return jsonify({"status": "ok", "generation": response.generation, "documents": response.total})


@bp.get("/opensearch.xml")
def opensearch() -> ResponseReturnValue:
    xml = render_template("meta/opensearch.xml", root=request.url_root.rstrip("/"))
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    return Response("User-agent: *\nDisallow: /api/\n", mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """The SVG icon at the address browsers and crawlers ask for without reading the page."""
    response = current_app.send_static_file("favicon.svg")
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    response.cache_control.no_cache = None
    return response
