"""Result order and deep paging: every order's sort key, the page a request asks for, and opaque cursors.

Each order is one ascending float64 key per match with ties broken by document number: minus the score (BM25F,
times the recency boost) for relevance, the publication time for newest and oldest (ranking.date_keys). Within
one index generation (key, document number) is a strict total order, so a page can be given by where the last
one ended instead of by its number: the matches after that position, however deep, never repeating or skipping
one. That position is a cursor: the build and generation it was made on, the search (its sort and a hash of its
other parameters), the last hit's key and document number, and how many matches came before the next page.
Nothing is kept on the server; each page is computed again from the whole match set, so the cost of a page does
not grow with its depth. A cursor of another build or generation is `CursorExpired` (HTTP 410: its document
numbers and scores mean nothing on another index); one that does not decode, fails its check or belongs to
another search is a `BadRequest`. The check is a keyed hash with a key that is no secret: it catches a cut or
edited cursor, and a forged one can only ask for a page of the same public results.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq

from search.engine import ranking
from search.engine.snapshot import Snapshot
from search.errors import BadRequest, CursorExpired

FORMAT = 1  # the cursor layout; a cursor of another one is expired (start again)
_CHECK_KEY = b"newsearch cursor"
_CHECK_SIZE = 8
_NOT_PART = ("page", "page_size", "cursor", "histogram")  # parameters a cursor does not pin (the rest must match)
START_OVER = "start again from the first page, without `cursor`"


@dataclass(frozen=True)
class Position:
    """Where a cursor's page starts: after the match with this sort key and document number, `seen` matches in."""

    key: float
    doc: int
    seen: int


def sort_keys(snap: Snapshot, q: wq.Query, matched: np.ndarray, req: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Every match's ascending sort key for the request's order, and the scores (relevance) or None."""
    p = snap.postings
    if req.sort != "relevance":
        return ranking.date_keys(p, matched, req.sort == "newest"), None
    scores = ranking.scores(p, q, matched)
    if req.recency and snap.newest is not None:
        scores = scores * ranking.recency(p, matched, req.recency, snap.newest)
    return -scores, scores


def page(snap: Snapshot, q: wq.Query, matched: np.ndarray, req: Any,
         after: Position | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(indices into `matched` of the request's page, in order; their scores or None): the page of its number,
    or, after a cursor's position, the next `page_size` matches."""
    if after is None:
        start, end = (req.page - 1) * req.page_size, req.page * req.page_size
        if start >= len(matched):
            return np.zeros(0, dtype=np.int64), None  # a page past the end is empty, not an error
        keys, scores = sort_keys(snap, q, matched, req)
        order = ranking.top(keys, end)[start:end]
    else:
        keys, scores = sort_keys(snap, q, matched, req)
        later = np.flatnonzero((keys > after.key) | ((keys == after.key) & (matched > after.doc)))
        order = later[ranking.top(keys[later], req.page_size)]  # `later` is in document order: ties stay so
    return order, (scores[order] if scores is not None else None)


def ordered(snap: Snapshot, q: wq.Query, matched: np.ndarray, req: Any) -> np.ndarray:
    """Every match's document number in the request's order (what an export streams)."""
    keys, _ = sort_keys(snap, q, matched, req)
    return matched[np.lexsort((matched, keys))]


def position(req: Any, snap: Snapshot) -> Position | None:
    """Where the request's cursor says its page starts (None without one), checked against the live snapshot:
    CursorExpired when it was made on another build or generation, BadRequest when it is not one of ours or
    belongs to another search."""
    if not req.cursor:
        return None
    if req.page != 1:
        raise BadRequest("give `page` or `cursor`, not both: a cursor says where its page starts", "cursor")
    fields = _decode(req.cursor)
    if fields[0] != FORMAT:
        raise CursorExpired(f"this cursor was made by another version of newsearch: {START_OVER}")
    _, build, generation, sort, digest, key, doc, seen = fields
    if (build, generation) != (Path(snap.build).name, snap.generation):
        raise CursorExpired(f"the index has changed since this cursor was made (build {build} generation "
                            f"{generation}, now {Path(snap.build).name} generation {snap.generation}): {START_OVER}")
    if sort != req.sort or digest != search_hash(req):
        raise BadRequest("this cursor belongs to another search: repeat that search's parameters (q, filters, sort, "
                         f"recency) with it, or {START_OVER}", "cursor")
    if not 0 <= doc < snap.postings.size:
        raise BadRequest(f"this cursor is not one newsearch made: {START_OVER}", "cursor")
    return Position(key, doc, seen)


def following(snap: Snapshot, req: Any, after: Position | None, top: list[tuple[int, float | None, Any]],
              total: int) -> str | None:
    """The cursor of the page after this one (`top`: its (document, score, …) hits), or None on the last page."""
    seen = (after.seen if after is not None else (req.page - 1) * req.page_size) + len(top)
    if not top or seen >= total:
        return None
    doc, score, _ = top[-1]
    if req.sort == "relevance":
        key = -float(score)
    else:
        key = float(ranking.date_keys(snap.postings, np.array([doc], dtype=np.int64), req.sort == "newest")[0])
    payload = [FORMAT, Path(snap.build).name, snap.generation, req.sort, search_hash(req), key.hex(), doc, seen]
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(_check(body) + body).rstrip(b"=").decode("ascii")


def search_hash(req: Any) -> str:
    """What a cursor pins of its search: every parameter but the paging ones, relative dates as written (so the
    same search an hour later is still the same search)."""
    try:
        echoed = req.to_dict(as_written=True)
    except TypeError:  # a request without relative dates
        echoed = req.to_dict()
    pinned = {k: v for k, v in echoed.items() if k not in _NOT_PART}
    return hashlib.sha1(json.dumps(pinned, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:12]


def _check(body: bytes) -> bytes:
    return hashlib.blake2b(body, key=_CHECK_KEY, digest_size=_CHECK_SIZE).digest()


def _decode(cursor: str) -> list[Any]:
    """A cursor's fields, types checked; BadRequest for anything newsearch did not make."""
    bad = BadRequest(f"this cursor is not one newsearch made (cut short or edited?): {START_OVER}", "cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor.strip() + "=" * (-len(cursor.strip()) % 4))
    except (binascii.Error, ValueError):
        raise bad from None
    check, body = raw[:_CHECK_SIZE], raw[_CHECK_SIZE:]
    if len(raw) <= _CHECK_SIZE or check != _check(body):
        raise bad
    try:
        fields = json.loads(body.decode("utf-8"))
    except ValueError:
        raise bad from None
    if not isinstance(fields, list) or not fields or not _int(fields[0]):
        raise bad
    if fields[0] != FORMAT:
        return fields
    types = (_int, _str, _int, _str, _str, _str, _int, _int)
    if len(fields) != len(types) or not all(ok(v) for ok, v in zip(types, fields, strict=True)):
        raise bad
    try:
        fields[5] = float.fromhex(fields[5])
    except (ValueError, OverflowError):
        raise bad from None
    if math.isnan(fields[5]) or fields[7] < 0:
        raise bad
    return fields


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str(value: Any) -> bool:
    return isinstance(value, str)
