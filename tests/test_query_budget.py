"""Hostile queries on a real index of synthetic articles with a big vocabulary: every shape returns normally,
deep nesting is read as its words, prefix and fuzzy expansion stay within their caps, and a query cut short
by the time budget (a time limit of zero, so the cut is certain) is flagged partial and never shows an
article it should have excluded. The fast expansion, did-you-mean and phrase matching are checked against
Whoosh's own public API on the same index (two segments, so Whoosh merges them as our Lexicon must)."""

from __future__ import annotations

import json
import random
import string

import numpy as np
import pytest
from whoosh import query as wq

from search.config import Settings
from search.engine import matching, ranking
from search.engine.budget import Budget
from search.engine.engine import Engine
from search.engine.query import MAX_EXPANSIONS, MAX_QUERY_EXPANSIONS, compile_query, fair_shares
from search.engine.ranking import positive_terms, positive_words
from search.engine.results import Results, SearchRequest
from search.engine.syntax import MAX_CLAUSES, Group, Not, Word, is_plain, parse, words_of
from search.index.indexer import Indexer

from .conftest import build_site

RNG = random.Random(20261201)
LETTERS = string.ascii_lowercase


def _mutate(stem: str, rng: random.Random) -> str:
    """The stem with one or two letters after the first changed: within 2 edits, same first letter."""
    chars = list(stem)
    for i in rng.sample(range(1, len(stem)), rng.choice((1, 2))):
        chars[i] = rng.choice(LETTERS)
    return "".join(chars)


STEMS = ["".join(RNG.choice(LETTERS) for _ in range(7)) for _ in range(40)]
# Three stems with far more spellings around them than one word may expand to.
CROWDED = STEMS[:3]
VARIANTS = {s: sorted({_mutate(s, RNG) for _ in range(150 if s in CROWDED else 25)} - {s}) for s in STEMS}
PREFIXED = sorted({"con" + "".join(RNG.choice(LETTERS) for _ in range(5)) for _ in range(200)})
VOCAB = sorted(set(STEMS) | {v for vs in VARIANTS.values() for v in vs} | set(PREFIXED))
STOPS = ["of the", "in the", "to the", "on a"]


def _article(n: int, rng: random.Random) -> dict:
    body = []
    for _ in range(60):
        body.append(rng.choice(STOPS) if rng.random() < 0.3 else rng.choice(VOCAB))
    if n % 3 == 0:
        body.append("harbour ferry")
    return {"headline": " ".join(rng.choice(VOCAB) for _ in range(6)) + (" harbour" if n % 7 == 0 else ""),
            "body": " ".join(body) + ".", "section": rng.choice(["World", "Business", "Politics"]),
            "published": f"20{10 + n % 12:02d}-0{1 + n % 9}-1{n % 10}"}


ARTICLES = [_article(n, RNG) for n in range(400)]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = build_site(tmp_path_factory.mktemp("budget"), ARTICLES[:300])
    (settings.corpus / "more.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES[300:]), encoding="utf-8")
    assert Indexer(settings, workers=1).run().articles == len(ARTICLES)  # a second segment
    return settings


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Engine:
    """An engine whose time limit no query here comes near: its answers are complete."""
    eng = Engine(settings, time_limit=3600.0)
    yield eng
    eng.close()


@pytest.fixture()
def spent(settings: Settings) -> Engine:
    """An engine with no time at all: each stage does one unit of work, then the budget is cut."""
    eng = Engine(settings, time_limit=0.0)
    yield eng
    eng.close()


def run(engine: Engine, q: str, **kw) -> Results:
    # SearchRequest(...) rather than .build(): the engine itself must cope with queries longer than the API takes
    return engine.search(SearchRequest(q=q, **kw))


def ids(engine: Engine, q: str) -> set[str]:
    """Every article the query finds (all pages)."""
    out, page = set(), 1
    while True:
        res = run(engine, q, page=page, page_size=100)
        out |= {h.id for h in res.results}
        if page * 100 >= res.total:
            return out
        page += 1


def fill(parts: list[str], sep: str, limit: int = 1000) -> str:
    out = ""
    for p in parts:
        if len(out) + len(sep) + len(p) > limit:
            break
        out = p if not out else out + sep + p
    return out


FUZZY = [f"{s}~2" for s in STEMS]
PREFIXES = [f"{w[:3]}*" for w in VOCAB[::7]]
HOSTILE = {
    "40 fuzzy OR": " OR ".join(FUZZY[:40]),
    "1000 chars fuzzy OR": fill(FUZZY * 5, " OR "),
    "1000 chars fuzzy AND": fill(FUZZY * 5, " "),
    "1000 chars fuzzy~1": fill([f"{s}~" for s in STEMS] * 5, " OR "),
    "prefix OR": fill(PREFIXES, " OR "),
    "prefix AND": fill(PREFIXES, " "),
    "scoped fuzzy": "body:(" + fill(FUZZY * 5, " OR ", 990) + ")",
    "scoped prefix": "headline:(" + fill(PREFIXES, " OR ", 980) + ")",
    "many phrases": fill([f'"{s}"' for s in STOPS] * 60, " "),
    "many phrases OR": fill([f'"{s}"' for s in STOPS] * 60, " OR "),
    "long stop phrase": '"' + fill(["of the in the to the on a"] * 60, " ", 998) + '"',
    "250 parens": "(" * 250 + "harbour",
    "5000 parens": "(" * 5000 + "harbour" + ")" * 5000,
    "1000 parens": "(" * 990 + "harbour",
    "nested NOTs": "NOT " * 247 + "harbour",
    "nested NOT groups": "NOT (" * 198 + "harbour",
    "nested negations": "-(" * 400 + "harbour",
    "nested scopes": "body:(" * 150 + "harbour",
    "alternating": fill(["(harbour OR (ferry"] * 100, " "),
    "control and quotes": '"\x00((' * 100 + "harbour~2 -" * 50,
    "lone surrogates": "harbour\udcff ferry\ud800~ con\udfffx* \"of\udc80 the\"",
    "misspelt words": fill([_mutate(s, RNG) for s in STEMS] * 3, " "),
    "mixed": fill([x for f, p, s in zip(FUZZY * 3, PREFIXES, STOPS * 30, strict=False)
                   for x in (f, p, f'"{s}"')], " OR "),
    "mixed with negations": fill([f'({f} OR {p}) -"{s}"' for f, p, s in zip(FUZZY, PREFIXES, STOPS * 10, strict=False)],
                                 " "),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_shape_returns_results(engine: Engine, name: str) -> None:
    res = run(engine, HOSTILE[name])
    assert isinstance(res, Results)
    assert res.total >= len(res.results) and len(res.results) <= 10
    assert res.to_dict()["partial"] in (True, False)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_shape_returns_results_on_a_spent_budget(spent: Engine, name: str) -> None:
    assert isinstance(run(spent, HOSTILE[name]), Results)


def test_deep_nesting_is_read_as_its_words(engine: Engine) -> None:
    harbour = ids(engine, "harbour")
    assert harbour
    for q in ("(" * 250 + "harbour", "(" * 250 + "harbour" + ")" * 250, "(" * 990 + "harbour",
              "-(" * 400 + "harbour", "NOT " * 248 + "harbour"):
        assert ids(engine, q) == harbour, q[:20]
    assert ids(engine, "body:(" * 150 + "harbour") == ids(engine, "body:harbour") < harbour
    assert ids(engine, "(harbour " * 1000) == harbour  # 5,000 characters, 1,000 parentheses: 1,000 are read
    assert run(engine, "NOT " * 247 + "harbour").total == engine.count() - len(harbour)
    # Deeper than MAX_DEPTH the parentheses are read as if absent: the words all still count.
    assert ids(engine, "(" * 100 + "harbour ferry" + ")" * 100) == ids(engine, "harbour ferry")


def test_a_5000_deep_tree_compiles_and_matches_as_its_words(engine: Engine) -> None:
    """compile_query, matching.docs and positive_words take any depth, not only what parse gives."""
    v = engine.view()
    node = Word("harbour")
    for n in range(5000):
        node = Group("and", [node]) if n % 2 else Not(Not(node))
    q = compile_query(node, v.searcher.reader())
    plain = compile_query(parse("harbour"), v.searcher.reader())
    assert np.array_equal(matching.docs(v.postings, q), matching.docs(v.postings, plain))
    deep = wq.Term("body", "harbour")
    for n in range(5000):
        deep = wq.And([deep, wq.Every()]) if n % 3 else wq.Or([deep]) if n % 2 else wq.Not(wq.Not(deep))
    assert np.array_equal(matching.docs(v.postings, deep), matching.docs(v.postings, wq.Term("body", "harbour")))
    assert positive_words(wq.Or([deep, wq.Term("headline", "ferry")])) == [[("headline", ("ferry",), 1.0)]]
    groups = Word("harbour")
    for _ in range(5000):
        groups = Group("and", [groups])
    assert words_of(groups) == ["harbour"] and is_plain(groups)


def test_a_group_of_more_than_max_clauses_words_keeps_its_first_ones(engine: Engine) -> None:
    words = [v for v in VOCAB if v.startswith("con")][: MAX_CLAUSES + 10]
    node = parse("body:(" + " OR ".join(words) + ")")
    assert words_of(node) == words[:MAX_CLAUSES]
    assert run(engine, "body:(" + " OR ".join(words) + ")").total > 0


def _expansions(q: wq.Query) -> list[wq.Term]:
    out, stack = [], [q]
    while stack:
        n = stack.pop()
        if isinstance(n, wq.Term):
            out.append(n)
        stack.extend(getattr(n, "subqueries", ()))
        stack.extend(x for x in (getattr(n, "query", None), getattr(n, "a", None), getattr(n, "b", None)) if x)
    return out


def test_one_word_expands_to_at_most_max_expansions_terms_a_field_the_best_ones(engine: Engine) -> None:
    v = engine.view()
    reader = v.searcher.reader()
    q = compile_query(parse("body:con*"), reader, lexicon=v.lexicon)
    found = [t.text for t in _expansions(q)]
    every = [t.decode() for t in reader.expand_prefix("body", "con")]
    assert len(every) > MAX_EXPANSIONS and len(found) == MAX_EXPANSIONS
    by_docs = sorted(every, key=lambda t: (-reader.doc_frequency("body", t), t))
    assert sorted(found) == sorted(by_docs[:MAX_EXPANSIONS])  # the most frequent completions

    crowded = CROWDED[0]
    q = compile_query(parse(f"body:{crowded}~2"), reader, lexicon=v.lexicon)
    found = [t.text for t in _expansions(q)]
    assert len(list(reader.terms_within("body", crowded, 2, prefix=1))) > MAX_EXPANSIONS
    assert len(found) == MAX_EXPANSIONS and crowded in found  # the word itself is the closest


def test_a_query_expands_to_at_most_max_query_expansions_terms_and_says_so(engine: Engine) -> None:
    v = engine.view()
    q_text = " OR ".join(f"{s}~2" for s in (STEMS * 2)[:MAX_CLAUSES])
    budget = Budget()
    q = compile_query(parse(q_text), v.searcher.reader(), budget=budget, lexicon=v.lexicon)
    assert 0 < len(_expansions(q)) <= MAX_QUERY_EXPANSIONS
    assert budget.cut  # trimmed to fit: the results may miss some spellings
    res = run(engine, q_text)
    assert res.partial is True and res.total > 0
    assert run(engine, f"{STEMS[5]}~2").partial is False  # one word within its caps: complete


def test_fair_shares_fill_the_cap_without_giving_anyone_more_than_asked() -> None:
    wanted = {"a": 2, "b": 64, "c": 64, "d": 10}
    shares = fair_shares(wanted, 60)
    assert shares == {"a": 2, "d": 10, "b": 24, "c": 24}
    assert fair_shares(wanted, 1000) == wanted
    many = fair_shares({n: 64 for n in range(320)}, MAX_QUERY_EXPANSIONS)
    assert sum(many.values()) == MAX_QUERY_EXPANSIONS and min(many.values()) >= 1


def test_a_query_whose_expansion_the_budget_cuts_is_flagged_partial(engine: Engine, spent: Engine) -> None:
    q = " OR ".join(f"{s}~2" for s in STEMS[3:8])
    full = run(engine, q)
    assert full.partial is False
    cut = run(spent, q)
    assert cut.partial is True
    # The first word was expanded before the clock was read; the others were read as the words themselves.
    first, plain = ids(engine, f"{STEMS[3]}~2"), ids(engine, " OR ".join(STEMS[4:8]))
    assert ids(spent, q) == first | plain
    assert cut.total < full.total


def test_a_partial_answer_never_shows_an_article_it_should_exclude(engine: Engine, spent: Engine) -> None:
    q = f'({STEMS[3]}~2 OR {STEMS[4]}~2) -"harbour ferry"'
    assert ids(engine, f"{STEMS[3]}~2 OR {STEMS[4]}~2") & ids(engine, '"harbour ferry"')  # something to exclude
    res = run(spent, q)
    assert res.partial is True and res.total > 0
    found = ids(spent, q)
    for article_id in found:
        assert "harbour ferry" not in spent.article(article_id)["body"]
    assert found <= ids(engine, q)


def test_a_spent_budget_skips_relaxing_and_says_so(engine: Engine, spent: Engine) -> None:
    q = " ".join(STEMS[:3])  # three words no article has all of: relaxed to any word
    assert run(engine, q).relaxed is True
    res = run(spent, q)
    assert res.relaxed is False and res.partial is True and res.total == 0


def test_did_you_mean_corrects_a_typo_and_copes_with_many(engine: Engine) -> None:
    reader = engine.view().searcher.reader()
    typos = [t for s in STEMS for t in [s[0] + s[2] + s[1] + s[3:]]
             if not reader.doc_frequency("body", t) and not reader.doc_frequency("headline", t)]
    res = run(engine, typos[0])
    assert res.total == 0 and res.suggestion is not None and res.suggestion["total"] > 0
    assert run(engine, res.suggestion["q"]).total == res.suggestion["total"]
    many = run(engine, " ".join(typos[:MAX_CLAUSES]))
    assert isinstance(many, Results) and many.relaxed is False  # no article has any of them


# -- the fast paths against Whoosh's own public API ------------------------------------------------------
def test_fuzzy_and_prefix_expansion_find_what_whoosh_finds(engine: Engine) -> None:
    v = engine.view()
    reader, lexicon = v.searcher.reader(), v.lexicon
    for word in STEMS[:10] + [VARIANTS[s][0] for s in STEMS[10:15]] + ["harbor", "fery", "zzz"]:
        for fieldname in ("headline", "body", "caption"):
            for maxdist in (1, 2):
                whoosh = set(reader.terms_within(fieldname, word, maxdist, prefix=1))
                ours = {t for t, _ in lexicon.within(fieldname, word, maxdist, limit=10_000)}
                assert ours == whoosh, (word, fieldname, maxdist)
    for prefix in ("con", "har", "fer", PREFIXED[3][:5], "qqq"):
        whoosh = {t.decode() for t in reader.expand_prefix("body", prefix)}
        assert set(lexicon.prefixed("body", prefix, limit=10_000)) == whoosh


def test_did_you_mean_picks_what_whoosh_s_corrector_picks(engine: Engine) -> None:
    v = engine.view()
    corrector, lexicon = v.searcher.corrector("body"), v.lexicon
    assert len(v.postings.leaves) == 2  # Whoosh's own lookup, over segments merged, is the restricted Damerau one
    for stem in STEMS[:20]:
        for typo in (_mutate(stem, RNG), stem[0] + stem[2] + stem[1] + stem[3:], stem + "x"):
            want = corrector.suggest(typo, limit=1, maxdist=2, prefix=1)
            assert lexicon.closest("body", typo, maxdist=2) == (want[0] if want else None), typo


def test_phrases_match_what_whoosh_matches(engine: Engine) -> None:
    v = engine.view()
    for text in STOPS + ["harbour ferry", "of the of", "the of"]:
        for fieldname in ("body", "headline"):
            q = wq.Phrase(fieldname, text.split())
            theirs = np.array(sorted(v.searcher.docs_for_query(q)), dtype=np.int64)
            assert np.array_equal(matching.docs(v.postings, q), theirs)


def test_the_page_s_matched_terms_are_each_document_s(engine: Engine) -> None:
    v = engine.view()
    q = compile_query(parse(" OR ".join(FUZZY[:6]) + ' "of the"'), v.searcher.reader(), lexicon=v.lexicon)
    terms = positive_terms(q)
    docs = matching.docs(v.postings, q)[:50].tolist()
    reader = v.searcher.reader()

    def held(d: int) -> list[tuple[str, str]]:  # by Whoosh's own postings: the query terms document d has
        return [(f, t) for f, forms, _ in terms for t in forms
                if (f, t) in reader and d in set(reader.postings(f, t).all_ids())]

    assert docs and ranking.page_terms(v.postings, terms, docs) == [held(d) for d in docs]


def test_deep_nesting_over_http_is_answered(settings: Settings) -> None:
    from web import create_app

    client = create_app(settings).test_client()
    plain = client.get("/api/search", query_string={"q": "harbour"}).json
    for q in ("(" * 250 + "harbour", "(" * 990 + "harbour", "NOT (" * 198 + "harbour", " OR ".join(FUZZY[:40])):
        r = client.get("/api/search", query_string={"q": q})
        assert r.status_code == 200, (q[:20], r.data[:200])
        assert r.json["partial"] in (True, False)
    assert client.get("/api/search", query_string={"q": "(" * 250 + "harbour"}).json["total"] == plain["total"]
