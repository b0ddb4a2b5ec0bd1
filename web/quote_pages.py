"""HTML pages of who said what: the quote search (`/quotes`), the list of sources (`/sources`) and one source's
profile (`/sources/<slug>`, with its quotes per month drawn as a small server-side SVG chart).

Like the article search, every page is a GET permalink rendered on the server, usable without JavaScript:
URL -> QuoteRequest -> Engine.quotes -> template. The filters, sorts and facets are the engine's declarations
(search.QUOTE_PARAMS, search.QUOTE_FACETS); snippets are the engine's escaped text plus <mark>.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from search import QUOTE_FACETS, QUOTE_PARAMS
from web import quotes as run_quotes
from web import source as source_profile
from web import sources as list_sources
from web.pages import FACET_LIMIT, Form, filtering, pages, url_helpers
from web.params import page_params, quote_request, sources_params, url_args

bp = Blueprint("quote_pages", __name__)
QUOTE_FORM = Form("quote_pages.quotes", "Search quotes", 'words said, "a phrase", source:"Priya Raman"', QUOTE_PARAMS)
CHART_HEIGHT = 60  # the timeline's drawing units: each month 10 wide, the busiest month this high
CHART_MONTHS = 12  # drawn at least this many months wide, so a few months are not a few very wide bars


@bp.get("/quotes")
def quotes():
    """Quotations matching a query and filters (a permalink), one per quotation; none typed: the newest."""
    req = quote_request(request.args)
    results = run_quotes(req)
    feed = urlencode(url_args(request.args, params=QUOTE_PARAMS, page=None, sort=None))
    return render_template("quotes.html", req=req, r=results.to_dict(),
                           **filtering(QUOTE_FACETS, QUOTE_PARAMS, req, request.args),
                           pages=pages(req.page, results.total, req.page_size),
                           first=(req.page - 1) * req.page_size, facet_limit=FACET_LIMIT,
                           form=QUOTE_FORM, feed_url=url_for("feeds.quotes_atom") + ("?" + feed if feed else ""),
                           **url_helpers("quote_pages.quotes", QUOTE_PARAMS))


@bp.get("/sources")
def sources():
    """The sources whose names match what was typed (every source, most quoted first, for nothing typed)."""
    q, limit = sources_params(request.args)
    return render_template("sources.html", q=q, found=list_sources(q, limit), limit=limit)


@bp.get("/sources/<slug>")
def source(slug: str):
    """One source: names, counts, quotes per month, who it is quoted with, the outlets, what it said (paged)."""
    page, page_size = page_params(request.args)
    profile = source_profile(slug, page, page_size)
    recent = profile["recent"]

    def page_url(n: int) -> str:
        query = urlencode([(k, v) for k, v in (("page", n if n > 1 else None), ("page_size", request.args.get(
            "page_size"))) if v])
        return url_for("quote_pages.source", slug=slug) + ("?" + query if query else "")

    follow = urlencode([("source", profile["name"])])
    return render_template("source.html", s=profile, r=recent, chart=timeline_chart(profile["timeline"]),
                           pages=pages(page, recent["total"], page_size), first=(page - 1) * page_size,
                           page_no=page, page_url=page_url,
                           quotes_url=url_for("quote_pages.quotes") + "?" + follow,
                           feed_url=url_for("feeds.quotes_atom") + "?" + follow,
                           articles_url=url_for("pages.search") + "?" + follow)


def timeline_chart(timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """The bars of a quotes-per-month chart: one per month (x, y, height in drawing units, the month and its
    count for the tooltip), the drawing's width and height, and the busiest month's count."""
    most = max((m["quotes"] for m in timeline), default=0)
    bars = []
    for n, m in enumerate(timeline):
        h = round(CHART_HEIGHT * m["quotes"] / most, 2) if most else 0
        if m["quotes"]:
            h = max(h, 1.5)  # a month with one quote among hundreds is still visible
        bars.append({"x": n * 10 + 1, "y": round(CHART_HEIGHT - h, 2), "height": h, "month": m["month"],
                     "quotes": m["quotes"]})
    return {"bars": bars, "width": max(len(timeline), CHART_MONTHS) * 10, "height": CHART_HEIGHT, "most": most}
