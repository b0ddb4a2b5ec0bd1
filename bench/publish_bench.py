"""Replicas: what a publish costs (time, files and bytes per rsync --stats) for a full build and for an
incremental generation of Reuters, and requests/s through nginx (deploy/nginx-replicas.conf) with 1 and 2
`newsearch serve` nodes on published replicas (wrk, loopback, one query mix).

    python bench/publish_bench.py [--corpus REUTERS_JSONL_FOLDER] [--work /tmp/newsearch-publish] [--duration 15]

The corpus is a folder of Reuters JSONL files (bench/corpora.py, or /work/shared/data/reuters21578/SOURCE.md);
all but the last two are indexed first, those two are the incremental run. One replica is a local path, the
other `localhost:path` through a remote shell that runs the command here (rsync's real remote protocol, no
ssh). For the wrk runs the per-address rate limit of the shipped file is raised (one client address here).
This module also templates deploy/nginx-replicas.conf for tests/test_replicas.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from corpora import reuters_jsonl  # noqa: E402
from load import run_wrk  # noqa: E402
from slow_clients import NGINX, Proc, free_port, nginx_main, start, start_serve  # noqa: E402

SHIPPED = REPO / "deploy" / "nginx-replicas.conf"
RSH = "#!/bin/sh\n# a remote shell for tests: drop the host, run the command here\nshift\nexec sh -c \"$*\"\n"
QUERIES = ["oil prices", "wheat exports", "interest rates", "\"crude oil\"", "coffee OR cocoa", "bank", "opec",
           "trade deficit", "gold", "dollar yen"]


def rsh_script(folder: Path) -> Path:
    """A publish_rsh that drops the host argument and runs the command locally."""
    path = folder / "rsh.sh"
    path.write_text(RSH)
    path.chmod(0o755)
    return path


def render_replicas(listen_port: int, node_ports: list[int], indexing_port: int,
                    static: Path = REPO / "web" / "static", rate: str | None = None) -> str:
    """deploy/nginx-replicas.conf with its address, upstream servers and static path substituted (and, for a
    benchmark from one address, its rate limit); ValueError when the shipped file no longer has what is replaced."""
    site = SHIPPED.read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in node_ports)
    subs = [("listen 80;", f"listen 127.0.0.1:{listen_port};"),
            ("    server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;\n"
             "    server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;\n", servers),
            ("server 127.0.0.1:8000 ", f"server 127.0.0.1:{indexing_port} "),
            ("alias /srv/newsearch/web/static/;", f"alias {static}/;")]
    if rate:
        subs.append(("rate=10r/s;", f"rate={rate};"))
    for old, new in subs:
        if site.count(old) != 1:
            raise ValueError(f"{SHIPPED.name} no longer has exactly one {old!r}: update render_replicas()")
        site = site.replace(old, new)
    return site


def start_nginx_replicas(prefix: Path, node_ports: list[int], indexing_port: int, rate: str | None = None) -> Proc:
    """nginx in the foreground with the rendered file inside a minimal main config (all files under prefix)."""
    port = free_port()
    conf = nginx_main(prefix, render_replicas(port, node_ports, indexing_port, rate=rate))
    cmd = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf),
           "-g", "daemon off;"]
    return start(cmd, prefix / "nginx.out", port, ready_path="/healthz", timeout=30)


# -- the measurements -------------------------------------------------------------------------------------------
def newsearch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=3600)


def publish_figures(primary: Path, dests: list[str], rsh: Path) -> list[dict]:
    out = newsearch("--index", str(primary), "publish", "--json", *dests, env={"NEWSEARCH_PUBLISH_RSH": str(rsh)})
    if out.returncode != 0:
        raise RuntimeError(out.stdout + out.stderr)
    return json.loads(out.stdout)


def index_run(primary: Path, corpus: Path, *flags: str) -> dict:
    out = newsearch("--index", str(primary), "--corpus", str(corpus), "index", "--json", *flags)
    if out.returncode != 0:
        raise RuntimeError(out.stdout + out.stderr)
    return json.loads(out.stdout)


def wrk(base: tuple[str, int], work: Path, duration: int) -> dict:
    """The query mix through base with wrk -t2 -c8 (bench/load.py's run_wrk): requests/s, latency, errors."""
    mix = [(q, "/api/search?" + urlencode({"q": q})) for q in QUERIES]
    return run_wrk(f"http://{base[0]}:{base[1]}", mix, work, duration, connections=8, threads=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None, help="Reuters JSONL files (default: bench/corpora.py's)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/newsearch-publish"))
    ap.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.corpus = args.corpus or reuters_jsonl()
    corpus, primary = args.work / "corpus", args.work / "primary"
    corpus.mkdir(parents=True)
    files = sorted(args.corpus.glob("*.jsonl"))
    for f in files[:-2]:
        shutil.copy(f, corpus)
    rsh = rsh_script(args.work)
    dests = [str(args.work / "replica-a"), f"localhost:{args.work / 'replica-b'}"]
    figures: dict = {"machine": f"{platform.node()} {os.cpu_count()} cores {platform.machine()}",
                     "date": datetime.now(UTC).isoformat(timespec="seconds"), "corpus": str(args.corpus)}
    figures["first_build"] = index_run(primary, corpus, "--full")["duration_s"]
    figures["publish_first"] = publish_figures(primary, dests, rsh)
    for f in files[-2:]:
        shutil.copy(f, corpus)
    figures["incremental_run"] = index_run(primary, corpus)["duration_s"]
    figures["publish_incremental"] = publish_figures(primary, dests, rsh)
    figures["publish_again"] = publish_figures(primary, dests, rsh)
    figures["full_run"] = index_run(primary, corpus, "--full")["duration_s"]
    figures["publish_full"] = publish_figures(primary, dests, rsh)
    figures["wrk"] = serve_figures(args.work, args.duration)
    text = json.dumps(figures, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


def serve_figures(work: Path, duration: int) -> dict:
    """wrk through nginx with one node, then two (one gunicorn worker each), and one node asked directly; with
    the answer cache on (the mix repeats, so mostly cached answers) and off (every request searches)."""
    out = {}
    for cache, env in (("cache_on", {}), ("cache_off", {"NEWSEARCH_WEB_CACHE": "0"})):
        nodes = [start_serve(work / name, work / "corpus", work / f"{name}.log", workers=1, env=env)
                 for name in ("replica-a", "replica-b")]
        try:
            out[f"{cache}_direct_1_node"] = wrk(nodes[0].base, work, duration)
            for n in (1, 2):
                proxy = start_nginx_replicas(work / f"nginx{n}", [p.port for p in nodes[:n]], nodes[0].port,
                                             rate="100000r/s")
                try:
                    out[f"{cache}_nginx_{n}_nodes"] = wrk(proxy.base, work, duration)
                finally:
                    proxy.stop()
        finally:
            for node in nodes:
                node.stop()
    return out


if __name__ == "__main__":
    main()
