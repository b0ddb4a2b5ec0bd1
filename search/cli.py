"""The `newsearch` command: thin click wrappers that parse arguments and call the modules that do the work."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from search.articles import Article, ReadResult
from search.config import Settings
from search.parsing import corpus_files, parse_file


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsearch")
def main() -> None:
    """newsearch: full-text news search over headlines, captions, bodies and source quotes."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article (or failed file) per line.")
@click.option("--max-file-mb", type=click.IntRange(min=1), default=None, help="Skip files larger than this.")
def parse(paths: tuple[Path, ...], as_json: bool, max_file_mb: int | None) -> None:
    """Read corpus files and show the articles, captions and quotes found in them.

    PATHS are files or folders (searched recursively); default: the corpus folder (NEWSEARCH_CORPUS).
    Exits 1 when any file could not be read; each such file is listed with the reason.

    Example:

        newsearch parse corpus/ --json
    """
    settings = Settings.from_env(max_file_mb=max_file_mb)
    targets = paths or (settings.corpus,)
    for p in targets:
        if not p.exists():
            raise click.ClickException(f"no such file or folder: {p}")
    files = articles = failed = 0
    for f in corpus_files(targets):
        result = parse_file(f, max_bytes=settings.max_file_bytes)
        files += 1
        articles += len(result.articles)
        failed += bool(result.errors)
        if as_json:
            for d in result.to_dicts():
                click.echo(json.dumps(d, ensure_ascii=False))
        else:
            _show(result)
    if not as_json:
        click.echo(f"{articles} articles from {files} files; {failed} files with errors.")
    if files == 0:
        click.echo("no corpus files found (looked for .txt, .html, .json, .jsonl, plain or .gz)", err=True)
    sys.exit(1 if failed else 0)


def _show(result: ReadResult) -> None:
    for art in result.articles:
        _show_article(art)
    for reason in result.errors:
        click.secho(f"ERROR {result.path}: {reason}", fg="red", err=True)


def _show_article(art: Article) -> None:
    click.secho(art.key, bold=True)
    rows = [
        ("headline", art.headline),
        ("section", art.section),
        ("byline", art.byline),
        ("published", art.published.isoformat() if art.published else None),
        ("url", art.url),
        ("credit", art.credit),
    ]
    for name, value in rows:
        if value:
            click.echo(f"  {name:<9} {value}")
    for cap in art.captions:
        click.echo(f"  caption   {_short(cap, 200)}")
    words = len(art.body.split())
    click.echo(f"  body      {words} words: {_short(art.body, 160)}")
    for q in art.quotes:
        who = q.source or "(unattributed)"
        click.echo(f"  quote     [{q.kind}] {who} {q.cue or ''}: {_short(q.text, 140)}")
    if art.sources:
        click.echo(f"  sources   {'; '.join(art.sources)}")
    click.echo()


def _short(text: str, width: int) -> str:
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" …")
