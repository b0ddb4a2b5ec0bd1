"""The term dictionary for query expansion: prefix and fuzzy words, and did-you-mean.

Whoosh expands a fuzzy word with a Python loop (or, on a single segment, a Python automaton) over the
term dictionary, per field, per word: most of the cost of a query of fuzzy words. Here a searcher's terms are
read once per (field, first letter) through Whoosh's public reader API and kept; a prefix is then a
bisection and a fuzzy word one edit-distance pass in C (rapidfuzz) over one letter's terms.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.reading import IndexReader

MAX_KNOWN = 200_000  # (field, term) presence answers kept per searcher (Lexicon.has)


@dataclass
class Terms:
    """One field's terms that start with one letter, sorted, with their document counts and total counts."""

    texts: list[str]
    doc_freq: np.ndarray
    freq: np.ndarray


class Lexicon:
    """A searcher's term dictionary as sorted lists per (field, first letter), read on first use and kept.

    Prefix expansion is then a bisection, fuzzy expansion one edit-distance pass in C over one letter's
    terms: rapidfuzz's OSA distance, the restricted Damerau-Levenshtein distance of Whoosh's public
    `reader.terms_within` (which its FuzzyTerm uses) over a multi-segment index; on a single segment Whoosh
    walks a Levenshtein automaton instead, which counts a swap of two letters as two edits, where we count
    one. Measured on Reuters-21578 (bench/hostile_queries.py): the same terms, about 100x faster per word.
    Reading one letter of one field takes a few milliseconds, once per searcher.
    """

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self._letters: dict[tuple[str, str], Terms] = {}
        self._has: dict[tuple[str, str], bool] = {}

    def has(self, fieldname: str, text: str) -> bool:
        """Whether the field holds the term (in any segment): asked of Whoosh's reader once per term and kept,
        since compiling one word asks it for each of its forms, in each field, several times."""
        key = (fieldname, text)
        found = self._has.get(key)
        if found is None:
            if len(self._has) >= MAX_KNOWN:
                self._has.clear()
            found = self._has[key] = key in self.reader
        return found

    def letter(self, fieldname: str, first: str) -> Terms:
        """The field's terms starting with `first` (one character), merged over every segment."""
        key = (fieldname, first)
        found = self._letters.get(key)
        if found is None:
            merged: dict[str, list[float]] = {}
            for leaf, _ in self.reader.leaf_readers():
                if fieldname not in leaf.indexed_field_names():
                    continue
                for btext, info in leaf.iter_prefix(fieldname, first):
                    text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                    counts = merged.setdefault(text, [0, 0.0])
                    counts[0] += info.doc_frequency()
                    counts[1] += info.weight()
            texts = sorted(merged)
            found = Terms(texts, np.array([merged[t][0] for t in texts], dtype=np.int64),
                          np.array([merged[t][1] for t in texts], dtype=np.float64))
            self._letters[key] = found
        return found

    def prefixed(self, fieldname: str, prefix: str, limit: int) -> list[str]:
        """Up to `limit` terms of a field starting with `prefix`, the most frequent (by documents) first."""
        if not prefix:
            return []
        terms = self.letter(fieldname, prefix[0])
        lo = bisect_left(terms.texts, prefix)
        hi = lo
        while hi < len(terms.texts) and terms.texts[hi].startswith(prefix):
            hi += 1
        order = np.lexsort((np.arange(lo, hi), -terms.doc_freq[lo:hi]))[:limit]
        return [terms.texts[lo + i] for i in order.tolist()]

    def within(self, fieldname: str, word: str, maxdist: int, limit: int) -> list[tuple[str, int]]:
        """Up to `limit` (term, distance) of a field within `maxdist` edits of `word` and sharing its first
        letter, the closest first, then the most frequent."""
        if not word:
            return []
        terms = self.letter(fieldname, word[0])
        found = process.extract(word, terms.texts, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
        found.sort(key=lambda m: (m[1], -terms.doc_freq[m[2]], m[0]))
        return [(text, dist) for text, dist, _ in found[:limit]]

    def closest(self, fieldname: str, word: str, maxdist: int = 2) -> str | None:
        """The most frequent term within `maxdist` edits of `word` sharing its first letter (the word itself
        included): what Whoosh's ReaderCorrector.suggest(word, limit=1, maxdist, prefix=1) answers, ties
        going to the greater term as there."""
        if not word:
            return None
        terms = self.letter(fieldname, word[0])
        found = process.extract(word, terms.texts, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
        if not found:
            return None
        return max(found, key=lambda m: (terms.freq[m[2]] or 1.0, m[0]))[0]
