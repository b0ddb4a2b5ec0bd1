"""HTML pages of news sites -> Article (first cut: title and visible text)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from search.articles import Article
from search.readers.loading import clean_text, decode


def read(data: bytes, path: str) -> Article:
    """Parse one HTML page."""
    soup = BeautifulSoup(decode(data), "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    return Article(path=path, headline=title, body=clean_text(soup.get_text("\n", strip=True)), format="html")
