"""Running the alerts: after each indexing run, each alert finds what is new since its last check and delivers it.

An alert is a saved article search. Its first check marks every article that already matches as seen (its
baseline) and delivers nothing; each later check exports the matches (Engine.export: every match, no window) and
keeps those it has not seen, then the quotations of the quote search with the alert's words and sources
(Engine.quotations_in) that those new articles carry and that no article it had seen carried. The new items are
recorded in one transaction (store.py) and then POSTed to the alert's webhook in deliveries of at most BATCH items,
oldest first; a delivery that fails stays queued and goes first on the next run. A check on the same index
(build@generation) as the alert's last one searches nothing: nothing can be new (unless its dates move with the
clock). Nothing here raises: an alert that cannot be checked (no index yet, a damaged one) is reported and the
others go on; indexing has already finished.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from search.alerts import webhook
from search.alerts.store import Alert, AlertStore
from search.config import Settings
from search.engine.engine import Engine
from search.engine.params import PARAMS
from search.engine.quotes import QuoteRequest, QuoteResult
from search.engine.results import SearchRequest
from search.errors import NewsearchError, NotFound
from search.index.store import IndexStore

log = logging.getLogger("newsearch.alerts")
log.addHandler(logging.NullHandler())  # a command prints its own summary; `schedule` logs these lines too
BATCH = 100  # articles and quotations per webhook delivery
SUMMARY = 400  # characters of an article's body in its feed entry
SLACK = 0.98  # an alert checked `every` 1h is due again after 59 minutes (runs are not exactly on the hour)


@dataclass
class AlertRun:
    """What one alert did in one run."""

    name: str
    checked: bool = False  # False: not due yet (--every), or it could not be checked (error)
    baseline: int | None = None  # its first check: how many matches it marked seen
    articles: int = 0  # new articles found
    quotes: int = 0  # new quotations found
    delivered: int = 0  # deliveries the webhook accepted
    pending: int = 0  # deliveries still queued
    error: str | None = None  # why it could not be checked, or the webhook's last failure

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def run_alerts(settings: Settings, names: list[str] | None = None, now: datetime | None = None,
               wait: float = 60.0) -> list[AlertRun]:
    """Check every alert (or those named) and deliver what is new; [] when there are none. IndexLocked when
    another alerts run holds the ledger for longer than `wait` seconds; NotFound for a name that is no alert."""
    store = AlertStore(settings.index)
    alerts = store.alerts()
    if names:
        missing = sorted(set(names) - {a.name for a in alerts})
        if missing:
            raise NotFound(f"no alert named {missing[0]!r}")
        alerts = [a for a in alerts if a.name in names]
    if not alerts:
        return []
    with store.locked(wait):
        engine, index = Engine(settings), live_index(settings)
        try:
            return [run_one(store, engine, alert, now or datetime.now(UTC), index) for alert in alerts]
        finally:
            engine.close()


def live_index(settings: Settings) -> str | None:
    """Which index is live, as `build@generation` (cheap: no searcher is opened); None when there is none or it
    cannot be opened (the checks then say why)."""
    store = IndexStore(settings.index)
    try:
        build = store.current()
        return f"{build.name}@{store.open().latest_generation()}" if build is not None else None
    except Exception:  # damaged or outdated: each alert's check reports it
        return None


def run_one(store: AlertStore, engine: Engine, alert: Alert, now: datetime, index: str | None = None) -> AlertRun:
    """One alert's check (when due) and deliveries; `index` is the live index (build@generation) if known."""
    done = AlertRun(alert.name)
    if _due(alert, now):
        try:
            _check(store, engine, alert, _iso(now), index, done)
            done.checked = True
        except NewsearchError as e:  # no index yet, a damaged one, a search that no longer validates
            done.error = str(e)
            log.warning("alert %s not checked: %s", alert.name, e)
    if alert.webhook:
        _deliver(store, alert, _iso(now), done)
    return done


def search_request(search: dict[str, Any]) -> SearchRequest:
    """The search an alert runs: its saved parameters (by their URL names, as `alerts add` checked them), newest
    first; BadRequest when they no longer validate."""
    by_name = {p.name: p.arg for p in PARAMS}
    return SearchRequest.build(**{by_name[k]: v for k, v in search.items() if k in by_name}, sort="newest")


def _due(alert: Alert, now: datetime) -> bool:
    if alert.every is None or alert.last_run is None:
        return True
    return (now - datetime.fromisoformat(alert.last_run)).total_seconds() >= alert.every * SLACK


def _check(store: AlertStore, engine: Engine, alert: Alert, now: str, index: str | None, done: AlertRun) -> None:
    """Find the alert's new articles and quotations and record them (seen, feed, queued deliveries) at once. On the
    index it last checked nothing can be new (a search whose dates move with the clock aside): no search then."""
    req = search_request(alert.search)
    if index is not None and index == alert.checked_on and alert.watching and not req.relative:
        with store.recording(alert.name) as rec:
            rec.checked(now, index)
        return
    with engine.export(req) as found, store.recording(alert.name) as rec:
        if not rec.watching:  # the first check: what matches now is the baseline, not news
            for pairs in found.ids():
                rec.see("article", [i for _, i in pairs])
            rec.checked(now, index)
            done.baseline = found.total
            return
        new = []
        for pairs in found.ids():
            fresh = rec.unseen("article", [i for _, i in pairs])
            if fresh:
                new.extend(found.rows_of([d for d, i in pairs if i in fresh]))
        quotes = _new_quotes(engine, rec, alert, [r["id"] for r in new])
        rec.found("article", [(r["id"], _article_entry(engine, r)) for r in new], now)
        rec.found("quote", [(q.id, q.to_dict()) for q in quotes], now)
        items = [("articles", r) for r in new] + [("quotes", q.to_dict()) for q in quotes]
        if alert.webhook:
            for at in range(0, len(items), BATCH):
                part = items[at : at + BATCH]
                rec.queue({"alert": alert.name, "search": alert.search,
                           "articles": [x for kind, x in part if kind == "articles"],
                           "quotes": [x for kind, x in part if kind == "quotes"]}, now)
        rec.checked(now, index)
    done.articles, done.quotes = len(new), len(quotes)
    if new or quotes:
        log.info("alert %s: %d new articles, %d new quotations", alert.name, len(new), len(quotes))


def _new_quotes(engine: Engine, rec: Any, alert: Alert, new_ids: list[str]) -> list[QuoteResult]:
    """The quotations of the alert's words and sources in its new articles that it has not delivered, and that no
    article it had already seen carried (those were there before)."""
    if not new_ids:
        return []
    qreq = QuoteRequest.build(q=alert.search.get("q") or "", source=alert.search.get("source") or [])
    found = engine.quotations_in(new_ids, qreq)
    fresh = rec.unseen("quote", [q.id for q, _ in found])
    new = set(new_ids)
    out = []
    for q, carriers in found:
        before = [a for a in carriers if a not in new]
        if q.id in fresh and len(rec.unseen("article", before)) == len(before):
            out.append(q)
    return out


def _article_entry(engine: Engine, row: dict[str, Any]) -> dict[str, Any]:
    """An article's feed entry: its export row and the start of its body."""
    try:
        body = " ".join(engine.article(row["id"]).get("body", "").split())
    except NotFound:  # gone since (a reindex between the export and now)
        body = ""
    return {**row, "summary": body[:SUMMARY] + ("…" if len(body) > SUMMARY else "")}


def _deliver(store: AlertStore, alert: Alert, now: str, done: AlertRun) -> None:
    """POST the alert's queued deliveries, oldest first, stopping at the first that fails (it stays queued)."""
    queued = store.pending(alert.name)
    for n, (delivery, payload) in enumerate(queued):
        try:
            webhook.post(alert.webhook, payload)
        except webhook.WebhookError as e:
            store.failed(alert.name, delivery, str(e), webhook.ATTEMPTS, now)
            done.error, done.pending = str(e), len(queued) - n
            log.warning("alert %s: webhook %s failed (%s): %d deliveries stay queued", alert.name, alert.webhook, e,
                        done.pending)
            return
        store.delivered(alert.name, delivery, len(payload["articles"]) + len(payload["quotes"]), now)
        done.delivered += 1


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds")
