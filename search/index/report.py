"""The report of one indexing run: what happened to each file, and how the run ended.

The indexer fills one IndexReport per run and keeps it in index/runs.json (store.py), refused, failed and
stopped runs too; `newsearch index --json`, `newsearch status` and `/api/status` show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.errors import IndexLocked, NewsearchError, RunRefused, RunStopped

REPORT_LIST = 50  # per-file entries a stored report keeps of each list (the counts say how many in all)


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
    publish: list[dict[str, Any]] = field(default_factory=list)  # one PublishResult per replica (publish.py)

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


def live_build(report: IndexReport, build: Path, ix: Any) -> None:
    """Note the build the run leaves live: its name, Whoosh generation and article count."""
    report.build, report.generation, report.articles = build.name, ix.latest_generation(), ix.doc_count()


def outcome(e: BaseException) -> tuple[str, str]:
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


def now() -> str:
    """The time a run starts or finishes, as the report keeps it (UTC, ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
