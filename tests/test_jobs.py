"""The reindexing job as real processes on real files: freshness, one writer at a time, crash safety,
full rebuilds under live search traffic and broken files in the corpus."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from search.config import Settings
from search.engine.engine import Engine
from search.engine.results import SearchRequest
from search.index.store import IndexStore

from .conftest import REPO, newsearch

WORDS = ("harbour ferry council budget storm river school bridge market festival library election museum "
         "station tunnel garden factory hospital airport stadium lighthouse orchard quarry theatre").split()


def write_corpus(folder: Path, n: int, seed: int = 1, words: int = 120) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        body = " ".join(rng.choice(WORDS) for _ in range(words))
        lines.append(json.dumps({"headline": f"Report {i} on the {rng.choice(WORDS)}", "body": body.capitalize() + ".",
                                 "published": f"20{10 + i % 15:02d}-0{1 + i % 9}-1{i % 9}"}))
    for k in range(0, n, 500):
        (folder / f"part-{k // 500:04}.jsonl").write_text("\n".join(lines[k : k + 500]) + "\n")


def settings_of(env: dict[str, str]) -> Settings:
    return Settings.from_env(index=Path(env["NEWSEARCH_INDEX"]), corpus=Path(env["NEWSEARCH_CORPUS"]))


def found(env: dict[str, str], q: str) -> list[str]:
    out = newsearch("search", "--json", q, env=env)
    assert out.returncode == 0, out.stderr
    return [r["headline"] for r in json.loads(out.stdout)["results"]]


def test_added_changed_and_deleted_articles_between_runs(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    (corpus / "a.txt").write_text("Lighthouse keeper retires\n\nThe keeper of Skerry light has retired.\n")
    assert newsearch("index", env=env).returncode == 0
    assert found(env, "keeper") == ["Lighthouse keeper retires"]
    (corpus / "b.txt").write_text("Ferry returns to service\n\nThe island ferry sails again.\n")
    (corpus / "a.txt").write_text("Lighthouse keeper stays on\n\nThe keeper of Skerry light will stay.\n")
    out = newsearch("index", "--json", env=env)
    report = json.loads(out.stdout)
    assert (report["added"], report["updated"], report["deleted"]) == (1, 1, 0)
    assert found(env, "keeper") == ["Lighthouse keeper stays on"]
    assert found(env, "ferry") == ["Ferry returns to service"]
    (corpus / "b.txt").unlink()
    assert json.loads(newsearch("index", "--json", env=env).stdout)["deleted"] == 1
    assert found(env, "ferry") == []


def test_two_jobs_at_once_leave_one_consistent_index_and_a_clear_message(env: dict[str, str]) -> None:
    write_corpus(Path(env["NEWSEARCH_CORPUS"]), 3000)
    cmd = [sys.executable, "-m", "search", "index", "--full", "--json"]
    first = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    second = newsearch("index", "--full", "--json", env=env)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 75
    assert "another indexing job is running" in second.stderr and "Traceback" not in second.stderr
    assert "LockError" not in second.stderr
    assert json.loads(out)["articles"] == 3000
    assert Engine(settings_of(env)).count() == 3000


def test_sigkill_mid_write_keeps_the_last_generation_and_the_next_run_completes(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    (corpus / "first.txt").write_text("Lighthouse keeper retires\n\nThe keeper of Skerry light has retired.\n")
    assert newsearch("index", env=env).returncode == 0
    write_corpus(corpus / "bulk", 8000, words=200)
    for mode in (["index"], ["index", "--full"]):
        job = subprocess.Popen([sys.executable, "-m", "search", *mode], env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_lock(Path(env["NEWSEARCH_INDEX"]), job)
        time.sleep(0.5)  # well into reading and writing
        assert job.poll() is None, "the job finished before it could be killed: make the corpus bigger"
        job.send_signal(signal.SIGKILL)
        job.wait()
        assert found(env, "keeper") == ["Lighthouse keeper retires"]  # the previous generation, whole
        assert Engine(settings_of(env)).count() == 1
    out = newsearch("index", "--json", "--wait", "5", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["articles"] == 8001
    store = IndexStore(Path(env["NEWSEARCH_INDEX"]))
    assert len(list(store.builds.iterdir())) == 1  # the killed full build was cleaned up


def _wait_for_lock(index: Path, job: subprocess.Popen, timeout: float = 60) -> None:
    """Until the job holds the indexing lock (flock cannot be taken here)."""
    import fcntl

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and job.poll() is None:
        try:
            fd = os.open(index / ".lock", os.O_RDWR)
        except FileNotFoundError:
            time.sleep(0.05)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            return
        finally:
            os.close(fd)
        time.sleep(0.05)


def test_full_rebuild_under_live_search_traffic_fails_no_request(env: dict[str, str]) -> None:
    write_corpus(Path(env["NEWSEARCH_CORPUS"]), 2000)
    assert newsearch("index", env=env).returncode == 0
    engine = Engine(settings_of(env))
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            try:
                totals.append(engine.search(SearchRequest.build(q=random.choice(WORDS))).total)
            except BaseException as e:  # noqa: BLE001 - every failure counts
                errors.append(e)

    threads = [threading.Thread(target=traffic) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            out = newsearch("index", "--full", env=env)
            assert out.returncode == 0, out.stderr
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert len(totals) > 20 and min(totals) > 0


def test_broken_files_do_not_stop_the_job(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    (corpus / "good.txt").write_text("Good article\n\nIt has a body.\n")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.html").write_bytes(os.urandom(2048).replace(b"\x00", b"\x01") + b"\x00" * 10)
    (corpus / "truncated.txt.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    (corpus / "undecodable.txt").write_bytes("Bad bytes\n\nCaf\xe9 cr\xe8me br\xfbl\xe9e \xe0 la carte, "
                                             "s\xe9ance tenue \xe0 l'h\xf4tel de ville.\n".encode("latin-1"))
    (corpus / "mixed.jsonl").write_text('{"headline": "Line one", "body": "x"}\n{broken\n')
    out = newsearch("index", "--json", env=env)
    assert out.returncode == 0
    report = json.loads(out.stdout)
    assert sorted(f["path"] for f in report["failed"]) == ["binary.html", "empty.txt", "mixed.jsonl",
                                                          "truncated.txt.gz"]
    assert report["articles"] == 3  # good, undecodable (read as Latin-1), and the good line of mixed.jsonl
    assert found(env, "creme") == ["Bad bytes"]


def test_full_rebuild_and_updates_while_newsearch_serve_answers_http(env: dict[str, str], tmp_path: Path) -> None:
    """The same over HTTP: gunicorn workers keep answering through two rebuilds and an update, and serve
    the new article as soon as its job has committed."""
    import socket
    import urllib.error
    import urllib.request

    write_corpus(Path(env["NEWSEARCH_CORPUS"]), 1500)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    failures: list[str] = []
    answered: list[int] = []
    stop = threading.Event()

    def get(path: str) -> dict:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return json.load(r)

    def traffic() -> None:
        rng = random.Random(3)
        while not stop.is_set():
            try:
                answered.append(get(f"/api/search?q={rng.choice(WORDS)}")["total"])
            except (OSError, urllib.error.HTTPError, ValueError) as e:
                failures.append(repr(e))

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        threads = [threading.Thread(target=traffic) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            for _ in range(2):
                assert newsearch("index", "--full", env=env).returncode == 0
            (Path(env["NEWSEARCH_CORPUS"]) / "new.txt").write_text("Zeppelin lands\n\nA zeppelin landed.\n")
            assert newsearch("index", env=env).returncode == 0
            assert get("/api/search?q=zeppelin")["total"] == 1  # the job has exited: its commit is served
        finally:
            stop.set()
            for t in threads:
                t.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    assert failures == []
    assert len(answered) > 50 and min(answered) > 0
