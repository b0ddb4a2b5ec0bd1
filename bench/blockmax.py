"""Would block-max top-k pay here? For frequent words (>= 20,000 matches, or --min-matches) of a query mix,
the share of their matches a block-max scorer (Ding and Suel 2011, done for whole arrays) would still have to
score exactly to be sure of the first 10, with two kinds of per-block bound:

- stored: what newsearch's codec keeps per block of 128 postings (layout.py): the highest term frequency and
  the shortest field length, so a block's bound is weight x highest frequency / the norm of the shortest length;
- ideal: each block's exact highest BM25F share (what Lucene's impacts approximate), computed here from the
  postings: no stored bound can be tighter.

Each word's blocks in every field and form cut the documents into ranges; a range's bound sums, over the query's
words, the saturated sum of its lists' block bounds (BM25F saturates a word's summed frequency). Every range
whose bound reaches the exact 10th best score must be scored; the share printed is of the matches in them.

    python bench/blockmax.py --index /tmp/newsearch-bench/idx/1m/ours/builds/<build> --mix .../mix.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.config import Settings  # noqa: E402
from search.engine import matching, ranking  # noqa: E402
from search.engine.engine import Engine  # noqa: E402
from search.engine.postings import Postings  # noqa: E402
from search.engine.query import compile_query  # noqa: E402
from search.engine.syntax import parse  # noqa: E402
from search.index.codec import BYTE_TO_LENGTH, term_postings  # noqa: E402
from search.index.fields import ARTICLES  # noqa: E402

BLOCK = 128
FREQUENT = 20_000


def _lists(p: Postings, word: list[ranking.FieldWord], kind: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(each block's last document, its bound on the word's weighted, normalised frequency) per field and form."""
    out = []
    for fieldname, texts, weight in word:
        avg, b, lengths = p.average_length(fieldname) or 1.0, ARTICLES.b_of(fieldname), p.lengths(fieldname)
        for text in texts:
            if kind == "ideal":
                ids, tfs = p.term(fieldname, text)
                if len(ids):
                    share = weight * tfs / ((1 - b) + b * lengths[ids] / avg)
                    cuts = np.arange(0, len(ids), BLOCK)
                    out.append((ids[np.minimum(cuts + BLOCK, len(ids)) - 1], np.maximum.reduceat(share, cuts)))
                continue
            lasts, bounds = [], []  # every segment's blocks, in document order
            for leaf, base in p.leaves:
                found = term_postings(leaf, fieldname, p.to_bytes(fieldname, text))
                if found is not None and len(found.blocks):
                    shortest = BYTE_TO_LENGTH[found.blocks["minlen"]].astype(np.float64)
                    lasts.append(found.blocks["maxid"].astype(np.int64) + base)
                    bounds.append(weight * found.blocks["maxweight"] / ((1 - b) + b * shortest / avg))
            if lasts:
                out.append((np.concatenate(lasts), np.concatenate(bounds)))
    return out


def share_scored(p: Postings, q, matched: np.ndarray, kind: str, k: int = 10) -> float:
    """The share of the matches in ranges whose bound reaches the exact k-th best score."""
    theta = np.sort(ranking.scores(p, q, matched))[-k]
    per = [(word, boost, _lists(p, word, kind)) for word, boost in ranking.boosted_words(q)]
    cuts = np.unique(np.concatenate([last for _, _, ls in per for last, _ in ls] + [[p.size - 1]]))
    bound = np.zeros(len(cuts))
    for word, boost, lists in per:
        summed = np.zeros(len(cuts))
        for last, ub in lists:
            at = np.searchsorted(last, cuts)
            inside = at < len(last)
            summed[inside] += ub[at[inside]]
        df = ranking.word_documents(p, word)
        idf = math.log(1 + (p.size - df + 0.5) / (df + 0.5))
        bound += boost * idf * summed * (ranking.K1 + 1) / (summed + ranking.K1)
    counts = np.diff(np.searchsorted(matched, cuts, side="right"), prepend=0)
    return float(counts[bound * (1 + 1e-9) >= theta].sum()) / len(matched)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, required=True, help="an index folder (a build, or the index root)")
    ap.add_argument("--mix", type=Path, required=True, help="a query mix file of search_bench.py")
    ap.add_argument("--min-matches", type=int, default=FREQUENT, help="queries with at least this many matches")
    args = ap.parse_args()
    engine = Engine(Settings.from_env(index=args.index), time_limit=3600.0)
    snap = engine.view()
    rows = []
    for text in dict.fromkeys(m["q"] for m in json.loads(args.mix.read_text())):
        q = compile_query(parse(text), snap.searcher.reader(), lexicon=snap.lexicon)
        matched = matching.docs(snap.postings, q)
        if len(matched) >= args.min_matches:
            rows.append((text, len(matched), share_scored(snap.postings, q, matched, "stored"),
                         share_scored(snap.postings, q, matched, "ideal")))
    print(f"{snap.postings.size:,} documents; queries with >= {args.min_matches:,} matches: {len(rows)}\n")
    print("| query | matches | scored, stored bounds | scored, ideal bounds |\n|---|---:|---:|---:|")
    for text, n, stored, ideal in rows:
        print(f"| {text} | {n:,} | {stored:.1%} | {ideal:.1%} |")
    if rows:
        print(f"| median | | {np.median([r[2] for r in rows]):.1%} | {np.median([r[3] for r in rows]):.1%} |")


if __name__ == "__main__":
    main()
