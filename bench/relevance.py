"""Ranking quality on the TIME test collection (423 Time magazine articles of 1963, 83 queries, binary qrels).

Runs, in one process and on the same documents:
- ours, as typed: Engine.search with the query sentence (lower-cased, so that the collection's ALL-CAPS
  "AND", "OR" and "NOT" stay words instead of operators); our language matches any word of a plain query of 4
  words or more (engine.LONG_QUERY), and requires all words of a shorter one, relaxed to any word when fewer
  than 3 articles have them all;
- ours, as typed, the rule before (LONG_QUERY = None, set in this process only): every word required, relaxed
  to any word when fewer than 3 articles have them all;
- ours, OR: the same words joined by " OR " (any word, ranked by BM25F);
- diagnostics: ours OR without the TIME.STP stop words; ours OR on an index of the same texts without a
  headline (body only: the TIME texts have no headline, so ours uses their first words as one);
- the baseline: plain Whoosh BM25F (k1=1.2, b=0.75) over lower-cased alphanumeric tokens, TIME.STP stop
  words, no stemming, OR of the query words (SOURCE.md reports MAP 0.668 for this set-up).

Metrics: MAP (cutoff 1000) and nDCG@10 (binary gains), P@10 and recall@1000, over all 83 queries.
Documents are written to <work>/time/<text_id>.txt; a hit maps back to its text_id through the stored
file path (Engine.article(id)["path"]).

    python bench/relevance.py [--work /tmp/newsearch-bench] [--json out.json] [--per-query]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402 - bench/ sibling module

TIME = corpora.DATA / "time"
CUTOFF = 1000
WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*")  # "spain's" stays one word (our analyzer drops the 's)


def load_queries() -> dict[str, str]:
    out = {}
    for line in (TIME / "derived" / "queries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, text = line.split("\t", 1)
            out[qid] = text
    return out


def load_qrels() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for line in (TIME / "derived" / "qrels.trec").read_text().splitlines():
        qid, _, doc, rel = line.split()
        if int(rel) > 0:
            out[qid].add(doc)
    return out


def stopwords() -> set[str]:
    return {w.strip().lower() for w in (TIME / "TIME.STP").read_text().split() if w.strip()}


# -- metrics ------------------------------------------------------------------------------------------
def average_precision(ranking: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, doc in enumerate(ranking[:CUTOFF], start=1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def ndcg(ranking: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 1) for i, doc in enumerate(ranking[:k], start=1) if doc in relevant)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def evaluate(runs: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, Any]:
    per = {}
    for qid, rel in qrels.items():
        ranking = runs.get(qid, [])
        per[qid] = {"ap": average_precision(ranking, rel), "ndcg10": ndcg(ranking, rel),
                    "p10": sum(1 for d in ranking[:10] if d in rel) / 10,
                    "recall": len(set(ranking[:CUTOFF]) & rel) / len(rel), "returned": len(ranking)}
    n = len(per)
    return {"map": sum(p["ap"] for p in per.values()) / n, "ndcg10": sum(p["ndcg10"] for p in per.values()) / n,
            "p10": sum(p["p10"] for p in per.values()) / n, "recall": sum(p["recall"] for p in per.values()) / n,
            "per_query": per}


# -- systems ------------------------------------------------------------------------------------------
class Ours:
    """Our engine over one folder of TIME documents (.txt or .json per document)."""

    def __init__(self, folder: Path, index: Path) -> None:
        from search.config import Settings
        from search.engine.engine import Engine
        from search.index.indexer import Indexer

        shutil.rmtree(index, ignore_errors=True)
        settings = Settings.from_env(index=index, corpus=folder)
        report = Indexer(settings, workers=1).run([folder], full=True)
        assert report.articles == 423, report.to_dict()
        self.engine = Engine(settings)
        self._ids: dict[str, str] = {}

    def text_id(self, article_id: str) -> str:
        if article_id not in self._ids:
            self._ids[article_id] = Path(self.engine.article(article_id)["path"]).stem
        return self._ids[article_id]

    def rank(self, q: str) -> tuple[list[str], bool]:
        from search.engine.results import SearchRequest

        out: list[str] = []
        page, relaxed = 1, False
        while len(out) < CUTOFF:
            res = self.engine.search(SearchRequest.build(q=q, page=page, page_size=100))
            relaxed = relaxed or res.relaxed
            out += [self.text_id(h.id) for h in res.results]
            if page * 100 >= res.total or not res.results:
                break
            page += 1
        return out, relaxed


class Baseline:
    """Plain Whoosh BM25F: lower-cased alphanumeric tokens, TIME.STP stop words, no stemming, OR."""

    def __init__(self, docs: list[dict[str, str]], index: Path, stops: set[str], stem: bool = False) -> None:
        from whoosh import index as wi
        from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.scoring import BM25F

        analyzer = RegexTokenizer(r"[A-Za-z0-9]+") | LowercaseFilter() | StopFilter(stoplist=stops, minsize=1)
        if stem:
            analyzer = analyzer | StemFilter()
        self.analyzer = analyzer
        shutil.rmtree(index, ignore_errors=True)
        index.mkdir(parents=True)
        ix = wi.create_in(str(index), Schema(id=ID(stored=True), text=TEXT(analyzer=analyzer)))
        w = ix.writer()
        for d in docs:
            w.add_document(id=d["text_id"], text=d["text"])
        w.commit()
        self.searcher = ix.searcher(weighting=BM25F(B=0.75, K1=1.2))

    def rank(self, q: str) -> tuple[list[str], bool]:
        from whoosh import query as wq

        toks = list(dict.fromkeys(t.text for t in self.analyzer(q)))
        query = wq.Or([wq.Term("text", t) for t in toks])
        return [hit["id"] for hit in self.searcher.search(query, limit=CUTOFF)], False


def query_words(q: str, drop: set[str] | None = None) -> list[str]:
    words = WORD.findall(q.lower())
    return [w for w in words if not drop or w not in drop]


def or_words(q: str) -> str:
    """The query's words joined by OR."""
    return " OR ".join(query_words(q))


def body_only_folder(work: Path, docs: list[dict[str, str]]) -> Path:
    """The TIME texts as .json articles with an empty headline, under work/time-bodyonly (written once)."""
    body_only = work / "time-bodyonly"
    if not (body_only / ".done").exists():
        body_only.mkdir(parents=True, exist_ok=True)
        for d in docs:
            (body_only / f"{d['text_id']}.json").write_text(json.dumps({"headline": "", "body": d["text"]}))
        (body_only / ".done").write_text("ok")
    return body_only


System = tuple[Any, Callable[[str], str], dict[str, float] | None] | tuple[Any, Callable[[str], str], None, int | None]


def build_systems(work: Path, docs: list[dict[str, str]], stops: set[str], folder: Path,
                  body_only: Path) -> dict[str, System]:
    """Index folder (and body_only) for each system; name -> (system, query rewrite, field weights or None[,
    engine.LONG_QUERY]).

    The weights override are diagnostics: they change the field registry's weights in this process only
    (fields.weighted), to show what others would score; so is a LONG_QUERY given, to show the rule before.
    """
    from search.index import fields

    ours = Ours(folder, work / "idx" / "time-ours")
    ours_body = Ours(body_only, work / "idx" / "time-ours-bodyonly")
    base = Baseline(docs, work / "idx" / "time-bm25", stops)
    base_stem = Baseline(docs, work / "idx" / "time-bm25-stem", stops, stem=True)
    return {
        "ours, as typed (any word from 4 words; shorter: all, relaxed below 3 hits)": (ours, lambda q: q.lower(), None),
        "ours, as typed, the rule before (all words, relaxed to any word below 3 hits)": (
            ours, lambda q: q.lower(), None, None),
        "ours, words joined by OR": (ours, or_words, None),
        "ours, OR, TIME.STP stop words removed from the query": (ours, lambda q: " OR ".join(query_words(q, stops)),
                                                                 None),
        "ours, OR, body-only index (no headline field)": (ours_body, or_words, None),
        "ours, OR, body-only, stop words removed": (ours_body, lambda q: " OR ".join(query_words(q, stops)), None),
        "diagnostic: ours, OR, headline weight 2 (not 4)": (ours, or_words, {"headline": 2.0}),
        "diagnostic: ours, OR, headline weight 1 (not 4)": (ours, or_words, {"headline": 1.0}),
        "diagnostic: ours, OR, every field weight 1": (ours, or_words, dict.fromkeys(fields.default_fields(), 1.0)),
        "diagnostic: ours, OR, body field only (weights headline 0 ...)": (
            ours, or_words, {**dict.fromkeys(fields.default_fields(), 0.0), "body": 1.0}),
        "baseline BM25 (k1=1.2 b=0.75, TIME.STP, no stemming, OR)": (base, lambda q: q, None),
        "baseline BM25 + Porter stemming (diagnostic)": (base_stem, lambda q: q, None),
    }


def run_systems(systems: dict[str, System], queries: dict[str, str],
                qrels: dict[str, set[str]]) -> tuple[dict[str, Any], dict[str, int]]:
    """Every query through every system: (name -> evaluate(...), name -> number of relaxed queries)."""
    from search.engine import engine
    from search.index import fields

    results: dict[str, Any] = {}
    relaxed_count: dict[str, int] = {}
    default = engine.LONG_QUERY
    for name, (system, rewrite, weights, *rule) in systems.items():
        runs, relaxed = {}, 0
        engine.LONG_QUERY = rule[0] if rule else default
        try:
            with fields.weighted(weights or {}):
                for qid, q in queries.items():
                    runs[qid], was_relaxed = system.rank(rewrite(q))
                    relaxed += was_relaxed
        finally:
            engine.LONG_QUERY = default
        results[name] = evaluate(runs, qrels)
        relaxed_count[name] = relaxed
    return results, relaxed_count


def print_table(results: dict[str, Any], relaxed_count: dict[str, int]) -> None:
    """One row of MAP, nDCG@10, P@10, recall and relaxed queries per system."""
    print("| system | MAP | nDCG@10 | P@10 | recall@1000 | relaxed queries |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['map']:.3f} | {r['ndcg10']:.3f} | {r['p10']:.3f} | {r['recall']:.3f} "
              f"| {relaxed_count[name] if 'ours' in name else ''} |")


def print_per_query(results: dict[str, Any], queries: dict[str, str], per_query: bool) -> None:
    """Ours OR against the baseline query by query: wins and losses, the largest differences, all if asked."""
    names = list(results)
    base_name = next(n for n in names if n.startswith("baseline BM25 (k1"))
    or_name = next(n for n in names if n.startswith("ours, words joined by OR"))
    a, b = results[or_name]["per_query"], results[base_name]["per_query"]
    wins = sum(1 for q in a if a[q]["ap"] > b[q]["ap"] + 1e-9)
    losses = sum(1 for q in a if a[q]["ap"] < b[q]["ap"] - 1e-9)
    print(f"\nours OR vs baseline, per query AP: {wins} wins, {losses} losses, {len(a) - wins - losses} ties")
    diffs = sorted(a, key=lambda q: a[q]["ap"] - b[q]["ap"])
    print("\n| query | ours OR AP | baseline AP | query text |\n|---|---:|---:|---|")
    for qid in diffs[:8] + diffs[-5:]:
        print(f"| {qid} | {a[qid]['ap']:.3f} | {b[qid]['ap']:.3f} | {queries[qid][:90]} |")
    if per_query:
        t, before = results[names[0]]["per_query"], results[names[1]]["per_query"]
        print("\n| query | as typed | as typed, rule before | OR | baseline |\n|---|---:|---:|---:|---:|")
        for qid in queries:
            print(f"| {qid} | {t[qid]['ap']:.3f} | {before[qid]['ap']:.3f} | {a[qid]['ap']:.3f} | {b[qid]['ap']:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description="TIME collection: MAP and nDCG@10 of ours vs plain BM25")
    ap.add_argument("--work", type=Path, default=corpora.DEFAULT_WORK)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--per-query", action="store_true", help="print per-query AP of the main runs")
    args = ap.parse_args()

    queries, qrels, stops = load_queries(), load_qrels(), stopwords()
    docs = list(corpora.read_jsonl(TIME / "derived" / "docs.jsonl"))
    folder, body_only = corpora.time_docs(args.work), body_only_folder(args.work, docs)
    t0 = time.perf_counter()
    systems = build_systems(args.work, docs, stops, folder, body_only)
    results, relaxed_count = run_systems(systems, queries, qrels)
    elapsed = time.perf_counter() - t0

    print(f"TIME collection: {len(docs)} documents, {len(queries)} queries, "
          f"{sum(len(v) for v in qrels.values())} relevance judgments ({elapsed:.1f} s)\n")
    print_table(results, relaxed_count)
    print_per_query(results, queries, args.per_query)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "relaxed": relaxed_count}, indent=1))


if __name__ == "__main__":
    main()
