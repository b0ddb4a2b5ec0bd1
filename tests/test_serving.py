"""Serving under hostile or clumsy clients: `newsearch serve` as a real process started outside the checkout, and
nginx with deploy/nginx.conf in front of it. Slow clients do not stall other requests, a 1,000-character query in
any script works, links never come from the Host header, concurrent requests in one worker are answered right,
and the answer cache stays within its byte bound.

No timed assertions (speed is bench/slow_clients.py's): "not stalled" is checked as "answered while every slow
connection was still open", which a sync worker fails (its requests wait for the slow ones, which never finish).
"""

from __future__ import annotations

import http.client
import json
import pickle
import random
import re
import subprocess
import sys
import threading
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import lxml.etree
import lxml.html
import pytest

from search.config import Settings
from search.engine.engine import Engine
from search.engine.results import SearchRequest
from web import create_app, gunicorn_conf
from web.cache import AnswerCache, size_of

from .conftest import REPO, build_site
from .test_web import ARTICLES

sys.path.insert(0, str(REPO / "bench"))
from slow_clients import NGINX, Slowloris, free_port, get, start, start_nginx, start_serve  # noqa: E402

PUBLIC = "https://news.example.org/archive"  # a public URL with a path prefix, as behind a proxy
EVIL = "evil.example"
MULTILINGUAL = [
    {"headline": "港口 重新 开放", "section": "World", "published": "2024-02-01",
     "body": "港口 在 周一 重新 开放 。 渔民 返回 港口 。"},
    {"headline": "ميناء المدينة يعود للعمل", "section": "World", "published": "2024-02-02",
     "body": "عاد ميناء المدينة للعمل يوم الاثنين بعد الإصلاحات."},
]
# 1,000 characters each (the limit), and each finds its article.
LONG_QUERIES = {
    "cjk": ("港口 " * 400)[:1000],
    "arabic": ("ميناء " * 200)[:1000],
    "emoji": "harbour " + "\U0001f30a" * 992,  # 4-byte UTF-8: 12,000 bytes percent-encoded
}
SLOW = 20


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("serving"), ARTICLES + MULTILINGUAL)


@pytest.fixture(scope="module")
def server(site: Settings, tmp_path_factory: pytest.TempPathFactory):
    """`newsearch serve`, one worker, started from a folder with no deploy/ in it; the answer cache off, so that
    concurrent requests reach the engine."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    proc = start_serve(site.index, site.corpus, cwd / "serve.log", workers=1, cwd=cwd,
                       env={"NEWSEARCH_PUBLIC_URL": PUBLIC, "NEWSEARCH_WEB_CACHE": "0"})
    yield proc
    proc.stop()


def _held_off(base: tuple[str, int], paths: list[str], n: int = SLOW) -> list[tuple[int, bytes]]:
    """GET each path while n slow-header connections are open; asserts they all still are at the end."""
    with Slowloris(base[0], base[1], n) as slow:
        time.sleep(1.5)  # accepted and sending
        answers = []
        for path in paths:
            status, _, body = get(base, path, timeout=30)
            answers.append((status, body))
            time.sleep(0.12)  # under nginx's per-address rate
        assert slow.open_now() == n and slow.closed == 0, "a slow connection was closed: the answers may have waited"
    return answers


# -- newsearch serve ---------------------------------------------------------------------------------------------
def test_serve_started_anywhere_runs_the_packaged_gunicorn_settings(server, tmp_path: Path) -> None:
    log = server.log_text()
    assert "Using worker: web.gunicorn_worker.Worker" in log
    assert ("newsearch: 1 worker(s) x 64 threads, request heads within 10 s, request line up to 32768 bytes, "
            "timeout 30 s") in log
    # gunicorn by hand with the deploy/ wrapper reads the same declaration.
    printed = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
                              "--print-config", "web:create_app()"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=60)
    assert printed.returncode == 0, printed.stderr[-2000:]
    shown = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.M))
    conf = gunicorn_conf.config()
    for name in ("worker_class", "threads", "limit_request_line", "limit_request_field_size", "timeout",
                 "preload_app", "logger_class"):
        assert shown[name] == str(conf[name]), name


def test_slow_header_connections_do_not_hold_up_other_clients(server) -> None:
    for n in (SLOW, 100):  # 100: more than the worker's 64 threads
        answers = _held_off(server.base, ["/healthz", "/api/search?q=harbour", "/search?q=storm"], n)
        assert [status for status, _ in answers] == [200, 200, 200]
        assert json.loads(answers[0][1])["status"] == "ok" and json.loads(answers[1][1])["total"] == 12


def test_a_request_head_that_never_ends_is_closed_with_408(site: Settings, tmp_path: Path) -> None:
    proc = start_serve(site.index, site.corpus, tmp_path / "serve.log", workers=1, cwd=tmp_path,
                       env={"NEWSEARCH_HEAD_TIMEOUT_S": "2", "FORWARDED_ALLOW_IPS": "10.9.9.9"})
    try:
        with Slowloris(*proc.base, n=3) as slow:
            deadline = time.monotonic() + 30
            while slow.closed < 3 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert slow.closed >= 3  # closed by the server, and opened again by the "attacker"
        assert get(proc.base, "/healthz")[0] == 200
        # An untrusted peer's X-Real-IP is not believed: the log shows the real peer.
        assert get(proc.base, "/healthz", headers={"X-Real-IP": "203.0.113.9"})[0] == 200
    finally:
        proc.stop()
    log = proc.log_text()
    assert "connection(s) with no complete request head within 2 s" in log
    assert "203.0.113.9" not in log and '127.0.0.1 "GET /healthz' in log


def test_the_access_log_shows_the_client_a_trusted_proxy_names(server) -> None:
    assert get(server.base, "/healthz?via=proxy", headers={"X-Real-IP": "203.0.113.7"})[0] == 200
    deadline = time.monotonic() + 10
    while '"GET /healthz?via=proxy' not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '203.0.113.7 "GET /healthz?via=proxy HTTP/1.1" 200' in server.log_text()


def test_concurrent_requests_in_one_worker_get_their_own_right_answers(server) -> None:
    """One worker, one Engine behind its lock, many threads: every answer is the one a lone request gets."""
    paths = [f"/api/search?q={q}&page_size=5" for q in ("harbour", "storm", "report", "ferries", "council",
                                                         "harbour+wall", "winter", quote("港口"), quote("ميناء"))]
    paths += ["/api/search?q=harbour&section=World", "/api/search?q=harbour&sort=oldest&page=2&page_size=3",
              "/api/suggest?q=harb", "/api/status", "/healthz"]

    def answer(path: str) -> object:
        status, _, body = get(server.base, path)
        assert status == 200, (path, body[:300])
        data = json.loads(body)
        if isinstance(data, dict):
            data.pop("took_ms", None)
        return data

    expected = {p: answer(p) for p in paths}
    assert expected[paths[0]]["total"] == 12 and expected[paths[7]]["total"] == 1
    wrong: list[str] = []

    def client(seed: int) -> None:
        order = paths * 3
        random.Random(seed).shuffle(order)
        for p in order:
            if answer(p) != expected[p]:
                wrong.append(p)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


@pytest.mark.parametrize("script", sorted(LONG_QUERIES))
def test_a_1000_character_query_in_any_script_works(server, script: str) -> None:
    _long_query_works(server.base, LONG_QUERIES[script])


def _long_query_works(base: tuple[str, int], q: str) -> None:
    assert len(q) == 1000
    url = quote(q)
    referer = {"Referer": f"{PUBLIC}/search?q={url}"}  # the next click sends the long URL back
    status, _, body = get(base, f"/api/search?q={url}", headers=referer)
    assert status == 200 and json.loads(body)["total"] >= 1
    status, _, body = get(base, f"/search?q={url}", headers=referer)
    assert status == 200 and lxml.html.fromstring(body).xpath("//main//h2/a")
    status, _, body = get(base, f"/search.atom?q={url}", headers=referer)
    assert status == 200 and lxml.etree.fromstring(body).findall("{http://www.w3.org/2005/Atom}entry")
    for longer in (q + "x", q * 2):  # over the limit: the API's own JSON 400, not gunicorn's HTML 414
        status, headers, body = get(base, f"/api/search?q={quote(longer)}")
        assert status == 400 and headers["Content-Type"] == "application/json"
        assert json.loads(body)["error"]["param"] == "q"
        time.sleep(0.12)


def _hostile_host_paths(base: tuple[str, int]) -> dict[str, str]:
    article = json.loads(get(base, "/api/search?q=storm")[2])["results"][0]["id"]
    return {"feed": "/search.atom?q=harbour&page_size=2", "opensearch": "/opensearch.xml",
            "search page with pagination": "/search?q=harbour&page_size=2&page=2", "home": "/",
            "article": f"/articles/{article}", "api": "/api/search?q=harbour", "not found": "/nope",
            "api not found": "/api/nope", "prefixed": "/archive/search?q=harbour&page_size=2"}


def _assert_no_leak(base: tuple[str, int], paths: dict[str, str], pace: float = 0.0) -> dict[str, bytes]:
    bodies = {}
    for name, path in paths.items():
        status, headers, body = get(base, path, headers={"Host": EVIL, "X-Forwarded-Host": "evil2.example",
                                                         "X-Forwarded-Proto": "https"})
        assert status in (200, 404), (name, status)
        for text in [body.decode(), *headers.values()]:
            assert EVIL not in text and "evil2.example" not in text, name
        bodies[name] = body
        time.sleep(pace)
    return bodies


def test_a_hostile_host_header_appears_in_no_response(server) -> None:
    bodies = _assert_no_leak(server.base, _hostile_host_paths(server.base))
    feed = lxml.etree.fromstring(bodies["feed"])
    hrefs = feed.xpath("//*[local-name()='link']/@href")
    assert hrefs and all(h.startswith(PUBLIC + "/") for h in hrefs)  # absolute, from NEWSEARCH_PUBLIC_URL
    templates = lxml.etree.fromstring(bodies["opensearch"]).xpath("//*[local-name()='Url']/@template")
    assert templates and all(t.startswith(PUBLIC + "/") for t in templates)
    # Pages link from the site root, under the public URL's path.
    doc = lxml.html.fromstring(bodies["search page with pagination"])
    pages = doc.xpath("//nav[@class='pages']//a/@href")
    assert pages and all(h.startswith("/archive/search?q=harbour") for h in pages)
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["/archive/static/style.css"]
    assert doc.xpath("//link[@rel='alternate']/@href")[0].startswith("/archive/search.atom?q=harbour")


# -- links, through the app ------------------------------------------------------------------------------------
def test_links_without_a_public_url_are_relative_or_from_the_listening_address(site: Settings) -> None:
    local = create_app(replace(site, public_url="", bind="127.0.0.1:8123")).test_client()
    feed = lxml.etree.fromstring(local.get("/search.atom?q=harbour", headers={"Host": EVIL}).data)
    hrefs = feed.xpath("//*[local-name()='link']/@href")
    assert hrefs and all(h.startswith("/") for h in hrefs)
    templates = lxml.etree.fromstring(local.get("/opensearch.xml", headers={"Host": EVIL}).data).xpath(
        "//*[local-name()='Url']/@template")
    assert templates[0] == "http://127.0.0.1:8123/search?q={searchTerms}"
    # Listening on every address, the server cannot name itself: the templates stay paths.
    wildcard = create_app(replace(site, public_url="", bind="0.0.0.0:8000")).test_client()
    templates = lxml.etree.fromstring(wildcard.get("/opensearch.xml").data).xpath("//*[local-name()='Url']/@template")
    assert templates[0] == "/search?q={searchTerms}"


def test_a_malformed_public_url_is_refused_at_start(site: Settings) -> None:
    for bad in ("news.example.org", "ftp://news.example.org/", "https://news.example.org/?a=1"):
        with pytest.raises(ValueError, match="NEWSEARCH_PUBLIC_URL"):
            create_app(replace(site, public_url=bad))


# -- the answer cache ------------------------------------------------------------------------------------------
def test_the_answer_cache_stays_within_its_byte_bound_and_serves_hits(site: Settings) -> None:
    engine = Engine(site)
    big = [SearchRequest.build(q=q, page_size=100) for q in ("harbour", "report", "winter", "authority", "ships")]
    one = size_of(engine.search(big[0]))
    cache = AnswerCache(size=1000, max_bytes=int(one * 2.5))  # room for about two of these answers
    for _ in range(3):
        for req in big:
            answer = cache.get(engine, ("search", repr(req.to_dict())), lambda r=req: engine.search(r))
            assert answer.total >= 1
            assert cache.bytes <= cache.max_bytes
            held = cache.answers()
            assert sum(size_of(v) for v in held) <= cache.bytes  # (keys are weighed too)
    assert 1 <= len(cache) < len(big)  # the bytes bound, not the count, evicted
    key = ("search", repr(big[-1].to_dict()))
    first = cache.get(engine, key, lambda: engine.search(big[-1]))
    assert cache.get(engine, key, lambda: pytest.fail("a hit must not be recomputed")) is first
    # An answer bigger than the whole bound is returned, not kept.
    tiny = AnswerCache(size=1000, max_bytes=one // 2)
    assert tiny.get(engine, key, lambda: engine.search(big[-1])).total >= 1 and len(tiny) == 0 and tiny.bytes == 0


def test_an_answers_estimated_size_is_the_memory_it_holds(site: Settings) -> None:
    engine = Engine(site)
    for answer in (engine.search(SearchRequest.build(q="harbour", page_size=100)),
                   engine.more_like_this(engine.search(SearchRequest.build(q="storm")).results[0].id)):
        frozen = pickle.dumps(answer)
        tracemalloc.start()
        # Private copies (nothing shared with the engine), 20 so that the interpreter's free lists of small
        # objects, which tracemalloc does not see, are used up and each copy's memory is counted.
        copies = [pickle.loads(frozen) for _ in range(20)]
        held = tracemalloc.get_traced_memory()[0] / len(copies)
        tracemalloc.stop()
        assert 0.8 * held <= size_of(copies[0]) <= 1.25 * held


def test_cache_settings_come_from_the_environment(site: Settings) -> None:
    env = {"NEWSEARCH_WEB_CACHE": "0", "NEWSEARCH_WEB_CACHE_MB": "5"}
    settings = Settings.from_env(env, index=site.index, corpus=site.corpus)
    assert (settings.web_cache, settings.web_cache_mb) == (0, 5)
    assert Settings.from_env({}).web_cache_mb == 32  # a few tens of MB per worker by default
    cache = create_app(settings).extensions["newsearch.cache"]
    assert (cache.size, cache.max_bytes) == (0, 5 * 1024 * 1024)


# -- nginx in front ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nginx(server, tmp_path_factory: pytest.TempPathFactory):
    if not Path(NGINX).is_file():
        pytest.skip(f"no nginx at {NGINX}: install Debian's nginx (apt-get install nginx) to test deploy/nginx.conf")
    proc = start_nginx(tmp_path_factory.mktemp("nginx"), server.port)
    yield proc
    proc.stop()


def test_nginx_slow_header_connections_do_not_hold_up_other_clients(nginx) -> None:
    answers = _held_off(nginx.base, ["/healthz", "/api/search?q=harbour", "/search?q=storm"], SLOW)
    assert [status for status, _ in answers] == [200, 200, 200]
    assert json.loads(answers[1][1])["total"] == 12


def test_nginx_serves_the_static_files_itself(nginx, server) -> None:
    status, headers, body = get(nginx.base, "/static/style.css")
    assert status == 200 and body == (REPO / "web" / "static" / "style.css").read_bytes()
    assert headers["Content-Type"] == "text/css" and headers["Cache-Control"] == "public"
    time.sleep(0.5)
    assert "/static/style.css" not in server.log_text()  # gunicorn never saw it


def test_nginx_passes_a_1000_character_query_in_any_script(nginx) -> None:
    for q in LONG_QUERIES.values():
        _long_query_works(nginx.base, q)
        time.sleep(0.5)


def test_nginx_a_hostile_host_header_appears_in_no_response(nginx, server) -> None:
    _assert_no_leak(nginx.base, _hostile_host_paths(nginx.base), pace=0.12)


def test_nginx_gunicorn_logs_the_client_not_a_spoofed_address(nginx, server) -> None:
    assert get(nginx.base, "/healthz?via=nginx", headers={"X-Real-IP": "198.51.100.1",
                                                          "X-Forwarded-For": "198.51.100.2"})[0] == 200
    deadline = time.monotonic() + 10
    while '"GET /healthz?via=nginx' not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(ln for ln in server.log_text().splitlines() if '"GET /healthz?via=nginx' in ln)
    assert line.startswith('127.0.0.1 "GET') and "198.51.100" not in line


def test_nginx_limits_the_request_rate_per_client(nginx) -> None:
    time.sleep(2.5)  # let the burst allowance refill after the tests above
    statuses = [get(nginx.base, "/healthz")[0] for _ in range(60)]
    assert statuses[:15] == [200] * 15 and 429 in statuses  # a burst is answered, a flood is cut


def test_a_request_running_past_the_timeout_replaces_its_worker(site: Settings, tmp_path: Path) -> None:
    """The runaway-request backstop: threads keep the heartbeat going, so the worker itself gives up on a request
    that outlives gunicorn's timeout (here 2 s), and the master starts a fresh worker."""
    (tmp_path / "hangapp.py").write_text(
        "import time\nfrom web import create_app\napp = create_app()\n\n\n"
        "@app.get('/hang')\ndef hang():\n    time.sleep(60)\n    return 'late'\n")
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "--timeout", "2",
           "--workers", "1", "--bind", f"127.0.0.1:{port}", "hangapp:app"]
    proc = start(cmd, tmp_path / "gunicorn.log", port, cwd=tmp_path,
                 env={"NEWSEARCH_INDEX": str(site.index), "NEWSEARCH_CORPUS": str(site.corpus)})
    try:
        with pytest.raises((OSError, http.client.HTTPException)):  # the connection is dropped, never answered
            get(proc.base, "/hang", timeout=50)
        deadline = time.monotonic() + 30
        while proc.log_text().count("Booting worker") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert get(proc.base, "/healthz")[0] == 200
    finally:
        proc.stop()
    log = proc.log_text()
    assert "a request has run for over 2 s: stopping worker" in log and log.count("Booting worker") >= 2


def test_nginx_answers_metrics_to_the_monitoring_host_only(nginx) -> None:
    """deploy/nginx.conf lets 127.0.0.1 scrape /metrics and refuses every other address (here 127.0.0.2, also on
    the loopback interface, as an outside client)."""
    status, _, body = get(nginx.base, "/metrics")
    assert status == 200 and b"newsearch_http_requests_total" in body
    conn = http.client.HTTPConnection(*nginx.base, timeout=10, source_address=("127.0.0.2", 0))
    try:
        conn.request("GET", "/metrics")
        refused = conn.getresponse()
        assert refused.status == 403 and b"newsearch_" not in refused.read()
    finally:
        conn.close()
