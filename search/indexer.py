"""Corpus -> Whoosh index: full rebuilds and incremental runs, with a report of what happened to each file.

An incremental run adds new files, re-indexes changed ones (by content hash; size and mtime only decide
whether to hash) and removes deleted ones, in one commit. A full rebuild (or the first run) writes a new
build beside the live one and makes it live only when complete. Files are parsed in a process pool; the
writer runs in this process. A failed file is listed in the report and retried on every run.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing.util
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.articles import Article, ReadResult
from search.config import Settings
from search.errors import IndexWriteError
from search.parsing import corpus_files, parse_file
from search.store import IndexStore

Progress = Callable[[int, int], None]  # (files done, files to parse)


def _die_with_parent(_registered: object = None) -> None:
    """In every process this job forks (parsing pool, Whoosh sub-writers): die when the job dies.

    Forked children share the job's lock (flock follows the open file); a child orphaned by a SIGKILLed
    job would otherwise hold the lock, and the index, forever.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


multiprocessing.util.register_after_fork(_die_with_parent, _die_with_parent)


@dataclass
class IndexReport:
    """What one indexing run did, file by file (counts are files; `articles` is the index total after)."""

    started: str
    finished: str = ""
    duration_s: float = 0.0
    mode: str = "incremental"
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    articles: int = 0
    build: str = ""
    generation: int = -1

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (`newsearch index --json`, `/api/status`)."""
        return asdict(self)


def article_id(key: str, record: int | None) -> str:
    """A stable id for an article: the same file (and record) always gets the same id."""
    return hashlib.sha1(f"{key}#{record if record is not None else ''}".encode()).hexdigest()[:16]


def document(article: Article, key: str) -> dict[str, Any]:
    """The Whoosh document for an article (see schema.py for the fields)."""
    # One line per caption and per quote: snippets pick the matching line, and its index finds the quote.
    captions = "\n".join(" ".join(c.split()) for c in article.captions)
    quotes = "\n".join(" ".join(q.text.split()) for q in article.quotes)
    sources = "\n".join(article.sources)
    published = article.published
    if published is not None and published.tzinfo is not None:
        published = published.astimezone(UTC).replace(tzinfo=None)
    doc: dict[str, Any] = {
        "id": article_id(key, article.record),
        "file": key,
        "headline": article.headline,
        "caption": captions,
        "body": article.body,
        "quotes": quotes,
        "source": sources,
        "byline": article.byline or "",
        "section": article.section or "",
        "url": article.url,
        "data": {
            "path": key,
            "record": article.record,
            "published": article.published.isoformat() if article.published else None,
            "captions": article.captions,
            "credit": article.credit,
            "blockquotes": article.blockquotes,
            "quotes": [q.to_dict() for q in article.quotes],
            "sources": article.sources,
        },
    }
    if article.section:
        doc["section_f"] = article.section.strip()
    if article.sources:
        doc["source_f"] = ",".join(s.replace(",", " ") for s in article.sources)
    if published is not None:
        doc["published"] = published
        doc["year"] = str(published.year)
        doc["dated"] = b"1"
    return doc


class Indexer:
    """Runs indexing jobs against one index root."""

    def __init__(self, settings: Settings, workers: int | None = None) -> None:
        self.settings = settings
        self.store = IndexStore(settings.index)
        self.workers = workers if workers is not None else (os.cpu_count() or 1)

    def run(self, paths: Iterable[Path] | None = None, full: bool = False, progress: Progress | None = None,
            lock_wait: float = 0.0) -> IndexReport:
        """Bring the index in step with the corpus (incremental, or a full rebuild); return the report."""
        report = IndexReport(started=_now())
        t0 = time.monotonic()
        roots = [Path(p) for p in (paths or [self.settings.corpus])]
        try:
            with self.store.lock(wait=lock_wait):
                self.store.remove_abandoned()
                build = self.store.current()
                if full or build is None:
                    report.mode = "full"
                    self._full(roots, report, progress)
                else:
                    self._incremental(build, roots, report, progress)
        except OSError as e:  # disk full, permissions, a file where a folder should be
            raise IndexWriteError(f"the index could not be written: {e}") from e
        report.finished = _now()
        report.duration_s = round(time.monotonic() - t0, 3)
        self.store.add_run(report.to_dict())
        return report

    # -- the two modes ------------------------------------------------------------------------------
    def _full(self, roots: list[Path], report: IndexReport, progress: Progress | None) -> None:
        files = {self.key(f): f for f in corpus_files(roots)}
        build, ix = self.store.create_build()
        manifest: dict[str, dict[str, Any]] = {}
        # A full build indexes in `workers` writer processes (one segment each) and parses here: the
        # writers, not the parsing, are where the time goes. Segments are written as separate files, not
        # one compound file: Whoosh reads a compound segment by copying its parts onto the heap (2.7 GB at
        # a million articles), separate files it reads from the page cache.
        size = sum(st.st_size for f in files.values() if (st := _stat(f)))
        procs = self.workers if size > 2 * 1024 * 1024 else 1
        if procs > 1:
            writer = ix.writer(limitmb=256, procs=procs, multisegment=True, compound=False,
                               subargs={"limitmb": 256, "compound": False})
        else:
            writer = ix.writer(limitmb=256, compound=False)
        with _committing(writer):
            for key, entry, result in self._parse(files, progress, pool=False):
                manifest[key] = entry
                self._record(report, key, result, added=True)
                _add(writer, key, result)
        self.store.save_manifest(build, manifest)
        self.store.activate(build)
        _done(report, build, ix)

    def _incremental(self, build: Path, roots: list[Path], report: IndexReport, progress: Progress | None) -> None:
        manifest = self.store.load_manifest(build)
        seen: dict[str, Path] = {self.key(f): f for f in corpus_files(roots)}
        root_keys = [self.key(r) for r in roots]
        gone = [k for k in manifest if k not in seen and _under_any(k, root_keys)]
        todo: dict[str, Path] = {}
        for key, path in seen.items():
            old = manifest.get(key)
            st = _stat(path)
            if old and not old.get("error") and st and (st.st_size, st.st_mtime_ns) == (old["size"], old["mtime"]):
                report.unchanged += 1
            else:
                todo[key] = path
        ix = self.store.open()
        if not gone and not todo:  # nothing to do: no new generation
            _done(report, build, ix)
            return
        writer = ix.writer(timeout=10.0, delay=0.1, compound=False)
        indexed = ix.reader()
        writes = 0
        with _committing(writer, lambda: writes > 0):
            for key in gone:
                writer.delete_by_term("file", key)
                del manifest[key]
                report.deleted += 1
                writes += 1
            for key, entry, result in self._parse(todo, progress):
                old = manifest.get(key)
                if old and old["hash"] == entry["hash"] and not old.get("error") and not result.errors:
                    old.update(size=entry["size"], mtime=entry["mtime"])  # touched, not changed
                    report.unchanged += 1
                    continue
                manifest[key] = entry
                self._record(report, key, result, added=old is None or not old.get("articles"))
                # Delete what the index holds for the file (this also repairs a run that died between its
                # commit and its manifest); a file that failed before and fails again changes nothing.
                if result.articles or ("file", key) in indexed:
                    writer.delete_by_term("file", key)
                    _add(writer, key, result)
                    writes += 1
        indexed.close()
        self.store.save_manifest(build, manifest)
        _done(report, build, self.store.open())

    # -- helpers ------------------------------------------------------------------------------------
    def key(self, path: Path) -> str:
        """The manifest key of a file: relative to the corpus folder when inside it, else absolute."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.settings.corpus.resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()

    def _parse(self, files: dict[str, Path], progress: Progress | None, pool: bool = True):
        """Yield (key, manifest entry, ReadResult) for each file, parsed in a process pool when worth it."""
        items = list(files.items())
        max_bytes = self.settings.max_file_bytes
        if progress:
            progress(0, len(items))
        if not pool or self.workers <= 1 or len(items) < 32:
            results: Iterable[tuple[str, dict[str, Any], ReadResult]] = (_parse_one(k, p, max_bytes) for k, p in items)
            yield from _counted(results, len(items), progress)
            return
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            keys, paths = zip(*items, strict=True)
            results = pool.map(_parse_one, keys, paths, [max_bytes] * len(items), chunksize=16)
            yield from _counted(results, len(items), progress)

    @staticmethod
    def _record(report: IndexReport, key: str, result: ReadResult, added: bool) -> None:
        for reason in result.errors:
            report.failed.append({"path": key, "reason": reason})
        if result.articles:
            if added:
                report.added += 1
            else:
                report.updated += 1


@contextlib.contextmanager
def _committing(writer: Any, wrote: Callable[[], bool] = lambda: True) -> Iterator[None]:
    """Commit what the block wrote (nothing written: no new generation); on any failure cancel it whole."""
    try:
        yield
    except BaseException as e:
        writer.cancel()
        raise _write_error(e) from e
    if wrote():
        writer.commit(optimize=False)
    else:
        writer.cancel()


def _add(writer: Any, key: str, result: ReadResult) -> None:
    for art in result.articles:
        writer.add_document(**document(art, key))


def _done(report: IndexReport, build: Path, ix: Any) -> None:
    report.build, report.generation, report.articles = build.name, ix.latest_generation(), ix.doc_count()


def _parse_one(key: str, path: Path, max_bytes: int) -> tuple[str, dict[str, Any], ReadResult]:
    st = _stat(path)
    digest = _file_hash(path)
    result = parse_file(path, max_bytes=max_bytes)
    result.path = key
    entry = {
        "hash": digest,
        "size": st.st_size if st else -1,
        "mtime": st.st_mtime_ns if st else -1,
        "articles": len(result.articles),
        "error": "; ".join(result.errors) or None,
    }
    return key, entry, result


def _file_hash(path: Path) -> str:
    """sha1 of a file's bytes, read in chunks (a huge file is reported by the reader, not held in memory)."""
    h = hashlib.sha1()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def _counted(results: Iterable[Any], total: int, progress: Progress | None):
    for done, item in enumerate(results, start=1):
        yield item
        if progress:
            progress(done, total)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _under_any(key: str, roots: list[str]) -> bool:
    return any(r in (".", "") or key == r or key.startswith(r.rstrip("/") + "/") for r in roots)


def _write_error(e: BaseException) -> BaseException:
    if isinstance(e, OSError):
        return IndexWriteError(f"the index could not be written: {e.strerror or e}")
    return e


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = ["Indexer", "IndexReport", "article_id", "document"]
