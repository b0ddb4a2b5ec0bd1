"""The JSON API: /api/search, /api/articles/<id>, /api/quotes, /api/sources[/<slug>], /api/suggest, /api/status
and its OpenAPI document.

`/api/search` returns exactly `Results.to_dict()`, the same dict `newsearch search --json` prints; `/api/quotes`
`QuoteResults.to_dict()`, what `newsearch quotes --json` prints; `/api/sources` what `newsearch sources --json` does.
Errors have one shape, `{"error": {"status", "code", "message", "param"}}` (web/errors.py).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from search import Results
from web import engine
from web import quotes as run_quotes
from web import search as run_search
from web import source as source_profile
from web import sources as list_sources
from web.conditional import api_answer
from web.links import public_url
from web.openapi import declared_query, document
from web.params import (
    page_params,
    quote_request,
    refuse_unknown,
    search_request,
    sources_params,
    suggest_params,
    url_args,
)

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def known_parameters() -> None:
    """A query parameter the OpenAPI document does not declare for the route is a 400 naming it."""
    known = declared_query(request.url_rule.rule) if request.url_rule is not None else None
    if known is not None and request.method != "OPTIONS":
        refuse_unknown(request.args, known)


@bp.get("/search")
def search():
    """Ranked, highlighted results with facets for the query and filters in the URL (ETag, 304)."""
    req = search_request(request.args)
    return api_answer("search", req.to_dict(), req.relative, lambda: _paged(run_search(req)))


def _paged(results: Results) -> Response:
    """The results as JSON, with `Link: <…>; rel="next"` (this search with the `next` cursor) when there is more."""
    resp = jsonify(results.to_dict())
    if results.next:
        origin, _ = public_url(current_app.config["NEWSEARCH_SETTINGS"])
        query = urlencode(url_args(request.args, page=None, cursor=results.next))
        resp.headers["Link"] = f'<{origin}{url_for("api.search")}?{query}>; rel="next"'
    return resp


@bp.get("/articles/<article_id>")
def article(article_id: str):
    """The full stored article: text, captions, quotes with their sources, corpus-relative path (ETag, 304)."""
    return api_answer("article", article_id, False, lambda: jsonify(engine().article(article_id)))


@bp.get("/quotes")
def quotes():
    """Quotations matching the query and filters in the URL, one result per quotation, with facets."""
    return jsonify(run_quotes(quote_request(request.args)).to_dict())


@bp.get("/sources")
def sources():
    """The sources whose names match `q` (all of them for none), most quoted first."""
    q, limit = sources_params(request.args)
    return jsonify({"q": q, "sources": list_sources(q, limit)})  # the shape `newsearch sources --json` prints


@bp.get("/sources/<slug>")
def source(slug: str):
    """One source's profile: names, counts, timeline, who it is quoted with, outlets, its quotes newest first."""
    page, page_size = page_params(request.args)
    return jsonify(source_profile(slug, page, page_size))


@bp.get("/suggest")
def suggest():
    """Completions of a prefix; `format=opensearch` gives the OpenSearch suggestions shape `[q, [completions]]`."""
    q, limit = suggest_params(request.args)
    completions = engine().suggest(q, limit=limit) if q.strip() else []
    if request.args.get("format") == "opensearch":
        body = json.dumps([q, completions], ensure_ascii=False)
        return Response(body, mimetype="application/x-suggestions+json")
    return jsonify({"q": q, "suggestions": completions})


@bp.get("/status")
def status():
    """What the live index holds: article count, build, generation, when built, the last indexing run."""
    return jsonify(engine().status())


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(document())
