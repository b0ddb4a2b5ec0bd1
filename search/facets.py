"""Facet counts (section, source, year) over a set of matching documents, fast enough for every query.

Per searcher, each facet's postings are turned once into numpy arrays (document -> value code, or
(document, value) pairs for multi-valued sources); counting a result set is then a bincount.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh.reading import IndexReader

FACETS = {"section": "section_f", "source": "source_f", "year": "year"}
MAX_VALUES = 20  # facet values returned per field


class FacetTables:
    """Document -> facet value tables for one reader (rebuilt when the searcher is)."""

    def __init__(self, reader: IndexReader) -> None:
        self.size = reader.doc_count_all()
        self.values: dict[str, list[str]] = {}
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, fieldname in FACETS.items():
            values, docs, codes = [], [], []
            if fieldname in reader.indexed_field_names():
                for code, (term, _info) in enumerate(reader.iter_field(fieldname)):
                    values.append(term.decode("utf-8") if isinstance(term, bytes) else str(term))
                    ids = np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64)
                    docs.append(ids)
                    codes.append(np.full(len(ids), code, dtype=np.int32))
            self.values[name] = values
            self.pairs[name] = (np.concatenate(docs) if docs else np.zeros(0, np.int64),
                                np.concatenate(codes) if codes else np.zeros(0, np.int32))

    def count(self, matched: np.ndarray) -> dict[str, list[dict[str, Any]]]:
        """Counts per facet value among the matched document numbers, most frequent first."""
        mask = np.zeros(self.size, dtype=bool)
        mask[matched] = True
        out: dict[str, list[dict[str, Any]]] = {}
        for name, (docs, codes) in self.pairs.items():
            values = self.values[name]
            if not values:
                out[name] = []
                continue
            counts = np.bincount(codes[mask[docs]], minlength=len(values))
            top = np.flatnonzero(counts)
            if name == "year":
                order = sorted(top, key=lambda i: values[i], reverse=True)
            else:
                order = sorted(top, key=lambda i: (-counts[i], values[i].lower()))
            out[name] = [{"value": values[i], "count": int(counts[i])} for i in order[:MAX_VALUES]]
        return out

    def docs_with(self, name: str, wanted: list[str]) -> np.ndarray:
        """Sorted documents having any of the wanted values (matched case-insensitively) of a facet."""
        lowered = {w.lower() for w in wanted}
        codes = [i for i, v in enumerate(self.values.get(name, [])) if v.lower() in lowered]
        docs, doc_codes = self.pairs[name]
        return np.unique(docs[np.isin(doc_codes, codes)])
