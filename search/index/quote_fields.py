"""The quote index's field registry: every quote an article holds is a record of its own, searchable by itself.

A quote record carries the quote (text, source, source kind, cue, kind) and the article it came from (id,
headline, url, outlet, section, published). `qkey` is the quotation's identity: the same words by the same
source, whatever the case, quote marks, whitespace or punctuation, so that the engine shows one quotation once
however many articles carry it (engine/quotes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.articles import Article, Quote, url_outlet
from search.index.fields import Facet, Field, Registry
from search.quotes.repeats import words  # the words that make two quotes the same within one article too

KEY_CHARS = 1000  # of a quotation's words kept in its key


@dataclass(frozen=True)
class QuoteRecord:
    """One quote of one article: what the quote index's fields are read from."""

    article: Article
    article_id: str
    quote: Quote
    n: int  # the quote's place in the article's list

    @property
    def id(self) -> str:
        return f"{self.article_id}-{self.n}"

    @property
    def qkey(self) -> str:
        return quotation_key(self.quote.text, self.quote.source)

    @property
    def source_kind(self) -> str:
        """person / outlet / organisation ("" when the quote has no source)."""
        if not self.quote.source:
            return ""
        return self.quote.source_kind or "person"

    @property
    def outlet(self) -> str:
        """The publishing outlet: the article's (the readers name it), else its URL's domain."""
        return self.article.outlet or url_outlet(self.article.url) or ""


def quotation_key(text: str, source: str | None) -> str:
    """The identity of a quotation: its source and its words, case, quote marks, whitespace and punctuation aside
    ("priya raman|we will plant a hundred trees"). Kept readable, so that the engine can also tell near-identical
    copies apart from different quotations (engine/quotes.py)."""
    return f"{(source or '').lower()}|{words(text)[:KEY_CHARS]}"


QUOTE_FIELDS: list[Field] = [
    Field("text", ("quote", "quotes", "words"), weight=1.0, b=0.5, snippet="whole", value=lambda r: r.quote.text),
    Field("source", ("speaker", "sources", "by"), stored=False, b=0.0, names=True,
          value=lambda r: r.quote.source or ""),
    Field("cue", ("verb",), stored=False, b=0.0, phrase=False, value=lambda r: r.quote.cue or ""),
]
QUOTE_FACETS: list[Facet] = [
    Facet("source", "Source", "source_f", lambda r: [r.quote.source] if r.quote.source else [], names=True),
    Facet("source_kind", "Kind of source", "source_kind_f", lambda r: [r.source_kind] if r.source_kind else []),
    Facet("kind", "Direct or indirect", "kind_f", lambda r: [r.quote.kind]),
    Facet("cue", "Reporting verb", "cue_f", lambda r: [r.quote.cue.lower()] if r.quote.cue else [], counted=False),
    Facet("year", "Year", "year", lambda r: [str(r.article.published.year)] if r.article.published else [],
          by_value=True),
    Facet("outlet", "Outlet", "outlet_f", lambda r: [r.outlet] if r.outlet else [], counted=False),
    # Not shown: what groups records into quotations, and into articles.
    Facet("quotation", "Quotation", "qkey", lambda r: [r.qkey], counted=False),
    Facet("article", "Article", "article_id", lambda r: [r.article_id], counted=False, stored=True),
]
# Dates as a column only: a quote record is small, and its nine date terms were a quarter of its postings.
QUOTES = Registry("quotes", QUOTE_FIELDS, QUOTE_FACETS, date_terms=False)


def quote_documents(clean: Article, article_id: str, key: str, published: str | None) -> list[dict[str, Any]]:
    """The quote index's documents for one checked article (documents.py: strings valid, `published` the UTC
    time the index stores), one per quote; `published` here is its date as the reader gave it, for display."""
    out = []
    for n, q in enumerate(clean.quotes):
        r = QuoteRecord(clean, article_id, q, n)
        qdoc = {"id": r.id, "file": key, **QUOTES.record(r), "url": clean.url or None}
        qdoc["data"] = {"n": n, "headline": clean.headline, "section": clean.section or None, "outlet": r.outlet,
                        "published": published, "source": q.source, "source_kind": r.source_kind or None,
                        "cue": q.cue, "kind": q.kind, "mention": q.source_mention}
        if clean.published is not None:
            qdoc["published"], qdoc["dated"] = clean.published, b"1"
        out.append(qdoc)
    return out
