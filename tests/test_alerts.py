"""Saved searches and alerts, as a user runs them: `newsearch alerts add/list/remove/run` and `newsearch index` as
real processes (so every run is a restart: a new process, a new Engine and a new ledger object), a webhook receiver
on loopback (http.server in a thread), and the alert's Atom feed from a real `newsearch serve`. Every new article
is delivered once, none twice and none missed, across restarts, a webhook that is down and comes back, and a
process killed while it was delivering (the repeat carries the same delivery id)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from search.alerts import run_alerts
from search.config import Settings

from .conftest import REPO, build_site, free_port, http, newsearch, serving

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = [{"headline": f"Harbour wall survey {n}", "body": f"The harbour wall was surveyed, part {n}.",
         "published": f"2024-01-{n + 1:02d}", "section": "Local"} for n in range(3)]
BASE.append({"headline": "Orchard harvest", "body": "Apples everywhere.", "published": "2024-02-01"})


class Receiver:
    """A webhook on 127.0.0.1: records each POST (its delivery id and JSON body) and answers 204; `hang` makes it
    read the request and never answer."""

    def __init__(self, port: int, hang: bool = False) -> None:
        self.got: list[tuple[str, dict]] = []
        self.hang = hang
        self.stall = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.got.append((self.headers["X-Newsearch-Delivery"], body))
                if outer.hang:
                    outer.stall.wait(60)
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self) -> None:
        """Stop hanging: answer 204 from now on."""
        self.hang = False
        self.stall.set()

    def articles(self) -> list[str]:
        return [a["id"] for _, body in self.got for a in body["articles"]]

    def close(self) -> None:
        self.stall.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def site(tmp_path: Path) -> Settings:
    return build_site(tmp_path / "site", BASE)


def _env(site: Settings) -> dict[str, str]:
    env = dict(os.environ, NEWSEARCH_INDEX=str(site.index), NEWSEARCH_CORPUS=str(site.corpus))
    env.pop("PYTHONPATH", None)
    return env


def _publish(site: Settings, name: str, articles: list[dict]) -> None:
    (site.corpus / f"{name}.jsonl").write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")


def _ids(site: Settings, query: str) -> set[str]:
    out = newsearch("search", query, "--format", "jsonl", env=_env(site))
    return {json.loads(line)["id"] for line in out.stdout.splitlines()}


def _index(site: Settings) -> subprocess.CompletedProcess:
    out = newsearch("index", env=_env(site))
    assert out.returncode == 0, out.stderr
    return out


def _listed(site: Settings, name: str) -> dict:
    out = newsearch("alerts", "list", "--json", env=_env(site))
    return next(a for a in json.loads(out.stdout) if a["name"] == name)


def test_each_new_article_is_delivered_once_across_restarts_and_a_webhook_outage(site: Settings) -> None:
    env, port = _env(site), free_port()
    added = newsearch("alerts", "add", "harbour", "harbour", "--webhook", f"http://127.0.0.1:{port}/hook", env=env)
    assert added.returncode == 0 and "3 articles match now" in added.stdout, added.stderr
    before = _ids(site, "harbour")
    receiver = Receiver(port)
    try:
        _publish(site, "day1", [{"headline": "Harbour crane arrives", "body": "A new crane for the harbour. "
                                 '"The harbour can lift forty tonnes now," said Ada Brennan of the board.'},
                                {"headline": "Orchard fair", "body": "Apples and pears."}])
        first = _index(site)  # a new process: alerts run after the indexing run
        assert "alert harbour: 1 new article, 1 new quotation; 1 delivery sent" in first.stdout
        day1 = _ids(site, "harbour") - before
        assert receiver.articles() == sorted(day1) and len(day1) == 1
        body = receiver.got[0][1]
        assert body["alert"] == "harbour" and body["delivery"] == receiver.got[0][0]
        assert body["articles"][0]["headline"] == "Harbour crane arrives"
        assert body["quotes"][0]["source"] == "Ada Brennan"
        assert body["quotes"][0]["text"] == "The harbour can lift forty tonnes now,"
        _publish(site, "day2", [{"headline": "Harbour night shift", "body": "The harbour works at night now."}])
        _index(site)
        day2 = _ids(site, "harbour") - before - day1
        assert receiver.articles() == [*day1, *day2]  # the new one only: nothing twice
    finally:
        receiver.close()
    # the webhook is down: indexing goes on, the delivery waits in the ledger, the failure is shown
    _publish(site, "day3", [{"headline": "Harbour fog warning", "body": "Fog over the harbour."},
                            {"headline": "Harbour fog lifts", "body": "The harbour is clear again."}])
    down = _index(site)
    assert "2 new articles" in down.stdout and "1 queued" in down.stdout
    state = _listed(site, "harbour")
    assert state["pending"] == 1 and state["failures"] >= 1 and "refused" in state["last_error"].lower()
    assert "Harbour fog" in newsearch("search", "fog", env=env).stdout  # the run did index
    receiver = Receiver(port)  # back up, on the same address
    try:
        again = _index(site)  # nothing new to index: the queued delivery goes now
        assert "1 delivery sent" in again.stdout
        day3 = _ids(site, "harbour") - before - day1 - day2
        assert len(day3) == 2 and sorted(receiver.articles()) == sorted(day3)
    finally:
        receiver.close()
    state = _listed(site, "harbour")
    assert state["pending"] == 0 and state["failures"] == 0
    assert state["delivered"] == 5  # items: day 1's article and its quotation, day 2's, day 3's two
    assert state["found"] == 4 + 1  # four articles and one quotation, each once


def test_the_alerts_feed_has_each_find_once_newest_first(site: Settings, tmp_path: Path) -> None:
    env = _env(site)
    assert newsearch("alerts", "add", "wall", "wall", env=env).returncode == 0  # no webhook: the feed only
    _publish(site, "new", [{"headline": "Harbour wall repaired", "body": "The wall is fixed.",
                            "url": "https://news.example.org/wall"}])
    _index(site)
    _publish(site, "newer", [{"headline": "Sea wall opens", "body": "A new sea wall."}])
    _index(site)
    with serving(env, tmp_path / "serve.log", workers=1) as base:
        status, ctype, body = http(f"{base}/alerts/wall.atom")
        assert status == 200 and ctype.startswith("application/atom+xml")
        feed = ET.fromstring(body)
        titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
        assert titles == ["Sea wall opens", "Harbour wall repaired"]  # the baseline's three are not news
        related = [link.get("href") for link in feed.iter(f"{ATOM}link") if link.get("rel") == "related"]
        assert "https://news.example.org/wall" in related
        assert http(f"{base}/alerts/nothing.atom")[0] == 404
    assert newsearch("alerts", "remove", "wall", env=env).returncode == 0
    assert newsearch("alerts", "list", "--json", env=env).stdout.strip() == "[]"


def test_a_run_killed_while_delivering_delivers_again_with_the_same_id(site: Settings) -> None:
    env, port = _env(site), free_port()
    receiver = Receiver(port, hang=True)  # it takes the POST and never answers
    try:
        assert newsearch("alerts", "add", "harbour", "harbour", "--webhook", f"http://127.0.0.1:{port}/",
                         env=env).returncode == 0
        _publish(site, "late", [{"headline": "Harbour gate closes", "body": "The harbour gate is shut."}])
        proc = subprocess.Popen([sys.executable, "-m", "search", "index"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 120
        while not receiver.got and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert receiver.got, "the delivery never arrived"
        os.killpg(proc.pid, signal.SIGKILL)  # killed after the receiver has it, before its 2xx could be recorded
        proc.wait()
        receiver.answer()
        again = newsearch("alerts", "run", env=env)  # a new process: the delivery was still queued
        assert again.returncode == 0 and "1 delivery sent" in again.stdout, again.stdout + again.stderr
    finally:
        receiver.close()
    (first, sent), (repeat, resent) = receiver.got
    assert repeat == first and resent == sent  # the same delivery, by its id: the receiver can drop the repeat
    assert [a["headline"] for a in sent["articles"]] == ["Harbour gate closes"]
    assert "0 new articles" in newsearch("alerts", "run", env=env).stdout  # and nothing is left queued
    assert _listed(site, "harbour")["pending"] == 0


def test_an_alert_checked_every_hour_waits_its_turn(site: Settings) -> None:
    env = _env(site)
    assert newsearch("alerts", "add", "hourly", "harbour", "--every", "1h", env=env).returncode == 0
    _publish(site, "soon", [{"headline": "Harbour tug", "body": "A harbour tug."}])
    _index(site)
    start = datetime.fromisoformat(_listed(site, "hourly")["last_run"])
    soon = run_alerts(site, now=start + timedelta(minutes=20))[0]
    assert not soon.checked and soon.articles == 0
    later = run_alerts(site, now=(start + timedelta(minutes=61)).astimezone(UTC))[0]
    assert later.checked and later.articles == 1


@pytest.mark.parametrize(("args", "message"), [
    (["Bad Name", "x"], "NAME"),
    (["ok", "x", "--webhook", "ftp://example.org/"], "http:// or https://"),
    (["ok", "x", "--every", "soon"], "not a duration"),
    (["ok", "x", "--from", "yesterdayish"], "--from"),
])
def test_a_bad_alert_is_refused_and_nothing_is_saved(site: Settings, args: list[str], message: str) -> None:
    out = newsearch("alerts", "add", *args, env=_env(site))
    assert out.returncode == 2 and message in out.stderr
    assert json.loads(newsearch("alerts", "list", "--json", env=_env(site)).stdout) == []


def test_an_alert_added_before_any_index_starts_watching_at_its_first_run(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    (corpus / "a.jsonl").write_text(json.dumps({"headline": "Harbour opens", "body": "The harbour opens."}))
    added = newsearch("alerts", "add", "early", "harbour", env=env)
    assert added.returncode == 0 and "starts watching at its first check" in added.stdout
    first = newsearch("index", env=env)
    assert "alert early: started watching: 1 article matches now" in first.stdout  # the first build is no news
    (corpus / "b.jsonl").write_text(json.dumps({"headline": "Harbour closes", "body": "The harbour closes."}))
    assert "alert early: 1 new article" in newsearch("index", env=env).stdout


def test_the_scheduled_job_delivers_after_each_of_its_runs(site: Settings, tmp_path: Path) -> None:
    env, port = _env(site), free_port()
    added = newsearch("alerts", "add", "sched", "harbour", "--webhook", f"http://127.0.0.1:{port}/", env=env)
    assert added.returncode == 0
    _publish(site, "scheduled", [{"headline": "Harbour dredging starts", "body": "Dredging in the harbour."}])
    receiver = Receiver(port)
    log = (tmp_path / "schedule.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "search", "schedule", "--every", "1h"], env=env, cwd=REPO,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not receiver.got and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        receiver.close()
        log.close()
    assert [a["headline"] for _, body in receiver.got for a in body["articles"]] == ["Harbour dredging starts"]
    assert "alert sched: 1 new article, 0 new quotations; 1 delivery sent" in (tmp_path / "schedule.log").read_text()
