"""Export throughput and memory, and deep paging by cursor, over a 100,000+ match set.

Phases, each in a fresh interpreter (clean timings and memory):
- export: Engine.export of a query's every match as CSV and as JSON Lines, written to /dev/null: rows/s (wall and
  CPU), the time to the first row (matching and ordering every match), and memory: peak RSS over the process's
  RSS after opening the index (VmHWM, reset), and the peak of Python's own allocations (tracemalloc, in a second
  pass) after 10%, 50% and 100% of the rows, which stays flat if no list of rows is kept;
- http: /api/search.csv and .jsonl streamed by a real `newsearch serve` (one worker) to a client reading 64 KB at a
  time: rows/s, and the worker's peak RSS over its RSS before the export;
- cursors: the same match set walked by `next` cursors, page_size 100, in each order (relevance, newest, oldest):
  every id once (checked), ms per page (CPU, p50/p95) at the start and past 100,000, against page-number paging of
  the first 10,000 (the most it reaches);
- alerts: an alert on the same query: its first check in a fresh process (the baseline: every match marked seen),
  a check on the index it last checked (no search), one as after a reindex (every match's id read and looked up in
  the ledger), and the ledger's size (writes the index folder's alerts.sqlite).

    python bench/export_bench.py --index /tmp/nbf/idx/120k/ours --query said --skip alerts
    python bench/export_bench.py --index /tmp/exports/120k --build /tmp/nbf/synth-120000   # build it first
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure  # noqa: E402 - bench/ sibling module
from measure import clocks, latency_stats, reset_peak, vm  # noqa: E402 - bench/ sibling module


def _engine(index: str) -> Any:
    from search import Engine, Settings

    return Engine(Settings.from_env(index=index), time_limit=60.0)


def phase_export(index: str, query: str, sort: str) -> dict[str, Any]:
    from search import SearchRequest

    engine = _engine(index)
    engine.count()  # the index open: the base memory
    base, reset = vm("VmRSS"), reset_peak()
    out: dict[str, Any] = {"query": query, "sort": sort}
    for fmt in ("csv", "jsonl"):
        (w0, c0) = clocks()
        found = engine.export(SearchRequest.build(q=query, sort=sort))
        first = clocks()[0] - w0
        rows = 0
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for text in found.lines(fmt):
                sink.write(text)
                rows += text.count("\n")
        w1, c1 = clocks()
        rows -= fmt == "csv"  # the header
        out[fmt] = {"rows": rows, "total": found.total, "first_row_ms": round(first, 1),
                    "wall_s": round((w1 - w0) / 1000, 2), "rows_per_s": round(rows / ((w1 - w0) / 1000)),
                    "cpu_rows_per_s": round(rows / ((c1 - c0) / 1000))}
    out["rss_base_mb"] = round(base / 2**20, 1)
    out["rss_peak_delta_mb"] = round((vm("VmHWM") - base) / 2**20, 1) if reset else None
    out["python_peak_mb"] = _python_peaks(engine, query, sort)
    return out


def _python_peaks(engine: Any, query: str, sort: str) -> dict[str, float]:
    """tracemalloc's peak of Python allocations after 10%, 50% and 100% of a JSON Lines export's rows."""
    from search import SearchRequest

    found = engine.export(SearchRequest.build(q=query, sort=sort))
    marks = {round(found.total * f): f"{int(f * 100)}%" for f in (0.1, 0.5, 1.0)}
    peaks: dict[str, float] = {}
    tracemalloc.start()
    rows = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for chunk in found.rows():
            sink.write("".join(json.dumps(r) + "\n" for r in chunk))
            before, rows = rows, rows + len(chunk)
            for mark, name in marks.items():
                if before < mark <= rows:
                    peaks[name] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    return peaks


def phase_cursors(index: str, query: str, sort: str, page_size: int) -> dict[str, Any]:
    from search import SearchRequest

    engine = _engine(index)
    engine.count()
    ids: list[str] = []
    cpu: list[float] = []
    cursor = ""
    while True:
        c0 = time.process_time()
        r = engine.search(SearchRequest.build(q=query, sort=sort, page_size=page_size, cursor=cursor))
        cpu.append((time.process_time() - c0) * 1000)
        ids += [h.id for h in r.results]
        if not r.next:
            break
        cursor = r.next
    paged = []
    for page in range(1, 10_000 // page_size + 1):
        c0 = time.process_time()
        engine.search(SearchRequest.build(q=query, sort=sort, page_size=page_size, page=page))
        paged.append((time.process_time() - c0) * 1000)
    window, deep = 10_000 // page_size, 100_000 // page_size
    return {"query": query, "sort": sort, "total": r.total, "visited": len(ids), "distinct": len(set(ids)),
            "pages": len(cpu), "cursor_ms_first_10k": latency_stats(cpu[:window]),
            "cursor_ms_past_100k": latency_stats(cpu[deep:]) if len(cpu) > deep else None,
            "cursor_ms_all": latency_stats(cpu), "page_number_ms_first_10k": latency_stats(paged),
            "walk_cpu_s": round(sum(cpu) / 1000, 1)}


def phase_http(index: str, query: str) -> dict[str, Any]:
    from slow_clients import start_serve

    log = Path(f"/tmp/export-bench-serve-{os.getpid()}.log")
    proc = start_serve(Path(index), Path(index) / "no-corpus", log, workers=1)
    try:
        worker = _worker_pid(log)
        out: dict[str, Any] = {"query": query}
        for fmt in ("csv", "jsonl"):
            status = Path(f"/proc/{worker}/status")
            base = vm("VmRSS", status)
            Path(f"/proc/{worker}/clear_refs").write_text("5")
            t0 = time.perf_counter()
            rows, size = 0, 0
            url = f"http://127.0.0.1:{proc.port}/api/search.{fmt}?" + urllib.parse.urlencode({"q": query})
            with urllib.request.urlopen(url, timeout=600) as r:
                total = int(r.headers["X-Total-Count"])
                while block := r.read(65536):
                    rows += block.count(b"\n")
                    size += len(block)
            wall = time.perf_counter() - t0
            rows -= fmt == "csv"
            out[fmt] = {"rows": rows, "total": total, "mb": round(size / 2**20, 1), "wall_s": round(wall, 2),
                        "rows_per_s": round(rows / wall),
                        "worker_rss_peak_delta_mb": round((vm("VmHWM", status) - base) / 2**20, 1)}
        return out
    finally:
        proc.stop()


def phase_alerts(index: str, query: str) -> dict[str, Any]:
    """An alert on the query: its first check (every match marked seen, its baseline) and a check that finds
    nothing new, what every indexing run then pays for it; the ledger's size. Writes alerts.sqlite in the index
    folder (and removes the alert after)."""
    from datetime import UTC, datetime

    from search import Engine, Settings
    from search.alerts import AlertStore, run_alerts
    from search.alerts.run import run_one

    settings, store, name = Settings.from_env(index=index), AlertStore(Path(index)), "export-bench"
    with store.locked():
        if any(a.name == name for a in store.alerts()):
            store.remove(name)
        store.add(name, {"q": query}, None, None, datetime.now(UTC).isoformat(timespec="seconds"))
    w0, c0 = clocks()
    first = run_alerts(settings, [name])[0]  # a fresh process and Engine, as after `newsearch index`
    w1, c1 = clocks()
    same = run_alerts(settings, [name])[0]  # the index has not changed since: no search
    w2, c2 = clocks()
    engine = Engine(settings)  # the index changed (as far as the check knows): every match looked at again
    changed = run_one(store, engine, store.alert(name), datetime.now(UTC), index=None)
    w3, c3 = clocks()
    size = store.path.stat().st_size + sum(p.stat().st_size for p in store.path.parent.glob(store.path.name + "-*"))
    with store.locked():
        store.remove(name)
    return {"query": query, "baseline": first.baseline, "baseline_s": round((w1 - w0) / 1000, 2),
            "unchanged_check_s": round((w2 - w1) / 1000, 3), "changed_check_s": round((w3 - w2) / 1000, 2),
            "changed_check_cpu_s": round((c3 - c2) / 1000, 2), "new_in_checks": same.articles + changed.articles,
            "ledger_mb": round(size / 2**20, 1)}


def _worker_pid(log: Path) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if "Booting worker with pid:" in line:
                return int(line.rsplit(":", 1)[1])
        time.sleep(0.2)
    raise SystemExit("no worker started")


def run_phase(*argv: str) -> dict[str, Any]:
    """Run one phase of this script in a fresh interpreter (measure.run_phase)."""
    return measure.run_phase(__file__, *argv)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="the index folder (read only unless --build)")
    ap.add_argument("--build", type=Path, help="build the index from this corpus first (newsearch index --full)")
    ap.add_argument("--query", default="", help="the search exported and walked (default: every article)")
    ap.add_argument("--sorts", default="relevance,newest,oldest")
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--skip", default="", help="phases to leave out: export,http,cursors,alerts (alerts writes the "
                    "index folder's alerts.sqlite: leave it out on a read-only index)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        name, *rest = args.phase
        fn = {"export": phase_export, "cursors": phase_cursors, "http": phase_http, "alerts": phase_alerts}[name]
        print(json.dumps(fn(*[int(x) if x.isdigit() else x for x in rest])))
        return
    if not args.index:
        ap.error("--index is required")
    if args.build:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "search", "--index", args.index, "--corpus", str(args.build), "index",
                        "--full"], cwd=ROOT, check=True)
        print(f"built in {time.perf_counter() - t0:.0f}s")
    sorts = args.sorts.split(",")
    skip = set(args.skip.split(","))
    results: dict[str, Any] = {"query": args.query, "index": args.index, "cores": os.cpu_count(),
                               "date": time.strftime("%Y-%m-%d")}
    if "export" not in skip:
        results["export"] = [run_phase("export", args.index, args.query, s) for s in sorts]
    if "http" not in skip:
        results["http"] = run_phase("http", args.index, args.query)
    if "cursors" not in skip:
        results["cursors"] = [run_phase("cursors", args.index, args.query, s, str(args.page_size)) for s in sorts]
    if "alerts" not in skip:
        results["alerts"] = run_phase("alerts", args.index, args.query)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    _summary(results)


def _summary(results: dict[str, Any]) -> None:
    for e in results.get("export", []):
        print(f"export {e['sort']:9} csv {e['csv']['rows_per_s']:>7,} rows/s  jsonl {e['jsonl']['rows_per_s']:>7,} "
              f"rows/s  first row {e['csv']['first_row_ms']} ms  peak RSS +{e['rss_peak_delta_mb']} MB  "
              f"python {e['python_peak_mb']}")
    if "http" in results:
        h = results["http"]
        print(f"http csv {h['csv']['rows_per_s']:,} rows/s (+{h['csv']['worker_rss_peak_delta_mb']} MB)  jsonl "
              f"{h['jsonl']['rows_per_s']:,} rows/s (+{h['jsonl']['worker_rss_peak_delta_mb']} MB)")
    for c in results.get("cursors", []):
        past = c["cursor_ms_past_100k"]
        print(f"cursors {c['sort']:9} {c['visited']:,}/{c['total']:,} visited, {c['distinct']:,} distinct, "
              f"{c['pages']} pages; ms/page p50 first 10k {c['cursor_ms_first_10k']['p50']} past 100k "
              f"{past['p50'] if past else '-'}; page numbers {c['page_number_ms_first_10k']['p50']}")
    if "alerts" in results:
        a = results["alerts"]
        print(f"alert: baseline of {a['baseline']:,} in {a['baseline_s']} s; a check on the same index "
              f"{a['unchanged_check_s']} s, on a changed one {a['changed_check_s']} s; ledger {a['ledger_mb']} MB")


if __name__ == "__main__":
    main()
