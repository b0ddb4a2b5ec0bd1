"""Quote search on real Whoosh indexes built from articles written here: one result per quotation, speaker and
words on the same quote, first seen and seen in, filters (aliases too), sources and their profiles, and the quote
index kept in step with the article index by incremental runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search import BadRequest, Engine, Indexer, IndexOutdated, NotFound, QuoteRequest, SearchRequest, Settings

from .conftest import build_site

HUNDRED = "We will plant a hundred trees along the river before the winter comes"
ARTICLES = [
    {"headline": "Town plans a river park", "published": "2023-04-02T09:00:00+00:00", "section": "Local",
     "url": "https://www.valleyledger.example/river-park",
     "body": f"The council met on Monday. \"{HUNDRED},\" said Priya Raman, who chairs the parks committee. "
             "\"Nobody asked the farmers about any of this,\" said Tomasz Wierzbicki, a local farmer."},
    {"headline": "River park: the wire copy", "published": "2023-04-03T10:00:00+00:00", "section": "Wire",
     "url": "https://news.example.com/wire/river-park",
     # the same quotation, other quote marks and case, by the same speaker: one quotation
     "body": f"Plans for a park were announced. “{HUNDRED.upper()}.” said Priya Raman. The Wall Street Journal "
             "reported that land prices had risen."},
    {"headline": "Farmers object to the park", "published": "2023-05-10T08:00:00+00:00", "section": "Local",
     "body": "\"A hundred trees will not feed a hundred families,\" said Tomasz Wierzbicki. The WSJ reported that "
             "the council had not yet voted."},
    {"headline": "Council delays the vote", "section": "Local",
     "body": "\"We need another month to listen to everyone,\" said Priya Raman."},  # undated
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("quotes"), ARTICLES)


@pytest.fixture(scope="module")
def engine(site: Settings) -> Engine:
    return Engine(site)


def quotes(engine: Engine, **raw) -> list:
    return engine.quotes(QuoteRequest.build(**raw)).results


def test_one_quotation_is_one_result_with_first_seen_and_seen_in(engine: Engine) -> None:
    found = quotes(engine, q="hundred trees river")
    assert len(found) == 1
    r = found[0]
    assert r.source == "Priya Raman" and r.seen_in == 2 and r.kind == "direct"
    assert r.first_seen["headline"] == "Town plans a river park" and r.first_seen["published"].startswith("2023-04-02")
    assert [a["headline"] for a in r.articles] == ["Town plans a river park", "River park: the wire copy"]
    assert r.articles[0]["outlet"] == "valleyledger.example"
    assert "<mark>hundred</mark>" in r.snippet.lower()


def test_speaker_and_words_match_on_the_same_quote(engine: Engine) -> None:
    # Wierzbicki's quote has "hundred" too; Raman's has it in the same article as Wierzbicki's other quote.
    by_raman = quotes(engine, q='source:"Priya Raman" hundred')
    assert [r.source for r in by_raman] == ["Priya Raman"]
    assert {r.source for r in quotes(engine, q="source:Wierzbicki hundred")} == {"Tomasz Wierzbicki"}
    assert quotes(engine, q='source:"Tomasz Wierzbicki" plant') == []
    assert quotes(engine, q="hundred", source=["Tomasz Wierzbicki"])[0].text.startswith("A hundred trees")


def test_every_quote_of_a_speaker_is_listed(engine: Engine) -> None:
    found = quotes(engine, source=["Priya Raman"], sort="newest")
    assert [r.text[:20] for r in found] == [HUNDRED[:20], "We need another mont"]  # undated last
    assert engine.quotes(QuoteRequest.build(source=["priya raman"])).total == 2


def test_sorts_filters_and_facets(engine: Engine) -> None:
    assert quotes(engine, sort="most_cited")[0].seen_in == 2
    oldest = quotes(engine, sort="oldest")
    assert oldest[0].first_seen["published"].startswith("2023-04-02") and oldest[-1].first_seen["published"] is None
    res = engine.quotes(QuoteRequest.build(date_from="2023-05-01"))
    assert {r.source for r in res.results} == {"Tomasz Wierzbicki", "Wall Street Journal"}
    assert {r.kind for r in quotes(engine, kind=["indirect"])} == {"indirect"}
    facets = engine.quotes(QuoteRequest.build()).facets
    assert set(facets) == {"source", "source_kind", "kind", "year"}
    assert {"value": "Priya Raman", "count": 2} in facets["source"]
    assert {f["value"] for f in facets["source_kind"]} >= {"person", "outlet"}
    assert engine.quotes(QuoteRequest.build(cue=["reported"])).total >= 1
    with pytest.raises(BadRequest, match="sort"):
        QuoteRequest.build(sort="loudest")
    with pytest.raises(BadRequest, match="kind"):
        QuoteRequest.build(kind=["shouted"])


def test_an_alias_finds_what_the_canonical_name_finds(engine: Engine) -> None:
    canonical = engine.quotes(QuoteRequest.build(source=["Wall Street Journal"])).total
    assert canonical == 2  # "The Wall Street Journal" and "The WSJ" are one source at index time
    assert engine.quotes(QuoteRequest.build(source=["WSJ"])).total == canonical
    assert len(quotes(engine, q="source:WSJ")) == canonical
    articles = engine.search(SearchRequest.build(source=["WSJ"])).total
    assert articles == engine.search(SearchRequest.build(source=["Wall Street Journal"])).total == 2
    assert engine.search(SearchRequest.build(q="source:WSJ")).total == 2


def test_a_user_alias_file_applies_at_query_time(site: Settings, tmp_path: Path) -> None:
    mine = tmp_path / "aliases.toml"
    mine.write_text('[aliases]\n"Tomasz Wierzbicki" = ["the farmer", "Tomek"]\n', encoding="utf-8")
    engine = Engine(Settings.from_env(index=site.index, corpus=site.corpus, aliases=str(mine)))
    assert engine.quotes(QuoteRequest.build(source=["Tomek"])).total == 2
    assert {r.source for r in engine.quotes(QuoteRequest.build(q="source:Tomek hundred")).results} == \
        {"Tomasz Wierzbicki"}


def test_sources_and_a_source_profile(engine: Engine) -> None:
    listed = engine.sources()
    assert listed[0]["name"] == "Priya Raman" and listed[0]["quotes"] == 2 and listed[0]["articles"] == 3
    assert [s["name"] for s in engine.sources("wierz")] == ["Tomasz Wierzbicki"]
    assert [s["name"] for s in engine.sources("WSJ")] == ["Wall Street Journal"]
    assert engine.sources("wall")[0]["kind"] == "outlet"
    p = engine.source("priya-raman")
    assert p["name"] == "Priya Raman" and p["kind"] == "person" and p["direct"] == 2 and p["indirect"] == 0
    assert p["first_quoted"].startswith("2023-04-02") and p["last_quoted"].startswith("2023-04-03")
    assert [m["month"] for m in p["timeline"]] == ["2023-04"]
    assert {s["name"] for s in p["quoted_with"]} >= {"Tomasz Wierzbicki", "Wall Street Journal"}
    assert {o["name"] for o in p["outlets"]} == {"valleyledger.example", "news.example.com"}
    assert [r["text"][:20] for r in p["recent"]["results"]] == [HUNDRED[:20], "We need another mont"]
    json.dumps(p)  # JSON-ready
    with pytest.raises(NotFound):
        engine.source("nobody-at-all")


def test_the_quote_index_follows_incremental_runs(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES[:2])
    engine = Engine(settings)
    assert quotes(engine, q="hundred")[0].seen_in == 2
    corpus = Path(settings.corpus)
    (corpus / "more.jsonl").write_text(json.dumps(ARTICLES[2]), encoding="utf-8")
    assert Indexer(settings, workers=1).run().status == "ok"
    assert {r.source for r in quotes(engine, q="hundred")} == {"Priya Raman", "Tomasz Wierzbicki"}
    (corpus / "more.jsonl").unlink()
    assert Indexer(settings, workers=1).run(allow_delete=True).status == "ok"
    assert {r.source for r in quotes(engine, q="hundred")} == {"Priya Raman"}


def test_a_build_without_a_quote_index_says_to_rebuild(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES[:1])
    build = (Path(settings.index) / "current").resolve()
    version = json.loads((build / "schema.json").read_text())
    (build / "schema.json").write_text(json.dumps({"schema": version["schema"]}))  # as an older newsearch wrote it
    engine = Engine(settings)
    assert engine.search(SearchRequest.build(q="river")).total == 1  # articles still searchable
    with pytest.raises(IndexOutdated, match="index --full"):
        engine.quotes(QuoteRequest.build(q="river"))
    assert Indexer(settings, workers=1).run(full=True).status == "ok"
    assert engine.quotes(QuoteRequest.build(q="river")).total == 1


def test_near_identical_wire_copies_are_one_quotation(tmp_path: Path) -> None:
    said = "The new hospital wing will open in March and will treat three thousand patients a year"
    articles = [
        {"headline": "Hospital wing", "published": "2024-01-10", "body": f"\"{said},\" said Jonas Meier."},
        # trimmed at the end by a subeditor
        {"headline": "Wing to open", "published": "2024-01-11",
         "body": "\"The new hospital wing will open in March and will treat three thousand patients,\" said "
                 "Jonas Meier."},
        # one word changed
        {"headline": "March opening", "published": "2024-01-12",
         "body": "\"The new hospital wing will open in March and it will treat three thousand patients a year,\" "
                 "said Jonas Meier."},
        # another quotation by the same speaker, sharing its opening words: not the same
        {"headline": "Parking", "published": "2024-01-13",
         "body": "\"The new hospital wing will need a car park that nobody has paid for yet,\" said Jonas Meier."},
        # the same words by someone else: another quotation
        {"headline": "Echo", "published": "2024-01-14", "body": f"\"{said},\" said Karin Holm."},
    ]
    engine = Engine(build_site(tmp_path, articles))
    found = engine.quotes(QuoteRequest.build(q="hospital wing")).results
    by = {(r.source, r.seen_in) for r in found}
    assert by == {("Jonas Meier", 3), ("Jonas Meier", 1), ("Karin Holm", 1)}
    merged = next(r for r in found if r.seen_in == 3)
    assert merged.first_seen["headline"] == "Hospital wing"
    assert [a["headline"] for a in merged.articles] == ["Hospital wing", "Wing to open", "March opening"]


def test_a_damaged_quote_index_is_found_reported_and_rebuilt(tmp_path: Path) -> None:
    from search.errors import IndexDamaged
    from search.index.check import check_index
    from search.index.store import IndexStore

    settings = build_site(tmp_path, ARTICLES)
    store = IndexStore(Path(settings.index))
    target = next((store.current() / "quotes").glob("*.pst"))
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 3])
    assert any("quote index" in p or "postings" in p for p in check_index(store, deep=True)["problems"])
    engine = Engine(settings)
    assert engine.search(SearchRequest.build(q="river")).total >= 1  # the articles still answer
    with pytest.raises(IndexDamaged, match="index --full"):
        engine.quotes(QuoteRequest.build(q="hundred"))
    assert Indexer(settings, workers=1).run(full=True).status == "ok"
    assert engine.quotes(QuoteRequest.build(q="hundred")).total == 2
    assert check_index(store, deep=True)["problems"] == []


def test_an_aliases_file_that_cannot_be_used_stops_the_run_not_every_file(tmp_path: Path) -> None:
    from search.errors import NewsearchError

    settings = build_site(tmp_path, ARTICLES)
    bad = tmp_path / "mine.toml"
    bad.write_text('[aliases\n"Tomek" = 1\n', encoding="utf-8")
    broken = Settings.from_env(index=settings.index, corpus=settings.corpus, aliases=str(bad))
    before = Engine(settings).quotes(QuoteRequest.build()).total
    with pytest.raises(NewsearchError, match="mine.toml"):
        Indexer(broken, workers=1).run(full=True)
    assert Engine(settings).quotes(QuoteRequest.build()).total == before  # the index was not touched
    from web import create_app

    with pytest.raises(NewsearchError, match="mine.toml"):
        create_app(broken)  # the server refuses to start, saying which file


def test_a_quote_record_keeps_what_the_reader_gave_its_article(tmp_path: Path) -> None:
    """The quote documents are made from the same checked Article as the article's: the reader's outlet, and
    the year counted in UTC as the article search counts it."""
    articles = [{"headline": "New year", "published": "2011-01-01T00:30:00+02:00", "outlet": "Valley Ledger",
                 "url": "https://www.valleyledger.example/new-year",
                 "body": "\"We open the new bridge in spring,\" said Priya Raman."}]
    settings = build_site(tmp_path, articles)
    engine = Engine(settings)
    (r,) = engine.quotes(QuoteRequest.build()).results
    assert r.articles[0]["outlet"] == "Valley Ledger" and r.first_seen["published"] == "2011-01-01T00:30:00+02:00"
    years = engine.search(SearchRequest.build()).facets["year"]
    assert engine.quotes(QuoteRequest.build()).facets["year"] == years == [{"value": "2010", "count": 1}]
    assert engine.source("priya-raman")["outlets"] == [{"name": "Valley Ledger", "count": 1}]


def test_a_file_that_cannot_be_read_again_keeps_its_quotes_in_a_full_rebuild(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES)
    engine = Engine(settings)
    before = engine.quotes(QuoteRequest.build(q="hundred")).total
    (Path(settings.corpus) / "articles.jsonl").write_bytes(b"\x00" * 64)  # now unreadable (binary)
    report = Indexer(settings, workers=1).run(full=True)
    assert report.failed and report.kept == len(ARTICLES)
    assert engine.quotes(QuoteRequest.build(q="hundred")).total == before == 2
