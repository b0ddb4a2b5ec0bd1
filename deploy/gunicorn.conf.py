"""gunicorn settings for newsearch (`newsearch serve` loads this file; so can `gunicorn -c deploy/gunicorn.conf.py`).

Run by hand: gunicorn -c deploy/gunicorn.conf.py 'web:create_app()'   (settings from NEWSEARCH_* variables)
"""

import multiprocessing
import os

bind = os.environ.get("NEWSEARCH_BIND", "127.0.0.1:8000")
# Searching is CPU-bound and each worker holds its own searcher: one sync worker per core.
workers = int(os.environ.get("NEWSEARCH_WORKERS", 0)) or multiprocessing.cpu_count()
worker_class = "sync"
# Load the app once in the master, then fork: workers start fast and share the imported code.
# Each worker opens its own searcher after the fork (web._EngineHolder), never the master's.
preload_app = True
# The backstop for a runaway query (queries are bounded in query.py; see WHOOSH.md on time limits).
timeout = 30
graceful_timeout = 10
keepalive = 2
max_requests = 0  # workers keep their warm searcher; a leak would show in /api/status first
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# No gunicornc control socket: its default path is shared by every gunicorn of the user (tests start several).
control_socket_disable = True
# Refuse oversized request lines and headers before Flask sees them.
limit_request_line = 8190
limit_request_fields = 100


def post_worker_init(worker):
    """Open the searcher in each new worker before it takes its first request."""
    from web import warm_up

    warm_up(worker.wsgi)
