"""gunicorn settings for newsearch, declared once: `newsearch serve` reads them wherever it starts (they are packaged
with the app), and `gunicorn -c deploy/gunicorn.conf.py` (a two-line wrapper) or `-c python:web.gunicorn_conf`.

Run by hand: gunicorn -c deploy/gunicorn.conf.py 'web:create_app()'   (settings from NEWSEARCH_* variables; that file
also makes the metrics folder, `metrics_dir`, which `-c python:web.gunicorn_conf` does not: /metrics would then
count the answering worker's requests only)
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

from search import Settings

__all__ = ["bind", "workers", "worker_class", "threads", "worker_connections", "preload_app", "timeout",
           "graceful_timeout", "keepalive", "max_requests", "accesslog", "errorlog", "loglevel", "logger_class",
           "access_log_format", "forwarded_allow_ips", "control_socket_disable", "limit_request_line",
           "limit_request_fields", "limit_request_field_size", "post_worker_init", "when_ready", "child_exit",
           "on_exit"]

_env = Settings.from_env()
bind = _env.bind
# Searching is CPU-bound and each worker process holds one searcher (web._EngineHolder, behind the Engine's lock).
workers = _env.workers or os.cpu_count() or 1
# Not sync workers: a sync worker is blocked by one client that sends its request slowly (2 such clients left
# /healthz unanswered 14 s, 10 for 50 s). gthread keeps idle connections on a poller; web/gunicorn_worker.Worker
# also reads request heads there (a connection gets a thread only with its whole head, within
# NEWSEARCH_HEAD_TIMEOUT_S) and bounds the time to send a response. Searches in one process still run one at a
# time (the Engine's lock); the threads are for requests waiting on it and for clients slow to read an answer.
worker_class = "web.gunicorn_worker.Worker"
threads = 64
worker_connections = 1000  # per worker: connections open at once (slow and idle ones cost no thread)
# Load the app once in the master, then fork: workers start fast and share the imported code.
# Each worker opens its own searcher after the fork (web._EngineHolder), never the master's.
preload_app = True
# The backstop for a runaway request (queries are bounded in query.py; see search/WHOOSH.md on time limits): the worker
# stops itself when one app call has run this long (gunicorn_worker.Worker.notify), as a sync worker is killed.
timeout = 30
graceful_timeout = 10
keepalive = 2
max_requests = 0  # workers keep their warm searcher; a leak would show in /api/status first
accesslog = "-"
errorlog = "-"
loglevel = "info"
logger_class = "web.gunicorn_worker.AccessLogger"  # shows the client a trusted proxy names, not the proxy
# The last field is the request's id (web/logs.py); NEWSEARCH_LOG_FORMAT=json writes JSON lines instead (AccessLogger).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
# Proxies whose X-Real-IP / X-Forwarded-For / X-Forwarded-Proto are believed (gunicorn's own default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No gunicornc control socket: its default path is shared by every gunicorn of the user (tests start several).
control_socket_disable = True
# Request size limits, checked before Flask sees anything. A 1,000-character query is up to 12,000 bytes in the
# URL (emoji: 4 UTF-8 bytes, each %XX-encoded), over gunicorn's 8190-byte maximum, and comes back in the Referer
# header of the next click: both are allowed 32 KiB (gunicorn_worker raises gunicorn's cap; 0 would mean no limit
# at all). A longer query then still reaches the app and gets its JSON 400.
limit_request_line = 32 * 1024
limit_request_fields = 50  # a browser sends ~15; with the field size this bounds a request head to ~1.6 MB
limit_request_field_size = 32 * 1024


def post_worker_init(worker: Any) -> None:
    """Open the searcher in each new worker before it takes its first request."""
    from web import warm_up

    warm_up(worker.app.wsgi())  # the Flask app (worker.wsgi is the worker's timed wrapper of it)


def when_ready(server: Any) -> None:
    """Say once, at start, how the workers handle clients (what `newsearch serve` runs, wherever it starts)."""
    cfg = server.cfg
    server.log.info("newsearch: %d worker(s) x %d threads, request heads within %.0f s, request line up to %d bytes, "
                    "timeout %d s", cfg.workers, cfg.threads, Settings.from_env().head_timeout_s,
                    cfg.limit_request_line, cfg.timeout)


def child_exit(server: Any, worker: Any) -> None:
    """A worker has ended: prometheus-client drops its live gauges (its counts stay in the sums, web/metrics.py)."""
    if os.environ.get(METRICS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """The server stops: its metrics folder goes."""
    remove_metrics_dir()


METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_made: dict[str, int] = {}  # the metrics folder this process made -> its pid (only that process removes it)


def metrics_dir() -> str:
    """A fresh, private folder (mode 0700, empty) for this server's metrics, as PROMETHEUS_MULTIPROC_DIR: called
    before the app is loaded and the workers fork (`newsearch serve`, deploy/gunicorn.conf.py), so each worker
    counts in files of its own there and a scrape sums them; never a folder left by an earlier start."""
    remove_metrics_dir()
    path = tempfile.mkdtemp(prefix="newsearch-metrics-")
    _made[path] = os.getpid()
    os.environ[METRICS_ENV] = path
    return path


def remove_metrics_dir() -> None:
    """Remove the metrics folder this process made, if any (a forked worker leaves it alone)."""
    for path, pid in list(_made.items()):
        if pid == os.getpid():
            shutil.rmtree(path, ignore_errors=True)
            del _made[path]


atexit.register(remove_metrics_dir)  # also when gunicorn stops before on_exit (--print-config, a port in use)


def config(settings: Settings | None = None) -> dict[str, Any]:
    """These gunicorn settings by name; bind and workers from `settings` when given (else the environment's)."""
    values = {name: globals()[name] for name in __all__}
    if settings is not None:
        values.update(bind=settings.bind, workers=settings.workers or os.cpu_count() or 1)
    return values
