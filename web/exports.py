"""Exports on the web: `/api/search.csv` and `/api/search.jsonl` stream every match of a search
(Engine.export: /api/search's parameters, no paging window).

Everything that can go wrong before the first row (a bad parameter, no index) is the API's JSON error with its
status: the matches are found and ordered before the response starts. A failure after that cannot change the
status, which has been sent: the stream ends with one error line (JSON Lines: `{"error": {...}}`, the API's error
object; CSV: a row whose id cell is `#error`) and the connection is then closed without HTTP/1.1's last chunk,
so a client sees a cut-off transfer, never a file that looks complete. `X-Total-Count` says how many rows to expect.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request, stream_with_context

from search import Export, NewsearchError
from web import engine
from web.api import known_parameters
from web.errors import DOMAIN
from web.params import search_request

bp = Blueprint("exports", __name__, url_prefix="/api")
bp.before_request(known_parameters)  # an unknown parameter is a 400, as on /api/search


class ExportFailed(Exception):
    """An export that failed after its first row: raised to the server so that it cuts the connection."""


@bp.get("/search.csv")
def csv():
    """Every match of the search, as CSV (one line a row; cells that would be formulas start with an apostrophe)."""
    return _export("csv")


@bp.get("/search.jsonl")
def jsonl():
    """Every match of the search, as JSON Lines (one object a row)."""
    return _export("jsonl")


def _export(fmt: str) -> Response:
    req = search_request(request.args)
    found = engine().export(req)  # matched and ordered now: its errors are ordinary JSON errors
    body = _stream(found, fmt)
    resp = Response(stream_with_context(body), content_type=found.media_types[fmt])
    resp.call_on_close(found.close)  # a stream never read (HEAD, a client gone) still closes its snapshot
    resp.headers["Content-Disposition"] = f'attachment; filename="newsearch-search.{fmt}"'
    resp.headers["X-Total-Count"] = str(found.total)
    resp.headers["X-Accel-Buffering"] = "no"  # nginx passes it on as it comes instead of buffering it all
    resp.headers["Cache-Control"] = "no-store"
    if found.partial:
        resp.headers["X-Newsearch-Partial"] = "true"  # the time budget cut matching short: some may be missing
    return resp


def _stream(found: Export, fmt: str) -> Iterator[str]:
    try:
        yield from found.lines(fmt)
    except GeneratorExit:  # the client went away
        raise
    except Exception as e:
        error = _error(e)
        yield found.error_line(fmt, error)
        raise ExportFailed(f"export of {request.full_path} failed after it began: {error['message']}") from e
    finally:
        found.close()


def _error(e: Exception) -> dict:
    """The API's error object for a failure in the middle of an export."""
    if isinstance(e, NewsearchError):
        for cls, status, code in DOMAIN:
            if isinstance(e, cls):
                return {"status": status, "code": code, "message": str(e), "param": None}
    current_app.logger.error("export failed on %s", request.full_path, exc_info=e)
    return {"status": 500, "code": "internal_error", "message": "an unexpected error; it has been logged",
            "param": None}
