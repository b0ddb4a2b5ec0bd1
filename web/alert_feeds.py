"""The Atom feed of each alert (saved search): `/alerts/<name>.atom`, its newest finds, newest first.

Unlike `/search.atom`, which runs its search on every poll, an alert's feed is what its checks found (search/alerts/:
each article or quotation once, when it was new), read from the ledger beside the index; an entry's `updated` is
when the alert found it, `published` the article's own date. Built like the other feeds (web/feeds.py): ids are
`urn:uuid:` names of the article or quotation (the same as in the other feeds), links come from the public URL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, url_for

from search import AlertStore
from web.conditional import conditional, not_modified
from web.feeds import ATOM, FEED_SIZE, _link, _sub, _urn, _when
from web.links import source_slug
from web.pages import web_url

bp = Blueprint("alert_feeds", __name__)
ALERT_FEED_VERSION = "1"  # part of the ETag: bump when the markup changes


@bp.get("/alerts/<name>.atom")
def atom(name: str):
    """The alert's newest finds (articles and quotations), as an Atom feed; 404 for an unknown alert."""
    store = AlertStore(current_app.config["NEWSEARCH_SETTINGS"].index)
    alert = store.alert(name)
    entries = store.feed(name, FEED_SIZE)
    newest = max((e["found"] for e in entries), default=None)
    etag = hashlib.sha1(repr((ALERT_FEED_VERSION, name, alert.created, entries[0]["seq"] if entries else 0)).encode())
    built = datetime.fromisoformat(newest) if newest else None
    if not_modified(etag.hexdigest(), built):
        return conditional(Response(status=304), etag.hexdigest(), built)
    feed = ET.Element("feed", {"xmlns": ATOM})
    _sub(feed, "title", f"newsearch alert: {name}")
    _sub(feed, "subtitle", f"New articles and quotations for {_described(alert.search)}")
    _sub(feed, "id", _urn("alert", f"{name}@{alert.created}"))  # a re-added alert of the same name is a new feed
    _sub(feed, "updated", _when(newest) or _when(alert.created) or "1970-01-01T00:00:00Z")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_link(url_for("alert_feeds.atom", name=name)))
    query = urlencode([*_pairs(alert.search), ("sort", "newest")])
    _sub(feed, "link", rel="alternate", type="text/html", href=_link(url_for("pages.search") + "?" + query))
    _sub(feed, "author/name", "newsearch")
    _sub(feed, "generator", "newsearch")
    for entry in entries:
        (_article_entry if entry["type"] == "article" else _quote_entry)(feed, {**entry["item"], **entry})
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return conditional(Response(body, mimetype="application/atom+xml"), etag.hexdigest(), built)


def _article_entry(feed: ET.Element, e: dict[str, Any]) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "title", e.get("headline") or "(no headline)", type="text")
    _sub(entry, "id", _urn("article", e["id"]))
    _sub(entry, "link", rel="alternate", type="text/html", href=_link(url_for("pages.article", article_id=e["id"])))
    if web_url(e.get("url")):
        _sub(entry, "link", rel="related", type="text/html", href=e["url"])
    _sub(entry, "updated", _when(e["found"]) or "1970-01-01T00:00:00Z")
    if _when(e.get("published")):
        _sub(entry, "published", _when(e["published"]))
    if e.get("byline"):
        _sub(entry, "author/name", e["byline"])
    if e.get("section"):
        _sub(entry, "category", term=e["section"])
    _sub(entry, "summary", e.get("summary") or "", type="text")


def _quote_entry(feed: ET.Element, e: dict[str, Any]) -> None:
    entry = _sub(feed, "entry")
    speaker = e.get("source") or "Unattributed"
    words = " ".join((e.get("text") or "").split())
    _sub(entry, "title", f"{speaker}: “{words if len(words) <= 140 else words[:139].rstrip() + '…'}”", type="text")
    _sub(entry, "id", _urn("quotation", e["id"]))
    first = (e.get("first_seen") or {}).get("article_id")
    if first:
        _sub(entry, "link", rel="alternate", type="text/html", href=_link(url_for("pages.article", article_id=first)))
    if source_slug(e.get("source")):
        _sub(entry, "link", rel="related", type="text/html",
             href=_link(url_for("quote_pages.source", slug=source_slug(e["source"]))))
    _sub(entry, "updated", _when(e["found"]) or "1970-01-01T00:00:00Z")
    _sub(entry, "author/name", speaker)
    _sub(entry, "category", term=e.get("kind") or "direct")
    _sub(entry, "summary", f"“{words}” — {speaker}", type="text")


def _pairs(search: dict[str, Any]) -> list[tuple[str, str]]:
    """An alert's saved search as URL parameters (repeatable ones repeated)."""
    return [(k, str(x)) for k, v in search.items() for x in (v if isinstance(v, list) else [v]) if x not in ("", None)]


def _described(search: dict[str, Any]) -> str:
    words = f"“{search['q']}”" if search.get("q") else "every article"
    return " ".join([words, *(f"{k}={x}" for k, x in _pairs(search) if k != "q")])
