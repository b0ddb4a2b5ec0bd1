"""The steps of a full rebuild (`newsearch index --full`, or the first run): a new build from every file.

The indexer (indexer.py `Indexer._full`) writes the new build beside the live one and makes it live only when
complete; these are its steps: the writer, the documents of every file read, and the articles of files it
could not read, copied over from the previous build.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from search.index.batch import MAX_TOKENS, NewsWriter
from search.index.dedup import Clusters
from search.index.documents import DocumentError, article, document
from search.index.previous import Previous
from search.index.reading import FileResult
from search.index.report import IndexReport
from search.index.writing import PairWriter, Poisoned, add_documents
from search.ingest import Walk


def full_writer(ix: Any, quotes: Any, dedup: bool = True) -> PairWriter:
    """The writer of a new build (its articles, its quotes and, unless `dedup` is off, its table of
    near-duplicates)."""
    return PairWriter(SegmentingWriter(ix), SegmentingWriter(quotes), Clusters.of_index(ix) if dedup else None)


class SegmentingWriter:
    """newsearch's writer (batch.py) into a new build, starting a new segment whenever the words gathered
    reach batch.MAX_TOKENS, so that its arrays stay bounded however big the corpus. The build is not live
    until activated, so its intermediate commits are seen by no one; none merges (each segment is written
    once). Segments are separate files, not one compound file: Whoosh reads a compound segment by copying its
    parts onto the heap (2.7 GB at a million articles), separate files it reads from the page cache."""

    def __init__(self, ix: Any) -> None:
        self.ix = ix
        self.writer = self._new()

    def _new(self) -> NewsWriter:
        return NewsWriter(self.ix, limitmb=256, compound=False)

    def add_document(self, **fields: Any) -> None:
        if self.writer.tokens >= MAX_TOKENS:
            self.writer.commit(merge=False)
            self.writer = self._new()
        self.writer.add_document(**fields)

    def delete_by_term(self, fieldname: str, text: str) -> None:
        self.writer.delete_by_term(fieldname, text)

    def commit(self, **_kwargs: Any) -> None:
        self.writer.commit(merge=False)

    def cancel(self) -> None:
        self.writer.cancel()


def add_all(writer: Any, results: Iterable[FileResult], report: IndexReport,
            manifest: dict[str, dict[str, Any]]) -> tuple[int, list[str]]:
    """Add the documents of every file read; (documents added, keys of the files that gave nothing)."""
    docs = 0
    unread: list[str] = []  # files that gave nothing this time: their old articles are copied over
    for res in results:
        manifest[res.key] = res.entry
        if res.errors:
            report.fail(res.key, res.entry["error"])
        if res.docs:
            report.added += 1
            docs += add_documents(writer, res.key, res.docs)
        elif res.errors:
            unread.append(res.key)
    return docs, unread


def carry_over(writer: Any, prev: Previous, unread: list[str], found: Walk,
               manifest: dict[str, dict[str, Any]]) -> int:
    """Copy, from the previous build, the articles of files this full run could not read (failed files,
    links it did not follow, folders it could not list): nothing is lost because it could not be read."""
    if prev.ix is None:
        return 0
    wanted = set(unread) | {p["path"] for p in found.problems}
    prefixes = [d.rstrip("/") + "/" for d in found.unreadable]
    kept = 0
    try:
        with prev.ix.searcher() as s:
            reader = s.reader()
            for raw in reader.lexicon("file"):
                key = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                if key not in wanted and not any(key.startswith(p) for p in prefixes):
                    continue
                stored = [s.stored_fields(n) for n in reader.postings("file", raw).all_ids()
                          if not reader.is_deleted(n)]
                docs = []
                for fields in stored:
                    with contextlib.suppress(DocumentError):
                        # the stored document keeps the registered fields (its outlet among them), and the
                        # article gets its cluster id again from this build's table as it is added
                        docs.append(document(article(fields), key))
                kept += add_documents(writer, key, docs)
                entry = dict(prev.manifest.get(key) or {"hash": "", "size": -1, "mtime": -1, "ctime": -1})
                entry.update(articles=len(docs), error=(manifest.get(key) or {}).get("error") or "not read")
                manifest[key] = entry  # marked failed: read again on the next run
    except Poisoned:
        raise
    except Exception:  # the previous build is damaged too: nothing to copy from it
        return kept
    return kept
