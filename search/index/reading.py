"""Reading corpus files for the indexer in worker processes that can be stopped: every file's cost is bounded.

Each file is read, attributed and turned into index documents in a worker of a pebble ProcessPool, with a
time limit (Settings.file_timeout_s). A file that takes longer, or whose worker dies (out of memory, a
crash in a C library), becomes that file's failure; the worker is replaced and the run goes on. Python's
`re` and lxml cannot be interrupted from inside, so only a process boundary makes a limit real.

Results come back in the order the files were given (the writer's document order stays stable), with a
bounded number of files in flight so memory does not grow with the corpus.

Workers are forked from a forkserver (a clean process that has imported the readers once), not from the
indexer: they start small, so the memory ceiling counts what the file costs and not the indexer's heap, and
they hold none of the indexer's open files (its job lock among them). The pool is given that start method
explicitly, whatever the interpreter's default (fork on Linux before Python 3.14, forkserver from 3.14, spawn on
macOS), so 3.11 to 3.14 run alike; what a worker is sent (key, path, limits, alias paths, the registered fields)
is pickled. It is the indexer's only use of multiprocessing: Whoosh's multi-process writer is not used (WHOOSH.md).
On a Dask cluster (cluster.py) the same pool runs on each worker, fed the bytes the indexer read (read_bytes is
what both paths share after the read).
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import resource
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from search.errors import ReadError
from search.index import fields
from search.index.documents import Document, DocumentError, document
from search.index.fields import Field
from search.ingest import parse_file
from search.readers.loading import read_raw

MAX_REASONS = 5  # reasons kept per file (a JSON Lines file with 10,000 bad lines says so in one line)
RACY_S = 2.0  # a file changed this recently may change again within the timestamp's resolution: hash it again


@dataclass
class FileResult:
    """What reading one file gave the indexer: its manifest entry, its documents and what went wrong."""

    key: str
    entry: dict[str, Any]
    docs: list[Document] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def stat_entry(path: Path) -> dict[str, Any]:
    """The parts of a file's stat that say whether it may have changed: size, mtime and ctime (ns).

    ctime cannot be set from user space, so content rewritten in place with its size and mtime restored
    (cp -p, rsync -t, touch -d) still shows up; a file changed within RACY_S of being looked at is
    marked to be hashed again next time, as git does for "racily clean" files.
    """
    import time

    try:
        st = os.stat(path)
    except OSError:
        return {"size": -1, "mtime": -1, "ctime": -1}
    entry = {"size": st.st_size, "mtime": st.st_mtime_ns, "ctime": st.st_ctime_ns}
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_S * 1e9:
        entry["recheck"] = True
    return entry


def unchanged(entry: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """True when a file needs no reading: read fine last time and its stat is the same."""
    return bool(old) and not old.get("error") and not old.get("recheck") and all(
        old.get(k) == entry[k] for k in ("size", "mtime", "ctime")) and entry["size"] >= 0


def read_file(key: str, path: Path, max_bytes: int, aliases_files: tuple[str, ...] = (),
              dedup: bool = True) -> FileResult:
    """Read one file into documents (with their near-duplicate signatures unless `dedup` is off; runs in a
    worker); never raises for a bad file or record."""
    _limit_memory()
    entry = stat_entry(path)
    try:
        raw = read_raw(path, max_bytes)
    except ReadError as e:
        return unread(key, entry, str(e))
    return read_bytes(key, path, raw, entry, max_bytes, aliases_files, dedup)


def read_sent(key: str, path: Path, raw: bytes, entry: dict[str, Any], max_bytes: int,
              aliases_files: tuple[str, ...] = (), dedup: bool = True) -> FileResult:
    """read_bytes for bytes read elsewhere (a Dask worker's reading process, cluster.py), within the memory
    budget of one file as read_file is."""
    _limit_memory()
    return read_bytes(key, path, raw, entry, max_bytes, aliases_files, dedup)


def read_bytes(key: str, path: Path, raw: bytes, entry: dict[str, Any], max_bytes: int,
               aliases_files: tuple[str, ...] = (), dedup: bool = True) -> FileResult:
    """A file's bytes `raw` (as read_raw read them from `path`, whose stat is `entry`) into documents: what
    read_file does after reading, on this machine or on a Dask worker (the same hash, the same documents)."""
    result = FileResult(key=key, entry=entry)
    entry["hash"] = hashlib.sha1(raw).hexdigest()
    parsed = parse_file(path, max_bytes=max_bytes, raw=raw, aliases_files=aliases_files)
    errors = list(parsed.errors)
    for art in parsed.articles:
        art.path = key
        try:
            result.docs.append(document(art, key, signed=dedup))
        except DocumentError as e:
            errors.append(f"record {art.record}: {e}" if art.record is not None else str(e))
    entry["articles"] = len(result.docs)
    return _finish(result, errors)


def unread(key: str, entry: dict[str, Any], reason: str) -> FileResult:
    """The result for a file that could not be read (or whose reading was stopped), with its stat `entry`."""
    entry.update(hash="", articles=0)
    return _finish(FileResult(key=key, entry=entry), [reason])


def _finish(result: FileResult, errors: list[str]) -> FileResult:
    if len(errors) > MAX_REASONS:
        errors = errors[:MAX_REASONS] + [f"… and {len(errors) - MAX_REASONS} more problems in this file"]
    result.errors = errors
    result.entry["error"] = "; ".join(errors) or None
    return result


def failed(key: str, path: Path, reason: str, entry: dict[str, Any] | None = None) -> FileResult:
    """The result for a file whose reading was stopped (time limit) or whose worker died (its stat taken now,
    unless `entry` gives it)."""
    return unread(key, dict(entry) if entry is not None else stat_entry(path), reason)


_budget = 0  # bytes of address space one file may take in this worker (set by worker_init)


def die_with_parent() -> None:
    """In each reading worker (a child of the forkserver, which exits when the indexer does): die with its parent.

    Forked children share the job's lock (flock follows the open file); a child orphaned by a SIGKILLed job
    would otherwise hold the lock, and the index, forever."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def worker_init(memory_bytes: int, extra: list[Field]) -> None:
    """In each reading worker: die with the forkserver (which dies with the indexer), leave SIGINT to the
    indexer (Ctrl-C stops the run there), remember the memory budget of one file, and register the fields
    the indexer registered at run time (fields.registered)."""
    global _budget
    fields.FIELDS.extend(f for f in extra if f not in fields.FIELDS)
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _budget = memory_bytes


def _limit_memory() -> None:
    """Before each file: a ceiling on address space of what the worker holds now plus the budget, so one
    file can take `_budget` more and no more (past it the reader gets a MemoryError, reported with the file,
    instead of the machine swapping). Counted afresh per file, so a file after a failed one gets its full budget."""
    if _budget <= 0:
        return
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + _budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):  # no /proc (not Linux) or a lower limit already set: keep what there is
        pass


def reading_pool(workers: int, memory_bytes: int, extra: list[Field]) -> ProcessPool:
    """A pool of `workers` reading processes forked from a forkserver, each with the memory budget of one file and
    the fields registered at run time (`extra`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["search.index.reading"])
    return ProcessPool(max_workers=workers, initializer=worker_init, initargs=(memory_bytes, extra), context=context)


def read_all(items: Iterable[tuple[str, Path]], max_bytes: int, timeout: float, workers: int,
             memory_bytes: int = 0, aliases_files: Iterable[Path] = (), dedup: bool = True) -> Iterator[FileResult]:
    """FileResults for (key, path) pairs, in order, read by `workers` processes with a per-file time limit
    (sources named with the shipped aliases and `aliases_files`; near-duplicate signatures unless `dedup`)."""
    aliases = tuple(str(p) for p in aliases_files)
    window = max(4, workers * 8)
    with reading_pool(workers, memory_bytes, fields.extra_fields()) as pool:
        pending: deque[tuple[str, Path, Any]] = deque()
        it = iter(items)
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < window:
                    nxt = next(it, None)
                    if nxt is None:
                        exhausted = True
                        break
                    key, path = nxt
                    pending.append((key, path, pool.schedule(read_file, (key, path, max_bytes, aliases, dedup),
                                                             timeout=timeout or None)))
                if not pending:
                    return
                key, path, future = pending.popleft()
                yield outcome(key, path, future, timeout)
        finally:
            for _, _, future in pending:
                future.cancel()
            pool.stop()


def outcome(key: str, path: Path, future: Any, timeout: float, entry: dict[str, Any] | None = None) -> FileResult:
    """The FileResult of a reading process's future: its result, or the file's failure with the reason (the time
    limit, the process died, out of memory, a reader bug); `entry` is the file's stat when it cannot be taken here."""
    try:
        return future.result()
    except FutureTimeout:
        return failed(key, path, f"reading took longer than the {timeout:g} s limit (NEWSEARCH_FILE_TIMEOUT_S): "
                                 "not indexed", entry)
    except ProcessExpired as e:
        how = f"signal {-e.exitcode}" if e.exitcode and e.exitcode < 0 else f"exit code {e.exitcode}"
        return failed(key, path, f"the reading process died ({how}; out of memory?): not indexed", entry)
    except MemoryError:
        return failed(key, path, "reading it needs more memory than a reading process may use: not indexed", entry)
    except Exception as e:  # a reader bug must not stop the run: the file is reported with the error
        return failed(key, path, f"could not be read ({type(e).__name__}: {e})", entry)
