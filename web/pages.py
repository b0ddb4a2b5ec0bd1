"""HTML pages: the search box and results (`/`, `/search`), the article page and the health check.

Every search is a GET permalink rendered on the server: URL -> SearchRequest -> Engine.search -> template.
Templates autoescape everything; only the engine's snippets (escaped text plus our <mark>) go in as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request, url_for

from search import FACETS, MAX_QUERY_LENGTH, MAX_WINDOW, PARAMS, Hit, NewsearchError, Param
from web import engine, related
from web import search as run_search
from web.params import search_request, url_args

bp = Blueprint("pages", __name__)
FACET_LIMIT = 10  # values shown per facet
PAGE_WINDOW = 2  # page links either side of the current page
WHEN_PRESETS = (("1h", "Past hour"), ("1d", "Past 24 hours"), ("7d", "Past week"), ("30d", "Past month"),
                ("1y", "Past year"))  # `when=` links and options; any other span works in the URL
CHART_HEIGHT, CHART_MIN_BARS = 60, 12  # the matches-over-time chart's drawing units (each bar 10 wide)
PAGE_BARS = 400  # intervals offered on the page: those drawing at most this many bars


def filtering(facets: list[Any], params: tuple[Param, ...], req: Any, args: Any) -> dict[str, Any]:
    """What a results page shows of its filters, from the declarations: the facets that are repeatable request
    parameters filter (`filters`, their `labels`), the active filters and the URL changes clearing them all
    (`active`, `clear`), the counted facets shown (`facets`)."""
    filters = [f.name for f in facets if any(p.name == f.name and p.multiple for p in params)]
    active = [(name, value) for name in filters for value in getattr(req, name)]
    active += [(name, args[name]) for name in ("from", "to", "when") if args.get(name)]
    return {"filters": filters, "active": active,
            "labels": {**{f.name: f.title for f in facets if f.name in filters}, "from": "From", "to": "To",
                       "when": "Within"},
            "clear": {**{name: [] for name in filters}, "from": None, "to": None, "when": None},
            "facets": [(f.name, f.title) for f in facets if f.counted]}


@dataclass(frozen=True)
class Form:
    """A search box: where it sends its GET, how it is labelled, and the request parameters it carries."""

    endpoint: str
    label: str
    placeholder: str
    params: tuple[Param, ...]

    @property
    def sorts(self) -> tuple[str, ...]:
        """The orders the engine knows for this search."""
        return next(p.choices for p in self.params if p.name == "sort")

    @property
    def filters(self) -> list[str]:
        """The repeatable parameters: the active filters a new query keeps (hidden fields)."""
        return [p.name for p in self.params if p.multiple]


ARTICLE_FORM = Form("pages.search", "Search news", 'words, "a phrase", source:"Al Jazeera"', PARAMS)


def url_helpers(endpoint: str, params: tuple[Param, ...]) -> dict[str, Callable[..., str]]:
    """`search_url` (the current search with one thing changed, at `endpoint`) and `page_url` for the templates."""

    def search_url(endpoint: str = endpoint, drop: tuple[tuple[str, str], ...] = (), **changes) -> str:
        if "page" not in changes:
            changes["page"] = None  # any change of the search starts again at page 1
        query = urlencode(url_args(request.args, drop, params, **changes))
        return url_for(endpoint) + ("?" + query if query else "")

    def page_url(n: int) -> str:
        return search_url(page=None if n == 1 else str(n))

    return {"search_url": search_url, "page_url": page_url}


@bp.app_context_processor
def helpers() -> dict:
    """URL builders and the search box for the templates (the article search's, unless a view passes its own)."""
    return {**url_helpers("pages.search", PARAMS), "form": ARTICLE_FORM, "max_query_length": MAX_QUERY_LENGTH,
            "quote_snippets": quote_snippets, "when_presets": WHEN_PRESETS, "date_math": date_math}


def date_math(value: str) -> bool:
    """Whether a date parameter is written as date math (`now-7d/d`): a text box shows it, not a date picker."""
    return value.strip().startswith("now") or "||" in value


def quote_snippets(hit: Hit) -> list[tuple[Any, str | None]]:
    """A hit's matching quotes, each with the engine's marked snippet for the one it was cut from
    (Hit.marked_quote); the others are shown as they are."""
    return [(q, hit.snippets.get("quotes") if n == hit.marked_quote else None) for n, q in enumerate(hit.quotes)]


@bp.get("/")
def home():
    """The search box, with how many articles it searches."""
    if request.args.get("q") is not None:
        return search()
    try:
        count = engine().count()
    except NewsearchError:
        count = None
    return render_template("home.html", count=count)


@bp.get("/search")
def search():
    """Results for a query and filters (a permalink); an empty query lists the newest articles. The matches over
    time are drawn per the URL's `histogram`, else the finest interval that fits (auto). Near-duplicates are shown
    once per story (`collapse=1`) unless the URL says `collapse=0`."""
    args = request.args.copy()
    args["histogram"] = args.get("histogram") or "auto"
    args["collapse"] = args.get("collapse") or "1"  # the page shows one result per story unless told `collapse=0`
    req = search_request(args)
    results = run_search(req)
    return render_template("search.html", req=req, r=results, **filtering(FACETS, PARAMS, req, request.args),
                           chart=trend_chart(results.histogram),
                           pages=pages(req.page, results.total_collapsed if req.collapse else results.total,
                                       req.page_size), first=(req.page - 1) * req.page_size,
                           facet_limit=FACET_LIMIT, export_query=export_query(request.args),
                           feed_url=url_for("feeds.atom") + "?" + urlencode(url_args(request.args, page=None,
                                                                                      histogram=None)))


def export_query(args: Any) -> str:
    """The query string of the downloads of every match (/api/search.csv, .jsonl): this search, from the first."""
    return urlencode(url_args(args, page=None, page_size=None, histogram=None, cursor=None))


def trend_chart(trend: dict[str, Any] | None) -> dict[str, Any] | None:
    """The bars of the matches-over-time chart (x, y, height in drawing units, and the bucket), the drawing's size,
    the busiest bucket's count and the intervals the page offers (those drawing at most PAGE_BARS bars)."""
    if not trend or not trend["buckets"]:
        return None
    buckets = trend["buckets"]
    most = max(b["count"] for b in buckets)
    bars = []
    for n, b in enumerate(buckets):
        h = round(CHART_HEIGHT * b["count"] / most, 2) if most else 0
        if b["count"]:
            h = max(h, 1.5)  # one match among hundreds is still visible
        bars.append({"x": n * 10 + 1, "y": round(CHART_HEIGHT - h, 2), "height": h, **b})
    first, last = date.fromisoformat(buckets[0]["from"]), date.fromisoformat(buckets[-1]["to"])
    spans = {"day": (last - first).days + 1, "week": (last - first).days // 7 + 2,
             "month": (last.year - first.year) * 12 + last.month - first.month + 1, "year": last.year - first.year + 1}
    return {"bars": bars, "width": max(len(bars), CHART_MIN_BARS) * 10, "height": CHART_HEIGHT, "most": most,
            "interval": trend["interval"], "intervals": [i for i, n in spans.items() if n <= PAGE_BARS]}


def pages(page: int, total: int, size: int) -> list[int | None]:
    """Page numbers to link: first, last and a window around the current one; None marks a gap."""
    last = max(1, min(-(-total // size), MAX_WINDOW // size))
    shown = sorted({1, last, *range(max(1, page - PAGE_WINDOW), min(last, page + PAGE_WINDOW) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out if last > 1 else []


@bp.get("/articles/<article_id>")
def article(article_id: str):
    """One article in full, with the quotes and their sources, and related articles."""
    art = engine().article(article_id)
    paragraphs = [" ".join(p.split()) for p in art["body"].split("\n\n") if p.strip()]
    return render_template("article.html", a=art, paragraphs=paragraphs, related=related(article_id),
                           original=web_url(art.get("url")))


def web_url(url: str | None) -> str | None:
    """The URL if it is http(s); anything else (javascript:, data:) is never made a link."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


@bp.get("/healthz")
def healthz():
    """200 when a real tiny search of the index works (with its article count), 503 otherwise: for load
    balancers, which should take a node whose index is missing or damaged out of rotation."""
    try:
        health = engine().health()
    except NewsearchError as e:
        return jsonify({"status": "unavailable", "message": str(e)}), 503
    return jsonify({"status": "ok", **health})
