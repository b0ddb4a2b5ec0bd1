"""The indexer's Whoosh writers: what a full rebuild and an incremental run share when they write documents.

A run's writes are one commit or nothing (`committing`); a document Whoosh refuses half-way spoils the writer,
which `add_documents` reports as Poisoned so the indexer can start the run again without that file.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable, Iterator
from typing import Any

WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}  # the disk, not the index


class Poisoned(Exception):
    """Whoosh refused a document half-way through adding it: the writer cannot be trusted any more."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key, self.reason = key, reason


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


def add_documents(writer: Any, key: str, docs: list[dict[str, Any]]) -> int:
    """Add the documents of the file `key`; how many. Raises Poisoned when Whoosh refuses one."""
    for doc in docs:
        try:
            writer.add_document(**doc)
        except Exception as e:  # Whoosh has already posted part of it: this writer is spoilt
            raise Poisoned(key, f"{type(e).__name__}: {e}") from e
    return len(docs)
