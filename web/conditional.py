"""Conditional requests: ETag, Last-Modified, Cache-Control and 304s, for the feeds and the JSON API.

A validator names what an answer is made from: the format's version, the live index build and generation (so any
reindex is a new one) and the request; it is made before searching, so a 304 costs no search. A request whose dates
move with the clock (`from=now-7d`, `when=7d`) is named by its window as read now, and carries no Last-Modified: a
poller's If-Modified-Since would otherwise keep answering 304 for a window that has moved on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, request

from search import API_VERSION, server_version
from web import engine

CACHE_CONTROL = "public, max-age=60"  # a reindex is seen within a minute; revalidating costs a 304


def validators(key: tuple, request_dict: Any, relative: bool = False) -> tuple[dict[str, Any], str, datetime | None]:
    """(index version, ETag, Last-Modified) of an answer: the ETag hashes `key` (what kind of answer, in which
    format version), the live index build and generation and the request; Last-Modified is the build time, none
    for a `relative` request."""
    status = engine().version()  # not status(): that reads the run reports, on every request
    etag = hashlib.sha1(repr((*key, status["build"], status["generation"], request_dict)).encode())
    built = datetime.fromisoformat(status["built"]) if status.get("built") and not relative else None
    return status, etag.hexdigest(), built


def not_modified(etag: str, built: datetime | None) -> bool:
    """Whether the client's copy is current: If-None-Match (weak comparison, RFC 9110 13.1.2) names this ETag,
    or, without one, If-Modified-Since is not before the build."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return bool(since and built and built.replace(microsecond=0) <= since)


def conditional(resp: Response, etag: str, built: datetime | None, weak: bool = False) -> Response:
    """The response with its validators and Cache-Control."""
    resp.set_etag(etag, weak=weak)
    if built is not None:
        resp.last_modified = built
    resp.headers["Cache-Control"] = CACHE_CONTROL
    return resp


def api_answer(kind: str, request_dict: Any, relative: bool, make: Callable[[], Response]) -> Response:
    """A JSON API answer with validators: 304 when the client's copy is current, else `make()`. The ETag is weak:
    the same answer made twice differs in its `took_ms`. The raw query string is part of it too, so nothing a
    request sends can be left out of its name."""
    key = ("api", API_VERSION, server_version(), kind, sorted(request.args.items(multi=True)))
    _, etag, built = validators(key, request_dict, relative)
    if not_modified(etag, built):
        return conditional(Response(status=304), etag, built, weak=True)
    return conditional(make(), etag, built, weak=True)
