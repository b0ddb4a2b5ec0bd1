"""`newsearch serve`: the app under gunicorn, with deploy/gunicorn.conf.py, after building a first index if needed.

The first start on an empty index directory builds the index from the corpus before gunicorn binds its port,
so the first request already finds articles. Later reindexing is a job (`newsearch index`, cron or a timer);
workers notice each new generation themselves.
"""

from __future__ import annotations

import os
import runpy
from collections.abc import Callable
from pathlib import Path

from gunicorn.app.base import BaseApplication

from search.config import Settings
from search.indexer import IndexReport
from search.store import IndexStore

CONFIG = Path("deploy") / "gunicorn.conf.py"
# When neither exists (an installed copy run elsewhere): the essentials of that file.
FALLBACK = {"workers": os.cpu_count() or 1, "preload_app": True, "accesslog": "-", "timeout": 30,
            "bind": "127.0.0.1:8000", "post_worker_init": lambda worker: _warm(worker)}


class NewsearchServer(BaseApplication):
    """gunicorn, configured from deploy/gunicorn.conf.py plus command-line overrides, serving create_app(settings)."""

    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        # deploy/gunicorn.conf.py of the checkout being run from, else of the source tree this module is in.
        places = (Path.cwd() / CONFIG, Path(__file__).resolve().parents[1] / CONFIG)
        config = next((c for c in places if c.is_file()), None)
        values = runpy.run_path(str(config)) if config else dict(FALLBACK)
        values.update(self.options)
        for key, value in values.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from web import create_app

        return create_app(self.settings)


def ensure_index(settings: Settings, log: Callable[[str], None] = print) -> IndexReport | None:
    """Build the index from the corpus when there is none yet; None when one exists."""
    if IndexStore(settings.index).current() is not None:
        return None
    from search.indexer import Indexer

    log(f"no index at {settings.index}: building one from {settings.corpus} …")
    report = Indexer(settings).run(full=True)
    log(f"indexed {report.articles} articles in {report.duration_s:.1f}s ({len(report.failed)} files failed)")
    return report


def serve(settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """Build a first index if there is none, then run gunicorn until it is stopped."""
    ensure_index(settings)
    options: dict = {"workers": workers}
    if host is not None or port is not None:
        options["bind"] = f"{_host(host or '127.0.0.1')}:{port or 8000}"
    NewsearchServer(settings, options).run()


def _warm(worker) -> None:
    from web import warm_up

    warm_up(worker.wsgi)


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
