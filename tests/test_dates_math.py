"""Relative dates: Elasticsearch date math in `from`/`to` (now-24h, now-7d/d, 2024-01-31||+1M) and `when=7d`, read
against a fixed clock where the clock can be passed in (the date-math function, SearchRequest.build, the engine on a
real index), and against the real clock through the API, the feeds, the page and the CLI (articles dated relative to
the time the test index is built, with wide margins)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner

from search.cli import main
from search.config import Settings
from search.dates import DateMathError, date_math
from search.engine.engine import Engine
from search.engine.quotes import QuoteRequest
from search.engine.results import SearchRequest
from search.errors import BadRequest
from web import create_app

from .conftest import build_site

NOW = datetime(2024, 3, 31, 15, 42, 17, 250_000)  # a Sunday afternoon, UTC


@pytest.mark.parametrize(("expr", "up", "expected"), [
    ("now", False, "2024-03-31T15:42:17"),  # to the second
    ("now-24h", False, "2024-03-30T15:42:17"),
    ("now-1d", False, "2024-03-30T15:42:17"),
    ("now-7d/d", False, "2024-03-24T00:00:00"),
    ("now-7d/d", True, "2024-03-24T23:59:59.999999"),  # an upper bound rounds up: the whole day
    ("now/d", True, "2024-03-31T23:59:59.999999"),
    ("now/w", False, "2024-03-25T00:00:00"),  # weeks start on Monday
    ("now/w", True, "2024-03-31T23:59:59.999999"),
    ("now-1w/w", True, "2024-03-24T23:59:59.999999"),
    ("now/M", False, "2024-03-01T00:00:00"),
    ("now-1M/M", True, "2024-02-29T23:59:59.999999"),
    ("now-1M", False, "2024-02-29T15:42:17"),  # March 31st less a month: the last day of February
    ("now/y", False, "2024-01-01T00:00:00"),
    ("now+1y/y", True, "2025-12-31T23:59:59.999999"),
    ("now-90m", False, "2024-03-31T14:12:17"),  # m is minutes, M months
    ("now-36H/h", False, "2024-03-30T03:00:00"),
    ("now-30s", False, "2024-03-31T15:41:47"),
    ("now/d-1h", False, "2024-03-30T23:00:00"),  # operations apply left to right
    ("now 1d", False, "2024-04-01T15:42:17"),  # a `+` that a URL turned into a space
    ("2024-01-31||+1M", False, "2024-02-29T00:00:00"),
    ("2024-01-31||", True, "2024-01-31T23:59:59.999999"),  # a bare date as an upper bound: its whole day
    ("2023-02-28T10:00:00+02:00||+1y/d", False, "2024-02-28T00:00:00"),  # the anchor in UTC
    ("2024-02-29||+1y", False, "2025-02-28T00:00:00"),
])
def test_date_math_reads_like_elasticsearch(expr: str, up: bool, expected: str) -> None:
    assert date_math(expr, NOW, round_up=up).isoformat() == expected


def test_date_math_takes_an_aware_clock_in_utc() -> None:
    aware = datetime(2024, 3, 31, 17, 42, 17, tzinfo=UTC).astimezone()  # whatever zone this machine is in
    assert date_math("now-1h", aware) == datetime(2024, 3, 31, 16, 42, 17)


@pytest.mark.parametrize(("expr", "says"), [
    ("now-7x", "unknown unit 'x'"), ("now-7", "a unit"), ("now+1.5d", "a unit"), ("now-d", "cannot read"),
    ("nowish", "cannot read"), ("yesterday", "starts with `now`"), ("2024-13-01||+1d", "not an ISO 8601 date"),
    ("now/", "unknown unit"), ("now-99999999y", "outside the years"), ("now--1d", "cannot read"),
])
def test_bad_date_math_says_what_is_wrong(expr: str, says: str) -> None:
    with pytest.raises(DateMathError, match=None) as e:
        date_math(expr, NOW)
    assert says in str(e.value)


def test_a_request_reads_relative_dates_against_its_clock_and_keeps_them_as_written() -> None:
    req = SearchRequest.build(now=NOW, date_from="now-7d/d", date_to="now/d")
    assert req.relative
    assert (req.to_dict()["from"], req.to_dict()["to"]) == ("2024-03-24T00:00:00", "2024-03-31T23:59:59.999999")
    assert (req.to_dict(as_written=True)["from"], req.to_dict(as_written=True)["to"]) == ("now-7d/d", "now/d")
    later = SearchRequest.build(now=NOW + timedelta(days=1), date_from="now-7d/d")
    assert later.to_dict()["from"] == "2024-03-25T00:00:00"  # the window moves with the clock
    when = SearchRequest.build(now=NOW, when="7d")
    assert when.to_dict()["from"] == "2024-03-24T15:42:17" and when.to_dict()["when"] == "7d"
    assert when.to_dict(as_written=True)["from"] is None  # the feed is named by `when=7d`, not a date
    absolute = SearchRequest.build(now=NOW, date_from="2024-01-31||+1M")
    assert not absolute.relative and absolute.date_from == datetime(2024, 2, 29)


@pytest.mark.parametrize(("raw", "param", "says"), [
    ({"when": "7d", "date_from": "2024-01-01"}, "when", "not both"),
    ({"when": "week"}, "when", "span of time"), ({"when": "-7d"}, "when", "span of time"),
    ({"when": "7q"}, "when", "unknown unit"), ({"when": "1d+2d"}, "when", "reach back"),
    ({"date_from": "now-3q"}, "from", "unknown unit"), ({"date_to": "now+"}, "to", "cannot read"),
    ({"date_from": "now", "date_to": "now-1d"}, "from", "after"),
    ({"when": "1d", "date_to": "now-1w"}, "when", "before the start"),
    ({"date_from": "yesterday"}, "from", "date math"),
])
def test_bad_relative_dates_name_their_parameter(raw: dict, param: str, says: str) -> None:
    with pytest.raises(BadRequest) as e:
        SearchRequest.build(now=NOW, **raw)
    assert e.value.param == param and says in str(e.value)


# -- the engine on a real index, against a fixed clock -------------------------------------------------------------
DATED = {  # headline -> published (UTC)
    "Half an hour ago": "2024-03-31T15:10:00Z", "Yesterday evening": "2024-03-30T18:00:00Z",
    "Monday morning": "2024-03-25T00:00:00Z", "Last Sunday night": "2024-03-24T23:59:59Z",
    "Leap day": "2024-02-29T12:00:00Z", "A year ago to the second": "2023-03-31T15:42:17Z",
}


@pytest.fixture(scope="module")
def fixed_site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    articles = [{"headline": h, "published": d, "section": "Coast",
                 "body": f"The lighthouse report: {h.lower()}.",
                 "quotes": [{"text": f"The lamp was lit {h.lower()}", "source": "Ines Carvalho", "cue": "said",
                             "kind": "direct"}]}
                for h, d in DATED.items()]
    articles.append({"headline": "Undated notes", "body": "A lighthouse report without a date.", "section": "Coast"})
    return build_site(tmp_path_factory.mktemp("fixed-clock"), articles)


@pytest.mark.parametrize(("raw", "expected"), [
    ({"when": "1h"}, ["Half an hour ago"]),
    ({"when": "1d"}, ["Half an hour ago", "Yesterday evening"]),
    ({"date_from": "now/w"}, ["Half an hour ago", "Yesterday evening", "Monday morning"]),
    ({"date_from": "now-7d/d"}, ["Half an hour ago", "Yesterday evening", "Monday morning", "Last Sunday night"]),
    ({"date_to": "now-1w/w"}, ["Last Sunday night", "Leap day", "A year ago to the second"]),
    ({"date_from": "now-1M/M", "date_to": "now-1M/M"}, ["Leap day"]),
    ({"when": "1y"}, list(DATED)),  # the boundary is inclusive, to the second
    ({"when": "1y", "date_to": "now-1d"}, ["Monday morning", "Last Sunday night", "Leap day",
                                           "A year ago to the second"]),
    ({"date_from": "2024-02-29||+1y"}, []),
])
def test_relative_windows_on_a_real_index(fixed_site: Settings, raw: dict, expected: list[str]) -> None:
    found = Engine(fixed_site).search(SearchRequest.build(now=NOW, q="lighthouse", sort="newest", page_size=20,
                                                          **raw))
    assert [h.headline for h in found.results] == expected


def test_quote_search_takes_relative_dates_too(fixed_site: Settings) -> None:
    found = Engine(fixed_site).quotes(QuoteRequest.build(now=NOW, when="1d", sort="newest"))
    assert [r.first_seen["headline"] for r in found.results] == ["Half an hour ago", "Yesterday evening"]
    assert found.to_dict()["query"]["when"] == "1d"


# -- the real clock: API, feeds, page, CLI --------------------------------------------------------------------------
AGES = {"Ferry strike enters its second hour": timedelta(hours=2), "Ferry timetable changes": timedelta(days=3),
        "Ferry operator reports a loss": timedelta(days=20), "Ferry fares rise": timedelta(days=200),
        "Ferry history society meets": timedelta(days=3 * 365)}
SOON = 8  # seconds after the index is built that the article "published soon" is dated


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, datetime]:
    start = datetime.now(UTC).replace(microsecond=0)
    articles = [{"headline": h, "published": _iso(start - age), "section": "Transport",
                 "body": "The ferry service and its passengers."} for h, age in AGES.items()]
    soon = start + timedelta(seconds=SOON)
    articles.append({"headline": "Ferry published soon", "published": _iso(soon), "section": "Transport",
                     "body": "A ferry article dated a few seconds after the index is built."})
    return build_site(tmp_path_factory.mktemp("real-clock"), articles), soon


@pytest.fixture(scope="module")
def client(site):
    return create_app(site[0]).test_client()


def _headlines(client, query: str) -> list[str]:
    r = client.get("/api/search?q=ferry&sort=newest&page_size=20&" + query)
    assert r.status_code == 200, r.json
    return [h["headline"] for h in r.json["results"] if h["headline"] != "Ferry published soon"]


@pytest.mark.parametrize(("query", "expected"), [
    ("when=1d", [0]), ("when=7d", [0, 1]), ("from=now-30d/d", [0, 1, 2]), ("when=1y", [0, 1, 2, 3]),
    ("to=now-1y", [4]), ("from=now-1y&to=now-7d", [2, 3]), ("when=4y", [0, 1, 2, 3, 4]),
    ("when=30d&to=now-1d", [1, 2]), ("from=now-7d%2Fd&to=now%2B1d", [0, 1]),
])
def test_the_api_reads_relative_dates_against_the_clock(client, query: str, expected: list[int]) -> None:
    assert _headlines(client, query) == [list(AGES)[i] for i in expected]


def test_the_api_echoes_the_window_it_read(client) -> None:
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    query = client.get("/api/search?q=ferry&when=7d&to=now/d").json["query"]
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before - timedelta(days=7) <= datetime.fromisoformat(query["from"]) <= after - timedelta(days=7)
    assert query["to"] == f"{after:%Y-%m-%d}T23:59:59.999999" and query["when"] == "7d"


@pytest.mark.parametrize(("url", "param"), [
    ("/api/search?from=now-7x", "from"), ("/api/search?to=now%2B", "to"), ("/api/search?when=soon", "when"),
    ("/api/search?when=7d&from=2020-01-01", "when"), ("/api/quotes?when=1q", "when"),
    ("/api/quotes?from=last+week", "from"),
])
def test_bad_date_math_is_a_json_400_naming_the_parameter(client, url: str, param: str) -> None:
    r = client.get(url)
    assert r.status_code == 400 and r.mimetype == "application/json"
    assert r.json["error"]["param"] == param and r.json["error"]["code"] == "bad_request"
    assert "Traceback" not in r.get_data(as_text=True)


def test_a_bad_window_on_the_page_and_the_feed_is_a_400_page_not_a_traceback(client) -> None:
    for url in ("/search?q=ferry&from=now-7x", "/search.atom?when=soon", "/quotes.atom?from=now/q"):
        r = client.get(url)
        assert r.status_code == 400 and b"Traceback" not in r.data


def test_the_feed_window_moves_on_each_poll(client, site) -> None:
    """`to=now`: the article dated a few seconds after the build is out, then in; the ETag of the first poll does
    not pin the old window (no 304), the feed keeps its id, and there is no Last-Modified to pin it either."""
    _, soon = site
    url = "/search.atom?q=ferry&to=now"
    first = client.get(url)
    assert datetime.now(UTC) < soon, f"the test index took over {SOON}s to build: too slow to see the window move"
    feed = feedparser.parse(first.data)
    assert "Ferry published soon" not in [e.title for e in feed.entries] and len(feed.entries) == 5
    assert first.headers.get("ETag") and "Last-Modified" not in first.headers
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1.1)
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"],
                                      "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert second.status_code == 200
    again = feedparser.parse(second.data)
    assert again.entries[0].title == "Ferry published soon"
    assert again.feed.id == feed.feed.id  # the same feed: named by `to=now`, not by the date it was read as
    assert client.get(url, headers={"If-None-Match": second.headers["ETag"]}).status_code in (200, 304)


def test_feeds_accept_when_and_recency(client) -> None:
    r = client.get("/search.atom?q=ferry&when=7d&recency=1")
    assert r.status_code == 200
    assert [e.title for e in feedparser.parse(r.data).entries if e.title != "Ferry published soon"] == list(AGES)[:2]
    links = {link.rel: link.href for link in feedparser.parse(r.data).feed.links}
    assert "when=7d" in links["self"] and "when=7d" in links["alternate"]  # the window stays relative
    absolute = client.get("/search.atom?q=ferry&from=2000-01-01")
    assert absolute.headers.get("Last-Modified")  # a fixed window keeps its Last-Modified
    assert client.get("/search.atom?q=ferry&from=2000-01-01",
                      headers={"If-Modified-Since": absolute.headers["Last-Modified"]}).status_code == 304
    quotes = client.get("/quotes.atom?when=1y")
    assert quotes.status_code == 200 and "Last-Modified" not in quotes.headers


def test_the_page_offers_presets_and_keeps_a_relative_window(client) -> None:
    doc = lxml.html.fromstring(client.get("/search?q=ferry").data)
    presets = {a.text_content(): a.get("href") for a in doc.xpath("//p[@class='when']/a")}
    assert presets["Past week"] == "/search?q=ferry&when=7d" and presets["Past hour"] == "/search?q=ferry&when=1h"
    assert doc.xpath("//p[@class='when']/strong")[0].text_content() == "Any time"
    week = lxml.html.fromstring(client.get(presets["Past week"] + "&to=now-1h&sort=newest").data)
    assert [a.text_content() for a in week.xpath("//li[@class='hit']//h2/a")] == list(AGES)[:2]
    assert week.xpath("//p[@class='when']/strong")[0].text_content() == "Past week"
    assert week.xpath("//select[@id='when']/option[@selected]")[0].get("value") == "7d"
    assert "Within: 7d" in week.xpath("//ul[@class='filters']")[0].text_content()
    anytime = week.xpath("//p[@class='when']/a")[0]
    assert anytime.text_content() == "Any time" and anytime.get("href") == "/search?q=ferry&sort=newest"
    relative = lxml.html.fromstring(client.get("/search?q=ferry&from=now-30d/d&to=now-1h").data)
    box = relative.xpath("//input[@id='from']")[0]
    assert (box.get("type"), box.get("value")) == ("text", "now-30d/d")  # not a date picker that would drop it
    assert len(relative.xpath("//li[@class='hit']")) == 3
    assert "from=now-30d%2Fd" in relative.xpath("//link[@type='application/atom+xml']")[0].get("href")


def test_the_page_accepts_recency(client) -> None:
    doc = lxml.html.fromstring(client.get("/search?q=ferry&recency=1").data)
    assert doc.xpath("//input[@type='hidden'][@name='recency']")[0].get("value") == "1"  # a new query keeps it
    assert all("recency=1" in a.get("href") for a in doc.xpath("//p[@class='when']/a"))
    bad = client.get("/search?q=ferry&recency=2")
    assert bad.status_code == 400


def test_the_cli_takes_relative_dates(site) -> None:
    settings, _ = site
    base = ["--index", str(settings.index), "search", "ferry", "--sort", "newest"]
    week = CliRunner().invoke(main, [*base, "--when", "7d", "--to", "now-1h"])
    assert week.exit_code == 0, week.output
    assert week.output.startswith("2 results") and "Ferry timetable changes" in week.output
    month = CliRunner().invoke(main, [*base, "--from", "now-30d/d", "--to", "now-1d", "--json"])
    assert month.exit_code == 0 and '"Ferry operator reports a loss"' in month.output
    bad = CliRunner().invoke(main, [*base, "--from", "now-7x"])
    assert bad.exit_code == 2 and "--from" in bad.output and "unknown unit 'x'" in bad.output
    assert "Traceback" not in bad.output


def test_the_cli_help_lists_when(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["search", "--help"])
    assert "--when" in out.output and "--histogram" in out.output
