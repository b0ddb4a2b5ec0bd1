"""What the query phases of bench/search_bench.py measure, shared by every system (ours, naive, fts5.py).

Latency percentiles, and the process's resident memory from /proc/self/status: each phase runs in a fresh
process, takes its RSS after its imports as the base, resets the peak (VmHWM) and reads the peak at the end.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def vm(key: str, status: Path = Path("/proc/self/status")) -> int:
    """A /proc/<pid>/status value in bytes (VmRSS, VmHWM): this process's, or that of the `status` file given."""
    for line in status.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def clocks() -> tuple[float, float]:
    """Wall clock and this process's CPU time, in ms: a query's CPU time leaves out the time the process waited
    for a core, which on a shared 2-core machine is most of the noise."""
    return time.perf_counter() * 1000, time.process_time() * 1000


def latency_stats(lat: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / mean / max of latencies in ms (nearest rank)."""
    lat = sorted(lat)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))], 2)

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "mean": round(statistics.fmean(lat), 2),
            "max": round(lat[-1], 2)}


def query_result(lat: list[float], kinds: list[str], base: int, reset: bool, open_ms: float, totals: list[int],
                 snippets: int, cpu: list[float], **extra: Any) -> dict[str, Any]:
    """A query phase's result: latencies (wall, and CPU under "cpu") overall and by query kind, memory, totals
    (per query, in mix order)."""
    peak = vm("VmHWM")
    anon, mapped = vm("RssAnon"), vm("RssFile")  # at the end: heap vs file pages (Whoosh mmaps the index)
    by_kind = {k: latency_stats([x for x, kk in zip(lat, kinds, strict=True) if kk == k]) for k in dict.fromkeys(kinds)}
    return {**latency_stats(lat), "queries": len(lat), "open_ms": round(open_ms, 1), "rss_base": base,
            "rss_peak": peak, "rss_delta": peak - base if reset else None, "peak_reset": reset,
            "rss_anon_end": anon, "rss_file_end": mapped, "zero_hits": sum(1 for t in totals if t == 0),
            "median_total": statistics.median(totals), "snippets": snippets, "by_kind": by_kind,
            "cpu": latency_stats(cpu), "totals": totals, **extra}


def run_phase(script: str, *argv: str) -> dict[str, Any]:
    """Run one phase of a bench script (`script --phase ...`) in a fresh interpreter, from the repository root;
    its result is the last line of its stdout (JSON)."""
    cmd = [sys.executable, str(Path(script).resolve()), "--phase", *argv]
    print("  $", " ".join(cmd[2:]), flush=True)
    proc = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"phase {argv[0]} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])
