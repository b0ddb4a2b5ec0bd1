"""Exports: /api/search.csv and /api/search.jsonl streamed by a real `newsearch serve` over real HTTP, and
`newsearch search --format`: every match (the search's `total`, relaxed too), in the search's order, with the
export's columns; cells a spreadsheet would run as formulas neutralised; errors before the first row are the
API's JSON errors, a failure after it ends the stream with an error line and a transfer cut short."""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.request
from http.client import HTTPConnection, IncompleteRead
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
import pytest

from search.config import Settings
from search.engine.engine import Engine
from search.engine.export import COLUMNS, EXPORT_CHUNK
from search.engine.results import SearchRequest
from web import create_app

from .conftest import build_site, http, newsearch, serving

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A9)"]
N = EXPORT_CHUNK * 2 + 137  # three chunks, the last one short
SURNAMES = ["Tidewell", "Marsh", "Brookes", "Fenwick"]


def _articles() -> list[dict]:
    """N articles that all mention the harbour (some twice, for different scores), most dated (ties included),
    a few undated, with quotes, commas, quote marks, line breaks and would-be formulas."""
    out = []
    for n in range(N):
        a = {"headline": f"Harbour note {n}, \"quoted\" and, with commas", "section": ["World", "Local"][n % 2],
             "byline": f"Writer {n % 7}", "url": f"https://news{n % 3}.example.org/notes/{n}",
             "body": "The harbour was busy.\nLine two of the body." + (" The harbour again." if n % 5 == 0 else "")}
        if n % 11:
            a["published"] = f"20{10 + n % 13:02d}-{1 + n % 12:02d}-{1 + n % 27:02d}T08:00:00+00:00"
        if n % 9 == 0:
            a["body"] += f' "The tide decides everything here," said Ines {SURNAMES[n % 4]}.'
        if n < len(FORMULAS):
            a["headline"] = FORMULAS[n]
        if n == 10:  # line breaks to Unicode (and to Python's str.splitlines), inside a value
            a["headline"] += "\u2028second line\x85third\u2029"
        out.append(a)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("export"), _articles())


@pytest.fixture(scope="module")
def base(site: Settings, tmp_path_factory: pytest.TempPathFactory):
    with serving(_env(site), tmp_path_factory.mktemp("export-log") / "serve.log", workers=1) as url:
        yield url


def _env(site: Settings) -> dict[str, str]:
    env = dict(os.environ, NEWSEARCH_INDEX=str(site.index), NEWSEARCH_CORPUS=str(site.corpus))
    env.pop("PYTHONPATH", None)
    return env


def _get(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, dict(r.headers), r.read().decode("utf-8")


def _api_order(base: str, params: dict) -> tuple[int, list[str]]:
    """(total, every id in order) from /api/search, page by page."""
    ids: list[str] = []
    page = 1
    while True:
        status, _, body = http(f"{base}/api/search?{urlencode({**params, 'page': page, 'page_size': 100})}")
        assert status == 200
        d = json.loads(body)
        ids += [h["id"] for h in d["results"]]
        if not d["results"]:
            return d["total"], ids
        page += 1


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_csv_export_streams_every_match_in_the_searchs_order(base: str, sort: str) -> None:
    total, ids = _api_order(base, {"q": "harbour", "sort": sort})
    assert total == N == len(ids)
    status, headers, body = _get(f"{base}/api/search.csv?q=harbour&sort={sort}")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in headers  # streamed
    assert headers["X-Total-Count"] == str(total)
    assert body.count("\r\n") == total + 1  # one line a row: the body's line breaks are spaces in a cell
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows[1:]] == ids


def test_jsonl_export_has_the_columns_and_the_matched_quotes(base: str) -> None:
    total, ids = _api_order(base, {"q": "tide", "sort": "oldest"})
    status, headers, body = _get(f"{base}/api/search.jsonl?q=tide&sort=oldest")
    assert status == 200 and headers["Content-Type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in body.splitlines()]
    assert len(rows) == total == len(ids) > 0 and [r["id"] for r in rows] == ids
    assert all(list(r) == list(COLUMNS) for r in rows)
    first = rows[0]
    _, _, article = http(f"{base}/api/articles/{first['id']}")
    assert first["outlet"] == json.loads(article).get("outlet")  # the stored article's publisher, never a source
    assert first["matched_quotes"][0]["text"] == "The tide decides everything here,"
    assert first["matched_quotes"][0]["source"] in [f"Ines {s}" for s in SURNAMES]
    assert first["sources"] == [first["matched_quotes"][0]["source"]]
    undated = [r for r in rows if r["published"] is None]
    assert undated and rows[-len(undated):] == undated  # undated last, as the search orders them


def test_relaxed_and_filtered_exports_count_what_the_search_counts(base: str) -> None:
    for params in ({"q": "harbour zeppelin"}, {"q": "harbour", "section": "World", "from": "2015-01-01"}):
        total, ids = _api_order(base, params)
        _, headers, body = _get(f"{base}/api/search.jsonl?{urlencode(params)}")
        assert [json.loads(line)["id"] for line in body.splitlines()] == ids
        assert headers["X-Total-Count"] == str(total) and total > 0


def test_cells_that_would_be_formulas_are_neutralised_in_csv_only(base: str) -> None:
    _, _, csv_body = _get(f"{base}/api/search.csv?sort=oldest")
    headlines = {r[0]: r[2] for r in csv.reader(io.StringIO(csv_body))}
    _, _, jsonl_body = _get(f"{base}/api/search.jsonl?sort=oldest")
    raw = {r["id"]: r["headline"] for r in map(json.loads, jsonl_body.splitlines())}
    formulas = {i: h for i, h in raw.items() if h in FORMULAS}
    assert len(formulas) == len(FORMULAS)
    for article_id, headline in formulas.items():
        assert headlines[article_id] == "'" + headline  # shown as text by a spreadsheet, never run
    plain = next(i for i, h in raw.items() if h.startswith("Harbour note"))
    assert headlines[plain] == raw[plain]


def test_errors_before_the_first_row_are_json_errors(base: str, tmp_path: Path) -> None:
    status, ctype, body = http(f"{base}/api/search.csv?from=yesterdayish")
    assert status == 400 and ctype.startswith("application/json")
    assert json.loads(body)["error"]["param"] == "from"
    empty = create_app(Settings.from_env(index=tmp_path / "none", corpus=tmp_path / "none")).test_client()
    r = empty.get("/api/search.jsonl?q=harbour")
    assert r.status_code == 503 and r.json["error"]["code"] == "index_missing"


def test_the_rows_come_a_chunk_at_a_time_from_a_snapshot_of_their_own(site: Settings) -> None:
    engine = Engine(site)
    found = engine.export(SearchRequest.build(q="harbour"))
    chunks = found.rows()
    assert len(next(chunks)) == EXPORT_CHUNK
    engine.close()  # the engine's own snapshot goes (as when a reindex replaces it): the export's stays open
    assert [len(c) for c in chunks] == [EXPORT_CHUNK, N - 2 * EXPORT_CHUNK]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_failure_after_the_first_row_ends_with_an_error_line_and_a_cut_transfer(tmp_path: Path, fmt: str) -> None:
    site = build_site(tmp_path / "site", [{"headline": f"Harbour log {n}", "body": "harbour " * 30}
                                          for n in range(3000)])
    with serving(_env(site), tmp_path / "serve.log", workers=1) as base:
        stored = next((site.index / "current").resolve().glob("*_stored.col"))
        size = stored.stat().st_size
        with stored.open("r+b") as f:  # the stored articles of the middle of the index go bad (its table is intact)
            f.seek(int(size * 0.4))
            f.write(b"\0" * int(size * 0.2))
        conn = HTTPConnection(base.removeprefix("http://"), timeout=60)
        conn.request("GET", f"/api/search.{fmt}")  # every article, in document order
        r = conn.getresponse()
        assert r.status == 200 and r.getheader("X-Total-Count") == "3000"
        with pytest.raises(IncompleteRead) as cut:  # no last chunk: the client knows it is cut short
            r.read()
    lines = cut.value.partial.decode().splitlines()
    assert 100 < len(lines) < 3000
    if fmt == "jsonl":
        assert json.loads(lines[-1])["error"]["code"] == "index_damaged"
        assert all("id" in json.loads(line) for line in lines[:-1])
    else:
        assert lines[-1].startswith("#error,index_damaged: the index in ")


def test_newsearch_search_format_exports_every_match(site: Settings) -> None:
    env = _env(site)
    out = newsearch("search", "harbour", "--sort", "newest", "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == list(COLUMNS) and len(rows) == N + 1
    out = newsearch("search", "tide", "--format", "jsonl", "--page", "3", env=env)  # paging does not apply
    assert out.returncode == 0 and all(json.loads(line)["matched_quotes"] for line in out.stdout.splitlines())
    assert len(out.stdout.splitlines()) == Engine(site).search(SearchRequest.build(q="tide")).total


def test_the_results_page_links_both_exports_of_its_search(site: Settings) -> None:
    client = create_app(site).test_client()
    doc = lxml.html.fromstring(client.get("/search?q=harbour&section=World&page=2").data)
    links = doc.xpath("//p[@class='export']/a/@href")
    assert links == ["/api/search.csv?q=harbour&section=World", "/api/search.jsonl?q=harbour&section=World"]
    assert "Download all" in doc.xpath("string(//p[@class='export'])")
