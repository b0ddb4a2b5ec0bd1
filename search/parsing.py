"""Files -> Articles with their quotes: the first two pipeline stages, as the CLI and the indexer use them.

`search.corpus.walk` decides which files are read; `parse_file` reads one file and attributes its quotes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from search import quotes, readers
from search.articles import ReadResult
from search.readers.loading import MAX_BYTES

log = logging.getLogger(__name__)


def parse_file(path: str | Path, max_bytes: int = MAX_BYTES, raw: bytes | None = None) -> ReadResult:
    """Read one file (or its bytes `raw`) and fill in each article's quotes and sources; never raises for a
    bad file: a failure of attribution is reported with the file and leaves that article without quotes."""
    result = readers.read(path, max_bytes=max_bytes, raw=raw)
    for art in result.articles:
        try:
            if art.quotes:  # the record brought its own quotes (JSON): keep them, normalise their sources
                for q in art.quotes:
                    q.source = quotes.normalise_source(q.source) if q.source else None
                art.sources = list(dict.fromkeys(q.source for q in art.quotes if q.source))
            else:
                quotes.attribute(art)
        except MemoryError:  # the reading worker's ceiling: the whole file is reported (reading.py)
            raise
        except RecursionError:
            art.quotes, art.sources = [], []
            result.errors.append(f"{_where(art.record)}quotes not attributed (text nested too deeply)")
        except Exception as e:  # an attribution bug must not cost the article: keep it, report the file
            log.exception("quote attribution failed on %s", art.key)
            art.quotes, art.sources = [], []
            result.errors.append(f"{_where(art.record)}quotes not attributed ({type(e).__name__}: {e})")
    return result


def _where(record: int | None) -> str:
    return f"record {record}: " if record is not None else ""
