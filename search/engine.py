"""The search engine: one searcher per process, refreshed when a new index generation is live.

`Engine.search(SearchRequest) -> Results` is the one call behind `newsearch search` and the web API:
query parsing (query.py), filters, ranking (BM25F with news weights, optional recency boost), relaxed
any-word matching when all-words finds too little, facets (facets.py), snippets (snippets.py) and
"did you mean". Never call Searcher.refresh() (see WHOOSH.md): a changed generation or build gets a new
searcher and the old one is closed.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimitCollector
from whoosh.scoring import BM25F
from whoosh.searching import Searcher, TimeLimit
from whoosh.sorting import FieldFacet
from whoosh.util.times import long_to_datetime

from search.analysis import STOP_WORDS, terms
from search.config import Settings
from search.errors import IndexMissing, NotFound
from search.facets import FacetTables
from search.query import compile_query, is_plain, parse, words_of
from search.results import Hit, Results, SearchRequest
from search.schema import SNIPPET_FIELDS
from search.snippets import best_passage, field_terms, find_spans, lede, line_with_matches, mark
from search.store import IndexStore

RELAX_BELOW = 3  # an all-words query of 3+ words with fewer hits than this is retried as any-word
MATCH_FIELDS = {"headline": "headline", "caption": "caption", "body": "body", "quotes": "quotes",
                "source": "source", "byline": "byline", "section": "section"}
MISSING_DATE = 2**63  # the published column's value for an undated article is 2**64 - 1
WEIGHTING = BM25F(B=0.75, K1=1.2, headline_B=0.3, caption_B=0.5, quotes_B=0.5, source_B=0.2)


@dataclass
class _View:
    """An open searcher with the tables built for it; replaced as a whole when the index changes."""

    build: str
    generation: int
    searcher: Searcher
    facets: FacetTables
    newest: datetime | None


class Engine:
    """Answers searches against the live index of one Settings; safe to share between threads."""

    def __init__(self, settings: Settings | None = None, time_limit: float = 2.0) -> None:
        self.settings = settings or Settings.from_env()
        self.store = IndexStore(self.settings.index)
        self.time_limit = time_limit
        self._view: _View | None = None
        self._ix = None
        self._lock = threading.RLock()

    # -- searcher lifecycle -------------------------------------------------------------------------
    def view(self) -> _View:
        """The current searcher; reopened only when the build or its generation changed (a cheap check)."""
        with self._lock:
            build = self.store.current()
            if build is None:
                raise IndexMissing("no index yet: run `newsearch index` to build one")
            v = self._view
            if (v is not None and v.build == str(build) and self._ix is not None
                    and self._ix.latest_generation() == v.generation):
                return v
            ix = self.store.open()
            searcher = ix.searcher(weighting=WEIGHTING)
            newest = _newest(searcher)
            self._ix = ix
            self._view = _View(str(build), searcher.reader().generation(), searcher, FacetTables(searcher.reader()),
                               newest)
            if v is not None:
                v.searcher.close()
            return self._view

    def close(self) -> None:
        """Close the open searcher."""
        with self._lock:
            if self._view is not None:
                self._view.searcher.close()
                self._view = None

    # -- search -------------------------------------------------------------------------------------
    def search(self, req: SearchRequest) -> Results:
        """Run one search request and return a page of results with facets."""
        t0 = time.perf_counter()
        with self._lock:
            v = self.view()
            s = v.searcher
            node = parse(req.q)
            q = compile_query(node, s.reader()) if req.q.strip() else wq.Every()
            if q is wq.NullQuery and node is not None:  # only stop words: look for them as written
                q = _exact_words(words_of(node))
            fq = self._filter(v, req)
            top, matched, partial = self._run(s, q, fq, req)
            relaxed = False
            n_words = len(words_of(node))
            if is_plain(node) and n_words > 1 and (not matched or len(matched) < RELAX_BELOW and n_words >= 3):
                rq = compile_query(node, s.reader(), relaxed=True)
                rtop, rmatched, rpartial = self._run(s, rq, fq, req)
                if len(rmatched) > len(matched):
                    q, top, matched, partial, relaxed = rq, rtop, rmatched, rpartial, True
            start = (req.page - 1) * req.page_size
            page = top[start : start + req.page_size]
            hits = [self._hit(s, docnum, score, q, terms) for docnum, score, terms in page]
            facets = v.facets.count(np.fromiter(matched, dtype=np.int64, count=len(matched)))
            suggestion = self._suggest(s, node, req, fq, len(matched)) if is_plain(node) else None
        return Results(query=req.to_dict(), total=len(matched), page=req.page, page_size=req.page_size,
                       took_ms=round((time.perf_counter() - t0) * 1000, 2), results=hits, facets=facets,
                       suggestion=suggestion, relaxed=relaxed, partial=partial)

    def _filter(self, v: _View, req: SearchRequest) -> wq.Query | None:
        parts: list[wq.Query] = []
        for name, fieldname, wanted in (("section", "section_f", req.section), ("source", "source_f", req.source)):
            if wanted:
                found = v.facets.lookup(name, wanted)
                parts.append(wq.Or([wq.Term(fieldname, f) for f in found]) if found else wq.NullQuery)
        if req.date_from or req.date_to:
            parts.append(wq.DateRange("published", req.date_from, req.date_to))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _run(self, s: Searcher, q: wq.Query, fq: wq.Query | None, req: SearchRequest):
        """Top hits for the page (time-limited) and the full set of matching document numbers."""
        limit = req.page * req.page_size
        if req.recency and req.sort == "relevance":
            limit = max(limit, 100)
        sortedby = None
        if req.sort != "relevance":
            # Dated articles first in both orders (an undated one has no place in a timeline), then by id.
            sortedby = [FieldFacet("dated", reverse=True), FieldFacet("published", reverse=req.sort == "newest"),
                        FieldFacet("id")]
        # The filter wraps the time limit, not the other way round: a TimeLimitCollector around a
        # FilterCollector lets unfiltered documents through.
        collector = s.collector(limit=limit, sortedby=sortedby, terms=True)
        tlc = TimeLimitCollector(collector, timelimit=self.time_limit, use_alarm=False)
        outer = FilterCollector(tlc, allow=fq) if fq is not None else tlc
        partial = False
        try:
            s.search_with_collector(q, outer)
        except TimeLimit:
            partial = True
        results = outer.results()
        top = [(hit.docnum, hit.score if isinstance(hit.score, float) else None,
                hit.matched_terms() if results.has_matched_terms() else []) for hit in results]
        if req.recency and req.sort == "relevance":
            top = self._rerank_recent(s, top, req.recency)
        full = wq.And([q, fq]) if fq is not None else q
        matched: list[int] = []
        deadline = time.monotonic() + self.time_limit
        for n, docnum in enumerate(s.docs_for_query(full)):
            matched.append(docnum)
            if n % 4096 == 4095 and time.monotonic() > deadline:
                partial = True
                break
        return top, matched, partial

    def _rerank_recent(self, s: Searcher, top: list, weight: float) -> list:
        newest = self._view.newest if self._view else None
        if newest is None:
            return top
        published = s.reader().column_reader("published", translate=False)

        def boosted(item: tuple) -> float:
            docnum, score, _ = item
            raw = published[docnum]
            if not 0 < raw < MISSING_DATE:
                return score
            when = long_to_datetime(raw)
            age_days = max(0.0, (newest - when).total_seconds() / 86400)
            return score * (1 + weight * math.pow(0.5, age_days / 180))

        return sorted(top, key=lambda item: (-boosted(item), item[0]))

    # -- hits, snippets, suggestions ------------------------------------------------------------------
    def _hit(self, s: Searcher, docnum: int, score: float | None, q: wq.Query, matched_terms: list) -> Hit:
        stored = s.stored_fields(docnum)
        data = stored.get("data") or {}
        query_terms = matched_terms or list(q.iter_all_terms())
        matched: list[str] = []
        snippets: dict[str, str] = {}
        quote_hits: list[dict[str, Any]] = []
        for name in MATCH_FIELDS:
            words = field_terms(query_terms, name)
            if not words:
                continue
            if name not in SNIPPET_FIELDS:
                matched.append(name)
                continue
            text = stored.get(name) or ""
            spans = find_spans(text, words)
            if not spans:
                continue
            matched.append(name)
            if name == "headline":
                snippets[name] = mark(text, spans)
            elif name == "body":
                snippets[name] = best_passage(text, spans)
            else:
                snippets[name], line = line_with_matches(text, spans)
                if name == "quotes" and 0 <= line < len(data.get("quotes", [])):
                    quote_hits.append(data["quotes"][line])
        if "body" not in snippets:
            snippets["lede"] = lede(stored.get("body") or "")
        return Hit(
            id=stored["id"], url=stored.get("url"), headline=stored.get("headline") or "",
            section=stored.get("section_f"), byline=stored.get("byline") or None,
            published=data.get("published"), score=round(score, 4) if score is not None else None,
            matched_fields=matched, snippets=snippets, quotes=quote_hits,
        )

    def _suggest(self, s: Searcher, node, req: SearchRequest, fq: wq.Query | None, total: int) -> dict | None:
        """A corrected query, offered only when it finds more than the query as typed."""
        words = words_of(node)
        corrector = s.corrector("body")
        reader = s.reader()
        corrected, changed = [], False
        for w in words:
            lw = w.lower()
            if reader.doc_frequency("body", lw) + reader.doc_frequency("headline", lw) >= 3 or not w.isalpha():
                corrected.append(w)
                continue
            options = corrector.suggest(lw, limit=1, maxdist=2, prefix=1)
            if options and options[0] != lw:
                corrected.append(options[0])
                changed = True
            else:
                corrected.append(w)
        if not changed:
            return None
        text = " ".join(corrected)
        cq = compile_query(parse(text), reader)
        full = wq.And([cq, fq]) if fq is not None else cq
        count = sum(1 for _ in s.docs_for_query(full))
        return {"q": text, "total": count} if count > total else None

    # -- articles -----------------------------------------------------------------------------------
    def article(self, article_id: str) -> dict[str, Any]:
        """The full stored article for an id; NotFound when there is none."""
        with self._lock:
            s = self.view().searcher
            docnum = s.document_number(id=article_id)
            if docnum is None:
                raise NotFound(f"no article with id {article_id!r}")
            stored = s.stored_fields(docnum)
            data = stored.get("data") or {}
            return {
                "id": stored["id"], "url": stored.get("url"), "headline": stored.get("headline") or "",
                "section": stored.get("section_f"), "byline": stored.get("byline") or None,
                "published": data.get("published"), "captions": data.get("captions", []),
                "credit": data.get("credit"), "body": stored.get("body") or "",
                "blockquotes": data.get("blockquotes", []), "quotes": data.get("quotes", []),
                "sources": data.get("sources", []), "path": data.get("path"),
            }

    def more_like_this(self, article_id: str, count: int = 5) -> list[Hit]:
        """Articles most like the given one (by its distinctive body and headline terms)."""
        with self._lock:
            s = self.view().searcher
            docnum = s.document_number(id=article_id)
            if docnum is None:
                raise NotFound(f"no article with id {article_id!r}")
            q = _like(s, docnum)
            results = s.search(q, limit=count, mask=wq.Term("id", article_id))
            return [self._hit(s, hit.docnum, hit.score, q, []) for hit in results]

    def count(self) -> int:
        """Articles in the live index."""
        with self._lock:
            return self.view().searcher.doc_count()


def _like(s: Searcher, docnum: int) -> wq.Query:
    """The distinctive words of an article (headline and body, stop words aside) as a weighted any-word query."""
    scores: dict[str, float] = {}
    for fieldname, numterms in (("headline", 5), ("body", 30)):
        for term, score in s.key_terms([docnum], fieldname, numterms=numterms):
            if term not in STOP_WORDS and len(term) > 2 and term.isalpha():
                scores[term] = max(scores.get(term, 0.0), score)
    top = sorted(scores.items(), key=lambda kv: -kv[1])[:25]
    subs = [wq.Term(f, term, boost=score * w) for term, score in top for f, w in (("body", 1.0), ("headline", 1.5))]
    return wq.Or(subs) if subs else wq.NullQuery


def _exact_words(query_words: list[str]) -> wq.Query:
    """For a query of stop words only ("The Who"): those words as written, in headline or body."""
    toks = [t for w in query_words for t in terms(w)]
    if not toks:
        return wq.NullQuery
    return wq.And([wq.Or([wq.Term(f, t) for f in ("headline", "body")]) for t in toks])


def _newest(s: Searcher) -> datetime | None:
    reader = s.reader()
    if not reader.has_column("published"):
        return None
    raw = [v for v in reader.column_reader("published", translate=False) if 0 < v < MISSING_DATE]
    return long_to_datetime(max(raw)) if raw else None
