"""One open snapshot of the index: a Whoosh searcher and every table the engine builds for it.

A snapshot is made whole when the live build or its generation changes and replaced whole (engine.py); nothing
in it changes afterwards, so a request holds one snapshot from start to end. The searcher is used for stored
fields, the term dictionary and key terms; matching and ranking read `postings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whoosh.searching import Searcher

from search.engine.facets import FacetTables
from search.engine.lexicon import Lexicon
from search.engine.postings import MISSING, Postings
from search.errors import IndexDamaged, IndexMissing, NewsearchError
from search.index.documents import StoredArticle
from search.index.fields import ARTICLES, Registry
from search.index.store import IndexStore, damaged_message


@dataclass(frozen=True)
class Snapshot:
    """An open searcher with the tables built for it."""

    build: str
    generation: int
    searcher: Searcher
    postings: Postings
    lexicon: Lexicon
    facets: FacetTables
    newest: int | None  # publication time of the newest dated record (a Whoosh datetime long)
    registry: Registry = ARTICLES

    @classmethod
    def open(cls, ix: Any, build: str, segment_cache: dict, registry: Registry = ARTICLES) -> Snapshot:
        """Open a searcher on `ix` (an index of `registry`'s records) and build its tables; `segment_cache`
        keeps per-segment facet tables across snapshots (segments never change)."""
        searcher = ix.searcher()
        try:
            postings = Postings(searcher)
            pub = postings.published()
            dated = pub[pub != MISSING]
            facets = FacetTables(postings, segment_cache, registry)
            return cls(build=build, generation=searcher.reader().generation(), searcher=searcher,
                       postings=postings, lexicon=Lexicon(searcher.reader()), facets=facets,
                       newest=int(dated.max()) if len(dated) else None, registry=registry)
        except BaseException:
            searcher.close()
            raise

    @classmethod
    def live(cls, store: IndexStore, segment_cache: dict) -> Snapshot:
        """A snapshot of the store's live build of its own (an export's): IndexMissing when there is none,
        IndexOutdated or IndexDamaged when it cannot be read."""
        build = store.current()
        if build is None:
            raise IndexMissing("no index yet: run `newsearch index` to build one")
        try:
            return cls.open(store.open(), str(build), segment_cache)
        except NewsearchError:
            raise
        except Exception as e:  # whatever a truncated or missing segment file raises while opening
            raise IndexDamaged(damaged_message(build, e)) from e

    def stored(self, docnum: int) -> StoredArticle:
        """The stored article of one document number."""
        return StoredArticle.from_stored(self.searcher.stored_fields(docnum))

    def docnum(self, article_id: str) -> int | None:
        """The document number of an article id (None when there is none)."""
        return self.searcher.document_number(id=article_id)

    def close(self) -> None:
        self.searcher.close()


def live(snap: Snapshot | None, ix: Any, build: str) -> bool:
    """Whether an open snapshot still shows the live index: the same build, and no commit since (a cheap check)."""
    return snap is not None and ix is not None and snap.build == build and ix.latest_generation() == snap.generation
