"""Who said what, as users see it: the quote search page and API, source pages and the sources API, the quote feed
and the `newsearch quotes` / `newsearch sources` commands, on a real index of articles written here (the same
quotation carried twice, two speakers sharing words, an alias, markup in a speaker's name)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner

from search import QUOTE_PARAMS, Engine, Indexer, QuoteRequest, Settings
from search.cli import main
from web import create_app
from web.links import source_slug

from .conftest import build_site
from .test_web import NASTY

XSS_SOURCE = "<img src=x onerror=alert>"
XSS_QUOTE = "<script>alert('said')</script> the moorings are ours"

QUOTE_ARTICLES = [
    {"headline": "Harbour bridge reopens after two years", "section": "Local News", "published": "2023-10-16T08:00:00",
     "url": "https://courier.example.org/bridge-reopens",
     "body": "The Kestrel Harbour bridge reopened on Monday.\n\n\"We promised the town a bridge that will stand for "
             "another hundred years,\" said Tomasz Wierzbicki, the mayor.\n\n\"Nobody could see that rust until we "
             "opened the structure, and the town deserved to know,\" Priya Raman, the chief engineer, told reporters."},
    # A wire copy two days later: the same quotation with other quote marks, case and punctuation.
    {"headline": "Bridge back in service", "section": "Wire", "published": "2023-10-18T12:00:00",
     "url": "https://wire.example.net/2023/bridge",
     "body": "Traffic crossed the Kestrel bridge again this week.\n\n\u201cWe promised the town a bridge that will "
             "stand for another HUNDRED years\u201d, Tomasz Wierzbicki said.\n\n\"The rust was worse than anyone "
             "expected,\" said Priya Raman."},
    {"headline": "Engineer looks ahead", "section": "Local News", "published": "2024-02-01T09:00:00",
     "body": "The engineer behind the repairs gave an interview.\n\n\"In a hundred years this bridge will still be "
             "standing,\" said Priya Raman.\n\nGoalkeeper Ada Brennan said the town was proud of it."},
    {"headline": "Council balances its budget", "published": "2019-02-27T10:00:00", "body": "The council met.",
     "quotes": [{"text": "The budget is balanced for the first time in ten years", "source": "Zo\u00eb O'Brien-Ngata",
                 "cue": "said", "kind": "direct"}]},
    {"headline": "Shipping rates climb", "section": "Business", "published": "2022-03-09T07:00:00",
     "body": "Freight rates rose for a third month. Port operators expect further rises this year, the Wall Street "
             "Journal reported."},
    {"headline": "Moorings dispute", "section": "Local News", "published": "2021-06-01T10:00:00",
     "body": "Fishermen protested.",
     "quotes": [{"text": XSS_QUOTE, "source": XSS_SOURCE, "cue": "said", "kind": "direct"}]},
]
PRIYA = {"In a hundred years this bridge will still be standing,": "2024-02-01",
         "The rust was worse than anyone expected,": "2023-10-18",
         "Nobody could see that rust until we opened the structure, and the town deserved to know,": "2023-10-16"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("quotes-web"), QUOTE_ARTICLES)


@pytest.fixture(scope="module")
def client(settings: Settings):
    return create_app(settings).test_client()


def page(client, url: str, status: int = 200) -> lxml.html.HtmlElement:
    r = client.get(url)
    assert r.status_code == status, r.data[:800]
    assert r.mimetype == "text/html"
    return lxml.html.fromstring(r.data)


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def quotations(doc: lxml.html.HtmlElement) -> list[dict]:
    """What a reader sees of each quotation on a page: words, speaker (and its link), first seen, articles."""
    out = []
    for li in doc.xpath("//li[contains(@class, 'quote-hit')]"):
        speaker = li.xpath(".//a[@class='speaker']")
        out.append({"text": text(li.xpath(".//blockquote")[0]), "marked": li.xpath(".//blockquote//mark/text()"),
                    "speaker": speaker[0].text if speaker else None,
                    "speaker_href": speaker[0].get("href") if speaker else None,
                    "seen": text(li.xpath(".//p[contains(@class, 'seen')]")[0]),
                    "articles": [(a.text, a.get("href")) for a in li.xpath(".//ul[@class='seen-in']//a")]})
    return out


# -- one quotation, one result -----------------------------------------------------------------------------
def test_a_quotation_carried_twice_is_one_result_first_seen_in_the_earlier(client) -> None:
    got = client.get("/api/quotes?q=promised").json
    assert got["total"] == 1
    (r,) = got["results"]
    assert (r["source"], r["seen_in"]) == ("Tomasz Wierzbicki", 2)
    assert r["first_seen"]["published"].startswith("2023-10-16")
    assert r["first_seen"]["headline"] == "Harbour bridge reopens after two years"
    assert [a["headline"] for a in r["articles"]] == ["Harbour bridge reopens after two years",
                                                      "Bridge back in service"]

    (shown,) = quotations(page(client, "/quotes?q=promised"))
    assert shown["marked"] == ["promised"]
    assert (shown["speaker"], shown["speaker_href"]) == ("Tomasz Wierzbicki", "/sources/tomasz-wierzbicki")
    assert shown["seen"] == "First seen 2023-10-16 · seen in 2 articles"
    assert shown["articles"] == [(a["headline"], f"/articles/{a['id']}") for a in r["articles"]]
    for headline, href in shown["articles"]:  # each article link opens that article
        assert page(client, href).xpath("//h1")[0].text == headline


def test_speaker_and_words_match_on_the_same_quote(client) -> None:
    # Tomasz Wierzbicki's quote has "hundred" too, in an article that also quotes Priya Raman: not a match.
    for url in ('/api/quotes?q=source:"Priya Raman" hundred', "/api/quotes?q=hundred&source=Priya+Raman"):
        got = client.get(url).json
        assert [(r["source"], r["text"]) for r in got["results"]] == [
            ("Priya Raman", "In a hundred years this bridge will still be standing,")], url
    assert client.get('/api/quotes?q=source:"Tomasz Wierzbicki" rust').json["total"] == 0
    doc = page(client, '/quotes?q=source:"Tomasz Wierzbicki" rust')
    assert text(doc.xpath("//*[@id='count']")[0]) == "No quotations"
    assert quotations(doc) == []


def test_an_alias_finds_the_canonical_source(client) -> None:
    for url in ("/api/quotes?source=WSJ", "/api/quotes?q=source:WSJ", "/api/quotes?source=the+Journal"):
        got = client.get(url).json
        assert [r["source"] for r in got["results"]] == ["Wall Street Journal"], url
    listed = client.get("/api/sources?q=WSJ").json
    assert [s["name"] for s in listed["sources"]] == ["Wall Street Journal"]
    assert listed["sources"][0]["kind"] == "outlet"


# -- the quote search page: facets, filters, sort, paging -----------------------------------------------------
def test_quote_page_facets_add_filters_that_can_be_removed(client) -> None:
    doc = page(client, "/quotes?q=rust+OR+town")
    assert doc.xpath("//form[@role='search']/@action") == ["/quotes"]
    assert doc.xpath("//label[@for='q']")[0].text == "Search quotes"
    facet = {a.text: a.get("href") for a in doc.xpath("//aside//section[h2='Source']//a")}
    assert set(facet) == {"Priya Raman", "Tomasz Wierzbicki", "Ada Brennan"}
    href = facet["Priya Raman"]
    assert parse_qs(urlsplit(href).query) == {"q": ["rust OR town"], "source": ["Priya Raman"]}
    filtered = page(client, href)
    assert text(filtered.xpath("//*[@id='count']")[0]).startswith("2 quotations")
    assert {q["speaker"] for q in quotations(filtered)} == {"Priya Raman"}
    chip = filtered.xpath("//ul[@class='filters']/li")[0]
    assert text(chip).startswith("Source: Priya Raman")
    remove = chip.xpath(".//a")[0]
    assert remove.get("aria-label") == "Remove filter Source: Priya Raman"
    assert parse_qs(urlsplit(remove.get("href")).query) == {"q": ["rust OR town"]}
    # The filter goes along with the next query typed into the box.
    assert filtered.xpath("//form[@role='search']//input[@type='hidden']/@name") == ["source"]
    # Kind of quote, and kind of source, filter too.
    kinds = {a.text: a.get("href") for a in doc.xpath("//aside//section[h2='Direct or indirect']//a")}
    assert [q["speaker"] for q in quotations(page(client, kinds["indirect"]))] == ["Ada Brennan"]
    outlets = page(client, "/quotes?source_kind=outlet")
    assert [q["speaker"] for q in quotations(outlets)] == ["Wall Street Journal"]


def test_year_facet_sort_and_paging(client) -> None:
    doc = page(client, "/quotes")
    href = doc.xpath("//aside//section[h2='Year']//a[text()='2019']/@href")[0]
    assert parse_qs(urlsplit(href).query) == {"from": ["2019-01-01"], "to": ["2019-12-31"]}
    assert [q["speaker"] for q in quotations(page(client, href))] == ["Zoë O'Brien-Ngata"]
    assert doc.xpath("//select[@name='sort']/option/@value") == ["relevance", "newest", "oldest", "most_cited"]
    cited = quotations(page(client, "/quotes?sort=most_cited"))
    assert cited[0]["speaker"] == "Tomasz Wierzbicki" and cited[0]["seen"].endswith("seen in 2 articles")
    newest = page(client, "/quotes?sort=newest&page_size=3")
    dates = newest.xpath("//p[contains(@class, 'seen')]/time/text()")
    assert dates == ["2024-02-01", "2024-02-01", "2023-10-18"]
    nxt = newest.xpath("//nav[@aria-label='Pages']//a[@rel='next']/@href")[0]
    assert parse_qs(urlsplit(nxt).query) == {"sort": ["newest"], "page": ["2"], "page_size": ["3"]}
    second = page(client, nxt)
    assert second.xpath("//ol[contains(@class, 'quotations')]/@start") == ["4"]
    assert second.xpath("//nav//a[@aria-current='page']/text()") == ["2"]
    total = client.get("/api/quotes").json["total"]
    assert total == 8  # Tomasz 1 (twice carried), Priya 3, Ada, Zoë, the Journal, the markup one
    assert len(quotations(second)) == 3


# -- source pages -----------------------------------------------------------------------------------------
def test_source_page_lists_everything_the_source_said(client) -> None:
    doc = page(client, "/sources/priya-raman")
    assert doc.xpath("//h1")[0].text == "Priya Raman"
    stats = {text(d.xpath("dt")[0]): text(d.xpath("dd")[0]) for d in doc.xpath("//dl[@class='stats']/div")}
    assert stats == {"Quotes": "3", "Articles": "3", "Direct": "3", "Indirect": "0", "First quoted": "2023-10-16",
                     "Last quoted": "2024-02-01"}
    said = quotations(doc)
    assert [q["text"] for q in said] == list(PRIYA)  # all of them, newest first
    assert [q["seen"][len("First seen "):][:10] for q in said] == list(PRIYA.values())
    # The timeline: one bar per month with quotes, every month from the first to the last in the drawing.
    svg = doc.xpath("//figure[@class='timeline']//*[local-name()='svg']")[0]
    assert [t.text for t in svg.xpath(".//*[local-name()='title']")] == ["2023-10: 2 quotes", "2024-02: 1 quote"]
    assert [r.get("x") for r in svg.xpath(".//*[local-name()='rect']")] == ["1", "41"]  # four months apart
    heights = [float(r.get("height")) for r in svg.xpath(".//*[local-name()='rect']")]
    assert heights[0] == 2 * heights[1]
    assert [tr.xpath("td/text()") for tr in doc.xpath("//table[@class='months']/tbody/tr")] == [
        ["2023-10", "2"], ["2024-02", "1"]]
    beside = {a.text: a.get("href") for a in doc.xpath("//aside//section[h2='Quoted with']//a")}
    assert beside == {"Tomasz Wierzbicki": "/sources/tomasz-wierzbicki", "Ada Brennan": "/sources/ada-brennan"}
    outlets = [text(li) for li in doc.xpath("//aside//section[starts-with(h2, 'Outlets')]//li")]
    assert outlets == ["courier.example.org 1", "wire.example.net 1"]
    links = {a.text: a.get("href") for a in doc.xpath("//p[@class='links']/a")}
    assert links["Search Priya Raman’s quotes"] == "/quotes?source=Priya+Raman"
    assert links["Follow Priya Raman (Atom feed)"] == "/quotes.atom?source=Priya+Raman"


def test_source_page_pages_and_matches_the_api(client) -> None:
    profile = client.get("/api/sources/priya-raman?page_size=2").json
    assert (profile["name"], profile["kind"], profile["quotes"], profile["direct"]) == ("Priya Raman", "person", 3, 3)
    assert [m["month"] for m in profile["timeline"]] == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02"]
    assert [r["text"] for r in profile["recent"]["results"]] == list(PRIYA)[:2]
    second = page(client, "/sources/priya-raman?page=2&page_size=2")
    assert [q["text"] for q in quotations(second)] == list(PRIYA)[2:]
    assert second.xpath("//ol[contains(@class, 'quotations')]/@start") == ["3"]
    prev = second.xpath("//nav[@aria-label='Pages']//a[@rel='prev']/@href")[0]
    assert prev == "/sources/priya-raman?page_size=2"


def test_unknown_source_is_a_404(client) -> None:
    assert "Not found" in page(client, "/sources/nobody-at-all", 404).xpath("//h1")[0].text
    r = client.get("/api/sources/nobody-at-all")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_the_slug_rule_is_the_engines(client, settings: Settings) -> None:
    listed = Engine(settings).sources(limit=100)
    assert len(listed) == 6
    for s in listed:
        assert source_slug(s["name"]) == s["slug"], s
        assert page(client, f"/sources/{s['slug']}").xpath("//h1")[0].text == s["name"]
    assert {s["slug"] for s in listed} >= {"zoë-o-brien-ngata", "wall-street-journal", "priya-raman"}
    # Every speaker link on a page of quotations opens that speaker's page.
    for q in quotations(page(client, "/quotes?page_size=100")):
        assert page(client, q["speaker_href"]).xpath("//h1")[0].text == q["speaker"]


def test_sources_api_and_page(client) -> None:
    got = client.get("/api/sources?q=pri").json
    assert got["q"] == "pri" and [s["slug"] for s in got["sources"]] == ["priya-raman"]
    assert set(got["sources"][0]) == {"slug", "name", "kind", "quotes", "articles", "first_quoted", "last_quoted"}
    everyone = client.get("/api/sources").json["sources"]
    assert [s["name"] for s in everyone][:1] == ["Priya Raman"] and len(everyone) == 6  # most quoted first
    assert client.get("/api/sources?limit=2").json["sources"] == everyone[:2]
    doc = page(client, "/sources?q=pri")
    (item,) = doc.xpath("//ol[@class='sources']/li")
    assert item.xpath("a/@href") == ["/sources/priya-raman"]
    assert "3 quotes in 3 articles · 2023-10-16 to 2024-02-01" in text(item)


# -- matching quotes on article search results and article pages ---------------------------------------------
def test_search_results_show_every_matching_quote_with_linked_speakers(client) -> None:
    hit = page(client, "/search?q=quote:town&sort=oldest").xpath("//li[@class='hit']")[0]
    assert hit.xpath(".//h2/a")[0].text_content() == "Harbour bridge reopens after two years"
    speakers = [(a.text, a.get("href")) for a in hit.xpath(".//p[@class='quote-source']/a")]
    assert speakers == [("Tomasz Wierzbicki", "/sources/tomasz-wierzbicki"), ("Priya Raman", "/sources/priya-raman")]
    blockquotes = hit.xpath(".//blockquote")
    assert len(blockquotes) == 2 and all("town" in text(b) for b in blockquotes)
    assert hit.xpath(".//blockquote//mark/text()")  # the best-matching one is marked


def test_article_page_links_speakers_to_their_pages(client) -> None:
    art = client.get("/api/quotes?q=promised").json["results"][0]["first_seen"]["article_id"]
    doc = page(client, f"/articles/{art}")
    links = [(a.text, a.get("href")) for a in doc.xpath("//section[@class='quotes']//p[@class='quote-source']/a")]
    assert links == [("Tomasz Wierzbicki", "/sources/tomasz-wierzbicki"), ("Priya Raman", "/sources/priya-raman")]


def test_home_and_nav_link_the_quote_search(client) -> None:
    doc = page(client, "/")
    assert "/quotes" in doc.xpath("//nav[@aria-label='Sections']//a/@href")
    assert doc.xpath("//main//a[@href='/quotes']")
    current = page(client, "/quotes").xpath("//nav[@aria-label='Sections']//a[@aria-current]/text()")
    assert current == ["Quotes"]


# -- escaping -----------------------------------------------------------------------------------------------
def test_markup_in_quotes_and_names_stays_text(client) -> None:
    slug = source_slug(XSS_SOURCE)
    for url in ("/quotes?q=moorings", f"/sources/{slug}", "/sources", "/quotes?page_size=100"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
        doc = lxml.html.fromstring(body)
        assert not doc.xpath("//body//script | //body//img | //*[@style] | //*[@onclick]"), url
    (shown,) = quotations(page(client, "/quotes?q=moorings"))
    assert shown["text"] == XSS_QUOTE and shown["speaker"] == XSS_SOURCE
    feed = client.get("/quotes.atom?q=moorings").get_data(as_text=True)
    assert "<script" not in feed and "<img" not in feed


# -- the quote feed -----------------------------------------------------------------------------------------
def test_the_quote_feed_follows_a_speaker(tmp_path: Path) -> None:
    settings = build_site(tmp_path, QUOTE_ARTICLES)
    client = create_app(settings).test_client()
    url = "/quotes.atom?source=Priya+Raman"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/atom+xml"
    feed = feedparser.parse(first.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == [f"Priya Raman: “{t}”" for t in PRIYA]  # newest first
    assert [e.published[:10] for e in feed.entries] == list(PRIYA.values())
    assert feed.feed.title == "newsearch quotes: said by Priya Raman"
    assert feed.feed.opensearch_totalresults == "3"
    entry = feed.entries[0]
    assert entry.author == "Priya Raman" and entry.link.startswith("/articles/")
    assert {link.href for link in entry.links if link.rel == "related"} == {"/sources/priya-raman"}
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    words = feedparser.parse(client.get("/quotes.atom?q=rust&source=Priya+Raman").data)
    assert [e.title for e in words.entries] == [f"Priya Raman: “{t}”" for t in list(PRIYA)[1:]]

    # A new article quoting her (and the mayor) is indexed: her feed has one new entry, at the top.
    (settings.corpus / "new.jsonl").write_text(json.dumps({
        "headline": "Bridge wins award", "published": "2024-06-01T10:00:00",
        "body": "The bridge won a national award.\n\n\"This award belongs to the welders,\" said Priya Raman.\n\n"
                "\"I am delighted,\" said Tomasz Wierzbicki."}), encoding="utf-8")
    Indexer(settings, workers=1).run()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    entries = feedparser.parse(again.data).entries
    assert len(entries) == 4 and entries[0].title == "Priya Raman: “This award belongs to the welders,”"
    new_id = client.get("/api/search?q=award").json["results"][0]["id"]
    assert entries[0].link == f"/articles/{new_id}" and entries[0].published.startswith("2024-06-01")
    assert client.get(url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304


def test_quote_page_links_its_feed(client) -> None:
    doc = page(client, "/quotes?q=rust&source=Priya+Raman&sort=oldest&page=1")
    href = doc.xpath("//link[@rel='alternate' and @type='application/atom+xml']/@href")[0]
    assert urlsplit(href).path == "/quotes.atom"
    assert parse_qs(urlsplit(href).query) == {"q": ["rust"], "source": ["Priya Raman"]}


# -- the JSON API ---------------------------------------------------------------------------------------------
def test_api_quotes_is_exactly_the_engine_results(client, settings: Settings) -> None:
    got = client.get("/api/quotes?q=bridge+OR+rust&source=Priya+Raman&kind=direct&sort=newest&page_size=2").json
    want = Engine(settings).quotes(QuoteRequest.build(q="bridge OR rust", source=["Priya Raman"], kind=["direct"],
                                                      sort="newest", page_size="2")).to_dict()
    got.pop("took_ms"), want.pop("took_ms")
    assert got == want and got["total"] == 3 and len(got["results"]) == 2


API_ERRORS = [
    ("/api/quotes?sort=loudest", "sort"), ("/api/quotes?kind=both", "kind"), ("/api/quotes?source_kind=robot",
                                                                               "source_kind"),
    ("/api/quotes?page=0", "page"), ("/api/quotes?page_size=101", "page_size"), ("/api/quotes?from=soon", "from"),
    ("/api/quotes?q=" + "a" * 1001, "q"), ("/api/sources?limit=0", "limit"), ("/api/sources?limit=many", "limit"),
    ("/api/sources?q=" + "a" * 1001, "q"), ("/api/sources/priya-raman?page=0", "page"),
    ("/api/sources/priya-raman?page_size=x", "page_size"),
]


@pytest.mark.parametrize(("url", "param"), API_ERRORS)
def test_api_errors_have_the_one_shape(client, url: str, param: str) -> None:
    r = client.get(url)
    assert r.status_code == 400 and r.mimetype == "application/json"
    assert set(r.json["error"]) == {"status", "code", "message", "param"}
    assert (r.json["error"]["code"], r.json["error"]["param"]) == ("bad_request", param)


def test_unknown_parameters_are_refused_as_in_the_article_search(client) -> None:
    """`recency` is the article search's, not the quote search's: the API says so rather than ignore it."""
    odd = client.get("/api/quotes?q=rust&colour=red&recency=0.5")
    assert odd.status_code == 400 and odd.json["error"]["param"] == "colour"
    assert "`colour`, `recency`" in odd.json["error"]["message"]
    assert client.get("/quotes?q=rust&colour=red").status_code == 200  # the page ignores them


def test_without_an_index_quotes_and_sources_are_503(tmp_path: Path) -> None:
    client = create_app(Settings.from_env(index=tmp_path / "index", corpus=tmp_path / "corpus")).test_client()
    for url in ("/api/quotes?q=x", "/api/sources", "/api/sources/x"):
        r = client.get(url)
        assert r.status_code == 503 and r.json["error"]["code"] == "index_missing", url
    assert client.get("/quotes.atom?source=x").status_code == 503
    assert page(client, "/quotes?q=x", 503).xpath("//h1")[0].text == "Search is not available yet"


SAMPLE = {"q": "rust", "source": "Priya Raman", "source_kind": "person", "kind": "direct", "cue": "said",
          "from": "2023-01-01", "to": "2024-12-31", "sort": "newest", "page": "1", "page_size": "5"}
SAMPLE["when"] = "30y"  # a relative window, echoed as written


@pytest.mark.parametrize("name", [p.name for p in QUOTE_PARAMS])
def test_every_quote_parameter_works_in_the_api_and_the_cli(client, settings: Settings, name: str) -> None:
    param = next(p for p in QUOTE_PARAMS if p.name == name)
    r = client.get("/api/quotes", query_string={name: SAMPLE[name]})
    assert r.status_code == 200, r.json
    args = ["--index", str(settings.index), "quotes", "--json"]
    args += [SAMPLE["q"]] if name == "q" else [param.option, SAMPLE[name]]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    cli, api = json.loads(out.stdout), r.json
    cli.pop("took_ms"), api.pop("took_ms")
    assert cli == api  # the same request, the same answer
    assert SAMPLE[name] in (api["query"][name] if param.multiple else [str(api["query"][name])[:len(SAMPLE[name])]])


# -- the commands -------------------------------------------------------------------------------------------
def test_newsearch_quotes_json_is_the_api_and_the_text_is_readable(client, settings: Settings) -> None:
    base = ["--index", str(settings.index)]
    out = CliRunner().invoke(main, [*base, "quotes", "--json", "--sort", "most_cited", "promised OR rust"])
    assert out.exit_code == 0, out.output
    api = client.get("/api/quotes?q=promised+OR+rust&sort=most_cited").json
    cli = json.loads(out.stdout)
    cli.pop("took_ms"), api.pop("took_ms")
    assert cli == api
    shown = CliRunner().invoke(main, [*base, "quotes", "--sort", "most_cited", "promised OR rust"]).stdout
    assert shown.startswith("3 quotations, page 1")
    lines = shown.splitlines()
    assert lines[2] == "1. Tomasz Wierzbicki (said, direct)"
    assert lines[3].startswith("   “We promised the town a bridge")
    assert "first seen 2023-10-16 in “Harbour bridge reopens after two years” · seen in 2 articles" in shown
    assert "     also: Bridge back in service (2023-10-18 · wire.example.net)" in shown
    assert "source: Priya Raman (2), Tomasz Wierzbicki (1)" in shown
    bad = CliRunner().invoke(main, [*base, "quotes", "--kind", "both", "x"])
    assert bad.exit_code == 2 and "--kind" in bad.output and "Traceback" not in bad.output


def test_newsearch_sources_json_is_the_api_and_the_text_is_readable(client, settings: Settings) -> None:
    base = ["--index", str(settings.index)]
    for words, url in ((["pri"], "/api/sources?q=pri"), ([], "/api/sources"),
                       (["wall", "st"], "/api/sources?q=wall+st")):
        out = CliRunner().invoke(main, [*base, "sources", "--json", *words])
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout) == client.get(url).json, url
    shown = CliRunner().invoke(main, [*base, "sources", "pri"]).stdout.splitlines()
    assert shown == ["Priya Raman  person        3 quotes in 3 articles    2023-10-16 to 2024-02-01  priya-raman"]
    none = CliRunner().invoke(main, [*base, "sources", "zzz"])
    assert none.exit_code == 0 and none.stdout.strip() == "no sources matching 'zzz'"
    missing = CliRunner().invoke(main, ["--index", str(settings.index.parent / "none"), "quotes", "x"])
    assert missing.exit_code == 1 and "no index" in missing.output and "Traceback" not in missing.output


@pytest.mark.parametrize("q", NASTY)
def test_nothing_a_user_types_makes_a_500(client, q: str) -> None:
    for base in ("/quotes", "/api/quotes", "/quotes.atom", "/api/sources", "/sources"):
        r = client.get(base, query_string={"q": q, "source": q[:200], "cue": q[:200]})
        assert r.status_code < 500, (base, q, r.data[:300])
    assert client.get("/sources/" + quote(q, safe="")).status_code in (404, 400)


def test_undecodable_bytes_in_the_url_are_not_a_500(client) -> None:
    for base in ("/quotes", "/api/quotes", "/quotes.atom", "/api/sources", "/sources", "/sources/%ff%fe",
                 "/api/sources/%ff"):
        r = client.get(base + "?q=%ff%fe%00&source=%c3%28&from=%ff&page=%ff")
        assert r.status_code < 500, (base, r.data[:300])
