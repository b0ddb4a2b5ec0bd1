"""`newsearch status --check`: read the whole live index through Whoosh's public API and say what is wrong.

A search reads only what it needs, so a damaged file can sit unnoticed until a query touches it. The check
opens every segment on its own (a broken one is named, the others still read), reads every stored
document, walks every field's term list, reads each column as long as the segment's document count says
it is, and decodes the posting list of one term per field (all of them with `deep=True`). It also checks
the manifest and the run reports. The cure for any problem it finds is `newsearch index --full`, which
rebuilds from the corpus whatever state the index folder is in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from search.errors import IndexOutdated, NewsearchError
from search.index.store import MANIFEST, QUOTES_DIR, RUNS, IndexStore

MAX_PROBLEMS = 50
MISSING = 2**64 - 1  # a numeric column's value for "no value"


def check_index(store: IndexStore, deep: bool = False) -> dict[str, Any]:
    """{"build", "segments", "documents", "problems": [...]} for the live build of an index root."""
    out: dict[str, Any] = {"build": None, "segments": 0, "documents": 0, "problems": []}
    problems: list[str] = out["problems"]
    build = store.current()
    if build is None:
        problems.append(f"no index at {store.root}: run `newsearch index`")
        return out
    out["build"] = build.name
    for opening in (store.open, store.open_quotes):  # made by another version: readable, but not by this one
        try:
            opening()
        except IndexOutdated as e:
            problems.append(str(e))
        except NewsearchError:  # damaged: said below, segment by segment
            pass
    out["segments"], out["documents"] = _check_whoosh(build, "the index", problems, deep)
    if (build / QUOTES_DIR).is_dir():  # a build from before quotes were indexed has none
        before = len(problems)
        _, out["quote_records"] = _check_whoosh(build / QUOTES_DIR, "the quote index", problems, deep)
        problems[before:] = [f"the quote index: {p}" for p in problems[before:]]
    _check_json(build / MANIFEST, "the manifest", dict, problems)
    _check_json(store.root / RUNS, "the run reports", list, problems)
    return out


def _check_whoosh(folder: Path, what: str, problems: list[str], deep: bool) -> tuple[int, int]:
    """(segments, documents) of one Whoosh index folder, every segment read; what is wrong goes to problems."""
    segments = documents = 0
    try:
        ix = whoosh_index.open_dir(str(folder))
        toc = whoosh_index.TOC.read(ix.storage, ix.indexname, schema=ix.schema)
    except Exception as e:  # the TOC itself
        problems.append(f"the table of contents cannot be read ({_what(e)})" if what != "the index"
                        else f"the index's table of contents cannot be read ({_what(e)})")
        return segments, documents
    for segment in toc.segments:
        segments += 1
        name = segment.segment_id()
        try:
            reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        except Exception as e:
            problems.append(f"segment {name} cannot be opened ({_what(e)})")
            continue
        try:
            documents += _check_segment(reader, name, problems, deep)
        finally:
            reader.close()
        if len(problems) >= MAX_PROBLEMS:
            break
    return segments, documents


def _check_segment(reader: SegmentReader, name: str, problems: list[str], deep: bool) -> int:
    n = reader.doc_count_all()
    read = 0
    for docnum in range(n):
        try:
            reader.stored_fields(docnum)
            read += 1
        except Exception as e:
            problems.append(f"segment {name}: stored document {docnum} of {n} cannot be read ({_what(e)})")
            break
    for fieldname, field in reader.schema.items():
        if field.column_type is not None or field.scorable:
            _check_columns(reader, name, fieldname, field, n, problems)
        if not field.indexed:
            continue
        try:
            for terms, text in enumerate(reader.lexicon(fieldname)):
                if deep or terms == 0:
                    list(reader.postings(fieldname, text).all_ids())
        except Exception as e:
            problems.append(f"segment {name}: the terms of field {fieldname!r} cannot be read ({_what(e)})")
    return read


def _check_columns(reader: SegmentReader, name: str, fieldname: str, field: Any, n: int,
                   problems: list[str]) -> None:
    """A truncated column file reads as default values rather than failing: look at the last document."""
    if not n:
        return
    try:
        # Whoosh gives None both for an empty field and past the end of a cut-short lengths file: a stored,
        # non-empty field must have a length
        if field.scorable and field.stored and reader.doc_field_length(n - 1, fieldname) is None \
                and reader.stored_fields(n - 1).get(fieldname):
            problems.append(f"segment {name}: the lengths of field {fieldname!r} are cut short (truncated file)")
        if field.column_type is not None and reader.has_column(fieldname):
            column = reader.column_reader(fieldname, translate=False)
            column[n - 1]
            # `dated` says which documents have a publication time: a missing time there is a cut-short column
            if fieldname == "published" and reader.has_column("dated"):
                dated = reader.column_reader("dated")
                if any(column[d] == MISSING and dated[d] == b"1" for d in range(n)):
                    problems.append(f"segment {name}: column {fieldname!r} is cut short (truncated file)")
    except Exception as e:
        problems.append(f"segment {name}: column {fieldname!r} cannot be read ({_what(e)})")


def _check_json(path: Path, what: str, kind: type, problems: list[str]) -> None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as e:
        problems.append(f"{what} ({path.name}) cannot be read ({_what(e)}); the next run rebuilds it")
        return
    if not isinstance(value, kind):
        problems.append(f"{what} ({path.name}) is not what newsearch writes; the next run rebuilds it")


def _what(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return text[:200]
