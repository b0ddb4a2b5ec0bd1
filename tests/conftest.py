"""Shared fixtures: paths to the shipped corpus, the seed and the real data beside the repo."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.config import Settings
from search.index.indexer import Indexer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
SEED = SHARED / "seed" / "iraq-withdrawal-2011.txt"
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or a visible skip where it is absent (a user's machine has none)."""
    if not DATA.is_dir():
        pytest.skip(f"real news data not available: {DATA} is absent")
    return DATA


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed article, or a visible skip where ../shared is absent."""
    if not SEED.is_file():
        pytest.skip(f"seed article not available: {SEED} is absent")
    return SEED


def build_site(root: Path, articles: list[dict]) -> Settings:
    """A corpus folder with the articles as one JSONL file, and its index built: the Settings for both."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")
    settings = Settings.from_env(index=root / "index", corpus=corpus)
    report = Indexer(settings, workers=1).run(full=True)
    assert report.failed == [] and report.articles == len(articles)
    return settings


def newsearch(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """The `newsearch` command as a user runs it: a real process, its output captured as text."""
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=REPO)


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a `newsearch` process with its own empty corpus folder and index under tmp_path."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    e = dict(os.environ, NEWSEARCH_INDEX=str(tmp_path / "index"), NEWSEARCH_CORPUS=str(corpus))
    e.pop("PYTHONPATH", None)
    return e


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, workers: int = 2, timeout: float = 120) -> Iterator[str]:
    """`newsearch serve` on a free 127.0.0.1 port until the block ends; yields its base URL once it answers
    HTTP at all (/healthz may well say 503: some tests serve a missing or damaged index on purpose)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "search", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"newsearch serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=5).close()
                    break
                except urllib.error.HTTPError:
                    break  # it answers
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"newsearch serve did not answer in {timeout}s:\n{log.read_text()[-3000:]}")
                    time.sleep(0.2)
            yield base
            assert proc.poll() is None, f"newsearch serve died:\n{log.read_text()[-3000:]}"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def http(url: str, timeout: float = 30) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8")
