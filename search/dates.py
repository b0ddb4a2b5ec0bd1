"""Publication dates as corpora write them -> datetime, for every reader (JSON fields, HTML meta, text datelines).

ISO 8601 and epochs take a fast path; RFC 2822 goes to the standard library; the news forms ("December 5, 2011
2:30 PM EST", "Updated 14:05 GMT, 5 December 2011", "05.12.2011", "2011/12/05") go to python-dateutil, but only
once every word of the string is known to be part of a date: dateutil guesses dates from any number.

Numeric orders: `2011/12/05` and `2011.12.05` are year-month-day; dots (`05.12.2011`) are day-month-year, as
in Europe; slashes and dashes (`5/12/2011`) are month-day-year, as in the US, unless the first number is over
12 (`25/12/2011` is day-first). Zone names are read from a fixed table (US zones are their US meaning: CST is
UTC-6); a zone name not in it leaves the time as written, without a zone, never a guessed offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

from dateutil import parser as _dateutil

MIN_YEAR, MAX_YEAR = 1800, 2200  # outside this window a "date" is a misreading (or one the index cannot store)

_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# month names as news sites write them, English first; each maps to its English abbreviation for dateutil
_MONTH_NAMES = [
    "jan january januar jänner janvier janv enero gennaio januari janeiro",
    "feb february februar février fevrier févr fevr febrero febbraio februari fevereiro",
    "mar march märz maerz mär mars marzo maart março",
    "apr april avril avr abril aprile",
    "may mai mayo maggio mei maio",
    "jun june juni juin junio giugno junho",
    "jul july juli juillet juil julio luglio julho",
    "aug august août aout agosto augustus",
    "sep sept september septembre septiembre setiembre settembre setembro",
    "oct october oktober okt octobre octubre ottobre outubro",
    "nov november novembre noviembre novembro",
    "dec december dezember dez décembre decembre déc diciembre dicembre dezembro",
]
_MONTHS = {name: i for i, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
_WEEKDAYS = set(
    "mon monday tue tues tuesday wed weds wednesday thu thur thurs thursday fri friday sat saturday sun sunday "
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag mo di mi do fr sa so "
    "lundi mardi mercredi jeudi vendredi samedi dimanche "
    "lunes martes miércoles miercoles jueves viernes sábado sabado domingo".split()
)
_FILLERS = set("at on of the um uhr de del le à el den der".split())
_OFFSETS = {  # hours east of UTC; ambiguous names (IST, AST, BST is British here) are left out or fixed to one meaning
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2,
    "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "SAST": 2, "CAT": 2, "EAT": 3, "WAT": 1, "PKT": 5,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8,
    "HST": -10, "NST": -3.5, "NDT": -2.5, "BRT": -3, "ART": -3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "PHT": 8,
    "WIB": 7, "AWST": 8, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}
_REGIONS = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver", "PT": "America/Los_Angeles"}


def _zones() -> dict[str, tzinfo]:
    zones: dict[str, tzinfo] = {k: timezone(timedelta(hours=h)) for k, h in _OFFSETS.items()}
    try:  # "2:30 PM ET" follows daylight saving: needs the tz database (absent on some slim systems)
        from zoneinfo import ZoneInfo

        zones.update({k: ZoneInfo(v) for k, v in _REGIONS.items()})
    except Exception:  # no tz database: these names then count as unknown zones
        pass
    return zones


_ZONES = _zones()
_ISO_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_RFC2822 = re.compile(
    r"(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|[a-z]{1,3})", re.I
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MDY = re.compile(_WEEKDAY + r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_DMY = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]{3,9})\.?,?\s+(\d{4})\b", re.I)
# "Published ... | Updated ...": the label starts a segment; a published segment wins over an updated one
_LABEL = re.compile(
    r"\b(?:(?P<pub>(?:first\s+)?published|posted|created|erstellt|veröffentlicht|publié|publicado|pubblicato)"
    r"|(?P<upd>(?:last\s+)?(?:updated|modified)|aktualisiert|geändert|mis\s+à\s+jour|actualizado|aggiornato))\b"
    r"(?:\s+(?:on|at|am|le|el|il))?\s*:?",
    re.I,
)
_YMD = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_DMY_DOTS = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\b")
_MDY_SLASH = re.compile(r"\b(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})\b")
_DOT_TIME = re.compile(r"\b([01]?\d|2[0-3])\.([0-5]\d)\b(?!\.\d)")
_WORD = re.compile(r"[^\W\d_]+")
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b", re.I)


def parse_date(value: object) -> datetime | None:
    """Best reading of a publication date, or None (also for years outside 1800-2200). Never raises."""
    try:
        when = _parse(value)
    except Exception:  # a date we cannot read is no date, never a failed file
        return None
    if when is None or not MIN_YEAR <= when.year <= MAX_YEAR:
        return None
    return when


def parse_iso(value: str) -> datetime | None:
    """A whole ISO 8601 date or date-time ("2011-12-05", "2011-12-05T14:30:00Z", "...+0100"), else None: what
    request parameters take, without the news-date heuristics of parse_date."""
    text = value.strip()
    m = _ISO_PREFIX.match(text)
    return _from_iso(text) if m and m.end() == len(text) else None


def _from_iso(iso: str) -> datetime | None:
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        return None


def _parse(value: object) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    text = " ".join(str(value).split())
    if not text or len(text) > 200:
        return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _from_epoch(float(text))
    m = _ISO_PREFIX.match(text)
    iso_when = _from_iso(m.group(0)) if m else None
    if iso_when is not None and m.end() == len(text):
        return iso_when
    if _RFC2822.fullmatch(text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    segments = _segments(text)
    for segment in segments:
        when = _strict(segment)
        if when is not None:
            return when
    if iso_when is not None:  # "2011-12-05 2:30 PM EST" was read above; "2011-12-05 (archive)" keeps its day
        return iso_when
    for segment in segments:  # a written date inside other words ("Posted by Jo on May 5, 2011"): the day only
        when = _written_day(segment)
        if when is not None:
            return when
    return None


def _from_epoch(seconds: float) -> datetime | None:
    """Unix time in seconds or milliseconds; small numbers (page numbers, counts) are not dates."""
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    if seconds < 1e8:  # before March 1973: no corpus writes those as epochs, but counts look like them
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _segments(text: str) -> list[str]:
    """The parts of a line to try, in order: published-labelled, unlabelled, updated-labelled."""
    labels = list(_LABEL.finditer(text))
    if not labels:
        return [text]
    published, plain, updated = [], [], []
    head = text[: labels[0].start()]
    if re.search(r"\d", head):
        plain.append(head)
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        (published if m.group("pub") else updated).append(text[m.end() : end])
    return [s.strip(" ,;|•·–—-()[]") for s in published + plain + updated]


def _strict(text: str) -> datetime | None:
    """dateutil on a string made only of date words, numbers and zones; None if any other word is in it."""
    text = _numeric_date(text)
    if text is None:
        return None
    text = re.sub(r"\b([ap])\.\s?m\.", r"\1m", text, flags=re.I)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"[|•·()\[\]]", " ", text)  # separators between date and time, which dateutil refuses
    text = _DOT_TIME.sub(r"\1:\2", text)  # "09.00 GMT": with the dotted dates rewritten, what is left is a time
    text = _GMT_OFFSET.sub(lambda m: f" {m[1]}{int(m[2]):02d}:{m[3] or '00'}", text)
    words: list[str] = []
    has_month = bool(re.search(r"\d{4}-\d{2}-\d{2}", text))

    def word(m: re.Match[str]) -> str:
        nonlocal has_month
        w = m.group(0)
        low = w.casefold()
        if low in _MONTHS:
            has_month = True
            return " " + _EN_MONTHS[_MONTHS[low] - 1] + " "
        if low in _WEEKDAYS or low in _FILLERS:
            return " "
        if low in ("am", "pm"):
            return " " + low + " "
        if w.upper() in _ZONES and (w.isupper() or len(w) > 3):
            return " " + w.upper() + " "
        if w.isupper() and 2 <= len(w) <= 5 and re.search(r"\d[\d:.\s]*(?:am|pm)?\s*$", text[: m.start()], re.I):
            return " "  # an unknown zone ("2:30 PM XYZ"): keep the time as written rather than guess an offset
        words.append(w)
        return " "

    text = _WORD.sub(word, text)
    if words or not has_month or len(text) > 80:
        return None
    # dateutil fills what a string lacks from `default`: two different defaults expose a missing day/month/year
    a = _dateutil.parse(text, default=datetime(2001, 1, 1), tzinfos=_ZONES)
    b = _dateutil.parse(text, default=datetime(2002, 2, 2), tzinfos=_ZONES)
    if a.date() != b.date():
        return None
    if a.tzinfo is not None:
        offset = a.utcoffset()
        a = a.replace(tzinfo=UTC if not offset else timezone(offset))
    return a


def _numeric_date(text: str) -> str | None:
    """The first all-number date rewritten as ISO (see the module docstring for the orders); None if invalid."""
    for rx, order in ((_YMD, "ymd"), (_DMY_DOTS, "dmy"), (_MDY_SLASH, "mdy")):
        m = rx.search(text)
        if not m:
            continue
        if order == "ymd":
            year, month, day = m.group(1), m.group(2), m.group(3)
        elif order == "dmy":
            day, month, year = m.group(1), m.group(2), m.group(3)
        else:
            month, day, year = m.group(1), m.group(3), m.group(4)
            if int(month) > 12:
                month, day = day, month
        y = int(year)
        if len(year) == 2:  # as dateutil does: the century that puts the year within 50 years of today
            now = datetime.now().year
            y += now // 100 * 100
            y += 100 if y < now - 50 else -100 if y > now + 49 else 0
        try:
            iso = datetime(y, int(month), int(day)).date().isoformat()
        except ValueError:
            return None
        return text[: m.start()] + " " + iso + " " + text[m.end() :]
    return text


def _written_day(text: str) -> datetime | None:
    """A date with its month written out, anywhere in the text ("on Tuesday, September 1, 2015 at the ...")."""
    for rx, order in ((_MDY, "mdy"), (_DMY, "dmy")):
        m = rx.search(text)
        if m:
            a, b, year = m.groups()
            month_name, day = (a, b) if order == "mdy" else (b, a)
            month = _MONTHS.get(month_name.casefold())
            if month:
                try:
                    return datetime(int(year), month, int(day))
                except ValueError:
                    return None
    return None


def looks_like_date(line: str) -> bool:
    """True for a short line that is only a date ("Tuesday, September 1, 2015", "2011-12-05", "Updated 5/12/2011").

    Text readers use it to tell a dateline from the first line of the body, so it is strict: every word of the
    line must be a date word (month, weekday, zone, am/pm) or a "Published"/"Updated" label.
    """
    line = " ".join(line.split())
    if not line or len(line) > 80:
        return False
    if _ISO_PREFIX.fullmatch(line) or re.fullmatch(r"\d{9,13}", line):
        return parse_date(line) is not None
    try:
        return any(_strict(s) is not None for s in _segments(line)) and parse_date(line) is not None
    except Exception:  # never raises, like parse_date
        return False


# -- date math in request parameters ----------------------------------------------------------------------------
# Elasticsearch's date math (`now-7d/d`, `2024-01-31||+1M`), for `from`/`to`/`when`. Everything is UTC, as the
# index stores dates; `now` is passed in, so the same expression always reads the same against the same clock.
DATE_MATH_UNITS = "yMwdhHms"  # years, months, weeks, days, hours (h or H), minutes, seconds: case matters (M, m)
_MATH_ANCHOR = re.compile(r"(now)|(.+?)\|\|")
_MATH_OP = re.compile(r"([+-])(\d{1,9})([a-zA-Z]?)|/([a-zA-Z]?)")
_SPANS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "H": timedelta(hours=1),
          "m": timedelta(minutes=1), "s": timedelta(seconds=1)}


class DateMathError(ValueError):
    """An expression that is no date math; the message says what is wrong, safe to show."""


def is_date_math(text: str) -> bool:
    """Whether a parameter value is meant as date math (`now…` or `…||…`) rather than an ISO date."""
    text = text.strip()
    return text.startswith("now") or "||" in text


def date_math(text: str, now: datetime, round_up: bool = False) -> datetime:
    """An Elasticsearch date-math expression -> naive UTC datetime: an anchor (`now`, or an ISO date followed by
    `||`), then any of `+N<unit>`, `-N<unit>` (add, subtract) and `/<unit>` (round), left to right, with units
    y M w d h m s. Rounding goes down to the unit's start (Monday for weeks), or, with `round_up` (an inclusive
    upper bound, `to=`), up to its last microsecond; an anchor date without a time then covers its whole day.
    Months and years that overshoot a month's end stop at its last day. `now` is the clock to read against
    (naive UTC or aware). DateMathError says what is wrong."""
    expr = text.strip().replace(" ", "+")  # a `+` that a URL turned into a space
    m = _MATH_ANCHOR.match(expr)
    if not m:
        raise DateMathError("date math starts with `now` or with a date and `||`, as in now-7d or 2024-01-31||+1M")
    when = _naive_utc(now).replace(microsecond=0) if m.group(1) else _anchor(m.group(2), round_up)
    pos = m.end()
    while pos < len(expr):
        op = _MATH_OP.match(expr, pos)
        if not op:
            raise DateMathError(f"cannot read {expr[pos:]!r} in {expr!r}: expected +N<unit>, -N<unit> or /<unit>")
        unit = op.group(3) if op.group(1) else op.group(4)
        if op.group(1) and not unit:
            raise DateMathError(f"a unit ({', '.join(DATE_MATH_UNITS)}) must follow {op.group(0)} in {expr!r}")
        if not unit or unit not in DATE_MATH_UNITS:
            raise DateMathError(f"unknown unit {unit!r} in {expr!r}: use one of " + ", ".join(DATE_MATH_UNITS))
        try:
            if op.group(1):
                when = _add(when, int(op.group(2)) * (1 if op.group(1) == "+" else -1), unit)
            else:
                when = _round(when, unit, round_up)
        except (OverflowError, ValueError):
            raise DateMathError(f"{expr!r} falls outside the years 1 to 9999") from None
        pos = op.end()
    return when


def _naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when


def _anchor(text: str, round_up: bool) -> datetime:
    parsed = parse_iso(text) if len(text.strip()) >= 10 else None
    if parsed is None:
        raise DateMathError(f"{text!r} before `||` is not an ISO 8601 date or date-time, like 2024-01-31")
    parsed = _naive_utc(parsed)
    if round_up and len(text.strip()) == 10:  # a bare date as an upper bound: its whole day
        parsed = datetime.combine(parsed.date(), datetime.max.time())
    return parsed


def _add(when: datetime, n: int, unit: str) -> datetime:
    if unit in "yM":
        months = when.year * 12 + when.month - 1 + n * (12 if unit == "y" else 1)
        year, month = divmod(months, 12)
        day = min(when.day, _month_days(year, month + 1))
        return when.replace(year=year, month=month + 1, day=day)
    return when + n * _SPANS[unit]


def _round(when: datetime, unit: str, up: bool) -> datetime:
    """The start of `when`'s unit (or, `up`, its last microsecond)."""
    if unit == "y":
        start = datetime(when.year, 1, 1)
    elif unit == "M":
        start = datetime(when.year, when.month, 1)
    elif unit == "w":
        start = datetime.combine(when.date() - timedelta(days=when.weekday()), datetime.min.time())
    else:
        size = _SPANS[unit]
        start = datetime.min + (when - datetime.min) // size * size
    if not up:
        return start
    return _add(start, 1, unit) - timedelta(microseconds=1)


def _month_days(year: int, month: int) -> int:
    nxt = datetime(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day
