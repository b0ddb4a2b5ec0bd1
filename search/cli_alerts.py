"""`newsearch alerts`: saved searches whose new articles and quotations are delivered after each indexing run.

Thin click wrappers around search/alerts/ (the ledger beside the index, the checks and the webhook); `index` and
`schedule` (search/cli.py) call `after_indexing` once a run has written the index.
"""

from __future__ import annotations

import json
import re
from typing import Any

import click

from search.cli import _bad_request, _request_options
from search.config import Settings
from search.engine.params import PARAMS
from search.errors import BadRequest, NewsearchError

# An alert's filters: the search's parameters but the words (its QUERY) and those of order and paging
# (an export, which is what an alert checks, neither pages nor collapses near-duplicates)
FILTERS = tuple(p for p in PARAMS if p.name not in ("q", "sort", "page", "page_size", "recency", "cursor", "histogram",
                                                    "collapse"))
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@click.group()
def alerts() -> None:
    """Saved searches: after each `newsearch index` or scheduled run, every alert's new articles (and the new
    quotations in them) are POSTed once to its webhook and added to its feed, /alerts/NAME.atom.

    Example:

        newsearch alerts add harbour 'harbour OR ferry' --webhook https://hooks.example.org/newsroom
    """


@alerts.command("add")
@click.argument("name")
@click.argument("query", nargs=-1)
@_request_options(FILTERS)
@click.option("--webhook", default=None, help="POST what is new here, as JSON (http or https).")
@click.option("--every", default=None, help="Check at most once per DURATION (30m, 1h, 1d); default: every run.")
@click.pass_obj
def add(settings: Settings, name: str, query: tuple[str, ...], webhook: str | None, every: str | None,
        **request: Any) -> None:
    """Save a search as an alert. What matches now is its baseline: only articles new from now on are delivered.

    NAME is lower-case letters, digits, - and _ (it names the feed, /alerts/NAME.atom).

    Example:

        newsearch alerts add bridge 'bridge repairs' --section 'Local News' --webhook http://127.0.0.1:9000/hook
    """
    from search.alerts import AlertStore, run_alerts, search_request
    from search.alerts.webhook import check_url
    from search.index.schedule import parse_duration

    if not NAME.fullmatch(name):
        raise click.BadParameter("lower-case letters, digits, - and _ (at most 64), starting with a letter or digit",
                                 param_hint="NAME")
    try:
        url = check_url(webhook) if webhook else None
        seconds = parse_duration(every) if every else None
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    search = {"q": " ".join(query), **{p.name: list(v) if isinstance(v, tuple) else v
                                        for p in FILTERS if (v := request[p.arg]) not in (None, "", (), p.default)}}
    try:
        search_request(search)  # refused now, not at its first run
        store = AlertStore(settings.index)
        with store.locked():
            store.add(name, search, url, seconds, _now())
        first = run_alerts(settings, [name])[0]
    except BadRequest as e:
        raise _bad_request(e) from None
    except NewsearchError as e:
        raise click.ClickException(str(e)) from None
    if first.baseline is not None:
        start = f"{_matching(first.baseline)} now (not delivered: what matches when it starts is its baseline)"
    else:
        start = f"it starts watching at its first check ({first.error})"
    when = f"at most every {every}" if every else "after every indexing run"
    where = f"POSTed to {url} and added to" if url else "added to"
    click.echo(f"alert {name} added: {start}; checked {when}; new ones are {where} /alerts/{name}.atom")


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert, with its delivery state.")
@click.pass_obj
def list_alerts(settings: Settings, as_json: bool) -> None:
    """List the alerts: search, webhook, last run, found, delivered, queued, failures and the last error.

    Example:

        newsearch alerts list
    """
    from search.alerts import AlertStore

    found = AlertStore(settings.index).alerts()
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in found], ensure_ascii=False))
        return
    if not found:
        click.echo("no alerts (add one with `newsearch alerts add NAME QUERY`)")
    for a in found:
        words = [json.dumps(a.search.get("q", ""), ensure_ascii=False)]
        words += [f"--{k.replace('_', '-')} {json.dumps(x, ensure_ascii=False)}" for k, v in a.search.items()
                  if k != "q" for x in (v if isinstance(v, list) else [v])]
        every = f"every {_span(a.every)}" if a.every else "every run"
        click.echo(f"{a.name}  {' '.join(words)}")
        click.echo(f"  webhook {a.webhook or '(none: feed only)'}; {every}; last run {a.last_run or 'never'}")
        click.echo(f"  {a.found} found, {a.delivered} delivered, {_n(a.pending, 'delivery', 'deliveries')} queued, "
                   f"{_n(a.failures, 'failed attempt')}"
                   + (f"; last error {a.last_error_at}: {a.last_error}" if a.last_error else ""))


@alerts.command("remove")
@click.argument("name")
@click.pass_obj
def remove(settings: Settings, name: str) -> None:
    """Remove an alert, with what it has seen, its queued deliveries and its feed.

    Example:

        newsearch alerts remove harbour
    """
    from search.alerts import AlertStore

    store = AlertStore(settings.index)
    try:
        with store.locked():
            store.remove(name)
    except NewsearchError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"alert {name} removed")


@alerts.command("run")
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert run.")
@click.pass_obj
def run(settings: Settings, names: tuple[str, ...], as_json: bool) -> None:
    """Check the alerts (all, or those named) now and deliver what is new, as after an indexing run.

    Example:

        newsearch alerts run harbour
    """
    from search.alerts import run_alerts

    try:
        done = run_alerts(settings, list(names) or None)
    except NewsearchError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in done], ensure_ascii=False))
    else:
        for line in _lines(done) or ["no alerts"]:
            click.echo(line)


def after_indexing(settings: Settings, err: bool = False) -> None:
    """Run the alerts after an indexing run that wrote the index; never raises (the run itself succeeded)."""
    from search.alerts import run_alerts

    try:
        done = run_alerts(settings)
    except NewsearchError as e:
        click.echo(f"alerts not run: {e}", err=True)
        return
    except Exception as e:  # a bug in alerts must not turn a good indexing run into a failed command
        click.echo(f"alerts not run: {type(e).__name__}: {e}", err=True)
        return
    for line in _lines(done):
        click.echo(line, err=err)


def _lines(done: list[Any]) -> list[str]:
    out = []
    for d in done:
        if d.baseline is not None:
            what = f"started watching: {_matching(d.baseline)} now"
        elif d.checked:
            what = f"{_n(d.articles, 'new article')}, {_n(d.quotes, 'new quotation')}"
        else:
            what = "not due yet" if d.error is None else "not checked"
        sent = f"; {_n(d.delivered, 'delivery', 'deliveries')} sent" if d.delivered else ""
        queued = f"; {d.pending} queued ({d.error})" if d.pending else (f" ({d.error})" if d.error else "")
        out.append(f"alert {d.name}: {what}{sent}{queued}")
    return out


def _matching(count: int) -> str:
    return f"{_n(count, 'article')} {'matches' if count == 1 else 'match'}"


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")

