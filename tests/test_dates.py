"""Publication dates in the forms news sites and archives write them, and strings that only look like dates."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from search.dates import looks_like_date, parse_date
from search.readers import read


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601 and RFC 2822 (the fast paths)
        ("2024-03-05", datetime(2024, 3, 5)),
        ("2024-03-05T09:30:00Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00.000+0100", datetime(2024, 3, 5, 9, 30, tzinfo=tz(1))),
        ("2019-04-28 06:01:07", datetime(2019, 4, 28, 6, 1, 7)),
        ("Mon, 05 Dec 2011 14:30:00 +0000", datetime(2011, 12, 5, 14, 30, tzinfo=UTC)),
        ("Tue, 6 Dec 2011 09:00:00 GMT", datetime(2011, 12, 6, 9, tzinfo=UTC)),
        # US order, 12-hour clocks, zone names
        ("December 5, 2011 2:30 PM EST", datetime(2011, 12, 5, 14, 30, tzinfo=tz(-5))),
        ("Dec. 5, 2011 at 2:30 p.m. ET", datetime(2011, 12, 5, 14, 30, tzinfo=tz(-5))),
        ("July 4, 2019 10:15 AM EDT", datetime(2019, 7, 4, 10, 15, tzinfo=tz(-4))),
        ("June 3, 2019 9:00 a.m. PT", datetime(2019, 6, 3, 9, tzinfo=tz(-7))),
        ("Nov 8, 2016, 11:45 pm CST", datetime(2016, 11, 8, 23, 45, tzinfo=tz(-6))),
        ("December 5, 2011 12:00 AM PST", datetime(2011, 12, 5, 0, 0, tzinfo=tz(-8))),
        ("2011-12-05 2:30 PM EST", datetime(2011, 12, 5, 14, 30, tzinfo=tz(-5))),
        # European order, 24-hour clocks
        ("Updated 14:05 GMT, 5 December 2011", datetime(2011, 12, 5, 14, 5, tzinfo=UTC)),
        ("5 December 2011 14:05 BST", datetime(2011, 12, 5, 14, 5, tzinfo=tz(1))),
        ("05.12.2011", datetime(2011, 12, 5)),
        ("5.12.2011, 18:30 Uhr", datetime(2011, 12, 5, 18, 30)),
        ("05.12.2011 18:30 CET", datetime(2011, 12, 5, 18, 30, tzinfo=tz(1))),
        ("Do 25.04.24 | 14:07 Uhr", datetime(2024, 4, 25, 14, 7)),
        ("erstellt: 01. April 2025, 15:25", datetime(2025, 4, 1, 15, 25)),
        ("5. Dezember 2011", datetime(2011, 12, 5)),
        ("lundi 5 décembre 2011", datetime(2011, 12, 5)),
        ("5 de diciembre de 2011", datetime(2011, 12, 5)),
        ("Dec 5, 2011, 14:30 GMT+1", datetime(2011, 12, 5, 14, 30, tzinfo=tz(1))),
        ("5 Dec 2011 14:30 UTC-05:00", datetime(2011, 12, 5, 14, 30, tzinfo=tz(-5))),
        # numbers only: year first, day first with dots, US month first with slashes unless the first is > 12
        ("2011/12/05", datetime(2011, 12, 5)),
        ("2011.12.05", datetime(2011, 12, 5)),
        ("5/12/2011", datetime(2011, 5, 12)),
        ("12/25/2011", datetime(2011, 12, 25)),
        ("25/12/2011", datetime(2011, 12, 25)),
        ("12/25/11 3:00 PM", datetime(2011, 12, 25, 15)),
        # weekdays, ordinals, labels
        ("Monday, December 5, 2011", datetime(2011, 12, 5)),
        ("Tuesday 6th December 2011", datetime(2011, 12, 6)),
        ("Tues., Dec. 6th, 2011", datetime(2011, 12, 6)),
        ("Published on December 5, 2011", datetime(2011, 12, 5)),
        (
            "Published 5 December 2011 14:05 GMT | Updated 6 December 2011 10:00 GMT",
            datetime(2011, 12, 5, 14, 5, tzinfo=UTC),
        ),
        ("Updated: 6 Dec 2011 | Published: 5 Dec 2011", datetime(2011, 12, 5)),
        ("First published on Mon 5 Dec 2011 09.00 GMT", datetime(2011, 12, 5, 9, tzinfo=UTC)),
        ("5 December 2011 (updated 6 December 2011)", datetime(2011, 12, 5)),
        ("Last updated: December 6, 2011 8:00 AM", datetime(2011, 12, 6, 8)),
        # a written date among other words: the day
        ("Posted by Jo Park on May 5, 2011 in Politics", datetime(2011, 5, 5)),
        # epochs
        (1322996400, datetime(2011, 12, 4, 11, tzinfo=UTC)),
        ("1322996400000", datetime(2011, 12, 4, 11, tzinfo=UTC)),
    ],
)
def test_news_forms(text: object, expected: datetime) -> None:
    got = parse_date(text)
    assert got == expected
    assert (got.utcoffset() if got else None) == expected.utcoffset()


def test_unknown_zone_keeps_the_written_time_without_a_guessed_offset() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dateutil warns (and will raise) on zone names it does not know
        got = parse_date("December 5, 2011 2:30 PM XYZ")
    assert got == datetime(2011, 12, 5, 14, 30) and got.tzinfo is None


@pytest.mark.parametrize(
    "text",
    [
        "Page 12", "Section 3 of 5", "12", "2011", "20111205", "Chapter 4", "1 hour ago", "yesterday", "10:30",
        "Dec 5", "5 December", "Mars 2020", "Top 10 films of 2011", "45/12/2011", "31.02.2011", "13/13/2011",
        "2011-13-45", "Dec 5 2011 99:99", "99999999999999999999", "\x00\x01", "", "   ", "x" * 500, None, True, 12,
        3.5, [], {}, "Windows 10 review", "Room 101, floor 5, 2011 guests",
    ],
)
def test_non_dates_are_none(text: object) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1750-06-01", "2250-01-01", "December 5, 1699",
     "05.12.2299", 1e13 * 1000],
)
def test_dates_outside_the_sane_window_are_none(text: object) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "line",
    [
        "Tuesday, September 1, 2015", "2011-12-05", "05.12.2011", "December 5, 2011 2:30 PM EST",
        "Updated 14:05 GMT, 5 December 2011", "Published: Dec. 5, 2011 at 2:30 p.m. ET", "5/12/2011",
        "Monday 16 October 2023",
    ],
)
def test_datelines(line: str) -> None:
    assert looks_like_date(line)


@pytest.mark.parametrize(
    "line",
    [
        "Chapter 4", "Apollo 11 landed on July 20, 1969", "Man, 45, jailed for 2011 fraud", "Top 10 films of 2011",
        "By Mia Chen", "Page 12", "Section 3 of 5", "3 killed in May 5 crash", "The 2011 census: 5 things to know",
        "Posted by Jo on May 5, 2011 in Politics", "Windows 10 review", "Local News", "May 2011",
    ],
)
def test_ordinary_lines_are_not_datelines(line: str) -> None:
    assert not looks_like_date(line)


@pytest.mark.parametrize(
    ("fourth_block", "published", "body_start"),
    [  # a dateline with a zone is the date; a line that merely holds a date stays in the body
        ("December 5, 2011 2:30 PM EST", datetime(2011, 12, 5, 19, 30, tzinfo=UTC), "Half a century"),
        ("Apollo 11 landed on July 20, 1969", None, "Apollo 11 landed on July 20, 1969"),
    ],
    ids=["dateline-with-zone", "headline-with-a-date"],
)
def test_the_block_after_the_byline_of_a_text_article(tmp_path: Path, fourth_block: str, published: datetime | None,
                                                     body_start: str) -> None:
    path = tmp_path / "article.txt"
    path.write_text(f"Space\n\nThe Moon, fifty years on\n\nBy Mia Chen\n\n{fourth_block}\n\n"
                    "Half a century later, the crew's footprints are still there, and so are the questions.\n")
    art = read(path).articles[0]
    assert art.published == published
    assert art.body.startswith(body_start)


@pytest.mark.parametrize("value", ["2011120512", "1322996400", "2011/12/05", "2011-12-05 foo bar", "2011 December 5"])
def test_request_dates_are_iso_8601_only(value: str) -> None:
    """`from`/`to` take ISO 8601, as the API says: no guessing at numbers and written dates (parse_date's)."""
    from search import BadRequest, SearchRequest

    with pytest.raises(BadRequest, match="ISO 8601"):
        SearchRequest.build(date_from=value)
    assert SearchRequest.build(date_from="2011-12-05T10:00:00+0100").date_from == datetime(2011, 12, 5, 9)
