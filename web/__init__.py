"""The Flask front end: HTTP in, HTTP out, no search logic (the search page, the JSON API and the feeds).

`create_app(settings)` builds the app; each worker process gets its own Engine, opened on first use (an
Engine is not shared across a fork: gunicorn preloads the app in the master, then forks the workers).
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from flask import Flask, current_app

from search import Engine, Hit, QuoteRequest, QuoteResults, Results, SearchRequest, Settings
from web.cache import AnswerCache
from web.links import PathPrefix, public_url, source_slug

ENGINE_KEY = "newsearch.engine"
CACHE_KEY = "newsearch.cache"

# Every response: article text is data, never markup, and no page of ours needs an inline script or a frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class _EngineHolder:
    """One Engine per process: recreated when the pid changes (after gunicorn forks a worker)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pid: int | None = None
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                self._engine, self._pid = Engine(self.settings), os.getpid()
            return self._engine


def create_app(settings: Settings | None = None) -> Flask:
    """The newsearch web app for these settings (default: the NEWSEARCH_* environment)."""
    from web import alert_feeds, api, cors, errors, exports, feeds, logs, metrics, pages, quote_pages

    app = Flask(__name__)
    app.config["NEWSEARCH_SETTINGS"] = settings or Settings.from_env()
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions[ENGINE_KEY] = _EngineHolder(app.config["NEWSEARCH_SETTINGS"])
    cfg = app.config["NEWSEARCH_SETTINGS"]
    app.extensions[CACHE_KEY] = AnswerCache(cfg.web_cache, cfg.web_cache_mb * 1024 * 1024, metrics.count_cache)
    _, prefix = public_url(cfg)  # also refuses a malformed NEWSEARCH_PUBLIC_URL before the first request
    Engine(cfg).aliases  # noqa: B018 - refuses an aliases file (NEWSEARCH_ALIASES) that cannot be used, likewise
    if prefix:
        app.wsgi_app = PathPrefix(app.wsgi_app, prefix)
    logs.install(app, cfg.log_json)  # first: every request has its id and is counted, whatever answers it
    metrics.install(app, app.extensions[ENGINE_KEY].get)
    app.register_blueprint(pages.bp)
    app.register_blueprint(quote_pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(alert_feeds.bp)
    errors.register(app)
    cors.install(app, cfg.cors)  # also refuses a malformed NEWSEARCH_CORS_ORIGINS before the first request
    app.add_template_filter(source_slug, "slug")

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def engine() -> Engine:
    """The current process's Engine for the app handling this request."""
    return current_app.extensions[ENGINE_KEY].get()


def cached(method: str, *args: Any) -> Any:
    """`Engine.<method>(*args)`, answered from this worker's cache while the same index is live (the key: the
    method and its arguments; a request object by its normalised form)."""
    eng = engine()
    key = (method, *(repr(a.to_dict()) if hasattr(a, "to_dict") else a for a in args))
    return current_app.extensions[CACHE_KEY].get(eng, key, lambda: getattr(eng, method)(*args))


def search(req: SearchRequest) -> Results:
    """Engine.search, cached (and counted, partial or relaxed, for /metrics)."""
    from web.metrics import count_search  # not at the top: see web/metrics.py on when prometheus-client is imported

    results = cached("search", req)
    count_search(results)
    return results


def related(article_id: str, count: int = 5) -> list[Hit]:
    """Engine.more_like_this, cached."""
    return cached("more_like_this", article_id, count)


def quotes(req: QuoteRequest) -> QuoteResults:
    """Engine.quotes, cached."""
    return cached("quotes", req)


def sources(q: str, limit: int) -> list[dict[str, Any]]:
    """Engine.sources, cached."""
    return cached("sources", q, limit)


def source(slug: str, page: int, page_size: int) -> dict[str, Any]:
    """Engine.source (one source's profile), cached."""
    return cached("source", slug, page, page_size)


def warm_up(app: Flask) -> None:
    """Open the searcher before the first request (gunicorn's post_worker_init calls this in each worker)."""
    from search import NewsearchError

    with contextlib.suppress(NewsearchError):  # no index yet: /healthz says so until one is built
        app.extensions[ENGINE_KEY].get().count()
