"""Corpus -> Whoosh index: full rebuilds and incremental runs, with a report of what happened to each file.

An incremental run adds new files, re-indexes changed ones and removes deleted ones, in one commit. A file
is read again when its size, mtime or ctime changed (ctime catches content rewritten with its mtime put
back) or when it changed too recently to trust its timestamps; reading it decides by content hash. A full
rebuild (or the first run) writes a new build beside the live one and makes it live only when complete.

What a run never does (README "What happens when…"):
- empty the index by accident: a run whose corpus folder is missing, unreadable or empty while the index is
  not, or that would remove more than Settings.max_delete_share of the articles, refuses and changes
  nothing (`allow_delete` is how a user really removes that much);
- delete what it could not read: a file that fails, a folder that cannot be listed, a link it will not
  follow keep the articles indexed from them (a full rebuild copies them over from the previous build);
- stop for one file: files are read in worker processes with a time limit (reading.py), and whatever goes
  wrong with one file or record is that file's failure, listed in the report and retried next run;
- go unrecorded: every run, refused, failed or stopped ones too, leaves its report in index/runs.json.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import multiprocessing.util
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.config import Settings
from search.errors import (
    IndexDamaged,
    IndexLocked,
    IndexWriteError,
    NewsearchError,
    RunRefused,
    RunStopped,
)
from search.index.documents import DocumentError, article, document
from search.index.reading import FileResult, read_all, stat_entry, unchanged
from search.index.store import IndexStore, damaged_message, probe
from search.ingest import Walk, escape_name, walk

Progress = Callable[[int, int], None]  # (files done, files to read)
REPORT_LIST = 50  # per-file entries a stored report keeps of each list (the counts say how many in all)
POISON_RETRIES = 3  # a document Whoosh refuses mid-write spoils the writer: the run starts again without it
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}  # the disk, not the index


def _die_with_parent(_registered: object = None) -> None:
    """In every process this job forks (reading workers, Whoosh sub-writers): die when the job dies.

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
    status: str = "ok"  # ok | failed | refused | stopped | skipped (another job held the index)
    error: str | None = None
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}, one per file
    failed_count: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)  # not article files: {"path", "reason"}
    skipped_count: int = 0
    kept: int = 0  # articles kept for files that could not be read this time
    articles: int = 0
    build: str = ""
    generation: int = -1

    def fail(self, path: str, reason: str) -> None:
        """List one file that could not be (fully) read or indexed."""
        self.failed.append({"path": path, "reason": reason})
        self.failed_count = len(self.failed)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """The report as JSON-ready data (`newsearch index --json`, `/api/status`); `limit` cuts the lists."""
        d = asdict(self)
        if limit is not None:
            d["failed"], d["skipped"] = d["failed"][:limit], d["skipped"][:limit]
        return d


@dataclass
class _Previous:
    """The live build as this run found it: open (or why not), its manifest and how many articles it holds."""

    build: Path | None
    ix: Any = None
    damage: str | None = None
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: int = 0


class _Poisoned(Exception):
    """Whoosh refused a document half-way through adding it: the writer cannot be trusted any more."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key, self.reason = key, reason


class Indexer:
    """Runs indexing jobs against one index root."""

    def __init__(self, settings: Settings, workers: int | None = None) -> None:
        self.settings = settings
        self.store = IndexStore(settings.index)
        self.workers = workers if workers is not None else (os.cpu_count() or 1)

    def run(self, paths: Iterable[Path] | None = None, full: bool = False, progress: Progress | None = None,
            lock_wait: float = 0.0, allow_delete: bool = False, stop: threading.Event | None = None) -> IndexReport:
        """Bring the index in step with the corpus (incremental, or a full rebuild); return the report.

        Raises RunRefused, IndexLocked, IndexDamaged, IndexWriteError or RunStopped when the index was not
        changed; the run's report is recorded either way.
        """
        t0 = time.monotonic()
        report = IndexReport(started=_now(), mode="full" if full else "incremental")
        roots = [Path(p) for p in (paths or [self.settings.corpus])]
        try:
            with self.store.lock(wait=lock_wait):
                excluded: dict[str, str] = {}
                for attempt in range(POISON_RETRIES + 1):
                    report = IndexReport(started=report.started, mode=report.mode)
                    try:
                        self._run(report, roots, paths is None, full, progress, allow_delete, stop, excluded)
                        break
                    except _Poisoned as e:
                        if attempt == POISON_RETRIES:
                            raise IndexWriteError(f"the index could not be written: {e.reason}") from None
                        excluded[e.key] = f"could not be added to the index ({e.reason}): not indexed"
        except BaseException as e:
            report.status, report.error = _outcome(e)
            if isinstance(e, OSError):
                raise IndexWriteError(f"the index could not be written: {e.strerror or e}") from e
            raise
        finally:
            report.finished = _now()
            report.duration_s = round(time.monotonic() - t0, 3)
            self._record(report)
        return report

    # -- one attempt ----------------------------------------------------------------------------------
    def _run(self, report: IndexReport, roots: list[Path], whole_corpus: bool, full: bool,
             progress: Progress | None, allow_delete: bool, stop: threading.Event | None,
             excluded: dict[str, str]) -> None:
        self.store.remove_abandoned()
        found = walk(roots, self.settings.corpus)
        report.skipped, report.skipped_count = found.skipped, len(found.skipped)
        for problem in found.problems:
            report.fail(problem["path"], problem["reason"])
        prev = self._previous(self.store.current())
        self._check_roots(found, roots, whole_corpus, prev, allow_delete)
        if full or prev.build is None:
            report.mode = "full"
            self._full(report, found, prev, progress, allow_delete, stop, excluded)
        else:
            self._incremental(report, found, prev, progress, allow_delete, stop, excluded)

    def _previous(self, build: Path | None) -> _Previous:
        """The live build: opened if it can be, with its manifest (rebuilt from the index if it was lost)."""
        prev = _Previous(build)
        if build is None:
            return prev
        try:
            prev.ix = self.store.open()
            prev.total = prev.ix.doc_count()
            with prev.ix.reader() as reader:
                probe(reader)  # a damaged index is said so even when this run has nothing to change
        except IndexDamaged as e:
            prev.ix, prev.damage = None, str(e)
        except Exception as e:  # the TOC opened but the segments did not
            prev.ix, prev.damage = None, damaged_message(build, e)
        manifest = self.store.load_manifest(build)
        if manifest is None and prev.ix is not None:
            manifest = _manifest_from_index(prev.ix)
        prev.manifest = manifest or {}
        if prev.ix is None:
            prev.total = sum(int(e.get("articles") or 0) for e in prev.manifest.values())
        return prev

    def _check_roots(self, found: Walk, roots: list[Path], whole_corpus: bool, prev: _Previous,
                     allow_delete: bool) -> None:
        """Refuse a run that would empty the index because its corpus is missing, unreadable or empty."""
        what = "corpus folder" if whole_corpus else "path"
        if found.missing:
            raise RunRefused(f"the {what} {found.missing[0]} does not exist (a share that is not mounted, or a "
                             "renamed folder?): the index was not changed")
        blind = [root for root, key in zip(roots, found.roots, strict=True) if key in found.unreadable]
        if blind:
            raise RunRefused(f"the {what} {escape_name(str(blind[0]))} cannot be read: the index was not changed")
        if whole_corpus and prev.total and not found.files and not found.problems and not allow_delete:
            raise RunRefused(f"the corpus folder {escape_name(str(roots[0]))} holds no article files, but the index "
                             f"holds {prev.total} articles: the index was not changed (an emptied or unmounted "
                             "folder?). To empty the index, run again with --allow-delete")

    def _check_loss(self, lost: int, total: int, allow_delete: bool) -> None:
        share = self.settings.max_delete_share
        if allow_delete or total <= 0 or lost <= share * total:
            return
        raise RunRefused(f"this run would remove {lost} of the {total} articles in the index (more than "
                         f"{share:.0%}, NEWSEARCH_MAX_DELETE_SHARE): the index was not changed. If those articles "
                         "are really gone, run again with --allow-delete")

    # -- the two modes --------------------------------------------------------------------------------
    def _full(self, report: IndexReport, found: Walk, prev: _Previous, progress: Progress | None,
              allow_delete: bool, stop: threading.Event | None, excluded: dict[str, str]) -> None:
        build, ix = self.store.create_build()
        try:
            manifest: dict[str, dict[str, Any]] = {}
            writer = self._full_writer(ix, found)
            docs = 0
            unread: list[str] = []  # files that gave nothing this time: their old articles are copied over
            with _committing(writer):
                for res in self._read(found, progress, stop, excluded):
                    manifest[res.key] = res.entry
                    if res.errors:
                        report.fail(res.key, res.entry["error"])
                    if res.docs:
                        report.added += 1
                        docs += _add(writer, res.key, res.docs)
                    elif res.errors:
                        unread.append(res.key)
                kept = self._carry_over(writer, prev, unread, found, manifest)
                report.kept = kept
                self._check_loss(prev.total - docs - kept, prev.total, allow_delete)
            self.store.save_manifest(build, manifest)
            self.store.activate(build)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)  # a full build that did not finish leaves nothing behind
            raise
        _done(report, build, self.store.open())

    def _full_writer(self, ix: Any, found: Walk) -> Any:
        # A full build indexes in `workers` writer processes (one segment each): the writers, not the reading,
        # are where the time goes. Segments are written as separate files, not one compound file: Whoosh reads
        # a compound segment by copying its parts onto the heap (2.7 GB at a million articles), separate files
        # it reads from the page cache.
        size = sum(st.st_size for _, f in found.files if (st := _stat(f)))
        if self.workers > 1 and size > 2 * 1024 * 1024:
            return ix.writer(limitmb=256, procs=self.workers, multisegment=True, compound=False,
                             subargs={"limitmb": 256, "compound": False})
        return ix.writer(limitmb=256, compound=False)

    def _carry_over(self, writer: Any, prev: _Previous, unread: list[str], found: Walk,
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
                            docs.append(document(article(fields), key))
                    kept += _add(writer, key, docs)
                    entry = dict(prev.manifest.get(key) or {"hash": "", "size": -1, "mtime": -1, "ctime": -1})
                    entry.update(articles=len(docs), error=(manifest.get(key) or {}).get("error") or "not read")
                    manifest[key] = entry  # marked failed: read again on the next run
        except _Poisoned:
            raise
        except Exception:  # the previous build is damaged too: nothing to copy from it
            return kept
        return kept

    def _incremental(self, report: IndexReport, found: Walk, prev: _Previous, progress: Progress | None,
                     allow_delete: bool, stop: threading.Event | None, excluded: dict[str, str]) -> None:
        if prev.ix is None:
            raise IndexDamaged(prev.damage or "the index cannot be read; run `newsearch index --full`")
        build, manifest = prev.build, prev.manifest
        present, unreadable = found.present()
        gone = [k for k in manifest if k not in present and not _under_any(k, unreadable)
                and _under_any(k, found.roots)]
        lost = sum(int(manifest[k].get("articles") or 0) for k in gone)
        self._check_loss(lost, prev.total, allow_delete)
        todo = Walk(roots=found.roots)
        for key, path in found.files:
            if unchanged(stat_entry(path), manifest.get(key)):
                report.unchanged += 1
            else:
                todo.files.append((key, path))
        if not gone and not todo.files:  # nothing to do: no new generation
            _done(report, build, prev.ix)
            return
        try:
            writer = prev.ix.writer(timeout=10.0, delay=0.1, compound=False)
            indexed = prev.ix.reader()
        except NewsearchError:
            raise
        except Exception as e:  # the TOC reads, a segment does not
            if isinstance(e, OSError) and e.errno in _WRITE_ERRNOS:
                raise
            raise IndexDamaged(damaged_message(build, e)) from e
        writes = 0
        try:
            with _committing(writer, lambda: writes > 0):
                for key in gone:
                    writer.delete_by_term("file", key)
                    del manifest[key]
                    report.deleted += 1
                    writes += 1
                for res in self._read(todo, progress, stop, excluded):
                    old = manifest.get(res.key)
                    old_articles = int((old or {}).get("articles") or 0)
                    if res.errors and not res.docs:  # could not be read: keep what the index has for it
                        if old_articles:
                            report.kept += old_articles
                            res.entry["articles"] = old_articles
                        manifest[res.key] = res.entry
                        report.fail(res.key, res.entry["error"] + (
                            f" (the {old_articles} articles indexed from it before are kept)" if old_articles else ""))
                        continue
                    if (old and old.get("hash") == res.entry["hash"] and old.get("error") == res.entry["error"]
                            and old_articles == len(res.docs)):  # touched, not changed (or failing the same way)
                        old.update({k: res.entry.get(k) for k in ("size", "mtime", "ctime")})
                        old.pop("recheck", None)
                        if res.entry.get("recheck"):
                            old["recheck"] = True
                        if res.errors:
                            report.fail(res.key, res.entry["error"])
                        else:
                            report.unchanged += 1
                        continue
                    manifest[res.key] = res.entry
                    if res.errors:
                        report.fail(res.key, res.entry["error"])
                    if res.docs:
                        if old_articles:
                            report.updated += 1
                        else:
                            report.added += 1
                    lost += max(0, old_articles - len(res.docs))
                    # Delete what the index holds for the file (this also repairs a run that died between its
                    # commit and its manifest), then add what it holds now.
                    if res.docs or ("file", res.key) in indexed:
                        writer.delete_by_term("file", res.key)
                        _add(writer, res.key, res.docs)
                        writes += 1
                self._check_loss(lost, prev.total, allow_delete)
        finally:
            indexed.close()
        self.store.save_manifest(build, manifest)
        _done(report, build, self.store.open())

    # -- helpers --------------------------------------------------------------------------------------
    def _read(self, found: Walk, progress: Progress | None, stop: threading.Event | None,
              excluded: dict[str, str]) -> Iterator[FileResult]:
        """Every file of the walk read into documents, in order, in stoppable worker processes."""
        items = [(k, p) for k, p in found.files if k not in excluded]
        total = len(found.files)
        done = 0
        if progress:
            progress(0, total)
        for key, path in found.files:
            if key in excluded:
                done += 1
                yield FileResult(key=key, entry={**stat_entry(path), "hash": "", "articles": 0,
                                                 "error": excluded[key]}, errors=[excluded[key]])
        budget = max(1024 * 1024 * 1024, 16 * self.settings.max_file_bytes)
        results = read_all(items, self.settings.max_file_bytes, self.settings.file_timeout_s,
                           max(1, self.workers), memory_bytes=budget) if items else iter(())
        try:
            for res in results:
                if stop is not None and stop.is_set():
                    raise RunStopped("the run was stopped before it finished: the index was not changed")
                done += 1
                if progress:
                    progress(done, total)
                yield res
        finally:
            close = getattr(results, "close", None)
            if close:
                close()

    def _record(self, report: IndexReport) -> None:
        """Keep the report (lists cut to REPORT_LIST); a report that cannot be written is not a second error."""
        with contextlib.suppress(OSError):
            self.store.add_run(report.to_dict(limit=REPORT_LIST))


@contextlib.contextmanager
def _committing(writer: Any, wrote: Callable[[], bool] = lambda: True) -> Iterator[None]:
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


def _add(writer: Any, key: str, docs: list[dict[str, Any]]) -> int:
    for doc in docs:
        try:
            writer.add_document(**doc)
        except Exception as e:  # Whoosh has already posted part of it: this writer is spoilt
            raise _Poisoned(key, f"{type(e).__name__}: {e}") from e
    return len(docs)


def _manifest_from_index(ix: Any) -> dict[str, dict[str, Any]]:
    """A manifest rebuilt from the index when manifest.json was lost: every file is read again next run."""
    manifest: dict[str, dict[str, Any]] = {}
    with ix.reader() as reader:
        for raw in reader.lexicon("file"):
            key = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            n = sum(1 for d in reader.postings("file", raw).all_ids() if not reader.is_deleted(d))
            if n:
                manifest[key] = {"hash": "", "size": -1, "mtime": -1, "ctime": -1, "articles": n,
                                 "error": "the manifest was lost: read again"}
    return manifest


def _done(report: IndexReport, build: Path, ix: Any) -> None:
    report.build, report.generation, report.articles = build.name, ix.latest_generation(), ix.doc_count()


def _outcome(e: BaseException) -> tuple[str, str]:
    """(status, error) of a run that raised."""
    if isinstance(e, IndexLocked):
        return "skipped", str(e)
    if isinstance(e, RunRefused):
        return "refused", str(e)
    if isinstance(e, RunStopped | KeyboardInterrupt | SystemExit):
        return "stopped", str(e) or "the run was stopped before it finished: the index was not changed"
    if isinstance(e, NewsearchError):
        return "failed", str(e)
    if isinstance(e, OSError):
        return "failed", f"the index could not be written: {e.strerror or e}"
    return "failed", f"unexpected error ({type(e).__name__}: {e})"


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _under_any(key: str, roots: list[str]) -> bool:
    return any(r in (".", "") or key == r or key.startswith(r.rstrip("/") + "/") for r in roots)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = ["Indexer", "IndexReport"]
