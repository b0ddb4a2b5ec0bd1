"""The on-disk layout of newsearch's posting lists (codec.py writes and reads it; the engine reads it as arrays).

Each term's postings in a segment are one extent of the postings file (`.pst`):

    header   "<4sIIBBBB": magic b"NSP1", n postings, n blocks, id width, weight width, values kind, widths
    values   "<QI" (only when the term has values): where its values start in `.pos`, and their length
    blocks   n blocks x "<IfBBxx": the block's last id, highest weight, shortest and longest length bytes
    ids      n x id width: delta-coded document ids (the first from 0), 1, 2 or 4 bytes each
    weights  n x weight width: 0 = every weight 1.0, 1 / 2 = whole numbers (u8 / u16), 4 = float32

and its values in a separate stream (`.pos`), read only for phrases, proximity and snippets:

    POSITIONS (Whoosh's `Positions` format): n counts, then every posting's positions delta-coded within it
    OPAQUE (any other format with values): n + 1 offsets (u32), then the value strings end to end

Blocks are 128 postings, as in Whoosh's W3, so that Whoosh's own matchers skip by block quality as on W3.
`encode_terms` writes a whole field's terms from arrays (the batch writer, batch.py); `TermPostings` reads one.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.util.numeric import byte_to_length

MAGIC = b"NSP1"
HEADER = struct.Struct("<4sIIBBBB")
VALUES = struct.Struct("<QI")
BLOCK = struct.Struct("<IfBBxx")
BLOCK_DTYPE = np.dtype([("maxid", "<u4"), ("maxweight", "<f4"), ("minlen", "u1"), ("maxlen", "u1"), ("pad", "V2")])
POS_EXT = ".pos"
BLOCK_SIZE = 128
NO_VALUES, POSITIONS, OPAQUE = 0, 1, 2
_UINT = {1: "<u1", 2: "<u2", 4: "<u4"}
ARRAY_CODES = {1: "B", 2: "H", 4: "I"}


class LayoutError(RuntimeError):
    """Storage that is not this codec's (an index written by another codec, or damaged)."""


def width_of(top: int) -> int:
    return 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4


def delta_bytes(ids: Any) -> tuple[bytes, int]:
    deltas = [ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False))] if ids else []
    width = width_of(max(deltas, default=0))
    return array(ARRAY_CODES[width], deltas).tobytes(), width


def weight_bytes(weights: Any) -> tuple[bytes, int]:
    if all(w == 1.0 for w in weights):
        return b"", 0
    if all(w == int(w) and 0 <= w < 1 << 16 for w in weights):
        width = width_of(int(max(weights)))
        return array(ARRAY_CODES[width], [int(w) for w in weights]).tobytes(), width
    return array("f", weights).tobytes(), 4


class TermPostings:
    """One term's postings in one segment, as arrays: what the engine and the matcher read."""

    def __init__(self, extent: bytes, posfile: Any, format_: Any) -> None:
        magic, self.n, nblocks, idw, ww, self.kind, vw = HEADER.unpack_from(extent)
        if magic != MAGIC:
            raise LayoutError(f"not a newsearch posting list (magic {magic!r})")
        at = HEADER.size
        self._values_at = (0, 0)
        if self.kind != NO_VALUES:
            self._values_at = VALUES.unpack_from(extent, at)
            at += VALUES.size
        self.blocks = np.frombuffer(extent, BLOCK_DTYPE, nblocks, at)
        at += nblocks * BLOCK.size
        self._deltas = np.frombuffer(extent, _UINT[idw], self.n, at)
        at += self.n * idw
        self._weight_bytes = (extent, ww, at)
        self._vw, self._posfile, self.format = vw, posfile, format_
        self._ids: np.ndarray | None = None
        self._weights: np.ndarray | None = None
        self._values: tuple[np.ndarray, np.ndarray] | bytes | None = None

    @property
    def ids(self) -> np.ndarray:
        """Segment-local document numbers (int64), ascending."""
        if self._ids is None:
            self._ids = np.cumsum(self._deltas, dtype=np.int64)
        return self._ids

    @property
    def weights(self) -> np.ndarray:
        """Each posting's weight (float32): the term frequency for a field without boosts."""
        if self._weights is None:
            extent, ww, at = self._weight_bytes
            if ww == 0:
                self._weights = np.ones(self.n, dtype=np.float32)
            else:
                self._weights = np.frombuffer(extent, _UINT[ww] if ww < 4 else "<f4", self.n, at).astype(np.float32)
        return self._weights

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(counts, positions): each posting's number of positions, and all positions end to end (int64)."""
        if self.kind != POSITIONS:
            raise LayoutError("this posting list has no positions of its own")
        counts, deltas = self._position_arrays()
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        running = np.cumsum(deltas, dtype=np.int64)
        base = np.concatenate(([0], running))[starts]  # each posting's deltas start again from 0
        return counts.astype(np.int64), running - base

    def positions_of(self, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts, positions) of the postings `sel` (ascending indices) alone: only their share of the
        positions stream is decoded (a phrase's few candidates among a frequent word's postings)."""
        if self.kind != POSITIONS:
            raise LayoutError("this posting list has no positions of its own")
        counts, deltas = self._position_arrays()
        c = counts[sel].astype(np.int64)
        if not len(c):
            return c, np.zeros(0, dtype=np.int64)
        ends = np.cumsum(c)
        starts = (np.cumsum(counts, dtype=np.int64) - counts)[sel]
        d = deltas[np.repeat(starts - (ends - c), c) + np.arange(int(ends[-1]))].astype(np.int64)
        running = np.cumsum(d)
        firsts = ends - c  # where each selected posting's deltas begin among d
        return c, running - np.repeat(running[firsts] - d[firsts], c)

    def _position_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._values is None:
            at, length = self._values_at
            data = self._posfile.get(at, length)
            cw, pw = self._vw >> 4, self._vw & 15
            counts = np.frombuffer(data, _UINT[cw], self.n)
            deltas = np.frombuffer(data, _UINT[pw], int(counts.sum()), self.n * cw)
            self._values = (counts, deltas)
        return self._values  # type: ignore[return-value]

    def values(self, lo: int, hi: int) -> list[Any]:
        """Whoosh's value strings of postings lo..hi (for Whoosh's matchers)."""
        if self.kind == NO_VALUES:
            return [None if self.format.fixed_value_size() == 0 else b""] * (hi - lo)
        if self.kind == POSITIONS:
            counts, poses = self.positions()
            ends = np.cumsum(counts)
            flat = poses.tolist()
            return [self.format.encode(flat[e - c:e]) for c, e in zip(counts[lo:hi].tolist(), ends[lo:hi].tolist(),
                                                                         strict=True)]
        if self._values is None:
            at, length = self._values_at
            self._values = self._posfile.get(at, length)
        data: bytes = self._values  # type: ignore[assignment]
        offsets = np.frombuffer(data, "<u4", self.n + 1)
        base = (self.n + 1) * 4
        return [data[base + a:base + b] for a, b in zip(offsets[lo:hi].tolist(), offsets[lo + 1:hi + 1].tolist(),
                                                         strict=True)]


BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)
NO_LENGTH = 256  # above every length byte


class TermStats:
    """What a term's W3TermInfo holds, for the codec's terms table."""

    __slots__ = ("weight", "df", "minlength", "maxlength", "maxweight", "minid", "maxid")

    def __init__(self, *values: Any) -> None:
        for name, v in zip(self.__slots__, values, strict=True):
            setattr(self, name, v)


def encode_terms(vocab: dict[str, int], tids: Any, docs: Any, pos: Any | None, length_bytes: np.ndarray,
                 ) -> Iterator[tuple[bytes, bytes, bytes, bytes | None, TermStats]]:
    """A field's terms, in order, each as (term bytes, its extent's header, the rest of its extent after the
    values pointer, its positions for `.pos` (None for a field without positions: Whoosh's Existence format),
    its statistics), from every word occurrence: term number, document, position (arrays of equal length).
    length_bytes: each document's length in the field as Whoosh keeps it (one byte, `length_to_byte`)."""
    words = sorted((w.encode("utf-8"), i) for w, i in vocab.items())
    rank = np.empty(len(words), dtype=np.int64)
    rank[[i for _, i in words]] = np.arange(len(words))
    r = rank[np.frombuffer(tids, dtype=np.uint32)]
    d = np.frombuffer(docs, dtype=np.uint32).astype(np.int64)
    p = np.frombuffer(pos, dtype=np.uint32).astype(np.int64) if pos is not None else np.zeros(len(r), np.int64)
    order = np.lexsort((p, d, r))
    r, d, p = r[order], d[order], p[order]
    n = len(r)
    new_post = np.ones(n, dtype=bool)
    new_post[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
    starts = np.flatnonzero(new_post)  # each posting's first occurrence
    freqs = np.diff(np.append(starts, n))
    pdeltas = p - np.where(new_post, 0, np.concatenate(([0], p[:-1])))
    prank, pdoc = r[starts], d[starts]
    new_term = np.ones(len(starts), dtype=bool)
    new_term[1:] = prank[1:] != prank[:-1]
    tstarts = np.flatnonzero(new_term)  # each term's first posting
    iddeltas = pdoc - np.where(new_term, 0, np.concatenate(([0], pdoc[:-1])))
    plen = length_bytes.astype(np.int64)[pdoc]
    tok = np.append(starts, n)
    small = _SmallTerms(tstarts, iddeltas, pdoc, freqs, plen, tok, pdeltas if pos is not None else None)
    bounds = np.append(tstarts, len(starts)).tolist()
    for t, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
        if hi - lo <= BLOCK_SIZE:  # one block: from the field-wide arrays, no numpy call of its own
            yield words[int(prank[lo])][0], *small.term(t, lo, hi)
        else:
            yield words[int(prank[lo])][0], *_term(iddeltas[lo:hi], pdoc[lo:hi], freqs[lo:hi], plen[lo:hi],
                                                   pdeltas[tok[lo]:tok[hi]] if pos is not None else None)


def _widths(top: np.ndarray) -> list[int]:
    return np.where(top < 1 << 8, 1, np.where(top < 1 << 16, 2, 4)).tolist()


class _SmallTerms:
    """A field's terms of one block each (most terms), laid out from field-wide arrays: the per-term maxima
    and sums by `reduceat`, each array encoded once per width and sliced."""

    def __init__(self, tstarts: np.ndarray, iddeltas: np.ndarray, ids: np.ndarray, freqs: np.ndarray,
                 lengths: np.ndarray, tok: np.ndarray, pdeltas: np.ndarray | None) -> None:
        ends = np.append(tstarts[1:], len(ids)) - 1
        nonzero = np.where(lengths > 0, lengths, NO_LENGTH)
        self.idw = _widths(np.maximum.reduceat(iddeltas, tstarts))
        top = np.maximum.reduceat(freqs, tstarts)
        self.top, self.cw = top.tolist(), _widths(top)
        self.total = np.add.reduceat(freqs, tstarts).tolist()
        minlen = np.minimum.reduceat(nonzero, tstarts)
        self.minbyte = np.where(minlen == NO_LENGTH, 0, minlen).tolist()
        self.maxbyte = np.maximum.reduceat(lengths, tstarts).tolist()
        self.first, self.last = ids[tstarts].tolist(), ids[ends].tolist()
        self.tok = tok.tolist()
        self.arrays = {"ids": iddeltas, "freqs": freqs}
        self.pw: list[int] | None = None
        if pdeltas is not None:
            self.arrays["pos"] = pdeltas
            self.pw = _widths(np.maximum.reduceat(pdeltas, tok[tstarts]))
        self._encoded: dict[tuple[str, int], bytes] = {}

    def _bytes(self, name: str, width: int, lo: int, hi: int) -> bytes:
        key = (name, width)
        if key not in self._encoded:
            self._encoded[key] = self.arrays[name].astype(_UINT[width]).tobytes()
        return self._encoded[key][lo * width:hi * width]

    def term(self, t: int, lo: int, hi: int) -> tuple[bytes, bytes, bytes | None, TermStats]:
        npost, idw, top = hi - lo, self.idw[t], self.top[t]
        ww = 0 if top == 1 else self.cw[t] if top < 1 << 16 else 4
        weights = b"" if ww == 0 else self._bytes("freqs", ww, lo, hi) if ww < 4 else \
            self.arrays["freqs"][lo:hi].astype("<f4").tobytes()
        minbyte, maxbyte = self.minbyte[t], self.maxbyte[t]
        block = BLOCK.pack(self.last[t], float(top), minbyte, maxbyte)
        positions, vw = None, 0
        if self.pw is not None:
            cw, pw = self.cw[t], self.pw[t]
            positions = self._bytes("freqs", cw, lo, hi) + self._bytes("pos", pw, self.tok[lo], self.tok[hi])
            vw = cw << 4 | pw
        return _laid_out(npost, 1, idw, ww, vw, block + self._bytes("ids", idw, lo, hi) + weights, positions,
                         (self.total[t], minbyte, maxbyte, top, self.first[t], self.last[t]))


def _laid_out(npost: int, nblocks: int, idw: int, ww: int, vw: int, body: bytes, positions: bytes | None,
              stats: tuple[int, int, int, int, int, int]) -> tuple[bytes, bytes, bytes | None, TermStats]:
    """A term's header, body, positions and statistics, from its widths and (total weight, shortest and longest
    length bytes, highest weight, first and last id); positions None: no values (Existence)."""
    total, minbyte, maxbyte, top, first, last = stats
    header = HEADER.pack(MAGIC, npost, nblocks, idw, ww, NO_VALUES if positions is None else POSITIONS, vw)
    return header, body, positions, TermStats(float(total), npost, int(BYTE_TO_LENGTH[minbyte]) if minbyte else 0,
                                              int(BYTE_TO_LENGTH[maxbyte]), float(top), first, last)


def _uint(values: np.ndarray) -> tuple[bytes, int]:
    w = width_of(int(values.max(initial=0)))
    return values.astype(_UINT[w]).tobytes(), w


def _term(iddeltas: np.ndarray, ids: np.ndarray, freqs: np.ndarray, lengths: np.ndarray,
          pdeltas: np.ndarray | None) -> tuple[bytes, bytes, bytes | None, TermStats]:
    """One term's extent header, the rest of its extent after the values pointer, its positions, its
    statistics."""
    npost = len(ids)
    nblocks = (npost + BLOCK_SIZE - 1) // BLOCK_SIZE
    cuts = np.arange(0, npost, BLOCK_SIZE)
    blocks = np.zeros(nblocks, dtype=BLOCK_DTYPE)
    blocks["maxid"] = ids[np.minimum(cuts + BLOCK_SIZE, npost) - 1]
    blocks["maxweight"] = np.maximum.reduceat(freqs, cuts)
    # lengths are Whoosh's length bytes (their order is the lengths'); a length of 0 is no length (as in W3)
    nonzero = np.where(lengths > 0, lengths, NO_LENGTH)
    blocks["minlen"] = np.where((mins := np.minimum.reduceat(nonzero, cuts)) == NO_LENGTH, 0, mins)
    blocks["maxlen"] = np.maximum.reduceat(lengths, cuts)
    id_bytes, idw = _uint(iddeltas)
    top = int(freqs.max())
    weights, ww = (b"", 0) if top == 1 else _uint(freqs) if top < 1 << 16 else (freqs.astype("<f4").tobytes(), 4)
    positions, vw = None, 0
    if pdeltas is not None:
        (counts, cw), (deltas, pw) = _uint(freqs), _uint(pdeltas)
        positions, vw = counts + deltas, cw << 4 | pw
    minbyte = int(nonzero.min())
    return _laid_out(npost, nblocks, idw, ww, vw, blocks.tobytes() + id_bytes + weights, positions,
                     (int(freqs.sum()), 0 if minbyte == NO_LENGTH else minbyte, int(lengths.max()), top,
                      int(ids[0]), int(ids[-1])))
