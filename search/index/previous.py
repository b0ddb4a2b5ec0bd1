"""The live build as an indexing run finds it: open (or why not), its manifest and how many articles it holds.

The indexer reads this before it changes anything: an incremental run updates that build, a full rebuild
copies from it what it cannot read again, and both compare what they would remove with what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.errors import IndexDamaged
from search.index.store import IndexStore, damaged_message, probe


@dataclass
class Previous:
    """The live build as this run found it: open (or why not), its manifest and how many articles it holds."""

    build: Path | None
    ix: Any = None
    damage: str | None = None
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: int = 0


def open_previous(store: IndexStore, build: Path | None) -> Previous:
    """The live build: opened if it can be, with its manifest (rebuilt from the index if it was lost)."""
    prev = Previous(build)
    if build is None:
        return prev
    try:
        prev.ix = store.open()
        with prev.ix.reader() as reader:
            prev.total = reader.doc_count()
            probe(reader)  # a damaged index is said so even when this run has nothing to change
    except IndexDamaged as e:
        prev.ix, prev.damage = None, str(e)
    except Exception as e:  # the TOC opened but the segments did not
        prev.ix, prev.damage = None, damaged_message(build, e)
    manifest = store.load_manifest(build)
    if manifest is None and prev.ix is not None:
        manifest = manifest_from_index(prev.ix)
    prev.manifest = manifest or {}
    if prev.ix is None:
        prev.total = sum(int(e.get("articles") or 0) for e in prev.manifest.values())
    return prev


def manifest_from_index(ix: Any) -> dict[str, dict[str, Any]]:
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
