"""Facet counts equal a count made by hand from each matching article, whatever share of the index matches:
a small result set is counted from the per-document table, a large one by a mask over every pair
(facets.py FacetTables._codes_of); both must give what a reader counting the articles would."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from search.engine.engine import Engine
from search.engine.facets import BY_DOC_SHARE
from search.engine.results import SearchRequest

from .conftest import build_site

SPEAKERS = ["Anna Lindqvist", "Omar Haddad", "Mei Tanaka", "Carlos Ruiz", "Grace Okafor"]
SECTIONS = ["World", "Business", "Sport", "Science"]
N = 120


def _articles() -> list[dict]:
    rng = random.Random(7)
    out = []
    for i in range(N):
        said = rng.sample(SPEAKERS, rng.randint(0, 2))
        quotes = " ".join(f'"The harbour plan number {i} is on course," said {name}.' for name in said)
        rare = " lighthouse" if i % 17 == 0 else ""
        out.append({"id": f"a{i}", "headline": f"Harbour report {i}{rare}", "section": rng.choice(SECTIONS),
                    "published": f"{rng.choice([2019, 2021, 2024])}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    "body": f"The council met on the harbour again.{rare} {quotes}\n\nMore later."})
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    eng = Engine(build_site(tmp_path_factory.mktemp("facets"), _articles()))
    yield eng
    eng.close()


def _by_hand(engine: Engine, q: str) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"section": Counter(), "year": Counter(), "source": Counter()}
    hits = [h for page in (1, 2) for h in engine.search(SearchRequest.build(q=q, page=page, page_size=100)).results]
    for h in hits:
        art = engine.article(h.id)
        counts["section"][art["section"]] += 1
        counts["year"][art["published"][:4]] += 1
        counts["source"].update(set(art["sources"]))
    return counts


@pytest.mark.parametrize("q", ["lighthouse", "harbour", "council harbour", "harbour -lighthouse"])
def test_facet_counts_equal_the_articles_counted_by_hand(engine: Engine, q: str) -> None:
    res = engine.search(SearchRequest.build(q=q))
    assert 0 < res.total <= 200
    want = _by_hand(engine, q)
    for name in ("section", "year", "source"):
        got = {v["value"]: v["count"] for v in res.facets[name]}
        assert got == dict(want[name]), name


def test_both_ways_of_counting_are_exercised(engine: Engine) -> None:
    """The corpus has a query under the per-document threshold and one over it (so both paths ran above)."""
    small = engine.search(SearchRequest.build(q="lighthouse")).total
    large = engine.search(SearchRequest.build(q="harbour")).total
    assert small * BY_DOC_SHARE < N < large * BY_DOC_SHARE
    assert sum(v["count"] for v in engine.search(SearchRequest.build(q="harbour")).facets["source"]) > N / 2
