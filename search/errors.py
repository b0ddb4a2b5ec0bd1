"""Exceptions whose messages are safe to show to a user (no paths outside the corpus, no tracebacks)."""


class NewsearchError(Exception):
    """Base class for every error newsearch reports to a user."""


class ReadError(NewsearchError):
    """A corpus file (or one record in it) could not be turned into an Article."""


class IndexMissing(NewsearchError):
    """There is no index yet at the configured place."""


class IndexLocked(NewsearchError):
    """Another indexing job holds the index; this one did not get it in time."""


class IndexWriteError(NewsearchError):
    """The index could not be written (disk full, permissions, a broken index)."""


class IndexDamaged(NewsearchError):
    """The index on disk cannot be read (a truncated or missing file); `newsearch index --full` rebuilds it."""


class IndexOutdated(IndexDamaged):
    """The index was built with other fields than this newsearch declares; `newsearch index --full` rebuilds it."""


class RunRefused(NewsearchError):
    """An indexing run refused to change the index (the corpus is missing or empty, or too much would go)."""


class RunStopped(NewsearchError):
    """An indexing run was stopped (SIGTERM, Ctrl-C) before it finished; the index was not changed."""


class BadRequest(NewsearchError):
    """A search parameter is out of range or malformed; `param` names it."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class NotFound(NewsearchError):
    """No article with that id."""


class CursorExpired(NewsearchError):
    """A paging cursor made on an index build or generation that is no longer live: start the search again."""


class ClusterError(NewsearchError):
    """`index --cluster` cannot use its Dask cluster (not installed, unreachable, unfit or lost workers, the scheduler
    gone); the index was not changed."""
