"""Freshness while serving: `newsearch serve` under a steady query load while reindex jobs add, change and
delete articles (and one full rebuild runs).

Reports the error count (target 0), latency idle vs. during reindexing, and the time from a job's commit
to the first search that sees its change (target <= 2 s). Loopback only; bounded in time.

    python bench/freshness.py [--work /tmp/newsearch-bench] [--rounds 10] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import DEFAULT_WORK, reuters_jsonl  # noqa: E402

from search.index.store import IndexStore  # noqa: E402

QUERIES = ["oil", "coffee prices", "interest rates", '"trade deficit"', "bank -japan", "wheat OR corn",
           "headline:gold", "shares", "dollar", "company said"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Load:
    """Threads issuing searches back to back; every request's start time, latency and outcome is kept."""

    def __init__(self, base: str, threads: int) -> None:
        self.base, self.threads = base, threads
        self.samples: list[tuple[float, float, bool]] = []  # (start, seconds, ok)
        self.errors: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        rng = random.Random(7)

        def worker() -> None:
            while not self.stop.is_set():
                q = rng.choice(QUERIES)
                t0 = time.monotonic()
                try:
                    status, _ = get(f"{self.base}/api/search?q={urllib.parse.quote(q)}")
                    ok = status == 200
                    if not ok:
                        self.errors.append(f"HTTP {status} for {q!r}")
                except OSError as e:
                    ok = False
                    self.errors.append(f"{type(e).__name__}: {e}")
                with self._lock:
                    self.samples.append((t0, time.monotonic() - t0, ok))

        self.workers = [threading.Thread(target=worker, daemon=True) for _ in range(self.threads)]
        for w in self.workers:
            w.start()

    def finish(self) -> None:
        self.stop.set()
        for w in self.workers:
            w.join(timeout=30)

    def latencies(self, windows: list[tuple[float, float]], inside: bool) -> list[float]:
        def within(t: float) -> bool:
            return any(a <= t <= b for a, b in windows)

        return [s for t, s, _ in self.samples if within(t) == inside]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def wait_visible(base: str, q: str, want: bool, since: float, timeout: float = 30.0) -> float:
    """Seconds from `since` (a commit) until a search for q finds something (want=True) or nothing."""
    while time.monotonic() - since < timeout:
        status, body = get(f"{base}/api/search?q={urllib.parse.quote(q)}")
        if status == 200 and (json.loads(body)["total"] > 0) == want:
            return time.monotonic() - since
        time.sleep(0.005)
    return float("inf")


NEWSEARCH = [sys.executable, "-m", "search"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK)
    ap.add_argument("--rounds", type=int, default=10, help="reindex jobs of each kind (add, change, delete)")
    ap.add_argument("--threads", type=int, default=4, help="concurrent searching clients")
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of load with no reindexing")
    return ap.parse_args(argv)


def index_copy(root: Path, work: Path) -> tuple[Path, dict[str, str]]:
    """A fresh copy of the Reuters JSONL corpus under root, indexed; (corpus folder, environment for newsearch)."""
    shutil.rmtree(root, ignore_errors=True)
    corpus = root / "corpus"
    shutil.copytree(reuters_jsonl(work), corpus)
    env = dict(os.environ, NEWSEARCH_CORPUS=str(corpus), NEWSEARCH_INDEX=str(root / "index"))
    subprocess.run([*NEWSEARCH, "index"], env=env, check=True, capture_output=True)
    return corpus, env


def wait_healthy(base: str, seconds: float = 120) -> None:
    """Return once GET /healthz answers 200; exit when it has not within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if get(f"{base}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("server did not come up")
        time.sleep(0.2)


class Jobs:
    """Runs `newsearch index` jobs one at a time, keeping each one's duration and (start, end) window."""

    def __init__(self, index: Path, env: dict[str, str]) -> None:
        self.store, self.env = IndexStore(index), env
        self.windows: list[tuple[float, float]] = []
        self.seconds: list[float] = []

    def generation(self) -> tuple[str, int]:
        """(current build, its latest Whoosh generation): it changes with every commit and every swap."""
        build = self.store.current()
        return str(build), self.store.open().latest_generation()

    def run(self, *extra: str) -> float:
        """Run one index job; return the moment its commit became visible on disk (polled every 2 ms)."""
        before = self.generation()
        committed: list[float] = []

        def watch() -> None:
            while not committed and time.monotonic() - t0 < 600:
                try:
                    if self.generation() != before:
                        committed.append(time.monotonic())
                        return
                except Exception:  # noqa: BLE001 - mid-swap: look again
                    pass
                time.sleep(0.002)

        t0 = time.monotonic()
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        out = subprocess.run([*NEWSEARCH, "index", "--wait", "60", *extra], env=self.env, capture_output=True)
        self.seconds.append(time.monotonic() - t0)
        self.windows.append((t0, time.monotonic()))
        watcher.join(timeout=5)
        if out.returncode != 0:
            raise SystemExit(f"index job failed: {out.stderr.decode()}")
        return committed[0] if committed else time.monotonic()


def reindex_rounds(jobs: Jobs, base: str, corpus: Path, rounds: int) -> dict[str, list[float]]:
    """Add, change and delete one article per round, each its own job; kind -> seconds from commit to visible."""
    seen: dict[str, list[float]] = {"add": [], "change": [], "delete": []}
    for k in range(rounds):
        token = f"freshzq{k}x"
        f = corpus / f"fresh-{k}.txt"
        f.write_text(f"Fresh article {k}\n\nThe word {token} appears in nothing else.\n")
        seen["add"].append(wait_visible(base, token, True, jobs.run()))
        f.write_text(f"Fresh article {k}\n\nNow it says changed{token} instead.\n")
        seen["change"].append(wait_visible(base, f"changed{token}", True, jobs.run()))
        f.unlink()
        seen["delete"].append(wait_visible(base, f"changed{token}", False, jobs.run()))
    return seen


def report(args: argparse.Namespace, corpus: Path, load: Load, jobs: Jobs, seen: dict[str, list[float]],
           full_seconds: float) -> None:
    """Print the markdown table: requests, errors, latency idle and during reindexing, commit -> visible."""
    ok = sum(1 for *_, good in load.samples if good)
    idle = load.latencies(jobs.windows, inside=False)
    busy = load.latencies(jobs.windows, inside=True)
    fresh = seen["add"] + seen["change"] + seen["delete"]
    print(f"# Freshness while serving ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    print(f"`newsearch serve --workers 2` on {sum(1 for _ in corpus.glob('*.jsonl'))} Reuters-21578 JSONL files "
          f"(20,841 articles); {args.threads} clients searching back to back over loopback; "
          f"{args.rounds} rounds of add / change / delete, each its own `newsearch index` job, then one "
          f"`newsearch index --full` ({full_seconds:.1f} s) under the same load.\n")
    print("| measure | result | target |\n|---|---:|---:|")
    print(f"| requests | {len(load.samples)} ({ok} ok) | |")
    print(f"| errors | {len(load.errors)} | 0 |")
    print(f"| latency idle p50 / p99 | {pct(idle, 50):.1f} / {pct(idle, 99):.1f} ms | |")
    print(f"| latency during reindex p50 / p99 | {pct(busy, 50):.1f} / {pct(busy, 99):.1f} ms | |")
    print(f"| incremental job duration median | {statistics.median(jobs.seconds[:-1]):.2f} s | |")
    for kind, values in seen.items():
        print(f"| commit -> first search that sees it ({kind}) median / max | "
              f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f} ms | <= 2 s |")
    print(f"| commit -> visible, all {len(fresh)} changes, max | {max(fresh) * 1000:.0f} ms | <= 2 s |")
    if load.errors:
        print("\nErrors: " + "; ".join(sorted(set(load.errors))[:10]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.work / "freshness"
    corpus, env = index_copy(root, args.work)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*NEWSEARCH, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(base)
        load = Load(base, args.threads)
        load.run()
        time.sleep(args.idle)
        jobs = Jobs(root / "index", env)
        seen = reindex_rounds(jobs, base, corpus, args.rounds)
        t_full = time.monotonic()
        jobs.run("--full")
        full_seconds = time.monotonic() - t_full
        time.sleep(2)
        load.finish()
        report(args, corpus, load, jobs, seen, full_seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
