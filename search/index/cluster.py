"""Reading corpus files on a Dask cluster (`newsearch index --cluster tcp://HOST:8786`): a drop-in for read_all.

The indexing node walks the corpus, stats and reads each file (read_raw, with the size limit: a file it cannot
read is that file's failure here, nothing is sent) and sends its bytes, with its stat and the limits, to the
cluster; the workers need no access to the corpus. The user's aliases files and the fields registered at run time
go with every task. On a Dask worker the file is parsed, attributed and turned into documents in a reading process
of a pebble pool kept per worker process (reading.py's isolation: the per-file time limit, the memory budget,
the same failure reasons), so a hung or crashing file is that file's failure and never hangs or kills the worker.
Results come back in order with a bounded window in flight; the index is written on the indexing node as today.

Dask reschedules the tasks of a worker lost mid-run (`distributed.scheduler.allowed-failures`); a file whose
every try killed its worker (KilledWorker) is reported failed with the reason. A scheduler that cannot be
reached, or goes away, fails the run (ClusterError): the index is not changed. Before the first file, every
worker is checked: a daemonic one (Dask's nanny makes its worker daemonic unless distributed.worker.daemon is
False) could not start the reading processes, and one with another newsearch version or other fields would not
index as a local run does; the run refuses either. dask and distributed are imported here only, when used.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from search.errors import ClusterError, ReadError
from search.index import fields
from search.index.fields import Field
from search.index.reading import FileResult, failed, outcome, read_sent, reading_pool, stat_entry, unread
from search.readers.loading import read_raw

CONNECT_S = 10.0  # how long to try to reach the scheduler (and to wait for a first worker, or to get it back)
POLL_S = 1.0  # how often a wait for a result looks at the client's connection
BYTES_IN_FLIGHT = 256 * 1024 * 1024  # file bytes sent and not yet answered (at least one file, whatever its size)
INSTALL = "pip install 'newsearch[cluster]'"


@dataclass(frozen=True)
class Job:
    """What every task of a run carries besides its file: the limits, the aliases files' names and contents,
    the fields registered at run time."""

    max_bytes: int
    timeout: float
    memory_bytes: int
    aliases: tuple[tuple[str, str], ...]
    extra: tuple[Field, ...]
    dedup: bool


def read_cluster(items: Iterable[tuple[str, Path]], address: str, max_bytes: int, timeout: float,
                 memory_bytes: int = 0, aliases_files: Iterable[Path] = (), dedup: bool = True) -> Iterator[FileResult]:
    """FileResults for (key, path) pairs, in order, as read_all gives them, read by the Dask cluster at `address`;
    ClusterError when the cluster cannot be used or is lost."""
    distributed = _distributed()
    job = Job(max_bytes, timeout, memory_bytes, tuple((Path(p).name, Path(p).read_text(encoding="utf-8"))
                                                      for p in aliases_files), tuple(fields.extra_fields()), dedup)
    client = _connect(distributed, address)
    saved = _quiet()
    pending: deque[tuple[str, Path, dict[str, Any], Any, int]] = deque()
    try:
        window = max(4, 8 * check_workers(client, address, job.extra))
        it = iter(items)
        exhausted, in_flight = False, 0
        while True:
            while not exhausted and len(pending) < window and (not pending or in_flight < BYTES_IN_FLIGHT):
                nxt = next(it, None)
                if nxt is None:
                    exhausted = True
                    break
                pending.append(_send(client, job, *nxt))
                in_flight += pending[-1][4]
            if not pending:
                return
            key, path, entry, future, size = pending.popleft()
            in_flight -= size
            yield _result(distributed, client, address, key, path, entry, future)
    finally:
        for *_, future, _size in pending:
            if not isinstance(future, FileResult):
                future.cancel()
        client.close()
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _quiet() -> dict[str, int]:
    """Silence distributed's loggers in this process for the run (a lost scheduler is the run's ClusterError, not
    tracebacks beside it); their levels before, to put back."""
    names = ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return saved


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as e:
        raise ClusterError(f"--cluster needs Dask, which is not installed here ({e}): {INSTALL}") from None
    return distributed


def _connect(distributed: Any, address: str) -> Any:
    try:
        return distributed.Client(address, timeout=CONNECT_S, set_as_default=False)
    except Exception as e:  # OSError (refused, timed out), ValueError (not an address), TimeoutError
        raise ClusterError(f"the Dask scheduler at {address} cannot be reached ({type(e).__name__}: {e}): the "
                           "index was not changed") from None


def _send(client: Any, job: Job, key: str, path: Path) -> tuple[str, Path, dict[str, Any], Any, int]:
    """Read one file here and send its bytes to the cluster; a file that cannot be read is its failure at once."""
    entry = stat_entry(path)
    try:
        raw = read_raw(path, job.max_bytes)
    except ReadError as e:
        return key, path, entry, unread(key, entry, str(e)), 0
    future = client.submit(read_on_worker, key, str(path), raw, dict(entry), job, pure=False,
                           key=f"newsearch-read-{uuid.uuid4().hex}")
    return key, path, entry, future, len(raw)


def _result(distributed: Any, client: Any, address: str, key: str, path: Path, entry: dict[str, Any],
            future: Any) -> FileResult:
    """The FileResult of one sent file: the worker's, or the file's failure when every worker that tried it died;
    ClusterError when the scheduler is lost (its futures are cancelled, or the client stays disconnected)."""
    if isinstance(future, FileResult):
        return future
    lost = None  # since when the client has been without its scheduler
    while True:
        try:
            return future.result(timeout=POLL_S)
        except TimeoutError:  # (an OSError: before the clause below)
            if client.status == "running":
                lost = None
                continue
            lost = lost or time.monotonic()
            if time.monotonic() - lost < CONNECT_S:
                continue
            why = f"the client is {client.status}"
        except distributed.KilledWorker:  # (after the scheduler's distributed.scheduler.allowed-failures retries)
            return failed(key, path, "every Dask worker that tried to read it died (KilledWorker; out of memory, or "
                                     "killed?): not indexed", entry)
        except (CancelledError, OSError) as e:  # the client lost the scheduler: its futures are cancelled
            why = f"{type(e).__name__}: {e}"
        raise ClusterError(f"the Dask scheduler at {address} went away during the run ({why}): the index was not "
                           "changed")


def check_workers(client: Any, address: str, extra: tuple[Field, ...]) -> int:
    """The worker threads of the cluster; ClusterError when there are none, or when a worker is daemonic (it could
    not start reading processes) or runs another newsearch or field schema than this node."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_S)
        facts = client.run(worker_facts, extra, on_error="return")
    except Exception as e:
        raise ClusterError(f"the Dask cluster at {address} has no worker that can run newsearch ({type(e).__name__}: "
                           f"{e}): the index was not changed") from None
    here = worker_facts(extra)
    for worker, fact in sorted(facts.items()):
        if isinstance(fact, BaseException):
            raise ClusterError(f"the Dask worker {worker} cannot run newsearch ({type(fact).__name__}: {fact}): "
                               "install the same newsearch on every worker")
        if fact["daemon"]:
            raise ClusterError(f"the Dask worker {worker} is a daemonic process, which may not start the reading "
                               "processes that keep a bad file from hanging or killing it: start the workers with "
                               "DASK_DISTRIBUTED__WORKER__DAEMON=False (or `dask worker --no-nanny`)")
        if (fact["version"], fact["schema"]) != (here["version"], here["schema"]):
            raise ClusterError(f"the Dask worker {worker} runs newsearch {fact['version']} with field schema "
                               f"{fact['schema']}, this node newsearch {here['version']} with {here['schema']}: "
                               "install the same newsearch on every worker (the index must be what a local run makes)")
    return sum(int(f["nthreads"]) for f in facts.values())


def worker_facts(extra: tuple[Field, ...], dask_worker: Any = None) -> dict[str, Any]:
    """What check_workers compares, on a worker (client.run) or here: daemonic or not, newsearch's version, the
    field schema once the run's fields are registered, the worker's threads."""
    try:
        version = metadata.version("newsearch")
    except metadata.PackageNotFoundError:
        version = "unknown"
    with fields.registered(*(f for f in extra if f not in fields.FIELDS)):
        schema = fields.schema_version()
    nthreads = dask_worker.state.nthreads if dask_worker is not None else 1
    return {"daemon": multiprocessing.current_process().daemon, "version": version, "schema": schema,
            "nthreads": nthreads}


# -- on a Dask worker --------------------------------------------------------------------------------------
_pool: Any = None  # this worker process's reading processes, made on first use (one per worker thread)
_pool_job: tuple[int, tuple[Field, ...]] | None = None  # the memory budget and fields it was made with
_pool_lock = threading.Lock()
_alias_dirs: dict[str, tuple[str, ...]] = {}  # content digest -> the aliases files written for it


def read_on_worker(key: str, name: str, raw: bytes, entry: dict[str, Any], job: Job) -> FileResult:
    """One file's bytes into its FileResult, in a reading process of this worker (with the time limit); the
    file's failure, never an exception, for a file that hangs, crashes or exhausts its budget."""
    path = Path(name)
    future = _reading_pool(job).schedule(read_sent, (key, path, raw, entry, job.max_bytes, _aliases(job.aliases),
                                                     job.dedup), timeout=job.timeout or None)
    return outcome(key, path, future, job.timeout, entry)


def _reading_pool(job: Job) -> Any:
    global _pool, _pool_job
    from distributed import get_worker

    with _pool_lock:
        if _pool is None or _pool_job != (job.memory_bytes, job.extra) or not _pool.active:
            if _pool is not None:
                _pool.stop()
            worker = get_worker()
            _pool = reading_pool(worker.state.nthreads, job.memory_bytes, list(job.extra))
            _pool_job = (job.memory_bytes, job.extra)
            worker.plugins.setdefault("newsearch-reading", _StopPool())  # (its teardown runs as the worker closes)
        return _pool


class _StopPool:
    """Stops this worker's reading processes when the worker closes: left running, they would keep its process
    from exiting (multiprocessing joins its children at exit) until the nanny kills it."""

    def teardown(self, worker: Any) -> None:
        global _pool
        with _pool_lock:
            if _pool is not None:
                _pool.stop()
                _pool.join(timeout=5)
                _pool = None


def _aliases(files: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The user's aliases files as sent, written once to this machine's temporary folder under their own names
    (the reading code takes paths, and its messages name the file)."""
    if not files:
        return ()
    digest = hashlib.sha1(repr(files).encode("utf-8")).hexdigest()[:16]
    with _pool_lock:
        if digest not in _alias_dirs:
            root = Path(tempfile.mkdtemp(prefix=f"newsearch-aliases-{digest}-"))
            paths = []
            for i, (name, text) in enumerate(files):
                (root / str(i)).mkdir()
                (root / str(i) / name).write_text(text, encoding="utf-8")
                paths.append(str(root / str(i) / name))
            _alias_dirs[digest] = tuple(paths)
        return _alias_dirs[digest]
