"""Quotation and source attribution from body text (first cut: outlets' names only normalised)."""

from __future__ import annotations

from search.articles import Article, Quote


def extract_quotes(text: str) -> list[Quote]:
    """Find quotations and attributions in text."""
    return []


def normalise_source(name: str) -> str:
    """One canonical name for a source."""
    name = name.strip()
    return name[4:] if name.lower().startswith("the ") else name


def attribute(article: Article) -> Article:
    """Fill article.quotes and article.sources from its body and block quotes."""
    article.quotes = extract_quotes(article.body)
    article.sources = sorted({q.source for q in article.quotes if q.source})
    return article
