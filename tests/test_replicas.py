"""Replicas as deployed: a primary index root built from BBC articles, published by `newsearch publish` and by the
indexing job (NEWSEARCH_PUBLISH) to a local path and to `localhost:path` through rsync's real remote protocol (a
remote shell script that runs the command here: no ssh daemon), two `newsearch serve` nodes on the replicas and
Debian's nginx in front with deploy/nginx-replicas.conf as shipped (only ports, servers and paths templated).

Under steady query load through nginx no request fails while the index is published; an interrupted publish
leaves a replica on its last release; a failed one is in the run's report; a replica refuses `newsearch index`.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from publish_bench import SHIPPED, render_replicas, rsh_script, start_nginx_replicas  # noqa: E402
from slow_clients import NGINX, Proc, get, start_serve  # noqa: E402

BBC = REPO.parent / "shared" / "data" / "bbc"
NEW_WORD = "quokkaferry"  # in the added files only
QUERIES = ["market", "film", "mobile phone", "election", "growth OR profit", "music", "\"chief executive\""]


# -- the cluster -------------------------------------------------------------------------------------------------
def newsearch(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSEARCH_")}
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True, cwd=REPO,
                          env={**base, **(env or {})}, timeout=300, **kw)  # type: ignore[call-overload]


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root, self.corpus, self.primary = root, root / "corpus", root / "primary"
        self.replicas = [root / "replica-a", root / "replica-b"]
        self.dests = [str(self.replicas[0]), f"localhost:{self.replicas[1]}"]
        self.env = {"NEWSEARCH_PUBLISH_RSH": str(rsh_script(root)), "NEWSEARCH_INDEX": str(self.primary),
                    "NEWSEARCH_CORPUS": str(self.corpus)}
        self.nodes: list[Proc] = []
        self.nginx: Proc | None = None

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return newsearch(*args, env={**self.env, **env})

    def live(self) -> tuple[str, int]:
        status = json.loads(self.run("status", "--json").stdout)
        return status["build"], status["generation"]

    def node_status(self, i: int) -> dict:
        return json.loads(get(self.nodes[i].base, "/api/status")[2])

    def wait_nodes_on(self, version: tuple[str, int], nodes: tuple[int, ...] = (0, 1)) -> list[tuple[str, int]]:
        """Each node's (build, generation) once all serve `version`, or as they are after 5 s."""
        deadline = time.monotonic() + 5
        while True:
            seen = [(s["build"], s["generation"]) for s in map(self.node_status, nodes)]
            if all(v == version for v in seen) or time.monotonic() > deadline:
                return seen
            time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not BBC.is_dir():
        pytest.skip(f"real news data not available: {BBC} is absent")
    if not Path(NGINX).is_file() or not shutil.which("rsync"):
        pytest.skip("needs Debian's nginx and rsync (apt-get install nginx rsync)")
    c = Cluster(tmp_path_factory.mktemp("replicas"))
    for section, n in (("business", 120), ("tech", 100)):
        (c.corpus / section).mkdir(parents=True)
        for f in sorted((BBC / section).glob("*.txt"))[:n]:
            shutil.copy(f, c.corpus / section)
    built = c.run("index", "--full", "--workers", "1")
    assert built.returncode == 0, built.stderr
    published = c.run("publish", *c.dests)
    assert published.returncode == 0, published.stdout + published.stderr
    try:
        c.nodes = [start_serve(r, c.corpus, c.root / f"{r.name}.log", workers=1) for r in c.replicas]
        # /alerts/ goes to the indexing node: node a stands in for it here
        c.nginx = start_nginx_replicas(c.root / "nginx", [n.port for n in c.nodes], c.nodes[0].port)
        yield c
    finally:
        for proc in [c.nginx, *c.nodes]:
            if proc is not None:
                proc.stop()


class Load:
    """Steady searches through nginx from two threads (~8 a second in all: under the shipped per-address rate
    limit), counting every answer that is not 2xx and every connection error."""

    def __init__(self, base: tuple[str, int]) -> None:
        self.base, self.stop, self.done = base, threading.Event(), 0
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._loop, args=(seed,)) for seed in range(2)]

    def _loop(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            path = f"/api/search?q={quote(rng.choice(QUERIES))}&page={rng.randint(1, 3)}"
            try:
                status = get(self.base, path, timeout=30)[0]
                if not 200 <= status < 300:
                    self.failures.append(f"{status} {path}")
            except OSError as e:
                self.failures.append(f"{type(e).__name__} {path}")
            self.done += 1
            time.sleep(0.25)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def add_files(c: Cluster, n: int = 15) -> None:
    (c.corpus / "sport").mkdir(exist_ok=True)
    for f in sorted((BBC / "sport").glob("*.txt"))[:n]:
        shutil.copy(f, c.corpus / "sport")
    (c.corpus / "sport" / "quokka.txt").write_text(f"Ferry named {NEW_WORD} launched\n\nThe {NEW_WORD} crossed the "
                                                   "harbour for the first time on Monday.\n")


# -- the tests ---------------------------------------------------------------------------------------------------
def test_the_shipped_nginx_file_is_what_runs_only_ports_servers_and_paths_changed(cluster: Cluster) -> None:
    shipped = SHIPPED.read_text().splitlines()
    running = (cluster.root / "nginx" / "newsearch.conf").read_text().splitlines()
    changed = [line.strip() for line in running if line not in shipped]
    assert changed and all(line.split()[0] in ("listen", "server", "alias") for line in changed), changed
    assert [line for line in shipped if line not in running] == [line for line in shipped if line.strip().startswith(
        ("listen ", "server 127.0.0.1:", "alias "))]
    assert "health_check uri=/healthz" in SHIPPED.read_text()  # NGINX Plus only: shown as a comment
    assert "\n    health_check" not in render_replicas(80, [1, 2], 3)


def test_publishing_under_load_fails_no_request_and_every_node_serves_the_new_index(cluster: Cluster) -> None:
    before = cluster.live()
    assert cluster.wait_nodes_on(before) == [before, before]
    add_files(cluster)
    with Load(cluster.nginx.base) as load:
        time.sleep(1)
        run = cluster.run("index", "--json", "--workers", "1", NEWSEARCH_PUBLISH=",".join(cluster.dests))
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        after = (report["build"], report["generation"])
        assert after[0] == before[0] and after[1] > before[1] and report["added"] == 16
        assert [(p["dest"], p["status"]) for p in report["publish"]] == [(d, "ok") for d in cluster.dests]
        assert cluster.wait_nodes_on(after) == [after, after]
        for i, replica in enumerate(cluster.replicas):  # their runs.json ends with the run that published to them
            shipped = json.loads((replica / "runs.json").read_text())[-1]
            assert (shipped["build"], shipped["generation"], shipped["added"]) == (*after, 16)
            stamp = cluster.node_status(i)["published"]
            assert (stamp["build"], stamp["generation"]) == after and str(cluster.primary) in stamp["from"]
        found = json.loads(get(cluster.nginx.base, f"/api/search?q={NEW_WORD}")[2])
        assert found["total"] == 1 and NEW_WORD in found["results"][0]["headline"]

        full = cluster.run("index", "--full", "--json", "--workers", "1", NEWSEARCH_PUBLISH=",".join(cluster.dests))
        assert full.returncode == 0, full.stderr
        rebuilt = json.loads(full.stdout)
        new = (rebuilt["build"], rebuilt["generation"])
        assert new[0] != after[0] and [p["status"] for p in rebuilt["publish"]] == ["ok", "ok"]
        assert cluster.wait_nodes_on(new) == [new, new]
        time.sleep(1)
    assert load.done > 20 and load.failures == []
    for replica in cluster.replicas:  # the new release and the one before it
        assert len(list((replica / "releases").iterdir())) == 2


def test_an_incremental_publish_links_the_unchanged_segments(cluster: Cluster) -> None:
    (cluster.corpus / "sport" / "extra.txt").write_text("Extra time\n\nThe match went to extra time.\n")
    report = json.loads(cluster.run("index", "--json", "--workers", "1").stdout)
    results = json.loads(cluster.run("publish", "--json", *cluster.dests).stdout)
    release = f"{report['build']}.g{report['generation']}"
    assert [(r["status"], r["release"]) for r in results] == [("ok", release), ("ok", release)]
    live = (cluster.replicas[0] / "current").resolve()
    files = [p for p in live.rglob("*") if p.is_file()]
    assert sum(p.stat().st_nlink > 1 for p in files) > len(files) / 2  # shared with the previous release
    again = json.loads(cluster.run("publish", "--json", *cluster.dests).stdout)
    assert [(r["status"], r["files"]) for r in again] == [("current", 0), ("current", 0)]


def test_an_interrupted_publish_leaves_the_replica_on_its_last_release(cluster: Cluster) -> None:
    replica = cluster.replicas[0]
    old = cluster.node_status(0)
    built = cluster.run("index", "--full", "--workers", "1")  # not published: a new build, every file to copy
    assert built.returncode == 0, built.stderr
    proc = subprocess.Popen([sys.executable, "-m", "search", "publish", str(replica)], cwd=REPO,
                            env={**os.environ, **cluster.env, "NEWSEARCH_PUBLISH_BWLIMIT_KB": "100"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while not [p for p in replica.glob("releases/.incoming-*/**/*") if p.is_file()]:
        assert proc.poll() is None and time.monotonic() < deadline, "the slowed copy never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its rsync
    proc.wait()
    assert list(replica.glob("releases/.incoming-*"))
    status = cluster.node_status(0)
    assert (status["build"], status["generation"]) == (old["build"], old["generation"])
    found = json.loads(get(cluster.nodes[0].base, "/api/search?q=market")[2])
    assert found["total"] > 0

    done = cluster.run("publish", str(replica))
    assert done.returncode == 0, done.stderr
    assert not list(replica.glob("releases/.incoming-*"))
    assert cluster.wait_nodes_on(cluster.live(), nodes=(0,)) == [cluster.live()]


def test_a_failed_publish_is_in_the_run_report_and_the_run_is_ok(cluster: Cluster) -> None:
    down = cluster.root / "down.sh"
    down.write_text("#!/bin/sh\necho \"ssh: connect to host $1 port 22: Connection refused\" >&2\nexit 255\n")
    down.chmod(0o755)
    dests = f"node9:{cluster.root / 'nowhere'},/dev/null/replica"
    run = cluster.run("index", "--json", "--workers", "1", NEWSEARCH_PUBLISH=dests, NEWSEARCH_PUBLISH_RSH=str(down))
    assert run.returncode == 3, run.stderr
    report = json.loads(run.stdout)
    assert report["status"] == "ok" and report["error"] is None
    assert [(p["dest"], p["status"]) for p in report["publish"]] == [(d, "failed") for d in dests.split(",")]
    assert "exited with 255" in report["publish"][0]["error"] and "Connection refused" in report["publish"][0]["error"]
    assert "Not a directory" in report["publish"][1]["error"]
    recorded = json.loads((cluster.primary / "runs.json").read_text())[-1]
    assert recorded["status"] == "ok" and recorded["publish"] == report["publish"]
    shown = cluster.run("index", "--workers", "1", NEWSEARCH_PUBLISH=dests, NEWSEARCH_PUBLISH_RSH=str(down))
    assert shown.returncode == 3 and "FAILED to publish" in shown.stderr and "node9:" in shown.stderr
    status = cluster.run("status")
    assert status.returncode == 0 and "FAILED to publish to node9:" in status.stdout
    assert "a replica" not in status.stdout and json.loads(cluster.run("status", "--json").stdout)["published"] is None


def test_indexing_a_replica_is_refused(cluster: Cluster) -> None:
    replica = cluster.replicas[1]
    before = os.readlink(replica / "current")
    run = newsearch("--index", str(replica), "--corpus", str(cluster.corpus), "index")
    assert run.returncode == 1
    assert "is a replica" in run.stderr and "newsearch publish" in run.stderr
    assert os.readlink(replica / "current") == before
    shown = newsearch("--index", str(replica), "status")
    assert shown.returncode == 0 and re.search(r"^a replica: generation \d+ of build \S+ published here at \S+ from "
                                               rf"\S+:{re.escape(str(cluster.primary))}$", shown.stdout, re.M)


def test_alerts_go_to_the_indexing_node_only(cluster: Cluster) -> None:
    for _ in range(4):
        assert get(cluster.nginx.base, "/alerts/no-such-alert.atom")[0] == 404
    assert "/alerts/no-such-alert.atom" in cluster.nodes[0].log_text()
    assert "/alerts/no-such-alert.atom" not in cluster.nodes[1].log_text()
