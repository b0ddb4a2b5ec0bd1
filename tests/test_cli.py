"""`newsearch parse`, run as a user runs it: a real subprocess for the installed command, click's runner otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from search.cli import main

from .conftest import CORPUS

KEYS = {"path", "record", "headline", "section", "byline", "published", "captions", "credit", "body", "quotes",
        "sources", "url", "outlet", "error"}


def run_json(*args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["parse", "--json", *args])
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_parse_json_gives_every_key_for_the_shipped_corpus() -> None:
    code, rows = run_json(str(CORPUS))
    assert code == 0
    assert len(rows) >= 9
    for row in rows:
        assert set(row) == KEYS
        assert row["error"] is None and row["headline"] and row["body"]
    by_name = {Path(r["path"]).name: r for r in rows}
    council = by_name["council-budget-2019.txt"]
    assert council["published"] == "2019-02-27T18:30:00+01:00"
    assert council["byline"] == "Samir Haddad" and council["section"] == "Politics"


def test_parse_reports_bad_files_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good headline\n\nGood body text.\n")
    (tmp_path / "bad.txt").write_bytes(b"")
    code, rows = run_json(str(tmp_path))
    assert code == 1
    errors = {Path(r["path"]).name: r["error"] for r in rows}
    assert errors == {"bad.txt": "empty file", "good.txt": None}


def test_parse_human_output_names_fields_and_errors(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good headline\n\nGood body text.\n")
    (tmp_path / "bad.json").write_text("{")
    result = CliRunner().invoke(main, ["parse", str(tmp_path)])
    assert result.exit_code == 1
    assert "headline  Good headline" in result.stdout
    assert "1 articles from 2 files; 1 files with errors." in result.stdout
    assert "ERROR" in result.stderr and "bad.json: invalid JSON" in result.stderr


def test_missing_path_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["parse", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.output


def test_default_path_comes_from_newsearch_corpus(tmp_path: Path) -> None:
    (tmp_path / "only.txt").write_text("Only headline\n\nOnly body.\n")
    result = CliRunner().invoke(main, ["parse", "--json"], env={"NEWSEARCH_CORPUS": str(tmp_path)})
    assert result.exit_code == 0
    assert [json.loads(line)["headline"] for line in result.stdout.splitlines()] == ["Only headline"]


def test_python_dash_m_search_runs_the_command() -> None:
    out = subprocess.run([sys.executable, "-m", "search", "parse", "--json", str(CORPUS / "rainfall-record-2021.txt")],
                         capture_output=True, text=True, check=True)
    row = json.loads(out.stdout)
    assert row["headline"] == "Wettest autumn on record floods farmland in the Vell valley"


def test_seed_article_fields(seed_path: Path) -> None:
    code, (row,) = run_json(str(seed_path))
    assert code == 0
    assert row["headline"] == "8,000 US troops left in Iraq, down to zero by end of year"
    assert row["section"] == "Conflict & Justice" and row["credit"] == "Mario Tama"
    direct = [q for q in row["quotes"] if q["kind"] == "direct"]
    assert len(direct) == 1 and direct[0]["source"] == "Al Jazeera"
    assert {"Wall Street Journal", "Al Jazeera", "Iraq Body Count"} <= set(row["sources"])


def test_bbc_aeb_and_json_record(shared_data: Path) -> None:
    code, (bbc,) = run_json(str(shared_data / "bbc" / "business" / "001.txt"))
    assert code == 0 and bbc["headline"] and bbc["body"]
    aeb = sorted((shared_data / "aeb" / "html").glob("*.html.gz"))[0]
    code, (page,) = run_json(str(aeb))
    assert code == 0 and page["headline"] and len(page["body"]) > 200
    code, rows = run_json(str(shared_data / "wikinews" / "articles.jsonl"))
    assert code == 0 and len(rows) == 43 and all(r["error"] is None for r in rows)
