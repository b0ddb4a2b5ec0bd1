"""Matching and ranking in numpy over the Whoosh index's own posting lists.

Whoosh's matchers cost several Python calls per matching document (0.1-0.3 s for a common two-word
query at 20,000 articles). Here each term's posting list is decoded a block at a time straight into
numpy arrays (document ids and term frequencies; the whoosh3 block format is read directly, which is
why whoosh-reloaded is pinned exactly), queries become set operations, and BM25F scores are computed
for all matches at once with the same formula, statistics and field weights Whoosh would use. Phrases
are checked on the documents that hold every word, from the word positions in the same posting blocks.

Every request runs against one `Budget` (a deadline): phrase checks stop at it and the answer is flagged
partial. Queries are walked with explicit stacks, so no nesting depth reaches Python's recursion limit.
"""

from __future__ import annotations

import math
import pickle
import time
from collections import OrderedDict
from functools import reduce

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.engine.lexicon import Lexicon
from search.index import fields

EMPTY = np.zeros(0, dtype=np.int64)
MISSING = 2**64 - 1  # the published column's value for an undated document
CACHE_POSTINGS = 4_000_000  # decoded postings kept per searcher (12 bytes each)
PHRASE_CHUNK = 1024  # phrase candidates checked between two looks at the clock
K1 = 1.2
FieldWord = tuple[str, tuple[str, ...], float]  # (field, the forms of one word searched there, weight)
_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


class Budget:
    """One request's time limit, shared by every stage from expansion to did-you-mean.

    A stage looks at the clock after each unit of work (a word expanded, a block of phrase candidates checked)
    and, once the deadline has passed, drops the rest of its work and sets `cut`: the answer is then partial,
    and no later stage starts anything that could be dropped. A unit begun before the deadline is finished,
    so even a budget of zero makes some progress.
    """

    def __init__(self, seconds: float = math.inf, deadline: float | None = None) -> None:
        self.deadline = time.monotonic() + seconds if deadline is None else deadline
        self.cut = False

    def over(self) -> bool:
        """True once the deadline has passed (or a stage has already cut its work short)."""
        return self.cut or time.monotonic() >= self.deadline

    def stop(self) -> bool:
        """Whether to stop now, remaining work being dropped (the answer is then partial)."""
        if self.over():
            self.cut = True
        return self.cut


class Postings:
    """Decoded posting lists, field lengths and publication times for one searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.reader = reader
        self.size = reader.doc_count_all()
        self.leaves = list(reader.leaf_readers())
        deleted = [np.array(sorted(r.deleted_docs_set), dtype=np.int64) + base for r, base in self.leaves
                   if r.has_deletions()]
        self.deleted = np.concatenate(deleted) if deleted else EMPTY
        self.live = np.setdiff1d(np.arange(self.size, dtype=np.int64), self.deleted, assume_unique=True)
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._published: np.ndarray | None = None
        self.lexicon = Lexicon(reader)

    # -- posting lists --------------------------------------------------------------------------------
    def term(self, fieldname: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, term frequencies) of one term, deleted documents excluded."""
        btext = text if isinstance(text, bytes) else self.reader.schema[fieldname].to_bytes(text)
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
        """Decode one term's postings from every segment (not cached)."""
        ids_parts, tf_parts = [], []
        fmt = self.reader.schema[fieldname].format
        for leaf, base in self.leaves:
            try:
                m = leaf._terms.matcher(fieldname, btext, fmt)  # noqa: SLF001 - raw postings
            except (TermNotFound, KeyError):
                continue
            _decode(m, base, ids_parts, tf_parts)
        ids = np.concatenate(ids_parts) if ids_parts else EMPTY
        tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32)
        if len(self.deleted) and len(ids):
            keep = ~np.isin(ids, self.deleted, assume_unique=True)
            ids, tfs = ids[keep], tfs[keep]
        return ids, tfs

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in a field (as Whoosh stores it: one byte, lossy), float32."""
        if fieldname not in self._lengths:
            parts = []
            for leaf, _ in self.leaves:
                n = leaf.doc_count_all()
                values = np.zeros(n, dtype=np.uint8)
                try:
                    cr = leaf._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)  # noqa: SLF001
                    if cr is not None:
                        got = np.frombuffer(cr._dbfile.get(cr._basepos, cr._count), dtype=np.uint8)  # noqa: SLF001
                        values[: len(got)] = got[:n]
                except AttributeError:
                    values = np.array([0] * n, dtype=np.uint8)
                parts.append(_BYTE_TO_LENGTH[values])
            self._lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return self._lengths[fieldname]

    def published(self) -> np.ndarray:
        """Every document's publication time as Whoosh stores it (uint64; MISSING when undated)."""
        if self._published is None:
            parts = []
            for leaf, _ in self.leaves:
                n = leaf.doc_count_all()
                values = np.full(n, MISSING, dtype=np.uint64)
                if leaf.has_column("published"):
                    cr = leaf.column_reader("published", translate=False)
                    try:  # a run of big-endian uint64s: read it in one go
                        got = np.frombuffer(cr._dbfile.get(cr._basepos, cr._count * 8), dtype=">u8")  # noqa: SLF001
                    except AttributeError:
                        got = np.fromiter((cr[i] for i in range(n)), dtype=np.uint64, count=n)
                    values[: len(got)] = got[:n]
                parts.append(values)
            self._published = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        return self._published

    # -- matching -------------------------------------------------------------------------------------
    def docs(self, q: wq.Query, budget: Budget | None = None) -> np.ndarray:
        """Sorted document numbers matching the query. Evaluated over an explicit stack (children before their
        parent, in order), so that no nesting depth can exhaust Python's recursion limit. When the budget
        runs out, unchecked phrases count as not found (under a NOT: as found), so that a partial answer
        only ever misses documents, never shows an excluded one."""
        budget = budget or Budget()
        done: dict[tuple[int, bool], np.ndarray] = {}
        stack: list[tuple[wq.Query, bool, bool]] = [(q, False, False)]  # (query, negated, children done)
        while stack:
            node, negated, ready = stack.pop()
            kids = _subqueries(node)
            if kids and not ready:
                stack.append((node, negated, True))
                stack.extend((k, negated != flip, False) for k, flip in reversed(kids))
                continue
            parts = [done.pop((id(k), negated != flip)) for k, flip in kids]
            done[(id(node), negated)] = self._combine(node, parts, negated, budget)
        return done[(id(q), False)]

    def _combine(self, q: wq.Query, parts: list[np.ndarray], negated: bool, budget: Budget) -> np.ndarray:
        """One query node's documents from its children's."""
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return EMPTY
        if isinstance(q, wq.Every):
            return self.live
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)[0]
        if isinstance(q, wq.Or):
            return self.union(parts)
        if isinstance(q, wq.And):
            parts = sorted(parts, key=len)
            return reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), parts) if parts else EMPTY
        if isinstance(q, wq.AndNot):
            return np.setdiff1d(parts[0], parts[1], assume_unique=True)
        if isinstance(q, wq.Not):
            return np.setdiff1d(self.live, parts[0], assume_unique=True)
        if isinstance(q, wq.Phrase):
            return self._phrase(q, negated, budget)
        return self._whoosh_docs(q, budget)

    def _phrase(self, q: wq.Phrase, negated: bool, budget: Budget) -> np.ndarray:
        """Documents where the words stand next to each other, in order: candidates from the postings, then
        the word positions of those candidates alone, decoded from the same posting blocks, a chunk of
        candidates at a time between looks at the clock."""
        candidates = self.docs(wq.And([wq.Term(q.fieldname, w) for w in q.words]))
        if not len(candidates) or len(q.words) < 2:
            return candidates
        if getattr(q, "slop", 1) != 1:
            return self._whoosh_docs(q, budget)
        if budget.cut:  # the time is spent: not checked (see docs)
            return candidates if negated else EMPTY
        cursors = {w: _Positions(self, q.fieldname, w) for w in dict.fromkeys(q.words)}
        found: list[np.ndarray] = []
        for lo in range(0, len(candidates), PHRASE_CHUNK):
            chunk = candidates[lo : lo + PHRASE_CHUNK]
            at = {w: c.take(chunk) for w, c in cursors.items()}
            # Each occurrence as one number, document * 2**32 + (position - offset in the phrase): the phrase
            # starts where every word's numbers meet.
            starts = None
            for k, w in enumerate(q.words):
                docs, pos = at[w]
                keep = pos >= k
                key = (docs[keep] << 32) + (pos[keep] - k)
                starts = np.unique(key) if starts is None else np.intersect1d(starts, key)
                if not len(starts):
                    break
            found.append(np.unique(starts >> 32))
            if lo + PHRASE_CHUNK < len(candidates) and budget.stop():
                found.append(candidates[lo + PHRASE_CHUNK :] if negated else EMPTY)
                break
        return np.concatenate(found)

    def _whoosh_docs(self, q: wq.Query, budget: Budget) -> np.ndarray:
        found = np.fromiter(self._iter_whoosh(q, budget), dtype=np.int64)
        found.sort()
        return found

    def _iter_whoosh(self, q: wq.Query, budget: Budget):
        """Whoosh's own matching (query types we do not generate), stopped (and flagged partial) at the deadline."""
        for n, d in enumerate(self.searcher.docs_for_query(q)):
            if n % 256 == 255 and budget.stop():
                return
            yield d

    def union(self, parts: list[np.ndarray]) -> np.ndarray:
        """Sorted union of sorted arrays: a merge for small ones, a mask over all documents for big ones."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return EMPTY
        if len(parts) == 1:
            return parts[0]
        if sum(len(p) for p in parts) * 32 < self.size:
            c = np.concatenate(parts)
            c.sort()
            return c[np.concatenate(([True], c[1:] != c[:-1]))]
        mask = np.zeros(self.size, dtype=bool)
        for p in parts:
            mask[p] = True
        return np.flatnonzero(mask)

    def date_range(self, start: int | None, stop: int | None) -> np.ndarray:
        """Live documents published within [start, stop] (Whoosh datetime longs; None for open ends)."""
        pub = self.published()
        ok = pub != MISSING
        if start is not None:
            ok &= pub >= np.uint64(start)
        if stop is not None:
            ok &= pub <= np.uint64(stop)
        found = np.flatnonzero(ok)
        return np.setdiff1d(found, self.deleted, assume_unique=True) if len(self.deleted) else found

    # -- ranking --------------------------------------------------------------------------------------
    def scores(self, q: wq.Query, matched: np.ndarray) -> np.ndarray:
        """BM25F scores of the matched documents (Robertson, Zaragoza and Taylor 2004).

        For each query word, its length-normalised frequencies in the fields it is searched in are added up
        with the field weights *before* saturation, and one idf (from the documents that have the word in
        any of those fields) applies: a word found in the headline and again in the body counts more, but
        never twice over, which summing per-field BM25 scores would do.
        """
        total = np.zeros(len(matched), dtype=np.float64)
        if not len(matched):
            return total
        n_docs = self.size
        for word in positive_words(q):
            ids_parts, tf_parts = [], []
            for fieldname, texts, weight in word:
                ids, tfs = self.group(fieldname, texts)
                if not len(ids):
                    continue
                lengths = self.lengths(fieldname)
                avg = (float(lengths.sum()) / n_docs) or 1.0
                b = fields.b_of(fieldname)
                ids_parts.append(ids)
                tf_parts.append(weight * tfs / ((1 - b) + b * lengths[ids] / avg))
            if not ids_parts:
                continue
            ids = np.concatenate(ids_parts)
            if len(ids_parts) > 1:
                ids, inverse = np.unique(ids, return_inverse=True)
                tf = np.bincount(inverse, weights=np.concatenate(tf_parts))
            else:
                tf = tf_parts[0].astype(np.float64)
            idf = math.log(1 + (n_docs - len(ids) + 0.5) / (len(ids) + 0.5))  # BM25 (Robertson/Lucene) idf
            where = np.searchsorted(matched, ids)
            where[where == len(matched)] = 0
            hit = matched[where] == ids
            total[where[hit]] += idf * tf[hit] * (K1 + 1) / (tf[hit] + K1)
        return total

    def group(self, fieldname: str, texts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The forms of one word (singular, plural) as a single term: documents with any, frequencies summed."""
        if len(texts) == 1:
            return self.term(fieldname, texts[0])
        parts = [self.term(fieldname, t) for t in texts]
        ids = np.concatenate([p[0] for p in parts])
        tfs = np.concatenate([p[1] for p in parts])
        if not len(ids):
            return ids, tfs
        uniq, inverse = np.unique(ids, return_inverse=True)
        return uniq, np.bincount(inverse, weights=tfs).astype(np.float32)

    def page_terms(self, query_terms: list[FieldWord], docnums: list[int]) -> list[list[tuple[str, str]]]:
        """`matched_terms` for each document of a page: one search of each posting list for the whole page."""
        out: list[list[tuple[str, str]]] = [[] for _ in docnums]
        if not docnums:
            return out
        page = np.array(docnums, dtype=np.int64)
        for fieldname, texts, _ in query_terms:
            for text in texts:
                ids, _ = self.term(fieldname, text)
                if not len(ids):
                    continue
                where = np.minimum(np.searchsorted(ids, page), len(ids) - 1)
                name = text if isinstance(text, str) else text.decode("utf-8")
                for j in np.flatnonzero(ids[where] == page).tolist():
                    out[j].append((fieldname, name))
        return out

    def matched_terms(self, query_terms: list[FieldWord], docnum: int) -> list[tuple[str, str]]:
        """The (field, term) pairs among a query's `positive_terms` that occur in one document."""
        out = []
        for fieldname, texts, _ in query_terms:
            for text in texts:
                ids, _ = self.term(fieldname, text)
                i = np.searchsorted(ids, docnum)
                if i < len(ids) and ids[i] == docnum:
                    out.append((fieldname, text if isinstance(text, str) else text.decode("utf-8")))
        return out


def positive_words(q: wq.Query) -> list[list[FieldWord]]:
    """The words a document is rewarded for (not those under NOT), each as the (field, forms, weight) it
    is searched with: an Or of one word in several fields (query.py's `_any_field`) is one word."""
    out: list[list[FieldWord]] = []

    def entry(node: wq.Query, boost: float) -> FieldWord | None:
        if isinstance(node, wq.Term):
            return node.fieldname, (node.text,), boost * node.boost
        if isinstance(node, wq.Or) and _forms_of_one_word(node):
            first = node.subqueries[0]
            return first.fieldname, tuple(t.text for t in node.subqueries), boost * node.boost * first.boost
        return None

    def walk(root: wq.Query) -> None:  # an explicit stack, children in order: any nesting depth
        stack = [(root, 1.0)]
        while stack:
            node, boost = stack.pop()
            single = entry(node, boost)
            if single is not None:
                out.append([single])
            elif isinstance(node, wq.Phrase):
                out.extend([(node.fieldname, (w,), boost * node.boost)] for w in node.words)
            elif isinstance(node, wq.AndNot):
                stack.append((node.a, boost * node.boost))
            elif isinstance(node, wq.Not):
                continue
            elif isinstance(node, wq.Or) and _one_word_in_fields(node, boost):
                out.append([entry(sub, boost * node.boost) for sub in node.subqueries])
            elif isinstance(node, wq.Or | wq.And):
                stack.extend((sub, boost * node.boost) for sub in reversed(node.subqueries))

    def _one_word_in_fields(node: wq.Or, boost: float) -> bool:
        entries = [entry(sub, boost) for sub in node.subqueries]
        return all(entries) and len({e[0] for e in entries}) == len(entries) > 1 \
            and len({_root(e[1]) for e in entries}) == 1

    walk(q)
    return out


def positive_terms(q: wq.Query) -> list[FieldWord]:
    """(field, forms, weight) for every word in every field a document is rewarded for."""
    return [e for word in positive_words(q) for e in word]


def _subqueries(q: wq.Query) -> list[tuple[wq.Query, bool]]:
    """The children `Postings.docs` combines, each with whether it is negated by its parent."""
    if isinstance(q, wq.Or | wq.And):
        return [(sub, False) for sub in q.subqueries]
    if isinstance(q, wq.AndNot):
        return [(q.a, False), (q.b, True)]
    if isinstance(q, wq.Not):
        return [(q.query, True)]
    return []


class _Positions:
    """One term's word positions, read block by block in document order (whoosh3 Positions values, decoded
    directly), for the documents asked for, in increasing chunks, only."""

    def __init__(self, postings: Postings, fieldname: str, word: str) -> None:
        schema_field = postings.reader.schema[fieldname]
        btext, fmt = schema_field.to_bytes(word), schema_field.format
        self._matchers = []
        for leaf, base in postings.leaves:
            try:
                self._matchers.append((leaf._terms.matcher(fieldname, btext, fmt), base))  # noqa: SLF001
            except (TermNotFound, KeyError):
                continue
        self._block: tuple[np.ndarray, list] | None = None

    def _next_block(self) -> tuple[np.ndarray, list] | None:
        while self._matchers:
            m, base = self._matchers[0]
            if m._atend:  # noqa: SLF001
                self._matchers.pop(0)
                continue
            if m._data is None:  # noqa: SLF001
                m._read_data()  # noqa: SLF001
            raw_ids, _, values = m._data  # noqa: SLF001
            block = (np.cumsum(np.asarray(raw_ids, dtype=np.int64)) + base, values)
            if m._lastblock:  # noqa: SLF001
                self._matchers.pop(0)
            else:
                m._goto(m._nextoffset)  # noqa: SLF001
            return block
        return None

    def take(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of every occurrence in `docs` (sorted, each above every document asked for
        before), as two arrays."""
        doc_parts, deltas, counts = [], [], []
        last = int(docs[-1])
        while True:
            if self._block is None:
                self._block = self._next_block()
                if self._block is None:
                    break
            ids, values = self._block
            sel = np.flatnonzero(np.isin(ids, docs, assume_unique=True))
            for i in sel.tolist():
                v = values[i]
                d = pickle.loads(v[4:] if v.endswith(b".") else v[4:] + b".")
                deltas.extend(d)
                counts.append(len(d))
            doc_parts.append(ids[sel])
            if ids[-1] > last:  # the block reaches into the next chunk: keep it for then
                break
            self._block = None
        if not counts:
            return EMPTY, EMPTY
        n = np.array(counts, dtype=np.int64)
        total = np.cumsum(np.array(deltas, dtype=np.int64))
        before = np.concatenate(([0], total))[np.cumsum(n) - n]  # the running sum where each document starts
        return np.repeat(np.concatenate(doc_parts), n), total - np.repeat(before, n)


def _root(forms: tuple[str, ...]) -> str:
    """What the forms of one word share (the query word itself comes first in each field's forms)."""
    return forms[0]


def _forms_of_one_word(node: wq.Or) -> bool:
    subs = node.subqueries
    return (len(subs) > 1 and all(isinstance(t, wq.Term) for t in subs)
            and len({(t.fieldname, t.boost) for t in subs}) == 1)


def _decode(m, base: int, ids_out: list, tf_out: list) -> None:
    """Append every (id, weight) block of a whoosh3 leaf matcher as numpy arrays."""
    while not m._atend:  # noqa: SLF001
        if m._data is None:  # noqa: SLF001
            m._read_data()  # noqa: SLF001
        raw_ids, raw_w, _ = m._data  # noqa: SLF001 - (delta-coded ids, weights or None/constant, values)
        ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64)) + base
        if raw_w is None:
            w = np.ones(len(ids), dtype=np.float32)
        elif isinstance(raw_w, float | int):
            w = np.full(len(ids), raw_w, dtype=np.float32)
        else:
            w = np.asarray(raw_w, dtype=np.float32)
        ids_out.append(ids)
        tf_out.append(w)
        if m._lastblock:  # noqa: SLF001
            break
        m._goto(m._nextoffset)  # noqa: SLF001

