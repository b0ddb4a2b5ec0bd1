"""Prometheus metrics at /metrics: requests by route and status and their latency, searches answered partial or
relaxed, the answer cache's hits and misses (all counted where they happen), and the live index (read when scraped).

Under gunicorn each worker counts in files of its own in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess
mode: `newsearch serve` makes a fresh, private folder per start, web/gunicorn_conf.py), and a scrape, whichever worker
answers it, sums them all. Without that folder (the Flask dev server, the test client) the counts are this process's.
The index gauges are not counted but read at scrape time from the live index and its run records, so every worker
answers the same, exact values. Only `web/__init__.create_app` imports this module: prometheus-client picks its mode
when it is first imported, which must come after `newsearch serve` has made the folder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from search import Engine, NewsearchError, Results

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: from a cached answer (~1 ms) to the 30 s backstop of gunicorn_conf.timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "(unmatched)"  # the route label of a URL no rule matches (a 404): never the path itself
METHODS = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}  # any other method is counted as "other"

disable_created_metrics()  # no *_created series: the multiprocess mode has none, and both modes answer alike
_COUNTS = CollectorRegistry()  # this process's counts, exposed as they are in single-process mode
REQUESTS = Counter("newsearch_http_requests", "HTTP requests answered, by route (the URL rule), method and status",
                   ["route", "method", "status"], registry=_COUNTS)
LATENCY = Histogram("newsearch_http_request_duration_seconds", "Time to answer a request (until the body starts: "
                    "a streamed export's rows come after), by route and status", ["route", "status"],
                    buckets=LATENCY_BUCKETS, registry=_COUNTS)
SEARCHES = Counter("newsearch_searches", "Article searches answered (pages, API, feeds), by whether the answer was "
                   "partial (its time budget ran out) and relaxed (not every word matched)", ["partial", "relaxed"],
                   registry=_COUNTS)
CACHE = Counter("newsearch_answer_cache_lookups", "Answers looked up in the workers' answer cache, by result (hit, "
                "miss)", ["result"], registry=_COUNTS)

bp = Blueprint("metrics", __name__)


def install(app: Flask, engine: Any) -> None:
    """Count every request of `app` and serve /metrics (`engine()` gives this process's Engine at scrape time)."""
    app.extensions["newsearch.metrics"] = engine
    app.before_request(_started)
    app.after_request(_answered)
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics() -> Response:
    """Every worker's counts (summed) and the live index's gauges, in Prometheus' text format."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_COUNTS)
    registry.register(IndexCollector(current_app.extensions["newsearch.metrics"]()))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def count_search(results: Results) -> None:
    """Count one article search answered (cached or not)."""
    SEARCHES.labels(str(results.partial).lower(), str(results.relaxed).lower()).inc()


def count_cache(hit: bool) -> None:
    """Count one answer-cache lookup (web/cache.AnswerCache's `on_lookup`)."""
    CACHE.labels("hit" if hit else "miss").inc()


def _started() -> None:
    g.newsearch_started = time.perf_counter()


def _answered(resp: Response) -> Response:
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "other"
    status = str(resp.status_code)
    REQUESTS.labels(route, method, status).inc()
    started = g.pop("newsearch_started", None)
    if started is not None:
        LATENCY.labels(route, status).observe(time.perf_counter() - started)
    return resp


class IndexCollector:
    """The live index and its last indexing runs, read when scraped (the same values from every worker)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            status: dict[str, Any] | None = dict(self.engine.status())
        except NewsearchError:  # missing or damaged: /healthz says which
            status = None
        yield _gauge("newsearch_index_up", "1 when the live index can be searched, 0 when it is missing or damaged",
                     1 if status else 0)
        if status:
            yield _gauge("newsearch_index_articles", "Articles in the live index", status["articles"])
            yield _gauge("newsearch_index_generation", "The live build's generation (one more per committed run)",
                         status["generation"])
            info = GaugeMetricFamily("newsearch_index_build_info", "The live build, by name (always 1)",
                                     labels=["build"])
            info.add_metric([status["build"]], 1)
            yield info
            if _seconds(status["built"]) is not None:
                yield _gauge("newsearch_index_built_timestamp_seconds", "When the live build was last written",
                             _seconds(status["built"]))
        yield from _runs(self.engine.store.runs())


def _runs(runs: list[dict[str, Any]]) -> Iterator[Metric]:
    """The last run's time, duration, outcome and failed files, and when a run last succeeded."""
    if not runs:
        return
    last = runs[-1]
    when = _seconds(last.get("finished") or last.get("started"))
    if when is not None:
        yield _gauge("newsearch_index_last_run_timestamp_seconds", "When the last indexing run ended", when)
    yield _gauge("newsearch_index_last_run_duration_seconds", "How long the last indexing run took",
                 float(last.get("duration_s") or 0.0))
    yield _gauge("newsearch_index_last_run_failed_files", "Files the last indexing run could not read",
                 int(last.get("failed_count", len(last.get("failed") or []))))
    info = GaugeMetricFamily("newsearch_index_last_run_info", "The last indexing run's mode and status (ok, failed, "
                             "refused, stopped, skipped; always 1)", labels=["mode", "status"])
    info.add_metric([str(last.get("mode", "")), str(last.get("status", ""))], 1)
    yield info
    ok = [_seconds(r.get("finished") or r.get("started")) for r in runs if r.get("status") == "ok"]
    if ok and ok[-1] is not None:
        yield _gauge("newsearch_index_last_success_timestamp_seconds", "When an indexing run last ended ok "
                     "(of the runs recorded in runs.json)", ok[-1])


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _seconds(iso: str | None) -> float | None:
    try:
        return datetime.fromisoformat(iso).timestamp() if iso else None
    except ValueError:
        return None
