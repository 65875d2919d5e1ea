"""One practice: `/practice/<id>` with its other language versions and similar practices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from search import Searcher
from webui.errors import PracticeNotFound
from webui.i18n import ui_language
from webui.index import get_searcher
from webui.places import location_map
from webui.present import entry_view, hit_view
from webui.state import check_params
from webui.topics import topic_links

bp = Blueprint("entry", __name__)


def practice_data(searcher: Searcher, entry_id: str, similar_limit: int) -> dict[str, Any]:
    """Entry, versions and similar practices (the API's `/api/practice/<id>`)."""
    found = searcher.practice_nearby(entry_id, similar_limit, similar_limit)
    if found is None:  # any odd id is just not found
        raise PracticeNotFound(entry_id)
    doc, versions, similar, nearby = found
    return {
        "entry": doc.to_dict(),
        "versions": [v.to_dict() for v in versions],
        "similar": [h.to_dict() for h in similar],
        "nearby": [h.to_dict() for h in nearby],
    }


def practice_page(data: dict[str, Any]) -> dict[str, Any]:
    entry = data["entry"]
    body = [p.strip() for p in entry.get("body", "").split("\n\n") if p.strip()]
    return {
        **data,
        "entry": {
            **entry,
            "view": entry_view(entry),
            "paragraphs": body,
            "topic_links": topic_links(entry.get("topics"), ui_language()),
        },
        "versions": [{**v, "view": entry_view(v)} for v in data["versions"]],
        "similar": [hit_view(h) for h in data["similar"]],
        "nearby": [hit_view(h) for h in data["nearby"]],
        "json_url": url_for("entry.practice", entry_id=entry["id"], format="json"),
        "api_url": url_for("api.practice", entry_id=entry["id"]),
    }


@bp.get("/practice/<entry_id>")
def practice(entry_id: str) -> ResponseReturnValue:
    check_params(request.args, None)
    data = practice_data(get_searcher(), entry_id, current_app.config["SIMILAR_LIMIT"])
    page = practice_page(data)
    if request.args.get("format") == "json":
        return jsonify(page)
    return render_template("entry/practice.html", page=page, location=location_map(page["entry"]))
