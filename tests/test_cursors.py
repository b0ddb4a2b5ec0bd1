"""Deep paging over real HTTP: following `next` (or the `Link: rel="next"` header) from the first page visits every
match exactly once, in every order, past the first 10,000, in the order the export streams; a cursor from an
index that has changed since is a 410 telling the client to start again; a cursor that is not ours, or is used
with another search, is a 400 in the API's one error shape, never a 500."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from search.config import Settings
from search.index.indexer import Indexer

from .conftest import build_site, http, newsearch, serving

N = 10_240  # more than the 10,000 results pages can reach


def _articles(n: int) -> list[dict]:
    """n articles on the harbour: the word 1-3 times (ties in score), dates with ties, some undated."""
    out = []
    for i in range(n):
        a = {"headline": f"Harbour log {i}", "section": ["World", "Local", "Sport"][i % 3],
             "body": "harbour " * (1 + i % 3) + f"entry {i} of the log."}
        if i % 17:
            a["published"] = f"20{i % 20:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        out.append(a)
    return out


def _env(site: Settings) -> dict[str, str]:
    env = dict(os.environ, NEWSEARCH_INDEX=str(site.index), NEWSEARCH_CORPUS=str(site.corpus))
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("cursors"), _articles(N))


@pytest.fixture(scope="module")
def base(big: Settings, tmp_path_factory: pytest.TempPathFactory):
    with serving(_env(big), tmp_path_factory.mktemp("cursors-log") / "serve.log", workers=2) as url:
        yield url


def _get(url: str) -> tuple[dict, str | None]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read()), r.headers.get("Link")


def _walk(base: str, params: dict) -> tuple[int, list[str], int]:
    """Follow the Link headers from the first page: (total, every id in order, pages fetched)."""
    url = f"{base}/api/search?{urlencode(params)}"
    ids: list[str] = []
    pages = 0
    while url:
        d, link = _get(url)
        pages += 1
        ids += [h["id"] for h in d["results"]]
        if link is None:
            assert d["next"] is None
            return d["total"], ids, pages
        target = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1)
        assert "cursor=" + d["next"] in target and "page=" not in target
        url = base + target


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_following_next_visits_every_match_once_past_10000(base: str, sort: str) -> None:
    total, ids, pages = _walk(base, {"q": "harbour", "sort": sort, "page_size": 100})
    assert total == N and len(ids) == N and len(set(ids)) == N  # every match, none twice
    assert pages == -(-N // 100)
    with urllib.request.urlopen(f"{base}/api/search.jsonl?q=harbour&sort={sort}", timeout=60) as r:
        exported = [json.loads(line)["id"] for line in r.read().decode().splitlines()]
    assert ids == exported  # one order for pages, cursors and exports


def test_a_cursor_continues_exactly_where_a_page_number_would(base: str) -> None:
    params = {"q": "harbour", "sort": "relevance", "page_size": 7}
    second, _ = _get(f"{base}/api/search?{urlencode({**params, 'page': 2})}")
    third, _ = _get(f"{base}/api/search?{urlencode({**params, 'page': 3})}")
    after, _ = _get(f"{base}/api/search?{urlencode({**params, 'cursor': second['next']})}")
    assert [h["id"] for h in after["results"]] == [h["id"] for h in third["results"]]
    assert [h["score"] for h in after["results"]] == [h["score"] for h in third["results"]]
    last, _ = _get(f"{base}/api/search?{urlencode({**params, 'page': 10_000 // 7})}")
    beyond, _ = _get(f"{base}/api/search?{urlencode({**params, 'cursor': last['next']})}")
    assert len(beyond["results"]) == 7 and beyond["next"]  # past 10,000, where page numbers stop


def test_cursors_that_are_not_ours_or_not_for_this_search_are_400(base: str) -> None:
    d, _ = _get(f"{base}/api/search?q=harbour&sort=newest")
    good = d["next"]
    flipped = good[:20] + ("A" if good[20] != "A" else "B") + good[21:]
    for params in ({"cursor": "not-a-cursor"}, {"cursor": good[:-5]}, {"cursor": flipped},
                   {"cursor": "x" * 401}, {"cursor": "%%%"},
                   {"q": "harbour", "sort": "oldest", "cursor": good},  # another order
                   {"q": "log", "sort": "newest", "cursor": good},  # other words
                   {"q": "harbour", "sort": "newest", "section": "World", "cursor": good},  # another filter
                   {"q": "harbour", "sort": "newest", "page": 2, "cursor": good}):
        status, ctype, body = http(f"{base}/api/search?{urlencode(params)}")
        assert status == 400 and ctype.startswith("application/json"), (params, body)
        assert json.loads(body)["error"]["param"] == "cursor", body
    status, _, _ = http(f"{base}/api/search?{urlencode({'q': 'harbour', 'sort': 'newest', 'cursor': good})}")
    assert status == 200


def test_a_cursor_from_before_a_reindex_is_410_start_again(tmp_path: Path) -> None:
    site = build_site(tmp_path / "small", _articles(30))
    with serving(_env(site), tmp_path / "serve.log", workers=1) as base:
        d, _ = _get(f"{base}/api/search?q=harbour&page_size=5")
        cursor = d["next"]
        with (site.corpus / "more.jsonl").open("w") as f:
            f.write(json.dumps({"headline": "Harbour log extra", "body": "harbour extra"}) + "\n")
        Indexer(site, workers=1).run()  # a new generation of the same build
        status, ctype, body = http(f"{base}/api/search?{urlencode({'q': 'harbour', 'page_size': 5, 'cursor': cursor})}")
        assert status == 410 and ctype.startswith("application/json")
        error = json.loads(body)["error"]
        assert error["code"] == "cursor_expired" and "start again" in error["message"]
        d, _ = _get(f"{base}/api/search?q=harbour&page_size=5")  # starting again works, on the new generation
        fresh = d["next"]
        Indexer(site, workers=1).run(full=True)  # a new build
        status, _, body = http(f"{base}/api/search?{urlencode({'q': 'harbour', 'page_size': 5, 'cursor': fresh})}")
        assert status == 410 and "build" in json.loads(body)["error"]["message"]


def test_the_cli_pages_with_the_same_cursors(big: Settings) -> None:
    first = newsearch("search", "harbour", "--sort", "oldest", "--page-size", "3", "--json", env=_env(big))
    d = json.loads(first.stdout)
    more = newsearch("search", "harbour", "--sort", "oldest", "--page-size", "3", "--cursor", d["next"], "--json",
                     env=_env(big))
    page2 = newsearch("search", "harbour", "--sort", "oldest", "--page-size", "3", "--page", "2", "--json",
                      env=_env(big))
    ids = [[h["id"] for h in json.loads(out.stdout)["results"]] for out in (more, page2)]
    assert ids[0] == ids[1] and len(ids[0]) == 3
    stale = newsearch("search", "harbour", "--sort", "newest", "--cursor", d["next"], env=_env(big))
    assert stale.returncode == 2 and "another search" in stale.stderr  # a usage error naming --cursor
