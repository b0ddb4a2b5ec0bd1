"""That Whoosh's suite is here and runs on newsearch's codec (conftest.py), not on Whoosh's own by mistake."""

from __future__ import annotations

import os

import pytest
import whoosh.codec
from whoosh import fields
from whoosh.filedb.filestore import RamStorage

from search.index.codec import POS_EXT, NewsCodec

from .conftest import UPSTREAM


def test_whoosh_s_suite_is_fetched() -> None:
    if not any(UPSTREAM.glob("test_whoosh_*.py")):
        pytest.skip("Whoosh's own test suite is not fetched (bash tests/whoosh_suite/fetch.sh; .ci/run does it)")
    assert len(list(UPSTREAM.glob("test_whoosh_*.py"))) >= 30


@pytest.mark.skipif(os.environ.get("NEWSEARCH_WHOOSH_CODEC") == "w3", reason="the suite runs on Whoosh's codec")
def test_an_index_whoosh_s_tests_make_is_written_by_newsearch_s_codec() -> None:
    assert isinstance(whoosh.codec.default_codec(), NewsCodec)
    ix = RamStorage().create_index(fields.Schema(t=fields.TEXT(stored=True)))
    with ix.writer(compound=False) as w:  # no codec given: Whoosh's default, as in its tests
        w.add_document(t="harbour ferry harbour")
    with ix.reader() as r:
        segment = r.segment()
    assert isinstance(segment.codec(), NewsCodec)
    assert segment.make_filename(POS_EXT) in ix.storage.list()
    with ix.searcher() as s:
        assert [h["t"] for h in s.search(whoosh.query.Term("t", "ferry"))] == ["harbour ferry harbour"]
