"""Parse cost of the ways the HTML reader can read a page: lxml's tree, BeautifulSoup (full and strained), the
soup replayed into an lxml tree (html_soup.py, the deep-page path) and the streaming pass (html_stream.py).

Run from the repo root: `python bench/html_parsers.py [--data ../shared/data] [--repeat 3]`.
Real pages: the aeb and fundus HTML in ../shared/data (all of them, decoded once before timing). Deep pages:
a generated article nested 3,000 and 10,000 <div>s deep. Each figure is the best of --repeat runs, in ms, and
the ratio to lxml's parse of the same pages in the same run (the machine is shared: compare ratios).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import lxml.html  # noqa: E402
from bs4 import BeautifulSoup, SoupStrainer  # noqa: E402
from html_cost import deep_article  # noqa: E402

from search.readers.html_soup import soup_tree  # noqa: E402
from search.readers.html_stream import stream_read  # noqa: E402
from search.readers.loading import decode  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
# what a strained soup would keep: the elements the metadata and the paragraph body read
STRAINER = SoupStrainer(["title", "meta", "link", "script", "h1", "time", "figure", "figcaption", "blockquote", "p"])


def lxml_tree(text: str) -> object:
    parser = lxml.html.HTMLParser(huge_tree=True, collect_ids=False, remove_comments=True, remove_pis=True)
    return lxml.html.document_fromstring(text, parser=parser)


WAYS: dict[str, Callable[[str], object]] = {
    "lxml tree (the main path)": lxml_tree,
    "BeautifulSoup, lxml builder": lambda t: BeautifulSoup(t, "lxml"),
    "BeautifulSoup, strained": lambda t: BeautifulSoup(t, "lxml", parse_only=STRAINER),
    "soup replayed into lxml (deep pages)": soup_tree,
    "streaming pass (big pages)": stream_read,
}


def best_ms(fn: Callable[[str], object], pages: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for text in pages:
            fn(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main(argv: list[str] | None = None) -> int:
    """Print one markdown table: ms per page set, and the ratio to lxml."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sets: dict[str, list[str]] = {}
    for name, pattern in (("aeb", "aeb/html/*.html.gz"), ("fundus", "fundus/*/*.html.gz")):
        files = sorted(args.data.glob(pattern))
        if files:
            sets[f"{name}: {len(files)} real pages"] = [decode(gzip.decompress(f.read_bytes())) for f in files]
    for depth in (3_000, 10_000):
        sets[f"article at depth {depth:,}"] = [deep_article(depth)]
    print("| pages | " + " | ".join(WAYS) + " |")
    print("|---|" + "---|" * len(WAYS))
    for label, pages in sets.items():
        deep = label.startswith("article")
        cells, base = [], 1.0
        for way, fn in WAYS.items():
            ms = best_ms(fn, pages, args.repeat)
            if way.startswith("lxml"):
                base = ms
                # libxml2 stops building at depth 2,048: what lies deeper is lost
                cells.append(f"{ms:.1f} ms" + (", structure lost" if deep else ""))
            else:
                cells.append(f"{ms:.1f} ms ({ms / base:.1f}x)")
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
