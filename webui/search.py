"""The search page `/`: query, facets, sort and pages, all in the query string."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from webui.home import home_page
from webui.i18n import ui_language
from webui.index import get_searcher
from webui.places import search_maps
from webui.present import search_page, search_url
from webui.state import SearchState

bp = Blueprint("search", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Search (an empty query browses everything, newest first); `?format=json` for the data."""
    config = current_app.config
    state = SearchState.from_args(request.args, config["PER_PAGE"])
    response = get_searcher().search(state.request(reader_language=ui_language()))
    page = search_page(state, response.to_dict(), config["FACET_VALUES_SHOWN"])
    page.update(home_page(state, page))
    if request.args.get("format") == "json":
        return jsonify(page)
    maps = search_maps(state, page, search_url)
    return render_template("search/index.html", page=page, maps=maps)
