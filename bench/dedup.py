"""Near-duplicate clusters (search/index/dedup.py): precision and recall on a labelled sample, and the build cost.

Run from the repo root: `python bench/dedup.py [--work DIR] [--per-set 200] [--workers 2] [--review FILE]`.

The corpus (under --work, never in the repository: the data are for research only) is Reuters-21578 (20,841
records) and the BBC set (2,225), each record with a url naming where it came from, plus copies made of
`--per-set` originals of at least 40 words from each (seeded): for each original one copy per edit, each with an
outlet and url of its own:

- exact: the same headline and body;  reorder: two adjacent paragraphs swapped;  headline: a new headline (the
  lede's first words);  trim: the last paragraph dropped when it is at most a third of the words, else the last
  sentence;  byline: a byline paragraph at the top and a credit line at the end;  combo: headline + byline + trim.

The corpus is indexed with the real indexer twice in the same run, with near-duplicates (NEWSEARCH_DEDUP=1) and
without (0), each a full build in a fresh index, then once more with dedup after an incremental run that adds
copies later. The truth: each made copy is a duplicate of its original; records of the data with the same words
(headline and body, at least MIN_WORDS) are exact duplicates found in the data; other pairs were judged by eye
(bench/dedup_labels.json: record urls only, no text). Printed: recall per edit and for the data's exact copies,
precision over the pairs the clusters make (made, exact and eye-judged pairs; unjudged pairs listed in --review
for judging), then the same for other thresholds (signatures computed again in-process), and the build costs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpora import DEFAULT_WORK, bbc_records, read_jsonl, reuters_jsonl, write_jsonl  # noqa: E402
from search.index import dedup  # noqa: E402

EDITS = ("exact", "reorder", "headline", "trim", "byline", "combo")
LABELS = ROOT / "bench" / "dedup_labels.json"
SEED = 20261202
_WORD = re.compile(r"\w+")
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from search import Indexer, Settings
settings = Settings.from_env()
t0 = time.perf_counter()
report = Indexer(settings, workers=int(sys.argv[2])).run(full=sys.argv[3] == "full")
print(json.dumps({"secs": time.perf_counter() - t0, "articles": report.articles, "added": report.added}))
"""


def _words(r: dict) -> list[str]:
    return _WORD.findall(f"{r['headline']}\n{r['body']}".casefold())


def _edit(r: dict, kind: str, rng: random.Random, n: int) -> dict:
    paras = [p for p in r["body"].split("\n\n") if p.strip()]
    head, body = r["headline"], paras[:]
    if kind in ("reorder",) and len(body) >= 2:
        i = rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    if kind in ("headline", "combo"):
        head = " ".join(paras[0].split()[:10]).rstrip(",.;:")
    if kind in ("trim", "combo"):
        words = sum(len(p.split()) for p in body)
        if len(body) >= 2 and len(body[-1].split()) * 3 <= words:
            body = body[:-1]
        else:
            sentences = re.split(r"(?<=[.!?])\s+", body[-1])
            body[-1] = " ".join(sentences[:-1]) if len(sentences) > 1 else body[-1]
    if kind in ("byline", "combo"):
        body = [f"By Jane Doe, Copy Desk {n}"] + body + ["(Reporting by Jane Doe; editing by Sam Roe)"]
    return {"headline": head, "body": "\n\n".join(body), "published": r.get("published"),
            "url": f"https://copy{n}.example/{kind}/{r['url'].split('://')[1]}", "outlet": f"Copy Desk {n}"}


def make_corpus(work: Path, per_set: int) -> tuple[Path, list[tuple[str, str, str]], list[dict]]:
    """The corpus folder, the made pairs (original url, copy url, edit), and the later copies (incremental)."""
    folder = work / "dedup" / "corpus"
    rng = random.Random(SEED)
    reuters = []
    for f in sorted(reuters_jsonl(work).glob("*.jsonl")):
        for n, r in enumerate(read_jsonl(f)):
            reuters.append({**r, "url": f"https://reuters.example/{f.stem}/{n}", "outlet": "Reuters"})
    bbc = [{**r, "url": f"https://bbc.example/{r['section']}/{n}", "outlet": "BBC News"}
           for n, r in enumerate(bbc_records())]
    pairs, copies = [], []
    for records in (reuters, bbc):
        pool = [r for r in records if len(_words(r)) >= 40 and r["body"].count("\n\n") >= 1]
        for n, orig in enumerate(rng.sample(pool, per_set)):
            for kind in EDITS:
                copy = _edit(orig, kind, rng, n % 7)
                copies.append(copy)
                pairs.append((orig["url"], copy["url"], kind))
    pool = [r for r in reuters + bbc if len(_words(r)) >= 40]
    later = [_edit(orig, "byline", rng, 8) for orig in rng.sample(pool, 100)]
    if not (folder / ".done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(0, len(reuters), 2000):
            write_jsonl(folder / f"reuters-{i // 2000:02d}.jsonl", reuters[i:i + 2000])
        write_jsonl(folder / "bbc.jsonl", bbc)
        write_jsonl(folder / "copies.jsonl", copies)
        (folder / ".done").write_text("1")
    return folder, pairs, later


def build(corpus: Path, index: Path, workers: int, on: bool, full: bool = True) -> dict:
    """One indexing run in a fresh process (NEWSEARCH_DEDUP on or off); its time and counts."""
    env = {**os.environ, "NEWSEARCH_CORPUS": str(corpus), "NEWSEARCH_INDEX": str(index),
           "NEWSEARCH_DEDUP": "1" if on else "0"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(workers), "full" if full else "inc"],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def clusters_of(index: Path) -> tuple[dict[str, str], dict[str, dict]]:
    """url -> cluster id, and url -> the stored record (headline, body), of every article in an index."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str((index / "current").resolve()))
    label, text = {}, {}
    with ix.searcher() as s:
        for _, stored in s.reader().iter_docs():
            label[stored["url"]] = stored.get("cluster_f")
            text[stored["url"]] = {"headline": stored.get("headline") or "", "body": stored.get("body") or ""}
    return label, text


def truth(pairs: list[tuple[str, str, str]], text: dict[str, dict]) -> tuple[dict[str, int], set[frozenset]]:
    """url -> its true story (components of: made pairs, the data's exact copies, eye-judged duplicates), and the
    eye-judged pairs that are not duplicates."""
    parent: dict[str, str] = {}

    def find(u: str) -> str:
        while parent.setdefault(u, u) != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for a, b, _ in pairs:
        union(a, b)
    by_words: dict[str, list[str]] = defaultdict(list)
    for url, r in text.items():
        words = _words(r)
        if len(words) >= dedup.MIN_WORDS and "copy" not in url.split(".")[0]:
            by_words[" ".join(words)].append(url)
    for group in by_words.values():
        for u in group[1:]:
            union(group[0], u)
    judged = json.loads(LABELS.read_text()) if LABELS.exists() else {}
    negatives = set()
    for key, same in judged.items():
        a, b = key.split(" ")
        if same:
            union(a, b)
        else:
            negatives.add(frozenset((a, b)))
    roots = {u: find(u) for u in list(parent)}
    ids = {r: i for i, r in enumerate(sorted(set(roots.values())))}
    return {u: ids[r] for u, r in roots.items()}, negatives


def score(label: dict[str, str], pairs: list, story: dict[str, int], negatives: set, text: dict) -> dict:
    """Recall per edit and on the data's exact copies; pairwise precision over the clusters' pairs."""
    out: dict = {"recall": {}}
    for kind in EDITS:
        mine = [(a, b) for a, b, k in pairs if k == kind]
        out["recall"][kind] = sum(label[a] == label[b] for a, b in mine) / len(mine)
    made = {u for a, b, _ in pairs for u in (a, b)}
    exact = defaultdict(list)
    for url, s in story.items():
        if url not in made and url in label:
            exact[s].append(url)
    data_pairs = [(a, b) for g in exact.values() for a, b in itertools.combinations(g, 2)]
    out["recall"]["data (exact + judged)"] = (sum(label[a] == label[b] for a, b in data_pairs) / len(data_pairs)
                                              if data_pairs else None)
    out["data_pairs"] = len(data_pairs)
    groups = defaultdict(list)
    for url, c in label.items():
        groups[c].append(url)
    tp = fp = 0
    unknown = []
    for members in groups.values():
        for a, b in itertools.combinations(members, 2):
            if a in story and b in story and story[a] == story[b]:
                tp += 1
            elif frozenset((a, b)) in negatives:
                fp += 1
            else:
                unknown.append((a, b))
    judged = json.loads(LABELS.read_text()) if LABELS.exists() else {}
    grouped = {k: same for k, same in judged.items() if label.get(k.split()[0]) == label.get(k.split()[1])}
    out["judged"] = {"pairs": len(judged), "true": sum(judged.values()),
                     "recall": sum(grouped.values()) / max(1, sum(judged.values())),
                     "precision": sum(grouped.values()) / max(1, len(grouped))}
    out.update(tp=tp, fp=fp, unjudged=len(unknown), precision=tp / (tp + fp) if tp + fp else None,
               clusters=sum(len(m) > 1 for m in groups.values()), grouped=sum(len(m) for m in groups.values()
                                                                               if len(m) > 1))
    out["unknown"] = unknown
    return out


def sweep(text: dict[str, dict], order: list[str], pairs: list, story: dict, negatives: set) -> list[dict]:
    """The same scores with other thresholds: the clusters made again in-process, in the index's order."""
    t0 = time.process_time()
    sigs = {u: dedup.signature(text[u]["headline"], text[u]["body"]) for u in order}
    rows = [{"signatures_cpu_us_per_article": round((time.process_time() - t0) / len(order) * 1e6, 1)}]
    saved = dedup.THRESHOLD, dedup.NUMBERS_AGREE
    try:
        for threshold, numbers in itertools.product((0.4, 0.5, 0.6, 0.7), (0, 0.5, 0.67, 0.8)):
            dedup.THRESHOLD, dedup.NUMBERS_AGREE = threshold, numbers
            with tempfile.TemporaryDirectory() as tmp:
                table = dedup.Clusters(Path(tmp))
                t0 = time.process_time()
                label = {u: table.assign(u, sigs[u]) for u in order}
                spent = time.process_time() - t0
            s = score(label, pairs, story, negatives, text)
            rows.append({"threshold": threshold, "numbers_agree": numbers,
                         "assign_cpu_us_per_article": round(spent / len(order) * 1e6, 1),
                         **{k: v for k, v in s.items() if k != "unknown"}})
    finally:
        dedup.THRESHOLD, dedup.NUMBERS_AGREE = saved
    return rows


def review(path: Path, unknown: list[tuple[str, str]], text: dict, n: int = 80) -> None:
    """A sample of the clusters' unjudged pairs with their texts, to judge by eye into bench/dedup_labels.json."""
    rng = random.Random(SEED)
    with open(path, "w", encoding="utf-8") as f:
        for a, b in rng.sample(unknown, min(n, len(unknown))):
            ta, tb = text[a], text[b]
            ja, jb = set(_words(ta)), set(_words(tb))
            f.write(f"=== {a} {b}  word overlap {len(ja & jb) / len(ja | jb):.2f}\n"
                    f"A: {ta['headline']}\n{ta['body'][:700]}\n--\nB: {tb['headline']}\n{tb['body'][:700]}\n\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK)
    ap.add_argument("--per-set", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--review", type=Path, default=None, help="write unjudged pairs here, to judge by eye")
    args = ap.parse_args()
    corpus, pairs, later = make_corpus(args.work, args.per_set)
    base = args.work / "dedup"
    costs = {}
    for on in (True, False, True, False):  # alternated: the machine is shared and noisy
        costs.setdefault(on, []).append(build(corpus, base / f"index-{int(on)}-{len(costs.get(on, []))}",
                                              args.workers, on))
    index = base / "index-1-0"
    size = sum(p.stat().st_size for p in (index / "current").resolve().rglob("*") if p.is_file())
    table = sum(p.stat().st_size for p in ((index / "current").resolve() / dedup.DIR).rglob("*") if p.is_file())
    label, text = clusters_of(index)
    story, negatives = truth(pairs, text)
    result = score(label, pairs, story, negatives, text)
    if args.review:
        review(args.review, result["unknown"], text)
    print(json.dumps({"corpus": {"articles": len(text), "made pairs": len(pairs)},
                      "scores": {k: v for k, v in result.items() if k != "unknown"}}, indent=1))
    for row in sweep(text, list(label), pairs, story, negatives):
        print(json.dumps(row))
    t_on = [c["secs"] for c in costs[True]]
    t_off = [c["secs"] for c in costs[False]]
    print(json.dumps({"build_s_with": t_on, "build_s_without": t_off,
                      "ratio": round(min(t_on) / min(t_off), 3), "index_mb": round(size / 2**20, 1),
                      "dedup_table_mb": round(table / 2**20, 2)}))
    # an incremental run adding copies of indexed articles later: they must join their originals' clusters
    extra = corpus / "later.jsonl"
    write_jsonl(extra, later)
    try:
        t0 = time.perf_counter()
        inc = build(corpus, index, args.workers, True, full=False)
        label2, _ = clusters_of(index)
        joined = sum(label2[c["url"]] == label2[c["url"].replace("https://copy8.example/byline/", "https://")]
                     for c in later)
        print(json.dumps({"incremental": inc, "wall_s": round(time.perf_counter() - t0, 2),
                          "later copies": len(later), "joined their original": joined,
                          "labels of the others unchanged": all(label2[u] == c for u, c in label.items())}))
    finally:
        extra.unlink()


if __name__ == "__main__":
    main()
