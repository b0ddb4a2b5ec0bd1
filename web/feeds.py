"""Feeds and browser integration: Atom feeds of any article search and of any quote search (newest first: "tell
me when X says something about Y"), and the OpenSearch description.

Each feed carries OpenSearch response elements (totalResults, startIndex, itemsPerPage, Query), an ETag from
the index generation and the request, and Last-Modified from the index build, so pollers get a 304 (web/conditional.py;
a relative window, `when=7d`, is read again on every poll and has no Last-Modified).
Links come from NEWSEARCH_PUBLIC_URL or are paths from the site root (web/links.py), never from the Host header;
ids are `urn:uuid:` names of the article or the search, so they stay the same wherever the site is reached.
XML is built with ElementTree (plain prefixed names, the namespaces declared on the root element): every
string is escaped by the serializer, never pasted into markup.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, request, url_for

from search import QUOTE_PARAMS, Hit, QuoteResult
from web import quotes as run_quotes
from web import search as run_search
from web.conditional import conditional, not_modified, validators
from web.links import absolute_origin, public_url, source_slug
from web.pages import web_url
from web.params import quote_request, search_request, url_args

bp = Blueprint("feeds", __name__)
ATOM, OS = "http://www.w3.org/2005/Atom", "http://a9.com/-/spec/opensearch/1.1/"
FEED_SIZE = 20
FEED_VERSION = "2"  # part of the ETag: bump when the feed's markup changes
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:newsearch:atom")  # the namespace of our urn:uuid ids


@bp.get("/search.atom")
def atom():
    """The newest articles matching the search in the URL, as an Atom feed with OpenSearch elements."""
    req = search_request(request.args, sort="newest",
                         page_size=None if request.args.get("page_size") else FEED_SIZE)
    status, etag, built = _validators("search", req)
    if not_modified(etag, built):
        return conditional(Response(status=304), etag, built)
    results = run_search(req)
    page_url = _link(url_for("pages.search") + "?" + urlencode(url_args(request.args, sort="newest")))
    query = urlencode(url_args(request.args))
    self_url = _link(url_for("feeds.atom") + ("?" + query if query else ""))
    newest = max((h.published for h in results.results if h.published), default=None)
    feed = _feed(f"newsearch: {req.q or 'all articles'}", _urn("search", _every_page(req)), newest, status,
                 self_url, page_url, req, results.total)
    _sub(feed, "link", rel="search", type="application/opensearchdescription+xml",
         href=_link(url_for("feeds.opensearch")))
    for hit in results.results:
        _entry(feed, hit, status.get("built"))
    return _respond(feed, etag, built)


@bp.get("/quotes.atom")
def quotes_atom():
    """The newest quotations (by first-seen date) matching the quote search in the URL, as an Atom feed: a new
    article with a new quotation by the source, or on the words, is a new entry."""
    req = quote_request(request.args, sort="newest", page_size=None if request.args.get("page_size") else FEED_SIZE)
    status, etag, built = _validators("quotes", req)
    if not_modified(etag, built):
        return conditional(Response(status=304), etag, built)
    results = run_quotes(req)
    page_url = _link(url_for("quote_pages.quotes") + "?" + urlencode(
        url_args(request.args, params=QUOTE_PARAMS, sort="newest")))
    query = urlencode(url_args(request.args, params=QUOTE_PARAMS))
    self_url = _link(url_for("feeds.quotes_atom") + ("?" + query if query else ""))
    who = " or ".join(req.source)
    title = " · ".join(x for x in (req.q, f"said by {who}" if who else "") if x) or "all quotations"
    newest = max((r.first_seen.get("published") for r in results.results if r.first_seen.get("published")),
                 default=None)
    feed = _feed(f"newsearch quotes: {title}", _urn("quotes", _every_page(req)), newest, status, self_url,
                 page_url, req, results.total)
    for quotation in results.results:
        _quote_entry(feed, quotation, status.get("built"))
    return _respond(feed, etag, built)


def _quote_entry(feed: ET.Element, r: QuoteResult, built: str | None) -> None:
    """One quotation as an Atom entry: "Speaker: words", linked to the article it was first seen in and to the
    speaker's page, dated by its first sighting."""
    entry = _sub(feed, "entry")
    speaker = r.source or "Unattributed"
    words = " ".join(r.text.split())
    _sub(entry, "title", f"{speaker}: “{words if len(words) <= 140 else words[:139].rstrip() + '…'}”", type="text")
    _sub(entry, "id", _urn("quotation", r.id))
    first = r.first_seen.get("article_id")
    if first:
        _sub(entry, "link", rel="alternate", type="text/html", href=_link(url_for("pages.article", article_id=first)))
    if source_slug(r.source):
        _sub(entry, "link", rel="related", type="text/html",
             href=_link(url_for("quote_pages.source", slug=source_slug(r.source))))
    when = _when(r.first_seen.get("published")) or _when(built) or "1970-01-01T00:00:00Z"
    _sub(entry, "updated", when)
    if r.first_seen.get("published"):
        _sub(entry, "published", when)
    _sub(entry, "author/name", speaker)
    _sub(entry, "category", term=r.kind)
    if r.source_kind:
        _sub(entry, "category", term=r.source_kind)
    seen = f"{r.seen_in} article" + ("" if r.seen_in == 1 else "s")
    headline = html.escape(r.first_seen.get("headline") or "")
    # escaped text + <mark>, then plain escaped text: escaped once more as XML by the serializer
    _sub(entry, "summary", f"{r.snippet} — {html.escape(speaker)}, first seen in “{headline}”; seen in {seen}.",
         type="html")


def _validators(kind: str, req: Any) -> tuple[dict[str, Any], str, datetime | None]:
    """(index version, ETag, Last-Modified) of a feed (web/conditional.py): its markup version, the live index and
    the request, its dates as read now (a relative window is re-read on every poll, with no Last-Modified)."""
    return validators((FEED_VERSION, kind), req.to_dict(), req.relative)


def _respond(feed: ET.Element, etag: str, built: datetime | None) -> Response:
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return conditional(Response(body, mimetype="application/atom+xml"), etag, built)


def _feed(title: str, feed_id: str, newest: str | None, status: dict, self_url: str, page_url: str, req: Any,
          total: int) -> ET.Element:
    """An Atom feed's head, with the OpenSearch elements of the search it answers (req: its q, page, page_size)."""
    feed = ET.Element("feed", {"xmlns": ATOM, "xmlns:opensearch": OS})
    _sub(feed, "title", title)
    _sub(feed, "id", feed_id)
    _sub(feed, "updated", _when(newest) or _when(status.get("built")) or "1970-01-01T00:00:00Z")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(feed, "author/name", "newsearch")
    _sub(feed, "generator", "newsearch")
    ET.SubElement(feed, "opensearch:totalResults").text = str(total)
    ET.SubElement(feed, "opensearch:startIndex").text = str((req.page - 1) * req.page_size + 1)
    ET.SubElement(feed, "opensearch:itemsPerPage").text = str(req.page_size)
    ET.SubElement(feed, "opensearch:Query", role="request", searchTerms=_text(req.q), startPage=str(req.page))
    return feed


def _every_page(req: Any) -> str:
    """What identifies a feed: its search as written (`now-7d` stays `now-7d`, whatever the day), whatever the page
    (every page is the same feed)."""
    return repr({k: v for k, v in req.to_dict(as_written=True).items() if k != "page"})


def _entry(feed: ET.Element, hit: Hit, built: str | None) -> None:
    """Add one hit to the feed as an Atom entry; one without a date is dated by the index build (built)."""
    entry = _sub(feed, "entry")
    link = _link(url_for("pages.article", article_id=hit.id))
    _sub(entry, "title", hit.headline, type="text")
    _sub(entry, "id", _urn("article", hit.id))
    _sub(entry, "link", rel="alternate", type="text/html", href=link)
    if web_url(hit.url):
        _sub(entry, "link", rel="related", type="text/html", href=hit.url)
    when = _when(hit.published) or _when(built) or "1970-01-01T00:00:00Z"
    _sub(entry, "updated", when)
    if hit.published:
        _sub(entry, "published", when)
    if hit.byline:
        _sub(entry, "author/name", hit.byline)
    if hit.section:
        _sub(entry, "category", term=hit.section)
    snippet = hit.snippets.get("body") or hit.snippets.get("lede") or ""
    _sub(entry, "summary", snippet, type="html")  # escaped text + <mark>, escaped once more as XML


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description: lets a browser add newsearch as a search engine, with suggestions."""
    # Templates must be absolute URLs for browsers to accept them: the public URL's, else the listening address.
    root = absolute_origin(current_app.config["NEWSEARCH_SETTINGS"]) + url_for("pages.home").rstrip("/")
    doc = ET.Element("OpenSearchDescription", xmlns=OS)
    ET.SubElement(doc, "ShortName").text = "newsearch"
    ET.SubElement(doc, "Description").text = "Full-text news search: headlines, captions, bodies, quotes"
    ET.SubElement(doc, "InputEncoding").text = "UTF-8"
    for mime, path in (("text/html", "/search?q={searchTerms}"),
                       ("application/atom+xml", "/search.atom?q={searchTerms}&page={startPage?}"),
                       ("application/x-suggestions+json", "/api/suggest?q={searchTerms}&format=opensearch")):
        ET.SubElement(doc, "Url", type=mime, method="get", template=root + path)
    body = ET.tostring(doc, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/opensearchdescription+xml")


def _link(path: str) -> str:
    """A link to a path of this site (url_for's, with any prefix): absolute from the public URL, else as it is."""
    origin, _ = public_url(current_app.config["NEWSEARCH_SETTINGS"])
    return origin + path


def _urn(kind: str, key: str) -> str:
    """A permanent Atom id (RFC 4287 4.2.6: it must not change when the feed moves), named by what it identifies."""
    return f"urn:uuid:{uuid.uuid5(_IDS, f'{kind}:{key}')}"


def _sub(parent: ET.Element, path: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Add an Atom element (a/b adds a with b inside); text is escaped by the serializer."""
    el = parent
    for name in path.split("/"):
        el = ET.SubElement(el, name, {k: _text(v) for k, v in attrs.items()})
        attrs = {}
    if text is not None:
        el.text = _text(text)
    return el


def _text(value: str) -> str:
    """Characters XML 1.0 cannot carry are dropped (they cannot be escaped either)."""
    return _XML_BAD.sub("", value)


def _when(iso: str | None) -> str | None:
    """An ISO date or date-time as an RFC 3339 timestamp in UTC (naive ones are taken as UTC)."""
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
