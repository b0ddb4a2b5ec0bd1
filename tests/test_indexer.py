"""`newsearch index`: full and incremental runs on real files and a real index, and the report they give."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.config import Settings
from search.engine.engine import Engine
from search.engine.results import SearchRequest
from search.index.indexer import Indexer
from search.index.store import IndexStore


def article(headline: str, body: str) -> str:
    return f"{headline}\n\n{body}\n"


@pytest.fixture()
def setup(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(article("Lighthouse keeper retires", "The keeper of Skerry light retired."))
    (corpus / "b.txt").write_text(article("Ferry timetable changes", "Winter sailings start in November."))
    settings = Settings.from_env(index=tmp_path / "index", corpus=corpus)
    return settings, corpus


def headlines(settings: Settings, q: str = "") -> list[str]:
    eng = Engine(settings)
    try:
        return sorted(h.headline for h in eng.search(SearchRequest.build(q=q, page_size=100)).results)
    finally:
        eng.close()


def test_first_run_is_a_full_build_then_incremental_runs_see_changes(setup) -> None:
    settings, corpus = setup
    r = Indexer(settings, workers=1).run()
    assert (r.mode, r.added, r.articles) == ("full", 2, 2)
    assert headlines(settings) == ["Ferry timetable changes", "Lighthouse keeper retires"]

    r = Indexer(settings, workers=1).run()
    assert (r.mode, r.added, r.updated, r.deleted, r.unchanged) == ("incremental", 0, 0, 0, 2)

    (corpus / "c.txt").write_text(article("Harbour crane installed", "A new crane arrived by sea."))
    (corpus / "a.txt").write_text(article("Lighthouse keeper returns", "The keeper came back for one summer."))
    (corpus / "b.txt").unlink()
    r = Indexer(settings, workers=1).run()
    assert (r.added, r.updated, r.deleted, r.unchanged, r.failed) == (1, 1, 1, 0, [])
    assert headlines(settings) == ["Harbour crane installed", "Lighthouse keeper returns"]
    assert headlines(settings, "retires") == []


def test_a_touched_but_unchanged_file_is_not_reindexed(setup) -> None:
    settings, corpus = setup
    Indexer(settings, workers=1).run()
    later = time.time() + 5
    os.utime(corpus / "a.txt", (later, later))
    r = Indexer(settings, workers=1).run()
    assert (r.updated, r.unchanged) == (0, 2)


def test_bad_files_are_reported_and_retried_until_fixed(setup) -> None:
    settings, corpus = setup
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "junk.html").write_bytes(b"\x00\x01\x02" * 50)
    r = Indexer(settings, workers=1).run()
    assert r.articles == 2
    assert sorted((f["path"], f["reason"]) for f in r.failed) == [
        ("empty.txt", "empty file"), ("junk.html", "not a text file (binary content)")]
    r = Indexer(settings, workers=1).run()  # still broken: listed again, not forgotten
    assert sorted(f["path"] for f in r.failed) == ["empty.txt", "junk.html"]
    (corpus / "empty.txt").write_text(article("Empty no more", "Now it has words."))
    r = Indexer(settings, workers=1).run()
    assert [f["path"] for f in r.failed] == ["junk.html"] and r.added == 1
    assert "Empty no more" in headlines(settings)


def test_full_rebuild_switches_builds_and_keeps_the_previous_one(setup) -> None:
    settings, _ = setup
    store = IndexStore(settings.index)
    Indexer(settings, workers=1).run()
    first = store.current()
    r = Indexer(settings, workers=1).run(full=True)
    assert r.mode == "full" and store.current() != first
    assert sorted(p.name for p in store.builds.iterdir()) == sorted([first.name, store.current().name])
    Indexer(settings, workers=1).run(full=True)
    assert first.name not in [p.name for p in store.builds.iterdir()]  # only the previous build is kept
    assert headlines(settings) == ["Ferry timetable changes", "Lighthouse keeper retires"]


def test_a_run_that_dies_before_writing_its_manifest_is_repaired(setup) -> None:
    settings, corpus = setup
    Indexer(settings, workers=1).run()
    store = IndexStore(settings.index)
    stale = store.load_manifest(store.current())
    (corpus / "c.txt").write_text(article("Harbour crane installed", "A new crane arrived by sea."))
    Indexer(settings, workers=1).run()
    store.save_manifest(store.current(), stale)  # as if the job died between commit and manifest
    Indexer(settings, workers=1).run()
    assert headlines(settings) == ["Ferry timetable changes", "Harbour crane installed", "Lighthouse keeper retires"]


def test_parallel_parsing_gives_the_same_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(60):
        (corpus / f"{i:02}.txt").write_text(article(f"Story number {i}", f"Body of story {i} about tides."))
    settings = Settings.from_env(index=tmp_path / "index", corpus=corpus)
    Indexer(settings, workers=1).run()
    (corpus / "00.txt").write_text(article("Story number zero", "Changed."))
    r = Indexer(settings, workers=2).run()
    assert (r.updated, r.unchanged, r.articles) == (1, 59, 60)
    assert len(headlines(settings, "tides")) == 59


def test_cli_index_and_search_json(setup) -> None:
    settings, corpus = setup
    env = {"NEWSEARCH_INDEX": str(settings.index), "NEWSEARCH_CORPUS": str(corpus)}
    out = CliRunner().invoke(main, ["index", "--json"], env=env)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["added"] == 2 and report["failed"] == [] and report["mode"] == "full"
    out = CliRunner().invoke(main, ["search", "--json", "keeper"], env=env)
    assert out.exit_code == 0
    assert [r["headline"] for r in json.loads(out.stdout)["results"]] == ["Lighthouse keeper retires"]
    out = CliRunner().invoke(main, ["search", "keeper"], env=env)
    assert "1 results" in out.stdout and "Lighthouse keeper retires" in out.stdout


def test_cli_search_errors_are_clear(tmp_path: Path) -> None:
    env = {"NEWSEARCH_INDEX": str(tmp_path / "none")}
    out = CliRunner().invoke(main, ["search", "x"], env=env)
    assert out.exit_code == 1 and "run `newsearch index`" in out.stderr and "Traceback" not in out.output
    out = CliRunner().invoke(main, ["search", "x", "--page-size", "500"], env=env)
    assert out.exit_code == 2 and "page_size must be between 1 and 100" in out.stderr


def test_cli_index_on_the_shipped_corpus_then_search(tmp_path: Path) -> None:
    from .conftest import CORPUS

    env = {"NEWSEARCH_INDEX": str(tmp_path / "index"), "NEWSEARCH_CORPUS": str(CORPUS)}
    assert CliRunner().invoke(main, ["index"], env=env).exit_code == 0
    out = CliRunner().invoke(main, ["search", "--json", 'source:"Kestrel Courier"'], env=env)
    rows = json.loads(out.stdout)["results"]
    assert {r["headline"] for r in rows} >= {"Fire service opens station in Harrow End"}


def test_facets_follow_incremental_changes(setup) -> None:
    settings, corpus = setup
    header = "Headline: {h}\nSection: {s}\n\n{b}\n"
    (corpus / "c.txt").write_text(header.format(h="Crane arrives", s="Port", b="A crane arrived."))
    Indexer(settings, workers=1).run()
    eng = Engine(settings)
    assert eng.search(SearchRequest.build()).facets["section"] == [{"value": "Port", "count": 1}]
    (corpus / "d.txt").write_text(header.format(h="Dock opens", s="Port", b="A dock opened."))
    (corpus / "e.txt").write_text(header.format(h="Play opens", s="Culture", b="A play opened."))
    Indexer(settings, workers=1).run()
    assert eng.search(SearchRequest.build()).facets["section"] == [{"value": "Port", "count": 2},
                                                                    {"value": "Culture", "count": 1}]
    (corpus / "c.txt").unlink()
    (corpus / "e.txt").write_text(header.format(h="Play opens", s="Theatre", b="A play opened."))
    Indexer(settings, workers=1).run()
    assert eng.search(SearchRequest.build()).facets["section"] == [{"value": "Port", "count": 1},
                                                                    {"value": "Theatre", "count": 1}]
    assert eng.search(SearchRequest.build(section=["Culture"])).total == 0


def test_a_file_that_keeps_failing_is_listed_by_status_without_new_generations(setup) -> None:
    settings, corpus = setup
    (corpus / "empty.txt").write_bytes(b"")
    env = {"NEWSEARCH_INDEX": str(settings.index), "NEWSEARCH_CORPUS": str(corpus)}
    first = Indexer(settings, workers=1).run()
    again = Indexer(settings, workers=1).run()
    assert again.generation == first.generation  # retried, still broken, nothing to commit
    assert [f["path"] for f in again.failed] == ["empty.txt"]
    out = CliRunner().invoke(main, ["status"], env=env)
    assert out.exit_code == 0 and "FAILED empty.txt: empty file" in out.stdout
    info = json.loads(CliRunner().invoke(main, ["status", "--json"], env=env).stdout)
    assert [r["mode"] for r in info["runs"]] == ["full", "incremental"]
    assert info["last_run"]["failed"] == [{"path": "empty.txt", "reason": "empty file"}]


def test_the_run_report_the_engine_reads_is_the_one_the_indexer_writes() -> None:
    """status() types runs.json with store.RunReport (the read side may not import the indexer): the two
    declarations must name the same keys."""
    from dataclasses import fields as dataclass_fields

    from search.index.report import IndexReport
    from search.index.store import RunReport

    assert set(RunReport.__annotations__) == {f.name for f in dataclass_fields(IndexReport)}
