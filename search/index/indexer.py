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

This module runs the job (lock, retries, the checks that refuse a run, reading, the report); the steps of each
mode are in rebuild.py (full) and update.py (incremental), the live build as found in previous.py, the shared
writer helpers in writing.py and the report in report.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from search.config import Settings
from search.errors import IndexDamaged, IndexOutdated, IndexWriteError, RunRefused, RunStopped
from search.index.previous import Previous, open_previous
from search.index.publish import destinations, publish_all, refuse_replica
from search.index.reading import FileResult, failed, read_all
from search.index.rebuild import add_all, carry_over, full_writer
from search.index.report import REPORT_LIST, IndexReport, live_build, now, outcome
from search.index.store import IndexStore
from search.index.update import Update, changed_files, gone_files
from search.index.writing import Poisoned, committing
from search.ingest import Walk, check_aliases, escape_name, walk

Progress = Callable[[int, int], None]  # (files done, files to read)
POISON_RETRIES = 3  # a document Whoosh refuses mid-write spoils the writer: the run starts again without it


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
        report = IndexReport(started=now(), mode="full" if full else "incremental")
        roots = [Path(p) for p in (paths or [self.settings.corpus])]
        try:
            check_aliases(self.settings.aliases_files)  # a bad NEWSEARCH_ALIASES file fails the run, not every file
            refuse_replica(self.store.root)
            with self.store.lock(wait=lock_wait):
                excluded: dict[str, str] = {}
                for attempt in range(POISON_RETRIES + 1):
                    report = IndexReport(started=report.started, mode=report.mode)
                    try:
                        self._run(report, roots, paths is None, full, progress, allow_delete, stop, excluded)
                        break
                    except Poisoned as e:
                        if attempt == POISON_RETRIES:
                            raise IndexWriteError(f"the index could not be written: {e.reason}") from None
                        excluded[e.key] = f"could not be added to the index ({e.reason}): not indexed"
                # Still locked, so no commit changes the build being copied; the replicas' runs.json gets this
                # run's report as of now (the root's gets it with the publish results, below).
                if replicas := destinations(self.settings.publish):
                    report.finished, report.duration_s = now(), round(time.monotonic() - t0, 3)
                    report.publish = [r.to_dict() for r in publish_all(self.settings, replicas,
                                                                       report.to_dict(limit=REPORT_LIST))]
        except BaseException as e:
            report.status, report.error = outcome(e)
            if isinstance(e, OSError):
                raise IndexWriteError(f"the index could not be written: {e.strerror or e}") from e
            raise
        finally:
            report.finished = now()
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
        prev = open_previous(self.store, self.store.current())
        self._check_roots(found, roots, whole_corpus, prev, allow_delete)
        if full or prev.build is None:
            report.mode = "full"
            self._full(report, found, prev, progress, allow_delete, stop, excluded)
        else:
            self._incremental(report, found, prev, progress, allow_delete, stop, excluded)

    def _check_roots(self, found: Walk, roots: list[Path], whole_corpus: bool, prev: Previous,
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

    def _quotes(self, build: Path) -> Any | None:
        """The quote index of the live build, to update with its articles; None for a build made before quotes
        were indexed (its quote search says to run `index --full` until then)."""
        try:
            return self.store.open_quotes(build)
        except IndexOutdated:
            return None

    # -- the two modes --------------------------------------------------------------------------------
    def _full(self, report: IndexReport, found: Walk, prev: Previous, progress: Progress | None,
              allow_delete: bool, stop: threading.Event | None, excluded: dict[str, str]) -> None:
        build, ix, quotes = self.store.create_build()
        try:
            manifest: dict[str, dict[str, Any]] = {}
            writer = full_writer(ix, quotes, bool(self.settings.dedup))
            with committing(writer):
                docs, unread = add_all(writer, self._read(found, progress, stop, excluded), report, manifest)
                report.kept = carry_over(writer, prev, unread, found, manifest)
                self._check_loss(prev.total - docs - report.kept, prev.total, allow_delete)
            self.store.save_manifest(build, manifest)
            self.store.activate(build)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)  # a full build that did not finish leaves nothing behind
            raise
        live_build(report, build, ix)

    def _incremental(self, report: IndexReport, found: Walk, prev: Previous, progress: Progress | None,
                     allow_delete: bool, stop: threading.Event | None, excluded: dict[str, str]) -> None:
        if prev.ix is None:
            raise IndexDamaged(prev.damage or "the index cannot be read; run `newsearch index --full`")
        build, manifest = prev.build, prev.manifest
        gone, lost = gone_files(found, manifest)
        self._check_loss(lost, prev.total, allow_delete)
        todo = changed_files(found, manifest, report)
        if not gone and not todo.files:  # nothing to do: no new generation
            live_build(report, build, prev.ix)
            return
        update = Update.open(prev, report, lost, self._quotes(build), bool(self.settings.dedup))
        try:
            with committing(update.writer, lambda: update.writes > 0):
                update.delete(gone)
                for res in self._read(todo, progress, stop, excluded):
                    update.apply(res)
                self._check_loss(update.lost, prev.total, allow_delete)
        finally:
            update.indexed.close()
        self.store.save_manifest(build, manifest)
        live_build(report, build, prev.ix)  # (a FileIndex reads the newest commit)

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
                yield failed(key, path, excluded[key])
        s = self.settings
        limits = {"memory_bytes": max(1024 * 1024 * 1024, 16 * s.max_file_bytes), "aliases_files": s.aliases_files,
                  "dedup": bool(s.dedup)}
        if not items:
            results: Iterator[FileResult] = iter(())
        elif s.cluster:  # read on a Dask cluster (cluster.py); the index is written here
            from search.index.cluster import read_cluster

            results = read_cluster(items, s.cluster, s.max_file_bytes, s.file_timeout_s, **limits)
        else:
            results = read_all(items, s.max_file_bytes, s.file_timeout_s, max(1, self.workers), **limits)
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


__all__ = ["Indexer", "IndexReport"]
