"""JSON API under /api: the search contract, practices, facet counts, translators' report.

Errors are `{"error": ..., "param": ...}` with 400, 404, 405 or 503 (see webui.errors).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from webui.entry import practice_data
from webui.i18n import ui_language
from webui.index import get_searcher
from webui.openapi import openapi_document
from webui.state import SearchState
from webui.topics import topics_data
from webui.translators import ReportState, report_data

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> ResponseReturnValue:
    state = SearchState.from_args(request.args, current_app.config["PER_PAGE"])
    search_request = state.request(reader_language=ui_language())
    return jsonify(get_searcher().search(search_request).to_dict())


@bp.get("/practice/<entry_id>")
def practice(entry_id: str) -> ResponseReturnValue:
    return jsonify(practice_data(get_searcher(), entry_id, current_app.config["SIMILAR_LIMIT"]))


@bp.get("/facets")
def facets() -> ResponseReturnValue:
    """Facet counts for the whole index (no `q`) or for a query and filters."""
    state = SearchState.from_args(request.args, current_app.config["PER_PAGE"])
    response = get_searcher().search(state.request(highlight=False, hits=False))
    data = response.to_dict()
    return jsonify(
        {key: data[key] for key in ("query", "total", "filters", "facets", "places", "generation")}
    )


@bp.get("/topics")
def topics() -> ResponseReturnValue:
    """Every topic with its names, description and count of live entries."""
    return jsonify(topics_data(get_searcher().snapshot()))


@bp.get("/translations")
def translations() -> ResponseReturnValue:
    state = ReportState.from_args(request.args)
    return jsonify(report_data(get_searcher(), state, current_app.config["TRANSLATIONS_PER_PAGE"]))


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document())
