"""/metrics and the logs, as an operator sees them: a real `newsearch serve` (gunicorn, 2 workers, prometheus-client's
multiprocess mode) scraped and parsed by prometheus-client's own parser, its counts summed over both workers, and
its access log read line by line (JSON, and text) for the request id each response carried."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from search.config import Settings
from web import create_app

from .conftest import newsearch, serving
from .test_web import ARTICLES, build_site

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, by (sample name, labels)."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def access_lines(log: Path, path: str, n: int) -> list[dict]:
    """The JSON access lines for `path` in the server's log, once there are n of them (within 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        found = [line for line in lines if line.get("logger") == "gunicorn.access" and line.get("path") == path]
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("metrics"))


def _env(site: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "NEWSEARCH_INDEX": str(site.index), "NEWSEARCH_CORPUS": str(site.corpus), **extra}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("PYTHONPATH", None)
    return env


def test_metrics_sum_both_workers_and_json_access_lines_carry_the_request_id(site: Settings, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = _env(site, NEWSEARCH_LOG_FORMAT="json", NEWSEARCH_INDEX=str(tmp_path / "index"))  # serve builds it
    with serving(env, log, workers=2) as base:
        # Searches on new connections until both workers have answered some (the access lines name their pid).
        sent, pids = 0, set()
        while len(pids) < 2 and sent < 300:
            for _ in range(10):
                assert get(f"{base}/api/search?q=harbour")[0] == 200
                sent += 1
            pids = {line["pid"] for line in access_lines(log, "/api/search", sent)}
        assert len(pids) == 2, f"one worker answered all {sent} requests"
        relaxed = json.loads(get(f"{base}/api/search?q=harbour+zqxjv")[2])
        assert relaxed["relaxed"] is True and relaxed["partial"] is False
        article_id = json.loads(get(f"{base}/api/search?q=harbour")[2])["results"][0]["id"]
        assert get(f"{base}/api/articles/{article_id}")[0] == 200
        assert get(f"{base}/api/articles/0000000000000000")[0] == 404
        assert get(f"{base}/no/such/page")[0] == 404

        scrapes = []
        for _ in range(6):  # whichever worker answers, the sums are the same
            status, headers, body = get(f"{base}/metrics")
            assert status == 200 and headers["Content-Type"].startswith("text/plain")
            scrapes.append(parse(body.decode()))
        index = json.loads(get(f"{base}/api/status")[2])

        # The request id: one sent is sent back and logged; one that is not sane is replaced by a new one.
        _, headers, _ = get(f"{base}/healthz?probe=1", headers={"X-Request-ID": "lb-7f3a.0001"})
        assert headers["X-Request-ID"] == "lb-7f3a.0001"
        _, bad_headers, _ = get(f"{base}/healthz?probe=2", headers={"X-Request-ID": "x" * 200})
        assert re.fullmatch(r"[0-9a-f]{32}", bad_headers["X-Request-ID"])
        healthz = access_lines(log, "/healthz", 3)

        # A worker killed and replaced: its counts stay in the sums (its files stay; child_exit marks it dead).
        os.kill(sorted(pids)[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while log.read_text().count("Booting worker") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        after_restart = parse(get(f"{base}/metrics")[2].decode())

    for samples in scrapes:
        searches = sent + 2  # the relaxed one and the one that found an article's id
        assert value(samples, "newsearch_http_requests_total", route="/api/search", method="GET",
                     status="200") == searches
        assert value(samples, "newsearch_http_request_duration_seconds_count", route="/api/search",
                     status="200") == searches
        assert value(samples, "newsearch_http_request_duration_seconds_bucket", route="/api/search", status="200",
                     le="+Inf") == searches
        assert value(samples, "newsearch_http_requests_total", route="/api/articles/<article_id>", method="GET",
                     status="200") == 1
        assert value(samples, "newsearch_http_requests_total", route="/api/articles/<article_id>", method="GET",
                     status="404") == 1
        assert value(samples, "newsearch_http_requests_total", route="(unmatched)", method="GET", status="404") == 1
        assert value(samples, "newsearch_searches_total", partial="false", relaxed="true") == 1
        assert value(samples, "newsearch_searches_total", partial="false", relaxed="false") == searches - 1
        # Each worker computed `harbour` once, then answered it from its cache.
        assert value(samples, "newsearch_answer_cache_lookups_total", result="miss") == 3  # 2 workers + the relaxed
        assert value(samples, "newsearch_answer_cache_lookups_total", result="hit") == searches - 3
        assert value(samples, "newsearch_index_up") == 1
        assert value(samples, "newsearch_index_articles") == len(ARTICLES) == index["articles"]
        assert value(samples, "newsearch_index_generation") == index["generation"]
        assert value(samples, "newsearch_index_build_info", build=index["build"]) == 1
        assert value(samples, "newsearch_index_last_run_info", mode="full", status="ok") == 1
        assert value(samples, "newsearch_index_last_run_failed_files") == 0
        assert value(samples, "newsearch_index_last_run_duration_seconds") == pytest.approx(
            index["last_run"]["duration_s"])
        assert value(samples, "newsearch_index_last_success_timestamp_seconds") == value(
            samples, "newsearch_index_last_run_timestamp_seconds") > 0
        assert not any(article_id in str(labels) for _, labels in samples)  # routes, never paths
    assert value(after_restart, "newsearch_http_requests_total", route="/api/search", method="GET",
                 status="200") == sent + 2
    assert [value(s, "newsearch_http_requests_total", route="/metrics", method="GET", status="200")
            for s in scrapes] == [0, 1, 2, 3, 4, 5]  # a scrape counts once it is answered

    sent_back = {line["query"]: line for line in healthz}
    assert sent_back["probe=1"]["request_id"] == "lb-7f3a.0001" and sent_back["probe=1"]["status"] == 200
    assert sent_back["probe=2"]["request_id"] == bad_headers["X-Request-ID"]
    assert all(line["method"] == "GET" and line["remote"] == "127.0.0.1" for line in healthz)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]  # every line is JSON
    assert "building one from" in lines[0]["message"] and lines[0]["logger"] == "web.server"
    started = [line for line in lines if "Booting worker" in line["message"]]
    assert len(started) == 3 and all(line["logger"] == "gunicorn.error" for line in started)


def test_text_access_lines_end_with_the_request_id(site: Settings, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(_env(site), log, workers=1) as base:
        _, headers, _ = get(f"{base}/api/status", headers={"X-Request-ID": "abc-123"})
        _, generated, _ = get(f"{base}/api/status?pretty=1", headers={"X-Request-ID": "bad id"})
        deadline = time.monotonic() + 10
        while "/api/status?pretty=1" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert headers["X-Request-ID"] == "abc-123"
    text = log.read_text()
    assert re.search(r'^127\.0\.0\.1 "GET /api/status HTTP/1\.1" 200 \d+ \d+ms abc-123$', text, re.M)
    assert re.search(rf'^127\.0\.0\.1 "GET /api/status\?pretty=1 HTTP/1\.1" 400 \d+ \d+ms '
                     rf'{generated["X-Request-ID"]}$', text, re.M)


def test_one_process_counts_its_own_requests_and_metrics_is_no_api_route(site: Settings) -> None:
    """The Flask dev server or the test client: no multiprocess folder, the process's own counts."""
    from dataclasses import replace

    client = create_app(replace(site, cors_origins="*")).test_client()
    before = parse(client.get("/metrics").text)
    for _ in range(3):
        assert client.get("/search?q=storm").status_code == 200
    resp = client.get("/metrics?utm_source=x", headers={"Origin": "https://a.example"})
    after = parse(resp.text)
    assert resp.status_code == 200 and "Access-Control-Allow-Origin" not in resp.headers  # not an API route
    key = {"route": "/search", "method": "GET", "status": "200"}
    assert value(after, "newsearch_http_requests_total", **key) - value(before, "newsearch_http_requests_total",
                                                                        **key) == 3
    assert value(after, "newsearch_index_articles") == len(ARTICLES)
    assert "/metrics" not in client.get("/api/openapi.json").json["paths"]
    api = client.get("/api/status", headers={"Origin": "https://a.example", "X-Request-ID": "page-1"})
    assert api.headers["X-Request-ID"] == "page-1" and "X-Request-ID" in api.headers["Access-Control-Expose-Headers"]


def test_a_log_format_that_is_neither_text_nor_json_is_refused(env: dict[str, str]) -> None:
    done = newsearch("serve", "--port", "1", env={**env, "NEWSEARCH_LOG_FORMAT": "xml"})
    assert done.returncode == 1 and "NEWSEARCH_LOG_FORMAT must be text or json, not 'xml'" in done.stderr


def test_a_search_its_time_budget_cut_is_counted_partial(site: Settings) -> None:
    """An engine with no time at all (each stage does one unit of work, then stops) answers partial: the page says
    so and /metrics counts it under partial="true"."""
    from search.engine.engine import Engine
    from web import ENGINE_KEY

    app = create_app(site)
    holder = app.extensions[ENGINE_KEY]
    holder._engine, holder._pid = Engine(site, time_limit=0.0), os.getpid()  # noqa: SLF001 - no time budget, so the cut is certain
    client = app.test_client()
    before = parse(client.get("/metrics").text)
    answer = client.get("/api/search?q=storm~2+OR+harbour~2+OR+lighthouse~2")
    assert answer.status_code == 200 and answer.json["partial"] is True
    after = parse(client.get("/metrics").text)
    counted = {relaxed: value(after, "newsearch_searches_total", partial="true", relaxed=relaxed)
               - value(before, "newsearch_searches_total", partial="true", relaxed=relaxed)
               for relaxed in ("true", "false")}
    assert sum(counted.values()) == 1
