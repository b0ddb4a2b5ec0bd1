"""The engine's reads of the index: posting lists, positions, field lengths and dates as numpy arrays.

Whoosh's matchers cost several Python calls per matching document (0.1-0.3 s for a common two-word query at
20,000 articles); matching.py and ranking.py work instead on whole posting lists as arrays, which newsearch's
codec (search/index/codec.py) lays out for them: each term's document ids and frequencies in one segment are
two arrays, its word positions a third in a stream of their own, read only for phrases. This module joins the
segments (each one's ids shifted by its base, deleted documents removed) and keeps a bounded cache of decoded
terms; it touches nothing of Whoosh below its public API (the codec's reader does).

An index written otherwise (by Whoosh's own codec, or an older newsearch) raises `LayoutError` from the codec
(and the index's recorded version already says `IndexOutdated`): nothing is filled in with zeros. The contract
test (tests/test_postings_contract.py) compares every term's ids, frequencies, positions and field lengths
with Whoosh's public API.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.reading import EmptyReader
from whoosh.searching import Searcher

from search.index.codec import (
    BYTE_TO_LENGTH,
    LayoutError,  # noqa: F401 - raised from here, for the engine's callers
    check_segment,
    field_terms,
    length_bytes,
    term_postings,
    uint64_column,
)

EMPTY = np.zeros(0, dtype=np.int64)
MISSING = 2**64 - 1  # the published column's value for an undated document
CACHE_POSTINGS = 4_000_000  # decoded postings kept per searcher (12 bytes each)
_LENGTHS = BYTE_TO_LENGTH.astype(np.float32)  # Whoosh's one-byte lengths, as the ranking reads them


class Postings:
    """Decoded posting lists, field lengths and publication times for one searcher (one index snapshot)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.reader = reader
        self.size = reader.doc_count_all()
        # An index with no documents yet has one EmptyReader and nothing to decode.
        self.leaves: list[tuple[Any, int]] = [(leaf, base) for leaf, base in reader.leaf_readers()
                                              if not isinstance(leaf, EmptyReader)]
        for leaf, _ in self.leaves:
            check_segment(leaf)
        deleted = [np.array(sorted(r.deleted_docs_set), dtype=np.int64) + base for r, base in self.leaves
                   if r.has_deletions()]
        self.deleted = np.concatenate(deleted) if deleted else EMPTY
        self.live = np.setdiff1d(np.arange(self.size, dtype=np.int64), self.deleted, assume_unique=True)
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._average: dict[str, float] = {}
        self.counts: dict[tuple, int] = {}  # a word's document count in the fields it is searched in (ranking.py)
        self._published: np.ndarray | None = None
        self._stories: np.ndarray | None = None

    # -- posting lists --------------------------------------------------------------------------------
    def term(self, fieldname: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, term frequencies) of one term, deleted documents excluded; kept in a bounded cache."""
        btext = self.to_bytes(fieldname, text)
        key = (fieldname, btext)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        ids, tfs = self.decode(fieldname, btext)
        self._cache[key] = (ids, tfs)
        self._cached += len(ids)
        while self._cached > CACHE_POSTINGS and len(self._cache) > 1:
            _, (old, _) = self._cache.popitem(last=False)
            self._cached -= len(old)
        return ids, tfs

    def decode(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Decode one term's postings from every segment (not cached), deleted documents excluded."""
        ids_parts, tf_parts = [], []
        for leaf, base in self.leaves:
            found = term_postings(leaf, fieldname, btext)
            if found is not None:
                ids_parts.append(found.ids + base)
                tf_parts.append(found.weights)
        ids = np.concatenate(ids_parts) if ids_parts else EMPTY
        tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32)
        if len(self.deleted) and len(ids):
            keep = ~np.isin(ids, self.deleted, assume_unique=True)
            ids, tfs = ids[keep], tfs[keep]
        return ids, tfs

    def to_bytes(self, fieldname: str, text: str | bytes) -> bytes:
        """A term as the index spells it."""
        return text if isinstance(text, bytes) else self.reader.schema[fieldname].to_bytes(text)

    def positions(self, fieldname: str, word: str) -> Positions:
        """A cursor over one term's word positions, for the documents asked for (phrases)."""
        return Positions(self, fieldname, self.to_bytes(fieldname, word))

    # -- per-document columns -------------------------------------------------------------------------
    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in a field (as Whoosh stores it: one byte, lossy), float32."""
        if fieldname not in self._lengths:
            parts = [_LENGTHS[length_bytes(leaf, fieldname)] for leaf, _ in self.leaves]
            self._lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return self._lengths[fieldname]

    def average_length(self, fieldname: str) -> float:
        """A field's average length over every document (BM25's avgdl, as Whoosh counts it)."""
        if fieldname not in self._average:
            self._average[fieldname] = float(self.lengths(fieldname).sum()) / (self.size or 1)
        return self._average[fieldname]

    def stories(self) -> np.ndarray:
        """Every document's cluster (near-duplicates share one) as a small number, -1 for none: the `story`
        column of each segment read as one array, made once per searcher."""
        if self._stories is None:
            parts = [uint64_column(leaf, "story", 0) for leaf, _ in self.leaves]
            numbers = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
            values, codes = np.unique(numbers, return_inverse=True)
            codes = codes.astype(np.int64).reshape(-1)
            self._stories = codes - 1 if len(values) and values[0] == 0 else codes  # 0 (no cluster) -> -1
        return self._stories

    def published(self) -> np.ndarray:
        """Every document's publication time as Whoosh stores it (uint64 datetime longs; MISSING when undated)."""
        if self._published is None:
            parts = [uint64_column(leaf, "published", MISSING) for leaf, _ in self.leaves]
            self._published = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        return self._published


class Positions:
    """One term's word positions, for the documents asked for (in increasing chunks): only the asked documents'
    share of each segment's positions stream is decoded."""

    def __init__(self, postings: Postings, fieldname: str, btext: bytes) -> None:
        self._parts = [(found, found.ids + base) for leaf, base in postings.leaves
                       if (found := term_postings(leaf, fieldname, btext)) is not None]  # (postings, global ids)

    def take(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of every occurrence in `docs` (sorted), as two arrays."""
        doc_parts, pos_parts = [], []
        for found, ids in self._parts:
            lo, hi = np.searchsorted(ids, docs[0]), np.searchsorted(ids, docs[-1], side="right")
            if lo == hi:
                continue
            at = lo + np.searchsorted(ids[lo:hi], docs)  # where each asked document would be
            inside = at < hi
            sel = at[inside][ids[at[inside]] == docs[inside]]  # the postings of the asked documents
            if not len(sel):
                continue
            counts, flat = found.positions_of(sel)
            doc_parts.append(np.repeat(ids[sel], counts))
            pos_parts.append(flat)
        if not doc_parts:
            return EMPTY, EMPTY
        return np.concatenate(doc_parts), np.concatenate(pos_parts)


def segment_postings(leaf: Any, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """Every term of a field in one segment with its documents (segment-local numbers, deletions ignored):
    what the facet tables are built from, once per segment."""
    for term, found in field_terms(leaf, fieldname):
        yield term, found.ids
