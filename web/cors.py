"""Opt-in CORS for the JSON API and the feeds (NEWSEARCH_CORS_ORIGINS), so a newsroom's own pages can call them
from the browser.

Off by default: no CORS header at all. With a list of origins, only an allowed origin is named back in
Access-Control-Allow-Origin, and every answer of /api/* and the feeds says `Vary: Origin`, so a shared cache keeps
the answers for different origins apart; with `*`, every answer says `*` (and does not vary). A preflight
(OPTIONS with Access-Control-Request-Method) from an allowed origin is answered 204 with the methods and request
headers a GET may use (If-None-Match, for revalidation). No credentials: the API has no cookies or logins.
"""

from __future__ import annotations

from flask import Flask, Response, request

METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Language, Content-Type, If-None-Match, If-Modified-Since, " \
                  "Cache-Control, Pragma, X-Request-ID"
# for the page's script, beside those always shown (Content-Type, Last-Modified, Cache-Control, …)
EXPOSED_HEADERS = "ETag, Link, Retry-After, X-Total-Count, X-Newsearch-Partial, X-Request-ID"
PREFLIGHT_MAX_AGE = "600"  # seconds a browser may keep a preflight's answer


def install(app: Flask, origins: tuple[str, ...]) -> None:
    """Answer preflights and add the CORS headers for `origins` (Settings.cors; empty: do nothing)."""
    if not origins:
        return

    @app.before_request
    def preflight() -> Response | None:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        rule = request.url_rule
        if not _covered() or rule is None or "GET" not in (rule.methods or ()) or not _allowed(origins):
            return None  # answered as any OPTIONS is, without CORS headers: the browser then refuses
        resp = Response(status=204)
        del resp.headers["Content-Type"]
        resp.headers["Access-Control-Allow-Methods"] = METHODS
        resp.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        resp.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return resp

    @app.after_request
    def cors_headers(resp: Response) -> Response:
        if not _covered():
            return resp
        if origins == ("*",):  # the same answer for every origin, and for requests with none (safe to cache)
            resp.headers["Access-Control-Allow-Origin"] = "*"
        else:
            resp.vary.add("Origin")
            if not _allowed(origins):
                return resp
            resp.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return resp


def _covered() -> bool:
    """The JSON API and the feeds (every `.atom`), not the HTML pages."""
    return request.path.startswith("/api/") or request.path.endswith(".atom")


def _allowed(origins: tuple[str, ...]) -> bool:
    origin = request.headers.get("Origin", "").strip()
    return bool(origin) and (origins == ("*",) or origin.rstrip("/").lower() in origins)
