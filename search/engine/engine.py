"""The search engine: one snapshot of the index per process, replaced when a new index generation is live.

`Engine.search(SearchRequest) -> Results` is the one call behind `newsearch search` and the web API. It
coordinates: the query is parsed and compiled (query.py; a plain query of LONG_QUERY words or more matches any
of its words, a shorter one all of them, relaxed to any word when that finds too little), matched
(matching.py), filtered, ranked (ranking.py: BM25F, optional recency boost) and turned into hits (hits.py),
facet counts (facets.py) and a did-you-mean (suggest.py); a page is the page of its number or the one after a
cursor, in one order per sort (cursors.py), and `export` gives every match in that order (export.py). Related
articles are related.py's, index status status.py's. Searcher.refresh() is never called (search/WHOOSH.md): a
changed generation or build gets a new snapshot and the old one's searcher is closed.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from search.config import Settings
from search.engine import collapse, cursors, matching, ranking, related, suggest
from search.engine.budget import Budget
from search.engine.damage import IO_ERRORS, storage_error
from search.engine.export import Export
from search.engine.histogram import histogram
from search.engine.hits import hit
from search.engine.params import MAX_PAGE_SIZE, MAX_VALUE_LENGTH
from search.engine.query import compile_query, exact_words, plain_words
from search.engine.quotes import QuoteRequest, QuoteResult, QuoteResults, QuoteTables, quotations_in, search_quotes
from search.engine.results import Hit, Results, SearchRequest
from search.engine.snapshot import Snapshot, live
from search.engine.snippets import SIZES, Sizes
from search.engine.sources import SourceTables
from search.engine.status import Status, Version, status, version
from search.engine.syntax import Node, is_plain, parse, words_of
from search.errors import IndexDamaged, IndexMissing, NewsearchError, NotFound
from search.index.quote_fields import QUOTES
from search.index.store import IndexStore, damaged_message, probe
from search.quotes.aliases import Aliases

RELAX_BELOW = 3  # a plain query of 3 words with fewer hits than this is retried as any-word
# A plain query of this many words or more matches any of them, ranked by BM25F, as typed (not `relaxed`): on
# TIME's questions it ranks better than requiring every word or a share of them (bench/README.md), and a known
# item is found as often (bench/known_item.py). None (benches only): the rule before, every plain query requires
# all its words and is relaxed like a 3-word one.
LONG_QUERY: int | None = 4
T = TypeVar("T")
Page = list[tuple[int, float | None, list[tuple[str, str]]]]  # (docnum, score, matched (field, term)) per hit


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """An Engine method whose storage errors become IndexDamaged (see Engine._reading)."""

    @functools.wraps(method)
    def wrapper(self: Engine, *args: Any, **kwargs: Any) -> T:
        with self._reading():
            return method(self, *args, **kwargs)

    return wrapper


class Engine:
    """Answers searches against the live index of one Settings; safe to share between threads."""

    def __init__(self, settings: Settings | None = None, time_limit: float = 2.0, sizes: Sizes = SIZES) -> None:
        self.settings = settings or Settings.from_env()
        self.store = IndexStore(self.settings.index)
        self.time_limit = time_limit
        self.sizes = sizes
        self._snap: Snapshot | None = None
        self._ix = None
        self._quotes: QuoteTables | None = None  # the live build's quote index, opened on first use
        self._qix = None
        self._aliases: Aliases | None = None
        self._lock = threading.RLock()
        self._segments: dict = {}  # per-segment facet tables, kept across snapshots

    # -- snapshot lifecycle -------------------------------------------------------------------------
    def view(self) -> Snapshot:
        """The current snapshot; reopened only when the build or its generation changed (a cheap check).

        IndexMissing when nothing has been built, IndexDamaged when the live build cannot be opened.
        """
        with self._lock:
            build = self.store.current()
            if build is None:
                raise IndexMissing("no index yet: run `newsearch index` to build one")
            old = self._snap
            try:
                if live(old, self._ix, str(build)):
                    return old
                ix = self.store.open()
                snap = Snapshot.open(ix, str(build), self._segments)
            except NewsearchError:
                self._drop()
                raise
            except Exception as e:  # whatever a truncated or missing segment file raises while opening
                self._drop()
                raise IndexDamaged(damaged_message(build, e)) from e
            self._ix, self._snap = ix, snap
            if old is not None:
                old.close()
            return snap

    def generation(self) -> tuple[str, int]:
        """(build, generation) of the live index: changes whenever a reindex commits (cheap to ask)."""
        with self._lock:
            snap = self.view()
            return snap.build, snap.generation

    def close(self) -> None:
        """Close the open searcher."""
        with self._lock:
            self._drop()

    def quote_view(self) -> QuoteTables:
        """The live build's quotations (its quote index, grouped), reopened with the article snapshot.

        IndexOutdated for a build made before quotes were indexed."""
        with self._lock:
            snap = self.view()
            old = self._quotes
            if old is not None and live(old.snap, self._qix, snap.build):
                return old
            try:
                qix = self.store.open_quotes(Path(snap.build))
                tables = QuoteTables(Snapshot.open(qix, snap.build, self._segments, QUOTES))
            except NewsearchError:
                raise
            except Exception as e:
                raise IndexDamaged(damaged_message(Path(snap.build), e)) from e
            self._qix, self._quotes = qix, tables
            if old is not None:
                old.snap.close()
            return tables

    @property
    def aliases(self) -> Aliases:
        """The shipped aliases and the user's (NEWSEARCH_ALIASES), read once; a query's names are resolved with them."""
        if self._aliases is None:
            self._aliases = Aliases.load(*self.settings.aliases_files)
        return self._aliases

    def spellings(self, name: str) -> list[str]:
        """A source name, its canonical name and every alias of that (what a filter by source looks for)."""
        canonical = self.aliases.canonical(name)
        return list(dict.fromkeys([name, canonical, *self.aliases.aliases_of(canonical)]))

    def _drop(self) -> None:
        """Forget the open snapshots (the next call opens the index again)."""
        snap, self._snap, self._ix = self._snap, None, None
        quotes, self._quotes, self._qix = self._quotes, None, None
        for old in (snap, quotes.snap if quotes is not None else None):
            if old is not None:
                with contextlib.suppress(Exception):
                    old.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn an error of the index's storage (a truncated or missing file) into IndexDamaged."""
        try:
            yield
        except NewsearchError:
            raise
        except Exception as e:
            if not storage_error(e):
                raise
            with self._lock:  # other threads of a web worker share this Engine
                if not isinstance(e, IO_ERRORS) and self._sound():
                    raise  # raised inside Whoosh, but every part of the index reads: a bug (a 500), not damage
                build = self._snap.build if self._snap is not None else self.store.current() or self.store.root
                self._drop()
            raise IndexDamaged(damaged_message(Path(build), e)) from e

    def _sound(self) -> bool:
        """True when the open index (and its quote index, when open) passes the cheap probe (store.probe)."""
        try:
            probe(self._snap.searcher.reader() if self._snap is not None else self.store.open().reader())
            if self._quotes is not None:
                probe(self._quotes.snap.searcher.reader())
        except Exception:
            return False
        return True

    def health(self) -> dict[str, Any]:
        """A real, tiny search of the live index: opens it, decodes a posting list and reads stored documents
        from every segment. IndexMissing / IndexDamaged when searching would fail (for /healthz)."""
        with self._lock, self._reading():
            snap = self.view()
            probe(snap.searcher.reader())
            for fieldname in ("headline", "body"):  # and our own decoding of the postings
                first = next(iter(snap.searcher.reader().lexicon(fieldname)), None)
                if first is not None:
                    snap.postings.decode(fieldname, first)
            return {"articles": snap.searcher.doc_count(), "build": Path(snap.build).name,
                    "generation": snap.generation}

    # -- search -------------------------------------------------------------------------------------
    @_guarded
    def search(self, req: SearchRequest) -> Results:
        """Run one search request and return a page of results with facets."""
        t0 = time.perf_counter()
        budget = Budget(self.time_limit)  # one deadline for every stage of the request, expansion included
        with self._lock:
            snap = self.view()
            after = cursors.position(req, snap)  # where a cursor's page starts (CursorExpired on another index)
            node, _, filters, allowed, relaxed, (top, every, matched) = self._matched(snap, req, budget, after)
            hits = [hit(snap.stored(docnum), score, found, self.sizes) for docnum, score, found in top]
            facets = snap.facets.count(matching.facet_docs(every, matched, filters))
            suggestion = suggest.did_you_mean(snap, node, allowed, len(matched), budget) if is_plain(node) else None
            trend = histogram(snap.postings, matched, allowed, req.histogram) if req.histogram else None
            stories = collapse.stories(snap, matched) if req.collapse else None
            if req.collapse:  # each hit stands for its story: how many other matches it has, and the first
                collapse.annotate(snap, matched, [docnum for docnum, _, _ in top], hits)
            following = cursors.following(snap, req, after, top, len(matched) if stories is None else stories)
        return Results(query=req.to_dict(), total=len(matched), page=req.page, page_size=req.page_size,
                       took_ms=round((time.perf_counter() - t0) * 1000, 2), results=hits, facets=facets,
                       suggestion=suggestion, relaxed=relaxed, partial=budget.cut, histogram=trend,
                       next=following, total_collapsed=stories)

    def _matched(self, snap: Snapshot, req: SearchRequest, budget: Budget, after: cursors.Position | None = None,
                 paged: bool = True) -> tuple[Node | None, wq.Query, dict[str, np.ndarray], np.ndarray | None, bool,
                                              tuple[Page, np.ndarray, np.ndarray]]:
        """How search() reads a request: (parsed query, compiled query, filters, the documents they allow, whether
        relaxed to any word, (the page, the matches without and with the filters)); no page unless `paged`."""
        node = parse(req.q)
        filters = self._filters(snap, req, self.spellings)
        allowed = matching.intersect(list(filters.values())) if filters else None
        loose = LONG_QUERY is not None and plain_words(node) >= LONG_QUERY
        q = self._compile(snap, node, req.q, budget, self.aliases.canonical, loose)
        run = self._run(snap, q, allowed, req, budget, after, paged)
        relaxed = False
        # with no time left, what was found is the (partial) answer
        if not loose and self._relax(node, len(run[2])) and not budget.stop():
            rq = compile_query(node, snap.searcher.reader(), relaxed=True, budget=budget, lexicon=snap.lexicon,
                               resolve=self.aliases.canonical)
            relaxed_run = self._run(snap, rq, allowed, req, budget, after, paged)
            if len(relaxed_run[2]) > len(run[2]):
                q, run, relaxed = rq, relaxed_run, True
        return node, q, filters, allowed, relaxed, run

    @staticmethod
    def _compile(snap: Snapshot, node: Node | None, text: str, budget: Budget,
                 resolve: Callable[[str], str], any_word: bool = False) -> wq.Query:
        """The Whoosh query for what was typed (a source's alias resolved; any of its words when `any_word`):
        every article for nothing typed, and for a query of stop words only ("The Who") those words as written."""
        if not text.strip():
            return wq.Every()
        q = compile_query(node, snap.searcher.reader(), relaxed=any_word, budget=budget, lexicon=snap.lexicon,
                          resolve=resolve)
        if q is wq.NullQuery and node is not None:
            q = exact_words(words_of(node))
        return q

    @staticmethod
    def _relax(node: Node | None, found: int) -> bool:
        """Whether to retry a plain query of several words (shorter than LONG_QUERY) as any-word: nothing
        found, or fewer than RELAX_BELOW for three words or more."""
        n_words = plain_words(node)
        return n_words > 1 and (not found or found < RELAX_BELOW and n_words >= 3)

    @staticmethod
    def _filters(snap: Snapshot, req: SearchRequest, spellings: Callable[[str], list[str]]) -> dict[str, np.ndarray]:
        """The documents each active filter allows (sorted arrays), by filter name: the facets' (FacetTables.filters)
        and the publication dates."""
        out = snap.facets.filters(req, spellings)
        if req.date_from or req.date_to:
            lo = datetime_to_long(req.date_from) if req.date_from else None
            hi = datetime_to_long(req.date_to) if req.date_to else None
            out["date"] = matching.date_range(snap.postings, lo, hi)
        return out

    @staticmethod
    def _run(snap: Snapshot, q: wq.Query, allowed: np.ndarray | None, req: SearchRequest, budget: Budget,
             after: cursors.Position | None = None, paged: bool = True) -> tuple[Page, np.ndarray, np.ndarray]:
        """The page's (docnum, score, matched terms) and the query's matches without and with the filters
        (matching stops at the budget's deadline and marks it cut). The page is the request's page number's, or
        the one after a cursor's position (cursors.py: one order for both)."""
        p = snap.postings
        every = matching.docs(p, q, budget)
        matched = every if allowed is None else matching.intersect([every, allowed])
        if not paged:
            return [], every, matched
        order, scores = (collapse.page if req.collapse else cursors.page)(snap, q, matched, req, after)
        page = order.tolist()
        found = ranking.page_terms(p, ranking.positive_terms(q), [int(matched[i]) for i in page])
        top = [(int(matched[i]), float(scores[n]) if scores is not None else None, found[n])
               for n, i in enumerate(page)]
        return top, every, matched

    @_guarded
    def export(self, req: SearchRequest) -> Export:
        """Every match of a search in its order, not paged and not capped (export.py makes the rows). It reads a
        snapshot of its own, open until the export is closed, so the engine's own can be replaced meanwhile."""
        budget = Budget(self.time_limit)
        with self._lock:  # opening a snapshot updates the per-segment tables shared with the engine's
            snap = Snapshot.live(self.store, self._segments)
        try:
            _, q, _, _, relaxed, (_, _, matched) = self._matched(snap, req, budget, paged=False)
            return Export(snap, q, cursors.ordered(snap, q, matched, req), budget.cut, relaxed, self.sizes)
        except BaseException:
            snap.close()
            raise

    # -- articles, completions, status ----------------------------------------------------------------
    @_guarded
    def article(self, article_id: str) -> dict[str, Any]:
        """The full stored article for an id (StoredArticle.to_dict); NotFound when there is none."""
        with self._lock:
            snap = self.view()
            return snap.stored(self._docnum(snap, article_id)).to_dict()

    @_guarded
    def more_like_this(self, article_id: str, count: int = 5) -> list[Hit]:
        """Articles most like the given one (by its distinctive body and headline terms)."""
        with self._lock:
            snap = self.view()
            return related.more_like_this(snap, self._docnum(snap, article_id), count, self.sizes)

    @staticmethod
    def _docnum(snap: Snapshot, article_id: str) -> int:
        docnum = snap.docnum(article_id)
        if docnum is None:
            raise NotFound(f"no article with id {article_id!r}")
        return docnum

    @_guarded
    def quotes(self, req: QuoteRequest) -> QuoteResults:
        """Quotations matching a quote search, one result per quotation."""
        t0 = time.perf_counter()
        budget = Budget(self.time_limit)
        with self._lock:
            found = search_quotes(self.quote_view(), req, budget, self.aliases.canonical, self.spellings)
        found.took_ms = round((time.perf_counter() - t0) * 1000, 2)
        return found

    @_guarded
    def quotations_in(self, article_ids: list[str], req: QuoteRequest) -> list[tuple[QuoteResult, list[str]]]:
        """The quotations matching a quote search that these articles carry (an alert's new ones), each with the
        ids of every article carrying it (quotes.quotations_in)."""
        with self._lock:
            return quotations_in(self.quote_view(), article_ids, req, Budget(self.time_limit), self.aliases.canonical,
                                 self.spellings)

    @_guarded
    def sources(self, q: str = "", limit: int = 20) -> list[dict[str, Any]]:
        """Sources whose name starts with (or has words starting with) `q`, most quoted first."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        with self._lock:
            return self._sources().find(q[:MAX_VALUE_LENGTH], limit, self.aliases.canonical)

    @_guarded
    def source(self, key: str, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        """One source's profile (by its slug), with its quotations newest first; NotFound when unknown."""
        req = QuoteRequest.build(page=page, page_size=page_size)  # checks the paging as a quote search would
        with self._lock:
            return self._sources().profile(key, req.page, req.page_size, Budget(self.time_limit),
                                           self.aliases.aliases_of, self.spellings)

    def _sources(self) -> SourceTables:
        tables = self.quote_view()
        if tables.sources is None:
            tables.sources = SourceTables(tables)
        return tables.sources

    @_guarded
    def count(self) -> int:
        """Articles in the live index."""
        with self._lock:
            return self.view().searcher.doc_count()

    @_guarded
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions of what has been typed: source names, then the last word completed from headlines."""
        with self._lock:
            return suggest.completions(self.view(), prefix, limit)

    @_guarded
    def version(self) -> Version:
        """Which index is served (build, generation, when built): cheap, for feeds' validators."""
        with self._lock:
            return version(self.view())

    @_guarded
    def status(self) -> Status:
        """What the live index holds and how it was built: for `newsearch status` and /api/status."""
        with self._lock:
            return status(self.view(), self.store)
