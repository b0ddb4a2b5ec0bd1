"""Article -> Whoosh document (and back): the one place that knows how an article is stored in the index.

`document()` runs in the reading worker, not in the writer, and checks everything the writer would choke
on, so that a record Whoosh cannot store is that record's failure and not the run's: text that is not
valid Unicode (a lone surrogate from a JSON `\\ud800` escape cannot be encoded) is repaired, and a
publication date the index cannot hold (Whoosh stores naive UTC datetimes; year 1 with an offset, or
year 9999 west of UTC, overflow) is refused with a reason. `article()` rebuilds an Article from a stored
document, so a full rebuild can keep what it could not read again; `StoredArticle` is that Article with its id
and the stored text of each field, the one typed view of a stored document the engine reads (hits, the
article API, more-like-this).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from search.articles import Article, Quote
from search.index import dedup
from search.index.fields import ARTICLES, FIELDS
from search.index.quote_fields import quote_documents


class DocumentError(ValueError):
    """An article that cannot be stored in the index; the message says why."""


def article_id(key: str, record: int | None) -> str:
    """A stable id for an article: the same file (and record) always gets the same id."""
    name = f"{key}#{record if record is not None else ''}"
    return hashlib.sha1(name.encode(errors="backslashreplace")).hexdigest()[:16]


class Document(NamedTuple):
    """What one article puts in a build: its document in the article index, and one in the quote index for
    each of its quotes (quote_fields.py), both made from the same checked Article."""

    fields: dict[str, Any]
    quotes: list[dict[str, Any]]
    signature: Any = None  # the MinHash of its words (dedup.py): which articles it is a copy of; None: too short


def document(article: Article, key: str, signed: bool = True) -> Document:
    """The Whoosh documents for an article (its fields from the registries, fields.py and quote_fields.py), and,
    when `signed`, its near-duplicate signature (dedup.py); DocumentError when it cannot be one."""
    published = _utc(article.published)
    clean = _repaired(article, published)
    doc: dict[str, Any] = {"id": article_id(key, article.record), "file": key, **ARTICLES.record(clean)}
    doc["url"] = clean.url or None
    doc["data"] = {
        "path": key,
        "record": article.record,
        "published": article.published.isoformat() if article.published else None,
        "captions": clean.captions,
        "credit": clean.credit or None,
        "blockquotes": clean.blockquotes,
        "quotes": [{**q.to_dict(), "mention": q.source_mention} for q in clean.quotes],
        "sources": clean.sources,
    }
    if published is not None:
        doc["published"] = published
        doc["dated"] = b"1"
    return Document(doc, quote_documents(clean, doc["id"], key, doc["data"]["published"]),
                    dedup.signature(clean.headline, clean.body) if signed else None)


def _repaired(article: Article, published: datetime | None) -> Article:
    """The article with every string valid Unicode and the publication time in UTC (what facets count by)."""
    return replace(
        article, headline=_text(article.headline), body=_text(article.body), section=_text(article.section),
        byline=_text(article.byline), url=_text(article.url), credit=_text(article.credit), published=published,
        captions=[_text(c) for c in article.captions], blockquotes=[_text(b) for b in article.blockquotes],
        quotes=[_quote(q) for q in article.quotes], sources=[_text(s) for s in article.sources if s],
        fields={k: _text(v) for k, v in article.fields.items()},
    )


def article(stored: dict[str, Any]) -> Article:
    """The Article a stored document was made from (what a full rebuild keeps for a file it cannot read)."""
    data = stored.get("data") or {}
    published = data.get("published")
    return Article(
        path=data.get("path") or stored.get("file") or "",
        headline=stored.get("headline") or "",
        body=stored.get("body") or "",
        section=stored.get("section_f"),
        byline=stored.get("byline") or None,
        published=datetime.fromisoformat(published) if published else None,
        captions=list(data.get("captions") or []),
        credit=data.get("credit"),
        url=stored.get("url"),
        blockquotes=list(data.get("blockquotes") or []),
        quotes=[_stored_quote(q) for q in data.get("quotes") or []],
        sources=list(data.get("sources") or []),
        record=data.get("record"),
        fields={f.name: stored[f.name] for f in FIELDS if f.extra and f.stored and stored.get(f.name)},
    )


@dataclass(frozen=True)
class StoredArticle:
    """An article as the index holds it: its id, the Article it was made from, and each stored field's text
    as indexed (what snippets are cut from)."""

    id: str
    article: Article
    texts: dict[str, str]
    cluster: str | None = None  # its story: near-duplicates share it (dedup.py)

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> StoredArticle:
        """The typed view of Whoosh's stored fields for one document."""
        return cls(id=stored["id"], article=article(stored),
                   texts={f.name: stored.get(f.name) or "" for f in FIELDS if f.stored},
                   cluster=stored.get("cluster_f") or None)

    @property
    def published(self) -> str | None:
        """The publication time as the reader found it (ISO 8601, its own offset), or None."""
        return self.article.published.isoformat() if self.article.published else None

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a whole article (`GET /api/article/<id>`)."""
        a = self.article
        return {
            "id": self.id, "url": a.url, "headline": a.headline, "section": a.section, "byline": a.byline,
            "published": self.published, "captions": list(a.captions), "credit": a.credit, "body": a.body,
            "blockquotes": list(a.blockquotes), "quotes": [q.to_dict() for q in a.quotes],
            "sources": list(a.sources), "path": a.path,
            **{f.name: a.fields.get(f.name) or None for f in FIELDS if f.extra and f.stored},
            "cluster": self.cluster,
        }


def _stored_quote(q: dict[str, Any]) -> Quote:
    return Quote(text=q.get("text") or "", source=q.get("source"), cue=q.get("cue"), kind=q.get("kind") or "direct",
                 source_mention=q.get("mention"), source_kind=q.get("source_kind"))


def _utc(when: datetime | None) -> datetime | None:
    """A publication time as the naive UTC datetime Whoosh stores; DocumentError when it cannot be one."""
    if when is None:
        return None
    try:
        utc = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when
    except (OverflowError, ValueError):
        raise DocumentError(f"publication date {when.isoformat()} is out of range") from None
    return utc


def _text(value: object) -> str:
    """A string field as valid Unicode: lone surrogates (unencodable) become U+FFFD; None becomes ""."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def _quote(q: Quote) -> Quote:
    return replace(q, text=_text(q.text), source=_text(q.source) or None, cue=_text(q.cue) or None,
                   source_mention=_text(q.source_mention) or None)
