"""Errors: one JSON shape under /api/ (`{"error": {"status", "code", "message", "param"}}`), friendly pages elsewhere.

Domain exceptions (search/errors.py) carry messages safe to show; HTTP errors (unknown URL, wrong method) get
the same shape; anything else is logged with its traceback and answered with a bare 500 that reveals nothing.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from search import (
    BadRequest,
    CursorExpired,
    IndexDamaged,
    IndexLocked,
    IndexMissing,
    IndexOutdated,
    NewsearchError,
    NotFound,
)

# exception -> (status, code); the first match wins
DOMAIN = ((BadRequest, 400, "bad_request"), (NotFound, 404, "not_found"), (CursorExpired, 410, "cursor_expired"),
          (IndexMissing, 503, "index_missing"),
          (IndexOutdated, 503, "index_outdated"), (IndexDamaged, 503, "index_damaged"),
          (IndexLocked, 503, "index_locked"))
TITLES = {400: "That search could not be run", 404: "Not found", 405: "Method not allowed", 410: "Start again",
          503: "Search is not available yet", 500: "Something went wrong"}
# Said to readers instead of the operator's message (which names folders and commands)
DAMAGED_TITLE = "Search is not available right now"
PUBLIC_503 = {"index_missing": "There is nothing to search yet: the index is being built. Please try again soon.",
              "index_damaged": "Search is down for repair. Please try again later.",
              "index_outdated": "Search is down for an update. Please try again later."}


def register(app: Flask) -> None:
    """Install the error handlers on the app (app-level, so unknown URLs under /api/ are caught too)."""
    app.register_error_handler(NewsearchError, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)


def respond(status: int, code: str, message: str, param: str | None = None, headers: dict | None = None):
    """The error response: JSON under /api/, an HTML page elsewhere."""
    if _is_api():
        body = jsonify({"error": {"status": status, "code": code, "message": message, "param": param}})
        return body, status, headers or {}
    title = DAMAGED_TITLE if code in ("index_damaged", "index_outdated") else TITLES.get(status, "Error")
    html = render_template("error.html", status=status, title=title, message=message, param=param)
    return html, status, headers or {}


def _domain(e: NewsearchError):
    for cls, status, code in DOMAIN:
        if isinstance(e, cls):
            if status == 503:
                from flask import current_app

                current_app.logger.error("search unavailable on %s %s: %s", request.method, request.path, e)
                message = str(e) if _is_api() else PUBLIC_503.get(code, str(e))
                return respond(status, code, message, None, {"Retry-After": "30"})
            return respond(status, code, str(e), getattr(e, "param", None))
    return _unexpected(e)


def _is_api() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def _http(e: HTTPException):
    if isinstance(e, InternalServerError):
        return _unexpected(e.original_exception or e)
    code = (e.name or "error").lower().replace(" ", "_").replace("-", "_")
    headers = {}
    if e.code == 405 and getattr(e, "valid_methods", None):
        headers["Allow"] = ", ".join(e.valid_methods)
    message = {404: "no such page", 405: f"{request.method} is not allowed here"}.get(e.code, e.description or "")
    return respond(e.code or 500, code, message, None, headers)


def _unexpected(e: BaseException):
    # The last resort: the traceback goes to the log, never to the user.
    from flask import current_app

    current_app.logger.error("unhandled error on %s %s", request.method, request.path, exc_info=e)
    return respond(500, "internal_error", "an unexpected error; it has been logged")
