"""newsearch: full-text news search over headlines, captions, bodies and source quotes.

The package is a straight pipeline, one subpackage per stage: `readers/` turn corpus files into Articles,
`quotes/` finds who said what, `ingest` ties the two together, `index/` writes and keeps the Whoosh index,
`engine/` answers queries. The names below are the public API that `web/`, `bench/` and the tests use; they
are imported on first use, so `import search.readers` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Settings": "search.config",
    "Article": "search.articles", "Quote": "search.articles", "ReadResult": "search.articles",
    "Indexer": "search.index.indexer", "IndexReport": "search.index.indexer",
    "ensure_index": "search.index.schedule",
    "FIELDS": "search.index.fields", "FACETS": "search.index.fields",
    **{name: "search.engine.params" for name in ("PARAMS", "Param", "MAX_QUERY_LENGTH", "MAX_WINDOW",
                                                 "SUGGEST_LIMIT", "QUOTE_PARAMS", "API_VERSION")},
    "server_version": "search.engine.status",
    "QUOTE_FACETS": "search.index.quote_fields", "source_slug": "search.engine.sources",
    **{name: "search.engine.quotes" for name in ("QuoteRequest", "QuoteResult", "QuoteResults")},
    "Engine": "search.engine.engine", "Export": "search.engine.export", "AlertStore": "search.alerts.store",
    "SearchRequest": "search.engine.results", "Results": "search.engine.results", "Hit": "search.engine.results",
    **{name: "search.errors" for name in (
        "NewsearchError", "ReadError", "BadRequest", "NotFound", "IndexMissing", "IndexDamaged", "IndexOutdated",
        "IndexLocked", "IndexWriteError", "RunRefused", "RunStopped", "CursorExpired")},
}
__all__ = [
    "API_VERSION",
    "AlertStore", "CursorExpired", "Export",
    "Article", "BadRequest", "Engine", "FACETS", "FIELDS", "Hit", "IndexDamaged", "IndexLocked", "IndexMissing",
    "IndexOutdated", "IndexReport", "IndexWriteError", "Indexer", "MAX_QUERY_LENGTH", "MAX_WINDOW", "NewsearchError",
    "NotFound", "PARAMS", "Param", "QUOTE_FACETS", "QUOTE_PARAMS", "Quote", "QuoteRequest", "QuoteResult",
    "QuoteResults", "ReadError", "ReadResult", "Results", "RunRefused", "RunStopped",
    "SUGGEST_LIMIT", "SearchRequest", "Settings", "ensure_index", "server_version", "source_slug",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from search.alerts.store import AlertStore
    from search.articles import Article, Quote, ReadResult
    from search.config import Settings
    from search.engine.engine import Engine
    from search.engine.export import Export
    from search.engine.params import (
        API_VERSION,
        MAX_QUERY_LENGTH,
        MAX_WINDOW,
        PARAMS,
        QUOTE_PARAMS,
        SUGGEST_LIMIT,
        Param,
    )
    from search.engine.quotes import QuoteRequest, QuoteResult, QuoteResults
    from search.engine.results import Hit, Results, SearchRequest
    from search.engine.sources import source_slug
    from search.engine.status import server_version
    from search.errors import (
        BadRequest,
        CursorExpired,
        IndexDamaged,
        IndexLocked,
        IndexMissing,
        IndexOutdated,
        IndexWriteError,
        NewsearchError,
        NotFound,
        ReadError,
        RunRefused,
        RunStopped,
    )
    from search.index.fields import FACETS, FIELDS
    from search.index.indexer import Indexer, IndexReport
    from search.index.quote_fields import QUOTE_FACETS
    from search.index.schedule import ensure_index


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'search' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
