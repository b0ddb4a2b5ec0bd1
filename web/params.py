"""Query-string parameters -> one request object: the same names for the pages, the JSON API and the feeds.

The names, and which are repeatable, come from the engine's declarations of its requests (`search.PARAMS` for
articles, `search.QUOTE_PARAMS` for quotations); validation lives in the requests' `build`; this module only
reads the URL.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from search import (
    MAX_QUERY_LENGTH,
    PARAMS,
    QUOTE_PARAMS,
    SUGGEST_LIMIT,
    BadRequest,
    Param,
    QuoteRequest,
    SearchRequest,
)

PAGE_PARAMS = tuple(p for p in QUOTE_PARAMS if p.name in ("page", "page_size"))  # a source profile's paging
# Sources listed by one request at most: as many as quotations on a page (the engine's own cap).
SOURCES_LIMIT = int(next(p.maximum for p in PAGE_PARAMS if p.name == "page_size"))


def search_request(args: MultiDict, sort: str | None = None, page_size: int | None = None) -> SearchRequest:
    """The SearchRequest for these URL arguments; `sort`/`page_size` given here win (the feed is always newest)."""
    return SearchRequest.build(**_raw(args, PARAMS, sort, page_size))


def quote_request(args: MultiDict, sort: str | None = None, page_size: int | None = None) -> QuoteRequest:
    """The QuoteRequest for these URL arguments (QUOTE_PARAMS); `sort`/`page_size` given here win."""
    return QuoteRequest.build(**_raw(args, QUOTE_PARAMS, sort, page_size))


def _raw(args: MultiDict, params: tuple[Param, ...], sort: str | None, page_size: int | None) -> dict[str, Any]:
    """The raw values of the declared parameters, keyed by their `build` keyword; unknown names are ignored."""
    values: dict[str, Any] = {p.arg: args.getlist(p.name) if p.multiple else args.get(p.name) for p in params}
    values["q"] = _clean(values["q"] or "")
    if sort is not None:
        values["sort"] = sort
    if page_size is not None:
        values["page_size"] = page_size
    return values


def suggest_params(args: MultiDict) -> tuple[str, int]:
    """The prefix and limit of a suggestion request."""
    return _query(args), _limit(args, 8, SUGGEST_LIMIT)


def sources_params(args: MultiDict) -> tuple[str, int]:
    """The name query and limit of a sources listing (`/api/sources`, `/sources`)."""
    return _query(args), _limit(args, 20, SOURCES_LIMIT)


def page_params(args: MultiDict) -> tuple[int, int]:
    """The page and page size of a source profile, validated as the quote search validates its own."""
    req = QuoteRequest.build(**{p.arg: args.get(p.name) for p in PAGE_PARAMS})
    return req.page, req.page_size


def _query(args: MultiDict) -> str:
    q = _clean(args.get("q", ""))
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(f"the query is longer than {MAX_QUERY_LENGTH} characters", "q")
    return q


def _limit(args: MultiDict, default: int, most: int) -> int:
    raw = args.get("limit", "") or str(default)
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit must be a whole number", "limit") from None
    if not 1 <= limit <= most:
        raise BadRequest(f"limit must be between 1 and {most}", "limit")
    return limit


def refuse_unknown(args: MultiDict, known: set[str]) -> None:
    """BadRequest naming the query parameters not in `known` (the API refuses what it would otherwise ignore:
    a misspelt `form=2020-01-01` would silently search everything)."""
    unknown = list(dict.fromkeys(name for name in args if name not in known))
    if unknown:
        names = ", ".join(f"`{n}`" for n in unknown)
        takes = ", ".join(sorted(known)) or "no parameters"
        raise BadRequest(f"unknown parameter{'s' if len(unknown) > 1 else ''} {names} (this takes {takes})",
                         unknown[0])


def _clean(text: str) -> str:
    """Control characters (NUL and friends) out: they cannot be in an article and break XML output."""
    return "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text)


def url_args(args: MultiDict, drop: tuple[tuple[str, str], ...] = (), params: tuple[Param, ...] = PARAMS,
             **changes: str | list[str] | None) -> list[tuple[str, str]]:
    """The current request's arguments (known, non-empty), minus `drop` (name, value) pairs, with `changes` applied."""
    out: list[tuple[str, str]] = []
    for name in (p.name for p in params):
        values = args.getlist(name) if name not in changes else changes[name]
        if values is None:
            continue
        for v in [values] if isinstance(values, str) else values:
            if v != "" and (name, v) not in drop:
                out.append((name, v))
    return out
