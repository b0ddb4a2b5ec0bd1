"""The text `newsearch` prints: articles as parsed, index reports, search results, quotations and sources,
index status and runs.

The commands in cli.py parse arguments and call the core; these turn what it returns into lines for a
terminal (with --json the commands print the values' to_dict() instead, as the JSON API serves them).
"""

from __future__ import annotations

import html
import re
import sys
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from search.articles import Article, ReadResult

if TYPE_CHECKING:
    from search.engine.quotes import QuoteResults
    from search.engine.results import Results
    from search.index.report import IndexReport


def listed(items: Iterable[str], limit: int = 10) -> str:
    """The first `limit` items, comma-separated, and how many more there are."""
    items = list(items)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def skipped_text(entries: list[dict], total: int | None = None) -> str:
    """Skipped files grouped by reason: "unsupported file type: README, report.pdf; hidden: .git"."""
    by_reason: dict[str, list[str]] = {}
    for s in entries:
        by_reason.setdefault(s.get("reason") or "", []).append(str(s.get("path")))
    text = "; ".join(f"{reason}: {listed(paths)}" for reason, paths in by_reason.items())
    if total is not None and total > len(entries):
        text += f" (and {total - len(entries)} more)"
    return text


def show_read(result: ReadResult) -> None:
    """`newsearch parse`: the articles read from one file, then its errors (on stderr)."""
    for art in result.articles:
        show_article(art)
    for reason in result.errors:
        click.secho(f"ERROR {result.path}: {reason}", fg="red", err=True)


def show_article(art: Article) -> None:
    """One article as parsed: its fields, captions, body length, quotes and sources."""
    click.secho(art.key, bold=True)
    rows = [
        ("headline", art.headline),
        ("section", art.section),
        ("byline", art.byline),
        ("published", art.published.isoformat() if art.published else None),
        ("url", art.url),
        ("outlet", art.outlet),
        ("credit", art.credit),
    ]
    for name, value in rows:
        if value:
            click.echo(f"  {name:<9} {value}")
    for cap in art.captions:
        click.echo(f"  caption   {short(cap, 200)}")
    words = len(art.body.split())
    click.echo(f"  body      {words} words: {short(art.body, 160)}")
    for q in art.quotes:
        who = q.source or "(unattributed)"
        click.echo(f"  quote     [{q.kind}] {who} {q.cue or ''}: {short(q.text, 140)}")
    if art.sources:
        click.echo(f"  sources   {'; '.join(art.sources)}")
    click.echo()


def short(text: str, width: int) -> str:
    """The text on one line, cut at a word to at most `width` characters."""
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" …")


def show_report(report: IndexReport) -> None:
    """An indexing run's report: the counts, then each file that failed and the files skipped."""
    click.echo(f"{report.mode} run in {report.duration_s:.1f}s: {report.added} added, {report.updated} updated, "
               f"{report.deleted} deleted, {report.unchanged} unchanged, {report.failed_count} failed, "
               f"{report.skipped_count} skipped; {report.articles} articles in the index (build {report.build}, "
               f"generation {report.generation}).")
    for f in report.failed:
        click.secho(f"  FAILED {f['path']}: {f['reason']}", fg="red", err=True)
    if report.skipped:
        click.echo(f"  skipped: {skipped_text(report.skipped)}", err=True)


def progress_bar() -> Any:
    """A progress callback for Indexer.run that draws a bar on stderr (drawn on the first call); close() it."""
    from tqdm import tqdm

    class Bar:
        def __init__(self) -> None:
            self.bar = None

        def __call__(self, done: int, total: int) -> None:
            if self.bar is None:
                self.bar = tqdm(total=total, unit="file", desc="indexing", file=sys.stderr, dynamic_ncols=True)
            self.bar.n = done
            self.bar.refresh() if done == total or done % 50 == 0 else None

        def close(self) -> None:
            if self.bar is not None:
                self.bar.close()

    return Bar()


def plain(snippet: str) -> str:
    """A snippet (escaped text with <mark>) as the plain text it marks."""
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def styled(label: str, snippet: str, indent: str = "   ") -> str:
    """A snippet wrapped to the terminal's 100 columns, its marked words in bold yellow."""
    marked = html.unescape(snippet.replace("<mark>", "\x01").replace("</mark>", "\x02"))
    text = textwrap.fill(label + " ".join(marked.split()), width=100, initial_indent=indent,
                         subsequent_indent=indent, break_on_hyphens=False)
    on, off = click.style("\x00", bold=True, fg="yellow").split("\x00")
    return text.replace("\x01", on).replace("\x02", off)


def show_facets(facets: dict[str, list[dict[str, Any]]]) -> None:
    """Each facet's first values with their counts, one line a facet."""
    for name, values in facets.items():
        if values:
            click.echo(f"\n{name}: " + ", ".join(f"{v['value']} ({v['count']})" for v in values[:8]))


def show_results(results: Results) -> None:
    """`newsearch search`: the count, did-you-mean, each hit with its snippets marked, then the facets."""
    first = (results.page - 1) * results.page_size + 1
    note = " (few articles have every word: showing those with most of them too)" if results.relaxed else ""
    note += " (time limit reached: partial results)" if results.partial else ""
    stories = results.total_collapsed
    collapsed = f" in {stories} {'story' if stories == 1 else 'stories'}" if results.query.get("collapse") else ""
    click.echo(f"{results.total} results{collapsed}, page {results.page}, {results.took_ms:.0f} ms{note}")
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion['q']} ({results.suggestion['total']} results)?")
    for n, hit in enumerate(results.results, start=first):
        when = (hit.published or "")[:10]
        meta = " · ".join(x for x in (when, hit.outlet, hit.section, hit.byline) if x)
        click.echo()
        click.secho(f"{n}. {plain(hit.snippets.get('headline', '')) or hit.headline}", bold=True)
        if meta:
            click.echo(f"   {meta}")
        for name in ("body", "lede", "caption", "quotes"):
            if name in hit.snippets:
                label = {"body": "", "lede": "", "caption": "caption: ", "quotes": "quote: "}[name]
                click.echo(styled(label, hit.snippets[name]))
        for q in hit.quotes:
            click.echo(f"   — {q.source or 'unattributed'} ({q.cue or q.kind})")
        click.echo(f"   id {hit.id}  matched: {', '.join(hit.matched_fields) or '-'}")
        if hit.duplicates:
            click.echo(f"   + {copies_text(hit.duplicates, hit.copies)}")
    show_facets(results.facets)
    if results.histogram is not None:
        show_histogram(results.histogram)


def copies_text(duplicates: int, copies: list[dict[str, Any]]) -> str:
    """"2 more copies: Valley Ledger, harbour.example" (collapse=1: the other matches of a hit's story)."""
    names = [c.get("outlet") or c.get("url") or c["id"] for c in copies]
    more = f" and {duplicates - len(names)} more" if duplicates > len(names) else ""
    return f"{duplicates} more {'copy' if duplicates == 1 else 'copies'}: {', '.join(names)}{more}"


def show_histogram(trend: dict[str, Any], width: int = 40) -> None:
    """`--histogram`: one line a bucket, its matches as a bar (the busiest bucket `width` wide), the count, and
    its share of the articles within the filters."""
    click.echo(f"\nmatches per {trend['interval']}: {trend['dated']} dated, {trend['undated']} undated")
    most = max((b["count"] for b in trend["buckets"]), default=0)
    key_width = max((len(b["key"]) for b in trend["buckets"]), default=0)
    for b in trend["buckets"]:
        bar = "█" * max(1, round(width * b["count"] / most)) if b["count"] else ""
        share = f"  {b['share']:.1%} of {b['all']}" if b["count"] else ""
        click.echo(f"  {b['key']:<{key_width}} {bar:<{width}} {b['count']}{share}")


def show_quotes(results: QuoteResults) -> None:
    """`newsearch quotes`: the count, then each quotation (speaker, words marked, first seen, seen in), facets."""
    first = (results.page - 1) * results.page_size + 1
    note = " (time limit reached: partial results)" if results.partial else ""
    plural = "" if results.total == 1 else "s"
    click.echo(f"{results.total} quotation{plural}, page {results.page}, {results.took_ms:.0f} ms{note}")
    for n, r in enumerate(results.results, start=first):
        how = ", ".join(x for x in (r.cue, r.kind) if x)
        kind = f" [{r.source_kind}]" if r.source_kind and r.source_kind != "person" else ""
        click.echo()
        click.secho(f"{n}. {r.source or 'unattributed'}{kind} ({how})", bold=True)
        click.echo(styled("", f"“{r.snippet}”"))
        seen = r.first_seen
        when = (seen.get("published") or "")[:10]
        articles = f"{r.seen_in} article{'' if r.seen_in == 1 else 's'}"
        headline = html.escape(seen.get("headline") or "")
        where = f"{when} in “{headline}”" if when else f"in “{headline}” (undated)"
        click.echo(styled("", f"first seen {where} · seen in {articles}"))
        for a in r.articles[1:]:  # the first is where it was first seen
            meta = " · ".join(x for x in ((a.get("published") or "")[:10], a.get("outlet")) if x)
            click.echo(f"     also: {a.get('headline') or '(no headline)'}" + (f" ({meta})" if meta else ""))
        click.echo(f"   id {r.id}  article {seen.get('article_id')}")
    show_facets(results.facets)


def show_sources(q: str, found: list[dict[str, Any]]) -> None:
    """`newsearch sources`: one line a source (name, kind, counts, first and last quoted, slug)."""
    if not found:
        click.echo(f"no sources{f' matching {q!r}' if q else ''}")
        return
    width = min(max(len(s["name"]) for s in found), 40)
    for s in found:
        first, last = (s.get("first_quoted") or "")[:10], (s.get("last_quoted") or "")[:10]
        span = first if first == last else f"{first} to {last}"
        counts = f"{s['quotes']} quote{'' if s['quotes'] == 1 else 's'} in {s['articles']} " \
                 f"article{'' if s['articles'] == 1 else 's'}"
        click.echo(f"{s['name']:<{width}}  {s.get('kind') or '-':<12}  {counts:<24}  {span or 'undated':<24}  "
                   f"{s['slug']}")


def show_status(info: dict[str, Any], problem: str | None) -> None:
    """`newsearch status`: what the live index holds (or what is wrong with it), the runs, the check."""
    if info["articles"] is not None:
        click.echo(f"{info['articles']} articles in {info['index']} (build {info['build']}, generation "
                   f"{info['generation']}, built {info['built']})")
    else:
        click.secho(f"Error: {problem}", fg="red", err=True)
    if info.get("published"):
        stamp = info["published"]
        click.echo(f"a replica: generation {stamp.get('generation')} of build {stamp.get('build')} published here at "
                   f"{stamp.get('published')} from {stamp.get('from')}")
    show_runs(info.get("runs") or [])
    if "check" in info:
        c = info["check"]
        click.echo(f"check: {c['segments']} segments, {c['documents']} documents read, "
                   f"{len(c['problems'])} problems")
        for p in c["problems"]:
            click.secho(f"  PROBLEM {p}", fg="red")


def show_runs(runs: list[dict]) -> None:
    """The runs newest first, a failed one said plainly; the files still failing as of the last good run."""
    good = next((r for r in reversed(runs) if r.get("status", "ok") == "ok"), None)
    for n, run in enumerate(reversed(runs)):
        label = "last run" if n == 0 else "earlier "
        when = run.get("finished") or run.get("started")
        if run.get("status", "ok") != "ok":
            click.secho(f"{label}: {run.get('mode')} at {when} {str(run.get('status')).upper()}: {run.get('error')}",
                        fg="red" if n == 0 else None)
            continue
        failed = run.get("failed_count", len(run.get("failed") or []))
        click.echo(f"{label}: {run.get('mode')} at {when}, {run.get('added', 0)} added, {run.get('updated', 0)} "
                   f"updated, {run.get('deleted', 0)} deleted, {failed} failed, {run.get('skipped_count', 0)} "
                   f"skipped, {run.get('duration_s', 0):.1f}s")
        for p in run.get("publish") or []:  # a replica left on its last release
            if p.get("status") == "failed":
                click.secho(f"  FAILED to publish to {p.get('dest')}: {p.get('error')}", fg="red" if n == 0 else None)
    if good is None:
        return
    failing = good.get("failed") or []
    failed = good.get("failed_count", len(failing))
    if failed:
        click.echo(f"files failing as of the last successful run ({failed}):")
        for f in failing:  # retried on every run until fixed or removed
            click.secho(f"  FAILED {f.get('path')}: {f.get('reason')}", fg="red")
        if failed > len(failing):
            click.echo(f"  … and {failed - len(failing)} more")
    if good.get("skipped_count"):
        text = skipped_text(good.get("skipped") or [], good["skipped_count"])
        click.echo(f"skipped ({good['skipped_count']}): {text}")
