"""Corpus files -> Articles. One module per input format; `read(path)` picks one by suffix or sniffing.

Every file ends up either as Articles or as reasons in the ReadResult: a reader never raises on a bad
file, and a bad record in a JSON Lines file does not lose its neighbours. Each article's outlet (its publisher)
is what its reader found named, else its URL's domain (`_name_outlet`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from search.articles import Article, ReadResult, url_outlet
from search.errors import ReadError
from search.readers import html, jsonfile, text
from search.readers.loading import MAX_BYTES, load_bytes, looks_binary

log = logging.getLogger(__name__)

SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
READERS = {"text": text.read, "html": html.read, "json": jsonfile.read}


def detect_format(path: Path, data: bytes) -> str:
    """The reader for a file: by its suffix (ignoring .gz), else by sniffing the first bytes."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<!--")) or b"<html" in head:
        return "html"
    return "text"


def is_supported(path: Path) -> bool:
    """True for files a folder walk should pick up (known suffixes, plain or gzipped)."""
    name = path.name.lower()
    if name.startswith("."):
        return False
    if name.endswith(".gz"):
        name = name[:-3]
    return Path(name).suffix in SUFFIXES


def read(path: str | Path, max_bytes: int = MAX_BYTES, raw: bytes | None = None) -> ReadResult:
    """Read one corpus file (or its bytes `raw`, already read) into a ReadResult; never raises for a bad file."""
    path = Path(path)
    result = ReadResult(path=str(path))
    try:
        data = load_bytes(path, max_bytes, raw)
        if not data or data.isspace():  # (strip() would copy the whole file)
            raise ReadError("empty file")
        if looks_binary(data):
            raise ReadError("not a text file (binary content)")
        fmt = detect_format(path, data)
        out = READERS[fmt](data, str(path))
    except ReadError as e:
        result.errors.append(str(e))
        return result
    except RecursionError:
        result.errors.append("document is nested too deeply to read")
        return result
    except MemoryError:
        result.errors.append("reading it needs more memory than a reading process may use")
        return result
    except Exception as e:  # a reader bug must not stop a corpus run; report it with the file
        log.exception("reader failed on %s", path)
        result.errors.append(f"could not be read ({type(e).__name__}: {e})")
        return result
    if isinstance(out, ReadResult):
        result = out
    else:
        result.articles.append(out)
    for art in result.articles:
        _name_outlet(art)
    return result


def _name_outlet(art: Article) -> None:
    """The publisher: what the reader found named (a site name, a JSON `publisher`), else the URL's domain; no
    outlet for an article without either (a plain-text file without a `URL:` line). Never a source it quotes."""
    named = " ".join((art.fields.get("outlet") or "").split())
    if named.lower().startswith("www.") and " " not in named:  # a domain given as the name ("www.bbc.co.uk")
        named = named[4:]
    outlet = named or url_outlet(art.url)
    if outlet:
        art.fields["outlet"] = outlet
    else:
        art.fields.pop("outlet", None)
