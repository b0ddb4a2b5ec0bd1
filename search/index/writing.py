"""The indexer's Whoosh writers: what a full rebuild and an incremental run share when they write documents.

A run's writes are one commit or nothing (`committing`); a document Whoosh refuses half-way spoils the writer,
which `add_documents` reports as Poisoned so the indexer can start the run again without that file. A build's
article index and quote index are written through one `PairWriter`, so every article added brings its quotes
and every file's removal takes both.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from search.index.dedup import Clusters
from search.index.documents import Document

WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}  # the disk, not the index


class Poisoned(Exception):
    """Whoosh refused a document half-way through adding it: the writer cannot be trusted any more."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key, self.reason = key, reason


class PairWriter:
    """A build's article writer and quote writer, used as one Whoosh writer by the indexer, with the build's
    table of near-duplicates (dedup.py), which gives each article added its cluster id.

    The quote index is committed first: if the article commit then fails, the run is not recorded in the
    manifest, so the next run reads those files again and replaces both (delete by file, then add). The
    near-duplicate table is saved after the article commit, for the generation it made (a run killed in
    between leaves a table for an older generation, which the next run makes again from the index)."""

    def __init__(self, articles: Any, quotes: Any | None, clusters: Clusters | None = None) -> None:
        self.articles, self.quotes, self.clusters = articles, quotes, clusters

    def add(self, doc: Document) -> None:
        """Add an article's document (with its cluster id), and its quotes' to the quote index."""
        if self.clusters is not None:
            doc.fields["cluster_f"] = self.clusters.assign(doc.fields["id"], doc.signature)
            doc.fields["story"] = story_number(doc.fields["cluster_f"])
        self.articles.add_document(**doc.fields)
        if self.quotes is not None:
            for quote in doc.quotes:
                self.quotes.add_document(**quote)

    def delete_by_term(self, fieldname: str, text: str) -> None:
        self.articles.delete_by_term(fieldname, text)
        if self.quotes is not None:
            self.quotes.delete_by_term(fieldname, text)

    def commit(self, **kwargs: Any) -> None:
        if self.quotes is not None:
            self.quotes.commit(**kwargs)
        self.articles.commit(**kwargs)
        if self.clusters is not None:
            self.clusters.save()

    def cancel(self) -> None:
        for writer in (self.quotes, self.articles):
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.cancel()


@contextlib.contextmanager
def committing(writer: Any, wrote: Callable[[], bool] = lambda: True) -> Iterator[None]:
    """Commit what the block wrote (nothing written: no new generation); on any failure cancel it whole."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise
    if wrote():
        writer.commit(optimize=False)
    else:
        writer.cancel()


def add_documents(writer: PairWriter, key: str, docs: list[Document]) -> int:
    """Add the documents of the file `key`; how many. Raises Poisoned when Whoosh refuses one."""
    for doc in docs:
        try:
            writer.add(doc)
        except Exception as e:  # Whoosh has already posted part of it: this writer is spoilt
            raise Poisoned(key, f"{type(e).__name__}: {e}") from e
    return len(docs)


def story_number(cluster: str) -> int:
    """A cluster id as the 64-bit number of the `story` column (never 0, which means no cluster): what the engine
    groups hits by (collapse.py), read per segment as one array."""
    number = int.from_bytes(hashlib.blake2b(cluster.encode("utf-8"), digest_size=8).digest(), "big")
    return number or 1
