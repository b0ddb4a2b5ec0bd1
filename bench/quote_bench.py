"""Quote search cost on Reuters-21578: what the quote index adds to a full build, and how fast quotes and source
profiles are served.

1. Two full builds of the same corpus, one after the other in this process: as shipped (articles and their quote
   index), and with the quote index given no records (`writing.PairWriter.add` dropping them: the article
   index alone, everything else the same). Reading runs in the same worker processes both times.
2. `GET /api/quotes` (words of real quotes, sources, kinds, sorts, dates, paging) and `GET /api/sources/<slug>`
   (the most quoted sources and a sample of the rest) through the Flask app's test client, every request
   computed (NEWSEARCH_WEB_CACHE=0): p50 / p95 / max after a warm-up pass.

    python bench/quote_bench.py [--work /tmp/newsearch-bench] [--requests 400]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import corpora  # noqa: E402

from search import Indexer, Settings  # noqa: E402
from search.index import writing  # noqa: E402

SEED = 11


def build(corpus: Path, index: Path, quotes: bool) -> float:
    """Seconds for a full build of the corpus into `index` (with or without quote records)."""
    saved = writing.PairWriter.add
    if not quotes:
        writing.PairWriter.add = lambda self, doc: saved(self, doc._replace(quotes=[]))
    try:
        t = time.perf_counter()
        report = Indexer(Settings.from_env(index=index, corpus=corpus)).run(full=True)
        took = time.perf_counter() - t
    finally:
        writing.PairWriter.add = saved
    assert report.status == "ok", report.error
    return took


def urls(client, rng: random.Random, n: int) -> list[str]:
    """A mix of quote searches and source profiles drawn from what the index holds."""
    first = client.get("/api/quotes?page_size=100&sort=most_cited").get_json()
    texts = [r["text"] for r in first["results"]]
    words = [w.strip(".,\"'").lower() for t in texts for w in t.split() if len(w) > 5 and w.isalpha()]
    listed = client.get("/api/sources?limit=100").get_json()["sources"]
    sources, names = [s["slug"] for s in listed], [s["name"] for s in listed]
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.35:
            out.append("/api/quotes?" + urlencode({"q": " ".join(rng.sample(words, 2))}))
        elif kind < 0.5:
            out.append("/api/quotes?" + urlencode({"q": rng.choice(words), "sort": rng.choice(["newest", "oldest"])}))
        elif kind < 0.65:
            out.append("/api/quotes?" + urlencode({"source": rng.choice(names), "sort": "newest"}))
        elif kind < 0.7:
            out.append("/api/quotes?" + urlencode({"kind": "indirect", "from": "1987-03-01", "page": 2}))
        else:
            out.append(f"/api/sources/{rng.choice(sources[:10] if rng.random() < 0.5 else sources)}")
    return out


def serve(index: Path, corpus: Path, n: int) -> dict[str, dict[str, float]]:
    os.environ["NEWSEARCH_WEB_CACHE"] = "0"
    from web import create_app

    client = create_app(Settings.from_env(index=index, corpus=corpus)).test_client()
    mix = urls(client, random.Random(SEED), n)
    for u in mix[:50]:  # warm-up: the snapshot, its quote tables and source tables are built once
        client.get(u)
    times: dict[str, list[float]] = {"/api/quotes": [], "/api/sources/<slug>": []}
    for u in mix:
        t = time.perf_counter()
        r = client.get(u)
        took = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (u, r.status_code, r.get_data(as_text=True)[:200])
        times["/api/quotes" if u.startswith("/api/quotes") else "/api/sources/<slug>"].append(took)
    return {k: {"requests": len(v), "p50_ms": statistics.median(v), "p95_ms": sorted(v)[int(len(v) * 0.95) - 1],
                "max_ms": max(v)} for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=corpora.DEFAULT_WORK)
    ap.add_argument("--requests", type=int, default=400)
    args = ap.parse_args()
    corpus = corpora.reuters_jsonl(args.work)
    without = build(corpus, args.work / "idx" / "quotes-off", quotes=False)
    with_quotes = build(corpus, args.work / "idx" / "quotes-on", quotes=True)
    print(f"full build: {without:.1f} s articles only, {with_quotes:.1f} s with the quote index", file=sys.stderr)
    from search import Engine, QuoteRequest

    eng = Engine(Settings.from_env(index=args.work / "idx" / "quotes-on", corpus=corpus))
    res = eng.quotes(QuoteRequest.build())
    records = eng.quote_view().snap.postings.size
    out = {"build_s_articles_only": round(without, 1), "build_s_with_quotes": round(with_quotes, 1),
           "quote_index_share": round(with_quotes / without - 1, 3), "quote_records": records,
           "quotations": res.total, "sources": len(eng.sources(limit=100)),
           "serve": serve(args.work / "idx" / "quotes-on", corpus, args.requests),
           "machine": f"{os.cpu_count()} cores, {os.uname().machine}", "date": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                          time.gmtime())}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
