"""Sources: who is quoted, how often and where (`GET /api/sources`, `/api/sources/<slug>`, `newsearch sources`).

Built once per quote-index snapshot from its facet tables: for every source, the quotations it said, the
articles that quote it, when it was first and last quoted, and its kind. A source's profile adds the names its
quotes were attributed with, a month-by-month timeline, the sources quoted in the same articles, the outlets
that quote it, and its quotations newest first.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC
from typing import Any

import numpy as np
from whoosh.util.times import long_to_datetime

from search.engine.budget import Budget
from search.engine.postings import MISSING
from search.engine.quotes import QuoteRequest, QuoteTables, search_quotes
from search.errors import NotFound

_NOT_WORD = re.compile(r"[\W_]+")
TOP = 10  # sources quoted beside one, and outlets quoting it, listed in a profile
MENTIONS_READ = 100  # records whose wording is read for the names a source was given


def source_slug(name: str | None) -> str:
    """A source's name in URLs: lower case, every run of other characters one hyphen ("ada-brennan")."""
    return _NOT_WORD.sub("-", (name or "").casefold()).strip("-")


class SourceTables:
    """Per source (a code of the quote index's `source` facet): its quotations, articles, dates and kind."""

    def __init__(self, tables: QuoteTables) -> None:
        self.tables = tables
        facets = tables.snap.facets
        self.names = facets.values["source"]
        self.docs, self.codes = facets.pairs["source"]
        self.article = tables.article
        n = len(self.names)
        self.kinds = self._kinds(n)
        groups = tables.group[self.docs]
        self.quotes = _distinct_count(self.codes, groups, n)
        self.articles = _distinct_count(self.codes, self.article[self.docs], n)
        pub = tables.snap.postings.published()[self.docs]
        dated = pub != MISSING
        self.first = np.full(n, MISSING, dtype=np.uint64)
        self.last = np.zeros(n, dtype=np.uint64)
        np.minimum.at(self.first, self.codes[dated], pub[dated])
        np.maximum.at(self.last, self.codes[dated], pub[dated])
        self.by_slug: dict[str, int] = {}
        for code, name in enumerate(self.names):
            self.by_slug.setdefault(source_slug(name), code)

    def summary(self, code: int) -> dict[str, Any]:
        """One source as listed: slug, name, kind, counts, first and last quoted."""
        return {"slug": source_slug(self.names[code]), "name": self.names[code], "kind": self.kinds[code],
                "quotes": int(self.quotes[code]), "articles": int(self.articles[code]),
                "first_quoted": _iso(self.first[code]), "last_quoted": _iso(self.last[code], last=True)}

    def find(self, q: str, limit: int, canonical: Callable[[str], str]) -> list[dict[str, Any]]:
        """Sources whose name (or the name an alias stands for) starts with, or has words starting with, what
        was typed; most quoted first."""
        wanted = " ".join(q.casefold().split())
        alias = canonical(q.strip()).casefold() if q.strip() else ""
        found = [c for c, name in enumerate(self.names) if self.quotes[c] and _matches(name, wanted, alias)]
        found.sort(key=lambda c: (-int(self.quotes[c]), self.names[c].casefold()))
        return [self.summary(c) for c in found[:limit]]

    def profile(self, key: str, page: int, page_size: int, budget: Budget, aliases_of: Callable[[str], list[str]],
                spellings: Callable[[str], list[str]] | None = None) -> dict[str, Any]:
        """Everything about one source (by slug); NotFound when no quote has it."""
        code = self.by_slug.get(key)
        if code is None or not self.quotes[code]:
            raise NotFound(f"no source {key!r}")
        name, records = self.names[code], self.docs[self.codes == code]
        groups = np.unique(self.tables.group[records])
        t0 = time.perf_counter()
        recent = search_quotes(self.tables, QuoteRequest(source=[name], sort="newest", page=page,
                                                         page_size=page_size), budget, spellings=spellings)
        recent.took_ms = round((time.perf_counter() - t0) * 1000, 2)
        return {**self.summary(code), "aliases": self._aliases(name, records, aliases_of),
                **self._kinds_of_quotes(groups), "timeline": self._timeline(groups),
                "quoted_with": self._beside(code, records), "outlets": self._outlets(records),
                "recent": recent.to_dict()}

    def _kinds(self, n: int) -> list[str | None]:
        """Each source's kind: the most frequent one its records were given (None for none)."""
        names = self.tables.snap.facets.values["source_kind"]
        kind = self.tables.snap.facets.per_doc("source_kind")[self.docs]
        keep = kind >= 0
        width = max(1, len(names))
        counts = np.bincount(self.codes[keep] * width + kind[keep], minlength=n * width).reshape(n, width)
        return [names[int(k)] if counts[c, k] else None for c, k in enumerate(counts.argmax(axis=1).tolist())]

    def _aliases(self, name: str, records: np.ndarray, aliases_of: Callable[[str], list[str]]) -> list[str]:
        """The names its quotes were attributed with in the texts ("she" aside), and the aliases file's."""
        seen: Counter[str] = Counter()
        stored = self.tables.snap.searcher.stored_fields
        for doc in records[:MENTIONS_READ].tolist():
            mention = ((stored(doc).get("data") or {}).get("mention") or "").strip()
            if mention and mention[:1].isupper() and mention != name:
                seen[mention] += 1
        files = [a for a in aliases_of(name) if a != name]
        return list(dict.fromkeys([m for m, _ in seen.most_common()] + files))

    def _kinds_of_quotes(self, groups: np.ndarray) -> dict[str, int]:
        """How many of its quotations are direct and indirect (by their first-seen record)."""
        facets = self.tables.snap.facets
        kind = facets.per_doc("kind")[self.tables.first[groups]]
        names = facets.values["kind"]
        counts = {k: int((kind == names.index(k)).sum()) if k in names else 0 for k in ("direct", "indirect")}
        return counts

    def _timeline(self, groups: np.ndarray) -> list[dict[str, Any]]:
        """Its quotations per month of first sight, every month from the first to the last (zeros too)."""
        pub = self.tables.first_pub[groups]
        months = Counter(long_to_datetime(int(p)).strftime("%Y-%m") for p in pub[pub != MISSING].tolist())
        if not months:
            return []
        first, last = min(months), max(months)
        y, m = int(first[:4]), int(first[5:])
        out = []
        while f"{y:04d}-{m:02d}" <= last:
            key = f"{y:04d}-{m:02d}"
            out.append({"month": key, "quotes": months.get(key, 0)})
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def _beside(self, code: int, records: np.ndarray) -> list[dict[str, Any]]:
        """The sources quoted in the same articles, by how many articles they share with this one."""
        mine = np.unique(self.article[records])
        in_mine = np.isin(self.article[self.docs], mine)
        counts = _distinct_count(self.codes[in_mine], self.article[self.docs][in_mine], len(self.names))
        counts[code] = 0
        best = np.flatnonzero(counts)
        order = best[np.lexsort((best, -counts[best]))][:TOP].tolist()
        return [{"slug": source_slug(self.names[c]), "name": self.names[c], "count": int(counts[c])} for c in order]

    def _outlets(self, records: np.ndarray) -> list[dict[str, Any]]:
        """The outlets that published its quotes, by how many articles."""
        facets = self.tables.snap.facets
        outlet = facets.per_doc("outlet")
        pairs = {(int(o), int(a)) for o, a in zip(outlet[records].tolist(), self.article[records].tolist(),
                                                   strict=True) if o >= 0}
        counts = Counter(o for o, _ in pairs)
        names = facets.values["outlet"]
        return [{"name": names[o], "count": n} for o, n in sorted(counts.items(), key=lambda kv: (-kv[1],
                                                                                                 names[kv[0]]))[:TOP]]


def _distinct_count(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each code, how many distinct values it has (values < 0 not counted)."""
    keep = values >= 0
    if not keep.any():
        return np.zeros(n, dtype=np.int64)
    width = int(values[keep].max()) + 1
    pairs = np.unique(codes[keep].astype(np.int64) * width + values[keep])  # (code, value) as one number
    return np.bincount(pairs // width, minlength=n)


def _matches(name: str, wanted: str, alias: str) -> bool:
    folded = name.casefold()
    if not wanted or folded.startswith(wanted) or folded == alias:
        return True
    words = folded.split()
    return all(any(w.startswith(part) for w in words) for part in wanted.split())


def _iso(value: np.uint64, last: bool = False) -> str | None:
    if value == MISSING or (last and value == 0):
        return None
    return long_to_datetime(int(value)).replace(tzinfo=UTC).isoformat()
