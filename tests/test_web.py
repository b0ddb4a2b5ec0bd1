"""The web front end through Flask's test client, on a real index of small articles written here (some of them
carrying markup meant to break out of a page): every route, every error path and its one JSON shape, escaping,
security headers."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from click.testing import CliRunner

from search.cli import main
from search.config import Settings
from search.engine.engine import Engine
from search.engine.params import PARAMS
from search.engine.results import SearchRequest
from search.index.indexer import Indexer
from web import SECURITY_HEADERS, create_app

from .conftest import build_site as conftest_build_site

XSS_HEADLINE = "<script>alert('headline')</script> Harbour markup \"><img src=x onerror=alert(1)>"
XSS_CAPTION = "\"><img src=x onerror=alert('caption')> The harbour at night"
XSS_QUOTE = "<script>alert('quote')</script> the harbour is ours"
XSS_SOURCE = "<img src=x onerror=alert('source')>"


def _harbour(n: int, section: str, date: str, extra: str = "") -> dict:
    return {"headline": f"Harbour report number {n}: {section.lower()} news", "section": section, "published": date,
            "byline": "Lina Berg" if n % 2 else "Omar Diaz",
            "body": f"The harbour authority published report {n} on Monday. {extra}\n\nShips and ferries kept "
                    f"to the winter timetable, the authority said."}


ARTICLES = [
    _harbour(1, "World", "2019-01-10"), _harbour(2, "World", "2019-05-02"), _harbour(3, "Business", "2020-02-11"),
    _harbour(4, "Business", "2020-07-21"), _harbour(5, "Local News", "2021-03-03"),
    _harbour(6, "Local News", "2021-09-09"), _harbour(7, "World", "2022-01-15"),
    _harbour(8, "Business", "2022-04-04"), _harbour(9, "World", "2023-02-02"),
    _harbour(10, "Local News", "2023-06-30", "Fishermen complained about the new moorings."),
    {"headline": "Storm damages harbour wall", "section": "World", "published": "2024-01-05",
     "byline": "Ana Ruiz", "body": "A winter storm damaged the harbour wall at Portmain overnight.\n\n\"We have "
     "never seen waves like it,\" said Marta Quist, the harbour master. Repairs will take a month.",
     "captions": ["Waves break over the damaged harbour wall at dawn."], "credit": "Ana Ruiz"},
    {"headline": "Council approves new cycle lanes", "section": "Politics", "published": "2019-09-15",
     "body": "The city council approved twelve kilometres of cycle lanes. \"Cities that build for bicycles build "
             "for everyone,\" said councillor Petra Novak, according to the Kestrel Courier."},
    {"headline": XSS_HEADLINE, "section": "<i>Tech</i>", "published": "2023-04-01", "byline": "<b>Mallory</b>",
     "url": "javascript:alert('url')",
     "body": "This article about the harbour mentions <script>alert('body')</script> and \"><img src=x "
             "onerror=alert('body2')> in its body.",
     "captions": [XSS_CAPTION], "credit": "<em>Eve</em>",
     "quotes": [{"text": XSS_QUOTE, "source": XSS_SOURCE, "cue": "said", "kind": "direct"}]},
]
HARBOUR_TOTAL = 12  # articles with "harbour" in them (not the cycle lanes)
SCRIPT_MARKERS = ("<script>alert", "<img src=x", "<b>Mallory", "<i>Tech", "<em>Eve")


def build_site(root: Path, articles: list[dict] = ARTICLES) -> Settings:
    """The web tests' site: these articles (by default the ones above), indexed."""
    return conftest_build_site(root, articles)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(settings: Settings):
    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def empty_client(tmp_path_factory: pytest.TempPathFactory):
    """An app whose index directory holds no index yet."""
    root = tmp_path_factory.mktemp("empty")
    return create_app(Settings.from_env(index=root / "index", corpus=root / "corpus")).test_client()


def page(client, url: str, status: int = 200) -> lxml.html.HtmlElement:
    r = client.get(url)
    assert r.status_code == status, r.data[:500]
    assert r.mimetype == "text/html"
    return lxml.html.fromstring(r.data)


def ids_for(client, url: str) -> list[str]:
    return [h["id"] for h in client.get(url).json["results"]]


# -- the search page ----------------------------------------------------------------------------------
def test_home_has_search_landmark_labelled_input_and_opensearch_link(client) -> None:
    doc = page(client, "/")
    form = doc.xpath("//form[@role='search']")[0]
    assert form.get("method") == "get" and form.get("action") == "/search"
    assert doc.xpath("//label[@for='q']") and doc.xpath("//input[@id='q' and @name='q']")
    assert doc.xpath("//link[@rel='search' and @type='application/opensearchdescription+xml']/@href") == [
        "/opensearch.xml"]
    assert f"{len(ARTICLES)} articles" in doc.text_content()


def test_results_page_shows_hits_with_links_marks_meta_and_count(client) -> None:
    doc = page(client, "/search?q=storm+wall")
    count = doc.xpath("//*[@id='count']")[0]
    assert count.get("aria-live") == "polite" and count.text_content().split()[:2] == ["1", "result,"]
    hit = doc.xpath("//li[@class='hit']")[0]
    link = hit.xpath(".//h2/a")[0]
    assert link.text_content() == "Storm damages harbour wall"
    assert link.get("href") == "/articles/" + ids_for(client, "/api/search?q=storm+wall")[0]
    assert [m.text for m in hit.xpath(".//h2//mark")] == ["Storm", "wall"]
    assert hit.xpath(".//time/@datetime")[0].startswith("2024-01-05")
    assert "World" in hit.xpath(".//p[@class='meta']")[0].text_content()
    assert "Ana Ruiz" in hit.xpath(".//p[@class='meta']")[0].text_content()
    assert "headline" in hit.xpath(".//p[@class='matched']")[0].text_content()
    assert doc.xpath("//title")[0].text.startswith("storm wall")


def test_quote_match_shows_the_quote_and_its_source(client) -> None:
    hit = page(client, "/search?q=quote:waves").xpath("//li[@class='hit']")[0]
    assert "waves" in [m.text.lower() for m in hit.xpath(".//blockquote//mark")]
    assert "Marta Quist" in hit.xpath(".//p[@class='quote-source']")[0].text_content()


def test_facets_are_links_that_add_a_filter_and_filters_can_be_removed(client) -> None:
    doc = page(client, "/search?q=harbour")
    section_links = {a.text: a.get("href") for a in doc.xpath("//aside//section[h2='Section']//a")}
    assert set(section_links) >= {"World", "Business", "Local News"}
    href = section_links["Business"]
    assert parse_qs(urlsplit(href).query) == {"q": ["harbour"], "section": ["Business"]}
    filtered = page(client, href)
    assert filtered.xpath("//*[@id='count']")[0].text_content().split()[0] == "3"
    chips = filtered.xpath("//ul[@class='filters']/li")
    assert "Section: Business" in chips[0].text_content()
    remove = chips[0].xpath(".//a")[0]
    assert remove.get("aria-label") == "Remove filter Section: Business"
    assert parse_qs(urlsplit(remove.get("href")).query) == {"q": ["harbour"]}
    # Facets count within the active filters: the chosen section is shown as chosen, the others' counts are 0.
    assert filtered.xpath("//aside//section[h2='Section']//strong[@aria-current='true']/text()") == ["Business"]
    both = page(client, "/search?q=harbour&section=Business&section=World")
    assert both.xpath("//*[@id='count']")[0].text_content().split()[0] == "8"  # any of the sections
    assert len(both.xpath("//ul[@class='filters']/li")) == 3  # two chips and "Clear all"


def test_year_facet_sets_a_date_range(client) -> None:
    doc = page(client, "/search?q=harbour")
    href = doc.xpath("//aside//section[h2='Year']//a[text()='2021']/@href")[0]
    assert parse_qs(urlsplit(href).query) == {"q": ["harbour"], "from": ["2021-01-01"], "to": ["2021-12-31"]}
    hits = page(client, href).xpath("//li[@class='hit']//time/@datetime")
    assert len(hits) == 2 and all(t.startswith("2021") for t in hits)


def test_pagination_marks_the_current_page_and_keeps_the_search(client) -> None:
    doc = page(client, "/search?q=harbour&sort=newest")
    nav = doc.xpath("//nav[@aria-label='Pages']")[0]
    assert nav.xpath(".//a[@aria-current='page']")[0].text == "1"
    nxt = nav.xpath(".//a[@rel='next']/@href")[0]
    assert parse_qs(urlsplit(nxt).query) == {"q": ["harbour"], "sort": ["newest"], "page": ["2"]}
    second = page(client, nxt)
    assert second.xpath("//nav//a[@aria-current='page']")[0].text == "2"
    assert len(second.xpath("//li[@class='hit']")) == HARBOUR_TOTAL - 10
    assert second.xpath("//ol[@class='hits']/@start") == ["11"]


def test_sort_and_date_range_from_the_form(client) -> None:
    doc = page(client, "/search?q=harbour&sort=oldest&from=2020-01-01&to=2021-12-31")
    dates = doc.xpath("//li[@class='hit']//time/@datetime")
    assert [d[:10] for d in dates] == ["2020-02-11", "2020-07-21", "2021-03-03", "2021-09-09"]
    assert doc.xpath("//select[@name='sort']/option[@selected]/@value") == ["oldest"]
    assert doc.xpath("//input[@name='from']/@value") == ["2020-01-01"]


def test_did_you_mean_relaxed_notice_and_empty_state(client) -> None:
    doc = page(client, "/search?q=harbuor")
    link = doc.xpath("//p[@class='suggestion']/a")[0]
    assert link.text == "harbour" and parse_qs(urlsplit(link.get("href")).query) == {"q": ["harbour"]}
    relaxed = page(client, "/search?q=storm+wall+dragons")  # 3 words no article has all of
    assert "most of them" in relaxed.xpath("//p[@class='notice']")[0].text_content()
    empty = page(client, "/search?q=zeppelinxyz&section=World")
    assert empty.xpath("//*[@id='count']")[0].text_content().strip() == "No results"
    assert "Search without the filters" in empty.xpath("//div[@class='empty']")[0].text_content()


def test_results_page_links_its_atom_feed(client) -> None:
    doc = page(client, "/search?q=harbour&section=World&page=2")
    href = doc.xpath("//link[@rel='alternate' and @type='application/atom+xml']/@href")[0]
    assert urlsplit(href).path == "/search.atom"
    assert parse_qs(urlsplit(href).query) == {"q": ["harbour"], "section": ["World"]}


# -- the article page ---------------------------------------------------------------------------------
def test_article_page_shows_everything_and_related_articles(client) -> None:
    art_id = ids_for(client, "/api/search?q=storm+wall")[0]
    doc = page(client, f"/articles/{art_id}")
    assert doc.xpath("//h1")[0].text == "Storm damages harbour wall"
    meta = doc.xpath("//article//p[@class='meta']")[0].text_content()
    assert "2024-01-05" in meta and "World" in meta and "By Ana Ruiz" in meta
    caption = doc.xpath("//figcaption")[0].text_content()
    assert "Waves break over" in caption and "Photo: Ana Ruiz" in caption
    paragraphs = doc.xpath("//article[@class='article']/p[not(@class)]")
    assert len(paragraphs) == 2 and paragraphs[0].text.startswith("A winter storm")
    quote = doc.xpath("//section[@class='quotes']//li")[0]
    assert "never seen waves like it" in quote.xpath(".//blockquote")[0].text
    assert quote.xpath(".//a")[0].text == "Marta Quist"
    related = doc.xpath("//section[@class='related']//a")
    assert related and all("harbour" in a.text.lower() or "Harbour" in a.text for a in related)


# -- escaping: article text is data, never markup -----------------------------------------------------
def test_markup_in_articles_is_escaped_on_results_and_article_pages(client) -> None:
    xss_id = ids_for(client, "/api/search?q=markup")[0]
    for url in ("/search?q=markup", "/search?q=caption:night", "/search?q=quote:ours", f"/articles/{xss_id}",
                "/search?q=harbour&sort=newest&page=1"):
        r = client.get(url)
        body = r.get_data(as_text=True)
        for marker in SCRIPT_MARKERS:
            assert marker not in body, (url, marker)
        doc = lxml.html.fromstring(body)
        assert not doc.xpath("//body//script | //body//img | //main//b | //main//i | //main//em"), url
    doc = page(client, f"/articles/{xss_id}")
    assert doc.xpath("//h1")[0].text == XSS_HEADLINE  # shown as the text it is
    quotes = doc.xpath("//section[@class='quotes']")[0].text_content()
    assert XSS_QUOTE in quotes and "— <img src=x onerror=alert" in quotes  # the source name, as text
    assert not doc.xpath("//a[starts-with(@href, 'javascript:')]")  # a javascript: url is never a link


def test_json_snippets_are_escaped_text_plus_mark(client) -> None:
    hit = client.get("/api/search?q=caption:night+OR+markup").json["results"][0]
    assert hit["headline"] == XSS_HEADLINE  # the data itself, as JSON data
    for snippet in hit["snippets"].values():
        assert "<script" not in snippet and "<img" not in snippet
        assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


# -- the JSON API -------------------------------------------------------------------------------------
def test_api_search_is_exactly_the_engine_results(client, settings: Settings) -> None:
    got = client.get("/api/search?q=harbour&section=World&section=Business&sort=newest&page=2&page_size=3").json
    req = SearchRequest.build(q="harbour", section=["World", "Business"], sort="newest", page="2", page_size="3")
    want = Engine(settings).search(req).to_dict()
    got.pop("took_ms"), want.pop("took_ms")
    assert got == want
    assert got["total"] == 8 and len(got["results"]) == 3  # OR within a field


def test_api_filters_and_dates(client) -> None:
    got = client.get("/api/search?q=harbour&from=2023-01-01&to=2023-12-31&sort=oldest").json
    assert [h["published"][:10] for h in got["results"]] == ["2023-02-02", "2023-04-01", "2023-06-30"]
    assert got["query"]["from"] == "2023-01-01T00:00:00"
    facets = client.get("/api/search?q=harbour").json["facets"]
    assert {f["value"]: f["count"] for f in facets["section"]}["World"] == 5


def test_api_article_suggest_status_openapi(client) -> None:
    art_id = ids_for(client, "/api/search?q=storm+wall")[0]
    art = client.get(f"/api/articles/{art_id}").json
    assert art["headline"] == "Storm damages harbour wall" and art["credit"] == "Ana Ruiz"
    assert art["quotes"][0]["source"] == "Marta Quist"
    assert client.get("/api/suggest?q=harb").json == {"q": "harb", "suggestions": ["harbour"]}
    r = client.get("/api/suggest?q=harb&format=opensearch")
    assert r.mimetype == "application/x-suggestions+json" and json.loads(r.data) == ["harb", ["harbour"]]
    assert client.get("/api/suggest?q=").json == {"q": "", "suggestions": []}
    status = client.get("/api/status").json
    assert status["articles"] == len(ARTICLES) and status["last_run"]["mode"] == "full"
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.") and set(doc["paths"]) == {
        "/api/search", "/api/articles/{id}", "/api/suggest", "/api/status", "/api/openapi.json", "/api/quotes",
        "/api/sources", "/api/sources/{slug}", "/api/search.csv", "/api/search.jsonl"}


def test_healthz(client, empty_client) -> None:
    health = client.get("/healthz").json
    assert health["status"] == "ok" and health["articles"] == len(ARTICLES) and health["generation"] >= 1
    r = empty_client.get("/healthz")
    assert r.status_code == 503 and r.json["status"] == "unavailable"


# -- errors: one JSON shape under /api/, friendly pages elsewhere ------------------------------------
API_ERRORS = [
    ("GET", "/api/search?page=0", 400, "bad_request", "page"),
    ("GET", "/api/search?page=x", 400, "bad_request", "page"),
    ("GET", "/api/search?page_size=101", 400, "bad_request", "page_size"),
    ("GET", "/api/search?page=200&page_size=100", 400, "bad_request", "page"),
    ("GET", "/api/search?sort=loudest", 400, "bad_request", "sort"),
    ("GET", "/api/search?from=yesterday", 400, "bad_request", "from"),
    ("GET", "/api/search?from=2022-01-01&to=2021-01-01", 400, "bad_request", "from"),
    ("GET", "/api/search?q=" + "a" * 1001, 400, "bad_request", "q"),
    ("GET", "/api/search?" + "&".join(["section=x"] * 21), 400, "bad_request", "section"),
    ("GET", "/api/suggest?q=" + "a" * 1001, 400, "bad_request", "q"),
    ("GET", "/api/suggest?q=a&limit=0", 400, "bad_request", "limit"),
    ("GET", "/api/suggest?q=a&limit=many", 400, "bad_request", "limit"),
    ("GET", "/api/articles/no-such-id", 404, "not_found", None),
    ("GET", "/api/nothing-here", 404, "not_found", None),
    ("GET", "/api", 404, "not_found", None),
    ("POST", "/api/search", 405, "method_not_allowed", None),
    ("DELETE", "/api/articles/abc", 405, "method_not_allowed", None),
]


@pytest.mark.parametrize(("method", "url", "status", "code", "param"), API_ERRORS)
def test_api_errors_have_one_json_shape(client, method: str, url: str, status: int, code: str, param) -> None:
    r = client.open(url, method=method)
    assert r.status_code == status and r.mimetype == "application/json"
    err = r.json["error"]
    assert set(r.json) == {"error"} and set(err) == {"status", "code", "message", "param"}
    assert (err["status"], err["code"], err["param"]) == (status, code, param)
    assert err["message"] and "Traceback" not in err["message"]
    if status == 405:
        assert "GET" in r.headers["Allow"]


@pytest.mark.parametrize("url", ["/api/search?q=x", "/api/status", "/api/articles/abc", "/api/suggest?q=ab"])
def test_api_without_an_index_is_503_in_the_same_shape(empty_client, url: str) -> None:
    r = empty_client.get(url)
    assert r.status_code == 503
    assert r.json["error"]["code"] == "index_missing" and "newsearch index" in r.json["error"]["message"]


def test_html_errors_are_friendly_pages(client, empty_client) -> None:
    assert "Not found" in page(client, "/nowhere", 404).xpath("//h1")[0].text
    assert "Not found" in page(client, "/articles/no-such-id", 404).xpath("//h1")[0].text
    bad = page(client, "/search?q=harbour&page=0", 400)
    assert "page must be between" in bad.xpath("//p[@role='alert']")[0].text_content()
    assert page(empty_client, "/search?q=x", 503).xpath("//h1")[0].text == "Search is not available yet"
    assert "no index yet" in page(empty_client, "/").text_content().lower()


def test_an_unexpected_error_is_a_bare_500_that_is_logged(settings: Settings, caplog) -> None:
    app = create_app(settings)

    @app.get("/api/explode")
    def explode():
        raise RuntimeError("secret internals /etc/passwd")

    @app.get("/explode")
    def explode_page():
        raise RuntimeError("secret internals /etc/passwd")

    c = app.test_client()
    r = c.get("/api/explode")
    assert r.status_code == 500 and r.json["error"]["code"] == "internal_error"
    assert "secret" not in r.get_data(as_text=True)
    r = c.get("/explode")
    assert r.status_code == 500 and r.mimetype == "text/html" and "secret" not in r.get_data(as_text=True)
    assert "secret internals" in caplog.text  # the traceback went to the log


NASTY = ["\x00", "\"unclosed", "(((", "headline:", "AND OR NOT", "*", "a*", "~~~", "source:\"", "-", "\\",
         "q=%00", "<script>alert(1)</script>", "' OR 1=1 --", "field:(a OR", "🙂" * 300, "x~9",
         "a" * 1000, "harbour\x01\x02\x1f", "%E0%A4%A", "[]{}^:!"]


@pytest.mark.parametrize("q", NASTY)
def test_nothing_a_user_types_makes_a_500(client, q: str) -> None:
    for base in ("/search", "/api/search", "/api/suggest", "/search.atom"):
        r = client.get(base, query_string={"q": q, "section": q[:200], "source": q[:200]})
        assert r.status_code < 500, (base, q, r.data[:300])


def test_undecodable_bytes_in_the_url_are_not_a_500(client) -> None:
    for base in ("/search", "/api/search", "/api/suggest", "/search.atom", "/articles/%ff%fe", "/api/articles/%ff"):
        r = client.get(base + "?q=%ff%fe%00&section=%c3%28&from=%ff")
        assert r.status_code < 500, (base, r.data[:300])


def test_security_headers_on_every_response(client) -> None:
    etag = client.get("/search.atom?q=harbour").headers["ETag"]
    responses = [client.get(u) for u in ("/", "/search?q=harbour", "/api/search?q=x", "/api/nope", "/nowhere",
                                         "/static/style.css", "/opensearch.xml", "/healthz")]
    responses.append(client.get("/search.atom?q=harbour", headers={"If-None-Match": etag}))
    responses.append(client.post("/api/search"))
    for r in responses:
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (r.request.path, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


def test_pages_have_no_inline_script_or_style(client) -> None:
    for url in ("/", "/search?q=harbour", "/nowhere"):
        doc = lxml.html.fromstring(client.get(url).data)
        assert not doc.xpath("//script | //style | //*[@style] | //*[@onclick]"), url


# -- the status command -------------------------------------------------------------------------------
def test_status_command(settings: Settings, tmp_path: Path) -> None:
    base = ["--index", str(settings.index), "--corpus", str(settings.corpus)]
    out = CliRunner().invoke(main, [*base, "status", "--json"])
    assert out.exit_code == 0
    info = json.loads(out.stdout)
    assert info["articles"] == len(ARTICLES) and info["last_run"]["mode"] == "full"
    text = CliRunner().invoke(main, [*base, "status"]).stdout
    assert f"{len(ARTICLES)} articles" in text and "last run: full" in text
    missing = CliRunner().invoke(main, ["--index", str(tmp_path / "none"), "status"])
    assert missing.exit_code == 1 and "no index" in missing.output


def test_answers_are_reused_only_while_their_index_is_live(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES[:2])
    client = create_app(settings).test_client()
    assert client.get("/api/search?q=harbour").json["total"] == 2
    art_id = ids_for(client, "/api/search?q=harbour")[0]
    assert page(client, f"/articles/{art_id}").xpath("//section[@class='related']//a")
    (settings.corpus / "more.jsonl").write_text('{"headline": "Harbour festival", "body": "A harbour report."}')
    Indexer(settings, workers=1).run()
    assert client.get("/api/search?q=harbour").json["total"] == 3  # a new generation: not the cached answer
    related = page(client, f"/articles/{art_id}").xpath("//section[@class='related']//a/text()")
    assert "Harbour festival" in related


# -- request parameters: declared once (search.PARAMS), settable in the API and the CLI alike -----------------
SAMPLE = {"q": "harbour", "section": "Local News", "source": "Marta Quist", "from": "2020-01-01",
          "to": "2024-12-31", "sort": "newest", "page": "1", "page_size": "5", "recency": "0.5"}
SAMPLE.update({"when": "30y", "histogram": "month"})  # a relative window, echoed as written; matches per month
SAMPLE.update({"outlet": "harbour.example", "collapse": "1"})  # a publisher; one hit per story


@pytest.mark.parametrize("name", [p.name for p in PARAMS])
def test_every_request_parameter_works_in_the_api_and_the_cli(client, settings: Settings, name: str) -> None:
    from click.testing import CliRunner

    param = next(p for p in PARAMS if p.name == name)
    # a cursor is made by the index it pages: that of the page after the first of every article
    value = client.get("/api/search?page_size=1").json["next"] if name == "cursor" else SAMPLE[name]
    r = client.get(f"/api/search?{name}={value}")
    assert r.status_code == 200, r.json
    echoed = r.json["query"][name]
    assert value in (echoed if param.multiple else [str(echoed)[: len(value)]])
    args = ["--index", str(settings.index), "search", "--json"]
    args += [SAMPLE["q"]] if name == "q" else [param.option, value]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["query"][name] == echoed  # the CLI and the API read it the same way


def test_recency_out_of_range_is_a_400_naming_it(client) -> None:
    r = client.get("/api/search?q=harbour&recency=2")
    assert r.status_code == 400 and r.json["error"]["param"] == "recency"
