"""Trends: `histogram=day|week|month|year|auto` on /api/search, `newsearch search --histogram`, and the results page's
bar chart, on a real index of articles written here (dates at week, month, year and time-zone boundaries, an
undated one): buckets in date order from the first to the last dated match, zeros included, within every filter,
counts summing to the dated matches, each with the articles of its period within the same filters; the cap."""

from __future__ import annotations

import json
from datetime import date, timedelta

import lxml.html
import pytest
from click.testing import CliRunner

from search.cli import main
from search.config import Settings
from search.engine.params import MAX_BUCKETS
from web import create_app

from .conftest import build_site


def _a(headline: str, published: str | None, section: str, flood: bool) -> dict:
    body = "The river flood closed the road." if flood else "The river was calm and the road stayed open."
    return {"headline": headline, "section": section, "body": body, **({"published": published} if published else {})}


ARTICLES = [
    _a("Saturday before new year", "2022-12-31T12:00:00Z", "Harbour", True),  # ISO week 2022-W52
    _a("New year's day", "2023-01-01T08:00:00Z", "Harbour", True),  # a Sunday: still 2022-W52
    _a("First Monday inland", "2023-01-02T09:00:00Z", "Inland", True),  # 2023-W01
    _a("Late Monday, west of Greenwich", "2023-01-02T23:30:00-02:00", "Harbour", True),  # 2023-01-03 in UTC
    _a("A calm Monday", "2023-01-02T10:00:00Z", "Harbour", False),
    _a("Calm in March", "2023-03-15T10:00:00Z", "Harbour", False),
    _a("Spring flood", "2023-03-20T10:00:00Z", "Harbour", True),  # a Monday: 2023-W12
    _a("Undated flood notes", None, "Harbour", True),
    {"headline": "Archive opens", "section": "Archive", "published": "1990-01-01", "body": "The archive opened."},
    {"headline": "Archive turns thirty", "section": "Archive", "published": "2020-01-01", "body": "The archive at 30."},
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("histogram"), ARTICLES)


@pytest.fixture(scope="module")
def client(settings: Settings):
    return create_app(settings).test_client()


def trend(client, query: str) -> dict:
    r = client.get("/api/search?" + query)
    assert r.status_code == 200, r.json
    return r.json


def nonzero(h: dict) -> dict[str, int]:
    return {b["key"]: b["count"] for b in h["buckets"] if b["count"]}


def test_day_buckets_run_from_the_first_to_the_last_dated_match_with_zeros(client) -> None:
    r = trend(client, "q=flood&histogram=day")
    h = r["histogram"]
    assert (h["interval"], h["dated"], h["undated"]) == ("day", 5, 1) and r["total"] == 6
    days = [date.fromisoformat(b["key"]) for b in h["buckets"]]
    assert days[0] == date(2022, 12, 31) and days[-1] == date(2023, 3, 20)
    assert days == [date(2022, 12, 31) + timedelta(n) for n in range(len(days))]  # every day, in order
    assert all(b["from"] == b["to"] == b["key"] for b in h["buckets"])
    assert sum(b["count"] for b in h["buckets"]) == h["dated"]
    # 23:30 at UTC-2 is the next day in UTC, as the index stores it
    assert nonzero(h) == {"2022-12-31": 1, "2023-01-01": 1, "2023-01-02": 1, "2023-01-03": 1, "2023-03-20": 1}
    monday = next(b for b in h["buckets"] if b["key"] == "2023-01-02")
    assert (monday["all"], monday["share"]) == (2, 0.5)  # the calm Monday is an article of that day, not a match
    empty = next(b for b in h["buckets"] if b["key"] == "2023-02-14")
    assert (empty["count"], empty["all"], empty["share"]) == (0, 0, 0.0)


def test_weeks_are_iso_weeks_from_monday(client) -> None:
    h = trend(client, "q=flood&histogram=week")["histogram"]
    assert nonzero(h) == {"2022-W52": 2, "2023-W01": 2, "2023-W12": 1}
    first, last = h["buckets"][0], h["buckets"][-1]
    assert (first["from"], first["to"]) == ("2022-12-26", "2023-01-01")
    assert (last["from"], last["to"]) == ("2023-03-20", "2023-03-26") and len(h["buckets"]) == 13
    assert all(date.fromisoformat(b["from"]).weekday() == 0 for b in h["buckets"])


def test_months_and_years(client) -> None:
    month = trend(client, "q=flood&histogram=month")["histogram"]
    assert [(b["key"], b["count"], b["all"]) for b in month["buckets"]] == [
        ("2022-12", 1, 1), ("2023-01", 3, 4), ("2023-02", 0, 0), ("2023-03", 1, 2)]
    assert (month["buckets"][1]["from"], month["buckets"][1]["to"]) == ("2023-01-01", "2023-01-31")
    assert month["buckets"][1]["share"] == 0.75
    year = trend(client, "q=flood&histogram=year")
    assert [(b["key"], b["count"]) for b in year["histogram"]["buckets"]] == [("2022", 1), ("2023", 4)]
    # the year facet counts the same matches another way
    assert {f["value"]: f["count"] for f in year["facets"]["year"]} == nonzero(year["histogram"])


def test_buckets_are_counted_within_every_filter(client) -> None:
    h = trend(client, "q=flood&histogram=day&section=Harbour")["histogram"]
    assert (h["dated"], h["undated"]) == (4, 1)
    monday = next(b for b in h["buckets"] if b["key"] == "2023-01-02")
    assert (monday["count"], monday["all"]) == (0, 1)  # the inland flood is filtered out; the calm Monday is in
    dated = trend(client, "q=flood&histogram=day&from=2023-01-01&to=2023-01-31")
    assert [b["key"] for b in dated["histogram"]["buckets"]] == ["2023-01-01", "2023-01-02", "2023-01-03"]
    assert dated["histogram"]["dated"] == dated["total"] == 3  # an undated article never passes a date filter
    month = trend(client, "q=flood&histogram=month&section=Harbour&section=Inland&from=2023-03-01")["histogram"]
    assert [(b["key"], b["count"], b["all"], b["share"]) for b in month["buckets"]] == [("2023-03", 1, 2, 0.5)]


def test_every_article_per_year_has_a_share_of_one(client) -> None:
    h = trend(client, "histogram=year")["histogram"]
    assert h["dated"] == 9 and len(h["buckets"]) == 2023 - 1990 + 1
    assert all(b["share"] == (1.0 if b["count"] else 0.0) and b["count"] == b["all"] for b in h["buckets"])


def test_auto_picks_the_finest_interval_that_fits(client) -> None:
    assert trend(client, "q=flood&histogram=auto")["histogram"]["interval"] == "day"  # 80 days
    assert trend(client, "histogram=auto")["histogram"]["interval"] == "year"  # 1990 to 2023
    assert trend(client, "histogram=auto&from=2020-01-01")["histogram"]["interval"] == "month"  # 39 months


def test_no_histogram_unless_asked_and_none_for_no_matches(client) -> None:
    assert trend(client, "q=flood")["histogram"] is None
    h = trend(client, "q=zeppelinxyz&histogram=month")["histogram"]
    assert h == {"interval": "month", "dated": 0, "undated": 0, "buckets": []}


def test_more_buckets_than_the_cap_is_a_400_naming_what_fits(client) -> None:
    r = client.get("/api/search?histogram=day")  # 1990-01-01 to 2023-03-20: 12,131 days
    assert r.status_code == 400 and r.json["error"]["param"] == "histogram"
    message = r.json["error"]["message"]
    assert "12,132 buckets" in message and f"at most {MAX_BUCKETS:,}" in message
    assert "use week or month or year" in message
    assert trend(client, "histogram=week")["histogram"]["interval"] == "week"  # 1,730 weeks fit
    assert client.get("/api/search?histogram=hour").json["error"]["param"] == "histogram"


def test_the_cli_draws_and_prints_the_same_histogram(client, settings: Settings) -> None:
    base = ["--index", str(settings.index), "search", "flood"]
    out = CliRunner().invoke(main, [*base, "--histogram", "month"])
    assert out.exit_code == 0, out.output
    lines = out.output.split("matches per month: 5 dated, 1 undated\n", 1)[1].splitlines()
    assert [line.split()[0] for line in lines] == ["2022-12", "2023-01", "2023-02", "2023-03"]
    assert lines[1].endswith(" 3  75.0% of 4") and lines[2].split() == ["2023-02", "0"]
    assert lines[1].count("█") == 40 and lines[0].count("█") == 13  # bars scaled to the busiest month
    as_json = CliRunner().invoke(main, [*base, "--histogram", "month", "--json"])
    assert json.loads(as_json.output)["histogram"] == trend(client, "q=flood&histogram=month")["histogram"]
    bad = CliRunner().invoke(main, ["--index", str(settings.index), "search", "--histogram", "day"])
    assert bad.exit_code == 2 and "--histogram" in bad.output and "at most 5,000" in bad.output


def test_the_page_draws_the_matches_over_time_without_javascript(client) -> None:
    doc = lxml.html.fromstring(client.get("/search?q=flood").data)
    figure = doc.xpath("//figure[contains(@class, 'trend')]")[0]
    assert "Matches per day, 2022-12-31 to 2023-03-20" in figure.xpath("figcaption")[0].text_content()
    bars = figure.xpath(".//*[local-name()='a']/*[local-name()='rect']")
    assert len(bars) == 5  # a bar per day with matches
    assert bars[3].xpath("*[local-name()='title']")[0].text_content() == "2023-01-03: 1 of 1 articles (100.0%)"
    link = bars[2].getparent().get("href")
    assert link == "/search?q=flood&from=2023-01-02&to=2023-01-02"  # a bar narrows the search to its period
    assert lxml.html.fromstring(client.get(link).data).xpath("//li[@class='hit']//h2/a")[0].text_content() == \
        "First Monday inland"
    intervals = {a.text_content(): a.get("href") for a in figure.xpath(".//p[@class='intervals']/a")}
    assert intervals == {i: f"/search?q=flood&histogram={i}" for i in ("week", "month", "year")}
    monthly = lxml.html.fromstring(client.get(intervals["month"]).data)
    rows = monthly.xpath("//figure[contains(@class, 'trend')]//tbody/tr")
    assert [[td.text_content() for td in row.xpath("td")] for row in rows] == [
        ["2022-12", "1", "100.0% of 1"], ["2023-01", "3", "75.0% of 4"], ["2023-03", "1", "50.0% of 2"]]
    assert not doc.xpath("//figure[contains(@class, 'trend')]//script")
    none = lxml.html.fromstring(client.get("/search?q=zeppelinxyz").data)
    assert not none.xpath("//figure[contains(@class, 'trend')]")
