"""The Whoosh schema: what each article field becomes in the index, and the weights ranking gives them.

Each text field is indexed once, with every word as written (folded, unstemmed, stop words kept), so an
exact phrase matches its exact words; singular/plural and -ed/-ing matching is done at query time (analysis.forms).
Facets live in their own untokenized fields.
"""

from __future__ import annotations

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.index.analysis import INDEX

# Fields searched by default, with their ranking weights (BM25F boosts): headline above caption and
# quotes, above body; sources (who is quoted or cited) a little above body.
DEFAULT_FIELDS: dict[str, float] = {"headline": 4.0, "caption": 2.0, "quotes": 2.0, "source": 1.5, "body": 1.0}
# Fields snippets are cut from.
SNIPPET_FIELDS = ("headline", "caption", "body", "quotes")


def build_schema() -> Schema:
    """A new schema instance (Whoosh schemas are mutable; never share one between indexes)."""
    text = {name: TEXT(analyzer=INDEX, stored=True) for name in SNIPPET_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True),
        file=ID(stored=True),  # corpus-relative path: incremental updates delete by it
        **text,
        source=TEXT(analyzer=INDEX),
        byline=TEXT(analyzer=INDEX, stored=True),
        section=TEXT(analyzer=INDEX),
        section_f=ID(stored=True),  # display value, filter and facet
        source_f=KEYWORD(commas=True, scorable=False),
        year=ID(),  # "2011": a facet, counted from its postings
        published=DATETIME(stored=True, sortable=True),
        dated=COLUMN(VarBytesColumn()),  # b"1" when published is known: date orders put undated ones last
        url=STORED(),
        data=STORED(),  # the rest of the Article: captions, credit, quotes, sources, path
    )
