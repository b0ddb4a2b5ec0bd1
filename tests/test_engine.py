"""The search engine on a real Whoosh index built from small articles written here: query language,
filters, facets, sort, paging, snippets (escaped), relaxed matching, did-you-mean and more-like-this."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from search.config import Settings
from search.engine.engine import Engine
from search.engine.results import SearchRequest
from search.errors import BadRequest, NotFound
from search.index.indexer import Indexer

from .conftest import build_site

ARTICLES = [
    {"headline": "Refugees reach the border after a week on foot", "section": "World", "published": "2021-03-02",
     "body": "Hundreds of refugees reached the northern border on Monday. \"We walked for seven days,\" said Amira "
             "Haddad, a teacher from the coast. Aid workers handed out blankets and water.\n\nThe border agency "
             "said it would open a second crossing, the Coastal Times reported.",
     "captions": ["Families wait at the northern border crossing."], "byline": "Lina Berg"},
    {"headline": "Factory employees vote to strike over pay", "section": "Business", "published": "2022-06-10",
     "body": "Employees at the Marlow glass factory voted to strike after talks on pay broke down. The union said "
             "the offer was far below inflation. According to the Marlow Gazette, production could stop next week.",
     "byline": "Omar Diaz"},
    {"headline": "City council approves new cycle lanes", "section": "Politics", "published": "2019-09-15",
     "body": "The city council approved twelve kilometres of cycle lanes on Tuesday. \"Cities that build for "
             "bicycles build for everyone,\" said councillor Petra Novak. The lanes will open in spring.",
     "byline": "Lina Berg"},
    {"headline": "Café owners protest terrace rules", "section": "Politics", "published": "2019-11-20",
     "body": "Owners of cafés in the old town protested against new rules for terraces. The cafe association said "
             "thirty businesses had signed a letter to the mayor."},
    {"headline": "Storm damages harbour wall", "section": "World", "published": "2020-01-05",
     "body": "A winter storm damaged the harbour wall at Portmain overnight. No one was hurt, the coastguard said. "
             "Repairs to the wall are expected to take a month.",
     "captions": ["Waves break over the damaged harbour wall at dawn."], "credit": "Ana Ruiz"},
    {"headline": "<script>alert('x')</script> Markup in a headline", "section": "Technology",
     "published": "2023-04-01",
     "body": "This article mentions <b>tags</b> and \"><img src=x onerror=alert(1)> in its body about markup.",
     "captions": ["A caption with <script>evil()</script> markup inside."]},
    {"headline": "Undated note about the harbour ferry", "body": "The harbour ferry timetable changes in winter."},
    {"headline": "Al-Maliki visits the U.S. capital", "section": "World", "published": "2011-12-12",
     "body": "Prime Minister Nouri al-Maliki met officials in Washington, the U.S. capital, on Monday. The visit "
             "followed the withdrawal of 4,485 troops, Al Jazeera reported."},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    eng = Engine(build_site(tmp_path_factory.mktemp("engine"), ARTICLES))
    yield eng
    eng.close()


def search(engine: Engine, q: str = "", **kw) -> list[str]:
    return [h.headline for h in engine.search(SearchRequest.build(q=q, **kw)).results]


def first(engine: Engine, q: str, **kw):
    results = engine.search(SearchRequest.build(q=q, **kw))
    assert results.results, f"no results for {q!r}"
    return results.results[0]


# -- the query language -----------------------------------------------------------------------------
def test_all_words_required_and_ranked_headline_first(engine: Engine) -> None:
    assert search(engine, "harbour wall") == ["Storm damages harbour wall"]
    assert search(engine, "harbour")[0] in {"Storm damages harbour wall", "Undated note about the harbour ferry"}


def test_singular_finds_plural_and_back_without_overstemming(engine: Engine) -> None:
    assert search(engine, "refugee") == ["Refugees reach the border after a week on foot"]
    assert search(engine, "employee") == ["Factory employees vote to strike over pay"]
    assert search(engine, "cities") == ["City council approves new cycle lanes"]


def test_accents_folded(engine: Engine) -> None:
    assert search(engine, "cafe") == ["Café owners protest terrace rules"]
    assert search(engine, "café") == ["Café owners protest terrace rules"]


def test_numbers_and_hyphenated_names(engine: Engine) -> None:
    assert search(engine, "4,485") == ["Al-Maliki visits the U.S. capital"]
    assert search(engine, "al-Maliki") == ["Al-Maliki visits the U.S. capital"]
    assert search(engine, "maliki") == ["Al-Maliki visits the U.S. capital"]
    assert search(engine, "US capital") == ["Al-Maliki visits the U.S. capital"]


def test_exact_phrase_matches_its_exact_words(engine: Engine) -> None:
    assert search(engine, '"harbour wall"') == ["Storm damages harbour wall"]
    assert search(engine, '"wall harbour"') == []
    assert search(engine, '"cycle lane"') == []  # unstemmed: the text says "cycle lanes"
    assert search(engine, '"cycle lanes"') == ["City council approves new cycle lanes"]


def test_not_and_minus(engine: Engine) -> None:
    assert "Storm damages harbour wall" not in search(engine, "harbour -storm")
    assert search(engine, "harbour NOT wall") == ["Undated note about the harbour ferry"]


def test_or_and_parentheses(engine: Engine) -> None:
    assert set(search(engine, "strike OR terraces")) == {"Factory employees vote to strike over pay",
                                                         "Café owners protest terrace rules"}
    assert search(engine, "(strike OR terraces) glass") == ["Factory employees vote to strike over pay"]


def test_prefix_with_minimum_length(engine: Engine) -> None:
    assert search(engine, "refug*") == ["Refugees reach the border after a week on foot"]
    assert search(engine, "bo*") == []  # too short to be a prefix: searched as the word "bo"


def test_fuzzy_is_opt_in(engine: Engine) -> None:
    assert search(engine, "harbor") == []
    assert "Storm damages harbour wall" in search(engine, "harbor~")


@pytest.mark.parametrize(("q", "expected"), [
    ("headline:border", "Refugees reach the border after a week on foot"),
    ("caption:dawn", "Storm damages harbour wall"),
    ("body:blankets", "Refugees reach the border after a week on foot"),
    ("quote:bicycles", "City council approves new cycle lanes"),
    ('source:"Al Jazeera"', "Al-Maliki visits the U.S. capital"),
    ("section:business", "Factory employees vote to strike over pay"),
    ("byline:diaz", "Factory employees vote to strike over pay"),
])
def test_field_scoping(engine: Engine, q: str, expected: str) -> None:
    assert search(engine, q) == [expected]


def test_field_scoping_excludes_other_fields(engine: Engine) -> None:
    assert search(engine, "headline:blankets") == []
    assert search(engine, "quote:blankets") == []


@pytest.mark.parametrize("q", ['"unclosed phrase', "(((", "headline:", "AND OR", ")))", "NOT", "-", "a" * 5000,
                               "harbour\x00\x07wall", "headline:(", 'source:"', "*", "~", "OR harbour AND",
                               "((harbour) wall", "\u202e\ufeffwall"])
def test_malformed_input_never_raises(engine: Engine, q: str) -> None:
    engine.search(SearchRequest.build(q=q[:1000]))


def test_malformed_input_degrades_to_its_words(engine: Engine) -> None:
    assert search(engine, '"harbour wall') == ["Storm damages harbour wall"]
    assert search(engine, "((harbour wall") == ["Storm damages harbour wall"]
    assert search(engine, "headline: harbour") == search(engine, "headline:harbour")


def test_long_question_matches_any_word_as_typed(engine: Engine) -> None:
    res = engine.search(SearchRequest.build(q="which refugees walked to the border for a week in winter"))
    assert res.relaxed is False  # 4 words or more: any of them is the rule, not a relaxation
    assert res.results[0].headline == "Refugees reach the border after a week on foot"


def test_three_words_no_article_has_all_of_fall_back_to_any_word_and_say_so(engine: Engine) -> None:
    res = engine.search(SearchRequest.build(q="refugees border winter"))
    assert res.relaxed is True
    assert res.results[0].headline == "Refugees reach the border after a week on foot"


# -- filters, facets, sort, paging ----------------------------------------------------------------------
def test_section_and_source_filters_are_or_within_a_field(engine: Engine) -> None:
    assert set(search(engine, "", section=["Business", "technology"])) == {
        "Factory employees vote to strike over pay", "<script>alert('x')</script> Markup in a headline"}
    assert search(engine, "", source=["Al Jazeera"]) == ["Al-Maliki visits the U.S. capital"]
    assert search(engine, "", section=["No such section"]) == []


def test_date_range_is_inclusive(engine: Engine) -> None:
    assert set(search(engine, "", date_from="2019-09-15", date_to="2019-11-20")) == {
        "City council approves new cycle lanes", "Café owners protest terrace rules"}
    assert search(engine, "", date_from="2023-04-01T00:00:00Z") == [
        "<script>alert('x')</script> Markup in a headline"]


def test_facets_respect_filters(engine: Engine) -> None:
    res = engine.search(SearchRequest.build(q="", section=["Politics"]))
    assert res.total == 2
    assert res.facets["year"] == [{"value": "2019", "count": 2}]  # within the section filter
    assert res.facets["source"] == [{"value": "Petra Novak", "count": 1}]
    # A facet is counted without its own filter, so the other sections stay on offer (OR within a field).
    assert {"value": "Politics", "count": 2} in res.facets["section"]
    assert {"value": "World", "count": 3} in res.facets["section"]
    dated = engine.search(SearchRequest.build(q="", section=["Politics"], date_from="2019-10-01"))
    assert dated.total == 1
    assert dated.facets["section"] == [{"value": "World", "count": 2}, {"value": "Business", "count": 1},
                                       {"value": "Politics", "count": 1}, {"value": "Technology", "count": 1}]
    everything = engine.search(SearchRequest.build(q=""))
    assert {"value": "World", "count": 3} in everything.facets["section"]
    assert any(f["value"] == "Al Jazeera" for f in everything.facets["source"])


def test_sort_newest_oldest_with_undated_last(engine: Engine) -> None:
    newest = [h.published[:10] if h.published else None
              for h in engine.search(SearchRequest.build(sort="newest", page_size=20)).results]
    assert newest[:3] == ["2023-04-01", "2022-06-10", "2021-03-02"] and newest[-1] is None
    oldest = [h.published[:10] if h.published else None
              for h in engine.search(SearchRequest.build(sort="oldest", page_size=20)).results]
    assert oldest[0] == "2011-12-12" and oldest[-1] is None


def test_paging_and_a_page_past_the_end(engine: Engine) -> None:
    all_ids = [h.id for h in engine.search(SearchRequest.build(sort="newest", page_size=20)).results]
    pages = [h.id for p in (1, 2, 3) for h in
             engine.search(SearchRequest.build(sort="newest", page=p, page_size=3)).results]
    assert pages == all_ids
    past = engine.search(SearchRequest.build(page=50, page_size=10))
    assert past.results == [] and past.total == len(ARTICLES)


@pytest.mark.parametrize(("kw", "param"), [
    ({"page": 0}, "page"), ({"page_size": 101}, "page_size"), ({"page": "x"}, "page"),
    ({"sort": "random"}, "sort"), ({"date_from": "yesterday"}, "from"), ({"q": "x" * 1001}, "q"),
    ({"date_from": "2020-01-01", "date_to": "2019-01-01"}, "from"), ({"page": 200, "page_size": 100}, "page"),
])
def test_bad_parameters_are_named(kw: dict, param: str) -> None:
    with pytest.raises(BadRequest) as err:
        SearchRequest.build(**kw)
    assert err.value.param == param


# -- results: snippets, matched fields, quotes ----------------------------------------------------------
def test_snippets_mark_matches_and_escape_markup(engine: Engine) -> None:
    hit = first(engine, "markup")
    assert all("<script>" not in s for s in hit.snippets.values())
    assert hit.snippets["headline"] == "&lt;script&gt;alert('x')&lt;/script&gt; <mark>Markup</mark> in a headline"
    assert "&lt;b&gt;tags&lt;/b&gt;" in hit.snippets["body"] and "<mark>markup</mark>" in hit.snippets["body"]
    hit = first(engine, "caption:evil")
    assert hit.snippets["caption"] == "A caption with &lt;script&gt;<mark>evil</mark>()&lt;/script&gt; markup inside."
    for snippet in hit.snippets.values():
        assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_body_snippet_is_the_densest_passage_not_the_first_hit(engine: Engine) -> None:
    hit = first(engine, "border crossing agency")
    assert "The <mark>border</mark> <mark>agency</mark>" in hit.snippets["body"]


def test_lede_when_the_body_did_not_match(engine: Engine) -> None:
    hit = first(engine, "headline:strike")
    assert hit.matched_fields == ["headline"] and "body" not in hit.snippets
    assert hit.snippets["lede"].startswith("Employees at the Marlow glass factory")


def test_matched_fields_and_quotes_with_their_source(engine: Engine) -> None:
    hit = first(engine, "bicycles")
    assert "quotes" in hit.matched_fields and "body" in hit.matched_fields
    assert hit.quotes and hit.quotes[0].source == "Petra Novak"
    assert "<mark>bicycles</mark>" in hit.snippets["quotes"]


def test_result_dict_shape(engine: Engine) -> None:
    d = engine.search(SearchRequest.build(q="harbour")).to_dict()
    assert set(d) == {"query", "total", "page", "page_size", "took_ms", "results", "facets", "suggestion",
                      "relaxed", "partial", "histogram", "next", "total_collapsed"}
    assert set(d["results"][0]) == {"id", "url", "headline", "section", "byline", "published", "score",
                                    "matched_fields", "snippets", "quotes", "outlet", "cluster", "duplicates",
                                    "copies"}
    assert set(d["facets"]) == {"section", "source", "year", "outlet"}


def test_did_you_mean_only_when_it_finds_more(engine: Engine) -> None:
    res = engine.search(SearchRequest.build(q="refugess"))
    assert res.total == 0 and res.suggestion == {"q": "refugees", "total": 1}
    assert engine.search(SearchRequest.build(q="refugees")).suggestion is None


def test_more_like_this_and_article(engine: Engine) -> None:
    storm = first(engine, "storm")
    art = engine.article(storm.id)
    assert art["headline"] == "Storm damages harbour wall" and art["credit"] == "Ana Ruiz"
    related = [h.headline for h in engine.more_like_this(storm.id)]
    assert "Storm damages harbour wall" not in related
    assert related and related[0] == "Undated note about the harbour ferry"
    with pytest.raises(NotFound):
        engine.article("0000000000000000")


# -- real articles -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bbc_engine(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("bbc")
    settings = Settings.from_env(index=root / "index", corpus=shared_data / "bbc")
    Indexer(settings).run(full=True)
    return Engine(settings)


def test_real_articles_did_you_mean_and_more_like_this(bbc_engine: Engine) -> None:
    res = bbc_engine.search(SearchRequest.build(q="econmy"))
    assert res.suggestion is not None and res.suggestion["q"] == "economy" and res.suggestion["total"] > res.total
    top = bbc_engine.search(SearchRequest.build(q='"Ink helps drive democracy"')).results
    assert top and top[0].headline == "Ink helps drive democracy in Asia"
    related = bbc_engine.more_like_this(top[0].id)
    assert len(related) == 5
    assert any("election" in bbc_engine.article(h.id)["body"] for h in related)


def test_suggest_completes_sources_and_headline_words(engine: Engine) -> None:
    assert engine.suggest("Al Ja")[0] == "Al Jazeera"
    assert "refugees" in engine.suggest("refu")
    assert engine.suggest("border refu")[0] == "border refugees"
    assert engine.suggest("") == [] and engine.suggest("zzzz") == []
    assert len(engine.suggest("a", limit=3)) <= 3


def test_status_reports_the_live_build(engine: Engine) -> None:
    status = engine.status()
    assert status["articles"] == len(ARTICLES)
    assert status["build"] and status["generation"] >= 1 and status["built"]
    assert status["last_run"]["mode"] == "full" and status["last_run"]["articles"] == len(ARTICLES)


def test_a_query_past_its_time_limit_is_flagged_partial(bbc_engine: Engine) -> None:
    quick = Engine(bbc_engine.settings, time_limit=0.0)
    res = quick.search(SearchRequest.build(q='"said the"'))
    assert res.partial is True and res.total > 0
    full = bbc_engine.search(SearchRequest.build(q='"said the"'))
    assert full.partial is False and full.total > res.total
