"""Per-file worst cases: what one hostile file costs a real `newsearch index` run, and what the run reports.

Each case is a corpus of the shipped sample articles plus one hostile file; the run is a fresh
`newsearch index` process with the shipped limits (NEWSEARCH_MAX_FILE_MB=64, NEWSEARCH_FILE_TIMEOUT_S=60
unless --timeout says otherwise). Recorded: wall time, the peak RSS of the largest process of the run (the
indexer or one of its reading workers), the exit status, and what the report says of the hostile file.

    python bench/file_faults.py [--work /tmp/newsearch-faults] [--timeout 60] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
QUOTE = '"We will rebuild the harbour wall before winter," said Marta Quist, the harbour master, on Tuesday. '


def _prose(size: int) -> str:
    para = (QUOTE * 20) + "\n\n"
    return "Long record\n\n" + para * (size // len(para))


def html_bomb(folder: Path) -> str:
    """A small .html.gz that inflates to ~60 MB of markup (the issue's 213 KB -> 60 MB case)."""
    page = "<html><head><title>Bomb</title></head><body>" + "<div><p>harbour wall news</p></div>" * (60 * MB // 36)
    (folder / "bomb.html.gz").write_bytes(gzip.compress(page.encode(), compresslevel=9))
    return "bomb.html.gz"


def big_text(folder: Path) -> str:
    """60 MB of quote-dense prose in one .txt (attribution runs over all of it)."""
    (folder / "big.txt").write_text(_prose(60 * MB))
    return "big.txt"


def one_line(folder: Path) -> str:
    """A 60 MB text file with no spaces or newlines."""
    (folder / "line.txt").write_bytes(b"Headline\n\n" + b"x" * (60 * MB))
    return "line.txt"


def deep_html(folder: Path) -> str:
    """A page nested 100,000 elements deep."""
    depth = 100_000
    page = "<html><body><h1>Deep page</h1>" + "<div>" * depth + "<p>Deep text.</p>" + "</div>" * depth
    (folder / "deep.html").write_text(page + "</body></html>")
    return "deep.html"


def broken_jsonl(folder: Path) -> str:
    """100,000 lines, every one of them broken."""
    (folder / "broken.jsonl").write_text("{not json\n" * 100_000)
    return "broken.jsonl"


def many_records(folder: Path) -> str:
    """One JSON Lines file of 200,000 small records."""
    line = json.dumps({"headline": "Harbour wall", "body": QUOTE * 2}) + "\n"
    (folder / "records.jsonl").write_text(line * 200_000)
    return "records.jsonl"


def fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe.txt")
    return "pipe.txt"


def dev_zero(folder: Path) -> str:
    (folder / "zero.txt").symlink_to("/dev/zero")
    return "zero.txt"


def over_limit(folder: Path) -> str:
    """A 70 MB text file: over the 64 MB limit."""
    (folder / "huge.txt").write_text(_prose(70 * MB))
    return "huge.txt"


CASES: dict[str, Callable[[Path], str]] = {f.__name__: f for f in (
    html_bomb, big_text, one_line, deep_html, broken_jsonl, many_records, fifo, dev_zero, over_limit)}


def run_case(name: str, work: Path, timeout: float) -> dict:
    root = work / name
    shutil.rmtree(root, ignore_errors=True)
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    hostile = CASES[name](corpus)
    env = dict(os.environ, NEWSEARCH_CORPUS=str(corpus), NEWSEARCH_INDEX=str(root / "index"),
               NEWSEARCH_FILE_TIMEOUT_S=str(timeout))
    code = ("import resource, subprocess, sys, json, time; t = time.monotonic(); "
            "p = subprocess.run([sys.executable, '-m', 'search', 'index', '--json'], capture_output=True, text=True);"
            "r = resource.getrusage(resource.RUSAGE_CHILDREN);"
            "print(json.dumps({'rc': p.returncode, 'wall': time.monotonic() - t, 'maxrss_kb': r.ru_maxrss,"
            " 'out': p.stdout, 'err': p.stderr[-500:]}))")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=timeout * 10 + 600)
    measured = json.loads(proc.stdout)
    report = json.loads(measured["out"]) if measured["rc"] == 0 and measured["out"].strip() else {}
    said = [f["reason"] for f in report.get("failed", []) if f["path"] == hostile]
    indexed = bool(report) and not said
    result = {"case": name, "file": hostile, "size_mb": _size(corpus / hostile), "rc": measured["rc"],
              "wall_s": round(measured["wall"], 2), "peak_rss_mb": round(measured["maxrss_kb"] / 1024, 1),
              "outcome": said[0] if said else ("indexed" if indexed else measured["err"][-200:]),
              "articles": report.get("articles"), "total_s": round(time.monotonic() - t0, 2)}
    shutil.rmtree(root, ignore_errors=True)
    return result


def _size(path: Path) -> float:
    try:
        return round(path.lstat().st_size / MB, 2)
    except OSError:
        return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/newsearch-faults"))
    ap.add_argument("--timeout", type=float, default=60.0, help="NEWSEARCH_FILE_TIMEOUT_S for the runs")
    ap.add_argument("--only", default="", help="comma list of cases")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(CASES)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, "
          f"file time limit {args.timeout:g} s; peak RSS = the largest process of the run")
    print("| case | file MB | wall s | peak RSS MB | exit | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for name in names:
        r = run_case(name, args.work, args.timeout)
        print(f"| {r['case']} | {r['size_mb']} | {r['wall_s']} | {r['peak_rss_mb']} | {r['rc']} | {r['outcome']} |",
              flush=True)


if __name__ == "__main__":
    main()
