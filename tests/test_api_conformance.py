"""The OpenAPI document against real responses: schemathesis generates requests (valid and invalid) from
/api/openapi.json, sends them to the Flask app on a real index, and checks every response: no 5xx, a documented
status and content type, and a body that matches its schema (including the one error shape). Bounded in time."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from web import create_app

from .test_web import build_site

# Not negative_data_rejection: on a query string every value is a string, and it counts `section=null` (a fine
# section name) as a JSON null the API should have refused. Invalid requests must still get a documented 4xx
# in the error shape, which the schema checks enforce.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return create_app(build_site(tmp_path_factory.mktemp("conformance")))


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


OPERATIONS = [("/api/search", 300), ("/api/suggest", 100), ("/api/articles/{id}", 50), ("/api/quotes", 300),
              ("/api/sources", 100), ("/api/sources/{slug}", 50), ("/api/status", 5), ("/api/openapi.json", 3)]
NEGATIVE = [(path, n) for path, n in OPERATIONS if path in ("/api/search", "/api/suggest", "/api/quotes",
                                                           "/api/sources", "/api/sources/{slug}")]


# Hypothesis drives schemathesis' strategies directly (its pytest plugin's lazy loader does not work with pytest 9).
@pytest.mark.parametrize(
    ("path", "examples", "mode"),
    [(p, n, GenerationMode.POSITIVE) for p, n in OPERATIONS] + [(p, n, GenerationMode.NEGATIVE) for p, n in NEGATIVE],
    ids=lambda v: v.value if isinstance(v, GenerationMode) else None)
def test_generated_requests_conform(api_schema, path: str, examples: int, mode: GenerationMode) -> None:
    strategy = api_schema[path]["GET"].as_strategy(generation_mode=mode)
    calls = []

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def run(case) -> None:
        calls.append(case.call_and_validate(checks=CHECKS).status_code)

    run()
    assert calls


def test_real_articles_and_searches_conform(app) -> None:
    """Generated ids are never real ones: check every real article, and searches that find something, too."""
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = app.test_client()
    searches = ["/api/search?q=harbour", "/api/search?q=harbuor", "/api/search?q=storm+wall+dragons+unicorns",
                "/api/search?q=quote:waves&sort=newest", "/api/search", "/api/search?q=markup&page_size=100"]
    for url in searches:
        r = client.get(url)
        assert r.status_code == 200
        loaded["/api/search"]["GET"].validate_response(r)
    ids = [h["id"] for h in client.get("/api/search?page_size=100").json["results"]]
    assert len(ids) == 13
    for art_id in ids:
        r = client.get(f"/api/articles/{art_id}")
        loaded["/api/articles/{id}"]["GET"].validate_response(r)
    for url in ("/api/suggest?q=harb", "/api/suggest?q=harb&format=opensearch"):
        loaded["/api/suggest"]["GET"].validate_response(client.get(url))
    loaded["/api/status"]["GET"].validate_response(client.get("/api/status"))
    quotes = ["/api/quotes", "/api/quotes?q=waves", "/api/quotes?source=Marta+Quist&kind=direct&sort=most_cited",
              "/api/quotes?q=zeppelinxyz", "/api/quotes?page_size=100&sort=oldest"]
    for url in quotes:
        r = client.get(url)
        assert r.status_code == 200
        loaded["/api/quotes"]["GET"].validate_response(r)
    assert client.get("/api/quotes?q=waves").json["total"] == 1
    for url in ("/api/sources", "/api/sources?q=mar", "/api/sources?q=zzz&limit=1"):
        loaded["/api/sources"]["GET"].validate_response(client.get(url))
    slugs = [s["slug"] for s in client.get("/api/sources?limit=100").json["sources"]]
    assert "marta-quist" in slugs
    for slug in slugs:  # every real source's profile, as generated slugs are never real ones
        r = client.get(f"/api/sources/{slug}")
        assert r.status_code == 200
        loaded["/api/sources/{slug}"]["GET"].validate_response(r)
    # The schema is strict enough to fail: a response missing a field does not validate.
    broken = client.get("/api/search?q=harbour")
    broken.set_data(broken.get_data().replace(b'"total"', b'"totl"'))
    with pytest.raises(AssertionError):
        loaded["/api/search"]["GET"].validate_response(broken)
    broken = client.get("/api/sources/marta-quist")
    broken.set_data(broken.get_data().replace(b'"seen_in":1', b'"seen_in":"1"'))
    with pytest.raises(AssertionError):
        loaded["/api/sources/{slug}"]["GET"].validate_response(broken)


def test_dates_histograms_validators_and_versions_conform(app) -> None:
    """Issue 12's additions, described and answered as described: relative dates, `when`, histograms of every
    interval, conditional requests (the 304 and its validators), the versions; and the schema catches a bad bucket."""
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = app.test_client()
    doc = client.get("/api/openapi.json").json
    search = doc["paths"]["/api/search"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert params["histogram"]["schema"]["enum"] == ["auto", "day", "week", "month", "year"]
    assert params["when"]["schema"]["type"] == "string" and "format" not in params["from"]["schema"]
    assert params["If-None-Match"]["in"] == "header"
    for path in ("/api/search", "/api/articles/{id}"):
        responses = doc["paths"][path]["get"]["responses"]
        assert "304" in responses and "ETag" in responses["200"]["headers"]
    assert doc["info"]["version"] == client.get("/api/status").json["api_version"]
    urls = ["/api/search?q=harbour&histogram=day", "/api/search?histogram=week&section=World",
            "/api/search?histogram=month&when=30y", "/api/search?histogram=year&from=now-30y/y&to=now/d",
            "/api/search?q=zeppelinxyz&histogram=auto", "/api/search?from=2020-01-01||%2B1M&to=now"]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        loaded["/api/search"]["GET"].validate_response(r)
        etag = r.headers["ETag"]
        revalidated = client.get(url, headers={"If-None-Match": etag})
        assert revalidated.status_code == 304
        loaded["/api/search"]["GET"].validate_response(revalidated)
    for url in ("/api/search?from=now-7x", "/api/search?histogram=hour", "/api/search?unknown=1"):
        r = client.get(url)
        assert r.status_code == 400
        loaded["/api/search"]["GET"].validate_response(r)
    art = client.get("/api/search").json["results"][0]["id"]
    first = client.get(f"/api/articles/{art}")
    loaded["/api/articles/{id}"]["GET"].validate_response(
        client.get(f"/api/articles/{art}", headers={"If-None-Match": first.headers["ETag"]}))
    loaded["/api/articles/{id}"]["GET"].validate_response(client.get(f"/api/articles/{art}?x=1"))
    broken = client.get("/api/search?histogram=month")
    broken.set_data(broken.get_data().replace(b'"share":', b'"shar":'))
    with pytest.raises(AssertionError):
        loaded["/api/search"]["GET"].validate_response(broken)


@pytest.mark.parametrize(("path", "mode"), [(p, m) for p in ("/api/search.csv", "/api/search.jsonl")
                                            for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)],
                         ids=lambda v: v.value if isinstance(v, GenerationMode) else None)
def test_generated_export_requests_conform(api_schema, path: str, mode: GenerationMode) -> None:
    """The exports (issue 12): documented statuses and content types for any parameters, valid or not."""
    test_generated_requests_conform(api_schema, path, 60, mode)


def test_cursor_pages_and_a_stale_cursor_conform(app, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every page of a cursor walk (`next`, the Link header) and the 410 of a cursor from a replaced index match
    the document; a forged cursor is its 400."""
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = app.test_client()
    url, seen = "/api/search?page_size=4&sort=oldest", []
    while url:
        r = client.get(url)
        loaded["/api/search"]["GET"].validate_response(r)
        seen += [h["id"] for h in r.json["results"]]
        url = r.headers["Link"].split(">")[0].lstrip("<") if "Link" in r.headers else None
    assert len(seen) == len(set(seen)) == client.get("/api/search").json["total"]
    cursor = client.get("/api/search?page_size=4").json["next"]
    forged = client.get("/api/search?page_size=4&cursor=" + cursor[::-1])
    assert forged.status_code == 400
    loaded["/api/search"]["GET"].validate_response(forged)
    other = create_app(build_site(tmp_path_factory.mktemp("conformance-other"))).test_client()
    stale = other.get("/api/search?page_size=4&cursor=" + cursor)  # another index: made on a build that is not live
    assert stale.status_code == 410 and stale.json["error"]["code"] == "cursor_expired"
    loaded["/api/search"]["GET"].validate_response(stale)
    export = client.get("/api/search.csv?q=harbour")
    assert export.status_code == 200 and int(export.headers["X-Total-Count"]) == len(export.data.splitlines()) - 1
    loaded["/api/search.csv"]["GET"].validate_response(export)
