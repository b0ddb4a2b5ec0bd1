"""Article and Quote: the one shape every pipeline stage passes on, and ReadResult, what reading a file gave.

Readers (search/readers/) produce Articles, with any text field the Article has no attribute for in `fields`
(by name, for the fields the registry, search/index/fields.py, may add); search/quotes/ fills in `quotes` and
`sources`; search/index/documents.py turns an Article into the stored document and back. `to_dict()` is the
JSON shape `newsearch parse --json` prints; the JSON API's hits and articles come from the stored document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

QuoteKind = Literal["direct", "indirect"]


@dataclass
class Quote:
    """One attribution: what was said (or reported) and who said it."""

    text: str
    source: str | None  # normalised name: "Wall Street Journal", "Barack Obama"; None when unattributed
    cue: str | None  # "said", "wrote", "told", "according to", "reported", ...
    kind: QuoteKind  # "direct": in quotation marks; "indirect": attribution without quote marks
    start: int = -1  # character offsets of `text` in the article body (-1 when unknown)
    end: int = -1
    source_mention: str | None = None  # the words in the text that name the source ("she", "the WSJ")
    source_start: int = -1  # character offsets of `source_mention` in the text (-1 when unknown)
    source_end: int = -1
    source_kind: str | None = None  # "person", "outlet" or "organisation" (search/quotes/kinds.py); None: no source

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a quote."""
        return {
            "text": self.text,
            "source": self.source,
            "source_kind": self.source_kind,
            "cue": self.cue,
            "kind": self.kind,
        }


@dataclass
class Article:
    """A news article as read from one corpus file (or one record of a JSON array or JSON Lines file)."""

    path: str
    headline: str = ""
    body: str = ""
    section: str | None = None
    byline: str | None = None
    published: datetime | None = None
    captions: list[str] = field(default_factory=list)
    credit: str | None = None
    url: str | None = None
    blockquotes: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    record: int | None = None  # position in a multi-record file (JSON array / JSON Lines), else None
    format: str = ""  # "text", "html", "json"
    fields: dict[str, str] = field(default_factory=dict)  # more fields a reader found, by name (a JSON key)

    @property
    def outlet(self) -> str | None:
        """The publisher of the article (`fields["outlet"]`, set by the readers: the site's own name, or its URL's
        domain), never one of the sources quoted in it; None when nothing says."""
        return (self.fields.get("outlet") or "").strip() or None

    @property
    def key(self) -> str:
        """Where the article came from: the path, plus `#n` for the n-th record of a multi-record file."""
        return self.path if self.record is None else f"{self.path}#{self.record}"

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of an article (`newsearch parse --json`)."""
        return {
            "path": self.path,
            "record": self.record,
            "headline": self.headline,
            "section": self.section,
            "byline": self.byline,
            "published": self.published.isoformat() if self.published else None,
            "captions": list(self.captions),
            "credit": self.credit,
            "body": self.body,
            "quotes": [q.to_dict() for q in self.quotes],
            "sources": list(self.sources),
            "url": self.url,
            "outlet": self.outlet,
            "error": None,
        }


def url_outlet(url: str | None) -> str | None:
    """The outlet a URL names: its host without `www.` (`https://www.bbc.co.uk/news/x` -> `bbc.co.uk`), or None."""
    try:
        host = urlsplit((url or "").strip()).hostname or ""
    except ValueError:  # a malformed URL ("http://[::1")
        return None
    host = host.rstrip(".").removeprefix("www.")
    return host if "." in host else None


@dataclass
class ReadResult:
    """What reading one file gave: its articles, and a reason for everything in it that could not be read."""

    path: str
    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the whole file was read without a problem."""
        return not self.errors

    def to_dicts(self) -> list[dict[str, Any]]:
        """One JSON object per article, then one per error (same keys, `error` set)."""
        out = [a.to_dict() for a in self.articles]
        for reason in self.errors:
            out.append(error_dict(self.path, reason))
        return out


def error_dict(path: str, reason: str) -> dict[str, Any]:
    """The JSON object for a file (or record) that could not be read."""
    empty = Article(path=path).to_dict()
    empty.update(headline=None, body=None, error=reason)
    return empty
