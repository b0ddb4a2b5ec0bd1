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
