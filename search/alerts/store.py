"""The alerts' ledger: `alerts.sqlite` in the index root, beside runs.json (a full rebuild never touches it).

It holds each alert (its search, webhook, interval and delivery state), the ids it has seen (`seen`: every article
and quotation it has found or was already there when it started watching), what is still to be POSTed (`outbox`)
and its feed's entries (`feed`). Finding new items and recording them is one SQLite transaction: the new ids go
into `seen`, their payloads into `outbox` and their entries into `feed` together, or not at all. So an id is found
once (it is in `seen` from then on), and a crash before the commit leaves nothing recorded (the next run finds the
same items again), after it leaves them queued (the next run POSTs them). A queued delivery leaves the outbox only
when its webhook answered 2xx. One window remains, as with any webhook: a crash after the receiver's 2xx and before
that is recorded sends the delivery again on the next run, with the same `delivery` id for the receiver to drop.
Writers (the runner, `alerts add` and `remove`) hold `.alerts.lock`; readers (the feeds, `alerts list`) need no lock.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import BadRequest, NotFound
from search.index.store import flocked

LEDGER = "alerts.sqlite"
FEED_KEEP = 200  # entries kept in each alert's feed (the feed shows the newest FEED_SIZE)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
  name TEXT PRIMARY KEY, search TEXT NOT NULL, webhook TEXT, every REAL, created TEXT NOT NULL,
  watching INTEGER NOT NULL DEFAULT 0, last_run TEXT, found INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0, last_error TEXT, last_error_at TEXT,
  last_delivery TEXT, checked_on TEXT);
CREATE TABLE IF NOT EXISTS seen (alert TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
  PRIMARY KEY (alert, kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, delivery TEXT NOT NULL UNIQUE,
  alert TEXT NOT NULL, created TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, alert TEXT NOT NULL, kind TEXT NOT NULL,
  id TEXT NOT NULL, found TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feed_by_alert ON feed (alert, seq);
CREATE INDEX IF NOT EXISTS outbox_by_alert ON outbox (alert, seq);
"""


@dataclass(frozen=True)
class Alert:
    """One saved search and where it stands (what `alerts list` shows)."""

    name: str
    search: dict[str, Any]  # SearchRequest.build's raw arguments, as given to `alerts add`
    webhook: str | None
    every: float | None  # at most one check per this many seconds; None: after every indexing run
    created: str
    watching: bool  # what matched when it started watching is marked seen (its baseline)
    last_run: str | None
    found: int  # articles and quotations found new since it was added
    delivered: int  # of them, POSTed to the webhook (2xx)
    pending: int  # deliveries queued for the webhook
    failures: int  # failed delivery attempts since the last success
    last_error: str | None
    last_error_at: str | None
    last_delivery: str | None
    checked_on: str | None  # the index (build@generation) of its last check: unchanged, nothing can be new

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class AlertStore:
    """The ledger of one index root (Settings.index)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / LEDGER

    # -- connections and the writers' lock --------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection (closed after the block); a writer's block is one transaction, committed at its end."""
        if not write and not self.path.exists():
            raise NotFound("no alerts yet: add one with `newsearch alerts add`")
        self.root.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            if write:
                db.execute("PRAGMA journal_mode=WAL")  # readers (feeds) do not wait for a run's transaction
                db.execute("PRAGMA synchronous=FULL")  # a commit survives a power cut: `seen` and `outbox` together
                db.executescript(_SCHEMA)
                if "checked_on" not in {r[1] for r in db.execute("PRAGMA table_info(alerts)")}:  # a ledger from before
                    db.execute("ALTER TABLE alerts ADD COLUMN checked_on TEXT")
                db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            if db.in_transaction:
                db.execute("COMMIT")
        finally:
            db.close()

    @contextlib.contextmanager
    def locked(self, wait: float = 60.0) -> Iterator[None]:
        """Hold the writers' lock (`.alerts.lock`, an flock the kernel frees if the holder dies); IndexLocked
        after `wait` seconds."""
        busy = "another alerts run is in progress; try again when it has finished"
        with flocked(self.root / ".alerts.lock", wait, busy):
            yield

    # -- alerts -----------------------------------------------------------------------------------------------
    def add(self, name: str, search: dict[str, Any], webhook: str | None, every: float | None, now: str) -> None:
        """Save a new alert (not watching yet: its first check marks what already matches as seen)."""
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM alerts WHERE name = ?", (name,)).fetchone():
                raise BadRequest(f"there is an alert named {name!r} already (remove it first)", "name")
            db.execute("INSERT INTO alerts (name, search, webhook, every, created) VALUES (?, ?, ?, ?, ?)",
                       (name, json.dumps(search, ensure_ascii=False), webhook, every, now))

    def remove(self, name: str) -> None:
        """Forget an alert, its seen ids, queued deliveries and feed; NotFound when there is none."""
        with self._db(write=True) as db:
            if not db.execute("DELETE FROM alerts WHERE name = ?", (name,)).rowcount:
                raise NotFound(f"no alert named {name!r}")
            for table in ("seen", "outbox", "feed"):
                db.execute(f"DELETE FROM {table} WHERE alert = ?", (name,))  # our own table names

    def alerts(self) -> list[Alert]:
        """Every alert, by name ([] when there are none)."""
        try:
            with self._db() as db:
                rows = db.execute("SELECT a.*, (SELECT count(*) FROM outbox o WHERE o.alert = a.name) AS pending "
                                  "FROM alerts a ORDER BY name").fetchall()
                names = [d[0] for d in db.execute("SELECT * FROM alerts LIMIT 0").description]
        except (NotFound, sqlite3.OperationalError):  # no ledger yet, or no table in it yet
            return []
        return [_alert(dict(zip([*names, "pending"], r, strict=True))) for r in rows]

    def alert(self, name: str) -> Alert:
        """One alert; NotFound when there is none."""
        found = next((a for a in self.alerts() if a.name == name), None)
        if found is None:
            raise NotFound(f"no alert named {name!r}")
        return found

    # -- one check: new items, recorded together --------------------------------------------------------------
    @contextlib.contextmanager
    def recording(self, name: str) -> Iterator[Recording]:
        """One transaction for one check of an alert (Recording): committed at the end of the block, rolled back
        on an error (nothing of the check is then recorded)."""
        with self._db(write=True) as db:
            yield Recording(db, name)

    # -- deliveries -------------------------------------------------------------------------------------------
    def pending(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        """The alert's queued deliveries, oldest first: (delivery id, payload)."""
        with self._db() as db:
            rows = db.execute("SELECT delivery, payload FROM outbox WHERE alert = ? ORDER BY seq", (name,)).fetchall()
        return [(d, json.loads(p)) for d, p in rows]

    def delivered(self, name: str, delivery: str, items: int, now: str) -> None:
        """A delivery the webhook accepted: out of the outbox, counted, the failure count reset."""
        with self._db(write=True) as db:
            if db.execute("DELETE FROM outbox WHERE delivery = ?", (delivery,)).rowcount:
                db.execute("UPDATE alerts SET delivered = delivered + ?, failures = 0, last_delivery = ? "
                           "WHERE name = ?", (items, now, name))

    def failed(self, name: str, delivery: str, error: str, attempts: int, now: str) -> None:
        """A delivery the webhook did not accept (it stays queued for the next run)."""
        with self._db(write=True) as db:
            db.execute("UPDATE outbox SET attempts = attempts + ? WHERE delivery = ?", (attempts, delivery))
            db.execute("UPDATE alerts SET failures = failures + ?, last_error = ?, last_error_at = ? WHERE name = ?",
                       (attempts, error[:500], now, name))

    # -- the feed ---------------------------------------------------------------------------------------------
    def feed(self, name: str, limit: int) -> list[dict[str, Any]]:
        """The alert's newest feed entries, newest first: {"type": "article"|"quote", "id", "found", "seq", "item"}."""
        with self._db() as db:
            rows = db.execute("SELECT seq, kind, id, found, item FROM feed WHERE alert = ? ORDER BY seq DESC LIMIT ?",
                              (name, limit)).fetchall()
        return [{"type": kind, "id": id_, "found": found, "seq": seq, "item": json.loads(item)}
                for seq, kind, id_, found, item in rows]


class Recording:
    """What one check of an alert writes, inside its transaction."""

    def __init__(self, db: sqlite3.Connection, name: str) -> None:
        self.db = db
        self.name = name
        row = db.execute("SELECT watching FROM alerts WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no alert named {name!r}")  # removed since the run began
        self.watching = bool(row[0])

    def unseen(self, kind: str, ids: Iterable[str]) -> set[str]:
        """Those of `ids` this alert has not seen."""
        ids = list(dict.fromkeys(ids))
        seen: set[str] = set()
        for at in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            part = ids[at : at + 500]
            marks = ",".join("?" * len(part))
            seen.update(r[0] for r in self.db.execute(
                f"SELECT id FROM seen WHERE alert = ? AND kind = ? AND id IN ({marks})",
                (self.name, kind, *part)))
        return set(ids) - seen

    def see(self, kind: str, ids: Iterable[str]) -> None:
        """Mark ids seen (found, or there when the alert started watching)."""
        self.db.executemany("INSERT OR IGNORE INTO seen (alert, kind, id) VALUES (?, ?, ?)",
                            [(self.name, kind, i) for i in ids])

    def found(self, kind: str, items: list[tuple[str, dict[str, Any]]], now: str) -> None:
        """New items (id, feed entry): seen from now on, and in the feed (its oldest entries beyond FEED_KEEP go)."""
        self.see(kind, [i for i, _ in items])
        self.db.executemany("INSERT INTO feed (alert, kind, id, found, item) VALUES (?, ?, ?, ?, ?)",
                            [(self.name, kind, i, now, json.dumps(e, ensure_ascii=False)) for i, e in items])
        self.db.execute("UPDATE alerts SET found = found + ? WHERE name = ?", (len(items), self.name))
        self.db.execute("DELETE FROM feed WHERE alert = ? AND seq NOT IN (SELECT seq FROM feed WHERE alert = ? "
                        "ORDER BY seq DESC LIMIT ?)", (self.name, self.name, FEED_KEEP))

    def queue(self, payload: dict[str, Any], now: str) -> str:
        """Queue one webhook delivery; its id (also in the payload, for the receiver to drop a repeat)."""
        delivery = uuid.uuid4().hex
        body = json.dumps({**payload, "delivery": delivery, "created": now}, ensure_ascii=False)
        self.db.execute("INSERT INTO outbox (delivery, alert, created, payload) VALUES (?, ?, ?, ?)",
                        (delivery, self.name, now, body))
        return delivery

    def checked(self, now: str, index: str | None) -> None:
        """The check is complete, on this index (build@generation): the alert is watching, and this was its last run."""
        self.db.execute("UPDATE alerts SET watching = 1, last_run = ?, checked_on = ? WHERE name = ?",
                        (now, index, self.name))


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(name=row["name"], search=json.loads(row["search"]), webhook=row["webhook"], every=row["every"],
                 created=row["created"], watching=bool(row["watching"]), last_run=row["last_run"],
                 found=row["found"], delivered=row["delivered"], pending=row["pending"], failures=row["failures"],
                 last_error=row["last_error"], last_error_at=row["last_error_at"], last_delivery=row["last_delivery"],
                 checked_on=row.get("checked_on"))
