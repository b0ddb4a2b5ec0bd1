"""The gunicorn worker and access logger `newsearch serve` runs (named in web/gunicorn_conf.py): serving's edge.

gunicorn's gthread worker keeps idle connections on a poller, but a thread that has begun reading a request head
blocks until the head is complete: a client sending one header byte a second holds a thread for ever, and as many
such clients as threads stop the worker. This worker reads request heads on the poller instead, as nginx does:
a connection gets a thread only once its whole head has arrived, and is closed (408) when it has not within
NEWSEARCH_HEAD_TIMEOUT_S. A thread then bounds the request's body by the same deadline and the response by
`SEND_TIMEOUT_S` (a client that reads slowly). And as the poller keeps the heartbeat going whatever the threads do,
a worker whose app call outlives gunicorn's `timeout` stops itself: the runaway-request backstop of a sync worker.
It also raises gunicorn's request-line cap (8190 bytes) so a 1,000-character query in any script fits.

This module goes below gunicorn's public API (gthread's connection objects and hooks, a parser constant): it checks
at import that gunicorn is what it expects and raises otherwise; tests/test_serving.py is its contract test.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import selectors
import socket
import threading
import time
from functools import partial
from typing import Any

import gunicorn
from gunicorn import glogging
from gunicorn.http import message, unreader
from gunicorn.workers import gthread

from search import Settings
from web import logs

SEND_TIMEOUT_S = 30.0  # the whole response, to a client that reads slowly
_REFUSED = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

_NEEDED = {gthread.ThreadWorker: ("enqueue_req", "handle", "notify", "load_wsgi", "murder_pending"),
           gthread.TConn: ("init",), unreader.Unreader: ("take_buffered", "unread"), message: ("MAX_REQUEST_LINE",)}


def _require(owner: Any, names: tuple[str, ...] | list[str]) -> None:
    for name in names:
        if not hasattr(owner, name):
            raise ImportError(f"gunicorn {gunicorn.__version__} lacks {getattr(owner, '__name__', owner)}.{name}: "
                              f"web/gunicorn_worker.py must be updated for this gunicorn")


for _owner, _names in _NEEDED.items():
    _require(_owner, _names)


class _DeadlineSocket:
    """A connection's socket whose blocking reads stop at `read_by` and whose writes stop after SEND_TIMEOUT_S;
    everything else passes through to the socket."""

    def __init__(self, sock: socket.socket, log: Any, client: Any) -> None:
        self._sock = sock
        self._log = log
        self._client = client
        self.read_by: float | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def fileno(self) -> int:
        return self._sock.fileno()

    def recv(self, size: int, flags: int = 0) -> bytes:
        if self.read_by is None:
            return self._sock.recv(size, flags)
        try:
            return self._bounded(self.read_by, lambda: self._sock.recv(size, flags))
        except TimeoutError:
            # Read as the client going away: the parser stops quietly and the connection is closed.
            self._log.info("closed a connection from %s: its request did not arrive in time", _addr(self._client))
            return b""

    def sendall(self, data: bytes, flags: int = 0) -> None:
        try:
            self._bounded(time.monotonic() + SEND_TIMEOUT_S, lambda: self._sock.sendall(data, flags))
        except TimeoutError:
            self._log.info("closed a connection to %s: the response was not read within %.0f s",
                           _addr(self._client), SEND_TIMEOUT_S)
            raise BrokenPipeError(errno.EPIPE, "client too slow to read the response") from None

    def _bounded(self, deadline: float, call: Any) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        prior = self._sock.gettimeout()
        self._sock.settimeout(remaining if prior is None else min(prior, remaining))
        try:
            return call()
        finally:
            self._sock.settimeout(prior)


class Worker(gthread.ThreadWorker):
    """gthread that reads request heads on its poller, with deadlines for slow clients (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _require(self, ("poller", "nr_conns", "cfg", "log"))
        self.head_timeout = Settings.from_env().head_timeout_s
        cfg = self.cfg
        # Request.__init__ clamps limit_request_line to this module constant: raise it to the configured limit
        # (gunicorn_conf.py), so that the configuration is the one place the limit is set.
        message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, cfg.limit_request_line)
        # Heads are read here only for plain HTTP/1 (TLS and HTTP/2 prior knowledge read the socket in init()).
        self.buffer_heads = not cfg.is_ssl and getattr(cfg, "http2_cleartext", "off") not in ("prior-knowledge",
                                                                                              "both")
        # Past this many bytes without an end, the head goes to gunicorn's parser, which refuses it (414 or 400).
        self.head_cap = cfg.limit_request_line + cfg.limit_request_fields * (cfg.limit_request_field_size + 2) + 4
        self._heads: dict[Any, float] = {}  # connections whose head is arriving -> deadline (in deadline order)
        self._calls: dict[int, float] = {}  # thread -> when its app call started
        self._calls_lock = threading.Lock()

    # -- request heads, on the poller (main thread) ----------------------------------------------------------------
    def enqueue_req(self, conn: Any) -> None:
        if not isinstance(conn.sock, _DeadlineSocket) and not self.cfg.is_ssl:
            conn.sock = _DeadlineSocket(conn.sock, self.log, conn.client)
        if self.buffer_heads:
            # A kept-alive connection's parser may hold bytes it read past the last request: they come first.
            conn.head = bytearray(conn.parser.unreader.take_buffered() if conn.parser is not None else b"")
            if not self._complete(conn.head):
                conn.sock.setblocking(False)
                self._heads[conn] = time.monotonic() + self.head_timeout
                self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._head_bytes, conn))
                return
        super().enqueue_req(conn)

    def _head_bytes(self, conn: Any, _fileobj: Any) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        conn.head += data
        if self._complete(conn.head):
            self.poller.unregister(conn.sock)
            del self._heads[conn]
            super().enqueue_req(conn)

    def _complete(self, head: bytearray) -> bool:
        return b"\r\n\r\n" in head or b"\n\n" in head or len(head) > self.head_cap

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        late = []
        for conn, deadline in self._heads.items():
            if deadline > now and self.alive:  # a stopping worker does not wait for heads still arriving
                break
            late.append(conn)
        for conn in late:
            with contextlib.suppress(OSError):
                conn.sock.send(_REFUSED)  # non-blocking, best effort
            self._drop(conn)
        if late and self.alive:  # one line for many (a slowloris attack would otherwise write one per connection)
            self.log.info("closed %d connection(s) with no complete request head within %.0f s (from %s)", len(late),
                          self.head_timeout, ", ".join(sorted({_addr(c.client) for c in late})[:5]))

    def _drop(self, conn: Any) -> None:
        self.poller.unregister(conn.sock)
        del self._heads[conn]
        self.nr_conns -= 1
        conn.close()

    # -- requests, in the thread pool ------------------------------------------------------------------------------
    def handle(self, conn: Any) -> Any:
        head = getattr(conn, "head", None)
        if head is not None:
            conn.head = None
            _require(conn, ("parser", "initialized"))
            conn.init()  # the parser, for a new connection (plain HTTP/1: nothing is read)
            conn.parser.unreader.unread(bytes(head))
        sock = conn.sock if isinstance(conn.sock, _DeadlineSocket) else None
        if sock is not None:  # what is still to come of the request (a body; or all of it, heads not buffered)
            sock.read_by = time.monotonic() + self.head_timeout
        try:
            return super().handle(conn)
        finally:
            if sock is not None:
                sock.read_by = None

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app = self.wsgi

        def timed(environ: dict, start_response: Any) -> Any:
            key = threading.get_ident()
            with self._calls_lock:
                self._calls[key] = time.monotonic()
            try:
                return app(environ, start_response)  # Flask builds the whole body here; writing it comes after
            finally:
                with self._calls_lock:
                    self._calls.pop(key, None)

        self.wsgi = timed

    def notify(self) -> None:
        with self._calls_lock:
            oldest = min(self._calls.values(), default=None)
        if oldest is not None and time.monotonic() - oldest > self.cfg.timeout:
            # The engine's lock is held by that request, so this worker can answer nothing else: replace it,
            # as the master does with a sync worker that misses its heartbeat.
            self.log.critical("a request has run for over %d s: stopping worker %d", self.cfg.timeout, os.getpid())
            os._exit(1)
        super().notify()


class AccessLogger(glogging.Logger):
    """gunicorn's logger; the access log shows the client a trusted proxy names (X-Real-IP, else X-Forwarded-For),
    and with NEWSEARCH_LOG_FORMAT=json every line it writes is a JSON object (web/logs.py)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.json_lines = Settings.from_env().log_json
        if self.json_lines:
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(logs.JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if not getattr(self, "json_lines", False):
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info("%s %s", atoms["r"], atoms["s"], extra={"fields": logs.access_fields(atoms)})
        return None

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        peer = environ.get("REMOTE_ADDR", "")
        forwarded = environ.get("HTTP_X_REAL_IP") or environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded and _trusted(peer, self.cfg.forwarded_allow_ips):
            atoms["h"] = forwarded
        return atoms


def _trusted(peer: str, allowed: list[str]) -> bool:
    """Whether peer is one of gunicorn's forwarded_allow_ips (addresses or networks; "*" is any)."""
    if "*" in allowed:
        return True
    try:
        ip = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def _addr(client: Any) -> str:
    return client[0] if isinstance(client, tuple) else str(client)
