"""Response headers every page gets, and the read-only method policy (GET and HEAD only)."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import MethodNotAllowed

ALLOWED_METHODS = ("GET", "HEAD")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _only_reads() -> None:
    # Routing already refuses POST & co. on GET routes; this also refuses OPTIONS & TRACE.
    if request.method not in ALLOWED_METHODS:
        raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.status_code == 405:
        response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_only_reads)
    app.after_request(_add_headers)
