"""Query-string parameters -> one SearchRequest: the same names for the search page, the JSON API and the feed.

The names, and which are repeatable, come from the engine's declaration of the request (`search.PARAMS`);
validation lives in SearchRequest.build; this module only reads the URL.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from search import MAX_QUERY_LENGTH, PARAMS, SUGGEST_LIMIT, BadRequest, SearchRequest


def search_request(args: MultiDict, sort: str | None = None, page_size: int | None = None) -> SearchRequest:
    """The SearchRequest for these URL arguments; `sort`/`page_size` given here win (the feed is always newest)."""
    values = {p.arg: args.getlist(p.name) if p.multiple else args.get(p.name) for p in PARAMS}
    values["q"] = _clean(values["q"] or "")
    if sort is not None:
        values["sort"] = sort
    if page_size is not None:
        values["page_size"] = page_size
    return SearchRequest.build(**values)


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
    if not 1 <= limit <= SUGGEST_LIMIT:
        raise BadRequest(f"limit must be between 1 and {SUGGEST_LIMIT}", "limit")
    return q, limit


def _clean(text: str) -> str:
    """Control characters (NUL and friends) out: they cannot be in an article and break XML output."""
    return "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text)


def url_args(args: MultiDict, drop: tuple[tuple[str, str], ...] = (),
             **changes: str | list[str] | None) -> list[tuple[str, str]]:
    """The current search's arguments (known, non-empty), minus `drop` (name, value) pairs, with `changes` applied."""
    out: list[tuple[str, str]] = []
    for name in (p.name for p in PARAMS):
        values = args.getlist(name) if name not in changes else changes[name]
        if values is None:
            continue
        for v in [values] if isinstance(values, str) else values:
            if v != "" and (name, v) not in drop:
                out.append((name, v))
    return out
