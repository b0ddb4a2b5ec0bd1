"""Exceptions whose messages are safe to show to a user (no paths outside the corpus, no tracebacks)."""


class NewsearchError(Exception):
    """Base class for every error newsearch reports to a user."""


class ReadError(NewsearchError):
    """A corpus file (or one record in it) could not be turned into an Article."""
