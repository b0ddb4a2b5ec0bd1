"""The indexer's writer: Whoosh's SegmentWriter, with the words of our text fields gathered in arrays.

Whoosh's writer takes each document apart field by field into Python tuples, one per posting (the word, the
document, the weight and the positions pickled), sorts them through an external merge sort (which pickles each
one again) and hands them one by one to the codec: ~80% of a build. `NewsWriter` keeps Whoosh's machinery for
everything else (stored fields, lengths, columns, keyword facets and dates, deletions, merging, the commit)
and, for each text field with positions (newsearch's tokenizer, Whoosh's `Positions` format), keeps three
arrays per field instead: term number, document, position (for a plain ID field, two: term number,
document). When the segment is written they are sorted once with numpy, and every term's postings go to the
codec as arrays (`codec.NewsFieldWriter.add_term`), in the layout the engine reads (layout.py): the same
index as Whoosh's own writer would make (tests/test_batch_writer.py compares them term by term).
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh import fields, formats
from whoosh.analysis import IDTokenizer
from whoosh.writing import SegmentWriter

from search.index.analysis import INDEX, WORD, fold
from search.index.codec import NewsCodec, NewsFieldWriter, perdoc_length_bytes
from search.index.layout import encode_terms

MAX_TOKENS = 40_000_000  # words gathered in a segment before the build starts another: ~500 MB of arrays


class FieldWords:
    """One field's words in a segment: term numbers, documents and (for text) positions."""

    positional = True

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.tids, self.docs, self.pos = array("I"), array("I"), array("I")

    def __len__(self) -> int:
        return len(self.tids)

    def add(self, docnum: int, text: str) -> int:
        """Add a document's text; its number of words (positions), as Whoosh's analysis counts them."""
        words = [w for w in map(fold, WORD.findall(text)) if w]
        if words:
            vocab = self.vocab
            self.tids.extend([vocab.setdefault(w, len(vocab)) for w in words])
            self.docs.extend(itertools.repeat(docnum, len(words)))
            self.pos.extend(range(len(words)))
        return len(words)

    def add_postings(self, items: Iterable[tuple[str, bytes, int, float, bytes]], fmt: Any) -> None:
        """Add postings Whoosh put in its pool (a merged segment's: `add_reader`), word positions and all."""
        if not self.positional:
            for _, btext, docnum, _, _ in items:
                self.tids.append(self.vocab.setdefault(btext.decode("utf-8"), len(self.vocab)))
                self.docs.append(docnum)
            return
        vocab = self.vocab
        for _, btext, docnum, _, value in items:
            poses = fmt.decode_positions(value)
            self.tids.extend(itertools.repeat(vocab.setdefault(btext.decode("utf-8"), len(vocab)), len(poses)))
            self.docs.extend(itertools.repeat(docnum, len(poses)))
            self.pos.extend(poses)

    def drop_from(self, docnum: int) -> None:
        """Forget documents from docnum on (a document Whoosh refused half-way)."""
        keep = int(np.searchsorted(np.frombuffer(self.docs, dtype=np.uint32), docnum))
        for a in (self.tids, self.docs, self.pos):
            del a[keep:]


class FieldIds(FieldWords):
    """One ID field's values in a segment (Whoosh's ID: the whole value is the term; Existence: no positions)."""

    positional = False

    def add(self, docnum: int, text: str) -> int:
        self.tids.append(self.vocab.setdefault(text, len(self.vocab)))
        self.docs.append(docnum)
        return 0


class NewsWriter(SegmentWriter):
    """A SegmentWriter whose text fields with positions are gathered as arrays (module docstring)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", NewsCodec())
        super().__init__(ix, **kwargs)
        self.words: dict[str, FieldWords] = {name: kind() for name, field in self.schema.items()
                                             if (kind := _gathered(field)) is not None}

    @property
    def tokens(self) -> int:
        """Words gathered so far (what the segment's arrays hold)."""
        return sum(len(w) for w in self.words.values())

    def add_document(self, **fields: Any) -> None:
        if any(k.startswith("_") for k in fields):
            raise ValueError("newsearch's writer takes no _boost or _stored_ arguments")
        gathered = {k: v for k, v in fields.items() if k in self.words and isinstance(v, str)}
        if not gathered:
            super().add_document(**fields)
            return
        docnum, extra = self.docnum, []
        try:
            for name, text in gathered.items():
                field = self.schema[name]
                n = self.words[name].add(docnum, text)
                extra.append((name, field, text if field.stored else None, n if field.scorable else 0))
            self.perdocwriter.extra = extra  # added inside Whoosh's document (codec.NewsPerDocWriter)
            super().add_document(**{k: v for k, v in fields.items() if k not in gathered})
        except Exception:
            for words in self.words.values():
                words.drop_from(docnum)
            self.perdocwriter.extra = []
            raise

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        fw: NewsFieldWriter = self.fieldwriter
        pending = sorted(self.words)  # gathered fields not written yet, by name (the terms table's order)
        for fieldname, items in itertools.groupby(self.pool.iter_postings(), key=lambda p: p[0]):
            if fieldname in self.words:  # a merged segment's postings of a gathered field
                self.words[fieldname].add_postings(items, self.schema[fieldname].format)
                continue
            while pending and pending[0] < fieldname:
                self._write_field(fw, pdr, pending.pop(0))
            fw.add_postings(self.schema, pdr, items)
        for name in pending:
            self._write_field(fw, pdr, name)
        fw.close()
        pdr.close()

    def _write_field(self, fw: NewsFieldWriter, pdr: Any, fieldname: str) -> None:
        words = self.words[fieldname]
        if not len(words):
            return
        lengths = perdoc_length_bytes(pdr, fieldname, self.docnum)
        fw.start_field(fieldname, self.schema[fieldname])
        pos = words.pos if words.positional else None
        for term in encode_terms(words.vocab, words.tids, words.docs, pos, lengths):
            fw.add_term(*term)
        fw.finish_field()


def _gathered(field: Any) -> type[FieldWords] | None:
    """How a field's words are gathered: a text field of ours with positions (newsearch's tokenizer, Whoosh's
    Positions format) or a plain ID field (the value is the term); None for Whoosh's own path."""
    if not field.indexed or field.vector or field.separate_spelling() or field.column_type is not None:
        return None
    if (getattr(field, "analyzer", None) == INDEX and type(field.format) is formats.Positions
            and field.format.field_boost == 1.0):
        return FieldWords
    if (type(field) is fields.ID and type(field.analyzer) is IDTokenizer and type(field.format) is formats.Existence
            and field.format.field_boost == 1.0 and not field.scorable):
        return FieldIds
    return None
