"""The search request and its results: typed values with one serializer, shared by the CLI and the API."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, time
from typing import Any, ClassVar, Self

from search.articles import Quote
from search.dates import DateMathError, date_math, is_date_math, parse_iso
from search.engine.params import MAX_FILTER_VALUES, MAX_WINDOW, PARAMS, Param
from search.errors import BadRequest


class Request:
    """A request declared by its Params (`params`): `build` validates raw values against them, `to_dict` echoes
    the normalised request under their URL names, in their order."""

    params: ClassVar[tuple[Param, ...]] = ()

    @classmethod
    def build(cls, now: datetime | None = None, **raw: Any) -> Self:
        """Validate raw parameters (strings from a URL or the command line, by each Param's `arg`); BadRequest
        names the bad one. Relative dates (`now-7d/d`, `when=7d`) are read against `now` (default: the clock)."""
        unknown = set(raw) - {p.arg for p in cls.params}
        if unknown:
            raise TypeError(f"{cls.__name__}.build() got unknown parameters {sorted(unknown)}")
        return cls(**validated(cls.params, raw, now))

    def to_dict(self, as_written: bool = False) -> dict[str, Any]:
        """The normalised request, as echoed in results (relative dates as the dates they were read as), or,
        `as_written`, with relative dates as they were written (what names a feed, whatever the day)."""
        written = getattr(self, "written", {})
        out = {}
        for p in self.params:
            value = written[p.name] if as_written and p.name in written else getattr(self, p.arg)
            out[p.name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    @property
    def relative(self) -> bool:
        """Whether the request's dates move with the clock (`now` in `from`/`to`, or `when`)."""
        return bool(getattr(self, "written", None))


@dataclass
class SearchRequest(Request):
    """One search: the query string, filters (OR within a field, AND across fields), order and page."""

    params: ClassVar[tuple[Param, ...]] = PARAMS

    q: str = ""
    section: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    outlet: list[str] = field(default_factory=list)  # the publishers (not the sources quoted)
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    recency: float = 0.0  # 0 = none; 1 = a strong preference for recent articles in relevance order
    collapse: int = 0  # 1: one hit per story (near-duplicates collapsed: engine/collapse.py)
    cursor: str = ""  # where the page starts: the `next` of the page before (cursors.py)
    when: str | None = None  # "7d": date_from is now-7d (already resolved)
    histogram: str | None = None  # count the matches per day | week | month | year | auto
    written: dict[str, str | None] = field(default_factory=dict, compare=False)  # relative dates as written


def _int(value: int | str | None, param: Any) -> int:
    if value in (None, ""):
        return param.default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{param.name} must be a whole number", param.name) from None
    if not param.minimum <= n <= param.maximum:
        raise BadRequest(f"{param.name} must be between {param.minimum} and {param.maximum}", param.name)
    return n


def _number(value: float | str | None, param: Any) -> float:
    message = f"{param.name} must be a number between {param.minimum:g} and {param.maximum:g}"
    if value in (None, ""):
        return param.default
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BadRequest(message, param.name) from None
    if not param.minimum <= x <= param.maximum:  # NaN too
        raise BadRequest(message, param.name)
    return x


def _date(value: str | None, name: str, end: bool, now: datetime) -> datetime | None:
    """ISO 8601 date or date-time, or date math against `now` (search/dates.py) -> naive UTC; a bare date (and,
    at the end, a rounded one) covers its whole day (inclusive)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if is_date_math(text):
        try:
            return date_math(text, now, round_up=end)
        except DateMathError as e:
            raise BadRequest(f"`{name}`: {e}", name) from None
    parsed = parse_iso(text) if len(text) >= 10 else None
    if parsed is None:
        raise BadRequest(f"`{name}` must be an ISO 8601 date or date-time, like 2011-12-31, or date math, like "
                         "now-7d/d", name)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    if end and len(text) == 10:
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed


def _values(values: list[str] | tuple[str, ...] | str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


@dataclass
class Hit:
    """One result: the article's identity, its score, which fields matched and the highlighted snippets."""

    id: str
    url: str | None
    headline: str
    section: str | None
    byline: str | None
    published: str | None
    score: float | None = None  # None when the order is not by relevance (sort by date)
    matched_fields: list[str] = field(default_factory=list)
    snippets: dict[str, str] = field(default_factory=dict)
    quotes: list[Quote] = field(default_factory=list)  # the quotes whose words matched, with their sources
    marked_quote: int | None = None  # which of them the "quotes" snippet is cut from (for pages; not in JSON)
    outlet: str | None = None  # the publisher (never a quoted source)
    cluster: str | None = None  # the story: near-duplicate articles share it (search/index/dedup.py)
    duplicates: int = 0  # collapse=1: the other matches of its story, not shown as hits of their own
    copies: list[dict[str, Any]] = field(default_factory=list)  # the first of them, earliest first (engine/collapse.py)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a hit."""
        return {"id": self.id, "url": self.url, "headline": self.headline, "section": self.section,
                "byline": self.byline, "published": self.published, "outlet": self.outlet, "score": self.score,
                "matched_fields": list(self.matched_fields), "snippets": dict(self.snippets),
                "quotes": [q.to_dict() for q in self.quotes], "cluster": self.cluster,
                "duplicates": self.duplicates, "copies": [dict(c) for c in self.copies]}


@dataclass
class Results:
    """A page of hits with the total, facet counts and flags (relaxed matching, partial, suggestion)."""

    query: dict[str, Any]
    total: int
    page: int
    page_size: int
    took_ms: float
    results: list[Hit]
    facets: dict[str, list[dict[str, Any]]]
    suggestion: dict[str, Any] | None = None
    relaxed: bool = False
    partial: bool = False
    histogram: dict[str, Any] | None = None  # matches per day/week/month/year, when asked (engine/histogram.py)
    next: str | None = None  # the cursor of the page after this one; None on the last page (cursors.py)
    total_collapsed: int | None = None  # collapse=1: the stories among the `total` matches; else None

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of results: `newsearch search --json` and `GET /api/search` print this."""
        d = asdict(replace(self, results=[]))
        d["results"] = [h.to_dict() for h in self.results]
        return d


def validated(params: tuple[Any, ...], raw: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Raw values (strings from a URL or the command line, keyed by each Param's `arg`) checked against their
    declarations and converted; BadRequest names the first bad one. What a request's `build` starts from.
    Relative dates are read against `now` (default: the clock, read once for all of them) and kept as written
    under `written`."""
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {}
    written: dict[str, str | None] = {}
    for p in params:
        value = raw.get(p.arg)
        if p.multiple:
            values = [value] if isinstance(value, str) else list(value or ())
            if len(values) > MAX_FILTER_VALUES:
                raise BadRequest(f"at most {MAX_FILTER_VALUES} {p.name} values", p.name)
            values = _values(values)
            if p.max_length and any(len(v) > p.max_length for v in values):
                raise BadRequest(f"a {p.name} value is longer than {p.max_length} characters", p.name)
            if p.choices and any(v.lower() not in p.choices for v in values):
                raise BadRequest(f"{p.name} must be one of {', '.join(p.choices)}", p.name)
            out[p.arg] = [v.lower() for v in values] if p.choices else values
        elif p.kind == "integer":
            out[p.arg] = _int(value, p)
        elif p.kind == "number":
            out[p.arg] = _number(value, p)
        elif p.kind == "date":
            out[p.arg] = _date(value, p.name, end=p.name == "to", now=now)
            if value and str(value).strip().startswith("now"):
                written[p.name] = str(value).strip()
        elif p.kind == "duration":
            out[p.arg] = _duration(value, p)
        elif p.kind == "choice":
            choice = (value or p.default or "").lower() or None
            if choice is not None and choice not in p.choices:
                raise BadRequest(f"{p.name} must be one of {', '.join(p.choices)}", p.name)
            out[p.arg] = choice
        else:
            text = value or p.default or ""
            if p.max_length and len(text) > p.max_length:
                what = "query" if p.name == "q" else p.name
                raise BadRequest(f"the {what} is longer than {p.max_length} characters", p.name)
            out[p.arg] = text
    if out.get("when"):
        _resolve_when(out, written, now)
    if written:
        out["written"] = written
    if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"]:
        raise BadRequest("`to` is before the start of the `when` window" if out.get("when") else "`from` is after `to`",
                         "when" if out.get("when") else "from")
    if "page" in out and out["page"] * out["page_size"] > MAX_WINDOW:
        raise BadRequest(f"results beyond the first {MAX_WINDOW} cannot be paged to; narrow the search", "page")
    return out


def _duration(value: str | None, param: Any) -> str | None:
    """A span of time back from now, as date math writes it after `now-` (`7d`, `24h`, `1y`, `7d/d`), or None."""
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) > param.max_length or not re.match(r"\d+[a-zA-Z]", text):
        raise BadRequest(f"`{param.name}` is a span of time before now, like 1h, 24h, 7d, 30d or 1y", param.name)
    return text


def _resolve_when(out: dict[str, Any], written: dict[str, str | None], now: datetime) -> None:
    """`when=7d` is `from=now-7d`: it sets date_from, and cannot be given with `from`."""
    if out.get("date_from"):
        raise BadRequest("give `when` or `from`, not both", "when")
    start = _date("now-" + out["when"], "when", end=False, now=now)
    if start is not None and start > date_math("now", now):
        raise BadRequest(f"`when` must reach back from now, like 7d, not {out['when']!r}", "when")
    out["date_from"] = start
    written["from"] = None
