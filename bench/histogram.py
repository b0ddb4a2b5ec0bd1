"""The cost of `histogram=` (issue 12): Engine.search with and without it, on an index already built.

For each query it times Engine.search (a page of 10, facets and all) with no histogram and with each interval
(the median of --repeat runs after one warm-up, the answer cache of the web front end not involved), and, for
every article (the largest matched set), histogram() alone. The results page always asks for `auto`, so the extra
cost of a results page is the `auto` column less the `none` one.

    python bench/histogram.py --index /tmp/nbf/idx/120k/ours --queries ',said,oil'
    python bench/histogram.py --column 120000 --years 13    # histogram() alone on a made-up column, day buckets near
                                                            # the cap of 5,000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from whoosh.util.times import datetime_to_long

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import Engine, SearchRequest, Settings  # noqa: E402
from search.engine.histogram import histogram  # noqa: E402

INTERVALS = (None, "day", "week", "month", "year", "auto")


def _median_ms(run, repeat: int) -> float:
    run()  # warm-up: postings decoded, tables built
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path)
    ap.add_argument("--column", type=int, help="instead: a published column of this many random dates")
    ap.add_argument("--years", type=int, default=13, help="the column's span, from 2011")
    ap.add_argument("--queries", default=",said,oil", help="comma-separated; an empty one is every article")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    if args.column:
        return _column(args.column, args.years, args.repeat)
    engine = Engine(Settings.from_env(index=args.index))
    print(f"index {args.index}: {engine.count():,} articles; median of {args.repeat} runs, ms")
    print(f"{'query':<12} {'matches':>8} " + " ".join(f"{i or 'none':>7}" for i in INTERVALS) + "  buckets (auto)")
    for q in args.queries.split(","):
        row = []
        for interval in INTERVALS:
            req = SearchRequest.build(q=q, histogram=interval)
            try:
                row.append(f"{_median_ms(lambda r=req: engine.search(r), args.repeat):7.1f}")
            except Exception as e:  # past the bucket cap: say so in the table
                row.append(f"{type(e).__name__[:7]:>7}")
        found = engine.search(SearchRequest.build(q=q, histogram="auto"))
        auto = found.histogram
        print(f"{q or '(all)':<12} {found.total:>8,} " + " ".join(row) +
              f"  {len(auto['buckets'])} {auto['interval']}s")
    snap = engine.view()
    live = snap.postings.live
    alone = " ".join(f"{i}={_median_ms(lambda i=i: histogram(snap.postings, live, None, i), args.repeat):.1f}"
                     for i in ("day", "week", "month", "year") if _fits(snap, live, i))
    print(f"histogram() alone over every article: {alone}")


class _Column:
    """What histogram() reads of a Postings: the published column and the live documents."""

    def __init__(self, published: np.ndarray) -> None:
        self._published, self.live = published, np.arange(len(published))

    def published(self) -> np.ndarray:
        return self._published


def _column(n: int, years: int, repeat: int) -> None:
    start, day = datetime_to_long(datetime(2011, 1, 1)), 86_400_000_000
    rng = np.random.default_rng(12)
    column = _Column((start + rng.integers(0, years * 365 * day, n)).astype(np.uint64))
    print(f"a column of {n:,} dates over {years} years; median of {repeat} runs, ms")
    for interval in ("day", "week", "month", "year"):
        out = histogram(column, column.live, None, interval)
        ms = _median_ms(lambda i=interval: histogram(column, column.live, None, i), repeat)
        print(f"  {interval:<6} {len(out['buckets']):>6} buckets  {ms:7.1f}")


def _fits(snap, live, interval: str) -> bool:
    try:
        histogram(snap.postings, live, None, interval)
    except Exception:
        return False
    return True


if __name__ == "__main__":
    main()
