"""A newsearch index is a Whoosh index: Whoosh's own QueryParser, Searcher and highlighter work on it and find
what the engine finds (issue 11: newsearch's codec lays the postings out for numpy, Whoosh still reads them)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from search import Engine, Indexer, Settings
from search.engine import matching
from search.index.codec import NewsCodec
from search.index.store import IndexStore

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    settings = Settings.from_env(index=tmp_path_factory.mktemp("compat") / "index", corpus=CORPUS)
    assert Indexer(settings, workers=1).run(full=True).status == "ok"
    return settings, IndexStore(settings.index).current()


def _queries(ix) -> list[str]:
    """Words and phrases of the corpus itself, and Boolean mixes of them."""
    with ix.searcher() as s:
        bodies = [s.stored_fields(d).get("body") or "" for d in range(s.doc_count_all())]
    words = sorted({w for b in bodies for w in re.findall(r"[a-z]{5,}", b.lower())})[::7][:25]
    phrases = [" ".join(m) for b in bodies[:6] for m in re.findall(r"\b([a-z]{4,}) ([a-z]{4,})\b", b)[:2]]
    mixes = [f"{a} OR {b}" for a, b in zip(words, words[1:], strict=False)][:8]
    mixes += [f"{a} AND NOT {b}" for a, b in zip(words, words[3:], strict=False)][:4]
    return words + [f'"{p}"' for p in phrases] + mixes


def test_whoosh_opens_the_build_and_its_segments_are_newsearch_s_codec(built) -> None:
    _, build = built
    ix = whoosh_index.open_dir(str(build))
    with ix.reader() as r:
        leaves = [leaf for leaf, _ in r.leaf_readers()]
        assert leaves and all(isinstance(leaf.segment().codec(), NewsCodec) for leaf in leaves)
        assert r.doc_count() == len(list(ix.searcher().documents()))


def test_whoosh_s_parser_and_searcher_find_what_the_engine_finds(built) -> None:
    settings, build = built
    ix = whoosh_index.open_dir(str(build))
    engine = Engine(settings)
    v = engine.view()
    parser = QueryParser("body", ix.schema)
    found = 0
    with ix.searcher() as s:
        for text in _queries(ix):
            q = parser.parse(text)
            theirs = np.array(sorted(s.docs_for_query(q)), dtype=np.int64)
            hits = s.search(q, limit=None)
            assert sorted(h.docnum for h in hits) == theirs.tolist(), text
            assert np.array_equal(matching.docs(v.postings, q), theirs), text
            found += len(theirs)
    engine.close()
    assert found > 50


def test_whoosh_s_highlighter_marks_the_words_in_newsearch_s_stored_text(built) -> None:
    _, build = built
    ix = whoosh_index.open_dir(str(build))
    parser = QueryParser("body", ix.schema)
    marked = 0
    with ix.searcher() as s:
        for word in [w for w in _queries(ix) if w.isalpha()][:10]:
            for hit in s.search(parser.parse(word), limit=3):
                snippet = hit.highlights("body")
                assert re.search(rf'<b class="match term\d+">{word}</b>', snippet, re.IGNORECASE), (word, snippet)
                marked += 1
    assert marked >= 10
