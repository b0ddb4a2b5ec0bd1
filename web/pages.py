"""HTML pages: the search box and results (`/`, `/search`), the article page and the health check.

Every search is a GET permalink rendered on the server: URL -> SearchRequest -> Engine.search -> template.
Templates autoescape everything; only the engine's snippets (escaped text plus our <mark>) go in as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


def filtering(facets: list[Any], params: tuple[Param, ...], req: Any, args: Any) -> dict[str, Any]:
    """What a results page shows of its filters, from the declarations: the facets that are repeatable request
    parameters filter (`filters`, their `labels`), the active filters and the URL changes clearing them all
    (`active`, `clear`), the counted facets shown (`facets`)."""
    filters = [f.name for f in facets if any(p.name == f.name and p.multiple for p in params)]
    active = [(name, value) for name in filters for value in getattr(req, name)]
    active += [(name, args[name]) for name in ("from", "to") if args.get(name)]
    return {"filters": filters, "active": active,
            "labels": {**{f.name: f.title for f in facets if f.name in filters}, "from": "From", "to": "To"},
            "clear": {**{name: [] for name in filters}, "from": None, "to": None},
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
            "quote_snippets": quote_snippets}


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
    """Results for a query and filters (a permalink); an empty query lists the newest articles."""
    req = search_request(request.args)
    results = run_search(req)
    return render_template("search.html", req=req, r=results, **filtering(FACETS, PARAMS, req, request.args),
                           pages=pages(req.page, results.total, req.page_size), first=(req.page - 1) * req.page_size,
                           facet_limit=FACET_LIMIT,
                           feed_url=url_for("feeds.atom") + "?" + urlencode(url_args(request.args, page=None)))


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
