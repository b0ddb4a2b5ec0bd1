"""Slow clients: other clients' latency while N connections send their request heads one byte a second.

For each setup and each N (default 0, 2, 10, 20, 50): N "slowloris" connections each send `GET / HTTP/1.1`,
then one header byte a second, never finishing (reopened when the server closes them); after they have settled,
/healthz and a search are requested in turn, each on a new connection, for --window seconds, and their p50 and
max latency recorded. Setups, in one run and on one index:

- `newsearch serve` as shipped (web/gunicorn_conf.py);
- the old configuration, sync workers (`gunicorn -c deploy/gunicorn.conf.py --worker-class sync`);
- plain gthread with the same threads, without newsearch's request deadlines (`--worker-class gthread`);
- nginx with deploy/nginx.conf in front of `newsearch serve` (when nginx is installed).

    python bench/slow_clients.py [--work /tmp/newsearch-slow] [--workers 2] [--counts 0,2,10,20,50] [--window 8]

Reuters-21578 (../shared/data) is the corpus when present, else the shipped corpus/. Corpus and index go under
--work. The helpers (Slowloris, start_serve, start_nginx, ...) are also what tests/test_serving.py runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NGINX = os.environ.get("NEWSEARCH_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: slow.example\r\nX-Slow: "


# -- the slow clients --------------------------------------------------------------------------------------------
@dataclass
class Slowloris:
    """n connections that each send a request head one byte every `interval` seconds and never finish it;
    a connection the server closes is opened again (as an attacker would), and counted in `closed`."""

    host: str
    port: int
    n: int
    interval: float = 1.0
    closed: int = 0
    _socks: list[socket.socket] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Slowloris:
        self._socks = [s for s in (self._open() for _ in range(self.n)) if s is not None]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for s in self._socks:
            s.close()

    def open_now(self) -> int:
        """How many of the slow connections are open right now (the server has not closed them)."""
        return sum(1 for s in list(self._socks) if not _closed(s))

    def _open(self) -> socket.socket | None:
        try:
            s = socket.create_connection((self.host, self.port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\n")
            return s
        except OSError:
            return None

    def _run(self) -> None:
        sent = 0
        while not self._stop.wait(self.interval):
            # one more byte of a header that never ends: "Host: slow.example", then "X-Slow: aaaa…"
            byte = SLOW_HEAD[16 + sent:17 + sent] or b"a"
            sent += 1
            for i, s in enumerate(self._socks):
                try:
                    if _closed(s):
                        raise ConnectionResetError
                    s.sendall(byte)
                except OSError:
                    s.close()
                    self.closed += 1
                    self._socks[i] = self._open() or s


def _closed(s: socket.socket) -> bool:
    """Whether the server closed (or answered and closed) this connection."""
    if s.fileno() < 0:
        return True
    try:
        readable, _, _ = select.select([s], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)  # end of stream, or an answer (408, 400) to a head never finished: either way, refused


# -- requests as an ordinary client makes them ----------------------------------------------------------------
def get(base: tuple[str, int], path: str, headers: dict[str, str] | None = None,
        timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection: (status, headers, body)."""
    conn = http.client.HTTPConnection(*base, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def timed_get(base: tuple[str, int], path: str, timeout: float = 30.0) -> float | None:
    """Seconds to a complete 200 answer, None when it failed or took longer than timeout."""
    t0 = time.perf_counter()
    try:
        status, _, _ = get(base, path, timeout=timeout)
    except OSError:
        return None
    return time.perf_counter() - t0 if status == 200 else None


# -- servers ---------------------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    """A server process in its own session (so its workers stop with it), its log file, and where it listens."""

    popen: subprocess.Popen
    log: Path
    port: int

    @property
    def base(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def stop(self) -> None:
        """SIGTERM to the whole session, SIGKILL if it is still there after 15 s."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start(cmd: list[str], log: Path, port: int, env: dict[str, str] | None = None, cwd: Path = REPO,
          ready_path: str | None = "/healthz", timeout: float = 120.0) -> Proc:
    """Start cmd (its output to log) and wait until GET ready_path on port answers 200."""
    with log.open("w") as out:
        popen = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    proc = Proc(popen, log, port)
    deadline = time.monotonic() + timeout
    while ready_path is not None:
        if popen.poll() is not None:
            raise RuntimeError(f"{cmd[:4]} exited with {popen.returncode}:\n{proc.log_text()[-3000:]}")
        try:
            if get(proc.base, ready_path, timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"{cmd[:4]} not ready after {timeout}s:\n{proc.log_text()[-3000:]}")
        time.sleep(0.2)
    return proc


def start_serve(index: Path, corpus: Path, log: Path, workers: int = 2, cwd: Path = REPO,
                env: dict[str, str] | None = None) -> Proc:
    """`newsearch serve` on a free 127.0.0.1 port, from cwd."""
    port = free_port()
    cmd = [sys.executable, "-m", "search", "--index", str(index), "--corpus", str(corpus), "serve",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return start(cmd, log, port, env=env, cwd=cwd)


def start_gunicorn(index: Path, corpus: Path, log: Path, worker_class: str, workers: int = 2) -> Proc:
    """gunicorn by hand with deploy/gunicorn.conf.py and another worker class (the old sync setup, plain gthread)."""
    port = free_port()
    threads = ["--threads", "1"] if worker_class == "sync" else []  # gunicorn runs gthread for sync with threads > 1
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "--worker-class",
           worker_class, *threads, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "web:create_app()"]
    return start(cmd, log, port, env={"NEWSEARCH_INDEX": str(index), "NEWSEARCH_CORPUS": str(corpus)})


def nginx_config(prefix: Path, listen_port: int, upstream_port: int, static: Path = REPO / "web" / "static") -> Path:
    """deploy/nginx.conf with its address, upstream and static path substituted, inside a minimal main config
    (pid, logs and temporary files under prefix); returns the main config's path."""
    site = (REPO / "deploy" / "nginx.conf").read_text()
    for old, new in (("listen 80;", f"listen 127.0.0.1:{listen_port};"),
                     ("server 127.0.0.1:8000 ", f"server 127.0.0.1:{upstream_port} "),
                     ("alias /srv/newsearch/web/static/;", f"alias {static}/;")):
        if site.count(old) != 1:
            raise ValueError(f"deploy/nginx.conf no longer has exactly one {old!r}: update nginx_config()")
        site = site.replace(old, new)
    return nginx_main(prefix, site)


def nginx_main(prefix: Path, site: str) -> Path:
    """An http-context file `site` (as deploy/ ships them, rendered) inside a minimal main config, with pid, logs
    and temporary files under prefix; returns the main config's path."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "newsearch.conf").write_text(site)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    temp = " ".join(f"{name}_temp_path {prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                     "scgi"))
    main = f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
    {temp}
    include {prefix / "newsearch.conf"};
}}
"""
    (prefix / "nginx.conf").write_text(main)
    return prefix / "nginx.conf"


def start_nginx(prefix: Path, upstream_port: int) -> Proc:
    """nginx in the foreground (no daemon) with deploy/nginx.conf, on a free port in front of upstream_port."""
    port = free_port()
    conf = nginx_config(prefix, port, upstream_port)
    cmd = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), "-g", "daemon off;"]
    return start(cmd, prefix / "nginx.out", port, ready_path="/healthz", timeout=30)


# -- the measurement -----------------------------------------------------------------------------------------------
def measure(base: tuple[str, int], n: int, window: float, search: str, settle: float = 2.0,
            probe_timeout: float = 30.0) -> dict:
    """Latency of /healthz and a search (p50, max, failures) while n slow connections are held open; the search
    asks for a different page each time, so that the answer cache does not answer it."""
    times: dict[str, list[float]] = {"healthz": [], "search": []}
    failed = {"healthz": 0, "search": 0}
    with Slowloris(base[0], base[1], n) as slow:
        time.sleep(settle)
        end = time.monotonic() + window
        page = 0
        while time.monotonic() < end:
            page += 1
            for name, path in (("healthz", "/healthz"), ("search", f"{search}&page={page}")):
                took = timed_get(base, path, timeout=probe_timeout)
                if took is None:
                    failed[name] += 1
                    times[name].append(probe_timeout)
                else:
                    times[name].append(took)
            time.sleep(0.25)  # ~5 requests a second: under nginx's per-address rate limit
        closed = slow.closed
    out = {"n": n, "closed_by_server": closed}
    for name, values in times.items():
        out[name] = {"p50_ms": round(statistics.median(values) * 1000, 1), "max_ms": round(max(values) * 1000, 1),
                     "count": len(values), "failed": failed[name]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/newsearch-slow"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--counts", default="0,2,10,20,50")
    ap.add_argument("--window", type=float, default=8.0, help="seconds of probing per count")
    ap.add_argument("--setups", default="serve,sync,gthread,nginx")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    corpus, index = _site(args.work)
    counts = [int(c) for c in args.counts.split(",")]
    search = "/api/search?q=oil+prices&page_size=10"  # (a new page each time: see measure())
    rows: list[tuple[str, dict]] = []
    for setup in args.setups.split(","):
        if setup == "nginx" and not Path(NGINX).is_file():
            print(f"nginx: skipped, no nginx at {NGINX}", file=sys.stderr)
            continue
        procs = _setup(setup, args.work, index, corpus, args.workers)
        try:
            timed_get(procs[-1].base, search + "&page=1")  # warm the searchers
            for n in counts:
                result = measure(procs[-1].base, n, args.window, search)
                rows.append((setup, result))
                print(f"{setup:8} {_row(result)}", file=sys.stderr, flush=True)
        finally:
            for p in reversed(procs):
                p.stop()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}"
    print(f"\nslow clients ({machine}; {args.workers} workers; index of {_count(index)} articles; "
          f"{args.window:.0f} s of probes per row)\n")
    print("| setup | slow connections | /healthz p50 / max | search p50 / max | failed or over 30 s "
          "| slow ones closed by the server (and reopened) |")
    print("|---|---:|---:|---:|---:|---:|")
    for setup, r in rows:
        print(f"| {LABELS[setup]} | {_row(r, table=True)} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))


LABELS = {"serve": "`newsearch serve` (gthread + deadlines)", "sync": "old: sync workers",
          "gthread": "plain gthread, 64 threads", "nginx": "nginx → `newsearch serve`"}


def _row(r: dict, table: bool = False) -> str:
    h, s = r["healthz"], r["search"]
    cells = [str(r["n"]), f"{h['p50_ms']:.0f} / {h['max_ms']:.0f} ms", f"{s['p50_ms']:.0f} / {s['max_ms']:.0f} ms",
             f"{h['failed'] + s['failed']} of {h['count'] + s['count']}", str(r["closed_by_server"])]
    return " | ".join(cells) if table else "  ".join(cells)


def _setup(setup: str, work: Path, index: Path, corpus: Path, workers: int) -> list[Proc]:
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if setup == "sync":
        return [start_gunicorn(index, corpus, logs / "sync.log", "sync", workers)]
    if setup == "gthread":
        return [start_gunicorn(index, corpus, logs / "gthread.log", "gthread", workers)]
    serve = start_serve(index, corpus, logs / f"{setup}.log", workers)
    if setup == "serve":
        return [serve]
    try:
        return [serve, start_nginx(work / "nginx", serve.port)]
    except Exception:
        serve.stop()
        raise


def _site(work: Path) -> tuple[Path, Path]:
    """The corpus (Reuters-21578 when ../shared/data has it, else corpus/) and its index, built once."""
    from search.config import Settings
    from search.index.indexer import Indexer
    from search.index.store import IndexStore

    sys.path.insert(0, str(REPO / "bench"))
    from corpora import DATA, reuters_jsonl

    corpus = reuters_jsonl(work) if (DATA / "reuters21578").is_dir() else REPO / "corpus"
    index = work / ("index" if corpus != REPO / "corpus" else "index-sample")
    if IndexStore(index).current() is None:
        Indexer(Settings.from_env(corpus=corpus, index=index)).run(full=True)
    return corpus, index


def _count(index: Path) -> str:
    from search.config import Settings
    from search.engine.engine import Engine

    return f"{Engine(Settings.from_env(index=index)).count():,}"


if __name__ == "__main__":
    main()
