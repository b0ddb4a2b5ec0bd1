"""Good API citizenship: unknown query parameters refused with a 400 naming them, opt-in CORS
(NEWSEARCH_CORS_ORIGINS) on /api/* and the feeds, ETag / Cache-Control / 304 on /api/search and /api/articles/<id>
(changing with the index generation), the server and API versions in /api/status and the OpenAPI document. Flask's
test client on a real index, and once through a real gunicorn server over HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.config import Settings
from search.index.indexer import Indexer
from web import create_app

from .conftest import build_site, serving
from .test_web import ARTICLES

ORIGIN = "https://newsroom.example.org"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("citizenship"), ARTICLES)


@pytest.fixture(scope="module")
def client(settings: Settings):
    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def cors_client(settings: Settings):
    return create_app(replace(settings, cors_origins=f"{ORIGIN}, http://localhost:3000/")).test_client()


# -- unknown parameters ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "named"), [
    ("/api/search?q=harbour&form=2020-01-01", "form"),  # a misspelt `from` would silently search everything
    ("/api/search?q=harbour&sectoin=World&pagesize=5", "sectoin"),
    ("/api/quotes?q=waves&speaker=Marta", "speaker"),
    ("/api/suggest?q=har&size=3", "size"),
    ("/api/sources?q=mar&page=2", "page"),
    ("/api/sources/marta-quist?sort=newest", "sort"),
    ("/api/status?verbose=1", "verbose"),
    ("/api/openapi.json?v=3", "v"),
])
def test_an_unknown_parameter_is_a_400_naming_it(client, url: str, named: str) -> None:
    r = client.get(url)
    assert r.status_code == 400 and r.mimetype == "application/json"
    error = r.json["error"]
    assert (error["code"], error["param"]) == ("bad_request", named)
    assert f"`{named}`" in error["message"]


def test_every_unknown_parameter_is_named_with_what_the_route_takes(client, settings: Settings) -> None:
    message = client.get("/api/search?q=harbour&sectoin=World&pagesize=5").json["error"]["message"]
    assert message.startswith("unknown parameters `sectoin`, `pagesize` (this takes ")
    assert "page_size" in message and "section" in message and "when" in message
    art = client.get("/api/search?q=harbour").json["results"][0]["id"]
    r = client.get(f"/api/articles/{art}?fields=body")
    assert r.status_code == 400 and "this takes no parameters" in r.json["error"]["message"]


def test_pages_and_feeds_ignore_unknown_parameters(client) -> None:
    """Links shared by mail or social sites carry tracking parameters; a page or a feed reader cannot show a 400."""
    for url in ("/search?q=harbour&utm_source=newsletter", "/search.atom?q=harbour&utm_source=x",
                "/quotes?q=waves&fbclid=1", "/quotes.atom?q=waves&ref=feedly"):
        assert client.get(url).status_code == 200, url


def test_every_api_route_is_described_so_its_parameters_are_checked(client) -> None:
    """The known parameters are the OpenAPI document's: a route it did not describe would take anything."""
    paths = {re.sub(r"\{[^}]*\}", "{}", p) for p in client.get("/api/openapi.json").json["paths"]}
    rules = {re.sub(r"<[^>]*>", "{}", r.rule) for r in client.application.url_map.iter_rules()
             if r.rule.startswith("/api/") and "GET" in r.methods}
    assert rules <= paths, f"not in the OpenAPI document: {sorted(rules - paths)}"


# -- versions -------------------------------------------------------------------------------------------------------
def test_status_and_openapi_carry_the_server_and_api_versions(client, settings: Settings) -> None:
    status = client.get("/api/status").json
    info = client.get("/api/openapi.json").json["info"]
    installed = metadata.version("newsearch")
    assert status["server_version"] == info["x-server-version"] == installed
    assert status["api_version"] == info["version"] and re.fullmatch(r"\d+\.\d+", info["version"])
    cli = CliRunner().invoke(main, ["--version"])
    assert installed in cli.output  # what `newsearch --version` says
    as_json = CliRunner().invoke(main, ["--index", str(settings.index), "status", "--json"])
    assert json.loads(as_json.output)["api_version"] == info["version"]


# -- ETag, Cache-Control, 304 ---------------------------------------------------------------------------------------
def test_search_answers_carry_validators_and_revalidate_with_304(client) -> None:
    url = "/api/search?q=harbour&section=World&page_size=3"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "public, max-age=60"
    assert first.headers.get("Last-Modified")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 304  # weak match
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    reordered = client.get("/api/search?page_size=3&section=World&q=harbour")
    assert reordered.headers["ETag"] == etag  # the same request whatever the order of its parameters
    other = client.get("/api/search?q=harbour&section=World&page_size=4")
    assert other.headers["ETag"] != etag and client.get(
        "/api/search?q=harbour&section=World&page_size=4", headers={"If-None-Match": etag}).status_code == 200
    relative = client.get("/api/search?q=harbour&when=10y")
    assert relative.headers.get("ETag") and "Last-Modified" not in relative.headers  # the window moves with now


def test_articles_carry_validators_and_revalidate_with_304(client) -> None:
    art = client.get("/api/search?q=storm").json["results"][0]["id"]
    first = client.get(f"/api/articles/{art}")
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert client.get(f"/api/articles/{art}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    missing = client.get("/api/articles/nosuchid")
    assert missing.status_code == 404 and "ETag" not in missing.headers
    bad = client.get("/api/search?page=0")
    assert bad.status_code == 400 and "ETag" not in bad.headers


def test_the_etag_changes_when_the_index_generation_does(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES[:3])
    client = create_app(settings).test_client()
    art = client.get("/api/search?q=harbour").json["results"][0]["id"]
    search, article = client.get("/api/search?q=harbour"), client.get(f"/api/articles/{art}")
    more = settings.corpus / "more.jsonl"
    more.write_text(json.dumps({"headline": "Harbour ferry returns", "body": "The harbour ferry is back."}))
    assert Indexer(settings, workers=1).run().added == 1  # an incremental run: a new generation
    for url, old in ((("/api/search?q=harbour"), search), (f"/api/articles/{art}", article)):
        new = client.get(url, headers={"If-None-Match": old.headers["ETag"]})
        assert new.status_code == 200 and new.headers["ETag"] != old.headers["ETag"], url
    assert client.get("/api/search?q=harbour").json["total"] == search.json["total"] + 1


# -- CORS -----------------------------------------------------------------------------------------------------------
def test_no_cors_unless_configured(client) -> None:
    r = client.get("/api/search?q=harbour", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in r.headers and "Origin" not in r.headers.get("Vary", "")
    pre = client.options("/api/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in pre.headers


@pytest.mark.parametrize("url", ["/api/search?q=harbour", "/api/status", "/api/openapi.json", "/search.atom?q=harbour",
                                 "/quotes.atom", "/api/search?page=0", "/api/articles/nosuchid"])
def test_an_allowed_origin_is_named_back_on_the_api_and_feeds(cors_client, url: str) -> None:
    r = cors_client.get(url, headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN  # errors too, so the page can read them
    assert "Origin" in r.headers["Vary"] and "ETag" in r.headers["Access-Control-Expose-Headers"]
    local = cors_client.get(url, headers={"Origin": "http://localhost:3000"})
    assert local.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    other = cors_client.get(url, headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Origin" in other.headers["Vary"]


def test_cors_covers_neither_the_pages_nor_requests_without_an_origin(cors_client) -> None:
    page = cors_client.get("/search?q=harbour", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in page.headers
    plain = cors_client.get("/api/search?q=harbour")
    assert "Access-Control-Allow-Origin" not in plain.headers and "Origin" in plain.headers["Vary"]


def test_a_preflight_is_answered_for_allowed_origins_only(cors_client) -> None:
    asked = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "if-none-match"}
    r = cors_client.options("/api/search?q=harbour", headers=asked)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in r.headers["Access-Control-Allow-Headers"]
    assert int(r.headers["Access-Control-Max-Age"]) > 0
    art = cors_client.options("/api/articles/anything", headers=asked)
    assert art.status_code == 204  # a path parameter, and no unknown-parameter check on a preflight
    other = cors_client.options("/api/search", headers={**asked, "Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    page = cors_client.options("/search", headers=asked)
    assert "Access-Control-Allow-Origin" not in page.headers


def test_every_origin_with_a_star(settings: Settings) -> None:
    star = create_app(replace(settings, cors_origins="*")).test_client()
    for headers in ({"Origin": "https://anyone.example"}, {}):
        r = star.get("/api/search?q=harbour", headers=headers)
        assert r.headers["Access-Control-Allow-Origin"] == "*" and "Origin" not in r.headers.get("Vary", "")
    revalidated = star.get("/api/search?q=harbour", headers={"If-None-Match": r.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("bad", ["newsroom.example.org", "https://newsroom.example.org/path", "ftp://x.example"])
def test_a_malformed_origin_setting_is_refused_at_start(settings: Settings, bad: str) -> None:
    with pytest.raises(ValueError, match="NEWSEARCH_CORS_ORIGINS"):
        create_app(replace(settings, cors_origins=bad))


# -- the same over real HTTP ----------------------------------------------------------------------------------------
def _get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_cors_etag_and_304_over_real_http(tmp_path: Path, env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    (corpus / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    Indexer(Settings.from_env(env), workers=1).run(full=True)
    with serving({**env, "NEWSEARCH_CORS_ORIGINS": ORIGIN}, tmp_path / "serve.log", workers=1) as base:
        status, headers, body = _get(base + "/api/search?q=harbour&histogram=year", {"Origin": ORIGIN})
        assert status == 200 and json.loads(body)["histogram"]["interval"] == "year"
        assert headers["Access-Control-Allow-Origin"] == ORIGIN and "Origin" in headers["Vary"]
        assert headers["Cache-Control"] == "public, max-age=60" and headers["ETag"].startswith('W/"')
        status, again, body = _get(base + "/api/search?q=harbour&histogram=year",
                                   {"Origin": ORIGIN, "If-None-Match": headers["ETag"]})
        assert (status, body) == (304, b"") and again["Access-Control-Allow-Origin"] == ORIGIN
        status, pre, _ = _get(base + "/api/search", {"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
                                                     "Access-Control-Request-Headers": "If-None-Match"}, "OPTIONS")
        assert status == 204 and pre["Access-Control-Allow-Origin"] == ORIGIN
        assert "If-None-Match" in pre["Access-Control-Allow-Headers"]
        status, _, body = _get(base + "/api/search?q=harbour&from=now-7x", {"Origin": ORIGIN})
        assert status == 400 and json.loads(body)["error"]["param"] == "from"
        status, _, body = _get(base + "/api/search?q=harbour&sectoin=World")
        assert status == 400 and json.loads(body)["error"]["param"] == "sectoin"
        status, headers, _ = _get(base + "/search.atom?q=harbour", {"Origin": "https://elsewhere.example"})
        assert status == 200 and "Access-Control-Allow-Origin" not in headers
