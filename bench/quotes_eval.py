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

from search.articles import Quote  # noqa: E402
from search.quotes import PRONOUNS, extract_quotes, normalise_source  # noqa: E402

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


@dataclass
class Tally:
    """The counts score() adds up over the documents."""

    pred: int = 0  # our direct quotes
    pred_ok: int = 0  # ... overlapping a gold Content span
    gold: int = 0  # gold quoted relations
    gold_hit: int = 0  # ... overlapped by one of our direct quotes
    src: int = 0  # hit gold relations that have a source
    src_ok: int = 0  # ... whose source we found
    pron: int = 0  # ... whose gold source is a pronoun
    pron_ok: int = 0  # ... where we named someone instead
    ind: int = 0  # our indirect quotes
    ind_ok: int = 0  # ... overlapping a gold relation
    ind_src: int = 0  # ... with its source too
    seconds: float = 0.0  # in extract_quotes


def score_indirect(doc: Doc, found: list[Quote], tally: Tally, show: str) -> None:
    """Precision of our indirect quotes against every gold relation, and of their sources."""
    for q in found:
        if q.kind != "indirect":
            continue
        tally.ind += 1
        rels = [r for r in doc.relations if overlaps((q.start, q.end), r.content)]
        tally.ind_ok += bool(rels)
        src_ok = any(
            r.source
            and (overlaps((q.source_start, q.source_end), r.source) or same_source(q.source, r.source_text))
            for r in rels
        )
        tally.ind_src += src_ok
        if show == "ind" and not src_ok:
            print(f"IND {doc.name}: {q.source_mention!r}->{q.source!r} {q.cue} | {q.text[:100]!r}")


def score_precision(doc: Doc, preds: list[Quote], tally: Tally, show: str) -> None:
    """Our direct quotes that overlap a gold Content span."""
    for q in preds:
        tally.pred += 1
        if any(overlaps((q.start, q.end), c) for c in doc.contents):
            tally.pred_ok += 1
        elif show == "fp":
            print(f"FP {doc.name}: {doc.text[q.start : q.end][:150]!r} src={q.source!r}")


def score_recall(doc: Doc, preds: list[Quote], tally: Tally, show: str) -> None:
    """Gold quoted relations that one of our direct quotes overlaps, and the source of the first such quote."""
    for rel in doc.quoted:
        tally.gold += 1
        hits = [q for q in preds if overlaps((q.start, q.end), rel.content)]
        if not hits:
            if show == "fn":
                print(f"FN {doc.name}: {doc.text[rel.content[0] : rel.content[1]][:150]!r}")
            continue
        tally.gold_hit += 1
        if rel.source is None:
            continue
        tally.src += 1
        q = hits[0]
        ok = (q.source_start >= 0 and overlaps((q.source_start, q.source_end), rel.source)) or same_source(
            q.source, rel.source_text
        )
        tally.src_ok += ok
        if not ok and show == "src":
            print(
                f"SRC {doc.name}: gold={rel.source_text!r} ours={q.source_mention!r}->{q.source!r}"
                f" | {doc.text[q.start : q.end][:80]!r}"
            )
        if rel.source_text.lower() in PRONOUNS:
            tally.pron += 1
            tally.pron_ok += bool(q.source) and q.source.lower() not in PRONOUNS


def ratio(part: int, whole: int) -> float:
    """part / whole, 0.0 when whole is 0."""
    return part / whole if whole else 0.0


def score(docs: list[Doc], show: str = "") -> dict[str, float]:
    """Quote P/R/F1 by span overlap, source and name accuracy over matched pairs; indirect precision."""
    t = Tally()
    for doc in docs:
        t0 = time.perf_counter()
        found = extract_quotes(doc.text)
        t.seconds += time.perf_counter() - t0
        preds = [q for q in found if q.kind == "direct"]
        score_indirect(doc, found, t, show)
        score_precision(doc, preds, t, show)
        score_recall(doc, preds, t, show)
    p, r = ratio(t.pred_ok, t.pred), ratio(t.gold_hit, t.gold)
    return {
        "docs": len(docs),
        "gold": t.gold,
        "pred": t.pred,
        "P": p,
        "R": r,
        "F1": 2 * p * r / (p + r) if p + r else 0.0,
        "src_n": t.src,
        "src_acc": ratio(t.src_ok, t.src),
        "pron_n": t.pron,
        "name_acc": ratio(t.pron_ok, t.pron),
        "ind_n": t.ind,
        "ind_P": ratio(t.ind_ok, t.ind),
        "ind_src": ratio(t.ind_src, t.ind),
        "ms_per_doc": 1000 * t.seconds / max(len(docs), 1),
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
