"""Cost of reading one HTML page: time and peak memory of `search.readers.read` on big and hostile pages.

Run from the repo root: `python bench/html_cost.py [--mb 60] [--only paragraphs,div,...] [--work /tmp/html-cost]`.
Each page is written once as .html.gz (as crawlers deliver them), then read in a fresh subprocess that reports
its wall time and peak RSS (VmHWM: ru_maxrss would carry over the parent's peak across exec), before reading
(interpreter + imports) and after; the difference is what the page cost. Prints one markdown table. Cases:
repetitive paragraphs, one giant <div> of text, deeply nested tags (each opened and never closed), one
paragraph of short runs, smaller deep pages, and normal pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WORDS = (
    "the harbour board voted on tuesday to close the old fish market after a century of trading ending a long "
    "argument between stall holders and the town council about the cost of repairs "
).split()
HEAD = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Market report | The Courier</title>"
    "<meta property='og:title' content='Harbour board closes the old fish market'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/local'>Local</a></nav><h1>Harbour board closes the old fish market</h1>"
)

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec, VmHWM starts afresh
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from search.readers import read
def hwm():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
before = hwm()
start = time.perf_counter()
result = read(sys.argv[1])
secs = time.perf_counter() - start
peak = hwm()
art = result.articles[0] if result.articles else None
print(json.dumps({"secs": secs, "before_kb": before, "peak_kb": peak, "errors": result.errors,
                  "headline": art.headline if art else None, "words": len(art.body.split()) if art else 0}))
"""


def text_words(n_bytes: int) -> str:
    """About n_bytes of ordinary words."""
    line = " ".join(WORDS) + " "
    return line * (n_bytes // len(line) + 1)


def paragraphs(n_bytes: int) -> str:
    para = "<p>" + " ".join(WORDS) + "</p>\n"
    return HEAD + "<article>" + para * (n_bytes // len(para)) + "</article></body></html>"


def giant_div(n_bytes: int) -> str:
    return HEAD + "<div>" + text_words(n_bytes)[:n_bytes] + "</div></body></html>"


def nested(n_bytes: int) -> str:
    unit = "<div><span>market "  # opened, never closed: every unit is two levels deeper
    return HEAD + unit * (n_bytes // len(unit)) + "</body></html>"


def spans(n_bytes: int) -> str:
    unit = "<span>market</span> "  # one paragraph of millions of short text runs
    return HEAD + "<p>" + unit * (n_bytes // len(unit)) + "</p></body></html>"


def deep_article(depth: int) -> str:
    """A normal-sized article nested `depth` divs deep (broken markup from a CMS), with figure and footer."""
    body = "".join(f"<p>{' '.join(WORDS)} paragraph {i}.</p>" for i in range(12))
    return (
        HEAD + "<div>" * depth + "<figure><img src='a.jpg'><figcaption>Traders on the last morning</figcaption>"
        "</figure>" + body + "</div>" * depth + "<footer>Copyright The Courier</footer></body></html>"
    )


def normal(_: int) -> str:
    return HEAD + "<article>" + "".join(f"<p>{' '.join(WORDS)} {i}</p>" for i in range(40)) + "</article></body></html>"


def cases(mb: int) -> dict[str, tuple]:
    """Case name -> (page maker, its argument); pages are made one at a time to keep this process small."""
    big = mb * 1024 * 1024
    return {
        f"{mb} MB repetitive paragraphs": (paragraphs, big),
        f"{mb} MB one giant <div> of text": (giant_div, big),
        f"{mb} MB nested tags (never closed)": (nested, big),
        f"{mb} MB one paragraph of <span>s": (spans, big),
        "5 MB nested tags (below the big-page limit)": (nested, 5 * 1024 * 1024),
        "1 MB nested tags": (nested, 1024 * 1024),
        "article at depth 3,000": (deep_article, 3_000),
        "article at depth 10,000": (deep_article, 10_000),
        "normal page (generated, 40 paragraphs)": (normal, 0),
    }


def real_pages() -> list[Path]:
    """A few real pages, when ../shared/data is present: the largest aeb page and one fundus page."""
    aeb = sorted((DATA / "aeb" / "html").glob("*.html.gz"), key=lambda p: p.stat().st_size)
    fundus = sorted((DATA / "fundus" / "us").glob("*.html.gz"))
    return ([aeb[-1]] if aeb else []) + fundus[:1]


def measure(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(ROOT)], capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Write each case, read it in a subprocess, print one markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=60, help="size of the big cases (default 60; the file limit is 64)")
    ap.add_argument("--only", default="", help="comma-separated substrings of case names to run")
    ap.add_argument("--work", type=Path, help="folder for the generated pages (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="html-cost-"))
    work.mkdir(parents=True, exist_ok=True)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    paths: dict[str, tuple[Path, int]] = {}
    for i, (name, (make, arg)) in enumerate(cases(args.mb).items()):
        if wanted and not any(w in name for w in wanted):
            continue
        data = make(arg).encode()
        path = work / f"case{i}.html.gz"
        path.write_bytes(gzip.compress(data, compresslevel=6))
        paths[name] = (path, len(data))
        del data
    for path in real_pages():
        if not wanted or any(w in "real" for w in wanted):
            size = len(gzip.decompress(path.read_bytes()))
            paths[f"real page {path.parent.parent.name}/{path.name[:16]}"] = (path, size)
    print("| page | html | .gz | time | peak RSS | RSS for the page | x html size | result |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (path, size) in paths.items():
        r = measure(path)
        cost = max(0, r["peak_kb"] - r["before_kb"]) * 1024
        result = "; ".join(r["errors"]) or f"headline {bool(r['headline'])}, {r['words']} words"
        print(
            f"| {name} | {size / 2**20:.1f} MB | {path.stat().st_size / 1024:.0f} KB | {r['secs']:.2f} s "
            f"| {r['peak_kb'] / 1024:.0f} MB | {cost / 2**20:.0f} MB | {cost / size:.1f} | {result} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
