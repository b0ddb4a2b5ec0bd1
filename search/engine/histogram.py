"""Trends: how many of a search's matches were published per day, week, month or year (`histogram=`).

Counted with numpy over the published column (Postings.published()) of the matched documents, after every filter.
Buckets run from the first to the last dated match, empty ones included, in UTC (as the index stores dates); weeks
are ISO weeks, from Monday. Each bucket also counts the articles passing the same filters, the query aside (`all`),
and the matches' `share` of them: the part of that coverage the query is, as Media Cloud normalises attention.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from whoosh.util.times import datetime_to_long

from search.engine.params import AUTO_BUCKETS, HISTOGRAMS, MAX_BUCKETS
from search.engine.postings import MISSING, Postings
from search.errors import BadRequest

INTERVALS = tuple(h for h in HISTOGRAMS if h != "auto")  # finest first
_EPOCH_US = datetime_to_long(datetime(1970, 1, 1))  # Whoosh's datetime longs count microseconds from year 1
_DAY_US = 86_400_000_000
_EPOCH = date(1970, 1, 1)
_MONDAY = 4  # 1970-01-05, the first Monday after the epoch, is day 4
_LONGEST = 366  # days in the longest bucket (a leap year)


def histogram(postings: Postings, matched: np.ndarray, within: np.ndarray | None, interval: str) -> dict[str, Any]:
    """The matches (sorted document numbers) counted per `interval` (day, week, month, year, or auto: the finest
    with at most AUTO_BUCKETS buckets), beside the documents `within` the filters (None: every live document).
    BadRequest (param `histogram`) when it would take more than MAX_BUCKETS buckets."""
    published = postings.published()
    pub = published[matched]
    dated = _days(pub[pub != MISSING])
    out: dict[str, Any] = {"interval": interval, "dated": int(len(dated)), "undated": int(len(pub) - len(dated)),
                           "buckets": []}
    if not len(dated):
        out["interval"] = INTERVALS[-1] if interval == "auto" else interval
        return out
    first, last = int(dated.min()), int(dated.max())
    if interval == "auto":
        interval = next((i for i in INTERVALS if _span(first, last, i) <= AUTO_BUCKETS), INTERVALS[-1])
        out["interval"] = interval
    n = _span(first, last, interval)
    if n > MAX_BUCKETS:
        fit = [i for i in INTERVALS if _span(first, last, i) <= MAX_BUCKETS]
        raise BadRequest(
            f"histogram={interval} would take {n:,} buckets from {_EPOCH + timedelta(days=first)} to "
            f"{_EPOCH + timedelta(days=last)} (at most {MAX_BUCKETS:,}): use {' or '.join(fit)}, or narrow the "
            "dates (from, to, when)", "histogram")
    # each day of the range, widened to whole buckets, -> its bucket (-1: outside): one small table, so that months
    # and years cost what days do
    start = first - _LONGEST
    lo = int(_codes(np.array([first]), interval)[0])
    bucket = _codes(np.arange(start, last + _LONGEST + 1, dtype=np.int64), interval) - lo
    bucket[(bucket < 0) | (bucket >= n)] = -1
    counts = np.bincount(bucket[dated - start], minlength=n)
    base = published[postings.live if within is None else within]
    base = _days(base[base != MISSING]) - start
    base = bucket[base[(base >= 0) & (base < len(bucket))]]
    totals = np.bincount(base[base >= 0], minlength=n)
    out["buckets"] = [_bucket(lo + k, interval, int(c), int(t)) for k, (c, t) in enumerate(zip(counts, totals,
                                                                                                strict=True))]
    return out


def _days(pub: np.ndarray) -> np.ndarray:
    """Whoosh datetime longs (uint64, none MISSING) -> days since 1970-01-01 (int64, floored)."""
    return (pub.astype(np.int64) - _EPOCH_US) // _DAY_US


def _codes(days: np.ndarray, interval: str) -> np.ndarray:
    """Days since the epoch -> bucket numbers since the epoch's (day, Monday week, month, year)."""
    if interval == "day":
        return days
    if interval == "week":
        return (days - _MONDAY) // 7
    unit = "M" if interval == "month" else "Y"
    return days.astype("datetime64[D]").astype(f"datetime64[{unit}]").astype(np.int64)


def _span(first: int, last: int, interval: str) -> int:
    """Buckets from the bucket of day `first` to that of day `last`, both included."""
    a, b = _codes(np.array([first, last], dtype=np.int64), interval)
    return int(b - a) + 1


def _bucket(code: int, interval: str, count: int, total: int) -> dict[str, Any]:
    """One bucket: its key (2023-10-16, 2023-W42, 2023-10, 2023), first and last day (as `from`/`to` take them),
    the matches, the articles within the filters, and the matches' share of them (0 when there are none)."""
    if interval == "day":
        start = end = _EPOCH + timedelta(days=code)
        key = start.isoformat()
    elif interval == "week":
        start = _EPOCH + timedelta(days=code * 7 + _MONDAY)
        end = start + timedelta(days=6)
        year, week, _ = start.isocalendar()
        key = f"{year}-W{week:02d}"
    elif interval == "month":
        year, month = divmod(code, 12)
        start = date(1970 + year, month + 1, 1)
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        key = start.isoformat()[:7]
    else:
        start, end = date(1970 + code, 1, 1), date(1970 + code, 12, 31)
        key = str(start.year)
    return {"key": key, "from": start.isoformat(), "to": end.isoformat(), "count": count, "all": total,
            "share": round(count / total, 6) if total else 0.0}
