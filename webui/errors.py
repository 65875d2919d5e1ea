"""Errors as pages or as JSON `{"error": ..., "param": ...}`: never a 500 for bad input."""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, NotFound

from search import IndexNotFoundError
from search.models import SearchError

log = logging.getLogger(__name__)

# The longest address served (path + query string, percent-encoded): room for every request
# the API allows in practice (q of 500 four-byte characters is 6,000 bytes) and short of
# what costs a worker.  gunicorn's own limit is off (webui.server): this answers in JSON.
MAX_URL_BYTES = 16_384


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


def _url_too_long() -> Response | None:
    query = request.environ.get("QUERY_STRING", "")
    size = len(request.environ.get("PATH_INFO", "").encode("utf-8", "replace")) + len(query)
    if size <= MAX_URL_BYTES:
        return None
    parts: dict[str, int] = {}
    for pair in query.split("&"):
        name = unquote_plus(pair.partition("=")[0])[:40]
        parts[name] = parts.get(name, 0) + len(pair) + 1
    longest = max(parts, key=parts.__getitem__) if parts else None
    detail = f"; the longest parameter is {longest!r}, {parts[longest]:,} bytes" if longest else ""
    message = f"the address is {size:,} bytes, over the limit of {MAX_URL_BYTES:,}{detail}"
    return error_response(414, message, longest, _("Please check the address"))


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
    app.before_request(_url_too_long)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(IndexNotFoundError, _index_missing)
    app.register_error_handler(Exception, _unexpected)
