"""The OpenAPI 3 document of the JSON API (served at /api/openapi.json, checked against real responses in tests).

Schemas mirror `Results.to_dict()`, `Engine.article()`, `QuoteResults.to_dict()`, `Engine.sources()`,
`Engine.source()`, `Engine.status()` and the one error shape of errors.py; parameters are derived from the
engine's declarations (search.PARAMS, search.QUOTE_PARAMS).
"""

from __future__ import annotations

import functools
import re

from search import API_VERSION, FIELDS, MAX_QUERY_LENGTH, PARAMS, QUOTE_PARAMS, SUGGEST_LIMIT, Param, server_version
from web.params import SOURCES_LIMIT


def _nullable(type_: str, **more) -> dict:
    return {"type": type_, "nullable": True, **more}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _obj(properties: dict, required: list[str] | None = None, **more) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties), **more}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    # allowEmptyValue: `page_size=` (as an HTML form sends an empty field) means the default, it is not an error.
    p = {"name": name, "in": "query", "required": required, "schema": schema, "description": description,
         "allowEmptyValue": True}
    if schema.get("type") == "array":
        p.update(style="form", explode=True)
    return p


_STR = {"type": "string"}
_INT = {"type": "integer"}
_COUNT = {"type": "integer", "minimum": 0}
_KINDS = next(p.choices for p in QUOTE_PARAMS if p.name == "kind")
_SOURCE_KINDS = next(p.choices for p in QUOTE_PARAMS if p.name == "source_kind")
QUOTE = _obj({"text": _STR, "source": _nullable("string"),
              "source_kind": _nullable("string", enum=[*_SOURCE_KINDS, None]), "cue": _nullable("string"),
              "kind": {"type": "string", "enum": list(_KINDS)}},
             required=["text", "source", "kind"])
HIT = _obj({
    "id": _STR, "url": _nullable("string"), "headline": _STR, "section": _nullable("string"),
    "byline": _nullable("string"), "published": _nullable("string"), "score": _nullable("number"),
    "matched_fields": _array(_STR),
    "snippets": {"type": "object", "additionalProperties": _STR,
                 "description": "field -> escaped text with <mark> around the matched words"},
    "quotes": _array(_ref("Quote")),
    "outlet": _nullable("string", description="the publisher (site name, JSON-LD publisher or the URL's domain); "
                        "never one of the sources quoted"),
    "cluster": _nullable("string", description="its story: near-duplicate articles (copies, light rewrites) share it"),
    "duplicates": {"type": "integer", "minimum": 0,
                   "description": "collapse=1: how many other matches its story has (not shown as hits); else 0"},
    "copies": _array(_obj({"id": _STR, "url": _nullable("string"), "outlet": _nullable("string"), "headline": _STR,
                           "published": _nullable("string")}, description="collapse=1: the first of those "
                                                                           "duplicates, earliest published first")),
})
FACET = _array(_obj({"value": _STR, "count": {"type": "integer", "minimum": 1}}))
def _schema(p: Param) -> dict:
    """A request parameter's JSON schema, from its declaration (search.PARAMS)."""
    kind = {"choice": "string", "date": "string", "duration": "string"}.get(p.kind, p.kind)
    schema: dict = {"type": kind}
    if p.kind == "choice":
        schema["enum"] = list(p.choices)
    if p.kind == "date":  # no `format`: date math (now-7d/d) is no OpenAPI date; the description says both
        schema["example"] = "now-7d/d" if p.name == "from" else "2011-12-31"
    if p.kind == "duration":
        schema.update(pattern=r"^\d+[yMwdhHms]", example="7d")
    if p.max_length is not None:
        schema["maxLength"] = p.max_length
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    return _array(schema) if p.multiple else schema


def _echoed(p: Param) -> dict:
    """How Results echo a parameter: dates as ISO strings (relative ones as the dates they were read as) or null,
    the rest as given (null for an optional one not given)."""
    if p.kind in ("date", "duration"):
        return _nullable("string")
    if p.multiple:
        return _array(_STR)
    if p.default is None:
        return _nullable(_schema(p)["type"], **({"enum": [*p.choices, None]} if p.choices else {}))
    return {"type": _schema(p)["type"], **({"enum": list(p.choices)} if p.choices else {})}


HISTOGRAM = _nullable("object", description="matches per bucket, when `histogram` was asked for", properties={
    "interval": {"type": "string", "enum": ["day", "week", "month", "year"], "description": "the one used"},
    "dated": {"type": "integer", "minimum": 0, "description": "matches with a date: the sum of the counts"},
    "undated": {"type": "integer", "minimum": 0},
    "buckets": _array(_obj({
        "key": {"type": "string", "description": "2023-10-16, 2023-W42 (ISO week), 2023-10 or 2023"},
        "from": {"type": "string", "format": "date", "description": "the bucket's first day (UTC)"},
        "to": {"type": "string", "format": "date", "description": "its last day"},
        "count": {"type": "integer", "minimum": 0, "description": "matches published in it"},
        "all": {"type": "integer", "minimum": 0, "description": "articles in it within the same filters, any words"},
        "share": {"type": "number", "minimum": 0, "maximum": 1, "description": "count / all (0 when all is 0)"},
    })),
}, required=["interval", "dated", "undated", "buckets"])


RESULTS = _obj({
    "query": _obj({p.name: _echoed(p) for p in PARAMS}),
    "total": {"type": "integer", "minimum": 0}, "page": _INT, "page_size": _INT, "took_ms": {"type": "number"},
    "results": _array(_ref("Hit")),
    "facets": {"type": "object", "additionalProperties": FACET, "description": "facet -> values with counts"},
    "suggestion": _nullable("object", properties={"q": _STR, "total": _INT}, required=["q", "total"]),
    "relaxed": {"type": "boolean"}, "partial": {"type": "boolean"}, "histogram": HISTOGRAM,
    "next": _nullable("string", description="an opaque cursor: send it as `cursor` with the same search for the "
                      "page after this one (past the first 10,000 too); null on the last page"),
    "total_collapsed": _nullable("integer", minimum=0, description="collapse=1: the stories among the `total` "
                                "matches, near-duplicates counted once (what it pages through); else null"),
})
QUOTE_RESULT = _obj({
    "id": {"type": "string", "description": "the quotation's key: the same words by the same source"},
    "text": _STR, "snippet": {"type": "string", "description": "the text, escaped, with <mark> around matches"},
    "source": _nullable("string"), "source_kind": _nullable("string", enum=[*_SOURCE_KINDS, None]),
    "cue": _nullable("string"), "kind": {"type": "string", "enum": list(_KINDS)},
    "first_seen": _obj({"published": _nullable("string"), "article_id": _STR, "headline": _STR}),
    "seen_in": {"type": "integer", "minimum": 1, "description": "how many articles carry the quotation"},
    "articles": _array(_obj({"id": _STR, "headline": _STR, "published": _nullable("string"),
                             "url": _nullable("string"), "outlet": _nullable("string")})),
})
QUOTE_RESULTS = _obj({
    "query": _obj({p.name: _echoed(p) for p in QUOTE_PARAMS}),
    "total": _COUNT, "page": _INT, "page_size": _INT, "took_ms": {"type": "number"},
    "results": _array(_ref("QuoteResult")),
    "facets": {"type": "object", "additionalProperties": FACET, "description": "facet -> values with counts"},
    "partial": {"type": "boolean"},
})
SOURCE = _obj({
    "slug": {"type": "string", "description": "the source's name in URLs: /api/sources/{slug}"}, "name": _STR,
    "kind": _nullable("string", enum=[*_SOURCE_KINDS, None]), "quotes": _COUNT, "articles": _COUNT,
    "first_quoted": _nullable("string"), "last_quoted": _nullable("string"),
})
SOURCES = _obj({"q": _STR, "sources": _array(_ref("Source"))})
SOURCE_PROFILE = _obj({
    **SOURCE["properties"], "aliases": _array(_STR), "direct": _COUNT, "indirect": _COUNT,
    "timeline": _array(_obj({"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "quotes": _COUNT})),
    "quoted_with": _array(_obj({"slug": _STR, "name": _STR, "count": {"type": "integer", "minimum": 1}})),
    "outlets": _array(_obj({"name": _STR, "count": {"type": "integer", "minimum": 1}})),
    "recent": _ref("QuoteResults"),
})


def _article() -> dict:
    """The article schema: the Article's own keys, and any more stored fields of the registry (search.FIELDS)."""
    return _obj({
        "id": _STR, "url": _nullable("string"), "headline": _STR, "section": _nullable("string"),
        "byline": _nullable("string"), "published": _nullable("string"), "captions": _array(_STR),
        "credit": _nullable("string"), "body": _STR, "blockquotes": _array(_STR), "quotes": _array(_ref("Quote")),
        "sources": _array(_STR), "path": _nullable("string"),
        **{f.name: _nullable("string") for f in FIELDS if f.extra and f.stored},
        "cluster": _nullable("string", description="its story: near-duplicate articles share it"),
    })
STATUS = _obj({"articles": _INT, "build": _STR, "generation": _INT, "built": _nullable("string"), "index": _STR,
               "last_run": _nullable("object", additionalProperties=True),
               "runs": _array({"type": "object", "additionalProperties": True}),
               "published": _nullable("object", additionalProperties=True,
                                      description="on a replica: the build, generation, time and origin of the "
                                                  "last publish; null elsewhere"),
               "server_version": {"type": "string", "description": "newsearch's version"},
               "api_version": {"type": "string", "description": "this API's version (info.version)"}})
ERROR = _obj({"error": _obj({
    "status": {"type": "integer", "minimum": 400, "maximum": 599},
    "code": {"type": "string", "description": "bad_request, not_found, method_not_allowed, index_missing, …"},
    "message": {"type": "string", "description": "what went wrong, safe to show to a user"},
    "param": _nullable("string", description="the query parameter at fault, for a 400"),
})})

SEARCH_PARAMS = [_param(p.name, _schema(p), p.help) for p in PARAMS]
QUOTES_PARAMS = [_param(p.name, _schema(p), p.help) for p in QUOTE_PARAMS]
PAGING = [p for p in QUOTES_PARAMS if p["name"] in ("page", "page_size")]


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: dict, params: list | None = None, errors: tuple[str, ...] = ("400", "503")) -> dict:
    responses = {"200": ok, **{code: {"$ref": f"#/components/responses/E{code}"} for code in errors}}
    responses["default"] = {"$ref": "#/components/responses/Error"}
    return {"get": {"summary": summary, "parameters": params or [], "responses": responses}}


_VALIDATORS = {
    "ETag": {"schema": _STR, "description": "names this answer (weak): send it back in If-None-Match for a 304; it "
             "changes with the index build and generation, and with a relative window (now-7d) as it moves"},
    "Cache-Control": {"schema": _STR, "description": "public, max-age=60"},
    "Last-Modified": {"schema": _STR, "description": "when the index was built; absent for a relative window"},
}
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": _STR,
                  "description": "The ETag of a copy held: a 304 while it is current."}


def _cached(op: dict) -> dict:
    """An operation answering conditional requests (web/conditional.py): validators on its 200, and a 304."""
    get = op["get"]
    get["parameters"] = [*get["parameters"], _IF_NONE_MATCH]
    get["responses"]["200"] = {**get["responses"]["200"], "headers": _VALIDATORS}
    get["responses"]["304"] = {"description": "Not modified: the copy named in If-None-Match is current",
                               "headers": _VALIDATORS}
    return op


def _linked(op: dict) -> dict:
    """/api/search: its cursor's `Link` header, and the 410 of a cursor the index has outgrown."""
    get = op["get"]
    get["responses"]["200"]["headers"] = {**get["responses"]["200"].get("headers", {}), "Link": {
        "schema": _STR, "description": '`<this search with cursor=next>; rel="next"` when there is a next page'}}
    get["responses"]["410"] = {"$ref": "#/components/responses/E410"}
    return op


def _export(media: str, what: str) -> dict:
    """An export of every match of a search (web/exports.py): /api/search's parameters, streamed."""
    ok = {"description": f"Every match, {what}, in the search's order (page, page_size, cursor, histogram and "
                         "collapse do not apply: every article is a row); a failure after the first row ends the "
                         "stream with an error line and cuts the connection",
          "headers": {"X-Total-Count": {"schema": _COUNT, "description": "the rows that follow (the search's total)"}},
          "content": {media: {"schema": {"type": "string"}}}}
    return _op(f"Export every match ({what})", ok, SEARCH_PARAMS)


def document() -> dict:
    """The whole OpenAPI 3.0 document."""
    error = _json(_ref("Error"), "An error, in the one error shape")
    return {
        "openapi": "3.0.3",
        "info": {"title": "newsearch", "version": API_VERSION, "x-server-version": server_version(),
                 "description": "Full-text news search: JSON API. A parameter an operation does not declare is "
                                "refused (400, `param` names it)."},
        "paths": {
            "/api/search": _linked(_cached(_op("Search articles", _json(_ref("Results"), "A page of results"),
                                               SEARCH_PARAMS))),
            "/api/search.csv": _export("text/csv", "as CSV"),
            "/api/search.jsonl": _export("application/x-ndjson", "as JSON Lines"),
            "/api/articles/{id}": _cached(_op(
                "One article in full", _json(_ref("Article"), "The article"),
                [{"name": "id", "in": "path", "required": True, "schema": _STR}], ("400", "404", "503"))),
            "/api/quotes": _op("Search quotations (one result per quotation)",
                               _json(_ref("QuoteResults"), "A page of quotations"), QUOTES_PARAMS),
            "/api/sources": _op("Sources by name, most quoted first", _json(_ref("Sources"), "Matching sources"), [
                _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                       "A name, or the first letters of its words (an alias finds its canonical name)."),
                _param("limit", {"type": "integer", "minimum": 1, "maximum": SOURCES_LIMIT}, "At most this many."),
            ]),
            "/api/sources/{slug}": _op(
                "One source's profile", _json(_ref("SourceProfile"), "The source, with its quotations newest first"),
                [{"name": "slug", "in": "path", "required": True, "schema": _STR}, *PAGING], ("400", "404", "503")),
            "/api/suggest": _op("Completions of a prefix", {
                "description": "Completions (`format=opensearch`: the OpenSearch suggestions array)",
                "content": {
                    "application/json": {"schema": _obj({"q": _STR, "suggestions": _array(_STR)})},
                    "application/x-suggestions+json": {"schema": {
                        "type": "array", "minItems": 2, "maxItems": 2, "items": {}}},
                }}, [
                _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "What has been typed so far."),
                _param("limit", {"type": "integer", "minimum": 1, "maximum": SUGGEST_LIMIT}, "At most this many."),
                _param("format", {"type": "string", "enum": ["opensearch"]}, "The OpenSearch suggestions format."),
            ]),
            "/api/status": _op("The live index", _json(_ref("Status"), "Index status"), errors=("503",)),
            "/api/openapi.json": _op("This document", _json({"type": "object"}, "OpenAPI 3 document"), errors=()),
        },
        "components": {
            "schemas": {"Results": RESULTS, "Hit": HIT, "Quote": QUOTE, "Article": _article(), "Status": STATUS,
                        "QuoteResults": QUOTE_RESULTS, "QuoteResult": QUOTE_RESULT, "Source": SOURCE,
                        "Sources": SOURCES, "SourceProfile": SOURCE_PROFILE, "Error": ERROR},
            "responses": {
                "E400": {**error, "description": "A bad or unknown parameter (`param` names it)"},
                "E404": {**error, "description": "No such article or source"},
                "E410": {**error, "description": "The cursor was made on an index that has changed since: start again"},
                "E503": {**error, "description": "No index yet"},
                "Error": error,
            },
        },
    }


@functools.cache
def _declared() -> dict[str, set[str]]:
    """Each path's query parameter names, by its path with the path parameters blanked (`/api/articles/{}`)."""
    out = {}
    for path, item in document()["paths"].items():
        names = {p["name"] for op in item.values() for p in op.get("parameters", []) if p["in"] == "query"}
        out[re.sub(r"\{[^}]*\}", "{}", path)] = names
    return out


def declared_query(rule: str) -> set[str] | None:
    """The query parameters this document declares for a Flask URL rule (`/api/articles/<article_id>`); None for
    a route it does not describe."""
    return _declared().get(re.sub(r"<[^>]*>", "{}", rule))
