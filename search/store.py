"""The index directory: builds, the `current` pointer, each build's manifest, the job lock and run reports.

    index/
      current -> builds/20261125T010203-1a2b   (symlink, swapped atomically by a full rebuild)
      builds/<build id>/                       (a Whoosh index + manifest.json: file -> hash, article ids)
      .lock                                    (flock: one indexing job at a time, freed if the job dies)
      runs.json                                (the last N job reports)

Incremental runs commit new generations into the current build; a full rebuild writes a new build beside
it and swaps `current` only when complete, so readers never see a half-built index (see WHOOSH.md).
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
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from search.errors import IndexLocked, IndexMissing
from search.schema import build_schema

MANIFEST = "manifest.json"
KEEP_RUNS = 20


class IndexStore:
    """One index root on disk (Settings.index)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.builds = self.root / "builds"
        self.current_link = self.root / "current"

    # -- builds -------------------------------------------------------------------------------------
    def current(self) -> Path | None:
        """The directory of the live build, or None when nothing has been built."""
        try:
            target = self.current_link.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            return None
        return target if whoosh_index.exists_in(str(target)) else None

    def open(self) -> FileIndex:
        """Open the live build for reading or incremental writing."""
        build = self.current()
        if build is None:
            raise IndexMissing(f"no index at {self.root}: run `newsearch index` first")
        return whoosh_index.open_dir(str(build))

    def create_build(self) -> tuple[Path, FileIndex]:
        """A new, empty build directory beside the live one (not yet live)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.builds / f"{stamp}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path, whoosh_index.create_in(str(path), build_schema())

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
    def load_manifest(build: Path) -> dict[str, dict[str, Any]]:
        """file key -> {"hash", "size", "mtime", "ids", "error"} for every file the build has seen."""
        try:
            return json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

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
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexLocked(
                            f"another indexing job is running on {self.root}; try again when it has finished"
                        ) from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def runs(self) -> list[dict[str, Any]]:
        """The last job reports, newest last."""
        try:
            return json.loads((self.root / "runs.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return []

    def add_run(self, report: dict[str, Any]) -> None:
        """Append a job report, keeping the last KEEP_RUNS."""
        _write_json(self.root / "runs.json", (self.runs() + [report])[-KEEP_RUNS:])


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
