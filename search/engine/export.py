"""Export: every match of a search, in its order, as CSV or JSON Lines rows read in chunks (no paging window).

`Engine.export` matches the request as `search` does (the same relaxing, so the row count is its `total`) and
orders every match once (cursors.ordered: the request's sort, ties by document number), on a snapshot of its
own that stays open until the export is closed, so a reindex committed meanwhile changes nothing in it. Rows
are then made EXPORT_CHUNK at a time from the stored articles: memory holds the ordered document numbers (8
bytes a match) and one chunk, however many rows. Each row: id, url, headline, outlet, section, byline,
published, sources and the quotes whose words matched (as a hit lists them).

CSV cells are single-line (runs of whitespace, newlines too, become one space), so one line is one row; a cell
a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) is prefixed with an
apostrophe, which spreadsheets show as text (OWASP's advice for CSV injection). JSON Lines rows are not altered.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq

from search.engine import ranking
from search.engine.damage import IO_ERRORS
from search.engine.hits import matched_quotes
from search.engine.snapshot import Snapshot
from search.engine.snippets import SIZES, Sizes
from search.errors import IndexDamaged
from search.index.documents import StoredArticle
from search.index.store import damaged_message

EXPORT_CHUNK = 500  # rows read from the index at a time
COLUMNS = ("id", "url", "headline", "outlet", "section", "byline", "published", "sources", "matched_quotes")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "jsonl")
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}  # JSON allows them raw: not in a line
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8; header=present", "jsonl": "application/x-ndjson; charset=utf-8"}


class Export:
    """One search's matches in order, on a snapshot of its own (closed by `close()`, or at the end of `rows`)."""

    def __init__(self, snap: Snapshot, q: wq.Query, docs: np.ndarray, partial: bool, relaxed: bool,
                 sizes: Sizes = SIZES) -> None:
        self.snap = snap
        self.query = q
        self.docs = docs  # document numbers, in the export's order
        self.partial = partial  # matching was cut short by the time budget: some matches may be missing
        self.relaxed = relaxed
        self.sizes = sizes
        self._closed = False

    @property
    def total(self) -> int:
        """How many rows the export has (the search's `total`)."""
        return len(self.docs)

    def rows(self, chunk: int = EXPORT_CHUNK) -> Iterator[list[dict[str, Any]]]:
        """The rows, `chunk` at a time, in order; the snapshot is closed when they are done (or abandoned)."""
        try:
            for start in range(0, len(self.docs), chunk):
                yield self.rows_of(self.docs[start : start + chunk].tolist())
        finally:
            self.close()

    def ids(self, chunk: int = EXPORT_CHUNK) -> Iterator[list[tuple[int, str]]]:
        """(document number, article id) of every match, `chunk` at a time, in order: cheaper than rows, for those
        that want a few of them (an alert's new articles: `rows_of`)."""
        for start in range(0, len(self.docs), chunk):
            docs = self.docs[start : start + chunk].tolist()
            with self._reading():
                yield [(d, self.snap.searcher.stored_fields(d)["id"]) for d in docs]

    def rows_of(self, docs: list[int]) -> list[dict[str, Any]]:
        """The rows of these document numbers (of this export's snapshot)."""
        with self._reading():
            found = ranking.page_terms(self.snap.postings, ranking.positive_terms(self.query), docs)
            return [row(self.snap.stored(d), words, self.sizes) for d, words in zip(docs, found, strict=True)]

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except IO_ERRORS as e:  # a file of the build cut short or gone bad under the export
            raise IndexDamaged(damaged_message(Path(self.snap.build), e)) from e

    def lines(self, fmt: str) -> Iterator[str]:
        """The export as text in a format of FORMATS, a chunk of rows at a time (CSV: the header line first)."""
        if fmt == "csv":
            yield csv_header()
        encode = csv_lines if fmt == "csv" else jsonl_lines
        for rows in self.rows():
            yield encode(rows)

    media_types = MEDIA_TYPES

    @staticmethod
    def error_line(fmt: str, error: dict[str, Any]) -> str:
        """The last line of an export that failed after it began (error_line)."""
        return error_line(fmt, error)

    def close(self) -> None:
        """Close the export's snapshot (idempotent)."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):  # already closed under it: nothing is left to free
                self.snap.close()

    def __enter__(self) -> Export:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def row(stored: StoredArticle, matched_terms: list[tuple[str, str]], sizes: Sizes = SIZES) -> dict[str, Any]:
    """One export row (COLUMNS) of a stored article and the query words it holds."""
    a = stored.article
    return {"id": stored.id, "url": a.url or None, "headline": a.headline, "outlet": a.outlet,
            "section": a.section or None, "byline": a.byline or None, "published": stored.published,
            "sources": list(a.sources),
            "matched_quotes": [q.to_dict() for q in matched_quotes(stored, matched_terms, sizes)]}


def csv_header() -> str:
    """The CSV header line."""
    return _csv_line(COLUMNS)


def csv_lines(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV lines (RFC 4180, CRLF), one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_csv_cell(r[c]) for c in COLUMNS] for r in rows)
    return out.getvalue()


def jsonl_lines(rows: list[dict[str, Any]]) -> str:
    """Rows as JSON Lines, one object per line (the characters some line readers also break lines at, such as
    Python's str.splitlines, escaped: U+0085, U+2028, U+2029)."""
    return "".join(json.dumps(r, ensure_ascii=False).translate(_LINE_BREAKS) + "\n" for r in rows)


def error_line(fmt: str, error: dict[str, Any]) -> str:
    """The last line of an export that failed after it began (its status was sent already): the API's error
    object, `{"error": {...}}`, as a JSON line, or as a CSV row whose id cell is `#error`."""
    if fmt == "jsonl":
        return json.dumps({"error": error}, ensure_ascii=False) + "\n"
    return _csv_line(["#error", _csv_cell(f"{error.get('code')}: {error.get('message')}")])


def _csv_cell(value: Any) -> str:
    """A value as one CSV cell: lists joined (sources with "; ", matched quotes as `Source: text` with " | "),
    whitespace runs made one space, and a would-be formula neutralised."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " | ".join(_quote_text(v) for v in value) if value and isinstance(value[0], dict) else "; ".join(value)
    text = " ".join(str(value).split())
    return "'" + text if text.startswith(FORMULA_START) else text


def _quote_text(q: dict[str, Any]) -> str:
    return f"{q['source']}: {q['text']}" if q.get("source") else q["text"]


def _csv_line(cells: Any) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()
