"""Publication dates read from real pages against ground truth (fundus and readability-pages in ../shared/data).

Run from the repo root: `python bench/dates_eval.py [--data ../shared/data] [--baseline REV] [--failures]`.
Each page is read with `search.readers.read`, as the indexer does. The ground truth (fundus's per-publisher
`publishing_date`, readability's `publishedTime`, all ISO 8601; see each folder's SOURCE.md) is parsed here with
`datetime.fromisoformat`, not with the reader's own date code, so changing that code cannot move the yardstick.
`--baseline REV` also runs the pages through `search/dates.py` as of git revision REV (loaded as a separate
module and put in place of the readers' `parse_date`/`looks_like_date`), for a before/after table in one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.readers import html_meta, jsonfile, read, text  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from extraction import same_date  # noqa: E402 - the same rule as the extraction bench's date measure

DEFAULT_DATA = ROOT.parent / "shared" / "data"


def truth_date(value: object) -> datetime | None:
    """An ISO 8601 ground-truth value as a datetime (None when absent or not ISO)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def cases(data: Path) -> Iterator[tuple[str, Path, datetime, bool]]:
    """(set, page, true datetime, whether the truth carries a time of day) for every page with a known date."""
    fundus = data / "fundus"
    for line in (fundus / "derived" / "index.jsonl").read_text().splitlines():
        case = json.loads(line)
        page = fundus / case["html_file"]
        gt = json.loads((page.parent / f"{case['publisher']}.json").read_text())[case["parser_version"]]
        raw = gt.get("publishing_date")
        when = truth_date(raw)
        if when is not None:
            yield "fundus", page, when, "T" in raw or " " in raw.strip()
    for folder in sorted((data / "readability-pages" / "pages").iterdir()):
        meta = folder / "expected-metadata.json"
        if not meta.is_file():
            continue
        raw = json.loads(meta.read_text()).get("publishedTime")
        when = truth_date(raw)
        if when is not None:
            yield "readability", folder / "source.html.gz", when, "T" in raw or " " in raw.strip()


def _dates_path(rev: str) -> str:
    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", rev], check=True,
                           capture_output=True, text=True).stdout.split()
    return "search/dates.py" if "search/dates.py" in names else "search/readers/dates.py"


def evaluate(data: Path, failures: list[str] | None = None) -> dict[str, Counter]:
    """Counts per set: pages, dated (we gave a date), day (same date), timed (truth has a time), instant."""
    out: dict[str, Counter] = {}
    for name, page, gt, timed in cases(data):
        c = out.setdefault(name, Counter())
        result = read(page)
        ours = result.articles[0].published if result.articles else None
        day, instant = same_date(ours, gt)
        c["pages"] += 1
        c["dated"] += ours is not None
        c["day"] += day
        if timed:
            c["timed"] += 1
            c["instant"] += instant
        if failures is not None and not (day and (instant or not timed)):
            failures.append(f"{name} {page.parent.name}/{page.name}: ours {ours} truth {gt}")
    return out


def load_revision(rev: str):
    """search/dates.py (search/readers/dates.py before the stage packages) as of a git revision, as a module."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{_dates_path(rev)}"], check=True, capture_output=True
    ).stdout
    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(f"dates_at_{rev}", f.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def with_dates(module) -> None:
    """Make the readers use this module's parse_date/looks_like_date (bench only: compare two versions)."""
    for reader in (html_meta, jsonfile, text):
        reader.parse_date = module.parse_date
    text.looks_like_date = module.looks_like_date


def rows(label: str, counts: dict[str, Counter]) -> list[str]:
    """Markdown rows: share of pages with a date, with the right day, with the right instant."""

    def pct(c: Counter, k: str, of: str) -> str:
        return f"{100 * c[k] / c[of]:.1f}% ({c[k]}/{c[of]})" if c[of] else "n/a"

    return [
        f"| {name} | {label} | {pct(c, 'dated', 'pages')} | {pct(c, 'day', 'pages')} | {pct(c, 'instant', 'timed')} |"
        for name, c in counts.items()
    ]


def main(argv: list[str] | None = None) -> int:
    """Print one markdown table: the current readers, and the baseline revision when asked."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--baseline", help="also measure search/dates.py at this git revision (e.g. HEAD)")
    ap.add_argument("--failures", action="store_true", help="list pages whose date is wrong or missing on stderr")
    args = ap.parse_args(argv)
    if not (args.data / "fundus").is_dir() or not (args.data / "readability-pages").is_dir():
        print(f"no fundus/readability-pages data under {args.data}", file=sys.stderr)
        return 2
    table = ["| set | dates.py | a date given | same day | same instant (±1 min, truth with a time) |",
             "|---|---|---|---|---|"]
    fails: list[str] = []
    table += rows("working tree", evaluate(args.data, fails if args.failures else None))
    if args.baseline:
        current = (html_meta.parse_date, text.looks_like_date)
        with_dates(load_revision(args.baseline))
        base_fails: list[str] = []
        table += rows(args.baseline, evaluate(args.data, base_fails if args.failures else None))
        html_meta.parse_date = jsonfile.parse_date = text.parse_date = current[0]
        text.looks_like_date = current[1]
        if args.failures:
            fails += [f"[{args.baseline}] {f}" for f in base_fails]
    if args.failures:
        print("\n".join(fails), file=sys.stderr)
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
