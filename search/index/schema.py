"""The Whoosh schema: what each article field becomes in the index, built from the field registry (fields.py).

Each text field is indexed once, with every word as written (folded, unstemmed, stop words kept), so an
exact phrase matches its exact words; singular/plural and -ed/-ing matching is done at query time (analysis.forms).
Facets live in their own untokenized fields; the rest of the record is one stored blob (`data`). The quote
index (quote_fields.py) is built the same way from its own registry.
"""

from __future__ import annotations

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, FieldType, Schema

from search.index.analysis import INDEX
from search.index.fields import ARTICLES, Registry


def build_schema(registry: Registry = ARTICLES) -> Schema:
    """A new schema instance for a registry's records (Whoosh schemas are mutable; never share one)."""
    fields: dict[str, FieldType] = {
        "id": ID(stored=True, unique=True),
        "file": ID(stored=True),  # corpus-relative path: incremental updates delete by it
    }
    for f in registry.fields:
        fields[f.name] = TEXT(analyzer=INDEX, stored=f.stored, phrase=f.phrase)
        if f.b == 0:  # no length normalisation: Whoosh need not keep (and look up, per posting) its lengths
            fields[f.name].scorable = False
    for facet in registry.facets:  # "2011", "Local News": counted from their postings
        fields[facet.index_field] = (KEYWORD(commas=True, scorable=False, stored=facet.stored) if facet.multi
                                     else ID(stored=facet.stored))
    fields.update(
        published=DATETIME(stored=True, sortable=True),
        dated=COLUMN(VarBytesColumn()),  # b"1" when published is known: date orders put undated ones last
        # Near-duplicate articles share a cluster id, given by the writer when the article is added (dedup.py):
        # kept for display, and as a number (writing.story_number; 0: none) that `collapse=1` groups by
        cluster_f=STORED(),
        story=COLUMN(NumericColumn("Q")),
        url=STORED(),
        data=STORED(),  # the rest of the Article: captions, credit, quotes, sources, path
    )
    if not registry.date_terms:
        fields["published"].indexed = False  # stored and in its column, no terms
    return Schema(**fields)
