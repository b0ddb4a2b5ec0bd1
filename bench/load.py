"""Load benchmark: `newsearch serve` (gunicorn, 2 workers) on the Reuters-21578 index, driven by wrk on loopback.

wrk cycles through a fixed mix of URLs (plain words, phrases, filters, sorts, the JSON API, the HTML page,
suggestions, article pages, a feed) for 30 s; its Lua `done` hook prints requests/s, latency percentiles and
errors (non-2xx responses plus socket errors) as JSON. The result goes to bench/RESULTS-load.md as a markdown
table with the machine and the date. Targets: >= 300 requests/s, p99 <= 100 ms, 0 errors.

    python bench/load.py [--work /tmp/newsearch-load] [--duration 30] [--connections 4] [--workers 2]
    python bench/load.py --no-cache --append   # the engine cost: every request computed afresh

Needs wrk (`apt-get install -y wrk`) and ../shared/data/reuters21578. Corpus and index go under --work.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "reuters21578"
RESULTS = REPO / "bench" / "RESULTS-load.md"
TARGETS = {"rps": 300.0, "p99_ms": 100.0, "errors": 0}

# The mix: (what, path). Every URL is requested in turn, the same number of times.
SEARCHES = [
    ("word", {"q": "oil"}), ("word", {"q": "coffee"}), ("two words", {"q": "interest rates"}),
    ("two words", {"q": "trade deficit"}), ("three words", {"q": "crude oil prices"}),
    ("phrase", {"q": '"bank of japan"'}), ("phrase", {"q": '"money supply"'}), ("OR", {"q": "wheat OR corn"}),
    ("NOT", {"q": "gold -silver"}), ("field", {"q": "headline:dollar"}), ("prefix", {"q": "acqui*"}),
    ("section filter", {"q": "profit", "section": "earn"}),
    ("two sections", {"q": "shares", "section": ["acq", "earn"]}),
    ("date range", {"q": "opec", "from": "1987-03-01", "to": "1987-03-31"}),
    ("newest", {"q": "tokyo", "sort": "newest"}), ("oldest page 2", {"q": "bank", "sort": "oldest", "page": "2"}),
]
EXTRA = [("suggest", "/api/suggest?q=petro"), ("status", "/api/status")]


def reuters_corpus(work: Path) -> Path:
    """Reuters-21578 as JSONL files under work: via bench/corpora.py when present, else a minimal converter."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from corpora import reuters_jsonl
    except ImportError:
        return _convert(work / "reuters")
    return reuters_jsonl(work)


def _convert(out: Path) -> Path:
    """Fallback converter: TITLE -> headline, BODY -> body, DATE -> published, first TOPICS/D -> section."""
    if (out / ".done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    tag = {n: re.compile(rf"<{n}[^>]*>(.*?)</{n}>", re.S) for n in ("DATE", "TOPICS", "TITLE", "BODY")}
    for src in sorted(DATA.glob("reut2-*.sgm.gz")):
        rows = []
        for rec in re.findall(r"<REUTERS[^>]*>(.*?)</REUTERS>", gzip.decompress(src.read_bytes()).decode("latin-1"),
                              re.S):
            part = {n: html.unescape((p.search(rec) or [None, ""])[1]) for n, p in tag.items()}
            title, body = " ".join(part["TITLE"].split()), re.sub(r"\s*Reuter\s*\x03?\s*$", "", part["BODY"]).strip()
            if not title and not body:
                continue
            when = datetime.strptime(part["DATE"].strip()[:20], "%d-%b-%Y %H:%M:%S").isoformat()
            topics = re.findall(r"<D>(.*?)</D>", part["TOPICS"])
            rows.append({"headline": title, "body": body, "published": when, "section": topics[0] if topics else None})
        (out / src.name.replace(".sgm.gz", ".jsonl")).write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (out / ".done").write_text("done")
    return out


def start_server(work: Path, corpus: Path, port: int, workers: int, cache: bool) -> subprocess.Popen:
    """`newsearch serve` as a user starts it (building the index on the first start); returns once healthy."""
    log = (work / "serve.log").open("w")
    env = {**os.environ, "NEWSEARCH_WEB_CACHE": "1024" if cache else "0"}
    cmd = [sys.executable, "-m", "search", "--index", str(work / "index"), "--corpus", str(corpus), "serve",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"newsearch serve exited with {proc.returncode}; see {work / 'serve.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                print("serving:", json.load(r), file=sys.stderr)
                return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    sys.exit("newsearch serve did not become healthy")


def stop(proc: subprocess.Popen) -> None:
    """Stop the gunicorn master and its workers (the process group this script started)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def url_mix(base: str) -> list[tuple[str, str]]:
    """The URLs wrk cycles through: each search as JSON API and as HTML page, plus articles, a feed, suggestions."""
    mix: list[tuple[str, str]] = []
    for what, params in SEARCHES:
        query = urlencode(params, doseq=True)
        mix.append((f"api: {what}", f"/api/search?{query}"))
        mix.append((f"page: {what}", f"/search?{query}"))
    with urllib.request.urlopen(f"{base}/api/search?q=oil&page_size=3") as r:
        ids = [h["id"] for h in json.load(r)["results"]]
    mix += [("article page", f"/articles/{i}") for i in ids[:2]] + [("article api", f"/api/articles/{ids[2]}")]
    mix += [("feed", "/search.atom?q=oil"), *EXTRA]
    for _, path in mix:  # every URL answers 200 before the clock starts
        with urllib.request.urlopen(base + path) as r:
            assert r.status == 200, path
    return mix


LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write("RESULT " .. string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"non2xx": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout) .. "\\n")
end
"""


def run_wrk(base: str, mix: list[tuple[str, str]], work: Path, duration: int, connections: int, threads: int,
            warmup: int = 0) -> dict:
    """wrk on the mix (after `warmup` seconds of the same, not counted); the numbers its done() hook printed."""
    script = work / "mix.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for _, p in mix))
    if warmup:
        subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{warmup}s", "-s", str(script), base], check=True,
                       capture_output=True)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "-s", str(script),
           base]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    (work / "wrk.txt").write_text(out)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return r


def machine() -> str:
    """CPU model, cores, memory, OS and Python."""
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "unknown CPU")
    mem = next((int(ln.split()[1]) // 1024 // 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    return (f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def report(r: dict, args: argparse.Namespace, articles: int, mix: list[tuple[str, str]]) -> str:
    """The markdown report: the table, the setup, the mix."""
    ok = {"rps": r["rps"] >= TARGETS["rps"], "p99": r["p99_us"] / 1000 <= TARGETS["p99_ms"],
          "errors": r["errors"] <= TARGETS["errors"]}
    mark = {True: "met", False: "**missed**"}
    rows = [
        "| measure | result | target | |", "|---|---:|---:|---|",
        f"| requests/s | {r['rps']:.0f} | >= {TARGETS['rps']:.0f} | {mark[ok['rps']]} |",
        f"| latency p50 | {r['p50_us'] / 1000:.1f} ms | | |",
        f"| latency p90 | {r['p90_us'] / 1000:.1f} ms | | |",
        f"| latency p99 | {r['p99_us'] / 1000:.1f} ms | <= {TARGETS['p99_ms']:.0f} ms | {mark[ok['p99']]} |",
        f"| latency max | {r['max_us'] / 1000:.1f} ms | | |",
        f"| errors (non-2xx + socket) | {r['errors']} ({r['non2xx']} non-2xx, {r['connect']} connect, {r['read']} "
        f"read, {r['write']} write, {r['timeout']} timeout) | {TARGETS['errors']} | {mark[ok['errors']]} |",
        f"| requests in {args.duration} s | {r['requests']} | | |",
    ]
    cache = "answer cache OFF (NEWSEARCH_WEB_CACHE=0)" if args.no_cache else "answer cache on (the default)"
    setup = (f"`newsearch serve --workers {args.workers}` (gunicorn sync workers, deploy/gunicorn.conf.py, access log "
             f"on, {cache}) on {articles:,} Reuters-21578 articles; `wrk -t{args.threads} -c{args.connections} "
             f"-d{args.duration}s` on loopback, same machine, cycling through {len(mix)} URLs, after "
             f"{args.warmup} s of warm-up; load average before: {args.load:.1f} (other jobs share the machine).")
    mix_md = "\n".join(f"- {what}: `{path}`" for what, path in mix)
    return (f"## {'Engine cost: cache off' if args.no_cache else 'As served: cache on'}\n\n"
            f"Run `python bench/load.py` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC).\n\n"
            f"Machine: {machine()}.\n\n{setup}\n\n" + "\n".join(rows) +
            f"\n\nThe mix (one request each, in turn):\n\n{mix_md}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsearch-load"))
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5, help="Seconds of the same load before measuring.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--append", action="store_true", help="Add to the results file instead of replacing it.")
    parser.add_argument("--no-cache", action="store_true", help="Turn off the web workers' answer cache.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if not DATA.is_dir():
        sys.exit(f"Reuters-21578 not available: {DATA} is absent")
    args.work.mkdir(parents=True, exist_ok=True)
    args.load = os.getloadavg()[0]
    corpus = reuters_corpus(args.work)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.work, corpus, port, args.workers, cache=not args.no_cache)
    try:
        with urllib.request.urlopen(base + "/api/status") as resp:
            articles = json.load(resp)["articles"]
        mix = url_mix(base)
        result = run_wrk(base, mix, args.work, args.duration, args.connections, args.threads, args.warmup)
    finally:
        stop(proc)
    text = report(result, args, articles, mix)
    title = "# Load benchmark: the web front end under wrk\n\n"
    old = args.out.read_text(encoding="utf-8") if args.append and args.out.exists() else title
    args.out.write_text(old + text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
