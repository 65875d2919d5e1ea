"""Errors as pages or as JSON `{"error": ..., "param": ...}`: never a 500 for bad input."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, NotFound

from search import IndexNotFoundError
from search.models import SearchError

log = logging.getLogger(__name__)


class PracticeNotFound(NotFound):
    """No entry with this id (or an id that can never be one)."""

    param = "entry_id"  # the path parameter's name in the API (/api/practice/{entry_id})

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"no practice with id {entry_id[:140]!r}")
        self.entry_id = entry_id


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.args.get("format") == "json"


def error_response(
    status: int, message: str, param: str | None = None, title: str | None = None
) -> Response:
    if wants_json():
        response = jsonify({"error": message, "param": param})
    else:
        response = Response(
            render_template(
                "errors/error.html",
                status=status,
                message=message,
                param=param,
                title=title or _("Error"),
            )
        )
    response.status_code = status
    return response


def _search_error(exc: SearchError) -> Response:
    return error_response(400, exc.message, exc.param, _("Please check the address"))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    titles = {
        400: _("Please check the address"),
        404: _("Page not found"),
        405: _("Method not allowed"),
    }
    if status == 405:
        message = _("Only GET and HEAD requests are served.")
    elif isinstance(exc, PracticeNotFound):
        message = _("There is no practice with the id %(id)s.", id=exc.entry_id[:140])
    elif status == 404:
        message = _("Nothing is published at this address.")
    else:
        message = exc.description or exc.name
    response = error_response(status, message, getattr(exc, "param", None), titles.get(status))
    if status == 405:
        response.headers["Allow"] = "GET, HEAD"
    return response


def _index_missing(exc: IndexNotFoundError) -> Response:
    log.error("index unavailable: %s", exc)
    return error_response(
        503, _("The search index is not available right now."), title=_("Temporarily unavailable")
    )


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.path)
    return error_response(500, _("Something went wrong on our side."), title=_("Server error"))


def init_app(app: Flask) -> None:
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(IndexNotFoundError, _index_missing)
    app.register_error_handler(Exception, _unexpected)
