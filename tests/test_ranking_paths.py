"""BM25F scores are the same whichever way a word's fields are summed: sorted and merged (a word in few
documents) or added up in one array over every document (a frequent word, ranking.DENSE_SHARE), and whether
all of a word's postings are read or only those of the matched documents (few matches, ranking.SPARSE_SHARE).
Checked on an index of the shipped corpus for every word it holds in two fields or more, and through the
engine's ranking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.config import Settings
from search.engine import matching, ranking
from search.engine.engine import Engine
from search.engine.query import compile_query
from search.engine.results import SearchRequest
from search.engine.syntax import parse
from search.index.indexer import Indexer

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = Settings.from_env(index=tmp_path_factory.mktemp("rank") / "index", corpus=CORPUS)
    Indexer(settings, workers=1).run(full=True)
    eng = Engine(settings)
    yield eng
    eng.close()


def _scored(engine: Engine, text: str) -> tuple[np.ndarray, np.ndarray]:
    snap = engine.view()
    q = compile_query(parse(text), snap.searcher.reader(), lexicon=snap.lexicon)
    matched = matching.docs(snap.postings, q)
    return matched, ranking.scores(snap.postings, q, matched)


def _words_in_two_fields(engine: Engine) -> list[str]:
    reader = engine.view().searcher.reader()
    headline = {t.decode() for t in reader.lexicon("headline")}
    return sorted(w for w in headline if w.isalpha() and ("body", w) in reader)


@pytest.mark.parametrize("switch", ["DENSE_SHARE", "SPARSE_SHARE"])
def test_either_way_gives_the_same_scores(engine: Engine, monkeypatch: pytest.MonkeyPatch, switch: str) -> None:
    queries = _words_in_two_fields(engine)
    assert len(queries) > 20
    queries += [" ".join(queries[i : i + 3]) for i in range(0, len(queries) - 3, 7)]
    queries += [" OR ".join(queries[i : i + 2]) for i in range(0, 40, 5)]
    queries += [f"{a} -{b}" for a, b in zip(queries[:20], queries[20:40], strict=False)]
    monkeypatch.setattr(ranking, switch, 0)  # never dense; never only the matches' postings
    sparse = {q: _scored(engine, q) for q in queries}
    monkeypatch.setattr(ranking, switch, 10**9)  # always
    for q in queries:
        matched, dense = _scored(engine, q)
        assert np.array_equal(matched, sparse[q][0]), q
        assert np.allclose(dense, sparse[q][1], rtol=1e-12, atol=0), q
    assert any(len(sparse[q][0]) for q in queries)


@pytest.mark.parametrize("switch", ["DENSE_SHARE", "SPARSE_SHARE"])
def test_the_ranked_page_is_the_same(engine: Engine, monkeypatch: pytest.MonkeyPatch, switch: str) -> None:
    words = _words_in_two_fields(engine)[:12]
    words += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    pages = {}
    for share in (0, 10**9):
        monkeypatch.setattr(ranking, switch, share)
        pages[share] = [[(h.id, h.score) for h in engine.search(SearchRequest.build(q=w)).results] for w in words]
    assert pages[0] == pages[10**9] and any(pages[0])
