"""Known-item precision: a user looks for one article they know; does it come first? (P@1 and MRR@10)

On real articles (the BBC folder, 2,225; Reuters-21578, 20,841, as bench/corpora.py converts it), a seeded
sample of articles whose headline no other article of the corpus shares, nor the first 30 words of its body
(both corpora hold the same story twice with a word changed: either would be a right answer, and which ranks
first would depend on document order), and for each sampled article the queries a user would type to find it:

- headline: its headline as typed (Reuters' ALL-CAPS wire headlines lower-cased, so that "AND", "OR" and "NOT"
  in them stay words, as a user would type them);
- words: 4 of its 10 most distinctive words (tf-idf over the corpus, TIME.STP stop words left out), in a
  random order;
- misremembered: the headline with one of its words (not a stop word) replaced by a word of another sampled
  headline that the article does not contain (for headlines of 3 or more such words);
- lede: the body's first sentence as pasted (at most 40 words), a long plain query.

Each query is run through the public API (Engine.search, a page of 10), once for every matching rule given
by --long-query, on the same index: the engine's LONG_QUERY (a plain query of that many words or more matches
any of them), set in this process only; `none` is the rule before it (every word required, relaxed to any word
below 3 hits). A hit is the target when its url is the one written for that article. Reported: P@1, MRR@10,
how often the target is in the top 10, how many answers were flagged relaxed, and the mean time per query
(Results.took_ms, after one warm-up pass over the queries).

    python bench/known_item.py [--work /tmp/newsearch-bench] [--sample 300] [--long-query none,4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402 - bench/ sibling module
import relevance  # noqa: E402 - bench/ sibling module (TIME.STP stop words)

SEED = 20261203
KINDS = ("headline", "words", "misremembered", "lede")
WORD = re.compile(r"[a-z]{3,}")
SENTENCE_END = re.compile(r"(?<=[a-z0-9]{2}[.!?])\s+(?=[A-Z\"'(])")  # not after "U.S." or "Mr."


# -- the corpora, as JSONL with one url per article --------------------------------------------------------
def records(name: str, work: Path) -> Iterator[dict]:
    """The articles of one corpus, in a fixed order."""
    if name == "bbc":
        yield from corpora.bbc_records()
    else:
        for path in sorted(corpora.reuters_jsonl(work).glob("*.jsonl")):
            yield from corpora.read_jsonl(path)


def prepare(name: str, work: Path) -> tuple[Path, list[dict]]:
    """work/known-item/<name>/articles.jsonl (written once), each article with url known-item:<name>/<n>."""
    folder = work / "known-item" / name
    out = folder / "articles.jsonl"
    if not out.exists():
        folder.mkdir(parents=True, exist_ok=True)
        recs = [{**r, "url": f"known-item:{name}/{n}"} for n, r in enumerate(records(name, work))]
        corpora.write_jsonl(out, recs)
    return folder, list(corpora.read_jsonl(out))


def build_index(folder: Path, index: Path) -> Any:
    """The corpus folder's index (brought up to date: a full build the first time), and an Engine on it."""
    from search import Engine, Indexer, Settings

    settings = Settings.from_env(index=index, corpus=folder)
    Indexer(settings, workers=2).run([folder])
    return Engine(settings)


# -- the queries ----------------------------------------------------------------------------------------------
def _key(text: str, words: int | None = None) -> str:
    return " ".join(text.casefold().split()[:words])


def sample(recs: list[dict], n: int, rng: random.Random) -> list[dict]:
    """n articles with a headline of 2+ words and a body of 40+ words whose headline, and whose body's first 30
    words, no other article shares."""
    heads = Counter(_key(r["headline"]) for r in recs)
    ledes = Counter(_key(r["body"], 30) for r in recs)
    ok = [r for r in recs if len(r["headline"].split()) >= 2 and len(r["body"].split()) >= 40
          and heads[_key(r["headline"])] == 1 and ledes[_key(r["body"], 30)] == 1]
    return rng.sample(ok, min(n, len(ok)))


def content_words(text: str, stops: set[str]) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in stops]


def distinctive(rec: dict, df: Counter, size: int, stops: set[str], top: int = 10) -> list[str]:
    """The article's `top` words by tf-idf (headline and body; ties by the word)."""
    tf = Counter(content_words(rec["headline"] + " " + rec["body"], stops))
    score = {w: c * math.log(size / df[w]) for w, c in tf.items()}
    return sorted(score, key=lambda w: (-score[w], w))[:top]


def lede(body: str, limit: int = 40) -> str:
    first = SENTENCE_END.split(body.strip(), maxsplit=1)[0]
    return " ".join(first.split()[:limit])


def typed(headline: str) -> str:
    """A headline as a user would type it: an ALL-CAPS one lower-cased (its AND / OR / NOT are words)."""
    return headline.lower() if headline.isupper() else headline


def misremembered(rec: dict, others: list[dict], stops: set[str], rng: random.Random) -> str | None:
    """The headline with one content word swapped for a word of another headline that the article lacks."""
    words = rec["headline"].split()
    slots = [i for i, w in enumerate(words) if content_words(w, stops)]
    if len(slots) < 3:
        return None
    has = set(content_words(rec["headline"] + " " + rec["body"], stops))
    pool = sorted({w for o in others for w in content_words(o["headline"], stops)} - has)
    words[rng.choice(slots)] = rng.choice(pool)
    return typed(" ".join(words))


def make_queries(recs: list[dict], n: int, stops: set[str]) -> list[dict]:
    """[{url, kind, q}] for a seeded sample of n articles (the same for every run with the same n)."""
    rng = random.Random(SEED)
    chosen = sample(recs, n, rng)
    df = Counter(w for r in recs for w in set(content_words(r["headline"] + " " + r["body"], stops)))
    out = []
    for rec in chosen:
        words = rng.sample(distinctive(rec, df, len(recs), stops), 4)
        wrong = misremembered(rec, chosen, stops, rng)
        qs = {"headline": typed(rec["headline"]), "words": " ".join(words), "misremembered": wrong,
              "lede": lede(rec["body"])}
        out += [{"url": rec["url"], "kind": kind, "q": q} for kind, q in qs.items() if q]
    return out


# -- running them -------------------------------------------------------------------------------------------
def rank_of(engine: Any, q: str, url: str) -> tuple[int | None, bool, float]:
    """The target's rank in the first page of 10 (None when not there), the answer's relaxed flag and took_ms."""
    from search import SearchRequest

    res = engine.search(SearchRequest.build(q=q, page_size=10))
    urls = [h.url for h in res.results]
    return (urls.index(url) + 1 if url in urls else None), res.relaxed, res.took_ms


def evaluate(engine: Any, queries: list[dict]) -> dict[str, dict[str, float]]:
    """kind -> {queries, p1, mrr10, top10, relaxed, ms} over the queries of that kind."""
    out: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        ranks, relaxed, ms = [], 0, 0.0
        for item in (i for i in queries if i["kind"] == kind):
            rank, was_relaxed, took = rank_of(engine, item["q"], item["url"])
            ranks.append(rank)
            relaxed += was_relaxed
            ms += took
        n = len(ranks) or 1
        out[kind] = {"queries": len(ranks), "p1": sum(r == 1 for r in ranks) / n,
                     "mrr10": sum(1 / r for r in ranks if r) / n, "top10": sum(r is not None for r in ranks) / n,
                     "relaxed": relaxed, "ms": ms / n}
    return out


def long_query(value: str) -> int | None:
    return None if value.lower() == "none" else int(value)


def run(corpus_names: list[str], rules: list[str], work: Path, n: int) -> dict[str, Any]:
    """corpus -> rule -> evaluate(...), every rule (a LONG_QUERY value) on the same index and queries."""
    from search.engine import engine as engine_module

    stops = relevance.stopwords()
    default = engine_module.LONG_QUERY
    results: dict[str, Any] = {}
    for name in corpus_names:
        folder, recs = prepare(name, work)
        engine = build_index(folder, work / "idx" / f"known-item-{name}")
        queries = make_queries(recs, n, stops)
        results[name] = {}
        try:
            evaluate(engine, queries)  # a warm-up pass (files cached, arrays decoded), so that times compare
            for rule in rules:
                engine_module.LONG_QUERY = long_query(rule)
                results[name][f"LONG_QUERY={long_query(rule)}"] = evaluate(engine, queries)
        finally:
            engine_module.LONG_QUERY = default
        engine.close()
    return results


def print_table(results: dict[str, Any]) -> None:
    print("| corpus | query | queries | rule | P@1 | MRR@10 | in top 10 | relaxed | ms/query |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for name, by_rule in results.items():
        for kind in KINDS:
            for rule, by_kind in by_rule.items():
                r = by_kind[kind]
                print(f"| {name} | {kind} | {r['queries']} | {rule} | {r['p1']:.3f} | {r['mrr10']:.3f} "
                      f"| {r['top10']:.3f} | {r['relaxed']} | {r['ms']:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description="known-item search: P@1 and MRR@10 of each matching rule")
    ap.add_argument("--work", type=Path, default=corpora.DEFAULT_WORK)
    ap.add_argument("--sample", type=int, default=300, help="articles per corpus")
    ap.add_argument("--corpora", default="bbc,reuters")
    ap.add_argument("--long-query", default="none,4", help="LONG_QUERY values to compare (none: every word required)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    t0 = time.perf_counter()
    results = run(args.corpora.split(","), args.long_query.split(","), args.work, args.sample)
    print(f"known-item search, {args.sample} articles per corpus ({time.perf_counter() - t0:.1f} s)\n")
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
