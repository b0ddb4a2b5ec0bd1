"""Quote search: quotations as results in their own right, one result per quotation however many articles carry it.

Every quote is a record of the quote index (search/index/quote_fields.py), so a query's words and its speaker
always match on the same quote. Records with the same `qkey` (the same words by the same source) are one
quotation: `QuoteTables` groups them once per snapshot, with each quotation's first-seen record and how many
articles carry it. A search matches records with the engine's own machinery (query language, matching, BM25F,
facets) over the quote registry, then answers with quotations: filtered on their first-seen date, ranked by
their best-matching record (or by date, or by how often they were carried), counted by their first-seen record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from search.engine import matching, ranking
from search.engine.budget import Budget
from search.engine.params import MAX_LISTED_ARTICLES, QUOTE_PARAMS, Param
from search.engine.postings import MISSING
from search.engine.query import compile_query
from search.engine.results import Request
from search.engine.snapshot import Snapshot
from search.engine.snippets import field_terms, find_spans, mark
from search.engine.syntax import parse
from search.index.quote_fields import QUOTES

MIN_NEAR_WORDS = 6  # shorter quotations are one quotation only when their words are the same
BLOCK_WORDS = 3  # near-identical candidates share their first or their last words
MAX_BLOCK = 200
NEAR_SHARE = 0.8  # of the two quotations' distinct words, shared


@dataclass
class QuoteRequest(Request):
    """One quote search: words, filters (OR within one, AND across), first-seen dates, order and page."""

    params: ClassVar[tuple[Param, ...]] = QUOTE_PARAMS

    q: str = ""
    source: list[str] = field(default_factory=list)
    source_kind: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    cue: list[str] = field(default_factory=list)
    date_from: datetime | None = None
    date_to: datetime | None = None
    when: str | None = None  # "7d": date_from is now-7d (already resolved)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    written: dict[str, str | None] = field(default_factory=dict, compare=False)  # relative dates as written


@dataclass
class QuoteResult:
    """One quotation: its words (with a snippet of what matched), who said it, and where it was seen."""

    id: str  # the quotation's key
    text: str
    snippet: str
    source: str | None
    source_kind: str | None
    cue: str | None
    kind: str
    first_seen: dict[str, Any]  # {"published", "article_id", "headline"}
    seen_in: int
    articles: list[dict[str, Any]]  # {"id", "headline", "published", "url", "outlet"}, oldest first

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class QuoteResults:
    """A page of quotations with the total and facet counts (`GET /api/quotes`, `newsearch quotes --json`)."""

    query: dict[str, Any]
    total: int
    page: int
    page_size: int
    took_ms: float
    results: list[QuoteResult]
    facets: dict[str, list[dict[str, Any]]]
    partial: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "page": self.page, "page_size": self.page_size,
                "took_ms": self.took_ms, "results": [r.to_dict() for r in self.results], "facets": self.facets,
                "partial": self.partial}


class QuoteTables:
    """The quotations of one quote-index snapshot: each record's quotation, each quotation's records (oldest
    first), first-seen record and date, and how many articles carry it.

    Records of one key are one quotation; so are near-identical keys of one source (`near_identical`): a wire
    copy trimmed at either end, or lightly edited."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.sources: Any = None  # sources.SourceTables, made on first use
        p = snap.postings
        docs, codes = snap.facets.pairs["quotation"]
        self.keys = snap.facets.values["quotation"]
        self.group = np.full(p.size, -1, dtype=np.int64)
        self.group[docs] = near_identical(self.keys)[codes]
        pub = p.published()
        order = np.lexsort((np.arange(p.size), pub, self.group))  # by quotation, then date (undated last), doc
        order = order[self.group[order] >= 0]
        self.members = order  # every live record, grouped by quotation, oldest first
        self.starts = np.searchsorted(self.group[order], np.arange(len(self.keys) + 1))
        has = np.diff(self.starts) > 0
        self.first = np.full(len(self.keys), -1, dtype=np.int64)
        self.first[has] = order[self.starts[:-1][has]]
        self.first_pub = np.full(len(self.keys), MISSING, dtype=np.uint64)
        self.first_pub[has] = pub[self.first[has]]
        self.article = snap.facets.per_doc("article")
        self.seen_in = self._articles_per_quotation(docs)
        self.every = np.flatnonzero(has)  # every quotation (what a search of everything unfiltered finds)

    def _articles_per_quotation(self, docs: np.ndarray) -> np.ndarray:
        """How many different articles carry each quotation."""
        article = self.article
        live = docs[(self.group[docs] >= 0) & (article[docs] >= 0)]
        if not len(live):
            return np.zeros(len(self.keys), dtype=np.int64)
        width = int(article[live].max()) + 1
        pairs = np.unique(self.group[live] * width + article[live])  # (quotation, article) as one number
        return np.bincount(pairs // width, minlength=len(self.keys))

    def records(self, g: int) -> np.ndarray:
        """The records of one quotation, oldest first."""
        return self.members[self.starts[g] : self.starts[g + 1]]


def near_identical(keys: list[str]) -> np.ndarray:
    """For each quotation key, the code of the quotation it is one with (itself, or a near-identical key of the
    same source: one a run of the other's words, or with almost all the same words, at least MIN_NEAR_WORDS
    long). Candidates are keys of one source sharing their first or last BLOCK_WORDS words, so the cost stays
    linear in the keys; a block of more than MAX_BLOCK keys is left alone (a phrase everybody says)."""
    parent = list(range(len(keys)))

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    blocks: dict[tuple[str, str, tuple[str, ...]], list[int]] = {}
    words = [k.partition("|")[2].split() for k in keys]
    for code, key in enumerate(keys):
        if len(words[code]) >= MIN_NEAR_WORDS:
            source = key.partition("|")[0]
            blocks.setdefault((source, "<", tuple(words[code][:BLOCK_WORDS])), []).append(code)
            blocks.setdefault((source, ">", tuple(words[code][-BLOCK_WORDS:])), []).append(code)
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if find(a) != find(b) and _near(words[a], words[b]):
                    parent[max(find(a), find(b))] = min(find(a), find(b))
    return np.array([find(c) for c in range(len(keys))], dtype=np.int64)


def _near(a: list[str], b: list[str]) -> bool:
    """One quotation: the shorter's words a run of the longer's, or nine in ten of their words shared."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if f" {' '.join(short)} " in f" {' '.join(long)} ":
        return True
    sa, sb = set(a), set(b)
    return len(short) >= 0.9 * len(long) and len(sa & sb) >= NEAR_SHARE * len(sa | sb)


def search_quotes(tables: QuoteTables, req: QuoteRequest, budget: Budget,
                  resolve: Callable[[str], str] | None = None,
                  spellings: Callable[[str], list[str]] | None = None) -> QuoteResults:
    """One page of quotations for a request (took_ms left to the caller). `resolve` gives a source name's
    canonical name (for `source:` in the query), `spellings` every name a source filter looks for."""
    snap = tables.snap
    q = _compile(snap, req.q, budget, resolve)
    every = matching.docs(snap.postings, q, budget)
    filters = snap.facets.filters(req, spellings)
    matched = matching.intersect([every, *filters.values()]) if filters else every
    groups = _dated(tables, np.unique(tables.group[matched]), req)
    order = _ordered(tables, snap, q, matched, groups, req)
    start = (req.page - 1) * req.page_size
    page = [int(g) for g in order[start : start + req.page_size]]
    shown = [_best_record(tables, g, matched) for g in page]
    found = ranking.page_terms(snap.postings, ranking.positive_terms(q), shown)  # one look per term for the page
    results = [_result(tables, g, d, words) for g, d, words in zip(page, shown, found, strict=True)]
    facets = snap.facets.count(_facet_docs(tables, every, groups, filters, req))
    return QuoteResults(query=req.to_dict(), total=len(groups), page=req.page, page_size=req.page_size,
                        took_ms=0.0, results=results, facets=facets, partial=budget.cut)


def quotations_in(tables: QuoteTables, article_ids: list[str], req: QuoteRequest, budget: Budget,
                  resolve: Callable[[str], str] | None = None,
                  spellings: Callable[[str], list[str]] | None = None) -> list[tuple[QuoteResult, list[str]]]:
    """The quotations matching a quote search that one of these articles carries (an alert's new articles), each
    with the ids of every article that carries it, in the order of their keys."""
    snap = tables.snap
    q = _compile(snap, req.q, budget, resolve)
    every = matching.docs(snap.postings, q, budget)
    filters = snap.facets.filters(req, spellings)
    matched = matching.intersect([every, *filters.values()]) if filters else every
    ids = snap.facets.values["article"]
    wanted = set(article_ids)
    codes = np.array([c for c, v in enumerate(ids) if v in wanted], dtype=np.int64)
    groups = np.unique(tables.group[matched[np.isin(tables.article[matched], codes)]])
    out = []
    for g in groups.tolist():
        shown = _best_record(tables, g, matched)
        words = ranking.page_terms(snap.postings, ranking.positive_terms(q), [shown])[0]
        carriers = sorted({ids[c] for c in tables.article[tables.records(g)].tolist() if c >= 0})
        out.append((_result(tables, g, shown, words), carriers))
    return out


def _compile(snap: Snapshot, text: str, budget: Budget, resolve: Any) -> wq.Query:
    if not text.strip():
        return wq.Every()
    return compile_query(parse(text, QUOTES), snap.searcher.reader(), budget=budget, lexicon=snap.lexicon,
                         registry=QUOTES, resolve=resolve)


def _dated(tables: QuoteTables, groups: np.ndarray, req: QuoteRequest) -> np.ndarray:
    """The quotations first seen within the request's dates."""
    if not (req.date_from or req.date_to):
        return groups
    pub = tables.first_pub[groups]
    ok = pub != MISSING
    if req.date_from:
        ok &= pub >= np.uint64(datetime_to_long(req.date_from))
    if req.date_to:
        ok &= pub <= np.uint64(datetime_to_long(req.date_to))
    return groups[ok]


def _ordered(tables: QuoteTables, snap: Snapshot, q: wq.Query, matched: np.ndarray, groups: np.ndarray,
             req: QuoteRequest) -> np.ndarray:
    """The quotations in the request's order (ties: newest first, then by key for a stable order)."""
    end = req.page * req.page_size
    pub = tables.first_pub[groups].astype(np.float64)
    pub[tables.first_pub[groups] == MISSING] = -1.0  # undated last when newest first
    if req.sort == "relevance":
        best = np.zeros(len(tables.keys), dtype=np.float64)
        np.maximum.at(best, tables.group[matched], ranking.scores(snap.postings, q, matched, QUOTES))
        keys = (groups, -pub, -best[groups])
    elif req.sort == "most_cited":
        keys = (groups, -pub, -tables.seen_in[groups].astype(np.float64))
    elif req.sort == "newest":
        keys = (groups, -pub)
    else:
        undated = tables.first_pub[groups] == MISSING
        keys = (groups, pub, undated)
    return groups[np.lexsort(keys)[:end]]


def _best_record(tables: QuoteTables, g: int, matched: np.ndarray) -> int:
    """The quotation's record to show: its first-seen one among those the query matched."""
    records = tables.records(g)
    hit = records[np.isin(records, matched)]
    return int(hit[0]) if len(hit) else int(records[0])


def _result(tables: QuoteTables, g: int, shown: int, matched_terms: list[tuple[str, str]]) -> QuoteResult:
    """One quotation: the record shown (its text and snippet) and its articles, one record read per article."""
    snap = tables.snap
    stored = snap.searcher.stored_fields(shown)
    data = stored.get("data") or {}
    text = stored.get("text") or ""
    records = tables.records(g)
    _, first_of = np.unique(tables.article[records], return_index=True)  # each article's first record
    listed = [_article(snap.searcher.stored_fields(int(d)))
              for d in records[np.sort(first_of)][:MAX_LISTED_ARTICLES]]
    first = listed[0]  # records[0] is the first-seen one
    return QuoteResult(
        id=hashlib.sha1(tables.keys[g].encode(errors="replace")).hexdigest()[:16], text=text,
        snippet=mark(text, find_spans(text, field_terms(matched_terms, "text"))), source=data.get("source"),
        source_kind=data.get("source_kind"), cue=data.get("cue"), kind=data.get("kind") or "direct",
        first_seen={"published": first["published"], "article_id": first["id"], "headline": first["headline"]},
        seen_in=int(tables.seen_in[g]), articles=listed)


def _article(stored: dict[str, Any]) -> dict[str, Any]:
    data = stored.get("data") or {}
    return {"id": stored.get("article_id"), "headline": data.get("headline") or "", "published": data.get("published"),
            "url": stored.get("url"), "outlet": data.get("outlet") or None}


def _facet_docs(tables: QuoteTables, every: np.ndarray, groups: np.ndarray, filters: dict[str, np.ndarray],
                req: QuoteRequest) -> dict[str, np.ndarray]:
    """Each facet counts quotations by their first-seen record: those the query matches under every filter but
    the facet's own (so choosing one kind still shows what the other would add)."""
    out = {}
    for facet in QUOTES.facets:
        if not facet.counted:
            continue
        if facet.name in filters:
            found = matching.all_but(every, filters, facet.name)
            unfiltered = found is tables.snap.postings.live  # everything: known without looking
            mine = _dated(tables, tables.every if unfiltered else np.unique(tables.group[found]), req)
        else:
            mine = groups
        out[facet.name] = np.sort(tables.first[mine])
    return out
