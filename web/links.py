"""Where links point: the configured public URL (NEWSEARCH_PUBLIC_URL), or the site root — never the Host header.

A request's Host header is whatever the client sent, so it never becomes part of a link: pages and feeds link with
paths from the site root, which a browser or a feed reader resolves against the address it fetched them from.
Absolute URLs are made only where a format requires them (OpenSearch templates), from the public URL or, when
none is configured, the address the server listens on. A public URL with a path (https://example.org/archive) is
the prefix every path gets: `PathPrefix` makes it the app's SCRIPT_NAME, whether or not the proxy strips it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from search import Settings, source_slug

__all__ = ["source_slug"]  # a source's `/sources/<slug>`: the engine's rule, for templates and feeds
WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def public_url(settings: Settings) -> tuple[str, str]:
    """(origin, path prefix) of the configured public URL, ("", "") when none; a malformed one is refused."""
    if not settings.public_url:
        return "", ""
    parts = urlsplit(settings.public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"NEWSEARCH_PUBLIC_URL must be an http(s) address with no query, not {settings.public_url!r}")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def absolute_origin(settings: Settings) -> str:
    """The origin for URLs that must be absolute: the public URL's, else the server's own listening address
    (right for a local `newsearch serve`; behind a proxy set NEWSEARCH_PUBLIC_URL), else "" (a wildcard bind)."""
    origin, _ = public_url(settings)
    if origin:
        return origin
    host, _, port = settings.bind.rpartition(":")
    if host in WILDCARD_HOSTS or not port.isdigit() or settings.bind.startswith("unix:"):
        return ""
    return f"http://{host}:{port}"


class PathPrefix:
    """WSGI middleware: the app lives under `prefix` (SCRIPT_NAME), so every url_for() path starts with it."""

    def __init__(self, app: Callable, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["PATH_INFO"] = path[len(self.prefix):] or "/"  # a proxy that passes the prefix through
        environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)
