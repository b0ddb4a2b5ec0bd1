"""Files -> Articles with their quotes: the first two pipeline stages, as the CLI and the indexer use them.

`corpus_files` walks the given files and folders; `parse_file` reads one file and attributes its quotes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from search import quotes, readers
from search.articles import ReadResult
from search.readers.loading import MAX_BYTES


def corpus_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every readable corpus file under the given paths, in a stable order.

    Folders are searched recursively for known suffixes (hidden files and folders skipped); a file named
    explicitly is always yielded, so that a wrong or missing file is reported rather than ignored.
    """
    for p in paths:
        path = Path(p)
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                f = Path(root) / name
                if readers.is_supported(f):
                    yield f


def parse_file(path: str | Path, max_bytes: int = MAX_BYTES) -> ReadResult:
    """Read one file and fill in each article's quotes and sources; never raises for a bad file."""
    result = readers.read(path, max_bytes=max_bytes)
    for art in result.articles:
        if art.quotes:  # the record brought its own quotes (JSON): keep them, normalise their sources
            for q in art.quotes:
                q.source = quotes.normalise_source(q.source) if q.source else None
            art.sources = list(dict.fromkeys(q.source for q in art.quotes if q.source))
        else:
            quotes.attribute(art)
    return result
