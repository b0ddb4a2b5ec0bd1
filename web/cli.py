"""`newsearch serve`, the web front end's command: the core CLI loads it through the `newsearch.commands` entry
point (pyproject.toml), so `search` never imports `web`."""

from __future__ import annotations

import click

from search import NewsearchError, Settings


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: 127.0.0.1; 0.0.0.0 for all).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: 8000).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: cores).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the search page, JSON API and feeds with gunicorn (builds a first index if there is none).

    Settings come from web/gunicorn_conf.py (packaged with newsearch); the options here override it.

    Example:

        newsearch serve --port 8000 --workers 2
    """
    from web.server import serve as run_server

    try:
        settings.log_json  # noqa: B018 - refuses a NEWSEARCH_LOG_FORMAT that is neither text nor json, before anything
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    try:
        run_server(settings, host=host, port=port, workers=workers)
    except NewsearchError as e:
        raise click.ClickException(str(e)) from None
