"""The steps of an incremental run: what changed since the live build's manifest, and one commit that applies it.

The indexer (indexer.py `Indexer._incremental`) finds the files that are gone and the files to read again
(size, mtime or ctime changed, or changed too recently to trust: reading.py `unchanged`), then writes into the
live build: removes the gone files' articles, replaces those of files that changed, keeps those of files that
could not be read, all in one commit; a file touched but not changed (same content hash) writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.errors import IndexDamaged, NewsearchError
from search.index.batch import NewsWriter
from search.index.dedup import Clusters
from search.index.previous import Previous
from search.index.reading import FileResult, stat_entry, unchanged
from search.index.report import IndexReport
from search.index.store import damaged_message
from search.index.writing import WRITE_ERRNOS, PairWriter, add_documents
from search.ingest import Walk


def gone_files(found: Walk, manifest: dict[str, dict[str, Any]]) -> tuple[list[str], int]:
    """The files of the manifest under the roots walked that are gone, and how many articles they hold.

    A file the walk saw but did not read, or under a folder it could not list, is not gone.
    """
    present, unreadable = found.present()
    gone = [k for k in manifest if k not in present and not _under_any(k, unreadable)
            and _under_any(k, found.roots)]
    return gone, sum(int(manifest[k].get("articles") or 0) for k in gone)


def changed_files(found: Walk, manifest: dict[str, dict[str, Any]], report: IndexReport) -> Walk:
    """The files to read again (the others are counted unchanged in the report)."""
    todo = Walk(roots=found.roots)
    for key, path in found.files:
        if unchanged(stat_entry(path), manifest.get(key)):
            report.unchanged += 1
        else:
            todo.files.append((key, path))
    return todo


@dataclass
class Update:
    """One incremental run's writes into the live build, and the articles they remove (`lost`)."""

    writer: Any
    indexed: Any  # a reader of the build as it was: which files it holds articles of
    manifest: dict[str, dict[str, Any]]
    report: IndexReport
    lost: int = 0
    writes: int = 0  # none: the run commits nothing, and makes no new generation

    @classmethod
    def open(cls, prev: Previous, report: IndexReport, lost: int, quotes: Any | None, dedup: bool = True) -> Update:
        """A writer into the live build (its articles, its quote index when it has one, and its table of
        near-duplicates unless `dedup` is off); a build whose segments cannot be read is said to be damaged."""
        try:
            writer = PairWriter(NewsWriter(prev.ix, timeout=10.0, delay=0.1, compound=False),
                                NewsWriter(quotes, timeout=10.0, delay=0.1, compound=False)
                                if quotes is not None else None, Clusters.of_index(prev.ix) if dedup else None)
            indexed = prev.ix.reader()
        except NewsearchError:
            raise
        except Exception as e:  # the TOC reads, a segment does not
            if isinstance(e, OSError) and e.errno in WRITE_ERRNOS:
                raise
            raise IndexDamaged(damaged_message(prev.build, e)) from e
        return cls(writer, indexed, prev.manifest, report, lost=lost)

    def delete(self, gone: list[str]) -> None:
        """Remove the articles of the files that are gone, and the files from the manifest."""
        for key in gone:
            self.writer.delete_by_term("file", key)
            del self.manifest[key]
            self.report.deleted += 1
            self.writes += 1

    def apply(self, res: FileResult) -> None:
        """Bring the index in step with one file read again."""
        old = self.manifest.get(res.key)
        old_articles = int((old or {}).get("articles") or 0)
        if res.errors and not res.docs:  # could not be read: keep what the index has for it
            self._keep(res, old_articles)
        elif (old and old.get("hash") == res.entry["hash"] and old.get("error") == res.entry["error"]
                and old_articles == len(res.docs)):  # touched, not changed (or failing the same way)
            self._touched(res, old)
        else:
            self._replace(res, old_articles)

    def _keep(self, res: FileResult, old_articles: int) -> None:
        if old_articles:
            self.report.kept += old_articles
            res.entry["articles"] = old_articles
        self.manifest[res.key] = res.entry
        self.report.fail(res.key, res.entry["error"] + (
            f" (the {old_articles} articles indexed from it before are kept)" if old_articles else ""))

    def _touched(self, res: FileResult, old: dict[str, Any]) -> None:
        old.update({k: res.entry.get(k) for k in ("size", "mtime", "ctime")})
        old.pop("recheck", None)
        if res.entry.get("recheck"):
            old["recheck"] = True
        if res.errors:
            self.report.fail(res.key, res.entry["error"])
        else:
            self.report.unchanged += 1

    def _replace(self, res: FileResult, old_articles: int) -> None:
        self.manifest[res.key] = res.entry
        if res.errors:
            self.report.fail(res.key, res.entry["error"])
        if res.docs:
            if old_articles:
                self.report.updated += 1
            else:
                self.report.added += 1
        self.lost += max(0, old_articles - len(res.docs))
        # Delete what the index holds for the file (this also repairs a run that died between its
        # commit and its manifest), then add what it holds now.
        if res.docs or ("file", res.key) in self.indexed:
            self.writer.delete_by_term("file", res.key)
            add_documents(self.writer, res.key, res.docs)
            self.writes += 1


def _under_any(key: str, roots: list[str]) -> bool:
    return any(r in (".", "") or key == r or key.startswith(r.rstrip("/") + "/") for r in roots)
