"""Ranking: BM25F scores for all matches at once, the recency boost, top-k, and which query words a hit holds.

Scores use the same statistics and field weights Whoosh would (document counts, its one-byte field lengths)
with BM25F proper: a word's frequencies in the fields it is searched in are weighted and added before
saturation, under one idf. Field weights and b come from the field registry (search/index/fields.py). A user's
boost (`word^2`, an Or's or And's boost: query.py) multiplies the word's score after saturation.
"""

from __future__ import annotations

import math

import numpy as np
from whoosh import query as wq

from search.engine.postings import MISSING, Postings
from search.index.fields import ARTICLES, Registry

K1 = 1.2
HALF_LIFE_DAYS = 180.0  # the recency boost halves for every this many days before the newest article
SPARSE_SHARE = 16  # matches under 1/16 of the documents have only their own postings read for their scores
MAX_COUNTS = 100_000  # words' document counts kept per searcher (word_documents)
DENSE_SHARE = 8  # a word in more than 1/8 of the documents has its fields summed in one array of them all
DAY = 86_400_000_000  # a day in Whoosh datetime longs (microseconds)
FieldWord = tuple[str, tuple[str, ...], float]  # (field, the forms of one word searched there, weight)
BoostedWord = tuple[list[FieldWord], float]  # one word in the fields it is searched in, and its clause's boost


def scores(p: Postings, q: wq.Query, matched: np.ndarray, registry: Registry = ARTICLES) -> np.ndarray:
    """BM25F scores of the matched documents (Robertson, Zaragoza and Taylor 2004).

    For each query word, its length-normalised frequencies in the fields it is searched in are added up with
    the field weights *before* saturation, and one idf (from the documents that have the word in any of those
    fields) applies: a word found in the headline and again in the body counts more, but never twice over,
    which summing per-field BM25 scores would do. A word's score is then multiplied by its clause's boost.

    When the matches are few, only their own postings are read (each word's idf is then its document count,
    kept per searcher); a frequent word's fields are summed in one array over every document.
    """
    total = np.zeros(len(matched), dtype=np.float64)
    if not len(matched):
        return total
    only = matched if len(matched) * SPARSE_SHARE < p.size else None  # few matches: only their postings are read
    for word, boost in boosted_words(q):
        found = _word_frequency(p, word, registry, only)
        if found is None:
            continue
        ids, tf = found
        n = len(ids) if only is None else word_documents(p, word)
        idf = math.log(1 + (p.size - n + 0.5) / (n + 0.5))  # BM25 (Robertson/Lucene) idf
        if len(ids) == len(matched) and np.array_equal(ids, matched):  # a query of one word: no lookups
            total += boost * idf * tf * (K1 + 1) / (tf + K1)
            continue
        where = np.searchsorted(matched, ids)
        where[where == len(matched)] = 0
        hit = matched[where] == ids
        total[where[hit]] += boost * idf * tf[hit] * (K1 + 1) / (tf[hit] + K1)
    return total


def _word_frequency(p: Postings, word: list[FieldWord], registry: Registry,
                    only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """One word's documents and its BM25F pseudo-frequency there: per field, the frequency normalised by the
    field's length (b from the registry) and weighted, summed over the fields. None when no document has it.
    Only the documents among `only` (sorted), when given."""
    ids_parts, tf_parts = [], []
    for fieldname, texts, weight in word:
        ids, tfs = group(p, fieldname, texts, only)
        if not len(ids):
            continue
        lengths = p.lengths(fieldname)
        avg = p.average_length(fieldname) or 1.0
        b = registry.b_of(fieldname)
        ids_parts.append(ids)
        tf_parts.append(weight * tfs / ((1 - b) + b * lengths[ids] / avg))
    if not ids_parts:
        return None
    ids = np.concatenate(ids_parts)
    if len(ids_parts) == 1:
        return ids, tf_parts[0].astype(np.float64)
    if len(ids) * DENSE_SHARE > p.size:  # a frequent word: summed over every document, no sort
        dense = np.bincount(ids, weights=np.concatenate(tf_parts), minlength=p.size)
        present = np.zeros(p.size, dtype=bool)
        present[ids] = True  # a weight of 0 (a boost of 0 on a field) still counts the document
        ids = np.flatnonzero(present)
        return ids, dense[ids]
    ids, inverse = np.unique(ids, return_inverse=True)
    return ids, np.bincount(inverse, weights=np.concatenate(tf_parts))


def _among(posting: tuple[np.ndarray, np.ndarray], only: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The postings of the documents `only` holds (all of them when None, or when the postings are few)."""
    ids, tfs = posting
    if only is None or len(ids) <= len(only) or not len(ids):
        return ids, tfs
    at = np.searchsorted(ids, only)
    at[at == len(ids)] = 0
    hit = ids[at] == only
    return only[hit], tfs[at[hit]]


def word_documents(p: Postings, word: list[FieldWord]) -> int:
    """How many documents have the word in any of the fields it is searched in (its idf's count), kept per
    searcher."""
    key = tuple((fieldname, texts) for fieldname, texts, _ in word)
    found = p.counts.get(key)
    if found is None:
        parts = [group(p, fieldname, texts)[0] for fieldname, texts, _ in word]
        if len(parts) == 1:
            found = len(parts[0])
        else:
            mask = np.zeros(p.size, dtype=bool)
            for ids in parts:
                mask[ids] = True
            found = int(np.count_nonzero(mask))
        if len(p.counts) >= MAX_COUNTS:
            p.counts.clear()
        p.counts[key] = found
    return found


def group(p: Postings, fieldname: str, texts: tuple[str, ...],
          only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The forms of one word (singular, plural) as a single term: documents with any, frequencies summed
    (among the documents `only` holds, when given: a sorted array much shorter than the postings)."""
    if len(texts) == 1:
        return _among(p.term(fieldname, texts[0]), only)
    parts = [_among(p.term(fieldname, t), only) for t in texts]
    ids = np.concatenate([part[0] for part in parts])
    tfs = np.concatenate([part[1] for part in parts])
    if not len(ids):
        return ids, tfs
    uniq, inverse = np.unique(ids, return_inverse=True)
    return uniq, np.bincount(inverse, weights=tfs).astype(np.float32)


def recency(p: Postings, matched: np.ndarray, weight: float, newest: int) -> np.ndarray:
    """Score multipliers: 1 + weight for the newest article (`newest`, a datetime long), halving every
    HALF_LIFE_DAYS before it; 1 for undated ones."""
    pub = p.published()[matched]
    dated = pub != MISSING
    age_days = np.where(dated, (newest - np.minimum(pub, newest).astype(np.float64)) / DAY, np.inf)
    return 1.0 + weight * np.power(0.5, age_days / HALF_LIFE_DAYS)


def by_date(p: Postings, matched: np.ndarray, newest_first: bool, n: int) -> np.ndarray:
    """Indices into `matched` of the first n by publication date. Dated articles come first in both orders
    (an undated one has no place on a timeline), then date, then document number for a stable order."""
    return np.lexsort((matched, date_keys(p, matched, newest_first)))[:n]


def date_keys(p: Postings, matched: np.ndarray, newest_first: bool) -> np.ndarray:
    """Each match's place by date as one ascending float64 key (ties go by document number): its publication
    time (negated for newest first), +inf for an undated one, which comes last in both orders. The one
    definition of the date orders: pages, cursors and exports (cursors.py) all sort by it."""
    pub = p.published()[matched]
    key = pub.astype(np.float64) * (-1 if newest_first else 1)
    key[pub == MISSING] = np.inf
    return key


def top(keys: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n smallest keys in order (ties by position, i.e. document number)."""
    if n < len(keys):
        part = np.argpartition(keys, n - 1)[:n]
        cutoff = keys[part].max()
        part = np.flatnonzero(keys <= cutoff)  # keep every tie at the cutoff so the order stays stable
        return part[np.lexsort((part, keys[part]))][:n]
    return np.lexsort((np.arange(len(keys)), keys))


def positive_words(q: wq.Query) -> list[list[FieldWord]]:
    """The words a document is rewarded for (not those under NOT), each as the (field, forms, weight) it is
    searched with: an Or of one word in several fields (query.py's `_any_field`) is one word."""
    return [word for word, _ in boosted_words(q)]


def boosted_words(q: wq.Query) -> list[BoostedWord]:
    """positive_words, each with the product of the boosts of the Or, And and AndNot nodes above it (a user's
    `word^2`, applied after saturation); a Term's or Phrase's own boost is a field weight, inside FieldWord.
    Walked with an explicit stack, children in order, so any nesting depth is fine."""
    out: list[BoostedWord] = []
    stack = [(q, 1.0)]
    while stack:
        node, boost = stack.pop()
        single = _entry(node)
        if single is not None:
            out.append(([single], boost * (node.boost if isinstance(node, wq.Or) else 1.0)))
        elif isinstance(node, wq.Phrase):
            out.extend(([(node.fieldname, (w,), node.boost)], boost) for w in node.words)
        elif isinstance(node, wq.AndNot):
            stack.append((node.a, boost * node.boost))
        elif isinstance(node, wq.Not):
            continue
        elif isinstance(node, wq.Or) and _one_word_in_fields(node):
            # one sum before saturation: a boost on one field's forms can only be a weight there
            out.append(([_entry(sub, _own_boost(sub)) for sub in node.subqueries], boost * node.boost))
        elif isinstance(node, wq.Or | wq.And):
            stack.extend((sub, boost * node.boost) for sub in reversed(node.subqueries))
    return out


def positive_terms(q: wq.Query) -> list[FieldWord]:
    """(field, forms, weight) for every word in every field a document is rewarded for."""
    return [e for word in positive_words(q) for e in word]


def _entry(node: wq.Query, boost: float = 1.0) -> FieldWord | None:
    """A Term, or an Or of one word's forms in one field, as one (field, forms, weight): the Terms' boost (the
    field weight) times `boost`; else None."""
    if isinstance(node, wq.Term):
        return node.fieldname, (node.text,), boost * node.boost
    if isinstance(node, wq.Or) and _forms_of_one_word(node):
        first = node.subqueries[0]
        return first.fieldname, tuple(t.text for t in node.subqueries), boost * first.boost
    return None


def _own_boost(node: wq.Query) -> float:
    return node.boost if isinstance(node, wq.Or) else 1.0


def _one_word_in_fields(node: wq.Or) -> bool:
    """An Or of the same word (its forms) in different fields, each once."""
    entries = [_entry(sub) for sub in node.subqueries]
    return all(entries) and len({e[0] for e in entries}) == len(entries) > 1 \
        and len({e[1][0] for e in entries}) == 1  # the query word itself comes first in each field's forms


def _forms_of_one_word(node: wq.Or) -> bool:
    subs = node.subqueries
    return (len(subs) > 1 and all(isinstance(t, wq.Term) for t in subs)
            and len({(t.fieldname, t.boost) for t in subs}) == 1)


def page_terms(p: Postings, query_terms: list[FieldWord], docnums: list[int]) -> list[list[tuple[str, str]]]:
    """The (field, term) pairs among a query's `positive_terms` that occur in each document of a page: one
    search of each posting list for the whole page."""
    out: list[list[tuple[str, str]]] = [[] for _ in docnums]
    if not docnums:
        return out
    page = np.array(docnums, dtype=np.int64)
    for fieldname, texts, _ in query_terms:
        for text in texts:
            ids, _ = p.term(fieldname, text)
            if not len(ids):
                continue
            where = np.minimum(np.searchsorted(ids, page), len(ids) - 1)
            name = text if isinstance(text, str) else text.decode("utf-8")
            for j in np.flatnonzero(ids[where] == page).tolist():
                out[j].append((fieldname, name))
    return out
