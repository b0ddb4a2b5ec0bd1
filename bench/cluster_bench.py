"""Ingest throughput on a Dask cluster (`newsearch index --cluster`) against local reading processes, in one run.

Corpora: the aeb HTML pages (181 .html.gz), Reuters-21578 as 22 JSONL files (bench/corpora.py), and tiny files
(300 one-paragraph .txt) for the per-file cost of sending work to Dask. Configurations: local reading with 1 and
2 processes (`Indexer(workers=n)`), and a real `dask scheduler` with 1 and 2 `dask worker`s (one thread each,
DASK_DISTRIBUTED__WORKER__DAEMON=False) on 127.0.0.1. Each figure is a full build (`Indexer.run(full=True)`,
reading and writing) in this process, the best of --repeat after one warm-up run that is not counted (the first
cluster run starts each worker's reading processes). Everything shares this machine's cores: the indexing node
(walk, reads, writing), the scheduler and the workers.

    python bench/cluster_bench.py [--work /tmp/newsearch-bench] [--repeat 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpora import DATA, DEFAULT_WORK, reuters_jsonl  # noqa: E402
from bench.slow_clients import free_port  # noqa: E402
from search import Indexer, Settings  # noqa: E402

DASK = Path(sys.executable).with_name("dask")
TINY = 300


@contextlib.contextmanager
def dask_cluster(workers: int, daemon: bool = False) -> Iterator[tuple[str, subprocess.Popen]]:
    """A `dask scheduler` and `workers` one-thread `dask worker`s on 127.0.0.1 (daemonic ones if `daemon`) until
    the block ends: (the scheduler's address, its process). tests/test_cluster.py uses it too."""
    import distributed

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    opts = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True,
            "env": dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON=str(daemon))}
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              **opts)]
    try:
        procs += [subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"], **opts)
                  for _ in range(workers)]
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, procs[0]
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def corpora(work: Path) -> dict[str, Path]:
    aeb = work / "cluster-aeb"
    if not aeb.is_dir():
        aeb.mkdir(parents=True)
        for f in sorted((DATA / "aeb" / "html").glob("*.html.gz")):
            shutil.copy(f, aeb / f.name)
    tiny = work / "cluster-tiny"
    if not tiny.is_dir():
        tiny.mkdir(parents=True)
        for i in range(TINY):
            (tiny / f"{i:04d}.txt").write_text(f"Item {i}\n\nThe council met on Tuesday and agreed item {i}.\n")
    return {"aeb": aeb, "reuters": reuters_jsonl(work), "tiny": tiny}


def build(corpus: Path, index: Path, repeat: int, workers: int = 1, cluster: str = "") -> tuple[float, int, int]:
    """(best wall seconds, files, articles) of full builds, after one warm-up build."""
    settings = Settings.from_env(corpus=corpus, index=index, cluster=cluster)
    best = float("inf")
    for i in range(repeat + 1):
        shutil.rmtree(index, ignore_errors=True)
        t0 = time.perf_counter()
        report = Indexer(settings, workers=workers).run(full=True)
        took = time.perf_counter() - t0
        if i:
            best = min(best, took)
    files = report.added + report.failed_count
    return best, files, report.articles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    found = corpora(args.work)
    index = args.work / "cluster-index"
    rows: dict[tuple[str, str], tuple[float, int, int]] = {}
    for n in (1, 2):
        for name, corpus in found.items():
            rows[(name, f"local, {n} process{'es' if n > 1 else ''}")] = build(corpus, index, args.repeat, workers=n)
    for n in (1, 2):
        with dask_cluster(n) as (address, _scheduler):
            for name, corpus in found.items():
                rows[(name, f"cluster, {n} worker{'s' if n > 1 else ''}")] = build(corpus, index, args.repeat,
                                                                                 cluster=address)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; best of {args.repeat} after a warm-up")
    print("| corpus | reading | files | articles | wall s | files/s | articles/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, how), (took, files, articles) in rows.items():
        print(f"| {name} | {how} | {files} | {articles} | {took:.2f} | {files / took:.1f} | {articles / took:.1f} |")
    for n in (1, 2):
        local = rows[("tiny", f"local, {n} process{'es' if n > 1 else ''}")]
        remote = rows[("tiny", f"cluster, {n} worker{'s' if n > 1 else ''}")]
        there, here = remote[0] / remote[1] * 1000, local[0] / local[1] * 1000
        print(f"per-file overhead, tiny files, {n} reader(s): cluster {there:.2f} ms/file - local {here:.2f} ms/file "
              f"= {there - here:.2f} ms")


if __name__ == "__main__":
    main()
