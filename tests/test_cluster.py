"""`newsearch index --cluster`: a real Dask scheduler and two real workers on 127.0.0.1, real files, real indexes.

A cluster build must be what a local build is: the same articles with the same ids and stored fields, the same
quote records, the same report; a worker killed mid-run costs a retry, never a file; a cluster that cannot be
used fails the run with a message that says why, the index unchanged and the run recorded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search.index.store import IndexStore

from .conftest import DATA, REPO, free_port

distributed = pytest.importorskip("distributed", reason="dask not installed: pip install 'newsearch[cluster]'")
sys.path.insert(0, str(REPO))
from bench import cluster_bench  # noqa: E402

DASK = cluster_bench.DASK
TIMING = ("started", "finished", "duration_s", "build")


def dask_cluster(workers: int, daemon: bool = False) -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen]]:
    """bench/cluster_bench.py's cluster on 127.0.0.1: (its address, its scheduler process)."""
    if not DASK.is_file():
        pytest.skip(f"no dask command beside {sys.executable}")
    return cluster_bench.dask_cluster(workers, daemon)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with dask_cluster(2) as (address, _scheduler):
        yield address


def real_corpus(root: Path, bbc: int = 24) -> Path:
    """Real pages (aeb and fundus HTML, BBC text) and a few broken files: empty, binary, over the 1 MB limit."""
    if not DATA.is_dir():
        pytest.skip(f"real news data not available: {DATA} is absent")
    corpus = root / "corpus"
    for name, files in (("aeb", sorted((DATA / "aeb" / "html").glob("*.html.gz"))[:12]),
                        ("fundus", sorted((DATA / "fundus").glob("*/*.html.gz"))[:8]),
                        ("bbc", sorted((DATA / "bbc" / "business").glob("*.txt"))[:bbc])):
        (corpus / name).mkdir(parents=True)
        for f in files:
            shutil.copy(f, corpus / name / f.name)
    broken = corpus / "broken"
    broken.mkdir()
    (broken / "empty.txt").write_bytes(b"")
    (broken / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (broken / "huge.txt").write_bytes(b"Headline\n\n" + b"word " * (300 * 1024))
    return corpus


def env_for(root: Path, corpus: Path, name: str) -> dict[str, str]:
    e = dict(os.environ, NEWSEARCH_INDEX=str(root / name), NEWSEARCH_CORPUS=str(corpus), NEWSEARCH_MAX_FILE_MB="1")
    e.pop("PYTHONPATH", None)
    e.pop("NEWSEARCH_CLUSTER", None)
    return e


def index(env: dict[str, str], *args: str) -> dict[str, Any]:
    """`newsearch index --json ARGS` as a user runs it: its report, checked to have succeeded."""
    done = subprocess.run([sys.executable, "-m", "search", "index", "--json", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    return {k: v for k, v in report.items() if k not in TIMING}


def contents(index_dir: Path) -> tuple[dict[str, dict], list[str], dict[str, dict]]:
    """Every stored field of every article by id, the quote index's records, the manifest (less its racy marks)."""
    store = IndexStore(index_dir)
    with store.open().searcher() as s:
        articles = {d["id"]: d for d in s.all_stored_fields()}
    with store.open_quotes().searcher() as s:
        quotes = sorted(json.dumps(d, sort_keys=True, default=str) for d in s.all_stored_fields())
    manifest = {k: {f: v for f, v in e.items() if f != "recheck"}
                for k, e in (store.load_manifest(store.current()) or {}).items()}
    return articles, quotes, manifest


def test_a_cluster_build_and_update_are_the_local_ones(cluster: str, tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path)
    aliases = tmp_path / "my-aliases.toml"  # read on this node, its content sent to the workers
    aliases.write_text('[aliases]\n"Ann Lee Holdings" = ["Ann Lee"]\n', encoding="utf-8")
    local, remote = (dict(env_for(tmp_path, corpus, name), NEWSEARCH_ALIASES=str(aliases))
                     for name in ("local", "remote"))
    first = index(local, "--full")
    assert first == index(remote, "--full", "--cluster", cluster)
    reasons = {f["path"]: f["reason"] for f in first["failed"]}
    assert {"broken/empty.txt", "broken/binary.txt", "broken/huge.txt"} <= set(reasons), reasons
    assert "1 MB limit" in reasons["broken/huge.txt"] and first["articles"] > 30
    assert contents(tmp_path / "local") == contents(tmp_path / "remote")

    bbc = sorted((corpus / "bbc").iterdir())
    bbc[0].write_text("Markets rally\n\nShares rose on Monday, \"a good day\", said Ann Lee.\n", encoding="utf-8")
    bbc[1].unlink()
    shutil.copy(DATA / "bbc" / "tech" / "001.txt", corpus / "bbc" / "new.txt")
    (corpus / "broken" / "empty.txt").write_text("Now a headline\n\nAnd a body that says something.\n")
    second = index(local)
    assert second == index(remote, "--cluster", cluster)
    assert (second["added"], second["updated"], second["deleted"]) == (2, 1, 1)  # the empty file added now
    articles, quotes, manifest = contents(tmp_path / "remote")
    assert any("Ann Lee Holdings" in q for q in quotes)
    assert (articles, quotes, manifest) == contents(tmp_path / "local")


def test_a_worker_killed_mid_run_costs_a_retry_never_a_file(cluster: str, tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path, bbc=500)
    local, remote = env_for(tmp_path, corpus, "local"), env_for(tmp_path, corpus, "remote")
    expected = index(local, "--full")
    with distributed.Client(cluster, timeout=30, set_as_default=False) as client:
        pids = client.run(os.getpid)
        seen = run_watching_progress(remote, cluster, lambda done, total: 0 < done < total // 2,
                                     lambda: os.kill(sorted(pids.values())[0], signal.SIGKILL))
        client.wait_for_workers(2, timeout=90)  # the nanny starts a fresh one
        assert sorted(pids.values())[0] not in client.run(os.getpid).values()
    assert seen["killed_at"] is not None, seen["stderr"][:2000]
    assert seen["returncode"] == 0, seen["stderr"][-3000:]
    assert {k: v for k, v in seen["report"].items() if k not in TIMING} == expected, seen["stderr"][-2000:]
    assert contents(tmp_path / "local") == contents(tmp_path / "remote")


def run_watching_progress(env: dict[str, str], cluster: str, when: Any, act: Any) -> dict[str, Any]:
    """A cluster build with its progress bar on a terminal; `act()` once the bar shows `when(done, total)`."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm draws nothing 0 columns wide
    proc = subprocess.Popen([sys.executable, "-m", "search", "index", "--full", "--cluster", cluster],
                            stdout=subprocess.PIPE, stderr=slave, env=env, cwd=REPO, text=True)
    os.close(slave)
    seen: dict[str, Any] = {"killed_at": None, "stderr": ""}

    def watch() -> None:
        while True:
            try:
                chunk = os.read(master, 4096).decode("utf-8", "replace")
            except OSError:
                return
            if not chunk:
                return
            seen["stderr"] += chunk
            for done, total in re.findall(r"(\d+)/(\d+)", chunk):
                if seen["killed_at"] is None and when(int(done), int(total)):
                    seen["killed_at"] = done
                    act()

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    proc.communicate(timeout=300)
    reader.join(timeout=5)
    os.close(master)
    seen["returncode"] = proc.returncode
    seen["report"] = IndexStore(Path(env["NEWSEARCH_INDEX"])).runs()[-1]  # (the bar is drawn without --json)
    return seen


def failed_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 1, (done.stdout, done.stderr)
    return done


def test_a_cluster_that_cannot_be_used_fails_the_run_and_says_why(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO / "corpus" / "harbour-bridge-reopens-2023.txt", corpus)
    env = env_for(tmp_path, corpus, "index")
    before = index(env, "--full")
    nowhere = f"tcp://127.0.0.1:{free_port()}"
    (corpus / "new.txt").write_text("Headline\n\nA body long enough to be an article of its own.\n")
    done = failed_run(env, "-m", "search", "index", "--cluster", nowhere)
    assert f"the Dask scheduler at {nowhere} cannot be reached" in done.stderr
    store = IndexStore(tmp_path / "index")
    assert store.open().doc_count() == before["articles"]
    last = store.runs()[-1]
    assert last["status"] == "failed" and nowhere in last["error"]

    hidden = "import sys; sys.modules['distributed'] = None; from search.cli import main; main()"
    done = failed_run(env, "-c", hidden, "index", "--cluster", nowhere)
    assert "pip install 'newsearch[cluster]'" in done.stderr

    with dask_cluster(1, daemon=True) as (daemonic, _scheduler):
        done = failed_run(env, "-m", "search", "index", "--cluster", daemonic)
    assert "daemonic" in done.stderr and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in done.stderr
    assert store.open().doc_count() == before["articles"] and store.runs()[-1]["status"] == "failed"


def test_a_scheduler_lost_mid_run_fails_the_run_and_leaves_no_index(tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path, bbc=500)
    env = env_for(tmp_path, corpus, "index")
    with dask_cluster(1) as (address, scheduler):
        seen = run_watching_progress(env, address, lambda done, total: 0 < done < total, scheduler.kill)
    assert seen["killed_at"] is not None and seen["returncode"] == 1, seen["stderr"][-2000:]
    assert f"the Dask scheduler at {address} went away during the run" in seen["stderr"]
    assert "Traceback" not in seen["stderr"]
    assert IndexStore(tmp_path / "index").current() is None  # the full build that did not finish left nothing
    assert seen["report"]["status"] == "failed" and address in seen["report"]["error"]
