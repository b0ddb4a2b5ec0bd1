"""Proximity matching: the engine's vectorised sloppy phrase (matching.docs) beside Whoosh's own
`Searcher.docs_for_query` on the same Phrase(slop=N) queries, over a Reuters-21578 index, plus the exact phrase
for scale. Every query's hit set is checked equal before it is timed.

    python bench/proximity.py [--work /tmp/newsearch-bench] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from whoosh import query as wq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpora import DEFAULT_WORK, reuters_jsonl  # noqa: E402
from search.config import Settings  # noqa: E402
from search.engine import matching  # noqa: E402
from search.engine.engine import Engine  # noqa: E402
from search.index.indexer import Indexer  # noqa: E402

PHRASES = [["oil", "prices"], ["interest", "rates"], ["the", "company"], ["said", "it"], ["per", "share"],
           ["trade", "deficit"], ["net", "loss", "year"], ["bank", "of", "england"]]
SLOPS = [1, 3, 10]


def _ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    corpus = reuters_jsonl(args.work)
    settings = Settings.from_env(index=args.work / "proximity-index", corpus=corpus)
    if not (settings.index / "current").exists():
        Indexer(settings).run(full=True)
    engine = Engine(settings, time_limit=3600.0)
    v = engine.view()
    print(f"{v.searcher.doc_count()} articles; median of {args.repeat} runs, ms")
    print("| phrase | slop | hits | engine ms | Whoosh ms | ratio |")
    print("|---|---|---|---|---|---|")
    ours_all, theirs_all = 0.0, 0.0
    for words in PHRASES:
        for slop in SLOPS:
            q = wq.Phrase("body", words, slop=slop)
            ours = matching.docs(v.postings, q)
            theirs = np.array(sorted(v.searcher.docs_for_query(q)), dtype=np.int64)
            assert np.array_equal(ours, theirs), (words, slop)
            t_ours = _ms(lambda q=q: matching.docs(v.postings, q), args.repeat)
            t_theirs = _ms(lambda q=q: list(v.searcher.docs_for_query(q)), args.repeat)
            ours_all, theirs_all = ours_all + t_ours, theirs_all + t_theirs
            print(f"| {' '.join(words)} | {slop} | {len(ours)} | {t_ours:.1f} | {t_theirs:.1f} | "
                  f"{t_theirs / max(t_ours, 1e-6):.0f}x |")
    print(f"| all | | | {ours_all:.0f} | {theirs_all:.0f} | {theirs_all / ours_all:.0f}x |")
    engine.close()


if __name__ == "__main__":
    main()
