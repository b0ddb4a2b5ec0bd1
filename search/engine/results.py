"""The search request and its results: typed values with one serializer, shared by the CLI and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, time
from typing import Any, ClassVar, Self

from search.articles import Quote
from search.dates import parse_iso
from search.engine.params import MAX_FILTER_VALUES, MAX_WINDOW, PARAMS, Param
from search.errors import BadRequest


class Request:
    """A request declared by its Params (`params`): `build` validates raw values against them, `to_dict` echoes
    the normalised request under their URL names, in their order."""

    params: ClassVar[tuple[Param, ...]] = ()

    @classmethod
    def build(cls, **raw: Any) -> Self:
        """Validate raw parameters (strings from a URL or the command line, by each Param's `arg`); BadRequest
        names the bad one."""
        unknown = set(raw) - {p.arg for p in cls.params}
        if unknown:
            raise TypeError(f"{cls.__name__}.build() got unknown parameters {sorted(unknown)}")
        return cls(**validated(cls.params, raw))

    def to_dict(self) -> dict[str, Any]:
        """The normalised request, as echoed in results."""
        out = {}
        for p in self.params:
            value = getattr(self, p.arg)
            out[p.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass
class SearchRequest(Request):
    """One search: the query string, filters (OR within a field, AND across fields), order and page."""

    params: ClassVar[tuple[Param, ...]] = PARAMS

    q: str = ""
    section: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    recency: float = 0.0  # 0 = none; 1 = a strong preference for recent articles in relevance order


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


def _date(value: str | None, name: str, end: bool) -> datetime | None:
    """ISO 8601 date or date-time -> naive UTC; a bare date covers its whole day (inclusive)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    parsed = parse_iso(text) if len(text) >= 10 else None
    if parsed is None:
        raise BadRequest(f"`{name}` must be an ISO 8601 date or date-time, like 2011-12-31", name)
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

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a hit."""
        return {"id": self.id, "url": self.url, "headline": self.headline, "section": self.section,
                "byline": self.byline, "published": self.published, "score": self.score,
                "matched_fields": list(self.matched_fields), "snippets": dict(self.snippets),
                "quotes": [q.to_dict() for q in self.quotes]}


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

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of results: `newsearch search --json` and `GET /api/search` print this."""
        d = asdict(replace(self, results=[]))
        d["results"] = [h.to_dict() for h in self.results]
        return d


def validated(params: tuple[Any, ...], raw: dict[str, Any]) -> dict[str, Any]:
    """Raw values (strings from a URL or the command line, keyed by each Param's `arg`) checked against their
    declarations and converted; BadRequest names the first bad one. What a request's `build` starts from."""
    out: dict[str, Any] = {}
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
            out[p.arg] = _date(value, p.name, end=p.name == "to")
        elif p.kind == "choice":
            choice = (value or p.default).lower()
            if choice not in p.choices:
                raise BadRequest(f"{p.name} must be one of {', '.join(p.choices)}", p.name)
            out[p.arg] = choice
        else:
            text = value or p.default or ""
            if p.max_length and len(text) > p.max_length:
                what = "query" if p.name == "q" else p.name
                raise BadRequest(f"the {what} is longer than {p.max_length} characters", p.name)
            out[p.arg] = text
    if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"]:
        raise BadRequest("`from` is after `to`", "from")
    if "page" in out and out["page"] * out["page_size"] > MAX_WINDOW:
        raise BadRequest(f"results beyond the first {MAX_WINDOW} cannot be paged to; narrow the search", "page")
    return out
