"""The field registry: every searchable field and facet of an article, declared once.

From these declarations come the Whoosh schema (schema.py), the stored document (documents.py), the query
language's field names and default fields with their BM25F weights (engine/syntax.py, engine/query.py), the length
normalisation of ranking, the snippet policy of hits, the facets and their filters, and the OpenAPI schemas.
Adding a searchable field is one `Field` here (or `registered(...)` at run time), the reader that fills it
(`Article.fields[name]` for a field the Article has no attribute for) and, to show it, the templates.

The registry is read at the moment of use, never copied at import, so a field registered later counts
everywhere; `schema_version()` changes with it, and an index built with other fields says so (store.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from search.articles import Article

_ARTICLE_ATTRIBUTES = {f.name for f in dataclasses.fields(Article)}
ANALYSIS_VERSION = 1  # bump when the tokenizer (analysis.py) cuts words differently: old indexes must be rebuilt
STORAGE_VERSION = 2  # bump when the codec (codec.py) lays postings out differently; 1 was Whoosh's own W3 codec


@dataclass(frozen=True)
class Field:
    """One searchable text field of the index."""

    name: str
    aliases: tuple[str, ...] = ()  # more names for it in the query language (`quote:` for quotes)
    weight: float = 0.0  # BM25F weight when a query names no field; 0: searched only when named (`byline:`)
    b: float = 0.75  # BM25 length normalisation (0: none, and no lengths kept; 1: full)
    stored: bool = True  # kept in the stored document: shown, and snippets cut from it
    snippet: str | None = None  # "whole" (all of it, marked), "passage" (the best sentences), "line" (the line)
    lines_of: str | None = None  # a "line" field whose n-th line is the n-th item of this Article list
    value: Callable[[Any], str] | None = None  # the text indexed; default: the Article attribute of the name
    names: bool = False  # its values are source names: a name a query gives is resolved through the aliases
    phrase: bool = True  # word positions kept (phrases); False for a field of one word (a quote's cue)

    @property
    def extra(self) -> bool:
        """True for a field the Article has no attribute for: its value is in `Article.fields`."""
        return self.value is None and self.name not in _ARTICLE_ATTRIBUTES

    def text(self, article: Article) -> str:
        """The text this field indexes for an article."""
        if self.value is not None:
            return self.value(article) or ""
        if self.extra:
            return article.fields.get(self.name) or ""
        return getattr(article, self.name) or ""


@dataclass(frozen=True)
class Facet:
    """One facet: counted for every result set and usable as a filter of the same name."""

    name: str
    title: str  # as the search page labels it
    index_field: str  # its own untokenized field in the index
    values: Callable[[Any], list[str]]
    multi: bool = False  # an article may have several values (a comma-separated keyword field)
    stored: bool = False  # the value is also kept for display (a hit's section)
    by_value: bool = False  # listed in value order (years, newest first) rather than by count
    names: bool = False  # its values are source names: a filter's value is resolved through the aliases
    counted: bool = True  # counted for every result set (else a filter only)


def _lines(items: list[str]) -> str:
    # One line per caption or quote: snippets pick the matching line, and its number finds the item.
    return "\n".join(" ".join(item.split()) for item in items)


FIELDS: list[Field] = [
    Field("headline", ("title",), weight=4.0, b=0.3, snippet="whole"),
    Field("caption", ("captions",), weight=2.0, b=0.5, snippet="line", value=lambda a: _lines(a.captions)),
    Field("quotes", ("quote",), weight=2.0, b=0.5, snippet="line", lines_of="quotes",
          value=lambda a: _lines([q.text for q in a.quotes])),
    Field("source", ("sources",), weight=1.5, b=0.2, stored=False, names=True, value=lambda a: "\n".join(a.sources)),
    Field("body", ("text",), weight=1.0, snippet="passage"),
    Field("byline", ("by", "author")),
    Field("section", stored=False),
    # The publisher (readers: the site's name, a JSON `publisher`, else the URL's domain), never a quoted source:
    # `outlet:reuters` searches its words, `outlet=` filters by the whole name (the facet).
    Field("outlet", ("publisher",), b=0.0),
]
FACETS: list[Facet] = [
    Facet("section", "Section", "section_f", lambda a: [a.section.strip()] if (a.section or "").strip() else [],
          stored=True),
    Facet("source", "Source", "source_f", lambda a: list(a.sources), multi=True, names=True),
    Facet("year", "Year", "year", lambda a: [str(a.published.year)] if a.published else [], by_value=True),
    Facet("outlet", "Outlet", "outlet_f", lambda a: [a.outlet] if a.outlet else []),
]


@dataclass(eq=False)  # compared (and hashed) by identity: one registry per kind of record
class Registry:
    """The fields and facets of one kind of index record (articles; quotes), and what is derived from them.

    The lists are read at the moment of use, never copied at import, so a field registered later counts
    everywhere."""

    name: str
    fields: list[Field]
    facets: list[Facet]
    declared: int = -1  # how many fields are declared in code (the rest were registered at run time)
    # Whether `published` is also indexed as Whoosh's date terms (nine per record), so that Whoosh's own
    # DateRange queries work on the index; the engine filters and sorts on its column alone.
    date_terms: bool = True

    def __post_init__(self) -> None:
        if self.declared < 0:
            self.declared = len(self.fields)

    def extra_fields(self) -> list[Field]:
        """The fields registered at run time (`registered`), beyond those declared here: what reading workers
        must register too (so a field registered at run time must be picklable: no lambda for its value)."""
        return self.fields[self.declared:]

    def record(self, record: Any) -> dict[str, Any]:
        """The text and facet fields of one record (an Article, a quote record) as this registry declares them."""
        doc: dict[str, Any] = {f.name: f.text(record) for f in self.fields}
        for facet in self.facets:
            values = [v.replace(",", " ") if facet.multi else v for v in facet.values(record) if v]
            if values:
                doc[facet.index_field] = ",".join(values) if facet.multi else values[0]
        return doc

    def field(self, name: str) -> Field | None:
        """The field of a name or query alias (case-insensitive), or None."""
        name = name.lower()
        return next((f for f in self.fields if name == f.name or name in f.aliases), None)

    def default_fields(self) -> dict[str, float]:
        """The fields a query without a field name searches, with their BM25F weights."""
        return {f.name: f.weight for f in self.fields if f.weight > 0}

    def b_of(self, name: str) -> float:
        """The BM25 length normalisation of a field."""
        found = self.field(name)
        return found.b if found is not None else 0.75

    def facet(self, name: str) -> Facet | None:
        """The facet of a name, or None."""
        return next((f for f in self.facets if f.name == name), None)

    def schema_version(self) -> str:
        """A fingerprint of what the index holds: changes whenever a field or facet is added, removed or changed
        in a way the stored index depends on (not for weights, which apply at query time)."""
        shape = [(f.name, f.stored, *(("unscored",) if f.b == 0 else ()), *(() if f.phrase else ("no positions",)))
                 for f in self.fields] + [(f.index_field, f.multi, f.stored) for f in self.facets]
        if not self.date_terms:
            shape.append(("published", "column only"))
        shape.append(("cluster_f", "stored", "story", "column"))  # cluster ids, stored and as numbers (schema.py)
        return f"{ANALYSIS_VERSION}.{STORAGE_VERSION}-{hashlib.sha1(repr(shape).encode()).hexdigest()[:12]}"

    @contextlib.contextmanager
    def registered(self, *extra: Field) -> Iterator[None]:
        """Fields added to the registry for the length of a block (a plug-in's fields, or a test's)."""
        self.fields.extend(extra)
        try:
            yield
        finally:
            for f in extra:
                self.fields.remove(f)

    @contextlib.contextmanager
    def weighted(self, weights: dict[str, float]) -> Iterator[None]:
        """The registry with other BM25F weights for a block (ranking experiments: bench/relevance.py); a field
        not named keeps its weight, and weight 0 takes a field out of the default ones."""
        saved = list(self.fields)
        self.fields[:] = [dataclasses.replace(f, weight=weights.get(f.name, f.weight)) for f in self.fields]
        try:
            yield
        finally:
            self.fields[:] = saved


ARTICLES = Registry("articles", FIELDS, FACETS)

# The article registry's API as module functions (what most callers mean).
extra_fields = ARTICLES.extra_fields
default_fields = ARTICLES.default_fields
schema_version = ARTICLES.schema_version
registered = ARTICLES.registered
weighted = ARTICLES.weighted
