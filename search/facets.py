"""Facet counts (section, source, year) over a set of matching documents, fast enough for every query.

Per searcher, each facet's postings are decoded once into numpy arrays of (document, value) pairs (sources
are multi-valued); counting a result set is then a bincount.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from search.docsets import Postings

FACETS = {"section": "section_f", "source": "source_f", "year": "year"}
MAX_VALUES = 20  # facet values returned per field


class FacetTables:
    """Document -> facet value tables for one searcher (rebuilt when the searcher is)."""

    def __init__(self, postings: Postings) -> None:
        reader = postings.reader
        self.size = postings.size
        self.values: dict[str, list[str]] = {}
        self.rank: dict[str, np.ndarray] = {}  # each value's place in case-insensitive order (tie-break)
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, fieldname in FACETS.items():
            values, docs, codes = [], [], []
            if fieldname in reader.indexed_field_names():
                for term, _info in reader.iter_field(fieldname):
                    ids = postings.decode(fieldname, term)[0]
                    if len(ids):
                        codes.append(np.full(len(ids), len(values), dtype=np.int32))
                        docs.append(ids)
                        values.append(term.decode("utf-8") if isinstance(term, bytes) else str(term))
            self.values[name] = values
            order = sorted(range(len(values)), key=lambda i: values[i].lower())
            rank = np.empty(len(values), dtype=np.int64)
            rank[order] = np.arange(len(values))
            self.rank[name] = rank
            self.pairs[name] = (np.concatenate(docs) if docs else np.zeros(0, np.int64),
                                np.concatenate(codes) if codes else np.zeros(0, np.int32))

    def count(self, matched: dict[str, np.ndarray]) -> dict[str, list[dict[str, Any]]]:
        """Counts per facet value among each facet's matched document numbers, most frequent first.

        Each facet gets its own document set: the engine counts a facet without that facet's own filter,
        so choosing one section still shows what the others would add.
        """
        out: dict[str, list[dict[str, Any]]] = {}
        for name, (docs, codes) in self.pairs.items():
            values = self.values[name]
            if not values or not len(matched[name]):
                out[name] = []
                continue
            mask = np.zeros(self.size, dtype=bool)
            mask[matched[name]] = True
            counts = np.bincount(codes[mask[docs]], minlength=len(values))
            top = np.flatnonzero(counts)
            if name == "year":
                order = top[np.argsort(-self.rank[name][top])]
            else:
                order = top[np.lexsort((self.rank[name][top], -counts[top]))]
            out[name] = [{"value": values[i], "count": int(counts[i])} for i in order[:MAX_VALUES]]
        return out

    def docs_with(self, name: str, wanted: list[str]) -> np.ndarray:
        """Sorted documents having any of the wanted values (matched case-insensitively) of a facet."""
        lowered = {w.lower() for w in wanted}
        codes = [i for i, v in enumerate(self.values.get(name, [])) if v.lower() in lowered]
        docs, doc_codes = self.pairs[name]
        return np.unique(docs[np.isin(doc_codes, codes)])
