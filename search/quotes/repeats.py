"""Repeated quotes, the last step of attribution (extract.py `attribute`): a quote that recurs on its own or
inside a longer one (a pull quote beside the running text, a line cited twice) counts once.

Comparing every quote with every other is quadratic in the number of quotes, so in the text's length (a 16 MB
text: minutes). Here each quote is scanned for in full only while a fixed budget of characters lasts (that covers
every real article: the largest of 7,192 measured holds 115 quotes); past it, one pass over the words of all the
quotes finds each one where it can stand: at its rarest inner word, which any quote holding it has whole.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import NamedTuple

from search.articles import Quote

SCAN_BUDGET = 1 << 25  # characters scanned in full per call: ~25 ms, many times what a real article needs
WORK_PER_WORD = 32  # comparisons per word of the hays past the budget: a bound only hostile texts reach
_WORD_RE = re.compile(r"\w+")


def words(text: str) -> str:
    """Text reduced to its lower-case words, for comparing quotes whatever their punctuation."""
    return " ".join(_WORD_RE.findall(text.lower()))


def dedupe(quotes: list[Quote]) -> list[Quote]:
    """Each quote once: of equal copies the first attributed one (else the first) stays; a quote inside a longer
    one goes, unless it names someone none of the longer ones holding it names."""
    members: dict[str, list[int]] = {}
    for i, q in enumerate(quotes):
        members.setdefault(words(q.text), []).append(i)
    keys = list(members)
    firsts = [min(idx, key=lambda i: (quotes[i].source is None, i)) for idx in members.values()]
    sources = [{quotes[i].source for i in idx} for idx in members.values()]

    def holds(d: int, e: int) -> bool:  # key e holding key d makes d's first copy a repeat
        source = quotes[firsts[d]].source
        return source is None or source in sources[e]

    inside = held(keys, keys, own=list(range(len(keys))), accept=holds)
    return [quotes[i] for i in sorted(first for first, repeat in zip(firsts, inside, strict=True) if not repeat)]


def held(
    needles: list[str],
    hays: list[str],
    own: list[int] | None = None,
    accept: Callable[[int, int], bool] | None = None,
    budget: int = SCAN_BUDGET,
) -> list[bool]:
    """For each needle i, whether some hay e holds it as a substring, e not being own[i] (its own hay) and, given
    accept, accept(i, e) being true.

    Needles and hays are `words()` strings. `budget` is how many characters may be scanned in full. Exact, but for
    what the bounds leave out on texts with thousands of quotes: a two-word needle cut at both ends ("ld ti" in
    "old times"), a one-word needle inside a word once the vocabulary budget is spent, and what lies past the
    work bound that only hostile texts reach.
    """
    own = own if own is not None else [-1] * len(needles)
    accept = accept or (lambda i, e: True)
    found = [False] * len(needles)
    joined = "\x00".join(hays)
    starts = list(accumulate((len(h) + 1 for h in hays), initial=0))
    rest: list[int] = []
    # one- and two-word needles first: past the budget only they lose exactness
    for i in sorted(range(len(needles)), key=lambda i: (needles[i].count(" ") >= 2, i)):
        if not needles[i]:
            found[i] = any(e != own[i] and accept(i, e) for e in range(len(hays)))
        elif budget >= len(joined):
            budget -= len(joined)
            for e in _scan(joined, starts, needles[i]):
                budget -= 64
                if e != own[i] and accept(i, e):
                    found[i] = True
                    break
        else:
            rest.append(i)
    if rest:
        _by_anchor(needles, hays, own, accept, rest, found)
    return found


def _scan(joined: str, starts: list[int], needle: str) -> Iterator[int]:
    """The hays of joined (hays separated by NUL) that hold needle, in order, found lazily."""
    pos = joined.find(needle)
    while pos >= 0:
        e = bisect_right(starts, pos) - 1
        yield e
        pos = joined.find(needle, starts[e + 1])  # on to the next hay


def _by_anchor(
    needles: list[str],
    hays: list[str],
    own: list[int],
    accept: Callable[[int, int], bool],
    which: list[int],
    found: list[bool],
) -> None:
    """Settle found[i] for i in which, in one pass over the hays' words.

    Wherever a needle of three words or more occurs, its inner words stand whole: it is looked for where its
    rarest inner word stands with the right word after it (that word whole when inner too, its start when it is
    the needle's last, which may be cut), then compared in full; so each occurrence of an anchor costs a lookup
    or two, not a comparison with every needle. A two-word needle is looked for with either word whole; a
    one-word needle in the words that hold it, found by a scan of the hays' vocabulary while the budget lasts,
    else as a whole word. A needle found is dropped from the lookups.
    """
    freq: Counter[str] = Counter()
    for hay in hays:
        freq.update(hay.split(" "))
    lookups = _lookups(needles, which, freq)
    work = WORK_PER_WORD * sum(freq.values()) + 4096
    for e, hay in enumerate(hays):
        work = _settle(lookups, needles, e, hay, own, accept, found, work)
        if work < 0:
            return


_Lookup = dict[str, dict[str, list[tuple[int, int]]]]  # anchor -> word beside it -> [(needle, anchor's offset in it)]


class _Lookups(NamedTuple):
    """Where `_by_anchor` looks for each needle in the hays' words."""

    # anchor -> {the word after it whole / the start of the word after it / the end of the word before it: needles}
    whole: _Lookup
    start: _Lookup
    end: _Lookup
    singles: dict[str, list[int]]  # a word of the hays -> the one-word needles it holds
    start_lengths: dict[str, list[int]]  # anchor -> the lengths of the word starts after it in start
    end_lengths: dict[str, list[int]]  # anchor -> the lengths of the word ends before it in end
    anchors: set[str]


def _lookups(needles: list[str], which: list[int], freq: Counter[str]) -> _Lookups:
    """The lookups for the needles i in which, given how often each word occurs in the hays (freq)."""
    whole: _Lookup = {}
    start: _Lookup = {}
    end: _Lookup = {}
    singles: dict[str, list[int]] = {}
    vocab = list(freq)
    vjoined = "\x00".join(vocab)
    vstarts = list(accumulate((len(v) + 1 for v in vocab), initial=0))
    budget = SCAN_BUDGET
    for i in which:
        toks = needles[i].split(" ")
        if len(toks) == 1 and budget >= len(vjoined):
            budget -= len(vjoined)
            for v in _scan(vjoined, vstarts, toks[0]):
                singles.setdefault(vocab[v], []).append(i)
        elif len(toks) == 1:
            singles.setdefault(toks[0], []).append(i)
        elif len(toks) == 2:
            start.setdefault(toks[0], {}).setdefault(toks[1], []).append((i, 0))
            end.setdefault(toks[1], {}).setdefault(toks[0], []).append((i, len(toks[0]) + 1))
        elif len(toks) == 3:
            start.setdefault(toks[1], {}).setdefault(toks[2], []).append((i, len(toks[0]) + 1))
        else:
            j = min(range(1, len(toks) - 2), key=lambda t: freq[toks[t]])
            whole.setdefault(toks[j], {}).setdefault(toks[j + 1], []).append((i, len(" ".join(toks[:j])) + 1))
    start_lengths = {w: sorted({len(x) for x in nxt}) for w, nxt in start.items()}
    end_lengths = {w: sorted({len(x) for x in prev}) for w, prev in end.items()}
    anchors = set(whole) | set(start) | set(end)
    return _Lookups(whole, start, end, singles, start_lengths, end_lengths, anchors)


def _settle(
    lookups: _Lookups,
    needles: list[str],
    e: int,
    hay: str,
    own: list[int],
    accept: Callable[[int, int], bool],
    found: list[bool],
    work: int,
) -> int:
    """Settle the needles that hay e holds, while work lasts; return the work left (negative: stop there)."""
    whole, start, end, singles, start_lengths, end_lengths, anchors = lookups
    toks = hay.split(" ")
    pos = 0
    for t, w in enumerate(toks):
        if w in singles:
            live = [i for i in singles[w] if not found[i]]
            work -= len(live) + 1
            for i in live:
                found[i] = e != own[i] and accept(i, e)
            singles[w] = [i for i in live if not found[i]]
        if w in anchors:
            after = toks[t + 1] if t + 1 < len(toks) else ""
            before = toks[t - 1] if t else ""
            groups = [whole.get(w, {}).get(after)]
            groups += [start[w].get(after[:n]) for n in start_lengths.get(w, ()) if n <= len(after)]
            groups += [end[w].get(before[-n:]) for n in end_lengths.get(w, ()) if n <= len(before)]
            for group in groups:
                if not group:
                    continue
                work -= len(group) + 1
                for i, off in group:
                    if not found[i] and e != own[i] and pos >= off and hay.startswith(needles[i], pos - off):
                        found[i] = accept(i, e)
                group[:] = [c for c in group if not found[c[0]]]
        if work < 0:
            return work
        pos += len(w) + 1
    return work
