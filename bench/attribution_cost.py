"""Cost of quote attribution by text size and shape: is `search.quotes.attribute` linear in the text?

Run from the repo root: `python bench/attribution_cost.py [--data ../shared/data] [--sizes 0.25,1,4,16]
[--shapes prose,oneline,...] [--timeout 300]`. Builds each input at run time (the prose shapes from the BBC
bodies in ../shared/data/bbc; nothing of that text is kept), writes it to a temporary file, then measures two
things in a fresh child process per case, so that one case's peak memory is not another's:
  attribute  `attribute(article)` over the articles the reader made of the file (the reader is not timed)
  parse      `search.ingest.parse_file(path)`: read, decode, split, attribute
and prints seconds per MB and the peak memory the call added (peak RSS minus the RSS before the call), as a
markdown table. Linear means s/MB stays flat as the size grows; a case over --timeout is shown as `>T`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MB = 1024 * 1024


def bbc_texts(data: Path) -> list[str]:
    """Every BBC article (headline, blank line, paragraphs), in a stable order."""
    files = sorted((data / "bbc").glob("*/*.txt"))
    if not files:
        raise SystemExit(f"no BBC articles under {data / 'bbc'}")
    return [f.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n") for f in files]


_LONG_WORD = re.compile(r"\b[A-Za-z]{6,}\b")


def _cycle(texts: list[str]) -> Iterator[str]:
    """The texts over and over; from the second pass on, long words swapped for others of the vocabulary
    (one fixed swap per pass), so that a big text holds new quotes and names, as an archive would, rather than
    repeats that the deduplication folds. Verb forms (-ed, -es, -ing) stay, so cues stay cues."""
    vocab = sorted({w.lower() for t in texts for w in _LONG_WORD.findall(t)})
    vocab = [w for w in vocab if not w.endswith(("ed", "es", "ing"))]
    for n in range(10**9):
        if n == 0:
            yield from texts
            continue
        rng = random.Random(n)
        swap = dict(zip(vocab, rng.sample(vocab, len(vocab)), strict=True))

        def sub(m: re.Match[str], swap: dict[str, str] = swap) -> str:
            w = m[0]
            new = swap.get(w.lower(), w.lower())
            return new.upper() if w.isupper() else new.capitalize() if w[0].isupper() else new

        for t in texts:
            yield _LONG_WORD.sub(sub, t)


def _fill(pieces: Iterator[str], size: int, sep: str) -> str:
    """Pieces joined by sep until the UTF-8 size reaches size bytes (then cut on a character)."""
    out: list[str] = []
    n = 0
    for piece in pieces:
        out.append(piece)
        n += len(piece.encode("utf-8")) + len(sep)
        if n >= size:
            break
    text = sep.join(out)
    return text.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def _paragraphs(texts: list[str]) -> list[str]:
    return [p.strip() for t in texts for p in t.split("\n\n") if p.strip()]


def prose(texts: list[str], size: int) -> str:
    """(a) ordinary news prose with its quotes: whole BBC articles one after another."""
    return _fill(_cycle(texts), size, "\n\n")


def oneline(texts: list[str], size: int) -> str:
    """(b) the same prose as one paragraph with no newline at all."""
    return _fill(_cycle(_paragraphs(texts)), size, " ")


def unbalanced(texts: list[str], size: int) -> str:
    """(c) prose in which every quotation mark opens (curly “ for the BBC's own, straight " added to words)."""
    rng = random.Random(3)
    paras = [
        re.sub(r"\b(?=\w)", lambda _: '"' if rng.random() < 0.08 else "", p.replace('"', "\u201c"))
        for p in _paragraphs(texts)[:3000]
    ]
    return _fill(_cycle(paras), size, "\n\n")


def cues(texts: list[str], size: int) -> str:
    """(d) cue words by the thousand, with quotations and names among them and no sentence end."""
    unit = "said " * 400 + "\u201cWe will go on with it,\u201d said " + "said " * 300 + "Anna Berg said according to "
    unit += "\u201cThe plan is late again\u201d told says said "
    return _fill(_cycle([unit]), size, "")


def capitals(texts: list[str], size: int) -> str:
    """(e) long runs of capitalised words (what name detection scans), with a quotation after each run."""
    rng = random.Random(5)
    words = sorted({w.capitalize() for t in texts[:300] for w in re.findall(r"[a-z]{3,}", t)})
    tail = " said, \u201cWe have a plan for it.\u201d"
    runs = [" ".join(rng.choice(words) for _ in range(rng.randint(2000, 6000))) + tail for _ in range(30)]
    return _fill(_cycle(runs), size, "\n\n")


def nospace(texts: list[str], size: int) -> str:
    """(f) a single line without one space: the prose with all its whitespace removed."""
    return _fill(_cycle([re.sub(r"\s+", "", t) for t in texts]), size, "")


def short_paragraphs(texts: list[str], size: int) -> str:
    """(g) many short paragraphs: every sentence of the prose a paragraph of its own."""
    sentences = [s for p in _paragraphs(texts) for s in re.split(r"(?<=[.!?])\s+", p) if s]
    return _fill(_cycle(sentences), size, "\n\n")


def jsonl(texts: list[str], size: int) -> str:
    """(h) JSON Lines of small records (~165 bytes, so 16 MB is about 100,000 records), each a sentence or two."""
    sentences = [s for p in _paragraphs(texts) for s in re.split(r"(?<=[.!?])\s+", p) if 20 < len(s) < 110]
    rng = random.Random(7)

    def records() -> Iterator[str]:
        for n in range(10**9):
            record = {"headline": f"Record {n}", "body": rng.choice(sentences), "byline": "News desk"}
            yield json.dumps(record | {"published": f"2005-03-{n % 28 + 1:02d}"})

    return _fill(records(), size, "\n").rsplit("\n", 1)[0] + "\n"  # whole records only


SHAPES: dict[str, tuple[str, Callable[[list[str], int], str]]] = {
    "prose": (".txt", prose),
    "oneline": (".txt", oneline),
    "unbalanced": (".txt", unbalanced),
    "cues": (".txt", cues),
    "capitals": (".txt", capitals),
    "nospace": (".txt", nospace),
    "paragraphs": (".txt", short_paragraphs),
    "jsonl": (".jsonl", jsonl),
}


def _rss() -> int:
    """Resident memory now, in bytes; also resets the peak (VmHWM) to it (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak() -> int:
    """Peak resident memory since the last _rss(), in bytes. (ru_maxrss would not do: after exec it keeps
    the parent's peak.)"""
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def run_case(path: str, mode: str) -> dict[str, float]:
    """In the child: time one mode on one file; peak memory is what the call added to the RSS."""
    from search import ingest as parsing
    from search import quotes, readers

    if mode == "attribute":
        articles = readers.read(path).articles
        before = _rss()
        t0 = time.perf_counter()
        n = 0
        for art in articles:
            quotes.attribute(art)
            n += len(art.quotes)
    else:
        before = _rss()
        t0 = time.perf_counter()
        result = parsing.parse_file(path)
        articles = result.articles
        n = sum(len(a.quotes) for a in articles)
    seconds = time.perf_counter() - t0
    peak = _peak()
    return {"seconds": seconds, "peak": max(0, peak - before), "quotes": n, "articles": len(articles)}


def measure(path: Path, mode: str, timeout: float) -> dict[str, float] | None:
    """One case in a fresh interpreter; None when it ran past the timeout."""
    cmd = [sys.executable, __file__, "--child", mode, str(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as e:
        raise SystemExit(f"case {mode} {path} failed:\n{e.stderr}") from None
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    """Print one row per shape and size: s/MB and peak MB for attribute() and parse_file()."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sizes", default="0.25,1,4,16", help="MB, comma-separated")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, from: " + ", ".join(SHAPES))
    ap.add_argument("--modes", default="attribute,parse")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_case(args.child[1], args.child[0])))
        return 0
    texts = bbc_texts(args.data)
    sizes = [float(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    print("| shape | MB | articles | quotes | " + " | ".join(f"{m} s/MB | {m} peak MB" for m in modes) + " |")
    print("|---|---:|---:|---:|" + "---:|---:|" * len(modes))
    with tempfile.TemporaryDirectory(prefix="attribution-cost-") as tmp:
        for shape in args.shapes.split(","):
            suffix, make = SHAPES[shape]
            for size in sizes:
                path = Path(tmp) / f"{shape}-{size}{suffix}"
                path.write_text(make(texts, int(size * MB)), encoding="utf-8")
                mb = path.stat().st_size / MB
                cells, n_art, n_q = [], "", ""
                for mode in modes:
                    m = measure(path, mode, args.timeout)
                    if m is None:
                        cells += [f">{args.timeout:.0f} s", "-"]
                        continue
                    n_art, n_q = str(m["articles"]), str(m["quotes"])
                    cells += [f"{m['seconds'] / mb:.2f}", f"{m['peak'] / MB:.0f}"]
                print(f"| {shape} | {mb:.2f} | {n_art} | {n_q} | " + " | ".join(cells) + " |", flush=True)
                path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
