"""Score search.quotes.extract_quotes on PolNeAR (brat standoff attribution spans).

Gold = Content spans that contain a quotation mark (direct or mixed quotes); one annotator per article
(the first .ann file in sorted order). Never run on polnear/test while developing.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.quotes.extract import PRONOUNS, extract_quotes, normalise_source  # noqa: E402

QUOTE_MARKS = ("\u201c", "\u201d", '"')
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Relation:
    """One gold attribution: its content span and (optionally) its source span."""

    content: tuple[int, int]
    source: tuple[int, int] | None
    source_text: str = ""


@dataclass
class Doc:
    """One article: its full text, every gold Content span and the quoted relations."""

    name: str
    text: str
    contents: list[tuple[int, int]] = field(default_factory=list)
    quoted: list[Relation] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)  # every relation, quoted or not


def load_doc(text_path: Path, ann_path: Path) -> Doc:
    """Parse one brat .ann file (by offsets: some span texts contain newlines)."""
    text = text_path.read_text(encoding="utf-8")
    spans: dict[str, tuple[str, int, int]] = {}
    events: list[dict[str, str]] = []
    for line in ann_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            m = re.match(r"(T\d+)\t(\S+) (\d+) (\d+)", line)
            if m:
                spans[m[1]] = (m[2], int(m[3]), int(m[4]))
        elif line.startswith("E"):
            parts = line.split("\t")[1].split()
            events.append(dict(p.split(":", 1) for p in parts if ":" in p))
    doc = Doc(text_path.stem, text)
    doc.contents = [(s, e) for kind, s, e in spans.values() if kind == "Content"]
    for ev in events:
        c = spans.get(ev.get("Content", ""))
        if not c:
            continue
        src = spans.get(ev.get("Source", ""))
        rel = Relation((c[1], c[2]), (src[1], src[2]) if src else None)
        if src:
            rel.source_text = text[src[1] : src[2]]
        doc.relations.append(rel)
        if any(q in text[c[1] : c[2]] for q in QUOTE_MARKS):
            doc.quoted.append(rel)
    return doc


def load_split(data: Path, split: str) -> list[Doc]:
    """One Doc per text file, using the first annotator's .ann (sorted by name)."""
    root = data / "polnear" / split
    anns: dict[str, Path] = {}
    for ann in sorted((root / "attributions").glob("*.ann")):
        anns.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    return [load_doc(t, anns[t.stem]) for t in sorted((root / "text").glob("*.txt")) if t.stem in anns]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when two half-open character spans share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


def same_source(ours: str | None, gold_text: str) -> bool:
    """Our normalised source names the gold source: equal, or a gold surname alone ("Trump") matching ours."""
    gold = normalise_source(gold_text)
    if not ours or not gold:
        return False
    return ours == gold or (" " not in gold and gold[:1].isupper() and ours.split()[-1] == gold)


def score(docs: list[Doc], show: str = "") -> dict[str, float]:
    """Quote P/R/F1 by span overlap, source and name accuracy over matched pairs; indirect precision."""
    n_pred = n_pred_ok = n_gold = n_gold_hit = 0
    n_src = n_src_ok = n_pron = n_pron_ok = 0
    n_ind = n_ind_ok = n_ind_src = 0
    seconds = 0.0
    for doc in docs:
        t0 = time.perf_counter()
        found = extract_quotes(doc.text)
        seconds += time.perf_counter() - t0
        preds = [q for q in found if q.kind == "direct"]
        for q in found:
            if q.kind != "indirect":
                continue
            n_ind += 1
            rels = [r for r in doc.relations if overlaps((q.start, q.end), r.content)]
            n_ind_ok += bool(rels)
            src_ok = any(
                r.source
                and (overlaps((q.source_start, q.source_end), r.source) or same_source(q.source, r.source_text))
                for r in rels
            )
            n_ind_src += src_ok
            if show == "ind" and not src_ok:
                print(f"IND {doc.name}: {q.source_mention!r}->{q.source!r} {q.cue} | {q.text[:100]!r}")
        for q in preds:
            n_pred += 1
            if any(overlaps((q.start, q.end), c) for c in doc.contents):
                n_pred_ok += 1
            elif show == "fp":
                print(f"FP {doc.name}: {doc.text[q.start : q.end][:150]!r} src={q.source!r}")
        for rel in doc.quoted:
            n_gold += 1
            hits = [q for q in preds if overlaps((q.start, q.end), rel.content)]
            if not hits:
                if show == "fn":
                    print(f"FN {doc.name}: {doc.text[rel.content[0] : rel.content[1]][:150]!r}")
                continue
            n_gold_hit += 1
            if rel.source is None:
                continue
            n_src += 1
            q = hits[0]
            ok = (q.source_start >= 0 and overlaps((q.source_start, q.source_end), rel.source)) or same_source(
                q.source, rel.source_text
            )
            n_src_ok += ok
            if not ok and show == "src":
                print(
                    f"SRC {doc.name}: gold={rel.source_text!r} ours={q.source_mention!r}->{q.source!r}"
                    f" | {doc.text[q.start : q.end][:80]!r}"
                )
            if rel.source_text.lower() in PRONOUNS:
                n_pron += 1
                n_pron_ok += bool(q.source) and q.source.lower() not in PRONOUNS
    p = n_pred_ok / n_pred if n_pred else 0.0
    r = n_gold_hit / n_gold if n_gold else 0.0
    return {
        "docs": len(docs),
        "gold": n_gold,
        "pred": n_pred,
        "P": p,
        "R": r,
        "F1": 2 * p * r / (p + r) if p + r else 0.0,
        "src_n": n_src,
        "src_acc": n_src_ok / n_src if n_src else 0.0,
        "pron_n": n_pron,
        "name_acc": n_pron_ok / n_pron if n_pron else 0.0,
        "ind_n": n_ind,
        "ind_P": n_ind_ok / n_ind if n_ind else 0.0,
        "ind_src": n_ind_src / n_ind if n_ind else 0.0,
        "ms_per_doc": 1000 * seconds / max(len(docs), 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Print a P/R/F1/source-accuracy table for the requested splits."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", choices=["train", "dev"], action="append")
    ap.add_argument("--show", choices=["fp", "fn", "src", "ind"], default="", help="print errors of one class")
    args = ap.parse_args(argv)
    splits = args.split or ["train", "dev"]
    rows = [(s, score(load_split(args.data, s), args.show)) for s in splits]
    head = f"{'split':6} {'docs':>5} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}"
    head += f" {'src_n':>6} {'src_acc':>7} {'pron_n':>6} {'name_acc':>8} {'ind_n':>6} {'ind_P':>6} {'ind_src':>7}"
    head += f" {'ms/doc':>7}"
    print(head)
    for split, m in rows:
        print(
            f"{split:6} {m['docs']:>5} {m['gold']:>5} {m['pred']:>5} {m['P']:>6.3f} {m['R']:>6.3f}"
            f" {m['F1']:>6.3f} {m['src_n']:>6} {m['src_acc']:>7.3f} {m['pron_n']:>6} {m['name_acc']:>8.3f}"
            f" {m['ind_n']:>6} {m['ind_P']:>6.3f} {m['ind_src']:>7.3f}"
            f" {m['ms_per_doc']:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
