"""The `newsearch` command: thin click wrappers that parse arguments and call the modules that do the work.

The core commands live here; others come from the `newsearch.commands` entry point group (web/cli.py gives
`serve`), loaded only when asked for, so the core never imports the web front end.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import click

from search.articles import error_dict
from search.cli_show import (
    progress_bar,
    show_quotes,
    show_read,
    show_report,
    show_results,
    show_sources,
    show_status,
    skipped_text,
)
from search.config import CONFIG_VAR, Settings
from search.engine.params import PARAMS, QUOTE_PARAMS, Param
from search.errors import (
    BadRequest,
    IndexLocked,
    NewsearchError,
    RunRefused,
)
from search.ingest import escape_name, parse_file, walk

EXIT_LOCKED = 75  # EX_TEMPFAIL: another indexing job holds the index; try again later

T = TypeVar("T")


COMMANDS_GROUP = "newsearch.commands"


class _Commands(click.Group):
    """The core commands plus those of the `newsearch.commands` entry points (each loaded when used)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {ep.name for ep in entry_points(group=COMMANDS_GROUP)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            found = [ep for ep in entry_points(group=COMMANDS_GROUP) if ep.name == name]
            command = found[0].load() if found else None
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsearch")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
              help="Index folder (default: NEWSEARCH_INDEX or ./index).")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), default=None,
              help="Corpus folder (default: NEWSEARCH_CORPUS or ./corpus).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="TOML settings file (default: NEWSEARCH_CONFIG, or ./newsearch.toml if there is one).")
@click.pass_context
def main(ctx: click.Context, index_dir: Path | None, corpus_dir: Path | None, config_file: Path | None) -> None:
    """newsearch: full-text news search over headlines, captions, bodies and source quotes."""
    if config_file is not None:  # as NEWSEARCH_CONFIG, so that every process it starts (serve's workers) reads it
        os.environ[CONFIG_VAR] = str(config_file.expanduser().absolute())
    try:
        ctx.obj = Settings.from_env(index=index_dir, corpus=corpus_dir)
    except ValueError as e:
        raise click.ClickException(str(e)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article (or failed file) per line.")
@click.option("--max-file-mb", type=click.IntRange(min=1), default=None, help="Skip files larger than this.")
@click.pass_obj
def parse(base: Settings, paths: tuple[Path, ...], as_json: bool, max_file_mb: int | None) -> None:
    """Read corpus files and show the articles, captions and quotes found in them.

    PATHS are files or folders (searched recursively); default: the corpus folder (NEWSEARCH_CORPUS).
    Exits 1 when any file could not be read; each such file is listed with the reason.

    Example:

        newsearch parse corpus/ --json
    """
    settings = Settings.from_env(index=base.index, corpus=base.corpus, max_file_mb=max_file_mb)
    targets = paths or (settings.corpus,)
    for p in targets:
        if not p.exists():
            raise click.ClickException(f"no such file or folder: {p}")
    files = articles = failed = 0
    found = walk(targets, settings.corpus)
    for _key, f in found.files:
        result = parse_file(f, max_bytes=settings.max_file_bytes, aliases_files=tuple(map(str, settings.aliases_files)))
        result.path = shown = escape_name(str(f))
        for art in result.articles:
            art.path = shown
        files += 1
        articles += len(result.articles)
        failed += bool(result.errors)
        if as_json:
            for d in result.to_dicts():
                click.echo(json.dumps(d, ensure_ascii=False))
        else:
            show_read(result)
    for problem in found.problems:  # there, but not read: links out of the corpus, FIFOs, unreadable folders
        failed += 1
        if as_json:
            click.echo(json.dumps(error_dict(problem["path"], problem["reason"]), ensure_ascii=False))
        else:
            click.secho(f"ERROR {problem['path']}: {problem['reason']}", fg="red", err=True)
    if not as_json:
        click.echo(f"{articles} articles from {files} files; {failed} files with errors.")
        if found.skipped:
            click.echo(f"{len(found.skipped)} skipped: {skipped_text(found.skipped)}", err=True)
    if files == 0:
        click.echo("no corpus files found (looked for .txt, .html, .json, .jsonl, plain or .gz)", err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--full", is_flag=True, help="Rebuild from scratch into a new index, then switch to it.")
@click.option("--allow-delete", is_flag=True,
              help="Let this run remove more than NEWSEARCH_MAX_DELETE_SHARE of the index, or empty it.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Reading processes (default: cores).")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait for another indexing job to finish.")
@click.option("--cluster", default=None, metavar="tcp://HOST:8786",
              help="Read the files on this Dask cluster (default: NEWSEARCH_CLUSTER; none: here).")
@click.pass_obj
def index(settings: Settings, paths: tuple[Path, ...], full: bool, allow_delete: bool, as_json: bool,
          workers: int | None, wait: float, cluster: str | None) -> None:
    """Index the corpus: add new files, update changed ones, remove deleted ones.

    PATHS are files or folders (default: the corpus folder). The index mirrors them: a file that is gone
    from a folder given here is removed from the index. A run refuses, changing nothing, when the corpus
    folder is missing, unreadable or empty while the index is not, or when it would remove more than half
    of the index (NEWSEARCH_MAX_DELETE_SHARE); --allow-delete lets it. Exits 0 when the index was written,
    even when some files could not be read (each is listed with its reason and retried on the next run);
    1 when the run refused or the index could not be written; 75 when another indexing job holds the index;
    3 when the index was written but publishing it to a replica (NEWSEARCH_PUBLISH) failed.

    Example:

        newsearch index corpus/ --full --cluster tcp://10.0.0.5:8786
    """
    from dataclasses import replace

    from search.index.indexer import Indexer

    settings = replace(settings, cluster=cluster) if cluster is not None else settings
    for p in paths:
        if not os.path.lexists(p):
            raise click.ClickException(f"no such file or folder: {escape_name(str(p))}")
    bar = progress_bar() if not as_json and sys.stderr.isatty() else None
    try:
        report = Indexer(settings, workers=workers).run(paths or None, full=full, progress=bar, lock_wait=wait,
                                                        allow_delete=allow_delete)
    except IndexLocked as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EXIT_LOCKED)
    except RunRefused as e:
        raise click.ClickException(f"refused: {e}") from None
    except NewsearchError as e:  # the index could not be written, is damaged, the run was stopped, an aliases file
        raise click.ClickException(str(e)) from None
    finally:
        if bar:
            bar.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        show_report(report)
    after_indexing(settings, err=as_json)  # the alerts deliver what this run added (stdout stays JSON)
    publish_exit(report, as_json)


def _request_options(params: tuple[Param, ...]) -> Callable[[Callable], Callable]:
    """The click options of a search command, one per request parameter but the query (search.PARAMS for
    `newsearch search`, search.QUOTE_PARAMS for `newsearch quotes`)."""
    kinds = {"integer": int, "number": float}

    def decorate(command: Callable) -> Callable:
        for p in reversed([p for p in params if p.name != "q"]):
            kind = click.Choice(list(p.choices)) if p.kind == "choice" else kinds.get(p.kind, str)
            default = () if p.multiple else p.default
            command = click.option(p.option, p.arg, type=kind, multiple=p.multiple, help=p.help, default=default,
                                   show_default=p.default not in (None, ""))(command)
        return command

    return decorate


def _bad_request(e: BadRequest) -> click.BadParameter:
    """A request the engine refused, as click's usage error naming the option (or the query)."""
    return click.BadParameter(str(e), param_hint=f"--{(e.param or 'query').replace('_', '-')}")


@main.command()
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the results as the JSON API serves them.")
@click.option("--format", "export_format", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Export every match (not a page: no 10,000 limit) as CSV or JSON Lines, as /api/search.csv and "
                   ".jsonl serve them.")
@_request_options(PARAMS)
@click.pass_obj
def search(settings: Settings, query: tuple[str, ...], as_json: bool, export_format: str | None,
           **request: Any) -> None:
    """Search the index and show ranked results with highlighted snippets, or export every match (--format).

    Example:

        newsearch search 'source:"Al Jazeera" troops' --sort newest

        newsearch search harbour --sort oldest --format csv > harbour.csv
    """
    from search.engine.engine import Engine
    from search.engine.results import SearchRequest

    if export_format:
        _export(Engine(settings), _asked(lambda: SearchRequest.build(q=" ".join(query), **request)), export_format)
        return
    results = _asked(lambda: Engine(settings).search(SearchRequest.build(q=" ".join(query), **request)))
    _answer(results.to_dict(), as_json, lambda: show_results(results))


def _export(engine: Any, req: Any, fmt: str) -> None:
    """Every match on stdout, a chunk of rows at a time (paging options do not apply). A failure midway is the
    command's error, after the rows already written; a closed pipe (`| head`) ends it quietly."""
    found = _asked(lambda: engine.export(req))
    out = sys.stdout.buffer
    try:
        for text in found.lines(fmt):
            out.write(text.encode("utf-8"))
        out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        sys.exit(1)
    except NewsearchError as e:
        raise click.ClickException(f"the export stopped after it began: {e}") from None
    finally:
        found.close()
    if found.partial:
        click.echo("warning: the search ran out of time: some matches may be missing", err=True)


@main.command()
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the quotations as /api/quotes serves them.")
@_request_options(QUOTE_PARAMS)
@click.pass_obj
def quotes(settings: Settings, query: tuple[str, ...], as_json: bool, **request: Any) -> None:
    """Search what was said: one result per quotation, however many articles carry it, with its speaker, where
    it was first seen and in how many articles. Words, speaker and verb always match on the same quote.

    Example:

        newsearch quotes 'source:"Priya Raman" rust' --sort newest
    """
    from search.engine.engine import Engine
    from search.engine.quotes import QuoteRequest

    results = _asked(lambda: Engine(settings).quotes(QuoteRequest.build(q=" ".join(query), **request)))
    _answer(results.to_dict(), as_json, lambda: show_quotes(results))


@main.command()
@click.argument("query", nargs=-1)
@click.option("--limit", type=click.IntRange(1, next(p.maximum for p in QUOTE_PARAMS if p.name == "page_size")),
              default=20, show_default=True, help="List at most this many sources.")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as /api/sources serves them.")
@click.pass_obj
def sources(settings: Settings, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List the sources quoted, most quoted first: those whose names start with QUERY (or have words that do;
    an alias finds its canonical name), or all of them.

    Example:

        newsearch sources kestrel --json
    """
    from search.engine.engine import Engine

    q = " ".join(query)
    found = _asked(lambda: Engine(settings).sources(q, limit=limit))
    _answer({"q": q, "sources": found}, as_json, lambda: show_sources(q, found))  # the shape /api/sources serves


def _asked(call: Callable[[], T]) -> T:
    """What the engine answers; a bad parameter, no index, a damaged one or one built before quotes were indexed
    is the command's error, with the message that says what to do."""
    try:
        return call()
    except BadRequest as e:
        raise _bad_request(e) from None
    except NewsearchError as e:
        raise click.ClickException(str(e)) from None


def _answer(data: dict[str, Any], as_json: bool, show: Callable[[], None]) -> None:
    """Print the answer as the API serves it (--json), or as text."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        show()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as /api/status serves it.")
@click.option("--check", is_flag=True, help="Also read every segment and stored document and say what is wrong.")
@click.pass_obj
def status(settings: Settings, as_json: bool, check: bool) -> None:
    """Show what the live index holds and the last indexing runs, failed ones too.

    Exits 1 when the index is missing or damaged (--check reads all of it to find out).

    Example:

        newsearch status --check
    """
    from search.engine.engine import Engine
    from search.index.store import IndexStore

    problem = None
    try:
        engine = Engine(settings)
        engine.health()  # a real tiny search: a damaged index says so here
        info = engine.status()
    except NewsearchError as e:  # missing or damaged: still show the runs, they say what happened
        problem = str(e)
        runs = IndexStore(settings.index).runs()
        info = {"articles": None, "index": str(settings.index), "error": problem, "runs": runs[-10:],
                "last_run": runs[-1] if runs else None}
    if check:
        from search.index.check import check_index

        info["check"] = check_index(IndexStore(settings.index))
        problem = problem or (info["check"]["problems"][0] if info["check"]["problems"] else None)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        sys.exit(1 if problem else 0)
    show_status(info, problem)
    sys.exit(1 if problem else 0)


@main.command()
@click.option("--every", default=None, help="Run every DURATION: 30s, 10m, 1h, 1h30m.")
@click.option("--cron", default=None, help='Run on a crontab schedule, e.g. "*/10 * * * *".')
@click.option("--full", is_flag=True, help="Rebuild from scratch on each run instead of updating.")
@click.option("--wait", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds a run waits for another indexing job (cron, a timer) before skipping its turn.")
@click.pass_obj
def schedule(settings: Settings, every: str | None, cron: str | None, full: bool, wait: float) -> None:
    """Run the indexing job on a schedule, in the foreground, until SIGTERM or Ctrl-C.

    One run starts at once, then one per interval (runs never overlap; a late one is not run twice). Each
    run is logged and its report kept for `newsearch status`; a failing run is logged and the schedule
    goes on. On SIGTERM or Ctrl-C the run in progress finishes, then the command exits 0.

    Example:

        newsearch schedule --every 10m
    """
    import logging

    from search.index.schedule import ReindexJob, run_forever, trigger_for

    try:
        trigger = trigger_for(every, cron)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_forever(ReindexJob(settings, full=full, lock_wait=wait, on_report=lambda _: after_indexing(settings, err=True)),
                trigger)


from search.cli_alerts import after_indexing, alerts  # noqa: E402 - it builds on the helpers above
from search.cli_publish import publish, publish_exit  # noqa: E402

main.add_command(alerts)
main.add_command(publish)
