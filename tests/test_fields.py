"""The field registry (search/index/fields.py): one declaration makes a field searchable everywhere, and an index
built with other fields says so instead of failing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from search import Engine, Indexer, IndexOutdated, SearchRequest, Settings
from search.index import fields
from search.index.fields import Field
from search.index.schema import build_schema
from web import create_app

from .conftest import build_site, newsearch

ARTICLES = [
    {"headline": "Harbour wall repaired", "body": "The harbour wall was repaired after the storm.",
     "location": "Portmain quay", "section": "Local News"},
    {"headline": "Ferry returns", "body": "The island ferry sails again after a month in dock.",
     "location": "Skerry island pier", "section": "Transport"},
    {"headline": "Library opens late", "body": "The town library now opens until nine on weekdays."},
]
LOCATION = Field("location", ("place",), weight=1.0, b=0.5, snippet="line")


@pytest.fixture()
def located(tmp_path: Path) -> Settings:
    """A site whose index was built with one more field declared: `location`, read from the JSON key."""
    with fields.registered(LOCATION):
        return build_site(tmp_path, ARTICLES)


def headlines(settings: Settings, q: str) -> list[str]:
    return [h.headline for h in Engine(settings).search(SearchRequest.build(q=q)).results]


def test_a_registered_field_is_indexed_searched_ranked_and_shown(located: Settings) -> None:
    with fields.registered(LOCATION):
        assert "location" in build_schema().names()
        assert headlines(located, "place:portmain") == ["Harbour wall repaired"]  # by its alias
        assert headlines(located, "location:pier") == ["Ferry returns"]
        assert headlines(located, "quay") == ["Harbour wall repaired"]  # searched by default: it has a weight
        hit = Engine(located).search(SearchRequest.build(q="skerry")).results[0]
        assert hit.matched_fields == ["location"] and hit.snippets["location"] == "<mark>Skerry</mark> island pier"
        client = create_app(located).test_client()
        article = client.get(f"/api/articles/{hit.id}").json
        assert article["location"] == "Skerry island pier"
        assert "location" in client.get("/api/openapi.json").json["components"]["schemas"]["Article"]["properties"]
        assert client.get("/api/search?q=place:quay").json["results"][0]["headline"] == "Harbour wall repaired"


def test_a_field_only_searched_when_named(tmp_path: Path) -> None:
    quiet = Field("location", weight=0.0)
    with fields.registered(quiet):
        settings = build_site(tmp_path, ARTICLES)
        assert headlines(settings, "quay") == []
        assert headlines(settings, "location:quay") == ["Harbour wall repaired"]


def test_an_index_built_with_other_fields_says_to_rebuild(located: Settings) -> None:
    # The index holds `location`; this newsearch (nothing registered) does not declare it.
    with pytest.raises(IndexOutdated, match="index --full"):
        Engine(located).search(SearchRequest.build(q="harbour"))
    env = {**os.environ, "NEWSEARCH_INDEX": str(located.index), "NEWSEARCH_CORPUS": str(located.corpus)}
    out = newsearch("index", env=env)
    assert out.returncode == 1 and "newsearch index --full" in out.stderr and "Traceback" not in out.stderr
    r = create_app(located).test_client().get("/api/search?q=harbour")
    assert r.status_code == 503 and r.json["error"]["code"] == "index_outdated"
    assert newsearch("index", "--full", env=env).returncode == 0
    assert headlines(located, "harbour") == ["Harbour wall repaired"]
    assert json.loads((Path(located.index) / "current" / "schema.json").read_text())["schema"] == \
        fields.schema_version()


def test_an_index_from_before_versions_were_recorded_still_opens(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES)
    (Path(settings.index) / "current" / "schema.json").unlink()
    assert headlines(settings, "harbour") == ["Harbour wall repaired"]
    assert Indexer(settings, workers=1).run().status == "ok"


def test_an_index_whose_schema_names_code_that_has_moved_says_to_rebuild(tmp_path: Path, monkeypatch) -> None:
    """Whoosh pickles the schema with the classes of its analyzers: an index written by a newsearch whose
    analysis code lived elsewhere cannot be unpickled, and is outdated, not damaged."""
    import sys

    from whoosh import index as whoosh_index

    settings = build_site(tmp_path / "site", ARTICLES)
    (tmp_path / "oldcode.py").write_text("from whoosh.analysis import RegexTokenizer\n\n\n"
                                         "class OldTokenizer(RegexTokenizer):\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import oldcode

    build = (Path(settings.index) / "current").resolve()
    schema = build_schema()
    schema["body"].analyzer = oldcode.OldTokenizer()
    writer = whoosh_index.create_in(str(build), schema).writer()
    writer.add_document(id="x", body="harbour")
    writer.commit()
    del sys.modules["oldcode"]
    (tmp_path / "oldcode.py").unlink()
    with pytest.raises(IndexOutdated, match="index --full"):
        Engine(settings).search(SearchRequest.build(q="harbour"))
    r = create_app(settings).test_client().get("/api/search?q=harbour")
    assert r.status_code == 503 and r.json["error"]["code"] == "index_outdated"


def test_a_facet_that_is_not_a_request_parameter_is_shown_and_the_pages_still_work(tmp_path: Path) -> None:
    """A facet in the registry with no request parameter of its name (counted, not a filter) leaves the search
    page working (it was a 500: the page looked up a filter of each facet's name)."""
    from search.index.fields import Facet

    lang = Facet("lang", "Language", "lang_f", lambda a: ["en"])
    fields.FACETS.append(lang)
    try:
        settings = build_site(tmp_path, ARTICLES)
        client = create_app(settings).test_client()
        page = client.get("/search?q=harbour&section=Local+News")
        assert page.status_code == 200 and "wall repaired" in page.get_data(as_text=True)
        assert "lang" in client.get("/api/search?q=harbour").json["facets"]
    finally:
        fields.FACETS.remove(lang)


def test_status_check_says_an_index_built_with_other_fields_is_outdated(located: Settings) -> None:
    from search.index.check import check_index
    from search.index.store import IndexStore

    problems = check_index(IndexStore(Path(located.index)))["problems"]  # built with `location`; not declared now
    assert any("index --full" in p and "another version" in p for p in problems)
    with fields.registered(LOCATION):
        assert check_index(IndexStore(Path(located.index)))["problems"] == []


def test_an_index_written_by_whoosh_s_own_codec_says_to_rebuild(tmp_path: Path) -> None:
    """What newsearch wrote before its own codec (issue 11): Whoosh's W3 segments, the same fields. The engine
    does not read W3's blocks any more, so such a build is outdated, said as much, and `--full` mends it."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec

    settings = build_site(tmp_path, ARTICLES)
    build = (Path(settings.index) / "current").resolve()
    writer = whoosh_index.create_in(str(build), build_schema()).writer(codec=W3Codec())
    writer.add_document(id="x", file="x.txt", headline="Harbour wall repaired", body="harbour")
    writer.commit()
    with pytest.raises(IndexOutdated, match="index --full"):
        Engine(settings).search(SearchRequest.build(q="harbour"))
    env = {**os.environ, "NEWSEARCH_INDEX": str(settings.index), "NEWSEARCH_CORPUS": str(settings.corpus)}
    out = newsearch("index", env=env)
    assert out.returncode == 1 and "newsearch index --full" in out.stderr and "Traceback" not in out.stderr
    assert newsearch("index", "--full", env=env).returncode == 0
    assert headlines(settings, "harbour") == ["Harbour wall repaired"]
