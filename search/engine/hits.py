"""Hit assembly: one result from a stored article, the fields its matched words are in, and their snippets.

The per-field snippet policy is the field registry's (search/index/fields.py `Field.snippet`): a short field
is shown whole with its matches marked, the body as its densest passage, a multi-line field (captions, quotes)
as its best line; a quotes line is also the quote it came from, so the hit carries that Quote with its source.
Snippet lengths are a `Sizes` the engine passes in.
"""

from __future__ import annotations

from search.articles import Quote
from search.engine.results import Hit
from search.engine.snippets import SIZES, Sizes, best_passage, field_terms, find_spans, lede, line_with_matches, mark
from search.index import fields
from search.index.documents import StoredArticle


def hit(stored: StoredArticle, score: float | None, matched_terms: list[tuple[str, str]],
        sizes: Sizes = SIZES) -> Hit:
    """One result: the article's identity, which fields its matched terms are in, and their snippets."""
    matched: list[str] = []
    snippets: dict[str, str] = {}
    quotes = []
    marked: int | None = None
    for f in fields.FIELDS:
        words = field_terms(matched_terms, f.name)
        if not words:
            continue
        if not (f.stored and f.snippet):
            matched.append(f.name)
            continue
        text = stored.texts.get(f.name, "")
        spans = find_spans(text, words, sizes.scan)
        if not spans:
            continue
        matched.append(f.name)
        if f.snippet == "whole":
            snippets[f.name] = mark(text, spans)
        elif f.snippet == "passage":
            snippets[f.name] = best_passage(text, spans, sizes)
        else:
            snippets[f.name], line = line_with_matches(text, spans, sizes)
            if f.lines_of == "quotes":  # every quote with a match, each with its source
                lines = [n for n in _lines_with(text, spans) if n < len(stored.article.quotes)]
                quotes.extend(stored.article.quotes[n] for n in lines)
                marked = lines.index(line) if line in lines else None
    for f in fields.FIELDS:  # the body did not match: its first sentences, so a hit is never blank
        if f.snippet == "passage" and f.name not in snippets:
            snippets["lede"] = lede(stored.texts.get(f.name, ""), sizes)
    a = stored.article
    return Hit(id=stored.id, url=a.url, headline=a.headline, section=a.section, byline=a.byline,
               published=stored.published, score=round(score, 4) if score is not None else None,
               matched_fields=matched, snippets=snippets, quotes=quotes, marked_quote=marked, outlet=a.outlet,
               cluster=stored.cluster)


def matched_quotes(stored: StoredArticle, matched_terms: list[tuple[str, str]], sizes: Sizes = SIZES) -> list[Quote]:
    """The article's quotes that hold a matched word, as a hit lists them, without cutting any snippet (exports)."""
    out: list[Quote] = []
    for f in fields.FIELDS:
        words = field_terms(matched_terms, f.name) if f.lines_of == "quotes" and f.stored else None
        if words:
            text = stored.texts.get(f.name, "")
            lines = _lines_with(text, find_spans(text, words, sizes.scan))
            out.extend(stored.article.quotes[n] for n in lines if n < len(stored.article.quotes))
    return out


def _lines_with(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """The numbers of the lines of `text` that hold a span (spans in text order), in order."""
    lines: list[int] = []
    line, at = 0, 0
    for start, _ in spans:
        line += text.count("\n", at, start)
        at = start
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines
