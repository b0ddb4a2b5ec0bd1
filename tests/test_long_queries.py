"""How plain queries match, by length, on a real index of small articles: a query of 1-3 words requires every
word (stop words do not count), relaxed to any word, and flagged so, when that finds too little; a query of 4
words or more (engine.LONG_QUERY) finds the articles with any of them, ranked by BM25F, as typed (not relaxed)."""

from __future__ import annotations

import pytest

from search import Engine, SearchRequest
from search.engine import engine as engine_module

from .conftest import build_site

ARTICLES = [
    {"headline": "Harbour ferry keeps its winter timetable", "section": "Local News", "published": "2024-01-08",
     "body": "The harbour ferry will keep its winter timetable until April, the operator said on Monday. Crossings "
             "leave every forty minutes from the east pier."},
    {"headline": "Ferry fares rise in winter", "section": "Business", "published": "2024-01-15",
     "body": "Fares on the island ferry rise by six percent this winter, the operator said. Season tickets keep "
             "their price."},
    {"headline": "Storm damages harbour wall", "section": "Local News", "published": "2024-02-02",
     "body": "A winter storm damaged the harbour wall at Portmain overnight. No one was hurt. Repairs are "
             "expected to take a month."},
    {"headline": "New timetable for the night buses", "section": "Local News", "published": "2024-03-01",
     "body": "The night buses run to a new timetable from March: every twenty minutes on Fridays and Saturdays."},
    {"headline": "Al-Maliki visits Washington", "section": "World", "published": "2011-12-12",
     "body": "Prime Minister Nouri al-Maliki met officials in Washington on Monday after the last troops left."},
    {"headline": "Maliki's coalition loses two ministers", "section": "World", "published": "2012-01-20",
     "body": "Two ministers left Maliki's coalition in Baghdad, the prime minister's office said."},
    {"headline": "Council votes on harbour parking", "section": "Politics", "published": "2023-11-20",
     "body": "The council voted to charge for parking at the harbour car park. Residents keep free permits."},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    eng = Engine(build_site(tmp_path_factory.mktemp("long"), ARTICLES))
    yield eng
    eng.close()


def run(engine: Engine, q: str):
    return engine.search(SearchRequest.build(q=q, page_size=20))


def headlines(engine: Engine, q: str) -> list[str]:
    return [h.headline for h in run(engine, q).results]


def test_a_long_query_finds_articles_with_any_of_its_words_as_typed(engine: Engine) -> None:
    res = run(engine, "harbour ferry winter timetable")  # four words: only the first article has them all
    found = [h.headline for h in res.results]
    assert found[0] == "Harbour ferry keeps its winter timetable"
    assert set(found) == {"Harbour ferry keeps its winter timetable", "Ferry fares rise in winter",
                          "Storm damages harbour wall", "New timetable for the night buses",
                          "Council votes on harbour parking"}
    assert res.total == 5 and res.relaxed is False
    assert sum(v["count"] for v in res.facets["section"]) == 5  # facets count what was found


def test_a_long_query_ranks_articles_with_more_of_its_words_first(engine: Engine) -> None:
    found = headlines(engine, "winter storm damaged the harbour wall")
    assert found[0] == "Storm damages harbour wall"
    assert found.index("Harbour ferry keeps its winter timetable") < found.index("Council votes on harbour parking")


def test_a_long_query_still_excludes_what_it_negates(engine: Engine) -> None:
    found = headlines(engine, "harbour ferry winter timetable -storm")
    assert "Storm damages harbour wall" not in found and "Ferry fares rise in winter" in found


def test_a_word_of_several_parts_in_a_long_query_matches_any_part(engine: Engine) -> None:
    found = headlines(engine, "al-Maliki meets officials in Washington")
    assert found[0] == "Al-Maliki visits Washington"
    assert "Maliki's coalition loses two ministers" in found  # "Maliki" alone, not "al-Maliki"


def test_short_queries_require_every_word_and_stop_words_do_not_count(engine: Engine) -> None:
    assert headlines(engine, "harbour wall") == ["Storm damages harbour wall"]
    res = run(engine, "the harbour wall")  # two words: one article has both, and that is the answer
    assert [h.headline for h in res.results] == ["Storm damages harbour wall"] and res.relaxed is False
    res = run(engine, "ferry keep")  # "keeps" too
    assert {h.headline for h in res.results} == {"Harbour ferry keeps its winter timetable",
                                                 "Ferry fares rise in winter"} and res.relaxed is False


def test_a_three_word_query_few_articles_match_is_relaxed_and_says_so(engine: Engine) -> None:
    res = run(engine, "storm harbour parking")  # no article has all three
    assert res.relaxed is True
    assert {"Storm damages harbour wall", "Council votes on harbour parking"} <= {h.headline for h in res.results}
    nothing = run(engine, "harbour zeppelin")  # two words, none has both: any word, flagged
    assert nothing.relaxed is True and "Storm damages harbour wall" in {h.headline for h in nothing.results}


def test_the_rule_before_required_every_word_of_a_long_query(engine: Engine, monkeypatch) -> None:
    """LONG_QUERY = None (the benches' switch) is the rule before: all words, relaxed below 3 hits."""
    monkeypatch.setattr(engine_module, "LONG_QUERY", None)
    res = run(engine, "harbour ferry winter timetable")
    assert res.relaxed is True  # only one article has all four: relaxed to any word
    monkeypatch.setattr(engine_module, "LONG_QUERY", 5)
    assert run(engine, "harbour ferry winter timetable").relaxed is True
    assert run(engine, "harbour ferry winter timetable operator").relaxed is False
