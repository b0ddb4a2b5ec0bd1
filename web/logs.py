"""Log lines as text (the default) or one JSON object per line (NEWSEARCH_LOG_FORMAT=json), and each request's id.

A request's id is the X-Request-ID it came with when that is sane (1-128 letters, digits and `._~:+/=-`: a proxy's or
a client's, so one request can be followed through several systems), else a new one. It is sent back in the
response's X-Request-ID header, which is where gunicorn's access log (web/gunicorn_worker.AccessLogger) reads it, in
both formats; the JSON lines the app logs while answering a request carry it too.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._~:+/=-]{1,128}")
APP_LOGGERS = ("web", "search", "newsearch")  # the Flask app's logger (its name is the package's), the engine's


def request_id(incoming: str | None) -> str:
    """The incoming id when it is sane, else a new one (32 hex digits)."""
    return incoming if incoming and _SANE.fullmatch(incoming) else uuid.uuid4().hex


def install(app: Flask, json_lines: bool) -> None:
    """Give every request of `app` its id (X-Request-ID both ways); with `json_lines`, the app's logs as JSON."""

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request_id(request.headers.get(HEADER))

    @app.after_request
    def send_request_id(resp: Response) -> Response:
        resp.headers[HEADER] = g.get("request_id") or request_id(None)
        return resp

    if json_lines:
        json_app_logs()


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, pid, message, request_id when known, the record's `fields`
    (an access line's), and the traceback as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                               "level": record.levelname, "logger": record.name, "pid": record.process,
                               "message": record.getMessage()}
        if getattr(record, "request_id", None):
            out["request_id"] = record.request_id
        out.update(getattr(record, "fields", {}))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


def json_app_logs() -> None:
    """The app's and the engine's loggers write JSON lines to stderr (once, however many apps are made)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_RequestIdFilter())
    handler.newsearch = True  # type: ignore[attr-defined]
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "newsearch", False) or h is default_handler]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.propagate = False
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


def access_fields(atoms: dict[str, Any]) -> dict[str, Any]:
    """The fields of a JSON access line, from gunicorn's access-log atoms (glogging.Logger.atoms)."""
    status = str(atoms.get("s", ""))
    return {"remote": atoms.get("h"), "method": atoms.get("m"), "path": atoms.get("U"), "query": atoms.get("q") or "",
            "protocol": atoms.get("H"), "status": int(status) if status.isdigit() else status,
            "bytes": atoms.get("B"), "duration_ms": round(atoms.get("D", 0) / 1000, 3),
            "referer": atoms.get("f"), "user_agent": atoms.get("a"),
            "request_id": atoms.get(f"{{{HEADER.lower()}}}o")}
