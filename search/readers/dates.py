"""Publication dates as corpora write them -> datetime: ISO 8601, RFC 2822, "December 5, 2011", epochs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MDY = re.compile(_WEEKDAY + r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_DMY = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})\b", re.I)
_ISO_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def parse_date(value: object) -> datetime | None:
    """Best reading of a publication date, or None. Never raises."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    text = str(value).strip()
    if not text or len(text) > 100:
        return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _from_epoch(float(text))
    m = _ISO_PREFIX.match(text)
    if m:
        iso = m.group(0).replace("Z", "+00:00")
        iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)
        try:
            return datetime.fromisoformat(iso)
        except ValueError:
            pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for rx, order in ((_MDY, "mdy"), (_DMY, "dmy")):
        m = rx.search(text)
        if m:
            a, b, year = m.groups()
            month_name, day = (a, b) if order == "mdy" else (b, a)
            month = _MONTHS.get(month_name.lower())
            if month:
                try:
                    return datetime(int(year), month, int(day))
                except ValueError:
                    return None
    return None


def _from_epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def looks_like_date(line: str) -> bool:
    """True for a short line that is only a date ("Tuesday, September 1, 2015", "2011-12-05")."""
    line = line.strip()
    if len(line) > 60 or parse_date(line) is None:
        return False
    rest = _ISO_PREFIX.sub("", line)
    rest = _MDY.sub("", rest)
    rest = _DMY.sub("", rest)
    return len(re.findall(r"[A-Za-z]{3,}", rest)) <= 2
