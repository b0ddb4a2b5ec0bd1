"""Query-string parameters -> one SearchRequest: the same names for the search page, the JSON API and the feed.

`q, page, page_size, sort, section, source, from, to` (section and source repeatable: any of them matches).
Validation lives in SearchRequest.build; this module only reads the URL.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from search.errors import BadRequest
from search.results import MAX_QUERY_LENGTH, SearchRequest

PARAMS = ("q", "section", "source", "from", "to", "sort", "page", "page_size")
MAX_FILTER_VALUES = 20  # repeated section/source values per request
MAX_SUGGEST = 20


def search_request(args: MultiDict, sort: str | None = None, page_size: int | None = None) -> SearchRequest:
    """The SearchRequest for these URL arguments; `sort`/`page_size` given here win (the feed is always newest)."""
    sections, sources = args.getlist("section"), args.getlist("source")
    for name, values in (("section", sections), ("source", sources)):
        if len(values) > MAX_FILTER_VALUES:
            raise BadRequest(f"at most {MAX_FILTER_VALUES} {name} values", name)
        if any(len(v) > 200 for v in values):
            raise BadRequest(f"a {name} value is longer than 200 characters", name)
    return SearchRequest.build(
        q=_clean(args.get("q", "")), section=sections, source=sources, date_from=args.get("from"),
        date_to=args.get("to"), sort=sort or args.get("sort"), page=args.get("page"),
        page_size=page_size if page_size is not None else args.get("page_size"),
    )


def suggest_params(args: MultiDict) -> tuple[str, int]:
    """The prefix and limit of a suggestion request."""
    q = _clean(args.get("q", ""))
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(f"the query is longer than {MAX_QUERY_LENGTH} characters", "q")
    raw = args.get("limit", "8")
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit must be a whole number", "limit") from None
    if not 1 <= limit <= MAX_SUGGEST:
        raise BadRequest(f"limit must be between 1 and {MAX_SUGGEST}", "limit")
    return q, limit


def _clean(text: str) -> str:
    """Control characters (NUL and friends) out: they cannot be in an article and break XML output."""
    return "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text)


def url_args(args: MultiDict, drop: tuple[tuple[str, str], ...] = (),
             **changes: str | list[str] | None) -> list[tuple[str, str]]:
    """The current search's arguments (known, non-empty), minus `drop` (name, value) pairs, with `changes` applied."""
    out: list[tuple[str, str]] = []
    for name in PARAMS:
        values = args.getlist(name) if name not in changes else changes[name]
        if values is None:
            continue
        for v in [values] if isinstance(values, str) else values:
            if v != "" and (name, v) not in drop:
                out.append((name, v))
    return out
