"""Proximity (`"harbour ferry"~3`) and boosts (`word^2`) on a real index of small articles written here, through
the engine, the JSON API and the quote search: which articles a slop finds (words in order, each within N
positions of the one before, as Whoosh's Phrase(slop=N)), that boosts multiply a clause's share of the score
and never change what matches, how malformed boosts are read, and that Whoosh's own searcher and parser find
what the engine finds on an index built to make words meet at every distance."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.qparser import QueryParser

from search.config import Settings
from search.engine import matching
from search.engine.engine import Engine
from search.engine.query import compile_query
from search.engine.results import SearchRequest
from search.engine.syntax import parse, render
from search.index.indexer import Indexer
from web import create_app

from .conftest import build_site

FILLER = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
ARTICLES = [  # positions count every word, stop words included
    {"headline": "Adjacent", "published": "2020-01-01", "body": "Commuters took the harbour ferry at dawn."},
    {"headline": "One between", "published": "2020-01-02", "body": "Commuters took the harbour night ferry at dawn."},
    {"headline": "Two between", "published": "2020-01-03",
     "body": "Commuters waited by the harbour for the ferry at dawn."},  # harbour 4, ferry 7
    {"headline": "Three between", "published": "2020-01-04", "body": "The harbour saw one more ferry today."},
    {"headline": "Reversed", "published": "2020-01-05", "body": "A ferry left harbour at noon."},  # ferry 1, harbour 3
    {"headline": "Far apart", "published": "2020-01-06", "body": f"The harbour is {FILLER} and a ferry."},
    {"headline": "Storm keeps the harbour from the ferry", "published": "2020-01-07",
     "body": "Boats stayed away all week."},  # headline: harbour 3, ferry 6
    {"headline": "Twice", "published": "2020-01-08", "body": "One ferry, then another ferry arrived."},  # 1 and 4
    {"headline": "Quarterly alpha report", "published": "2015-03-01", "body": "The alpha figures are out."},
    {"headline": "Beta testing", "published": "2016-03-01", "body": "Beta users wrote in about beta builds."},
    {"headline": "Alpha and beta", "published": "2017-03-01", "body": "Alpha came before beta, and gamma after."},
    {"headline": "Notation", "published": "2018-03-01", "body": "The paper writes alpha^beta and word 1e9 and word 1."},
    {"headline": "Lighthouse keepers retire from the lighthouse", "published": "2015-06-01",
     "body": "The old lighthouse keepers of the lighthouse retired."},
    {"headline": "Coast notes", "published": "2024-06-01", "body": "A lighthouse stands on the coast."},
    {"headline": "Half a year before", "published": "2023-12-04", "body": "A lighthouse was painted."},
    {"headline": "Harbour master speaks", "published": "2019-05-05",
     "body": "\"The harbour will reopen next spring for the ferry,\" said Ada Brennan, the harbour master."},
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_site(tmp_path_factory.mktemp("proximity"), ARTICLES)


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Engine:
    eng = Engine(settings, time_limit=3600.0)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def client(settings: Settings):
    return create_app(settings).test_client()


def found(engine: Engine, q: str) -> set[str]:
    return {h.headline for h in engine.search(SearchRequest.build(q=q, page_size=100)).results}


def api(client, q: str, **params) -> dict:
    r = client.get("/api/search", query_string={"q": q, "page_size": 100, **params})
    assert r.status_code == 200, (q, r.data[:300])
    return r.json


def scores(client, q: str) -> dict[str, float]:
    return {h["headline"]: h["score"] for h in api(client, q)["results"]}


# -- proximity ----------------------------------------------------------------------------------------
def test_a_slop_finds_the_words_in_order_within_n_positions(engine: Engine) -> None:
    exact = {"Adjacent"}
    assert found(engine, '"harbour ferry"') == found(engine, '"harbour ferry"~1') == exact
    assert found(engine, '"harbour ferry"~2') == exact | {"One between"}
    assert found(engine, '"harbour ferry"~3') == exact | {"One between", "Two between", "Storm keeps the harbour "
                                                                                         "from the ferry"}
    assert found(engine, '"harbour ferry"~4') == found(engine, '"harbour ferry"~3') | {"Three between"}
    assert "Reversed" not in found(engine, '"harbour ferry"~1000')  # order is kept, whatever the slop
    assert "Reversed" in found(engine, '"ferry harbour"~2') and "Reversed" not in found(engine, '"ferry harbour"')


def test_far_apart_is_found_exactly_at_its_distance(engine: Engine) -> None:
    words = ["the", "harbour", "is", *FILLER.split(), "and", "a", "ferry"]
    distance = words.index("ferry") - words.index("harbour")
    assert "Far apart" not in found(engine, f'"harbour ferry"~{distance - 1}')
    assert "Far apart" in found(engine, f'"harbour ferry"~{distance}')


def test_each_word_is_within_n_of_the_one_before(engine: Engine) -> None:
    # Adjacent: gaps 1, 2; One between: 2, 2; Two between: 3, 2
    assert found(engine, '"harbour ferry dawn"~2') == {"Adjacent", "One between"}
    assert found(engine, '"harbour ferry dawn"~3') == {"Adjacent", "One between", "Two between"}
    assert found(engine, '"dawn ferry harbour"~5') == set()


def test_a_repeated_word_needs_two_occurrences(engine: Engine) -> None:
    assert found(engine, '"ferry ferry"~3') == {"Twice"}
    assert found(engine, '"ferry ferry"~2') == set()


def test_field_qualified_negated_and_grouped_proximity(engine: Engine) -> None:
    storm = "Storm keeps the harbour from the ferry"
    assert found(engine, 'headline:"harbour ferry"~3') == {storm}
    assert found(engine, 'body:"harbour ferry"~3') == {"Adjacent", "One between", "Two between"}
    assert found(engine, 'headline:"harbour ferry"~2') == set()
    assert found(engine, 'harbour -"harbour ferry"~2') == found(engine, "harbour") - {"Adjacent", "One between"}
    assert found(engine, '"harbour ferry"~2 OR "ferry harbour"~2') == {"Adjacent", "One between", "Reversed"}
    assert found(engine, 'headline:("harbour ferry"~3 OR alpha)') == {storm, "Quarterly alpha report",
                                                                      "Alpha and beta"}


def test_proximity_words_are_highlighted(client) -> None:
    hits = {h["headline"]: h for h in api(client, '"harbour ferry"~3')["results"]}
    body = hits["Two between"]["snippets"]["body"]
    assert "<mark>harbour</mark>" in body and "<mark>ferry</mark>" in body
    headline = hits["Storm keeps the harbour from the ferry"]["snippets"]["headline"]
    assert headline == "Storm keeps the <mark>harbour</mark> from the <mark>ferry</mark>"


def test_proximity_in_quote_search(client) -> None:
    # "The harbour will reopen next spring for the ferry": harbour 1, ferry 8
    def texts(q: str) -> list[str]:
        r = client.get("/api/quotes", query_string={"q": q})
        assert r.status_code == 200, r.data[:300]
        return [x["text"] for x in r.json["results"]]

    assert texts('"harbour ferry"~7') == ["The harbour will reopen next spring for the ferry,"]
    assert texts('"harbour ferry"~6') == []


# -- boosts -------------------------------------------------------------------------------------------
BOOSTED = [("alpha^2", "alpha"), ('"harbour ferry"^1.5', '"harbour ferry"'), ("headline:alpha^3", "headline:alpha"),
           ("(alpha OR beta)^2", "alpha OR beta"), ('"harbour ferry"~3^2', '"harbour ferry"~3'),
           ('"harbour ferry"^2~3', '"harbour ferry"~3'), ("alph*^2", "alph*"), ("alpah~^2", "alpah~"),
           ("((alpha)^2)^3", "alpha^6"), ("lighthouse^0.5", "lighthouse"), ("alpha^.5", "alpha^0.5")]


@pytest.mark.parametrize(("boosted", "plain"), BOOSTED)
def test_a_boost_multiplies_the_score_and_not_the_matches(client, boosted: str, plain: str) -> None:
    factor = parse(boosted).boost / (parse(plain).boost if parse(plain) is not None else 1.0)
    mine, theirs = scores(client, boosted), scores(client, plain)
    assert mine and mine.keys() == theirs.keys()
    for headline, score in mine.items():
        assert score == pytest.approx(factor * theirs[headline], rel=1e-3, abs=1e-3), headline


def test_a_boost_on_one_clause_reorders_without_changing_the_matches(client) -> None:
    plain, up_alpha, up_beta = (api(client, q) for q in ("alpha OR beta", "alpha^8 OR beta", "alpha OR beta^8"))
    assert {h["id"] for h in plain["results"]} == {h["id"] for h in up_alpha["results"]} \
        == {h["id"] for h in up_beta["results"]}

    def rank(res: dict, headline: str) -> int:
        return [h["headline"] for h in res["results"]].index(headline)

    alpha_only, beta_only = "Quarterly alpha report", "Beta testing"
    assert rank(up_alpha, alpha_only) < rank(up_alpha, beta_only)
    assert rank(up_beta, beta_only) < rank(up_beta, alpha_only)
    # the alpha-only article's score is the alpha clause's alone: multiplied by 8
    boosted, plain_scores = scores(client, "alpha^8 OR beta"), scores(client, "alpha OR beta")
    assert boosted[alpha_only] == pytest.approx(8 * plain_scores[alpha_only], rel=1e-3)
    assert scores(client, "alpha OR beta^8")["Beta testing"] > scores(client, "alpha OR beta")["Beta testing"]


@pytest.mark.parametrize("q", ["alpha^3 beta gamma", "alpha^3 beta^0 zzz", "alpha^2 -beta", "-alpha^2 beta",
                               "alpha^1000 beta^0.001", "source:\"Ada Brennan\"^2 harbour", "alpha^0"])
def test_boosts_change_nothing_of_what_matches(client, q: str) -> None:
    plain = q.replace("^1000", "").replace("^0.001", "").replace("^3", "").replace("^2", "").replace("^0", "")
    mine, theirs = api(client, q), api(client, plain)
    assert sorted(h["id"] for h in mine["results"]) == sorted(h["id"] for h in theirs["results"])
    assert (mine["total"], mine["relaxed"]) == (theirs["total"], theirs["relaxed"])


@pytest.mark.parametrize(("typed", "read_as"), [
    ("alpha^beta", '"alpha beta"'),  # "^" that is not a boost is punctuation inside a word, as before
    ("word^-1", '"word 1"'),
    ("word^1e9", '"word 1e9"'),
    ("alpha^", "alpha"),
    ("^alpha", "alpha"),
    ("^", "!"),
    ("(alpha OR beta)^", "alpha OR beta"),
    ('"alpha beta"^x', '"alpha beta" x'),
])
def test_a_caret_that_is_not_a_boost_is_an_ordinary_character(client, typed: str, read_as: str) -> None:
    mine, theirs = api(client, typed), api(client, read_as)
    assert [h["id"] for h in mine["results"]] == [h["id"] for h in theirs["results"]]
    assert [h["score"] for h in mine["results"]] == [h["score"] for h in theirs["results"]]


def test_the_literal_readings_find_what_was_written(client) -> None:
    for q in ("alpha^beta", "word^-1", "word^1e9"):
        assert [h["headline"] for h in api(client, q)["results"]] == ["Notation"], q


def test_huge_boosts_and_slops_are_capped_not_errors(client) -> None:
    capped = scores(client, "alpha^1000")
    assert scores(client, "alpha^" + "9" * 400) == capped and all(np.isfinite(list(capped.values())))
    assert found_ids(client, '"harbour ferry"~' + "9" * 400) == found_ids(client, '"harbour ferry"~1000')
    assert found_ids(client, '"harbour ferry"~0') == found_ids(client, '"harbour ferry"')


def found_ids(client, q: str) -> list[str]:
    return sorted(h["id"] for h in api(client, q)["results"])


# -- recency through the API --------------------------------------------------------------------------
def test_recency_is_a_parameter_of_the_api_as_of_the_cli(client) -> None:
    plain, recent = api(client, "lighthouse"), api(client, "lighthouse", recency="1")
    assert recent["query"]["recency"] == 1.0 and plain["query"]["recency"] == 0.0
    assert [h["headline"] for h in plain["results"]][0] == "Lighthouse keepers retire from the lighthouse"
    assert [h["headline"] for h in recent["results"]][0] == "Coast notes"  # the newest article
    # 1 + recency for the newest, halving for every 180 days before it
    before, after = scores(client, "lighthouse"), {h["headline"]: h["score"] for h in recent["results"]}
    assert after["Coast notes"] == pytest.approx(2 * before["Coast notes"], rel=1e-3)
    assert after["Half a year before"] == pytest.approx(1.5 * before["Half a year before"], rel=1e-3)
    old = "Lighthouse keepers retire from the lighthouse"  # nine years before
    assert after[old] == pytest.approx(before[old], rel=1e-3)
    for bad in ("2", "-0.5", "soon"):
        r = client.get("/api/search", query_string={"q": "lighthouse", "recency": bad})
        assert r.status_code == 400 and r.json["error"]["param"] == "recency", bad


# -- Whoosh agrees --------------------------------------------------------------------------------------
VOCAB = ["harbour", "ferry", "dawn", "storm", "quay", "tide"]  # few words: they meet at every distance
RNG = random.Random(20261203)


def _random_article(n: int) -> dict:
    body = " ".join(RNG.choice(VOCAB + ["of", "the", "and"]) for _ in range(RNG.randint(5, 40)))
    return {"headline": " ".join(RNG.choice(VOCAB) for _ in range(5)), "body": body + ".",
            "published": f"2019-01-{1 + n % 28:02d}"}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    articles = [_random_article(n) for n in range(360)]
    settings = build_site(tmp_path_factory.mktemp("mixed"), articles[:240])
    (settings.corpus / "more.jsonl").write_text("\n".join(json.dumps(a) for a in articles[240:]), encoding="utf-8")
    assert Indexer(settings, workers=1).run().articles == len(articles)  # a second segment
    eng = Engine(settings, time_limit=3600.0)
    yield eng
    eng.close()


def test_sloppy_phrases_match_what_whoosh_matches(mixed: Engine) -> None:
    v = mixed.view()
    rng = random.Random(7)
    checked = 0
    for _ in range(150):
        words = [rng.choice(VOCAB + ["the"]) for _ in range(rng.choice((2, 2, 3, 4)))]
        for fieldname in ("body", "headline"):
            for slop in (1, 2, 3, 5, 9):
                q = wq.Phrase(fieldname, words, slop=slop)
                theirs = np.array(sorted(v.searcher.docs_for_query(q)), dtype=np.int64)
                assert np.array_equal(matching.docs(v.postings, q), theirs), (fieldname, words, slop)
                checked += len(theirs) > 0
    assert checked > 200  # most of them find something


def every_id(engine: Engine, q: str) -> set[str]:
    """The ids of every article the query finds, all pages."""
    first = engine.search(SearchRequest.build(q=q, page_size=100))
    out = {h.id for h in first.results}
    for page in range(2, (first.total + 99) // 100 + 1):
        out |= {h.id for h in engine.search(SearchRequest.build(q=q, page=page, page_size=100)).results}
    assert len(out) == first.total
    return out


def test_whoosh_s_parser_reads_the_slop_as_the_engine_does(mixed: Engine) -> None:
    v = mixed.view()
    parser = QueryParser("body", v.searcher.schema)
    for text in ('"harbour ferry"~3', '"ferry ferry"~2', '"tide quay dawn"~4', '"storm harbour"~1'):
        theirs = {v.stored(d).id for d in v.searcher.docs_for_query(parser.parse(text))}
        assert every_id(mixed, "body:" + text) == theirs and theirs, text


def test_whoosh_s_searcher_matches_the_compiled_queries(mixed: Engine) -> None:
    v = mixed.view()
    for text in ('headline:"harbour ferry"~3', '"tide quay"~2^3 storm', '(harbour OR "dawn tide"~4)^2 -quay',
                 '"the harbour"~2'):
        q = compile_query(parse(text), v.searcher.reader(), lexicon=v.lexicon)
        theirs = np.array(sorted(v.searcher.docs_for_query(q)), dtype=np.int64)
        assert len(theirs) and np.array_equal(matching.docs(v.postings, q), theirs), text


ODD = ['cue:"said told"~2', 'section:"local news"~2', 'byline:"a b"~2^3', '""~3', '"x"~~~3^^2', '^^^', '~3',
       'headline:^2', '(^2)', ')^2', '(a)^2^3', '-"harbour ferry"~3^2', 'NOT (harbour^2 OR ferry^3)^4',
       'source:WSJ^2', '"' + "harbour " * 60 + '"~5', " ".join(['"harbour ferry"~3^2'] * 50)]


@pytest.mark.parametrize("q", ODD)
def test_odd_proximity_and_boosts_are_answered_everywhere(client, q: str) -> None:
    for base in ("/api/search", "/api/quotes", "/search", "/quotes", "/search.atom"):
        r = client.get(base, query_string={"q": q})
        assert r.status_code == 200, (base, q, r.data[:300])


# -- did-you-mean keeps what was typed ----------------------------------------------------------------
@pytest.mark.parametrize(("typed", "offered"), [
    ("lighthuose^2", "lighthouse^2"),
    ("lighthuose^2.5", "lighthouse^2.5"),
    ("lighthuose -coast", "lighthouse -coast"),
    ("lighthuose^3 -\"old lighthouse\"", 'lighthouse^3 -"old lighthouse"'),
])
def test_did_you_mean_keeps_boosts_and_exclusions(engine: Engine, typed: str, offered: str) -> None:
    res = engine.search(SearchRequest.build(q=typed))
    assert res.suggestion is not None and res.suggestion["q"] == offered
    assert res.suggestion["total"] == engine.search(SearchRequest.build(q=offered)).total > res.total


@pytest.mark.parametrize("q", [
    "harbour ferry", "harbour^2 ferry^0.5", '"harbour ferry"~3^2', "headline:harbour^3 -body:ferry",
    "(alpha OR beta)^2 gamma", "-(alpha OR beta) lighthouse*", "lighthous~2 NOT coast", 'source:"Ada Brennan"',
    "alpha^.0000001", "a^1000000", "((((alpha))))", "alpha OR (beta (gamma OR delta^2))^1.5",
])
def test_a_rendered_query_parses_back_to_the_same_tree(q: str) -> None:
    node = parse(q)
    assert node is not None and parse(render(node)) == node
