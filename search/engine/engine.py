"""The search engine: one searcher per process, refreshed when a new index generation is live.

`Engine.search(SearchRequest) -> Results` is the one call behind `newsearch search` and the web API:
query parsing (query.py), filters, ranking (BM25F with news weights, optional recency boost), relaxed
any-word matching when all-words finds too little, facets (facets.py), snippets (snippets.py) and
"did you mean". Never call Searcher.refresh() (see WHOOSH.md): a changed generation or build gets a new
searcher and the old one is closed.
"""

from __future__ import annotations

import contextlib
import functools
import pickle
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import whoosh
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long, long_to_datetime

from search.config import Settings
from search.engine.docsets import MISSING, Budget, Postings, positive_terms
from search.engine.facets import FacetTables
from search.engine.params import SUGGEST_LIMIT
from search.engine.query import compile_query, is_plain, parse, words_of
from search.engine.results import Hit, Results, SearchRequest
from search.engine.snippets import best_passage, field_terms, find_spans, lede, line_with_matches, mark
from search.errors import IndexDamaged, IndexMissing, NewsearchError, NotFound
from search.index import fields
from search.index.analysis import STOP_WORDS, terms
from search.index.store import MANIFEST, IndexStore, damaged_message, probe

STATUS_RUNS = 10  # job reports shown by status (index/runs.json keeps 20)
SUGGEST_SCAN = 200  # headline terms looked at per completion request
RELAX_BELOW = 3  # an all-words query of 3+ words with fewer hits than this is retried as any-word
T = TypeVar("T")


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """An Engine method whose storage errors become IndexDamaged (see Engine._reading)."""

    @functools.wraps(method)
    def wrapper(self: Engine, *args: Any, **kwargs: Any) -> T:
        with self._reading():
            return method(self, *args, **kwargs)

    return wrapper


@dataclass
class _View:
    """An open searcher with the tables built for it; replaced as a whole when the index changes."""

    build: str
    generation: int
    searcher: Searcher
    facets: FacetTables
    postings: Postings
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
        self._segments: dict = {}  # per-segment facet tables, kept across searchers

    # -- searcher lifecycle -------------------------------------------------------------------------
    def view(self) -> _View:
        """The current searcher; reopened only when the build or its generation changed (a cheap check).

        IndexMissing when nothing has been built, IndexDamaged when the live build cannot be opened.
        """
        with self._lock:
            build = self.store.current()
            if build is None:
                raise IndexMissing("no index yet: run `newsearch index` to build one")
            v = self._view
            try:
                if (v is not None and v.build == str(build) and self._ix is not None
                        and self._ix.latest_generation() == v.generation):
                    return v
                ix = self.store.open()
                searcher = ix.searcher()  # for stored fields, the lexicon and key terms: ranking is docsets.py's
                postings = Postings(searcher)
                pub = postings.published()
                dated = pub[pub != MISSING]
                newest = long_to_datetime(int(dated.max())) if len(dated) else None
                facets = FacetTables(postings, self._segments)
            except NewsearchError:
                self._drop()
                raise
            except Exception as e:  # whatever a truncated or missing segment file raises while opening
                self._drop()
                raise IndexDamaged(damaged_message(build, e)) from e
            self._ix = ix
            self._view = _View(str(build), searcher.reader().generation(), searcher, facets, postings, newest)
            if v is not None:
                v.searcher.close()
            return self._view

    def generation(self) -> tuple[str, int]:
        """(build, generation) of the live index: changes whenever a reindex commits (cheap to ask)."""
        with self._lock:
            v = self.view()
            return v.build, v.generation

    def close(self) -> None:
        """Close the open searcher."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        """Forget the open searcher (the next call opens the index again)."""
        v, self._view, self._ix = self._view, None, None
        if v is not None:
            with contextlib.suppress(Exception):
                v.searcher.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn an error of the index's storage (a truncated or missing file) into IndexDamaged."""
        try:
            yield
        except NewsearchError:
            raise
        except Exception as e:
            if not _storage_error(e):
                raise
            with self._lock:  # other threads of a web worker share this Engine
                if not isinstance(e, _IO_ERRORS) and self._sound():
                    raise  # raised inside Whoosh, but every part of the index reads: a bug (a 500), not damage
                build = self._view.build if self._view is not None else self.store.current() or self.store.root
                self._drop()
            raise IndexDamaged(damaged_message(Path(build), e)) from e

    def _sound(self) -> bool:
        """True when the open index passes the cheap probe (store.probe)."""
        try:
            probe(self._view.searcher.reader() if self._view is not None else self.store.open().reader())
        except Exception:
            return False
        return True

    def health(self) -> dict[str, Any]:
        """A real, tiny search of the live index: opens it, decodes a posting list and reads stored documents
        from every segment. IndexMissing / IndexDamaged when searching would fail (for /healthz)."""
        with self._lock, self._reading():
            v = self.view()
            probe(v.searcher.reader())
            for fieldname in ("headline", "body"):  # and our own decoding of the postings
                first = next(iter(v.searcher.reader().lexicon(fieldname)), None)
                if first is not None:
                    v.postings.decode(fieldname, first)
            return {"articles": v.searcher.doc_count(), "build": Path(v.build).name, "generation": v.generation}

    # -- search -------------------------------------------------------------------------------------
    @_guarded
    def search(self, req: SearchRequest) -> Results:
        """Run one search request and return a page of results with facets."""
        t0 = time.perf_counter()
        budget = Budget(self.time_limit)  # one deadline for every stage of the request, expansion included
        with self._lock:
            v = self.view()
            s = v.searcher
            node = parse(req.q)
            q = compile_query(node, s.reader(), budget=budget, lexicon=v.postings.lexicon) if req.q.strip() \
                else wq.Every()
            if q is wq.NullQuery and node is not None:  # only stop words: look for them as written
                q = _exact_words(words_of(node))
            filters = self._filters(v, req)
            allowed = _intersect(list(filters.values()))
            top, every, matched = self._run(v, q, allowed, req, budget)
            relaxed = False
            n_words = len(words_of(node))
            if is_plain(node) and n_words > 1 and (not len(matched) or len(matched) < RELAX_BELOW and n_words >= 3) \
                    and not budget.stop():  # no time left to look for more: what was found is partial
                rq = compile_query(node, s.reader(), relaxed=True, budget=budget, lexicon=v.postings.lexicon)
                relaxed_run = self._run(v, rq, allowed, req, budget)
                if len(relaxed_run[2]) > len(matched):
                    q, (top, every, matched), relaxed = rq, relaxed_run, True
            hits = [self._hit(s, docnum, score, terms) for docnum, score, terms in top]
            facets = v.facets.count(_facet_docs(v, every, matched, filters))
            suggestion = self._suggest(v, node, allowed, len(matched), budget) if is_plain(node) else None
        return Results(query=req.to_dict(), total=len(matched), page=req.page, page_size=req.page_size,
                       took_ms=round((time.perf_counter() - t0) * 1000, 2), results=hits, facets=facets,
                       suggestion=suggestion, relaxed=relaxed, partial=budget.cut)

    def _filters(self, v: _View, req: SearchRequest) -> dict[str, np.ndarray]:
        """The documents each active filter allows (sorted arrays), by filter name."""
        out: dict[str, np.ndarray] = {}
        for facet in fields.FACETS:  # a facet of the same name as a request parameter filters by it
            wanted = getattr(req, facet.name, None)
            if wanted:
                out[facet.name] = v.facets.docs_with(facet.name, wanted)
        if req.date_from or req.date_to:
            lo = datetime_to_long(req.date_from) if req.date_from else None
            hi = datetime_to_long(req.date_to) if req.date_to else None
            out["date"] = v.postings.date_range(lo, hi)
        return out

    def _run(self, v: _View, q: wq.Query, allowed: np.ndarray | None, req: SearchRequest, budget: Budget):
        """The page's (docnum, score, matched terms) and the query's matches without and with the filters
        (matching stops at the budget's deadline and marks it cut)."""
        p = v.postings
        every = p.docs(q, budget)
        matched = every if allowed is None else np.intersect1d(every, allowed, assume_unique=True)
        start = (req.page - 1) * req.page_size
        if start >= len(matched):
            return [], every, matched  # a page past the end is empty, not an error
        if req.sort == "relevance":
            scores = p.scores(q, matched)
            if req.recency and v.newest is not None:
                scores = scores * self._recency(v, matched, req.recency)
            order = _top(-scores, start + req.page_size)
        else:
            pub = p.published()[matched]
            dated = pub != MISSING
            key = pub.astype(np.float64) * (-1 if req.sort == "newest" else 1)
            # Dated articles first in both orders (an undated one has no place on a timeline), then date,
            # then document number for a stable order.
            order = np.lexsort((matched, key, ~dated))[: start + req.page_size]
            scores = None
        page = order[start : start + req.page_size].tolist()
        found = p.page_terms(positive_terms(q), [int(matched[i]) for i in page])
        top = [(int(matched[i]), float(scores[i]) if scores is not None else None, found[n])
               for n, i in enumerate(page)]
        return top, every, matched

    @staticmethod
    def _recency(v: _View, matched: np.ndarray, weight: float) -> np.ndarray:
        """1 + weight for the newest article, halving every 180 days before it; 1 for undated ones."""
        pub = v.postings.published()[matched]
        dated = pub != MISSING
        newest = datetime_to_long(v.newest)
        age_days = np.where(dated, (newest - np.minimum(pub, newest).astype(np.float64)) / 864e9, np.inf)
        return 1.0 + weight * np.power(0.5, age_days / 180.0)

    # -- hits, snippets, suggestions ------------------------------------------------------------------
    def _hit(self, s: Searcher, docnum: int, score: float | None, query_terms: list) -> Hit:
        """One result: stored fields, the fields its matched terms are in, and their snippets."""
        stored = s.stored_fields(docnum)
        data = stored.get("data") or {}
        matched: list[str] = []
        snippets: dict[str, str] = {}
        quote_hits: list[dict[str, Any]] = []
        for f in fields.FIELDS:
            name = f.name
            words = field_terms(query_terms, name)
            if not words:
                continue
            if not (f.stored and f.snippet):
                matched.append(name)
                continue
            text = stored.get(name) or ""
            spans = find_spans(text, words)
            if not spans:
                continue
            matched.append(name)
            if f.snippet == "whole":
                snippets[name] = mark(text, spans)
            elif f.snippet == "passage":
                snippets[name] = best_passage(text, spans)
            else:
                snippets[name], line = line_with_matches(text, spans)
                if f.lines_of == "quotes" and 0 <= line < len(data.get("quotes") or []):
                    quote_hits.append(data["quotes"][line])  # the line is that quote
        for f in fields.FIELDS:  # the body did not match: its first sentences, so a hit is never blank
            if f.snippet == "passage" and f.name not in snippets:
                snippets["lede"] = lede(stored.get(f.name) or "")
        return Hit(
            id=stored["id"], url=stored.get("url"), headline=stored.get("headline") or "",
            section=stored.get("section_f"), byline=stored.get("byline") or None,
            published=data.get("published"), score=round(score, 4) if score is not None else None,
            matched_fields=matched, snippets=snippets, quotes=quote_hits,
        )

    def _suggest(self, v: _View, node, allowed: np.ndarray | None, total: int, budget: Budget) -> dict | None:
        """A corrected query, offered only when it finds more than the query as typed (and only while the
        request's time lasts: a suggestion is a convenience, skipped without marking the results partial)."""
        if budget.over():
            return None
        s = v.searcher
        words = words_of(node)
        lexicon = v.postings.lexicon  # Whoosh's corrector("body").suggest(w, limit=1, maxdist=2, prefix=1), faster
        reader = s.reader()
        corrected, changed = [], False
        for w in words:
            lw = w.lower()
            if reader.doc_frequency("body", lw) + reader.doc_frequency("headline", lw) >= 3 or not w.isalpha():
                corrected.append(w)
                continue
            option = lexicon.closest("body", lw, maxdist=2)
            if option and option != lw:
                corrected.append(option)
                changed = True
            else:
                corrected.append(w)
        if not changed or budget.over():
            return None
        text = " ".join(corrected)
        own = Budget(deadline=budget.deadline)  # cutting this count short says nothing about the results
        found = v.postings.docs(compile_query(parse(text), reader, budget=own, lexicon=lexicon), own)
        if own.cut:
            return None
        count = len(found if allowed is None else np.intersect1d(found, allowed, assume_unique=True))
        return {"q": text, "total": count} if count > total else None

    # -- articles -----------------------------------------------------------------------------------
    @_guarded
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
                **{f.name: stored.get(f.name) or "" for f in fields.FIELDS if f.extra and f.stored},
            }

    @_guarded
    def more_like_this(self, article_id: str, count: int = 5) -> list[Hit]:
        """Articles most like the given one (by its distinctive body and headline terms)."""
        with self._lock:
            s = self.view().searcher
            docnum = s.document_number(id=article_id)
            if docnum is None:
                raise NotFound(f"no article with id {article_id!r}")
            q = _like(s, docnum)
            p = self._view.postings
            matched = p.docs(q)
            matched = matched[matched != docnum]
            scores = p.scores(q, matched)
            query_terms = positive_terms(q)
            return [self._hit(s, int(matched[i]), float(scores[i]), p.matched_terms(query_terms, int(matched[i])))
                    for i in _top(-scores, count)]

    @_guarded
    def count(self) -> int:
        """Articles in the live index."""
        with self._lock:
            return self.view().searcher.doc_count()

    @_guarded
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions of what has been typed: source names, then the last word completed from headlines."""
        text = " ".join(prefix.split())[:200]
        if not text:
            return []
        limit = max(1, min(limit, SUGGEST_LIMIT))
        with self._lock:
            v = self.view()
            reader = v.searcher.reader()
            head, _, last = text.rpartition(" ")
            out: list[str] = []
            lowered = text.lower()
            for name in v.facets.values.get("source", []):  # whole source names first: "Al Jaz" -> Al Jazeera
                if name.lower().startswith(lowered) and name not in out:
                    out.append(name)
                    if len(out) >= limit:
                        return out
            folded = terms(last)
            if not folded or len(folded[-1]) < 2:
                return out
            candidates = []
            for n, t in enumerate(reader.expand_prefix("headline", folded[-1])):
                if n >= SUGGEST_SCAN:
                    break
                word = t.decode("utf-8") if isinstance(t, bytes) else t
                if word not in STOP_WORDS:
                    candidates.append((reader.doc_frequency("headline", word), word))
            for _, word in sorted(candidates, key=lambda c: (-c[0], c[1])):
                completion = f"{head} {word}".strip()
                if completion not in out:
                    out.append(completion)
                if len(out) >= limit:
                    break
            return out

    @_guarded
    def status(self) -> dict[str, Any]:
        """What the live index holds and how it was built: for `newsearch status` and /api/status."""
        with self._lock:
            v = self.view()
            runs = self.store.runs()
            build = Path(v.build)
            return {
                "articles": v.searcher.doc_count(),
                "build": build.name,
                "generation": v.generation,
                "built": _mtime_iso(build / MANIFEST) or _mtime_iso(build),
                "index": str(self.store.root),
                "last_run": runs[-1] if runs else None,
                "runs": runs[-STATUS_RUNS:],  # the last reports, newest last
            }


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




def _facet_docs(v: _View, every: np.ndarray, matched: np.ndarray, filters: dict[str, np.ndarray]) -> dict:
    """The documents each facet is counted over: the query's matches under every filter but the facet's
    own, so that choosing one section still shows what the others would add (OR within a field)."""
    out = {}
    for name in (f.name for f in fields.FACETS):
        if name in filters:
            out[name] = _intersect([every, *(f for key, f in filters.items() if key != name)])
        else:
            out[name] = matched
    return out


def _intersect(parts: list[np.ndarray]) -> np.ndarray | None:
    """Sorted intersection of sorted arrays, smallest first; None (no restriction) when there are none."""
    if not parts:
        return None
    return reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), sorted(parts, key=len))


def _mtime_iso(path: Path) -> str | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).isoformat(timespec="seconds")
    except OSError:
        return None


def _top(keys: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n smallest keys in order (ties by position, i.e. document number)."""
    if n < len(keys):
        part = np.argpartition(keys, n - 1)[:n]
        cutoff = keys[part].max()
        part = np.flatnonzero(keys <= cutoff)  # keep every tie at the cutoff so the order stays stable
        return part[np.lexsort((part, keys[part]))][:n]
    return np.lexsort((np.arange(len(keys)), keys))


_IO_ERRORS = (OSError, EOFError, zlib.error, pickle.UnpicklingError)  # reading or decoding the files themselves
_STORAGE_ERRORS = (*_IO_ERRORS, struct.error)
_WHOOSH_DIR = str(Path(whoosh.__file__).resolve().parent)


def _storage_error(e: BaseException) -> bool:
    """True for an exception that may come from reading the index's files: an I/O or decoding error, or any
    error raised inside Whoosh's own code (Engine._reading then probes the index to tell damage from a bug)."""
    if isinstance(e, _STORAGE_ERRORS):
        return True
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR):
            return True
        tb = tb.tb_next
    return False
