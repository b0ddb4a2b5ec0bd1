"""Benchmark corpora: convert the shared research data sets to files newsearch reads, and generate a synthetic one.

Everything is written under a work directory (default /tmp/newsearch-bench), never into the repository:
the data sets are licensed for research use only.

- `reuters_jsonl(work)`: Reuters-21578 SGML (.sgm.gz) -> one JSONL file per SGML file (22 files, 20,841
  records with a TITLE or BODY). DATE -> ISO 8601, the first TOPICS <D> -> section, the trailing "Reuter"
  sign-off and the \\x03 end mark stripped, paragraphs (indented lines) joined by blank lines.
- `synthetic_jsonl(work, n)`: n synthetic articles, each a real headline (BBC or Reuters) and 2-6 paragraphs
  sampled from several different real bodies, a date drawn uniformly from 1987-2025 and a section drawn from
  the real ones; seeded RNG, so the same n gives the same files; 2,000 records per JSONL file.
- `time_docs(work)`: the TIME collection as one .txt file per document named <text_id>.txt.
- `iter_records(folder)`: (headline, body, section, published) for every article of a corpus folder, read
  the simple way (used for query vocabulary and by the naive baseline's own reader).

Run `python bench/corpora.py reuters|120000|1000000|time [--work DIR]` to prepare one by hand.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_WORK = Path("/tmp/newsearch-bench")
PER_FILE = 2000
SEED = 20251125

_RECORD = re.compile(r"<REUTERS[^>]*>(.*?)</REUTERS>", re.S)
_TAG = {name: re.compile(rf"<{name}[^>]*>(.*?)</{name}>", re.S) for name in ("DATE", "TOPICS", "TITLE", "BODY")}
_D = re.compile(r"<D>(.*?)</D>", re.S)
_SIGNOFF = re.compile(r"\s*\bReut(?:er|e)s?\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}


# -- Reuters-21578 ----------------------------------------------------------------------------------
def _clean(text: str) -> str:
    return _CONTROL.sub("", html.unescape(text))


def _reuters_date(raw: str) -> str | None:
    m = re.match(r"\s*(\d{1,2})-([A-Z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})", raw)
    if not m or m.group(2) not in _MONTHS:
        return None
    d, mon, y, hh, mm, ss = m.groups()
    try:
        return datetime(int(y), _MONTHS[mon], int(d), int(hh), int(mm), int(ss)).isoformat()
    except ValueError:
        return None


def _reuters_body(raw: str) -> str:
    text = _SIGNOFF.sub("", _clean(raw).rstrip())
    # A paragraph starts on an indented line; the other lines are hard-wrapped continuations.
    paragraphs: list[list[str]] = []
    for line in text.split("\n"):
        if not paragraphs or line.startswith((" ", "\t")) or not line.strip():
            paragraphs.append([])
        if line.strip():
            paragraphs[-1].append(line.strip())
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def reuters_records(sgm_gz: Path) -> Iterator[dict]:
    """The article records of one reut2-NNN.sgm.gz file (those with a TITLE or a BODY)."""
    text = gzip.decompress(sgm_gz.read_bytes()).decode("latin-1")
    for m in _RECORD.finditer(text):
        rec = m.group(1)
        parts = {name: (pat.search(rec).group(1) if pat.search(rec) else "") for name, pat in _TAG.items()}
        title = " ".join(_clean(parts["TITLE"]).split())
        body = _reuters_body(parts["BODY"]) if parts["BODY"] else ""
        if not title and not body:
            continue
        topics = _D.findall(parts["TOPICS"])
        out = {"headline": title, "body": body, "published": _reuters_date(parts["DATE"])}
        if topics:
            out["section"] = topics[0]
        yield out


def _once(out: Path, write: Callable[[Path], int]) -> Path:
    """Prepare a corpus folder once: write(out) fills it, a .done mark (the record count) makes later
    calls reuse it."""
    done = out / ".done"
    if not done.exists():
        out.mkdir(parents=True, exist_ok=True)
        done.write_text(str(write(out)))
    return out


def reuters_jsonl(work: Path = DEFAULT_WORK) -> Path:
    """Convert Reuters-21578 into work/reuters/reut2-NNN.jsonl (cached: done once); return the folder."""
    def write(out: Path) -> int:
        total = 0
        for src in sorted((DATA / "reuters21578").glob("reut2-*.sgm.gz")):
            records = list(reuters_records(src))
            total += len(records)
            write_jsonl(out / src.name.replace(".sgm.gz", ".jsonl"), records)
        return total

    return _once(work / "reuters", write)


# -- BBC ------------------------------------------------------------------------------------------------
def bbc_records() -> Iterator[dict]:
    """The BBC articles: line 1 the title, the rest the body; the folder is the section (not read by newsearch)."""
    for path in sorted((DATA / "bbc").glob("*/*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        head, _, body = text.strip().partition("\n")
        yield {"headline": head.strip(), "body": body.strip(), "section": path.parent.name, "published": None}


# -- synthetic scale corpus ---------------------------------------------------------------------------
def synthetic_jsonl(work: Path, n: int, seed: int = SEED) -> Path:
    """Generate n synthetic articles into work/synth-<n>/ (cached); return the folder. See the module doc."""
    def write(out: Path) -> int:
        real = list(bbc_records()) + [r for f in sorted(reuters_jsonl(work).glob("*.jsonl")) for r in read_jsonl(f)]
        headlines = [r["headline"] for r in real if r["headline"]]
        paragraphs = [p for r in real for p in r["body"].split("\n\n") if len(p) > 40]
        sections = sorted({r["section"] for r in real if r.get("section")})
        rng = random.Random(seed)
        start = datetime(1987, 1, 1)
        span = int((datetime(2025, 12, 31) - start).total_seconds())
        batch: list[dict] = []
        part = 0
        for i in range(n):
            body = "\n\n".join(rng.choice(paragraphs) for _ in range(rng.randint(2, 6)))
            batch.append({
                "headline": rng.choice(headlines),
                "body": body,
                "section": rng.choice(sections),
                "published": (start + timedelta(seconds=rng.randrange(span))).isoformat(),
                "url": f"https://synthetic.example/{n}/{i}",
            })
            if len(batch) == PER_FILE:
                write_jsonl(out / f"synth-{part:04d}.jsonl", batch)
                batch, part = [], part + 1
        if batch:
            write_jsonl(out / f"synth-{part:04d}.jsonl", batch)
        return n

    return _once(work / f"synth-{n}", write)


# -- TIME test collection ---------------------------------------------------------------------------
def time_docs(work: Path = DEFAULT_WORK) -> Path:
    """The 423 TIME documents as work/time/<text_id>.txt (headline = first ~10 words, the text verbatim)."""
    def write(out: Path) -> int:
        docs = list(read_jsonl(DATA / "time" / "derived" / "docs.jsonl"))
        for rec in docs:
            (out / f"{rec['text_id']}.txt").write_text(time_text(rec["text"]), encoding="utf-8")
        return len(docs)

    return _once(work / "time", write)


def time_text(text: str) -> str:
    """A TIME document as a plain-text article: its opening words as the headline block, then the text.

    The documents have no headline (the first words are a running title such as "THE ALLIES AFTER NASSAU"
    followed directly by the text), so the headline is the first line-less run of up to 10 words up to the
    first sentence end, and the body keeps the whole text (the headline words are not lost from it).
    """
    words = text.split()
    head = []
    for w in words[:10]:
        if w == ".":
            break
        head.append(w)
    return " ".join(head) + "\n\n" + " ".join(words) + "\n"


# -- reading a corpus folder the simple way -----------------------------------------------------------
def iter_records(folder: Path) -> Iterator[dict]:
    """headline, body, section, published of each article in a folder of .txt or .jsonl files."""
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix == ".jsonl":
            yield from read_jsonl(path)
        elif path.suffix == ".txt" and path.name != "README.TXT":
            text = path.read_bytes().decode("utf-8", errors="replace")
            head, _, body = text.strip().partition("\n")
            yield {"headline": head.strip(), "body": body.strip(), "section": None, "published": None}


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def write_jsonl(path: Path, records: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", help="reuters | time | a number of synthetic articles (120000, 1000000)")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = ap.parse_args()
    if args.what == "reuters":
        print(reuters_jsonl(args.work))
    elif args.what == "time":
        print(time_docs(args.work))
    else:
        print(synthetic_jsonl(args.work, int(args.what)))


if __name__ == "__main__":
    main()
