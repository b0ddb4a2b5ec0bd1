"""newsearch's Whoosh codec: Whoosh's W3 codec with posting lists laid out as arrays.

Whoosh's own W3 codec keeps each block of 128 postings as one zlib-compressed pickle of (ids, weights, values),
so reading a term's document ids means unpickling its word positions too. This codec keeps everything else of
W3 (terms table, per-document columns, stored fields, vectors, segments) and lays out each term's postings in a
segment as one extent of the postings file, with its values (word positions) in a second file, `.pos`: the
layout is layout.py's, and everything in it decodes with `np.frombuffer`.

Whoosh reads the index through the classes here (`NewsLeafMatcher` gives Whoosh's Matcher interface), so
`whoosh.index.open_dir`, Whoosh's Searcher and highlighter work on it unchanged, and Whoosh's own test suite
passes on it (tests/whoosh_suite/); the codec is pickled into every segment, so opening an index needs
newsearch importable. The engine reads the arrays directly, through the functions at the end of this module:
the one place that reads Whoosh's storage below its public API.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh import columns, formats
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
)
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.system import pack_ushort, unpack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.index.layout import (
    ARRAY_CODES,
    BLOCK,
    BLOCK_SIZE,
    BYTE_TO_LENGTH,
    HEADER,
    MAGIC,
    NO_VALUES,
    OPAQUE,
    POS_EXT,
    POSITIONS,
    VALUES,
    LayoutError,
    TermPostings,
    delta_bytes,
    weight_bytes,
    width_of,
)


class NewsCodec(W3Codec):
    """W3 with array-laid-out posting lists (module docstring). Vectors stay in W3's own layout."""

    # Per-block length statistics kept, as W3 keeps them; their lookups are cheap here (NewsPerDocReader).

    def __init__(self, blocklimit: int = BLOCK_SIZE, compression: int = 3, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_reader(self, storage: Any, segment: Any) -> NewsPerDocReader:
        return NewsPerDocReader(storage, segment)

    def per_document_writer(self, storage: Any, segment: Any) -> NewsPerDocWriter:
        return NewsPerDocWriter(self, storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> NewsFieldWriter:
        return NewsFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False, posfile: Any = None) -> Any:
        if byteids or posfile is None:  # term vectors (their ids are words): W3's own blocks
            return super().postings_writer(dbfile, byteids=byteids)
        return NewsPostingsWriter(dbfile, posfile, self._blocklimit)

    def terms_reader(self, storage: Any, segment: Any) -> NewsTermsReader:
        tiname = segment.make_filename(self.TERMS_EXT)
        tifile = storage.open_file(tiname)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        posfile = segment.open_file(storage, POS_EXT)
        return NewsTermsReader(self, tifile, storage.file_length(tiname), postfile, posfile)


class NewsPerDocWriter(W3PerDocWriter):
    """W3's per-document writer; `extra` fields (name, field, stored value, length) are added to the document
    being written when it finishes (the batch writer's gathered text fields, batch.py)."""

    def __init__(self, codec: NewsCodec, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self.extra: list[tuple[str, Any, Any, int]] = []

    def finish_doc(self) -> None:
        for name, field, value, length in self.extra:
            self.add_field(name, field, value, length)
        self.extra = []
        super().finish_doc()


class NewsPerDocReader(W3PerDocReader):
    """W3's per-document reader, which remembers which columns a segment has: W3 asks the disk each time, for
    each posting of a field without lengths while a segment is written (550,000 `stat` calls for Reuters'
    quotes), and a written segment's columns never change."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._has: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        has = self._has.get(fieldname)
        if has is None:
            has = self._has[fieldname] = super().has_column(fieldname)
        return has


class NewsFieldWriter(W3FieldWriter):
    """W3's field writer, with a second stream for the postings' values."""

    def __init__(self, codec: NewsCodec, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._posfile = self._create_file(POS_EXT)

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self._postwriter = self._codec.postings_writer(self._postfile, posfile=self._posfile)

    def add_term(self, btext: bytes, header: bytes, body: bytes, positions: bytes | None, stats: Any) -> None:
        """One term of the field being written, already laid out (layout.encode_terms)."""
        start = self._postfile.tell()
        if positions is None:
            self._postfile.write(header + body)
        else:
            self._postfile.write(header + VALUES.pack(self._posfile.tell(), len(positions)) + body)
            self._posfile.write(positions)
        ti = W3TermInfo(weight=stats.weight, df=stats.df, minlength=stats.minlength, maxlength=stats.maxlength,
                        maxweight=stats.maxweight, minid=stats.minid, maxid=stats.maxid)
        ti.set_extent(start, self._postfile.tell() - start)
        self._tindex.add(pack_ushort(self._fieldid) + btext, ti.to_bytes())

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        super().add_postings(schema, _Lengths(lengths, schema) if isinstance(lengths, W3PerDocReader) else lengths,
                             items)

    def close(self) -> None:
        super().close()
        self._posfile.close()


class _Lengths:
    """A new segment's field lengths, each field's read once (W3's reader looks each posting's up on its own)."""

    def __init__(self, perdoc: Any, schema: Any) -> None:
        self._perdoc, self._schema = perdoc, schema
        self._fields: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        table = self._fields.get(fieldname, False)
        if table is False:
            table = self._fields[fieldname] = self._read(fieldname)
        return default if table is None else table[docnum]

    def _read(self, fieldname: str) -> list[int] | None:
        if fieldname not in self._schema or not self._schema[fieldname].scorable:
            return None
        return BYTE_TO_LENGTH[perdoc_length_bytes(self._perdoc, fieldname, self._perdoc.doc_count_all())].tolist()


class NewsTermsReader(W3TermsReader):
    """W3's terms reader, whose matchers read this codec's extents."""

    def __init__(self, codec: NewsCodec, dbfile: Any, length: int, postfile: Any, posfile: Any) -> None:
        super().__init__(codec, dbfile, length, postfile)
        self._posfile = posfile

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> NewsLeafMatcher:
        offset, length = _extent(self.term_info(fieldname, tbytes))
        return NewsLeafMatcher(self._postfile, self._posfile, offset, length, format_,
                               term=(fieldname, tbytes), scorer=scorer)

    def term_postings(self, fieldname: str, tbytes: bytes, format_: Any) -> TermPostings:
        """A term's postings in this segment as arrays (TermNotFound when it has none)."""
        offset, length = _extent(self.term_info(fieldname, tbytes))
        return TermPostings(self._postfile.get(offset, length), self._posfile, format_)

    def close(self) -> None:
        super().close()
        self._posfile.close()


def _extent(terminfo: Any) -> tuple[int, int]:
    """Where a term's extent is in the postings file. (W3TermInfo.from_bytes reads the length as a 1-tuple, a
    slip W3 never meets: it finds its blocks' ends in the blocks.)"""
    offset, length = terminfo.extent()
    return offset, length[0] if isinstance(length, tuple) else length


class NewsPostingsWriter(W3PostingsWriter):
    """Gathers a term's postings, then writes them as one extent (module docstring)."""

    def __init__(self, postfile: Any, posfile: Any, blocklimit: int) -> None:
        super().__init__(postfile, blocklimit)
        self._posfile = posfile

    def _new_block(self) -> None:
        super()._new_block()
        self._lengths: list[int] = []

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        self._ids.append(id_)
        self._weights.append(weight)
        self._values.append(vbytes)
        self._lengths.append(length or 0)

    def finish_postings(self) -> Any:
        terminfo = self._terminfo
        n = len(self._ids)
        nblocks = (n + self._blocklimit - 1) // self._blocklimit
        blocks = []
        for b in range(nblocks):  # the terminfo's statistics, block by block, as W3 gathers them
            lo, hi = b * self._blocklimit, min(n, (b + 1) * self._blocklimit)
            lengths = [x for x in self._lengths[lo:hi] if x] or [0]
            blocks.append(BLOCK.pack(self._ids[hi - 1], max(self._weights[lo:hi]),
                                     length_to_byte(min(lengths)), length_to_byte(max(lengths))))
            terminfo.add_block(_Block(self._ids[lo:hi], self._weights[lo:hi], min(lengths), max(lengths)))
        ids, idw = delta_bytes(self._ids)
        weights, ww = weight_bytes(self._weights)
        kind, values, vw = self._encode_values()
        start = self._postfile.tell()
        out = [HEADER.pack(MAGIC, n, nblocks, idw, ww, kind, vw)]
        if kind != NO_VALUES:
            out.append(VALUES.pack(self._posfile.tell(), len(values)))
            self._posfile.write(values)
        out += [*blocks, ids, weights]
        self._postfile.write(b"".join(out))
        terminfo.set_extent(start, self._postfile.tell() - start)
        self._terminfo = None
        self._new_block()
        return terminfo

    def _encode_values(self) -> tuple[int, bytes, int]:
        """(values kind, the bytes for .pos, widths: counts << 4 | positions)."""
        fixed = self._format.fixed_value_size()
        if fixed == 0 or not any(self._values):
            return NO_VALUES, b"", 0
        if type(self._format) is formats.Positions:
            counts, deltas = [], []
            for v in self._values:
                poses = _positions(self._format, v)
                if poses is None:
                    break
                counts.append(len(poses))
                deltas += [p - q for p, q in zip(poses, [0, *poses[:-1]], strict=True)]
            if len(counts) == len(self._values) and (not deltas or min(deltas) >= 0):
                cw, pw = width_of(max(counts)), width_of(max(deltas, default=0))
                data = array(ARRAY_CODES[cw], counts).tobytes() + array(ARRAY_CODES[pw], deltas).tobytes()
                return POSITIONS, data, cw << 4 | pw
        offsets = [0]
        for v in self._values:
            offsets.append(offsets[-1] + len(v))
        return OPAQUE, array("I", offsets).tobytes() + b"".join(self._values), 0


def _positions(fmt: Any, value: bytes) -> list[int] | None:
    """The positions a Positions value holds, when it is one (a caller of the codec may hand it any bytes: those
    are kept as they are). The matcher gives Whoosh the same positions back, encoded by the format."""
    try:
        poses = fmt.decode_positions(value)
        count = unpack_uint(value[:4])[0]
    except Exception:  # noqa: BLE001 - not a Positions value
        return None
    return poses if count == len(poses) and all(isinstance(p, int) for p in poses) else None


class _Block:
    """What W3TermInfo.add_block reads of a block of postings."""

    def __init__(self, ids: Any, weights: Any, minlength: int, maxlength: int) -> None:
        self._ids, self._weights, self._minlength, self._maxlength = ids, weights, minlength, maxlength

    def __len__(self) -> int:
        return len(self._ids)

    def min_id(self) -> int:
        return self._ids[0]

    def max_id(self) -> int:
        return self._ids[-1]

    def min_length(self) -> int:
        return self._minlength

    def max_length(self) -> int:
        return self._maxlength

    def max_weight(self) -> float:
        return max(self._weights)


class NewsLeafMatcher(W3LeafMatcher):
    """Whoosh's Matcher interface over one term's extent, block by block (W3LeafMatcher's logic, this layout)."""

    def __init__(self, postfile: Any, posfile: Any, offset: int, length: int, format_: Any,
                 term: Any = None, scorer: Any = None) -> None:
        self._postfile, self._posfile = postfile, posfile
        self.format, self._term, self.scorer, self._byteids = format_, term, scorer, False
        self._fixedsize = format_.fixed_value_size()
        self._postings = TermPostings(postfile.get(offset, length), posfile, format_)
        self._nblocks = len(self._postings.blocks)
        self.reset()

    def reset(self) -> None:
        self._atend = self._nblocks == 0
        if self._atend:
            self._i = self._blocklength = 0
        else:
            self._goto(0)

    def _goto(self, blockno: int) -> None:
        self._blockno, self._i = blockno, 0
        self._ids = self._weights = self._values = None
        p = self._postings
        self._lo = blockno * BLOCK_SIZE
        self._blocklength = min(p.n, self._lo + BLOCK_SIZE) - self._lo
        info = p.blocks[blockno]
        self._maxid, self._maxweight = int(info["maxid"]), float(info["maxweight"])
        self._minlength, self._maxlength = byte_to_length(int(info["minlen"])), byte_to_length(int(info["maxlen"]))
        self._lastblock = blockno == self._nblocks - 1

    def _next_block(self) -> None:
        if self._atend:
            raise RuntimeError("No next block")
        if self._lastblock:
            self._atend = True
        else:
            self._goto(self._blockno + 1)

    def _read_ids(self) -> None:
        self._ids = self._postings.ids[self._lo:self._lo + self._blocklength].tolist()

    def _read_weights(self) -> None:
        self._weights = self._postings.weights[self._lo:self._lo + self._blocklength].tolist()

    def _read_values(self) -> None:
        self._values = self._postings.values(self._lo, self._lo + self._blocklength)

    def copy(self) -> NewsLeafMatcher:
        m = NewsLeafMatcher.__new__(NewsLeafMatcher)
        m.__dict__.update(self.__dict__)
        return m


def written_by_codec(ix: Any) -> bool:
    """Whether every segment of an index was written by this codec (a build from before it was W3's), as its
    table of contents says (no segment is opened)."""
    return all(isinstance(segment.codec(), NewsCodec) for segment in ix._segments())


def check_segment(leaf: Any) -> None:
    """LayoutError unless a segment reader reads a segment of this codec (and not, say, one written by W3)."""
    terms = getattr(leaf, "_terms", None)
    if not isinstance(leaf, SegmentReader) or not isinstance(terms, NewsTermsReader):
        raise LayoutError(f"not a segment of newsearch's codec: {type(leaf).__name__} / {type(terms).__name__}")


def term_postings(leaf: Any, fieldname: str, btext: bytes) -> TermPostings | None:
    """One term's postings in one segment (segment-local ids, deletions not applied); None when it has none."""
    try:
        return leaf._terms.term_postings(fieldname, btext, leaf.schema[fieldname].format)
    except (TermNotFound, KeyError):
        return None


def field_terms(leaf: Any, fieldname: str) -> Iterator[tuple[bytes, TermPostings]]:
    """Every term of a field in one segment with its postings."""
    if fieldname not in leaf.indexed_field_names():
        return
    for term, _info in leaf.iter_field(fieldname):
        found = term_postings(leaf, fieldname, term)
        if found is not None:
            yield term, found


def length_bytes(leaf: Any, fieldname: str) -> np.ndarray:
    """A segment's one-byte field lengths (Whoosh's lossy `length_to_byte`). All zero only when the segment keeps
    no lengths column for the field (no document of it has the field: what `doc_field_length` answers too)."""
    return perdoc_length_bytes(leaf._perdoc, fieldname, leaf.doc_count_all())


def perdoc_length_bytes(perdoc: Any, fieldname: str, n: int) -> np.ndarray:
    """The one-byte field lengths of a per-document reader's n documents (length_bytes; the batch writer)."""
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    values = np.zeros(n, dtype=np.uint8)  # documents after the last one with the field: length 0 (the default)
    if reader is not None:
        got = _column_bytes(reader, 1)
        values[: len(got)] = got[:n]
    return values


def uint64_column(leaf: Any, fieldname: str, missing: int) -> np.ndarray:
    """A segment's values of a fixed-width 8-byte column (a DATETIME's: big-endian uint64), `missing` where the
    segment has no value."""
    n = leaf.doc_count_all()
    values = np.full(n, missing, dtype=np.uint64)
    if leaf.has_column(fieldname):
        got = _column_bytes(leaf.column_reader(fieldname, translate=False), 8).view(">u8")
        values[: len(got)] = got[:n]
    return values


def _column_bytes(reader: Any, width: int) -> np.ndarray:
    """The raw values of a fixed-width column, read in one go."""
    if not isinstance(reader, columns.FixedBytesColumn.Reader) or reader._fixedlen != width:
        raise LayoutError(f"not a fixed-width column of {width} bytes: {type(reader).__name__}")
    return np.frombuffer(reader._dbfile.get(reader._basepos, reader._count * width), dtype=np.uint8)


__all__ = ["BYTE_TO_LENGTH", "LayoutError", "NewsCodec", "TermPostings", "check_segment", "field_terms",
           "length_bytes", "perdoc_length_bytes", "term_postings", "uint64_column", "written_by_codec"]
