"""find_spans' fast path (ASCII text: only the places where a wanted term can be written are read) gives exactly
the spans of reading every word (scan_spans), on real articles and on the cases folding changes: acronyms,
numbers with commas, possessives, typographic apostrophes, case, words cut at the scan limit."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search.engine.snippets import find_spans, scan_spans
from search.index.analysis import WORD, fold

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbc"

CASES = [
    ("The U.S. and the US agreed; u.s. officials said.", {"us"}),
    ("It cost 1,000,000 dollars, not 1000 or 1,000.5.", {"1000000", "1000", "1000.5"}),
    ("The harbour's wall and the harbours' walls: Harbour!", {"harbour", "harbours"}),
    ("O’Neill met O'Neill and oneill.", {"o'neill"}),
    ("NATO, N.A.T.O. and nato-led forces; UN-backed U.N. talks", {"nato", "un"}),
    ("tabs\tand\nnewlines\x0bvertical\x1cseparators harbour", {"and", "vertical", "harbour"}),
    ("a_b_c foo_bar 3D 42nd", {"a_b_c", "3", "d", "42nd", "nd"}),
    ("harbourharbour harbour-wall wall.harbour", {"harbour", "wall"}),
]


@pytest.mark.parametrize(("text", "wanted"), CASES)
def test_the_cases_folding_changes(text: str, wanted: set[str]) -> None:
    assert find_spans(text, wanted) == scan_spans(text, wanted)
    assert find_spans(text, wanted)  # each case finds something


@pytest.mark.parametrize("limit", [5, 17, 40, 10_000])
def test_a_word_cut_at_the_scan_limit(limit: int) -> None:
    text = "The harbour authority said harbours and the harbour's owners met."
    assert find_spans(text, {"harbour", "harbours"}, limit) == scan_spans(text, {"harbour", "harbours"}, limit)


def test_real_articles_and_their_own_words() -> None:
    if not DATA.is_dir():
        pytest.skip(f"shared data not available: {DATA} is absent")
    rng = random.Random(3)
    files = sorted(DATA.rglob("*.txt"))
    for f in rng.sample(files, 300):
        text = f.read_text(encoding="utf-8", errors="replace")
        words = sorted({fold(m.group()) for m in WORD.finditer(text)})
        for k in (1, 2, 5):
            wanted = set(rng.sample(words, min(k, len(words))))
            limit = rng.choice([200_000, len(text) // 2, 333])
            assert find_spans(text, wanted, limit) == scan_spans(text, wanted, limit), (f.name, wanted, limit)
