"""`newsearch publish`: copy the live index to replicas that `newsearch serve` serves (search/index/publish.py).

A thin click wrapper; `index` (search/cli.py) uses `publish_exit` to exit nonzero when a configured publish failed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from search.cli import EXIT_LOCKED
from search.config import Settings
from search.errors import IndexLocked, NewsearchError

EXIT_PUBLISH_FAILED = 3  # `newsearch index`: the index was written, but publishing to a replica failed


@click.command()
@click.argument("dests", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one result per destination as JSON.")
@click.option("--wait", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds to wait for an indexing job to finish (publishing holds the same lock).")
@click.pass_obj
def publish(settings: Settings, dests: tuple[str, ...], as_json: bool, wait: float) -> None:
    """Copy the live build and generation of the index to each DEST, and make it live there.

    DEST is a local path (shared storage) or HOST:PATH (rsync over NEWSEARCH_PUBLISH_RSH, ssh by default);
    default: NEWSEARCH_PUBLISH. Each DEST becomes an index root that `newsearch serve --index DEST` serves: a
    new release is copied beside the live one (unchanged segment files are hard links to it, only new files
    travel) and made live by an atomic symlink swap once the copy is complete, so a replica never serves a
    half copy. Exits 0 when every DEST got the index (or had it already), 1 when one failed (it keeps serving
    its previous release), 75 when an indexing job held the index for longer than --wait.

    Example:

        newsearch publish /mnt/replica/index search2.example.org:/srv/newsearch/index
    """
    from search.index.publish import destinations, publish_all
    from search.index.store import IndexStore

    targets = list(dests) or destinations(settings.publish)
    if not targets:
        raise click.UsageError("name a DEST (a path or HOST:PATH), or set NEWSEARCH_PUBLISH")
    try:
        with IndexStore(settings.index).lock(wait=wait):
            results = [r.to_dict() for r in publish_all(settings, targets)]
    except IndexLocked as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EXIT_LOCKED)
    except NewsearchError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False))
    else:
        show_results(results)
    sys.exit(1 if any(r["status"] == "failed" for r in results) else 0)


def show_results(results: list[dict[str, Any]]) -> None:
    """One line per destination, as `newsearch publish` and `newsearch index` print them (failures on stderr)."""
    from search.index.publish import describe

    for r in results:
        failed = r["status"] == "failed"
        click.echo(f"  {describe(r)}" if failed else describe(r), err=failed)


def publish_exit(report: Any, as_json: bool) -> None:
    """After `newsearch index`: print the publish results (unless JSON), exit EXIT_PUBLISH_FAILED if one failed."""
    if not as_json:
        show_results(report.publish)
    if any(r["status"] == "failed" for r in report.publish):
        sys.exit(EXIT_PUBLISH_FAILED)
