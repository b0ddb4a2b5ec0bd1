"""The Atom feed of a search and the OpenSearch description, read by a real feed parser (feedparser) and lxml:
newest first, OpenSearch response elements, escaping, and 304s for conditional re-requests."""

from __future__ import annotations

from dataclasses import replace

import feedparser
import lxml.etree
import pytest

from search.config import Settings
from search.index.indexer import Indexer
from web import create_app

from .test_web import ARTICLES, HARBOUR_TOTAL, XSS_CAPTION, XSS_HEADLINE, build_site

OS = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # No public URL, the default address: what the links below are made from (never the request's Host).
    return replace(build_site(tmp_path_factory.mktemp("feeds")), public_url="", bind="127.0.0.1:8000")


@pytest.fixture(scope="module")
def client(settings: Settings):
    return create_app(settings).test_client()


def test_feed_lists_the_newest_matches_with_opensearch_elements(client) -> None:
    r = client.get("/search.atom?q=harbour&page_size=5")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = feedparser.parse(r.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    dates = [e.published[:10] for e in feed.entries]
    assert dates == ["2024-01-05", "2023-06-30", "2023-04-01", "2023-02-02", "2022-04-04"]  # newest first
    first = feed.entries[0]
    assert first.title == "Storm damages harbour wall"
    # No public URL configured: links are paths from the site root, which a reader resolves against the feed's
    # own address; ids are permanent urn:uuid names of the article, whatever address the feed was fetched from.
    assert first.link.startswith("/articles/") and first.id.startswith("urn:uuid:")
    fetched = feedparser.parse(r.data, response_headers={"content-location": "https://news.test/search.atom"})
    assert fetched.entries[0].link == "https://news.test" + first.link and fetched.entries[0].id == first.id
    assert first.author == "Ana Ruiz" and first.tags[0].term == "World"
    assert "harbour wall at Portmain" in first.summary  # feedparser drops <mark>: not in its sanitizer's list
    assert feed.feed.updated.startswith("2024-01-05")
    # feedparser keeps the OpenSearch response elements; check them against the spec's names with lxml too.
    assert feed.feed.opensearch_totalresults == str(HARBOUR_TOTAL)
    root = lxml.etree.fromstring(r.data)
    assert root.findtext(f"{OS}totalResults") == str(HARBOUR_TOTAL)
    assert root.findtext(f"{OS}startIndex") == "1" and root.findtext(f"{OS}itemsPerPage") == "5"
    summary = root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary.get("type") == "html" and "the <mark>harbour</mark> wall" in summary.text  # HTML as text
    query = root.find(f"{OS}Query")
    assert query.get("role") == "request" and query.get("searchTerms") == "harbour"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == "/search.atom?q=harbour&page_size=5"
    assert links["alternate"] == "/search?q=harbour&sort=newest&page_size=5"
    assert feed.feed.id.startswith("urn:uuid:")


def test_feed_pages_and_filters_like_the_search(client) -> None:
    feed = feedparser.parse(client.get("/search.atom?q=harbour&section=Business&page=2&page_size=2").data)
    assert feed.feed.opensearch_totalresults == "3" and feed.feed.opensearch_startindex == "3"
    assert [e.published[:10] for e in feed.entries] == ["2020-02-11"]
    everything = feedparser.parse(client.get("/search.atom").data)
    assert len(everything.entries) == 13 and everything.feed.title == "newsearch: all articles"


def test_feed_escapes_markup_in_articles(client) -> None:
    r = client.get("/search.atom?q=markup")
    raw = r.get_data(as_text=True)
    assert "<script" not in raw and "<img" not in raw and "<b>" not in raw
    entry = feedparser.parse(r.data).entries[0]
    assert entry.title == XSS_HEADLINE  # the text itself, as text (type="text")
    caption_feed = feedparser.parse(client.get("/search.atom?q=caption:night").data)
    assert caption_feed.entries[0].title == XSS_HEADLINE
    assert XSS_CAPTION not in raw
    assert not [link for link in entry.links if link.href.startswith("javascript:")]


def test_conditional_requests_get_304(client) -> None:
    first = client.get("/search.atom?q=harbour")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/search.atom?q=harbour", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    since = client.get("/search.atom?q=harbour", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    # A different search is a different feed; feedparser's own conditional request gets a 304 too.
    assert client.get("/search.atom?q=storm", headers={"If-None-Match": etag}).status_code == 200
    parsed = feedparser.parse(first.data, etag=etag)
    assert parsed.entries  # (feedparser only sends the header over HTTP; the parse itself must still work)


def test_a_reindex_changes_the_etag(tmp_path) -> None:
    settings = build_site(tmp_path, ARTICLES[:3])
    client = create_app(settings).test_client()
    etag = client.get("/search.atom?q=harbour").headers["ETag"]
    (settings.corpus / "more.jsonl").write_text('{"headline": "Harbour festival", "body": "A harbour festival."}')
    Indexer(settings, workers=1).run()
    r = client.get("/search.atom?q=harbour", headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert "Harbour festival" in [e.title for e in feedparser.parse(r.data).entries]


def test_opensearch_description_and_suggestions(client) -> None:
    r = client.get("/opensearch.xml")
    assert r.mimetype == "application/opensearchdescription+xml"
    root = lxml.etree.fromstring(r.data)
    urls = {u.get("type"): u.get("template") for u in root.findall(f"{OS}Url")}
    # Absolute, as browsers require: no public URL is configured, so the address the server listens on.
    assert urls["text/html"] == "http://127.0.0.1:8000/search?q={searchTerms}"
    assert urls["application/atom+xml"].startswith("http://127.0.0.1:8000/search.atom?q={searchTerms}")
    suggest = urls["application/x-suggestions+json"]
    assert suggest == "http://127.0.0.1:8000/api/suggest?q={searchTerms}&format=opensearch"
    got = client.get(suggest.replace("http://127.0.0.1:8000", "").replace("{searchTerms}", "Harb"))
    assert got.json == ["Harb", ["harbour"]]
    assert root.findtext(f"{OS}ShortName") == "newsearch"
