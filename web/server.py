"""`newsearch serve`: the app under gunicorn, with web/gunicorn_conf.py, after building a first index if needed.

The first start on an empty index directory builds the index from the corpus before gunicorn binds its port,
so the first request already finds articles. Later reindexing is a job (`newsearch index`, cron or a timer);
workers notice each new generation themselves. The gunicorn settings are a module of this package, so an
installed copy started from any folder runs with them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gunicorn.app.base import BaseApplication

from search import Settings, ensure_index
from web import gunicorn_conf, logs


class NewsearchServer(BaseApplication):
    """gunicorn, configured from web/gunicorn_conf.py for these settings, serving create_app(settings)."""

    def __init__(self, settings: Settings, overrides: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.overrides = overrides or {}
        super().__init__()

    def load_config(self) -> None:
        for key, value in {**gunicorn_conf.config(self.settings), **self.overrides}.items():
            self.cfg.set(key, value)

    def load(self):
        from web import create_app

        return create_app(self.settings)


def serve(settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """Build a first index if there is none, then run gunicorn until it is stopped."""
    say: Callable[[str], None] = print
    if settings.log_json:  # the first build's lines are JSON too
        logs.json_app_logs()
        say = logging.getLogger("web.server").info
    ensure_index(settings, say)
    gunicorn_conf.metrics_dir()  # before the app is loaded: prometheus-client picks its mode on import
    try:
        NewsearchServer(server_settings(settings, host, port, workers)).run()
    finally:
        gunicorn_conf.remove_metrics_dir()  # the master's (a worker exits through here too, and leaves it)


def server_settings(settings: Settings, host: str | None = None, port: int | None = None,
                    workers: int | None = None) -> Settings:
    """The settings with `serve`'s --host/--port/--workers applied (a missing host or port keeps the configured one)."""
    if host is not None or port is not None:
        old_host, _, old_port = settings.bind.rpartition(":")
        settings = replace(settings, bind=f"{_host(host or old_host.strip('[]') or '127.0.0.1')}:{port or old_port}")
    if workers is not None:
        settings = replace(settings, workers=workers)
    return settings


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
