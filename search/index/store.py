"""The index folder on disk, shared by the indexer (which writes builds) and the engine (which reads the live one).

    index/
      current -> builds/20261125T010203-1a2b   symlink to the live build, swapped atomically (os.replace)
      builds/<build id>/                       a Whoosh index, plus:
        manifest.json                          file key -> hash, size, mtime, ctime, articles (a count), error
        schema.json                            {"schema": ..., "quotes": ...}: the fields it was built with
        quotes/                                the quote index: one record per quote (quote_fields.py)
      .lock                                    flock: one indexing job at a time, freed if the job dies
      runs.json                                the last KEEP_RUNS job reports (written under .runs.lock)
      releases/, published.json                on a replica instead of builds/: what `newsearch publish` copied

Incremental runs commit new generations into the current build; a full rebuild writes a new build beside it
and swaps `current` only when complete, keeping the previous build for rollback, so readers never see a
half-built index (see search/WHOOSH.md); what a killed job left behind is removed by the next one. `open()`
raises IndexOutdated for a build made with other fields (run `newsearch index --full`) and IndexDamaged for one
that cannot be read; `probe()` is the cheap read of every segment behind health checks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from search.errors import IndexDamaged, IndexLocked, IndexMissing, IndexOutdated
from search.index.codec import written_by_codec
from search.index.fields import schema_version
from search.index.quote_fields import QUOTES
from search.index.schema import build_schema

MANIFEST = "manifest.json"
VERSION = "schema.json"  # the fields a build was made with (fields.schema_version)
QUOTES_DIR = "quotes"  # the build's quote index
RUNS = "runs.json"
PUBLISHED = "published.json"  # on a replica (publish.py): {"build", "generation", "published", "from"}
KEEP_RUNS = 20


class RunReport(TypedDict, total=False):
    """One indexing run as runs.json records it (indexer.IndexReport.to_dict); older runs may lack keys."""

    started: str
    finished: str
    duration_s: float
    mode: str  # incremental | full
    status: str  # ok | failed | refused | stopped | skipped
    error: str | None
    added: int
    updated: int
    deleted: int
    unchanged: int
    failed: list[dict[str, str]]  # {"path", "reason"}
    failed_count: int
    skipped: list[dict[str, str]]
    skipped_count: int
    kept: int
    articles: int
    build: str
    generation: int
    publish: list[dict[str, Any]]  # {"dest", "status": ok|failed|current, "error", "bytes", "files", ...}


class IndexStore:
    """One index root on disk (Settings.index)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.builds = self.root / "builds"
        self.current_link = self.root / "current"

    # -- builds -------------------------------------------------------------------------------------
    def current(self) -> Path | None:
        """The directory of the live build, or None when nothing has been built.

        Whether the build can be read is `open()`'s question: a damaged build is still the live one (searches
        say it is damaged, and `newsearch index --full` replaces it).
        """
        try:
            target = self.current_link.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        return target if target.is_dir() else None

    def open(self) -> FileIndex:
        """Open the live build for reading or incremental writing; IndexDamaged when it cannot be read."""
        build = self.current()
        if build is None:
            raise IndexMissing(f"no index at {self.root}: run `newsearch index` first")
        outdated = IndexOutdated(f"the index in {build.name} was built by another version of newsearch (its "
                                 "fields or its storage differ): run `newsearch index --full` to rebuild it from "
                                 "the corpus")
        try:
            ix = whoosh_index.open_dir(str(build))
        except ImportError as e:  # its pickled schema names analysis classes of ours that have moved
            raise outdated from e
        except Exception as e:  # a truncated or missing TOC shows as any of a dozen exceptions
            raise IndexDamaged(damaged_message(build, e)) from e
        if not self._same_fields(build, ix) or not written_by_codec(ix):
            raise outdated
        return ix

    @staticmethod
    def _same_fields(build: Path, ix: FileIndex) -> bool:
        """Whether a build holds the fields this newsearch declares (its recorded version; for a build from
        before versions were recorded, its schema's field names)."""
        try:
            recorded = json.loads((build / VERSION).read_text(encoding="utf-8")).get("schema")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded is not None:
            return recorded == schema_version()
        return set(ix.schema.names()) == set(build_schema().names())

    def create_build(self) -> tuple[Path, FileIndex, FileIndex]:
        """A new, empty build directory beside the live one (not yet live): (its path, its article index, its
        quote index)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.builds / f"{stamp}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        _write_json(path / VERSION, {"schema": schema_version(), "quotes": QUOTES.schema_version()})
        (path / QUOTES_DIR).mkdir()
        quotes = whoosh_index.create_in(str(path / QUOTES_DIR), build_schema(QUOTES))
        return path, whoosh_index.create_in(str(path), build_schema()), quotes

    def open_quotes(self, build: Path | None = None) -> FileIndex:
        """The quote index of a build (the live one by default). IndexOutdated when the build has none (it was
        made before quotes were indexed) or one made with other quote fields; IndexDamaged when unreadable."""
        build = build or self.current()
        if build is None:
            raise IndexMissing(f"no index at {self.root}: run `newsearch index` first")
        try:
            recorded = json.loads((build / VERSION).read_text(encoding="utf-8")).get("quotes")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded != QUOTES.schema_version() or not (build / QUOTES_DIR).is_dir():
            raise IndexOutdated(f"the index in {build.name} was built by an older newsearch, without its quote "
                                "index: run `newsearch index --full` to rebuild it from the corpus")
        try:
            return whoosh_index.open_dir(str(build / QUOTES_DIR))
        except Exception as e:
            raise IndexDamaged(damaged_message(build, e)) from e

    def activate(self, build: Path) -> None:
        """Point `current` at a complete build, atomically, then remove builds older than the previous one."""
        previous = self.current()
        tmp = self.root / f".current-{uuid.uuid4().hex[:8]}"
        os.symlink(os.path.relpath(build, self.root), tmp)
        os.replace(tmp, self.current_link)
        keep = {build.resolve()} | ({previous.resolve()} if previous else set())
        for old in self.builds.iterdir():
            if old.resolve() not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def remove_abandoned(self) -> list[str]:
        """Delete what a killed job left behind: builds newer than the live one, and temporary links.

        Call with the job lock held. The live build and older ones (the rollback) are kept.
        """
        removed = []
        current = self.current()
        for tmp in self.root.glob(".current-*"):
            tmp.unlink(missing_ok=True)
        if self.builds.is_dir():
            for build in self.builds.iterdir():
                if current is None or (build.resolve() != current.resolve() and build.name > current.name):
                    shutil.rmtree(build, ignore_errors=True)
                    removed.append(build.name)
        return removed

    # -- manifest -----------------------------------------------------------------------------------
    @staticmethod
    def load_manifest(build: Path) -> dict[str, dict[str, Any]] | None:
        """file key -> {"hash", "size", "mtime", "ctime", "articles", "error"} for every file the build has
        seen; None when the manifest is missing or unreadable (the indexer then rebuilds it from the index)."""
        try:
            manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or not all(isinstance(v, dict) for v in manifest.values()):
            return None
        return manifest

    @staticmethod
    def save_manifest(build: Path, manifest: dict[str, dict[str, Any]]) -> None:
        """Write the manifest atomically (a crash leaves the old one, and the next run repairs it)."""
        _write_json(build / MANIFEST, manifest)

    # -- job lock and reports -----------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the indexing lock; wait up to `wait` seconds, then raise IndexLocked.

        flock is released by the kernel when the holder dies, so a killed job never blocks the next one.
        """
        with flocked(self.root / ".lock", wait,
                     f"another indexing job is running on {self.root}; try again when it has finished"):
            yield

    def runs(self) -> list[RunReport]:
        """The last job reports, newest last ([] when there are none or the file is unreadable)."""
        try:
            runs = json.loads((self.root / RUNS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []

    def published(self) -> dict[str, Any] | None:
        """On a replica, what `newsearch publish` last made live here (build, generation, when, from where); None
        on an indexing node, or when unreadable."""
        try:
            stamp = json.loads((self.root / PUBLISHED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return stamp if isinstance(stamp, dict) else None

    def add_run(self, report: dict[str, Any]) -> None:
        """Append a job report, keeping the last KEEP_RUNS (under a lock of its own: a run refused because
        another job holds the index lock is recorded too, while that job may be recording its own)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".runs.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _write_json(self.root / RUNS, (self.runs() + [report])[-KEEP_RUNS:])
        finally:
            os.close(fd)


def probe(reader: Any) -> None:
    """Read a little of every part of every segment (stored documents at both ends and in the middle, the
    first posting list of every field, whose postings are laid out field after field, so a cut-short file
    shows in the last field's); raises whatever the damaged part raises. Cheap: for health checks."""
    for leaf, _base in reader.leaf_readers():
        n = leaf.doc_count_all()
        for docnum in sorted({0, n // 2, n - 1}) if n else ():
            leaf.stored_fields(docnum)
        for fieldname, field in leaf.schema.items():
            if field.indexed:
                first = next(iter(leaf.lexicon(fieldname)), None)
                if first is not None:
                    for _ in leaf.postings(fieldname, first).all_ids():
                        pass


def damaged_message(build: Path, error: BaseException) -> str:
    """What to tell a user about an index that cannot be read (the cause, and how to repair it)."""
    if isinstance(error, OSError) and error.strerror:  # never the absolute path of a file
        where = f" ({Path(error.filename).name})" if error.filename else ""
        what = f"{type(error).__name__}: {error.strerror}{where}"
    else:
        what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return (f"the index in {build.name} is damaged and cannot be read ({what[:200]}); "
            "run `newsearch index --full` to rebuild it from the corpus")


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    # backslashreplace: a lone surrogate (from a name or message that was not UTF-8) becomes a JSON \u escape
    tmp.write_bytes(json.dumps(value, ensure_ascii=False).encode("utf-8", "backslashreplace"))
    os.replace(tmp, path)


@contextlib.contextmanager
def flocked(path: Path, wait: float, busy: str) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created with its folder if needed), waiting up to `wait` seconds, then
    IndexLocked(`busy`). The kernel releases it when the holder dies, so a killed job never blocks the next one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(busy) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
