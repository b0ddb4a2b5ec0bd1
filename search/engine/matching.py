"""Matching: which documents a compiled Whoosh query matches, as a sorted numpy array of document numbers.

Queries become set operations over the posting lists postings.py decodes; phrases (exact, or with a slop: each
word within that many positions after the one before, as Whoosh's Phrase(slop=N)) are checked on the documents
that hold every word, from the word positions of those candidates alone. Queries are walked with explicit
stacks, so no nesting depth reaches Python's recursion limit. Every call takes the request's Budget: phrase
checks stop at its deadline and the answer is flagged partial (budget.cut).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce

import numpy as np
from whoosh import query as wq

from search.engine.budget import Budget
from search.engine.postings import EMPTY, MISSING, Postings
from search.index import fields

PHRASE_CHUNK = 1024  # phrase candidates checked between two looks at the clock


def docs(p: Postings, q: wq.Query, budget: Budget | None = None) -> np.ndarray:
    """Sorted document numbers matching the query. Evaluated over an explicit stack (children before their
    parent, in order), so that no nesting depth can exhaust Python's recursion limit. When the budget runs
    out, unchecked phrases count as not found (under a NOT: as found), so that a partial answer only ever
    misses documents, never shows an excluded one."""
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
        done[(id(node), negated)] = _combine(p, node, parts, negated, budget)
    return done[(id(q), False)]


def _combine(p: Postings, q: wq.Query, parts: list[np.ndarray], negated: bool, budget: Budget) -> np.ndarray:
    """One query node's documents from its children's."""
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return EMPTY
    if isinstance(q, wq.Every):
        return p.live
    if isinstance(q, wq.Term):
        return p.term(q.fieldname, q.text)[0]
    if isinstance(q, wq.Or):
        return union(p.size, parts)
    if isinstance(q, wq.And):
        return intersect(parts)
    if isinstance(q, wq.AndNot):
        return np.setdiff1d(parts[0], parts[1], assume_unique=True)
    if isinstance(q, wq.Not):
        return np.setdiff1d(p.live, parts[0], assume_unique=True)
    if isinstance(q, wq.Phrase):
        return _phrase(p, q, negated, budget)
    return _whoosh_docs(p, q, budget)


def _subqueries(q: wq.Query) -> list[tuple[wq.Query, bool]]:
    """The children `docs` combines, each with whether it is negated by its parent."""
    if isinstance(q, wq.Or | wq.And):
        return [(sub, False) for sub in q.subqueries]
    if isinstance(q, wq.AndNot):
        return [(q.a, False), (q.b, True)]
    if isinstance(q, wq.Not):
        return [(q.query, True)]
    return []


def _phrase(p: Postings, q: wq.Phrase, negated: bool, budget: Budget) -> np.ndarray:
    """Documents where the words stand next to each other in order (with a slop of N: each within N positions
    after the one before): candidates from the postings, then the word positions of those candidates alone, a
    chunk of candidates at a time between looks at the clock."""
    candidates = docs(p, wq.And([wq.Term(q.fieldname, w) for w in q.words]))
    if not len(candidates) or len(q.words) < 2:
        return candidates
    slop = max(1, int(getattr(q, "slop", 1)))
    if budget.cut:  # the time is spent: not checked (see docs)
        return candidates if negated else EMPTY
    cursors = {w: p.positions(q.fieldname, w) for w in dict.fromkeys(q.words)}
    found: list[np.ndarray] = []
    for lo in range(0, len(candidates), PHRASE_CHUNK):
        chunk = candidates[lo : lo + PHRASE_CHUNK]
        at = {w: c.take(chunk) for w, c in cursors.items()}
        found.append(_phrase_starts(q.words, at) if slop == 1 else _in_order_within(q.words, at, slop))
        if lo + PHRASE_CHUNK < len(candidates) and budget.stop():
            found.append(candidates[lo + PHRASE_CHUNK :] if negated else EMPTY)
            break
    return np.concatenate(found)


def _phrase_starts(words: list[str], at: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The documents where the words' occurrences line up. Each occurrence is one number, document * 2**32 +
    (position - offset in the phrase): the phrase starts where every word's numbers meet."""
    starts = None
    for k, w in enumerate(words):
        doc_ids, pos = at[w]
        keep = pos >= k
        key = (doc_ids[keep] << 32) + (pos[keep] - k)
        starts = np.unique(key) if starts is None else np.intersect1d(starts, key)
        if not len(starts):
            break
    return np.unique(starts >> 32)


def _in_order_within(words: list[str], at: dict[str, tuple[np.ndarray, np.ndarray]], slop: int) -> np.ndarray:
    """The documents where each word occurs at most `slop` positions after an occurrence of the word before it
    that itself continues such a chain from the first word (Whoosh's SpanNear2, ordered, mindist 1: a repeated
    word needs two occurrences). Occurrences are numbers document * 2**32 + position, as in _phrase_starts; a
    chain is only ever extended from its last word, so the chains that reach word k are the set of their ends,
    and the nearest end before each occurrence of the next word decides whether it extends one."""
    ends = None
    for w in words:
        doc_ids, pos = at[w]
        key = np.unique((doc_ids << 32) + pos)
        if ends is not None:
            before = np.searchsorted(ends, key) - 1  # the nearest end strictly before each occurrence
            ok = before >= 0
            ok[ok] = key[ok] - ends[before[ok]] <= slop  # within the document: slop is far below 2**32
            key = key[ok]
        ends = key
        if not len(ends):
            break
    return np.unique(ends >> 32)


def _whoosh_docs(p: Postings, q: wq.Query, budget: Budget) -> np.ndarray:
    found = np.fromiter(_iter_whoosh(p, q, budget), dtype=np.int64)
    found.sort()
    return found


def _iter_whoosh(p: Postings, q: wq.Query, budget: Budget) -> Iterator[int]:
    """Whoosh's own matching (query types we do not generate), stopped (and flagged partial) at the deadline."""
    for n, d in enumerate(p.searcher.docs_for_query(q)):
        if n % 256 == 255 and budget.stop():
            return
        yield d


def union(size: int, parts: list[np.ndarray]) -> np.ndarray:
    """Sorted union of sorted arrays: a merge for small ones, a mask over all `size` documents for big ones."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    if sum(len(part) for part in parts) * 32 < size:
        c = np.concatenate(parts)
        c.sort()
        return c[np.concatenate(([True], c[1:] != c[:-1]))]
    mask = np.zeros(size, dtype=bool)
    for part in parts:
        mask[part] = True
    return np.flatnonzero(mask)


def intersect(parts: list[np.ndarray]) -> np.ndarray:
    """Sorted intersection of sorted arrays of distinct document numbers, smallest first."""
    if not parts:
        return EMPTY
    return reduce(_meet, sorted(parts, key=len))


def _meet(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    """The documents of `small` also in `large` (both sorted, distinct): through a mask over the documents when
    `large` is dense (no sort, unlike np.intersect1d), else by looking each of `small` up in `large`."""
    if not len(small) or not len(large):
        return small[:0]
    top = int(max(small[-1], large[-1])) + 1
    if len(large) * 64 >= top:
        mask = np.zeros(top, dtype=bool)
        mask[large] = True
        return small[mask[small]]
    at = np.searchsorted(large, small)
    at[at == len(large)] = 0
    return small[large[at] == small]


def all_but(every: np.ndarray, filters: dict[str, np.ndarray], name: str) -> np.ndarray:
    """The query's matches under every filter but `name`'s: what the facet of that name is counted over, so
    that choosing one of its values still shows what the others would add (OR within a facet)."""
    return intersect([every, *(f for key, f in filters.items() if key != name)])


def facet_docs(every: np.ndarray, matched: np.ndarray, filters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The documents each facet is counted over (all_but when the facet filters, else the matches)."""
    return {f.name: all_but(every, filters, f.name) if f.name in filters else matched for f in fields.FACETS}


def date_range(p: Postings, start: int | None, stop: int | None) -> np.ndarray:
    """Live documents published within [start, stop] (Whoosh datetime longs; None for open ends)."""
    pub = p.published()
    ok = pub != MISSING
    if start is not None:
        ok &= pub >= np.uint64(start)
    if stop is not None:
        ok &= pub <= np.uint64(stop)
    found = np.flatnonzero(ok)
    return np.setdiff1d(found, p.deleted, assume_unique=True) if len(p.deleted) else found
