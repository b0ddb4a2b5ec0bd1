"""The wall's contract: what search/engine/postings.py reads below Whoosh's public API equals what that API says.

For every term of a small index of several segments with deleted documents: the document ids, frequencies
and word positions our decoder reads, and every document's field lengths and publication time, compared with
`reader.postings(...).all_items()` / `weight()` / `value_as("positions")`, `doc_field_length` and the public
column reader. And when Whoosh is not laid out as the wall expects, it says so instead of reading zeros.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from whoosh import fields as wf
from whoosh import index as whoosh_index
from whoosh.codec.plaintext import PlainTextCodec
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from search import Indexer, Settings
from search.engine.postings import LayoutError, Postings
from search.index.store import IndexStore

WORDS = ("harbour ferry council budget storm river school minister market strike vote rail bridge mayor "
         "hospital nurse teacher farm price wheat energy grid court judge police road flood bank loan tax").split()


def _article(rng: random.Random, n: int) -> dict:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 400)))  # long enough for multi-block postings
    record = {"headline": " ".join(rng.sample(WORDS, 4)).title(), "body": f"{body}. \"We {rng.choice(WORDS)} "
              f"the {rng.choice(WORDS)},\" said Ada Brennan{n % 7}.", "section": rng.choice(["World", "Sport"])}
    if n % 5:
        record["published"] = f"20{10 + n % 15:02d}-0{1 + n % 9}-1{n % 10}T0{n % 10}:00:00+02:00"
    return record


def _write(path: Path, records: list[dict]) -> None:
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("contract")
    corpus = root / "corpus"
    corpus.mkdir()
    rng = random.Random(9)
    settings = Settings.from_env(index=root / "index", corpus=corpus)
    _write(corpus / "a.jsonl", [_article(rng, n) for n in range(300)])
    Indexer(settings, workers=1).run(full=True)
    _write(corpus / "b.jsonl", [_article(rng, n) for n in range(300, 450)])
    Indexer(settings, workers=1).run()  # a second segment
    _write(corpus / "c.jsonl", [_article(rng, n) for n in range(450, 480)])
    Indexer(settings, workers=1).run()
    (corpus / "b.jsonl").unlink()  # deleted documents in the second segment
    Indexer(settings, workers=1).run(allow_delete=True)
    s = IndexStore(settings.index).open().searcher()
    yield s
    s.close()


def test_the_index_has_what_the_contract_needs(searcher) -> None:
    reader = searcher.reader()
    leaves = list(reader.leaf_readers())
    assert len(leaves) > 1 and any(leaf.has_deletions() for leaf, _ in leaves)
    longest = max(reader.doc_frequency("body", w) for w in WORDS)
    assert longest > 128  # posting lists of more than one block (whoosh3 blocks hold up to 128 postings)


def test_every_term_s_ids_frequencies_and_positions_are_whoosh_s(searcher) -> None:
    reader, ours = searcher.reader(), Postings(searcher)
    checked = 0
    for fieldname, btext in reader.all_terms():
        ids, tfs = ours.decode(fieldname, btext)
        assert ids.tolist() == [d for d, _ in reader.postings(fieldname, btext).all_items()], (fieldname, btext)
        m, weights, positions = reader.postings(fieldname, btext), [], []
        has_positions = reader.schema[fieldname].format.supports("positions")
        while m.is_active():
            weights.append(m.weight())
            if has_positions:
                positions.append(m.value_as("positions"))
            m.next()
        assert np.allclose(tfs, weights), (fieldname, btext)
        if has_positions and len(ids):
            docs, pos = ours.positions(fieldname, btext).take(ids)
            assert [pos[docs == d].tolist() for d in ids.tolist()] == [list(p) for p in positions], (fieldname, btext)
            some = ids[1::3]  # a share of the documents (and one with no posting) alone: only theirs are decoded
            docs, pos = ours.positions(fieldname, btext).take(np.union1d(some, [ids[-1] + 1]))
            assert [pos[docs == d].tolist() for d in some.tolist()] == [list(p) for p in positions[1::3]]
            assert set(docs.tolist()) == set(some.tolist())
        checked += 1
    assert checked > 100


def test_field_lengths_and_publication_times_are_whoosh_s(searcher) -> None:
    reader, ours = searcher.reader(), Postings(searcher)
    live = list(reader.all_doc_ids())
    for fieldname in (name for name, f in reader.schema.items() if f.scorable):
        lengths = ours.lengths(fieldname)
        assert [float(lengths[d]) for d in live] == [float(reader.doc_field_length(d, fieldname)) for d in live]
    column = reader.column_reader("published", translate=False)
    assert [int(ours.published()[d]) for d in live] == [int(column[d]) for d in live]
    assert sum(reader.stored_fields(d)["data"]["published"] is None for d in live) > 0  # undated ones too


@pytest.mark.parametrize("codec", [PlainTextCodec, W3Codec], ids=["plaintext", "whoosh3"])
def test_an_index_laid_out_otherwise_is_refused_not_read_as_zeros(tmp_path: Path, codec) -> None:
    # Whoosh's own codecs, W3 among them (what newsearch wrote before its own codec)
    schema = wf.Schema(body=wf.TEXT(stored=True))
    ix = whoosh_index.create_in(tmp_path, schema)
    writer = SegmentWriter(ix, codec=codec())
    writer.add_document(body="harbour ferry")
    writer.commit()
    with ix.searcher() as s, pytest.raises(LayoutError, match="not a segment of newsearch's codec"):
        Postings(s)


def test_an_index_with_no_documents_yet_reads_as_empty(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(tmp_path, wf.Schema(body=wf.TEXT(stored=True)))
    with ix.searcher() as s:
        ours = Postings(s)
        assert ours.leaves == [] and len(ours.term("body", "harbour")[0]) == 0 and len(ours.lengths("body")) == 0


def test_whoosh_s_own_top_hits_are_the_same_with_its_block_skipping_on(searcher) -> None:
    # newsearch's codec keeps Whoosh's per-block statistics (last id, highest weight, shortest and longest
    # length): Whoosh's block-skipping bound must hold, so that its own search returns what exhaustive scoring
    # returns.
    from whoosh.qparser import QueryParser

    parser = QueryParser("body", searcher.schema)
    queries = [*WORDS, *(f"{a} OR {b}" for a, b in zip(WORDS, WORDS[1:], strict=False))]
    for text in queries:
        q = parser.parse(text)
        skipping = [(h.docnum, round(h.score, 6)) for h in searcher.search(q, limit=5, optimize=True)]
        exhaustive = [(h.docnum, round(h.score, 6)) for h in searcher.search(q, limit=5, optimize=False)]
        assert skipping == exhaustive and len(skipping) == 5, text
