"""The search request's parameters and limits, declared once.

`SearchRequest.build` validates against them; `newsearch search`'s options, the web's URL reader and the
OpenAPI parameters are all derived from `PARAMS`, so a parameter is settable everywhere or nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, get_args

from search.articles import QuoteKind
from search.quotes.aliases import KINDS

MAX_QUERY_LENGTH = 1000  # characters of a query; the API refuses longer ones
MAX_PAGE_SIZE = 100
MAX_WINDOW = 10_000  # page * page_size beyond this is refused, as in Elasticsearch
MAX_FILTER_VALUES = 20  # repeated section / source values per request
MAX_VALUE_LENGTH = 200  # characters of one section or source value
SORTS = ("relevance", "newest", "oldest")
SUGGEST_LIMIT = 20  # completions per suggestion request
MAX_CURSOR_LENGTH = 400  # characters of a paging cursor (ours are ~100)
HISTOGRAMS = ("auto", "day", "week", "month", "year")  # auto: the finest interval with at most AUTO_BUCKETS buckets
MAX_BUCKETS = 5000  # a histogram of more buckets is refused (400, naming the coarser intervals that fit)
AUTO_BUCKETS = 100
# The JSON API's version (OpenAPI info.version, /api/status): the minor grows with additions, the major when
# something a client may rely on changes.
API_VERSION = "1.1"


@dataclass(frozen=True)
class Param:
    """One request parameter: its URL name, the SearchRequest.build keyword, its type and bounds."""

    name: str  # in URLs and the API ("from")
    arg: str  # SearchRequest.build's keyword ("date_from")
    kind: str  # "string" | "integer" | "number" | "date" | "duration" | "choice"
    help: str
    default: Any = None
    multiple: bool = False  # repeatable: any of the values matches
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        """The command-line option (`--page-size`)."""
        return "--" + self.name.replace("_", "-")


PARAMS: tuple[Param, ...] = (
    Param("q", "q", "string", "The query (see the query language in the README).", default="",
          max_length=MAX_QUERY_LENGTH),
    Param("section", "section", "string", "Only this section (repeat for any of several).", multiple=True,
          max_length=MAX_VALUE_LENGTH),
    Param("source", "source", "string", "Only articles quoting or citing this source (repeat for any of several).",
          multiple=True, max_length=MAX_VALUE_LENGTH),
    Param("outlet", "outlet", "string", "Only articles published by this outlet (its name as the outlet facet lists "
          "it; repeat for any of several). Not the sources quoted: that is `source`.", multiple=True,
          max_length=MAX_VALUE_LENGTH),
    Param("from", "date_from", "date", "Published on or after: an ISO 8601 date or date-time, or date math "
          "(now-24h, now-7d/d, 2024-01-31||+1M; UTC)."),
    Param("to", "date_to", "date", "Published on or before: ISO 8601 (a bare date covers its whole day) or date "
          "math (now, now-1d/d: rounding covers the whole unit)."),
    Param("when", "when", "duration", "Published within this long before now: 1h, 24h, 7d, 30d, 1y (the same as "
          "from=now-<when>; not with `from`).", max_length=40),
    Param("sort", "sort", "choice", "Order of the results.", default="relevance", choices=SORTS),
    Param("page", "page", "integer", "Page number, from 1.", default=1, minimum=1, maximum=MAX_WINDOW),
    Param("page_size", "page_size", "integer", "Results per page.", default=10, minimum=1, maximum=MAX_PAGE_SIZE),
    Param("recency", "recency", "number", "0..1: in relevance order, prefer recent articles.", default=0.0,
          minimum=0.0, maximum=1.0),
    Param("collapse", "collapse", "integer", "1: one hit per story: near-duplicate articles (syndicated copies, "
          "light rewrites) are shown once, by the best-ranked, with `duplicates` and their first `copies`; "
          "`total_collapsed` counts the stories. 0: every article (the API's default; the page's is 1).",
          default=0, minimum=0, maximum=1),
    Param("cursor", "cursor", "string", "Continue after the page this opaque cursor came with (`next`): with the same "
          "search parameters, past the first 10,000 results too; 410 once the index has changed.", default="",
          max_length=MAX_CURSOR_LENGTH),
    Param("histogram", "histogram", "choice", "Count the matches per day, week, month or year (auto: the finest "
          f"with at most {AUTO_BUCKETS} buckets); at most {MAX_BUCKETS} buckets.", choices=HISTOGRAMS),
)
BY_NAME = {p.name: p for p in PARAMS}

QUOTE_SORTS = ("relevance", "newest", "oldest", "most_cited")
SOURCE_KINDS = KINDS  # person, outlet, organisation (search/quotes/aliases.py)
QUOTE_KINDS = get_args(QuoteKind)  # direct, indirect (search/articles.py)
MAX_LISTED_ARTICLES = 20  # a quotation's articles listed with it (`seen_in` counts them all)

# The quote search's parameters (`GET /api/quotes`, `newsearch quotes`): the article search's where they are the same.
QUOTE_PARAMS: tuple[Param, ...] = (
    replace(BY_NAME["q"], help="Words of the quotation (the query language; `source:` and `cue:` too)."),
    replace(BY_NAME["source"], help="Only quotes by this source (an alias finds its canonical name; repeat for any "
            "of several)."),
    Param("source_kind", "source_kind", "choice", "Only sources of this kind (repeatable).", multiple=True,
          choices=SOURCE_KINDS),
    Param("kind", "kind", "choice", "Only direct (in quotation marks) or indirect quotes.", multiple=True,
          choices=QUOTE_KINDS),
    Param("cue", "cue", "string", "Only quotes with this reporting verb (said, told, wrote...; repeatable).",
          multiple=True, max_length=MAX_VALUE_LENGTH),
    replace(BY_NAME["from"], help="First seen on or after (ISO 8601 date or date-time, or date math: now-7d/d)."),
    replace(BY_NAME["to"], help="First seen on or before (ISO 8601; a bare date covers its whole day; or date math)."),
    replace(BY_NAME["when"], help="First seen within this long before now: 1h, 24h, 7d, 30d, 1y (from=now-<when>)."),
    replace(BY_NAME["sort"], help="Order of the quotations.", choices=QUOTE_SORTS),
    BY_NAME["page"],
    replace(BY_NAME["page_size"], help="Quotations per page."),
)
