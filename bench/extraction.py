"""Extraction quality and speed of the HTML reader on real, labelled pages (../shared/data).

Run from the repo root: `python bench/extraction.py [--data ../shared/data] [--only aeb,fundus,...]`.
Prints one markdown table; each section's SOURCE.md describes the data and its ground truth.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.articles import Article  # noqa: E402
from search.dates import parse_date  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SECTIONS = ("aeb", "fundus", "readability", "throughput")
# News and magazine articles among the readability test pages (their SOURCE.md lists them by folder name).
READABILITY_NEWS = [
    "bbc-1",
    "cnn",
    "nytimes-1",
    "nytimes-2",
    "nytimes-3",
    "nytimes-4",
    "nytimes-5",
    "guardian-1",
    "wapo-1",
    "wapo-2",
    "telegraph",
    "seattletimes-1",
    "herald-sun-1",
    "breitbart",
    "buzzfeed-1",
    "citylab-1",
    "salon-1",
    "tmz-1",
    "msn",
    "yahoo-1",
    "yahoo-2",
    "yahoo-3",
    "yahoo-4",
    "theverge",
    "engadget",
    "cnet",
    "cnet-svg-classes",
    "ars-1",
    "lwn-1",
    "quanta-1",
    "medicalnewstoday",
    "lemonde-1",
    "liberation-1",
    "la-nacion",
    "folha",
    "aktualne",
    "heise",
    "gmw",
    "qq",
    "bug-1255978",
    "wikia",
    "videos-1",
    "schema-org-context-object",
    "aclu",
    "article-author-tag",
]
Row = tuple[str, str, str, str]  # section, measure, value, note


def read_html(path: Path) -> Article | None:
    """Our reader on one page, through the same entry point the indexer uses."""
    from search.readers import read

    result = read(path)
    return result.articles[0] if result.articles else None


# ---- aeb: token 4-gram shingle metric ------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[str]:
    """Multiset of n-token shingles; a text shorter than n tokens is one shingle."""
    tokens = _TOKEN.findall(text or "")
    return Counter(" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def shingle_counts(truth: str, pred: str) -> tuple[int, int, int]:
    """True positives, false positives, false negatives of the predicted shingles."""
    t, p = shingles(truth), shingles(pred)
    tp = sum((t & p).values())
    return tp, sum(p.values()) - tp, sum(t.values()) - tp


def prf(counts: Iterable[tuple[int, int, int]]) -> tuple[float, float, float]:
    """Mean per-document precision and recall, and F1 as the harmonic mean of the two means.

    A document with an empty prediction has no precision (0/0) and is left out of the precision mean,
    as numpy's nanmean does in the benchmark's own evaluation; that reproduces its published numbers.
    """
    ps, rs = [], []
    for tp, fp, fn in counts:
        if tp + fp:
            ps.append(tp / (tp + fp))
        if tp + fn:
            rs.append(tp / (tp + fn))
    p, r = sum(ps) / max(1, len(ps)), sum(rs) / max(1, len(rs))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bench_aeb(data: Path) -> list[Row]:
    """Body F1 of our reader and of the stored extractor outputs, same metric, same run."""
    root = data / "aeb"
    truth = {k: v["articleBody"] for k, v in json.loads((root / "ground-truth.json").read_text()).items()}
    rows: list[Row] = []
    ours, failed = [], []
    for key, body in truth.items():
        art = read_html(root / "html" / f"{key}.html.gz")
        if art is None:
            failed.append(key)
        ours.append(shingle_counts(body, art.body if art else ""))
    p, r, f = prf(ours)
    note = f"{len(truth)} pages" + (f"; {len(failed)} unreadable" if failed else "")
    rows.append(("aeb", "body F1 (P / R): ours", f"**{f:.3f}** ({p:.3f} / {r:.3f})", note))
    for out in sorted((root / "extractor-outputs").glob("*.json")):
        stored = json.loads(out.read_text())
        stored = stored.get("output", stored)
        p, r, f = prf(shingle_counts(body, (stored.get(k) or {}).get("articleBody") or "") for k, body in truth.items())
        rows.append(("aeb", f"body F1 (P / R): stored {out.stem}", f"{f:.3f} ({p:.3f} / {r:.3f})", "metric check"))
    return rows


# ---- fundus: headline, date, byline, captions ----------------------------------------------------


def norm(text: str | None) -> str:
    """NFKC, casefold-free whitespace collapse: the normalisation for exact headline matches."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def fold(text: str | None) -> str:
    """Looser form for containment tests: NFKC, casefolded, typographic quotes/dashes as ASCII."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.translate(str.maketrans("‘’‚‛“”„‟–—", "''''\"\"\"\"--"))
    return " ".join(text.split())


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(fold(text))


def caption_found(gt: str, ours: list[str]) -> bool:
    """True when >= 80% of the ground-truth caption's tokens occur (as a multiset) in one of our captions."""
    want = Counter(tokens(gt))
    if not want:
        return True
    return any(sum((want & Counter(tokens(c))).values()) / sum(want.values()) >= 0.8 for c in ours)


def without_credit(caption: str, credits: list[str] | None) -> str:
    """A ground-truth caption without its photo credit, which we report apart (Article.credit).

    The credit is the image's own `authors` field in the ground truth; a cue word left in front of it
    ("Photo by", "(Image:") goes too.
    """
    for credit in credits or []:
        if credit and credit in caption:
            caption = caption.replace(credit, " ")
            caption = re.sub(
                r"[\s(\[]*(?:photo(?:graph)?|image|picture|credit)s?(?:\s+by)?\s*[:©]?[\s)\]]*$",
                "",
                caption,
                flags=re.I,
            )
    return caption


def same_date(ours: datetime | None, gt: datetime) -> tuple[bool, bool]:
    """(same calendar date in the ground truth's offset, same instant within a minute).

    A naive datetime of ours is read as wall time in the ground truth's offset.
    """
    if ours is None:
        return False, False
    if gt.tzinfo is not None:
        ours = ours.astimezone(gt.tzinfo) if ours.tzinfo else ours.replace(tzinfo=gt.tzinfo)
    elif ours.tzinfo is not None:
        ours = ours.replace(tzinfo=None)
    return ours.date() == gt.date(), abs(ours - gt) <= timedelta(minutes=1)


def byline_has(byline: str | None, names: list[str]) -> bool:
    """Every ground-truth author name occurs (folded) in our byline."""
    have = fold(byline)
    return bool(have) and all(fold(n) in have for n in names)


def fundus_cases(root: Path) -> list[dict]:
    """The English pages of the fundus index."""
    cases = [json.loads(line) for line in (root / "derived" / "index.jsonl").read_text().splitlines() if line]
    return [c for c in cases if c["likely_english"]]


def check_fundus_page(art: Article, gt: dict, name: str, n: Counter, ok: Counter, fails: list[str]) -> None:
    """Count one page's headline, date, byline and captions against fundus's ground truth (gt)."""
    n["headline"] += 1
    if norm(art.headline) == norm(gt["title"]):
        ok["headline"] += 1
    else:
        fails.append(f"headline {name}: {art.headline!r} != {gt['title']!r}")
    if fold(art.headline) == fold(gt["title"]):
        ok["headline_folded"] += 1
    gt_date = parse_date(gt.get("publishing_date"))
    if gt_date is not None:
        day, instant = same_date(art.published, gt_date)
        n["date"] += 1
        ok["day"] += day
        ok["date"] += day and instant
        if not (day and instant):
            fails.append(f"date {name}: {art.published} != {gt_date}")
    authors = [a for a in gt.get("authors") or [] if a.strip()]
    if authors:
        n["byline"] += 1
        if byline_has(art.byline, authors):
            ok["byline"] += 1
        else:
            fails.append(f"byline {name}: {art.byline!r} !~ {authors!r}")
    for image in gt.get("images") or []:
        if image.get("caption"):
            n["caption"] += 1
            if caption_found(without_credit(image["caption"], image.get("authors")), art.captions):
                ok["caption"] += 1
            else:
                fails.append(f"caption {name}: {image['caption'][:90]!r}")


def bench_fundus(data: Path, show_failures: bool) -> list[Row]:
    """Metadata accuracy on the English fundus pages against fundus's per-publisher parsers."""
    root = data / "fundus"
    cases = fundus_cases(root)
    n = Counter()
    ok = Counter()
    fails: list[str] = []
    for case in cases:
        html = root / case["html_file"]
        gt = json.loads((html.parent / f"{case['publisher']}.json").read_text())[case["parser_version"]]
        art = read_html(html) or Article(path=str(html))
        check_fundus_page(art, gt, case["html_file"], n, ok, fails)
    if show_failures:
        print("\n".join(fails), file=sys.stderr)

    def pct(key: str, of: str | None = None) -> str:
        total = n[of or key]
        return f"**{100 * ok[key] / total:.1f}%** ({ok[key]}/{total})" if total else "n/a"

    return [
        ("fundus EN", "headline exact (NFKC + whitespace)", pct("headline"), f"{len(cases)} pages; target 95%"),
        ("fundus EN", "headline, quotes/dashes/case folded", pct("headline_folded", "headline"), "looser, for info"),
        ("fundus EN", "date: same day + instant within 1 min", pct("date"), "target 90%"),
        ("fundus EN", "date: same calendar day", pct("day", "date"), "in the GT's UTC offset"),
        ("fundus EN", "byline: every GT author in ours", pct("byline"), "case-folded containment; target 85%"),
        (
            "fundus EN",
            "caption recall",
            pct("caption"),
            ">= 80% of GT caption tokens (GT credit cut) in one caption; target 85%",
        ),
    ]


# ---- readability test pages ----------------------------------------------------------------------

_TAIL = re.compile(r"\s+[|\-–—:·»_]+\s+\S.*$")


def title_matches(ours: str, expected: str) -> bool:
    """Equal after folding, or equal once a ' | Site' style tail is cut from either side."""
    a, b = fold(ours), fold(expected)
    return bool(a) and (a == b or a == fold(_TAIL.sub("", expected)) or fold(_TAIL.sub("", ours)) == b)


def bench_readability(data: Path, show_failures: bool) -> list[Row]:
    """Headline, byline and date on the news pages of Mozilla's readability test set."""
    root = data / "readability-pages" / "pages"
    n, ok, fails = Counter(), Counter(), []
    for name in READABILITY_NEWS:
        folder = root / name
        if not folder.is_dir():
            continue
        meta = json.loads((folder / "expected-metadata.json").read_text())
        art = read_html(folder / "source.html.gz") or Article(path=name)
        if meta.get("title"):
            n["title"] += 1
            if title_matches(art.headline, meta["title"]):
                ok["title"] += 1
            else:
                fails.append(f"title {name}: {art.headline!r} != {meta['title']!r}")
        if meta.get("byline"):
            n["byline"] += 1
            want = re.sub(r"^(by|par|por)\s+", "", fold(meta["byline"]))
            have = fold(art.byline)
            if have and (have in want or want in have):
                ok["byline"] += 1
            else:
                fails.append(f"byline {name}: {art.byline!r} !~ {meta['byline']!r}")
        gt_date = parse_date(meta.get("publishedTime"))
        if gt_date is not None:
            n["date"] += 1
            day, instant = same_date(art.published, gt_date)
            if day and instant:
                ok["date"] += 1
            else:
                fails.append(f"date {name}: {art.published} != {gt_date}")
    if show_failures:
        print("\n".join(fails), file=sys.stderr)

    def pct(key: str) -> str:
        return f"{100 * ok[key] / n[key]:.1f}% ({ok[key]}/{n[key]})" if n[key] else "n/a"

    return [
        ("readability", "headline", pct("title"), "equal, or equal without a ' | Site' tail"),
        ("readability", "byline", pct("byline"), "folded, 'By ' dropped, either contains the other"),
        ("readability", "date: same day + instant within 1 min", pct("date"), "pages with publishedTime"),
    ]


# ---- throughput ----------------------------------------------------------------------------------


def bench_throughput(data: Path) -> list[Row]:
    """Articles per second on aeb HTML and bbc plain text: reading alone, and reading plus quote attribution."""
    from search.ingest import parse_file
    from search.readers import read

    rows: list[Row] = []
    for label, files in (
        ("aeb html (gzip)", sorted((data / "aeb" / "html").glob("*.html.gz"))),
        ("bbc plain text", sorted((data / "bbc").glob("*/*.txt"))),
    ):
        if not files:
            continue
        for what, fn in (("read", read), ("read + quotes", parse_file)):
            start = time.perf_counter()
            articles = sum(len(fn(f).articles) for f in files)
            secs = time.perf_counter() - start
            rows.append(("throughput", f"{label}, {what}", f"{articles / secs:.0f} articles/s",
                         f"{len(files)} files in {secs:.1f} s, one process"))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and print one markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    ap.add_argument("--failures", action="store_true", help="list failing fundus/readability cases on stderr")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data folder at {args.data}", file=sys.stderr)
        return 2
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    rows: list[Row] = []
    if "aeb" in only:
        rows += bench_aeb(args.data)
    if "fundus" in only:
        rows += bench_fundus(args.data, args.failures)
    if "readability" in only:
        rows += bench_readability(args.data, args.failures)
    if "throughput" in only:
        rows += bench_throughput(args.data)
    print("| set | measure | result | note |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
