"""The wall: the one module that reads Whoosh's storage below its public API, as numpy arrays.

Whoosh's matchers cost several Python calls per matching document (0.1-0.3 s for a common two-word query at
20,000 articles); matching.py and ranking.py work instead on whole posting lists as arrays, which this module
decodes straight from the whoosh3 codec's blocks (search/WHOOSH.md, "what the engine decodes"):

- one block walker (`_blocks`) over a term's posting blocks in a segment: delta-coded document ids, term
  frequencies (None, one number for the block, or an array) and, for phrases, the value strings whose word
  positions are read with Whoosh's own `Format.decode_positions`;
- column reads for field lengths (Whoosh's one-byte, lossy lengths) and publication times.

This is why whoosh-reloaded is pinned exactly. What is read here is checked: when Whoosh is not laid out as
expected (another version, another codec) `LayoutError` is raised, and nothing is filled in with zeros. The
contract test (tests/test_postings_contract.py) compares every term's ids, frequencies, positions and
field lengths with Whoosh's public API. Ruff's SLF001 (private member access) is ignored for this module only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.reading import EmptyReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

EMPTY = np.zeros(0, dtype=np.int64)
MISSING = 2**64 - 1  # the published column's value for an undated document
CACHE_POSTINGS = 4_000_000  # decoded postings kept per searcher (12 bytes each)
_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


class LayoutError(RuntimeError):
    """Whoosh's storage is not what this module reads (a Whoosh other than whoosh-reloaded 2.7.5's whoosh3)."""


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
            if not isinstance(leaf, SegmentReader) or not isinstance(leaf._perdoc, W3PerDocReader):
                raise LayoutError(f"not a whoosh3 segment reader: {type(leaf).__name__}")
        deleted = [np.array(sorted(r.deleted_docs_set), dtype=np.int64) + base for r, base in self.leaves
                   if r.has_deletions()]
        self.deleted = np.concatenate(deleted) if deleted else EMPTY
        self.live = np.setdiff1d(np.arange(self.size, dtype=np.int64), self.deleted, assume_unique=True)
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._published: np.ndarray | None = None

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
        fmt = self.reader.schema[fieldname].format
        for leaf, base in self.leaves:
            for ids, weights, _ in _blocks(leaf, fieldname, btext, fmt):
                ids_parts.append(ids + base)
                tf_parts.append(weights)
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
            parts = [_BYTE_TO_LENGTH[_length_bytes(leaf, fieldname)] for leaf, _ in self.leaves]
            self._lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return self._lengths[fieldname]

    def published(self) -> np.ndarray:
        """Every document's publication time as Whoosh stores it (uint64 datetime longs; MISSING when undated)."""
        if self._published is None:
            parts = [_published(leaf) for leaf, _ in self.leaves]
            self._published = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        return self._published


class Positions:
    """One term's word positions, read block by block in document order, for the documents asked for (in
    increasing chunks) only."""

    def __init__(self, postings: Postings, fieldname: str, btext: bytes) -> None:
        self._fmt = postings.reader.schema[fieldname].format
        self._walk = ((ids + base, values) for leaf, base in postings.leaves
                      for ids, _, values in _blocks(leaf, fieldname, btext, self._fmt))
        self._block: tuple[np.ndarray, Any] | None = None

    def take(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of every occurrence in `docs` (sorted, each above every document asked for
        before), as two arrays."""
        doc_parts, positions, counts = [], [], []
        last = int(docs[-1])
        while True:
            if self._block is None:
                self._block = next(self._walk, None)
                if self._block is None:
                    break
            ids, values = self._block
            sel = np.flatnonzero(np.isin(ids, docs, assume_unique=True))
            for i in sel.tolist():
                found = self._fmt.decode_positions(values[i])
                positions.extend(found)
                counts.append(len(found))
            doc_parts.append(ids[sel])
            if ids[-1] > last:  # the block reaches into the next chunk: keep it for then
                break
            self._block = None
        if not counts:
            return EMPTY, EMPTY
        return np.repeat(np.concatenate(doc_parts), counts), np.array(positions, dtype=np.int64)


def segment_postings(leaf: Any, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """Every term of a field in one segment with its documents (segment-local numbers, deletions ignored):
    what the facet tables are built from, once per segment."""
    if fieldname not in leaf.indexed_field_names():
        return
    fmt = leaf.schema[fieldname].format
    for term, _info in leaf.iter_field(fieldname):
        parts = [ids for ids, _, _ in _blocks(leaf, fieldname, term, fmt)]
        if parts:
            yield term, np.concatenate(parts)


def _blocks(leaf: Any, fieldname: str, btext: bytes, fmt: Any) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """The one walk over a term's posting blocks in a segment: (segment-local ids, frequencies, value strings)
    per block, in document order. Nothing when the segment lacks the term."""
    try:
        m = leaf._terms.matcher(fieldname, btext, fmt)
    except (TermNotFound, KeyError):
        return
    if not isinstance(m, W3LeafMatcher) or m._byteids:
        raise LayoutError(f"not a whoosh3 posting list: {type(m).__name__}")
    while not m._atend:
        if m._data is None:
            m._read_data()
        try:
            raw_ids, raw_w, values = m._data  # (delta-coded ids, weights: None / one number / array, values)
        except (TypeError, ValueError) as e:
            raise LayoutError(f"unexpected whoosh3 block: {e}") from None
        ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64))
        if raw_w is None:
            weights = np.ones(len(ids), dtype=np.float32)
        elif isinstance(raw_w, float | int):
            weights = np.full(len(ids), raw_w, dtype=np.float32)
        else:
            weights = np.asarray(raw_w, dtype=np.float32)
        yield ids, weights, values
        if m._lastblock:
            return
        m._goto(m._nextoffset)


def _length_bytes(leaf: Any, fieldname: str) -> np.ndarray:
    """A segment's one-byte field lengths. All zero only when Whoosh keeps no lengths column for the field in
    that segment (no document of it has the field: what `doc_field_length` answers too)."""
    n = leaf.doc_count_all()
    reader = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:
        return np.zeros(n, dtype=np.uint8)
    values = np.zeros(n, dtype=np.uint8)  # documents after the last one with the field: length 0 (the default)
    got = _column_bytes(reader, 1)
    values[: len(got)] = got[:n]
    return values


def _published(leaf: Any) -> np.ndarray:
    """A segment's publication times (a run of big-endian uint64s in the `published` column)."""
    n = leaf.doc_count_all()
    values = np.full(n, MISSING, dtype=np.uint64)
    if leaf.has_column("published"):
        got = _column_bytes(leaf.column_reader("published", translate=False), 8).view(">u8")
        values[: len(got)] = got[:n]
    return values


def _column_bytes(reader: Any, width: int) -> np.ndarray:
    """The raw values of a fixed-width column, read in one go."""
    if not isinstance(reader, columns.FixedBytesColumn.Reader) or reader._fixedlen != width:
        raise LayoutError(f"not a fixed-width column of {width} bytes: {type(reader).__name__}")
    return np.frombuffer(reader._dbfile.get(reader._basepos, reader._count * width), dtype=np.uint8)
