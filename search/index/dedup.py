"""Near-duplicate articles (syndicated copies, lightly edited rewrites) get one cluster id, as they are indexed.

Each article's words (headline and body, case folded) are cut into overlapping word shingles, and its MinHash
signature (`signature`, computed in the reading worker with the rest of its document) estimates the Jaccard
similarity of two articles' shingle sets: the share of positions where their signatures agree. The signatures are
banded (locality-sensitive hashing): two articles whose signatures agree on one whole band are candidates, and a
candidate is a copy when the estimated similarity is at least THRESHOLD.

Cluster ids are stable: an article added later joins the cluster of its most similar indexed article, and no
article's id ever changes because of another (clusters are never merged or split); an article that matches none
founds a cluster of its own. The table every later article is compared with (`Clusters`: signatures, band keys,
cluster ids) is kept in the build, `dedup/`, in chunks that memory-map; `state.json` names them and the index
generation they describe, written after each commit (atomically). An incremental run reads it instead of the
index; a table that does not describe the live generation (a run killed between its commit and this file) is made
again from the stored articles. Rows are never removed: an article deleted since the last full build still lends
its cluster id to a later copy of it (shared, then, with the copies still indexed). A full build starts afresh,
in the order files are read.

Why not `datasketch`: it installs (2.0.0), but importing it imports scipy (for its LSH parameter search), and its
MinHashLSH keeps every band in Python dicts saved by pickling the whole object: an incremental run would unpickle
it all, and nothing of it could be memory-mapped or written with the build. MinHash and banding are a few numpy
lines; the table is ours (bench/README.md, "Near-duplicates", has the measured quality and cost).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
import zlib
from pathlib import Path
from typing import Any

import numpy as np

SHINGLE = 5  # words per shingle
PERMUTATIONS = 128  # MinHash functions: the similarity estimate's error is about 0.5/sqrt(128) = 0.044
BANDS, ROWS = 32, 4  # PERMUTATIONS = BANDS * ROWS; a pair is a candidate at ~(1/BANDS)**(1/ROWS) = 0.42
THRESHOLD = 0.5  # estimated Jaccard similarity of the shingle sets from which two articles are one story
# Numbers: recurring reports written from one template ("The Federal Reserve entered the market to arrange 1.5
# billion dlrs...", a day's sugar levies) share most of their words but not their figures. Two articles are not
# copies, however alike their words, when fewer than NUMBERS_AGREE of the numbers (1.5, 6-1/16, 4,485: kept whole)
# of the one with fewer are in the other too (a trimmed copy keeps some of its original's, an expanded one adds
# more); checked when each has at least MIN_NUMBERS. 0 turns the check off.
NUMBERS_AGREE = 0.67
MIN_NUMBERS = 1
NUMBER_BITS = 256  # each article's numbers as a bit set of this size, kept after its MinHash in the signature
MIN_WORDS = 20  # shorter articles (a headline alone) say too little to be told copies: never grouped
MAX_WORDS = 50_000  # of an article's words shingled (a pathological file costs no more than this)
MAX_BUCKET = 64  # articles compared per shared band key (a much-copied text has hundreds)
FLUSH_ROWS = 20_000  # new rows kept in a dict before they become a sorted chunk
MAX_CHUNKS = 8  # more chunks are merged into one when the table is saved
# what the saved table was made with
VERSION = f"3-{SHINGLE}-{PERMUTATIONS}-{BANDS}-{THRESHOLD}-{MIN_WORDS}-{NUMBERS_AGREE}-{MIN_NUMBERS}-{NUMBER_BITS}"
DIR, STATE = "dedup", "state.json"

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*")
# numbers written as words count too: "two billion dlrs" against "1.5 billion dlrs"
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                          "hundred thousand".split())
_rng = np.random.default_rng(20261201)  # fixed: every process, every run, computes the same signatures
_MULT = (_rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)  # odd
_ADD = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)
_BAND_MULT = (_rng.integers(1, 2**63, ROWS, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_BAND_SALT = _rng.integers(0, 2**63, BANDS, dtype=np.uint64)
_SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
_BLOCK = 2048  # shingles hashed at once (bounds the temporary matrix)


def signature(headline: str, body: str) -> np.ndarray | None:
    """An article's signature (uint32): the MinHash of its word shingles (PERMUTATIONS values), then its numbers
    as a NUMBER_BITS bit set; None for fewer than MIN_WORDS words. The same in every process and run (word hashes
    are CRC-32, the hash functions come from a fixed seed)."""
    text = f"{headline}\n{body}"
    words = _WORD.findall(text.casefold(), 0)[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return None
    hashes = np.fromiter((zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in words), np.uint64, len(words))
    n = len(hashes) - SHINGLE + 1
    shingles = np.zeros(n, np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):  # a polynomial of the shingle's word hashes, wrapping at 2**64
            shingles = shingles * _SHINGLE_MULT + hashes[j:j + n]
        shingles = np.unique(shingles)
        out = np.full(PERMUTATIONS, np.iinfo(np.uint32).max, np.uint64)
        for start in range(0, len(shingles), _BLOCK):  # multiply-shift hashing: the high 32 bits of a*x + b
            block = shingles[start:start + _BLOCK, None]
            out = np.minimum(out, ((block * _MULT + _ADD) >> np.uint64(32)).min(axis=0))
    bits = np.zeros(NUMBER_BITS, bool)
    numbers = set(_NUMBER.findall(text, 0, MAX_WORDS * 10)) | (_NUMBER_WORDS.intersection(words))
    bits[[zlib.crc32(n.encode()) % NUMBER_BITS for n in numbers]] = True
    return np.concatenate([out.astype(np.uint32), np.packbits(bits).view(np.uint32)])


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """One uint64 per band of each signature's MinHash (rows x BANDS), distinct across bands."""
    bands = sigs[:, :PERMUTATIONS].reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        return ((bands + np.uint64(1)) * _BAND_MULT).sum(axis=2, dtype=np.uint64) ^ _BAND_SALT


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How much of a copy of signature `a` each signature of `b` (rows) is: the estimated Jaccard similarity of
    their shingles, 0 where their numbers disagree (NUMBERS_AGREE)."""
    sims = (b[:, :PERMUTATIONS] == a[:PERMUTATIONS]).mean(axis=1)
    if NUMBERS_AGREE:
        both = _popcount(b[:, PERMUTATIONS:] & a[PERMUTATIONS:])
        fewer = np.minimum(_popcount(b[:, PERMUTATIONS:]), _popcount(a[None, PERMUTATIONS:]))
        sims[(fewer >= MIN_NUMBERS) & (both < NUMBERS_AGREE * fewer)] = 0.0
    return sims


def _popcount(words: np.ndarray) -> np.ndarray:
    """Bits set in each row of uint32 words."""
    return np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=1).sum(axis=1)


def new_label(article_id: str, sig: np.ndarray | None) -> str:
    """The id of a cluster an article founds: its own, made of its id and its words, so that an article rewritten
    beyond recognition founds a new one rather than share the old id with its former copies."""
    data = article_id.encode() + (sig.tobytes() if sig is not None else b"")
    return hashlib.sha1(data).hexdigest()[:16]


class Chunk:
    """Rows of the table, sorted by band key for lookups: keys (sorted), the row of each key, and per row its
    signature and cluster id."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray, sigs: np.ndarray, labels: np.ndarray) -> None:
        self.keys, self.rows, self.sigs, self.labels = keys, rows, sigs, labels

    @classmethod
    def of(cls, sigs: np.ndarray, labels: np.ndarray) -> Chunk:
        keys = band_keys(sigs).ravel()
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], (order // BANDS).astype(np.int32), sigs, labels)

    def candidates(self, keys: np.ndarray) -> np.ndarray:
        """The rows sharing a band key with `keys` (at most MAX_BUCKET per key)."""
        lo = np.searchsorted(self.keys, keys, "left")
        hi = np.minimum(np.searchsorted(self.keys, keys, "right"), lo + MAX_BUCKET)
        hit = hi > lo
        if not hit.any():
            return np.zeros(0, np.int32)
        return np.unique(np.concatenate([self.rows[a:b] for a, b in zip(lo[hit], hi[hit], strict=True)]))

    def save(self, folder: Path, name: str) -> None:
        for part in ("keys", "rows", "sigs", "labels"):
            np.save(folder / f"{name}-{part}.npy", getattr(self, part))

    @classmethod
    def load(cls, folder: Path, name: str) -> Chunk:
        return cls(*(np.load(folder / f"{name}-{part}.npy", mmap_mode="r") for part in ("keys", "rows", "sigs",
                                                                                        "labels")))


class Clusters:
    """The cluster table of one build: which cluster each new article joins, and the table saved with the build."""

    def __init__(self, build: Path, chunks: list[Chunk] | None = None, names: list[str] | None = None) -> None:
        self.folder = Path(build) / DIR
        self.chunks, self.names = chunks or [], names or []
        self._sigs: list[np.ndarray] = []  # rows added since the last flush
        self._labels: list[str] = []
        self._buckets: dict[int, list[int]] = {}
        self.joined = 0  # articles of this run that joined an existing cluster
        self.ix: Any = None  # the index whose generation `save` records

    @classmethod
    def of_index(cls, ix: Any) -> Clusters:
        """The table of a build's article index (a Whoosh FileIndex) as it is now: the saved one when it describes
        the index's generation and was made with these settings, else made again from the stored articles (none,
        for a new build). `save` writes it for the generation committed next."""
        build = Path(ix.storage.folder)
        table = cls._saved(build, ix.latest_generation())
        if table is None:
            table = cls(build)
            with ix.reader() as reader:
                for _docnum, stored in reader.iter_docs():  # (the live documents, in order)
                    sig = signature(stored.get("headline") or "", stored.get("body") or "")
                    if sig is not None:
                        table._add(sig, stored.get("cluster_f") or new_label(stored["id"], sig))
        table.ix = ix
        return table

    @classmethod
    def _saved(cls, build: Path, generation: int) -> Clusters | None:
        folder = build / DIR
        try:
            state = json.loads((folder / STATE).read_text(encoding="utf-8"))
            if state.get("version") != VERSION or state.get("generation") != generation:
                return None
            names = list(state["chunks"])
            return cls(build, [Chunk.load(folder, n) for n in names], names)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def assign(self, article_id: str, sig: np.ndarray | None) -> str:
        """The cluster id of an article being added: that of its most similar article already in the table (ties:
        the earlier one), or a new one; the article is added to the table."""
        if sig is None:
            return new_label(article_id, None)
        keys = band_keys(sig[None, :])[0]
        label = self._match(sig, keys)
        if label is None:
            label = new_label(article_id, sig)
        else:
            self.joined += 1
        self._add(sig, label, keys)
        return label

    def _match(self, sig: np.ndarray, keys: np.ndarray) -> str | None:
        best, best_label = THRESHOLD, None
        for chunk in self.chunks:
            rows = chunk.candidates(keys)
            if len(rows):
                sims = similarity(sig, np.asarray(chunk.sigs[rows]))
                i = int(np.argmax(sims))
                if sims[i] >= best and (best_label is None or sims[i] > best):
                    best, best_label = float(sims[i]), bytes(chunk.labels[rows[i]]).decode()
        pending = sorted({r for k in keys.tolist() for r in self._buckets.get(k, ())[:MAX_BUCKET]})
        if pending:
            sims = similarity(sig, np.stack([self._sigs[r] for r in pending]))
            i = int(np.argmax(sims))
            if sims[i] >= best and (best_label is None or sims[i] > best):
                best_label = self._labels[pending[i]]
        return best_label

    def _add(self, sig: np.ndarray, label: str, keys: np.ndarray | None = None) -> None:
        row = len(self._sigs)
        self._sigs.append(sig)
        self._labels.append(label)
        for k in (band_keys(sig[None, :])[0] if keys is None else keys).tolist():
            self._buckets.setdefault(k, []).append(row)
        if len(self._sigs) >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        """The rows added since the last flush become a chunk on disk (memory-mapped back)."""
        if not self._sigs:
            return
        chunk = Chunk.of(np.stack(self._sigs), np.array(self._labels, dtype="S16"))
        self._sigs, self._labels, self._buckets = [], [], {}
        self._keep(chunk)

    def _keep(self, chunk: Chunk) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"c{uuid.uuid4().hex[:12]}"
        chunk.save(self.folder, name)
        self.chunks.append(Chunk.load(self.folder, name))
        self.names.append(name)

    def save(self) -> None:
        """After a commit: write the table for the index's new generation: new rows as a chunk (every chunk merged
        into one past MAX_CHUNKS), then `state.json` naming the chunks, atomically; chunks no longer named are
        removed."""
        generation = self.ix.latest_generation()
        self._flush()
        if len(self.chunks) > MAX_CHUNKS:
            sigs = np.concatenate([np.asarray(c.sigs) for c in self.chunks])
            labels = np.concatenate([np.asarray(c.labels) for c in self.chunks])
            self.chunks, self.names = [], []
            self._keep(Chunk.of(sigs, labels))
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{STATE}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(json.dumps({"version": VERSION, "generation": generation, "chunks": self.names,
                                   "rows": sum(len(c.sigs) for c in self.chunks)}), encoding="utf-8")
        os.replace(tmp, self.folder / STATE)
        live = set(self.names)
        for path in self.folder.glob("c*-*.npy"):
            if path.name.split("-")[0] not in live:
                path.unlink(missing_ok=True)
