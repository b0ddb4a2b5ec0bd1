"""Facet counts (search/index/fields.py FACETS) over a set of matching documents, fast enough for every query.

Per searcher, each facet's postings are decoded once into numpy arrays of (document, value) pairs (sources
are multi-valued); counting a result set is then a bincount of the values of its documents, gathered from
the same pairs sorted by document (or, for a large share of the index, picked by a mask over all pairs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from search.engine.postings import Postings, segment_postings
from search.index.fields import ARTICLES, Registry

MAX_VALUES = 20  # facet values returned per field
BY_DOC_SHARE = 4  # matches under 1/4 of the index are counted from the per-document table (FacetTables._codes_of)


class FacetTables:
    """Document -> facet value tables for one searcher (rebuilt when the searcher is)."""

    def __init__(self, postings: Postings, segment_cache: dict | None = None, registry: Registry = ARTICLES) -> None:
        """Build the tables; `segment_cache` keeps each segment's part between searchers (segments never
        change, so after an incremental commit only the new segment is read)."""
        self.size = postings.size
        self.registry = registry
        self._lowered: dict[str, dict[str, list[int]]] = {}
        self._per_doc: dict[str, np.ndarray] = {}
        self._by_doc: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # facet -> (codes by document, starts)
        self.values: dict[str, list[str]] = {}
        self.rank: dict[str, np.ndarray] = {}  # each value's place in case-insensitive order (tie-break)
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._postings = postings
        self._cache = {} if segment_cache is None else segment_cache
        live_keys = {(_segment_key(leaf), f.index_field) for f in registry.facets for leaf, _ in postings.leaves}
        for key in [k for k in self._cache if k not in live_keys]:  # segments merged away
            del self._cache[key]
        for facet in registry.facets:
            self._build(facet)

    def _build(self, facet: Any) -> None:
        """One facet's tables, from each segment's part (read once per segment, kept in the segment cache)."""
        postings, cache = self._postings, self._cache
        name, fieldname = facet.name, facet.index_field
        codes_of: dict[str, int] = {}
        docs, codes = [], []
        for leaf, base in postings.leaves:
            key = (_segment_key(leaf), fieldname)
            if key not in cache:
                cache[key] = _segment_table(leaf, fieldname)
            values, leaf_docs, leaf_codes = cache[key]
            if not values:
                continue
            to_global = np.array([codes_of.setdefault(v, len(codes_of)) for v in values], dtype=np.int32)
            docs.append(leaf_docs + base)
            codes.append(to_global[leaf_codes])
        all_docs = np.concatenate(docs) if docs else np.zeros(0, np.int64)
        all_codes = np.concatenate(codes) if codes else np.zeros(0, np.int32)
        if len(postings.deleted) and len(all_docs):
            keep = ~np.isin(all_docs, postings.deleted)
            all_docs, all_codes = all_docs[keep], all_codes[keep]
        values = list(codes_of)
        self.values[name] = values
        # the tie-break order of counted facets (a filter-only facet needs none)
        order = sorted(range(len(values)), key=lambda i: values[i].lower()) if facet.counted else []
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self.rank[name] = rank
        self.pairs[name] = (all_docs, all_codes)

    def count(self, matched: dict[str, np.ndarray]) -> dict[str, list[dict[str, Any]]]:
        """Counts per facet value among each facet's matched document numbers, most frequent first.

        Each facet gets its own document set: the engine counts a facet without that facet's own filter,
        so choosing one section still shows what the others would add.
        """
        out: dict[str, list[dict[str, Any]]] = {}
        for name in self.pairs:
            facet = self.registry.facet(name)
            if facet is None or not facet.counted or name not in matched:
                continue
            values = self.values[name]
            if not values or not len(matched[name]):
                out[name] = []
                continue
            counts = np.bincount(self._codes_of(name, matched[name]), minlength=len(values))
            top = np.flatnonzero(counts)
            if facet.by_value:  # years: the newest first
                order = top[np.argsort(-self.rank[name][top])]
            else:
                order = top[np.lexsort((self.rank[name][top], -counts[top]))]
            out[name] = [{"value": values[i], "count": int(counts[i])} for i in order[:MAX_VALUES]]
        return out

    def _codes_of(self, name: str, matched: np.ndarray) -> np.ndarray:
        """The facet's value codes of the matched documents (one per pair): a single-valued facet's from its
        code per document; a multi-valued one's, for a small share of the index, gathered from the pairs sorted
        by document (made once per searcher), for a large one picked by a mask over every pair."""
        facet = self.registry.facet(name)
        if facet is not None and not facet.multi:  # one value at most per document
            codes = self.per_doc(name)[matched]
            return codes[codes >= 0]
        docs, codes = self.pairs[name]
        if len(matched) * BY_DOC_SHARE > self.size:
            mask = np.zeros(self.size, dtype=bool)
            mask[matched] = True
            return codes[mask[docs]]
        if name not in self._by_doc:  # the pairs sorted by document, and where each document's start
            order = np.argsort(docs, kind="stable")
            self._by_doc[name] = (codes[order], np.searchsorted(docs[order], np.arange(self.size + 1)))
        by_doc, starts = self._by_doc[name]
        first, n = starts[matched], starts[matched + 1] - starts[matched]
        if not n.any():
            return by_doc[:0]
        ends = np.cumsum(n)
        return by_doc[np.repeat(first - (ends - n), n) + np.arange(int(ends[-1]))]

    def filters(self, req: Any, spellings: Callable[[str], list[str]] | None = None) -> dict[str, np.ndarray]:
        """The documents each active filter of a request allows (sorted arrays), by facet name: a facet filters by
        the request attribute of its name (OR within it). A facet of source names looks for every name the
        aliases give one (`spellings`: its canonical name, and the spellings an index made before may hold)."""
        out: dict[str, np.ndarray] = {}
        for facet in self.registry.facets:
            wanted = list(getattr(req, facet.name, None) or [])
            if facet.names and spellings is not None:
                wanted = [name for w in wanted for name in spellings(w)]
            if wanted:
                out[facet.name] = self.docs_with(facet.name, wanted)
        return out

    def per_doc(self, name: str) -> np.ndarray:
        """A single-valued facet as one code per document (-1 for none); made once per searcher."""
        if name not in self._per_doc:
            docs, codes = self.pairs[name]
            out = np.full(self.size, -1, dtype=np.int64)
            out[docs] = codes
            self._per_doc[name] = out
        return self._per_doc[name]

    def docs_with(self, name: str, wanted: list[str]) -> np.ndarray:
        """Sorted documents having any of the wanted values (matched case-insensitively) of a facet."""
        index = self._lowered.get(name)
        if index is None:  # value (lower case) -> its codes, made on first use
            index = self._lowered[name] = {}
            for i, v in enumerate(self.values.get(name, [])):
                index.setdefault(v.lower(), []).append(i)
        codes = [c for w in {w.lower() for w in wanted} for c in index.get(w, ())]
        docs, doc_codes = self.pairs[name]
        return np.unique(docs[np.isin(doc_codes, codes)])


def _segment_key(leaf: Any) -> str:
    try:
        return leaf.segment().segment_id()
    except AttributeError:  # not a segment reader: no reuse
        return f"reader-{id(leaf)}"


def _segment_table(leaf: Any, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One segment's facet values with their (segment-local) documents, deletions ignored."""
    values, docs, codes = [], [], []
    for term, ids in segment_postings(leaf, fieldname):
        docs.append(ids)
        codes.append(np.full(len(ids), len(values), dtype=np.int32))
        values.append(term.decode("utf-8") if isinstance(term, bytes) else str(term))
    return (values, np.concatenate(docs) if docs else np.zeros(0, np.int64),
            np.concatenate(codes) if codes else np.zeros(0, np.int32))
