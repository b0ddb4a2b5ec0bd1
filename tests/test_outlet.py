"""The outlet: the publisher of each article (the page's site name or JSON-LD publisher, a JSON record's publisher,
else the URL's domain), a field, a facet and a filter of its own, never mixed with the sources quoted in the text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import Engine, IndexOutdated, SearchRequest, Settings
from search.cli import main
from search.index import fields
from search.readers import read
from web import create_app

from .conftest import build_site, newsearch

BODY = ("The Kestrel Harbour ferry will run through the night from next month, the port authority said on Tuesday, "
        "after a year in which late crossings sold out within minutes.")


def page(head: str, body: str = f"<article><h1>Night ferry</h1><p>{BODY}</p></article>") -> bytes:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def outlet_of(tmp_path: Path, name: str, data: bytes) -> str | None:
    path = tmp_path / name
    path.write_bytes(data)
    result = read(path)
    assert result.ok, result.errors
    return result.articles[0].outlet


@pytest.mark.parametrize(("head", "expected"), [
    ("<meta property='og:site_name' content='Valley Ledger'>"
     "<link rel='canonical' href='https://www.valley-ledger.example/ferry'>", "Valley Ledger"),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Night ferry", "publisher": '
     '{"@type": "NewsMediaOrganization", "name": "Kestrel Courier"}}</script>', "Kestrel Courier"),
    ("<meta name='application-name' content='Harbour Radio'>", "Harbour Radio"),
    ("<link rel='canonical' href='https://www.harbour-news.example/2024/ferry'>", "harbour-news.example"),
    ("<meta property='og:url' content='https://news.example.org/ferry'>", "news.example.org"),
    ("<meta property='og:site_name' content='@harbourradio'>"  # a handle is no name: the domain then
     "<link rel='canonical' href='https://radio.example/ferry'>", "radio.example"),
    ("<title>Night ferry</title>", None),  # nothing says: no outlet
])
def test_html_outlet_from_the_page_s_own_metadata(tmp_path: Path, head: str, expected: str | None) -> None:
    assert outlet_of(tmp_path, "a.html", page(head)) == expected


def test_an_outlet_quoted_in_the_text_is_a_source_not_the_outlet(tmp_path: Path) -> None:
    body = ("<article><h1>Night ferry</h1><p>The ferry will run at night, the Kestrel Courier reported on Monday, "
            "citing the port authority.</p></article>")
    path = tmp_path / "a.html"
    path.write_bytes(page("<meta property='og:site_name' content='Valley Ledger'>", body))
    from search.ingest import parse_file

    art = parse_file(path).articles[0]
    assert art.outlet == "Valley Ledger" and "Kestrel Courier" in art.sources


def test_json_records_name_their_outlet_by_any_common_key(tmp_path: Path) -> None:
    records = [
        {"headline": "a", "body": BODY, "publisher": {"@type": "Organization", "name": "Kestrel Courier"}},
        {"headline": "b", "body": BODY, "site_name": "Valley Ledger"},
        {"headline": "c", "body": BODY, "source": {"id": "hr", "name": "Harbour Radio"}},  # NewsAPI's shape
        {"headline": "d", "body": BODY, "source_domain": "www.islander.example"},
        {"headline": "e", "body": BODY, "url": "https://www.bbc.co.uk/news/ferry"},
        {"headline": "f", "body": BODY},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    assert [a.outlet for a in read(path).articles] == [
        "Kestrel Courier", "Valley Ledger", "Harbour Radio", "islander.example", "bbc.co.uk", None]


def test_plain_text_outlet_from_its_header(tmp_path: Path) -> None:
    assert outlet_of(tmp_path, "a.txt", f"URL: https://www.ledger.example/x\nBy: Ana Costa\n\nNight ferry\n\n{BODY}"
                     .encode()) == "ledger.example"
    assert outlet_of(tmp_path, "b.txt", f"Outlet: Valley Ledger\nURL: https://ledger.example/x\n\nNight ferry\n\n"
                     f"{BODY}".encode()) == "Valley Ledger"
    assert outlet_of(tmp_path, "c.txt", f"Night ferry\n\n{BODY}".encode()) is None


REAL_PAGES = [  # real pages: the outlet their own metadata names
    ("fundus/uk/Metro_2024_07_17.html.gz", "Metro"),
    ("fundus/ca/GlobalNews_2026_05_24.html.gz", "Global News"),
    ("fundus/de/Tagesspiegel_2024_04_29.html.gz", "Der Tagesspiegel"),
    ("fundus/us/TheNation_2023_05_15.html.gz", "The Nation"),
    ("aeb/html/c7e39ac49fa1235f5d50f83bf2444248bd3aa4e6df044377916c812dd109ba23.html.gz", "BBC News"),
    ("aeb/html/374ac9a59a85196cdacc1679fb8993521a7b7d9d6533720f102300be1c7face4.html.gz", "CNBC"),
]


@pytest.mark.parametrize(("name", "expected"), REAL_PAGES)
def test_real_pages_name_their_publisher(shared_data: Path, name: str, expected: str) -> None:
    path = shared_data / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    assert read(path).articles[0].outlet == expected


def test_every_real_page_with_a_url_has_an_outlet(shared_data: Path) -> None:
    pages = sorted((shared_data / "fundus").glob("*/*.html.gz")) + sorted((shared_data / "aeb" / "html").glob("*.gz"))
    if not pages:
        pytest.skip("no fundus or aeb pages in ../shared/data")
    articles = [a for p in pages for a in read(p).articles]
    with_url = [a for a in articles if a.url]
    assert len(with_url) > 400 and all(a.outlet for a in with_url)
    assert len({a.outlet for a in with_url}) > 250  # one per site, not one name for all


ARTICLES = [
    {"headline": "Night ferry to run from March",
     "body": BODY + " Night crossings will cost the same as day ones, according to the Kestrel Courier.",
     "publisher": {"name": "Valley Ledger"}, "url": "https://www.valley-ledger.example/ferry",
     "published": "2024-03-01T09:00:00Z"},
    {"headline": "Ferry fares frozen for a year", "body": "The ferry operator froze its fares for another year, "
     "the Valley Ledger reported.", "outlet": "Kestrel Courier",
     "url": "https://courier.example/fares", "published": "2024-02-01T09:00:00Z"},
    {"headline": "Harbour wall repaired", "body": "Masons finished repairing the harbour wall on Friday.",
     "url": "https://www.harbour.example/wall", "published": "2024-01-05T09:00:00Z"},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("outlet"), ARTICLES)


def headlines(settings: Settings, **request) -> list[str]:
    return [h.headline for h in Engine(settings).search(SearchRequest.build(**request)).results]


def test_outlet_filter_query_and_facet_are_the_publisher_never_the_sources_quoted(site: Settings) -> None:
    assert headlines(site, outlet=["kestrel courier"]) == ["Ferry fares frozen for a year"]  # any case
    assert headlines(site, source=["Kestrel Courier"]) == ["Night ferry to run from March"]  # quoted, not published
    assert headlines(site, q="outlet:courier") == ["Ferry fares frozen for a year"]
    assert headlines(site, q='publisher:"valley ledger"') == ["Night ferry to run from March"]
    assert headlines(site, q="ferry", outlet=["Valley Ledger", "harbour.example"]) == ["Night ferry to run from March"]
    res = Engine(site).search(SearchRequest.build(q=""))
    assert res.facets["outlet"] == [{"value": "harbour.example", "count": 1}, {"value": "Kestrel Courier", "count": 1},
                                    {"value": "Valley Ledger", "count": 1}]
    assert {v["value"] for v in res.facets["source"]} == {"Kestrel Courier", "Valley Ledger"}  # the quoted ones
    assert {h.headline: h.outlet for h in res.results}["Harbour wall repaired"] == "harbour.example"


def test_outlet_in_the_api_the_page_the_cli_and_openapi(site: Settings) -> None:
    client = create_app(site).test_client()
    r = client.get("/api/search?outlet=Kestrel+Courier")
    assert r.status_code == 200 and [h["outlet"] for h in r.json["results"]] == ["Kestrel Courier"]
    assert r.json["query"]["outlet"] == ["Kestrel Courier"]
    assert client.get(f"/api/articles/{r.json['results'][0]['id']}").json["outlet"] == "Kestrel Courier"
    page = client.get(f"/articles/{r.json['results'][0]['id']}").get_data(as_text=True)
    assert '<span class="outlet">Kestrel Courier</span>' in page
    html = client.get("/search?q=ferry").get_data(as_text=True)
    assert "<h2>Outlet</h2>" in html and 'href="/search?q=ferry&amp;outlet=Valley+Ledger"' in html
    html = client.get("/search?q=ferry&outlet=Valley+Ledger").get_data(as_text=True)
    assert "to run from March" in html and "fares frozen" not in html
    doc = client.get("/api/openapi.json").json
    assert any(p["name"] == "outlet" for p in doc["paths"]["/api/search"]["get"]["parameters"])
    assert "outlet" in doc["components"]["schemas"]["Hit"]["properties"]
    out = CliRunner().invoke(main, ["--index", str(site.index), "search", "--outlet", "Valley Ledger", "ferry"])
    assert out.exit_code == 0 and "Valley Ledger" in out.output and "1 results" in out.output


def test_a_build_from_before_outlets_says_to_rebuild(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES)
    field = next(f for f in fields.FIELDS if f.name == "outlet")
    facet = next(f for f in fields.FACETS if f.name == "outlet")
    at = fields.FIELDS.index(field), fields.FACETS.index(facet)
    fields.FIELDS.remove(field)
    fields.FACETS.remove(facet)
    try:
        older = fields.schema_version()  # what a newsearch without outlets recorded for its builds
    finally:
        fields.FIELDS.insert(at[0], field)
        fields.FACETS.insert(at[1], facet)
    recorded = Path(settings.index) / "current" / "schema.json"
    recorded.write_text(json.dumps({**json.loads(recorded.read_text()), "schema": older}))
    with pytest.raises(IndexOutdated, match="index --full"):
        Engine(settings).search(SearchRequest.build(q="ferry"))
    env = {**os.environ, "NEWSEARCH_INDEX": str(settings.index), "NEWSEARCH_CORPUS": str(settings.corpus)}
    assert newsearch("index", "--full", env=env).returncode == 0
    assert headlines(settings, outlet=["Valley Ledger"]) == ["Night ferry to run from March"]
