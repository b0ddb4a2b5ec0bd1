"""Performance benchmark: newsearch (Indexer + Engine) beside a naive Whoosh baseline and SQLite FTS5.

For each corpus size it measures, in one run:
- index build rate (docs/s, wall clock, reading and parsing the files included) and index size on disk;
- query latency p50/p95/p99 over a fixed, seeded mix of queries (single words, two and three words, phrases,
  OR, NOT, headline:word, with section and date filters), each returning a page of 10 with highlighted
  snippets (ours: Engine.search, which also counts the total and the facets on every query);
- peak memory (RSS) of the process holding the searcher, compared with the index size.
Each build and each query phase runs in a fresh subprocess of this script, so times and RSS are clean.

The naive baseline: one `ix.writer()` with default settings, StemmingAnalyzer, schema headline + body TEXT
(stored) + id; its own simple reader of the files; at query time a new searcher per query,
MultifieldParser over headline+body (the same query strings: the mix only uses syntax both parse alike),
`search(q, limit=10)` and `hit.highlights("body")` for each hit. It IGNORES the section/date filters and
computes no facets and no total (so it does strictly less work per query than ours).

The embedded-engine reference, SQLite FTS5 (fts5.py): headline + body with section and published as unindexed
columns; each query in FTS5's syntax with the filters as WHERE clauses, the top 10 by bm25() with highlight()
and snippet(), and the exact total by count(*) (facets aside, ours' work); its totals are compared with ours'.
`--systems` picks which of ours, naive, fts5 run (default: all three).

Sizes: bbc (the BBC folder as is, 2,225 .txt files), reuters (Reuters-21578 converted to 22 JSONL files,
20,841 articles), 120k and 1m (synthetic, see corpora.py). Corpora and indexes go under --work.
The query mix is drawn by query_mix.py (make_mix, importable from here too).

    python bench/search_bench.py --sizes bbc,reuters,120k --json /tmp/newsearch-bench/results.json
    python bench/search_bench.py --sizes 120k --reuse --profile     # cProfile of queries + a 5,000-doc build
    python bench/search_bench.py --sizes reuters --systems ours,fts5
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402 - bench/ sibling module
import fts5  # noqa: E402 - bench/ sibling module
import measure  # noqa: E402 - bench/ sibling module
from measure import clocks, query_result, reset_peak, vm  # noqa: E402 - bench/ sibling module
from query_mix import make_mix  # noqa: E402 - bench/ sibling module; importable from here as before

SIZES = {"bbc": None, "reuters": None, "120k": 120_000, "1m": 1_000_000}
SYSTEMS = ("ours", "naive", "fts5")
WARMUP = 20  # queries run before the measured mix (not measured), after the searcher is open


# -- corpora ------------------------------------------------------------------------------------------
def prepare(size: str, work: Path) -> Path:
    """The folder of a corpus size, generated under work if needed."""
    if size == "bbc":
        return corpora.DATA / "bbc"
    if size == "reuters":
        return corpora.reuters_jsonl(work)
    return corpora.synthetic_jsonl(work, SIZES[size])


def du(path: Path) -> int:
    """Bytes of the files under path."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


# -- phases (each in its own subprocess; FTS5's are in fts5.py) ---------------------------------------
def phase_build_ours(corpus: Path, index: Path, workers: int | None = None) -> dict[str, Any]:
    from search.config import Settings
    from search.index.indexer import Indexer

    shutil.rmtree(index, ignore_errors=True)
    settings = Settings.from_env(index=index, corpus=corpus)
    t0 = time.perf_counter()
    report = Indexer(settings, workers=workers).run([corpus], full=True)
    secs = time.perf_counter() - t0
    return {"docs": report.articles, "seconds": round(secs, 2), "docs_per_s": round(report.articles / secs, 1),
            "failed": len(report.failed), "index_bytes": du(index)}


def naive_schema():
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    return Schema(id=ID(stored=True, unique=True), headline=TEXT(stored=True, analyzer=StemmingAnalyzer()),
                  body=TEXT(stored=True, analyzer=StemmingAnalyzer()))


def phase_build_naive(corpus: Path, index: Path) -> dict[str, Any]:
    from whoosh import index as wi

    shutil.rmtree(index, ignore_errors=True)
    index.mkdir(parents=True)
    t0 = time.perf_counter()
    ix = wi.create_in(str(index), naive_schema())
    writer = ix.writer()
    n = 0
    for n, rec in enumerate(corpora.iter_records(corpus), start=1):
        writer.add_document(id=str(n), headline=rec.get("headline") or "", body=rec.get("body") or "")
    writer.commit()
    secs = time.perf_counter() - t0
    return {"docs": n, "seconds": round(secs, 2), "docs_per_s": round(n / secs, 1), "failed": 0,
            "index_bytes": du(index)}


def phase_query_ours(index: Path, mix_file: Path, profile_out: Path | None = None) -> dict[str, Any]:
    from search.config import Settings
    from search.engine.engine import Engine
    from search.engine.results import SearchRequest

    mix = json.loads(mix_file.read_text())
    warm, mix = mix[:WARMUP], mix[WARMUP:]
    base = vm("VmRSS")
    reset = reset_peak()
    eng = Engine(Settings.from_env(index=index))
    t0 = time.perf_counter()
    eng.view()
    open_ms = (time.perf_counter() - t0) * 1000
    reqs = [SearchRequest.build(q=m["q"], section=m.get("section", ()), date_from=m.get("date_from"),
                                date_to=m.get("date_to"), page_size=10) for m in warm + mix]
    for r in reqs[:WARMUP]:
        eng.search(r)
    lat, cpu, kinds, totals, relaxed, snippets = [], [], [], [], [], 0
    prof = cProfile.Profile() if profile_out else None
    for m, r in zip(mix, reqs[WARMUP:], strict=True):
        if prof:
            prof.enable()
        t, c = clocks()
        res = eng.search(r)
        t_end, c_end = clocks()
        lat.append(t_end - t)
        cpu.append(c_end - c)
        if prof:
            prof.disable()
        kinds.append(m["kind"])
        totals.append(res.total)
        relaxed.append(res.relaxed)
        snippets += sum(1 for h in res.results if h.snippets)
    if prof:
        _dump_profile(prof, profile_out)
    return query_result(lat, kinds, base, reset, open_ms, totals, snippets, cpu, relaxed=relaxed)


def phase_query_naive(index: Path, mix_file: Path) -> dict[str, Any]:
    from whoosh import index as wi
    from whoosh.qparser import MultifieldParser

    mix = json.loads(mix_file.read_text())
    warm, mix = mix[:WARMUP], mix[WARMUP:]
    base = vm("VmRSS")
    reset = reset_peak()
    t0 = time.perf_counter()
    ix = wi.open_dir(str(index))
    parser = MultifieldParser(["headline", "body"], ix.schema)
    open_ms = (time.perf_counter() - t0) * 1000

    def one(q: str) -> tuple[int, int]:
        with ix.searcher() as s:
            results = s.search(parser.parse(q), limit=10)
            snips = [(hit["headline"], hit.highlights("body")) for hit in results]
            return results.scored_length(), sum(1 for _, sn in snips if sn)

    for m in warm:
        one(m["q"])
    lat, cpu, kinds, totals, snippets = [], [], [], [], 0
    for m in mix:
        t, c = clocks()
        found, snips = one(m["q"])
        t_end, c_end = clocks()
        lat.append(t_end - t)
        cpu.append(c_end - c)
        kinds.append(m["kind"])
        totals.append(found)
        snippets += snips
    return query_result(lat, kinds, base, reset, open_ms, totals, snippets, cpu)


def phase_profile_build(corpus: Path, index: Path, out: Path, n: int = 5000) -> dict[str, Any]:
    """cProfile of a full build of the first n records of a JSONL corpus, single process (workers=1)."""
    sub = index.parent / f"profile-corpus-{n}"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir(parents=True)
    records = []
    for rec in corpora.iter_records(corpus):
        records.append(rec)
        if len(records) >= n:
            break
    for k in range(0, len(records), 1000):
        corpora.write_jsonl(sub / f"part-{k // 1000:03d}.jsonl", records[k : k + 1000])
    prof = cProfile.Profile()
    prof.enable()
    res = phase_build_ours(sub, index, workers=1)
    prof.disable()
    _dump_profile(prof, out)
    return res


def _dump_profile(prof: cProfile.Profile, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(str(out.with_suffix(".pstats")))
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs()
    buf.write("=== by cumulative time ===\n")
    stats.sort_stats("cumulative").print_stats(30)
    buf.write("=== by total (own) time ===\n")
    stats.sort_stats("tottime").print_stats(30)
    out.write_text(buf.getvalue())


def run_phase(*argv: str) -> dict[str, Any]:
    """Run one phase of this script in a fresh interpreter (measure.run_phase)."""
    return measure.run_phase(__file__, *argv)


# -- driver ---------------------------------------------------------------------------------------------
def bench_size(size: str, args: argparse.Namespace) -> dict[str, Any]:
    work: Path = args.work
    t0 = time.perf_counter()
    folder = prepare(size, work)
    print(f"[{size}] corpus {folder} ({time.perf_counter() - t0:.0f} s to prepare)", flush=True)
    idx = work / "idx" / size
    out: dict[str, Any] = {"size": size, "corpus": str(folder), "corpus_bytes": du(folder)}
    mix_file = idx / "mix.json"
    idx.mkdir(parents=True, exist_ok=True)
    mix = make_mix(folder, args.queries + WARMUP)
    mix_file.write_text(json.dumps(mix, indent=0))
    out["mix"] = dict(Counter(m["kind"] for m in mix[WARMUP:]))
    systems = [s for s in args.systems if s != "naive" or size not in args.skip_naive_at]
    for system in systems:
        index = idx / system
        saved = idx / f"build-{system}.json"
        if args.reuse and saved.exists() and index.exists():
            build = json.loads(saved.read_text())
            build["reused"] = True
        else:
            build = run_phase(f"build-{system}", str(folder), str(index))
            saved.write_text(json.dumps(build))
        print(f"[{size}] {system} build: {build}", flush=True)
        query = run_phase(f"query-{system}", str(index), str(mix_file))
        print(f"[{size}] {system} queries: p50 {query['p50']} p95 {query['p95']} p99 {query['p99']} ms, "
              f"peak RSS +{(query['rss_delta'] or 0) / 2**20:.0f} MB", flush=True)
        out[system] = {"build": build, "query": query}
        if system == "naive" and args.delete_naive:
            shutil.rmtree(index, ignore_errors=True)
    if "ours" in out and "fts5" in out:
        o, f = out["ours"]["query"], out["fts5"]["query"]
        out["agreement"] = fts5.agreement([m["kind"] for m in mix[WARMUP:]], o["totals"], f["totals"], o["relaxed"])
        print(f"[{size}] ours/FTS5: p50 {o['p50'] / f['p50']:.2f}x, p95 {o['p95'] / f['p95']:.2f}x (CPU time: "
              f"{o['cpu']['p50'] / f['cpu']['p50']:.2f}x, {o['cpu']['p95'] / f['cpu']['p95']:.2f}x); totals equal "
              f"{sum(a['equal'] for a in out['agreement'].values())} of {len(o['totals'])}", flush=True)
    if args.profile and size == args.profile_size:
        prof_dir = work / "profiles"
        print(f"[{size}] profiling queries", flush=True)
        out["profile_query"] = run_phase("query-ours", str(idx / "ours"), str(mix_file),
                                         str(prof_dir / f"query-{size}.txt"))
    return out


def table(results: list[dict[str, Any]], skip_naive_at: set[str]) -> str:
    mb = 2**20
    rows = ["| corpus | docs | system | build docs/s | build s | index MB | open ms | p50 ms | p95 ms | p99 ms "
            "| mean ms | peak RSS MB (delta) | RSS / index |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for system in SYSTEMS:
            if system not in r:
                if system == "naive" and r["size"] in skip_naive_at:
                    rows.append(f"| {r['size']} | | naive | skipped (--skip-naive-at) | | | | | | | | | |")
                continue
            b, q = r[system]["build"], r[system]["query"]
            delta = q["rss_delta"] if q["rss_delta"] is not None else q["rss_peak"] - q["rss_base"]
            rows.append(
                f"| {r['size']} | {b['docs']:,} | {system} | {b['docs_per_s']:,.0f} | {b['seconds']:,.1f} "
                f"| {b['index_bytes'] / mb:,.1f} | {q['open_ms']:,.0f} | {q['p50']} | {q['p95']} | {q['p99']} "
                f"| {q['mean']} | {delta / mb:,.0f} | {delta / b['index_bytes']:.2f} |")
    return "\n".join(rows)


def kind_table(results: list[dict[str, Any]]) -> str:
    rows = ["| corpus | query kind | n | ours p50 | ours p95 | naive p50 | naive p95 | FTS5 p50 | FTS5 p95 |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        by = {s: r.get(s, {}).get("query", {}).get("by_kind", {}) for s in SYSTEMS}
        for k in r["mix"]:
            cells = [f"{by[s].get(k, {}).get(p, '–')}" for s in SYSTEMS for p in ("p50", "p95")]
            rows.append(f"| {r['size']} | {k} | {r['mix'][k]} | {' | '.join(cells)} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description="newsearch vs naive Whoosh: build rate, latency, memory")
    ap.add_argument("--sizes", default="bbc,reuters,120k", help="comma list of bbc,reuters,120k,1m")
    ap.add_argument("--systems", default=",".join(SYSTEMS), help="comma list of ours,naive,fts5 (default: all)")
    ap.add_argument("--skip-naive-at", default="1m", help="sizes without the naive baseline (default: 1m)")
    ap.add_argument("--queries", type=int, default=200, help="measured queries per system (plus 20 warm-up)")
    ap.add_argument("--work", type=Path, default=corpora.DEFAULT_WORK)
    ap.add_argument("--json", type=Path, help="write all results here")
    ap.add_argument("--reuse", action="store_true", help="reuse indexes built by an earlier run")
    ap.add_argument("--delete-naive", action="store_true", help="delete each naive index after measuring it")
    ap.add_argument("--profile", action="store_true", help="cProfile our queries at --profile-size and a 5k build")
    ap.add_argument("--profile-size", default="120k")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        name, *rest = args.phase
        paths = [Path(p) for p in rest]
        fn = {"build-ours": phase_build_ours, "build-naive": phase_build_naive, "query-ours": phase_query_ours,
              "query-naive": phase_query_naive, "profile-build": phase_profile_build,
              "build-fts5": fts5.phase_build, "query-fts5": fts5.phase_query}[name]
        print(json.dumps(fn(*paths)))
        return
    args.skip_naive_at = {s for s in args.skip_naive_at.split(",") if s}
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if not args.systems or set(args.systems) - set(SYSTEMS):
        raise SystemExit(f"--systems: choose from {', '.join(SYSTEMS)}")
    results = []
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        if size not in SIZES:
            raise SystemExit(f"unknown size {size!r}: choose from {', '.join(SIZES)}")
        results.append(bench_size(size, args))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    extra = {}
    if args.profile:
        print("[profile] 5,000-doc build of reuters, workers=1", flush=True)
        extra["profile_build"] = run_phase("profile-build", str(corpora.reuters_jsonl(args.work)),
                                           str(args.work / "idx" / "profile-build"),
                                           str(args.work / "profiles" / "build-5000.txt"))
    print(f"\nmachine: {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}\n")
    print(table(results, args.skip_naive_at))
    print()
    print(kind_table(results))
    if "fts5" in args.systems and "ours" in args.systems:
        print()
        print(fts5.ratio_table(results))
        print()
        print(fts5.agreement_table(results))
    if args.json:
        args.json.write_text(json.dumps({"results": results, **extra}, indent=1))
    if extra:
        print(json.dumps(extra))


if __name__ == "__main__":
    main()
