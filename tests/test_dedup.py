"""One story once: near-duplicate articles get one cluster id as they are indexed (search/index/dedup.py), and
`collapse=1` shows each story once, with how many copies matched and where they were published."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from search import Engine, Indexer, SearchRequest, Settings
from search.index import dedup
from web import create_app

from .conftest import REPO, build_site

FERRY = [
    "The Kestrel Harbour ferry will run through the night from next month, the port authority said on Tuesday, "
    "after a year in which late crossings sold out within minutes.",
    "The authority will add two crossings after midnight on Fridays and Saturdays and one on weekdays, using the "
    "older of its two boats while the new one is refitted at the yard in Marrow Bridge.",
    "Fares will stay the same for the first six months, and season tickets will cover the night crossings too, "
    "the authority said, adding that it would review the timetable in the autumn.",
]
ORIGINAL = {"headline": "Night ferry to run from next month", "body": "\n\n".join(FERRY),
            "publisher": "Valley Ledger", "url": "https://valley-ledger.example/ferry",
            "published": "2024-03-01T09:00:00Z"}
ARTICLES = [
    ORIGINAL,
    {**ORIGINAL, "headline": "Harbour ferry adds night crossings", "publisher": "Kestrel Courier",  # wire copy
     "url": "https://courier.example/ferry", "published": "2024-03-01T11:00:00Z"},
    {**ORIGINAL, "body": "By Ana Costa\n\n" + "\n\n".join([FERRY[1], FERRY[0], FERRY[2][:90]]),  # light rewrite
     "publisher": "Harbour Radio", "url": "https://radio.example/ferry", "published": "2024-03-02T08:00:00Z"},
    {"headline": "Ferry fares frozen for another year", "publisher": "Kestrel Courier",
     "body": "The ferry operator froze its fares for another year, citing falling fuel costs and a rise in passengers "
             "on the island routes during the winter months, when most crossings used to run half empty.",
     "url": "https://courier.example/fares", "published": "2024-02-01T09:00:00Z"},
    {"headline": "Harbour wall repaired", "publisher": "Valley Ledger", "url": "https://valley-ledger.example/wall",
     "body": "Masons finished repairing the harbour wall on Friday, three months after a winter storm tore a hole in "
             "it, and the fishing boats moved back to their old moorings below the market hall.",
     "published": "2024-01-05T09:00:00Z"},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("dedup"), ARTICLES)


def search(settings: Settings, **request):
    return Engine(settings).search(SearchRequest.build(**request))


def test_copies_share_a_cluster_and_others_do_not(site: Settings) -> None:
    hits = {h.headline + " / " + (h.outlet or ""): h.cluster for h in search(site, page_size=20).results}
    story = {c for k, c in hits.items() if "ferry" in k.lower() and "fares" not in k}
    assert len(story) == 1 and len(hits) == 5 and len(set(hits.values())) == 3


def test_collapse_shows_each_story_once_with_its_copies(site: Settings) -> None:
    plain = search(site, q="ferry")
    assert plain.total == 4 and plain.total_collapsed is None and len(plain.results) == 4
    assert all(h.duplicates == 0 and h.copies == [] for h in plain.results)
    res = search(site, q="ferry", collapse=1)
    assert res.total == 4 and res.total_collapsed == 2 and len(res.results) == 2
    story = next(h for h in res.results if h.duplicates)
    assert story.duplicates == 2
    others = [c for c in [ORIGINAL, *ARTICLES[1:3]] if c["url"] != story.url]
    # the copies: earliest published first, with their outlets and urls
    assert [(c["outlet"], c["url"]) for c in story.copies] == [(a["publisher"], a["url"]) for a in others]
    fares = next(h for h in res.results if not h.duplicates)
    assert fares.headline == "Ferry fares frozen for another year" and fares.copies == []


def test_collapse_pages_stories_and_its_cursor_visits_each_once(site: Settings) -> None:
    first = search(site, q="harbour OR ferry", collapse=1, page_size=1, sort="oldest")
    assert first.total == 5 and first.total_collapsed == 3
    seen, cursor = [h.headline for h in first.results], first.next
    for _ in range(5):
        if not cursor:
            break
        page = search(site, q="harbour OR ferry", collapse=1, page_size=1, sort="oldest", cursor=cursor)
        seen += [h.headline for h in page.results]
        cursor = page.next
    assert seen == ["Harbour wall repaired", "Ferry fares frozen for another year",
                    "Night ferry to run from next month"]
    numbered = [search(site, q="harbour OR ferry", collapse=1, page_size=1, sort="oldest", page=n).results
                for n in (1, 2, 3, 4)]
    assert [h.headline for page in numbered for h in page] == seen  # page numbers agree, and page 4 is empty


def test_a_copy_added_later_joins_its_story(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES[:1] + ARTICLES[3:])
    before = {h.url: h.cluster for h in search(settings, page_size=20).results}
    later = {**ORIGINAL, "headline": "Ferries through the night", "publisher": "Island Wire",
             "url": "https://wire.example/ferry", "published": "2024-03-03T07:00:00Z"}
    (settings.corpus / "later.json").write_text(json.dumps(later), encoding="utf-8")
    report = Indexer(settings, workers=1).run()
    assert report.mode == "incremental" and report.added == 1
    after = {h.url: h.cluster for h in search(settings, page_size=20).results}
    assert after["https://wire.example/ferry"] == before[ORIGINAL["url"]]  # compared with the whole index
    assert {u: after[u] for u in before} == before  # nobody else's cluster moved
    state = json.loads((settings.index / "current" / dedup.DIR / dedup.STATE).read_text())
    assert state["generation"] == report.generation and state["rows"] == 4
    res = search(settings, q="ferry", collapse=1)
    assert res.total_collapsed == 2 and [h.duplicates for h in res.results if h.duplicates] == [1]


def test_a_lost_or_stale_table_is_made_again_from_the_index(tmp_path: Path) -> None:
    settings = build_site(tmp_path, ARTICLES[:1] + ARTICLES[3:])
    table = settings.index / "current" / dedup.DIR / dedup.STATE
    table.write_text(json.dumps({**json.loads(table.read_text()), "generation": 0}))  # as if killed after commit
    copy = {**ORIGINAL, "headline": "Night crossings", "url": "https://wire.example/x", "publisher": "Island Wire"}
    (settings.corpus / "later.json").write_text(json.dumps(copy), encoding="utf-8")
    Indexer(settings, workers=1).run()
    clusters = {h.url: h.cluster for h in search(settings, page_size=20).results}
    assert clusters["https://wire.example/x"] == clusters[ORIGINAL["url"]]


def test_articles_too_short_to_compare_are_never_grouped(tmp_path: Path) -> None:
    brief = {"headline": "Ferry cancelled", "body": "The evening ferry is cancelled because of the storm."}
    settings = build_site(tmp_path, [brief, {**brief, "url": "https://wire.example/brief"}])
    assert search(settings, q="ferry", collapse=1).total_collapsed == 2


def test_dedup_off_makes_no_clusters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSEARCH_DEDUP", "0")
    settings = build_site(tmp_path, ARTICLES)
    assert settings.dedup == 0
    res = search(settings, q="ferry", collapse=1)
    assert res.total_collapsed == res.total == len(res.results) == 4
    assert not (settings.index / "current" / dedup.DIR).exists()


def test_signatures_are_the_same_in_every_process() -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from search.index import dedup; "
            f"print(dedup.signature({ORIGINAL['headline']!r}, {ORIGINAL['body']!r}).tolist())")
    other = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, check=True)
    assert json.loads(other.stdout) == dedup.signature(ORIGINAL["headline"], ORIGINAL["body"]).tolist()


def test_the_api_collapses_when_asked_and_the_page_by_default(site: Settings) -> None:
    client = create_app(site).test_client()
    api = client.get("/api/search?q=ferry").json
    assert api["query"]["collapse"] == 0 and len(api["results"]) == 4 and api["total_collapsed"] is None
    api = client.get("/api/search?q=ferry&collapse=1").json
    assert api["total"] == 4 and api["total_collapsed"] == 2 and len(api["results"]) == 2
    story = next(h for h in api["results"] if h["duplicates"])
    assert story["duplicates"] == 2 and {c["outlet"] for c in story["copies"]} | {story["outlet"]} == {
        "Valley Ledger", "Kestrel Courier", "Harbour Radio"}
    assert client.get("/api/search?q=ferry&collapse=2").status_code == 400
    html = client.get("/search?q=ferry").get_data(as_text=True)
    assert "4 results in 2 stories" in " ".join(html.split())
    assert "2 more copies:" in html and 'href="/search?q=ferry&amp;collapse=0"' in html
    every = client.get("/search?q=ferry&collapse=0").get_data(as_text=True)
    assert "more copies" not in every and "One result per story" in every and "4 results, 1–4 shown" in every
    doc = client.get("/api/openapi.json").json
    assert any(p["name"] == "collapse" for p in doc["paths"]["/api/search"]["get"]["parameters"])
    assert {"duplicates", "copies", "cluster"} <= set(doc["components"]["schemas"]["Hit"]["properties"])
