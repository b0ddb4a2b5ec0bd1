"""Index status: what the live index holds and how it was built (`newsearch status`, `/api/status`)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypedDict

from search.engine.params import API_VERSION
from search.engine.snapshot import Snapshot
from search.index.store import MANIFEST, IndexStore, RunReport

STATUS_RUNS = 10  # job reports shown by status (index/runs.json keeps more)


class Status(TypedDict):
    """The live index: its size, build and generation, when it was built, and the last runs' reports."""

    articles: int
    build: str  # the build folder's name
    generation: int
    built: str | None  # ISO 8601, UTC: when the build's manifest was last written
    index: str  # the index folder
    last_run: RunReport | None
    runs: list[RunReport]  # the last reports, newest last
    published: dict[str, Any] | None  # on a replica: {"build", "generation", "published", "from"}; None elsewhere
    server_version: str  # newsearch's own (`newsearch --version`)
    api_version: str  # the JSON API's (search.engine.params.API_VERSION, OpenAPI info.version)


class Version(TypedDict):
    """Which index is served: what changes whenever a reindex commits (feeds' ETag and Last-Modified)."""

    build: str
    generation: int
    built: str | None


def version(snap: Snapshot) -> Version:
    """The build, generation and build time of the snapshot being served (a stat, no file read)."""
    build = Path(snap.build)
    return Version(build=build.name, generation=snap.generation,
                   built=_mtime_iso(build / MANIFEST) or _mtime_iso(build))


def status(snap: Snapshot, store: IndexStore) -> Status:
    """The status of the snapshot being served."""
    runs = store.runs()
    return Status(articles=snap.searcher.doc_count(), **version(snap), index=str(store.root),
                  last_run=runs[-1] if runs else None, runs=runs[-STATUS_RUNS:], published=store.published(),
                  server_version=server_version(), api_version=API_VERSION)


@functools.cache
def server_version() -> str:
    """newsearch's version, as installed (what `newsearch --version` prints); "unknown" run from a bare checkout."""
    try:
        return metadata.version("newsearch")
    except metadata.PackageNotFoundError:
        return "unknown"


def _mtime_iso(path: Path) -> str | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).isoformat(timespec="seconds")
    except OSError:
        return None
