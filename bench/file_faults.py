"""Per-file worst cases: what one hostile file costs a real `newsearch index` run, and what the run reports.

Each case is a corpus of the shipped sample articles plus one hostile file; the run is a fresh
`newsearch index` process with the shipped limits (NEWSEARCH_MAX_FILE_MB=64, NEWSEARCH_FILE_TIMEOUT_S=60
unless --timeout says otherwise). Recorded: wall time, the peak RSS of the largest process of the run (the
indexer, the forkserver or a reading worker: every process of the run's session, sampled every 50 ms), the
exit status, and what the report says of the hostile file.

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


def cue_flood(folder: Path) -> str:
    """16 MB of nothing but quotations and cues (attribution's most expensive text: ~25 s per MB)."""
    (folder / "cues.txt").write_text("Cue flood\n\n" + '\u201cYes,\u201d said, ' * (16 * MB // 14))
    return "cues.txt"


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
    html_bomb, big_text, one_line, cue_flood, deep_html, broken_jsonl, many_records, fifo, dev_zero, over_limit)}


def run_case(name: str, work: Path, timeout: float) -> dict:
    root = work / name
    shutil.rmtree(root, ignore_errors=True)
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    hostile = CASES[name](corpus)
    env = dict(os.environ, NEWSEARCH_CORPUS=str(corpus), NEWSEARCH_INDEX=str(root / "index"),
               NEWSEARCH_FILE_TIMEOUT_S=str(timeout))
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "search", "index", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO, start_new_session=True)
    peak = 0
    while proc.poll() is None:  # the largest resident size of any process of the run (indexer, forkserver, workers)
        peak = max(peak, _session_peak_kb(proc.pid))
        time.sleep(0.05)
    out, err = proc.communicate()
    measured = {"rc": proc.returncode, "wall": time.monotonic() - t0, "maxrss_kb": peak, "out": out, "err": err[-500:]}
    report = json.loads(measured["out"]) if measured["rc"] == 0 and measured["out"].strip() else {}
    said = [f["reason"] for f in report.get("failed", []) if f["path"] == hostile]
    indexed = bool(report) and not said
    result = {"case": name, "file": hostile, "size_mb": _size(corpus / hostile), "rc": measured["rc"],
              "wall_s": round(measured["wall"], 2), "peak_rss_mb": round(measured["maxrss_kb"] / 1024, 1),
              "outcome": said[0] if said else ("indexed" if indexed else measured["err"][-200:]),
              "articles": report.get("articles"), "total_s": round(time.monotonic() - t0, 2)}
    shutil.rmtree(root, ignore_errors=True)
    return result


def _session_peak_kb(sid: int) -> int:
    """The largest VmRSS (kB) among the live processes of a session."""
    peak = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:  # after ") state ppid pgrp session"
                continue
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            continue
    return peak


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
          f"file time limit {args.timeout:g} s; peak RSS = the largest process of the run, sampled every 50 ms")
    print("| case | file MB | wall s | peak RSS MB | exit | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for name in names:
        r = run_case(name, args.work, args.timeout)
        outcome = r["outcome"] if len(r["outcome"]) < 120 else r["outcome"][:100] + " … " + r["outcome"][-40:]
        print(f"| {r['case']} | {r['size_mb']} | {r['wall_s']} | {r['peak_rss_mb']} | {r['rc']} | {outcome} |",
              flush=True)


if __name__ == "__main__":
    main()
