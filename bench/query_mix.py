"""The seeded query mix of bench/search_bench.py: words, phrases, OR/NOT, headline: and filters drawn from a corpus.

search_bench builds the mix once per corpus size (make_mix), writes it to mix.json and replays it in the query
phase of each system, ours and the naive Whoosh baseline. The vocabulary is read from the corpus files themselves
(corpora.iter_records), not from an index, so both systems get the same queries. Only syntax that our parser and
Whoosh's MultifieldParser read alike is drawn.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpora  # bench/ sibling module (search_bench puts bench/ on sys.path)

SEED = 1234
VOCAB_SAMPLE = 40_000  # documents read to build the query vocabulary
STOPS = frozenset(
    "a an and are as at be been but by for from had has have he her his i if in into is it its of on or our "
    "she so than that the their them then there these they this those to was were what which who with "
    "can may not will you we us yet also when all any tbe".split()
)
TOKEN = re.compile(r"[a-z]+")


def _usable(w: str) -> bool:
    """A word worth querying: three letters or more and not a stop word."""
    return len(w) >= 3 and w not in STOPS


@dataclass
class Vocabulary:
    """What the query mix draws from: the tokens of the first VOCAB_SAMPLE articles and their word lists."""

    docs: list[list[str]]  # body tokens, one list per article
    mid: list[str]  # usable words in 0.1% to 5% of the articles
    frequent: list[str]  # up to 30 usable words in more than 5% of them
    head_words: list[str]  # usable headline words in 0.05% to 2% of them
    top_sections: list[str]
    dates: list[str]  # published days, sorted
    mid_set: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.mid_set = set(self.mid)


def read_vocabulary(folder: Path) -> Vocabulary:
    """Count the words, headline words, sections and dates of the first VOCAB_SAMPLE articles of folder."""
    docs: list[list[str]] = []
    df: Counter[str] = Counter()
    hdf: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    dates: list[str] = []
    for i, rec in enumerate(corpora.iter_records(folder)):
        if i >= VOCAB_SAMPLE:
            break
        toks = [t for t in TOKEN.findall((rec.get("body") or "").lower())]
        htoks = TOKEN.findall((rec.get("headline") or "").lower())
        docs.append(toks)
        df.update(set(toks) | set(htoks))
        hdf.update(set(htoks))
        if rec.get("section"):
            sections[rec["section"]] += 1
        if rec.get("published"):
            dates.append(rec["published"][:10])
    total = len(docs)
    return Vocabulary(
        docs=docs,
        mid=sorted(w for w, c in df.items() if _usable(w) and 0.001 * total <= c <= 0.05 * total),
        frequent=[w for w, c in df.most_common(200) if _usable(w) and c > 0.05 * total][:30],
        head_words=sorted(w for w, c in hdf.items() if _usable(w) and 0.0005 * total <= c <= 0.02 * total),
        top_sections=[s for s, _ in sections.most_common(12)],
        dates=sorted(dates),
    )


def mix_kinds(n: int, rng: random.Random) -> list[str]:
    """n query kinds in the shares of the plan, shuffled."""
    plan = [("word", 0.20), ("frequent", 0.05), ("two", 0.15), ("three", 0.05), ("phrase", 0.125), ("or", 0.10),
            ("not", 0.10), ("headline", 0.075), ("section", 0.05), ("date", 0.05), ("section+date", 0.05)]
    kinds = [k for k, share in plan for _ in range(max(1, round(share * n)))]
    kinds = (kinds * 2)[:n] if len(kinds) < n else kinds[:n]
    rng.shuffle(kinds)
    return kinds


class QueryDraws:
    """Seeded draws of query strings and filters of each kind from one Vocabulary."""

    def __init__(self, vocab: Vocabulary, rng: random.Random) -> None:
        self.vocab, self.rng = vocab, rng

    def doc_words(self, k: int) -> list[str]:
        """k distinct mid-frequency words that occur together in one real article."""
        for _ in range(1000):
            cands = sorted({w for w in self.rng.choice(self.vocab.docs) if w in self.vocab.mid_set})
            if len(cands) >= k:
                return self.rng.sample(cands, k)
        return self.rng.sample(self.vocab.mid, k)

    def phrase(self) -> str:
        """Two adjacent words of a real article, at least one of them mid-frequency, as a phrase."""
        rng, mid = self.rng, self.vocab.mid
        for _ in range(1000):
            toks = rng.choice(self.vocab.docs)
            if len(toks) < 2:
                continue
            i = rng.randrange(len(toks) - 1)
            a, b = toks[i], toks[i + 1]
            if _usable(a) and _usable(b) and (a in self.vocab.mid_set or b in self.vocab.mid_set):
                return f'"{a} {b}"'
        return f'"{rng.choice(mid)} {rng.choice(mid)}"'

    def query(self, kind: str) -> str:
        """The query string of one kind."""
        rng, mid = self.rng, self.vocab.mid
        if kind == "word":
            return rng.choice(mid)
        if kind == "frequent":
            return rng.choice(self.vocab.frequent or mid)
        if kind == "two":
            return " ".join(self.doc_words(2))
        if kind == "three":
            return " ".join(self.doc_words(3))
        if kind == "phrase":
            return self.phrase()
        if kind == "or":
            return f"{rng.choice(mid)} OR {rng.choice(mid)}"
        if kind == "not":
            a, b = self.doc_words(2)
            return f"{a} NOT {b}"
        if kind == "headline":
            return f"headline:{rng.choice(self.vocab.head_words or mid)}"
        return " ".join(self.doc_words(rng.choice((1, 2))))  # filtered: one or two words plus filters

    def filters(self, kind: str) -> dict[str, Any]:
        """The section and date filters of a filtered kind (none for the others)."""
        out: dict[str, Any] = {}
        if "section" in kind and self.vocab.top_sections:
            out["section"] = [self.rng.choice(self.vocab.top_sections)]
        if "date" in kind and self.vocab.dates:
            a, b = sorted(self.rng.sample(self.vocab.dates, 2))
            out["date_from"], out["date_to"] = a, b
        return out


def make_mix(folder: Path, n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """A seeded query mix drawn from the corpus vocabulary (the first VOCAB_SAMPLE articles)."""
    rng = random.Random(seed)
    draws = QueryDraws(read_vocabulary(folder), rng)
    # the query is drawn before its filters, as the dict is built left to right
    return [{"kind": kind, "q": draws.query(kind), **draws.filters(kind)} for kind in mix_kinds(n, rng)]
