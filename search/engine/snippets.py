"""Highlighted, escaped snippets cut from the stored text of a hit.

The words that matched are found by one regex pass over the stored text with the index's own word
pattern and folding (no Whoosh analyzer chain, no Highlighter; storing character offsets in the index
instead cost more at index time than this costs per page of results). The body snippet is the densest
window of matches widened to sentence boundaries; every snippet is escaped text plus our own <mark> tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from search.index.analysis import WORD, fold

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")

Span = tuple[int, int]


@dataclass(frozen=True)
class Sizes:
    """How long snippets are (characters); the engine passes one to every snippet it cuts."""

    window: int = 220  # the densest window of matches in a body
    longest: int = 360  # a sentence-bounded snippet never grows past this
    scan: int = 200_000  # matches beyond this many characters of a huge body are not looked for


SIZES = Sizes()


def find_spans(text: str, wanted: set[str], limit: int = SIZES.scan) -> list[Span]:
    """Character spans of the words of `text` (its first `limit` characters) whose index term is wanted.

    Every word of the text is the exact answer (`scan_spans`). For ASCII text, the words that can fold to a
    wanted term are found first, by one search of the lower-cased text for the terms as they can be written
    (an acronym with its dots, a number with its commas, a possessive's 's is a suffix): only the runs of
    non-space characters holding such a place are then read word by word, which gives the same spans, since
    no word spans a space."""
    if not wanted:
        return []
    limit = min(limit, len(text))
    if not text.isascii():
        return scan_spans(text, wanted, limit)
    written = _written(frozenset(w for w in wanted if w.isascii()))
    if written is None:
        return []
    lowered = text[:limit].lower().replace("’", "'")
    spaces = [c for c in _SPACES if c in lowered]
    spans: list[Span] = []
    end = 0
    for m in written.finditer(lowered):
        if m.start() < end:
            continue
        start = max([lowered.rfind(c, 0, m.start()) for c in spaces], default=-1) + 1
        found = _SPACE.search(lowered, m.end())
        end = found.start() if found else limit
        spans.extend(w.span() for w in WORD.finditer(text, start, end) if fold(w.group()) in wanted)
    return spans


def scan_spans(text: str, wanted: set[str], limit: int = SIZES.scan) -> list[Span]:
    """find_spans by reading every word of the text's first `limit` characters."""
    return [m.span() for m in WORD.finditer(text, 0, limit) if fold(m.group()) in wanted]


_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what \s matches in ASCII text
_SPACE = re.compile(r"\s")


@lru_cache(maxsize=4096)
def _written(wanted: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for the ways the wanted terms can be written in lower-cased ASCII text (see find_spans)."""
    forms = set()
    for w in wanted:
        forms.add(re.escape(w))
        if w.isalpha() and 1 < len(w) <= 12:  # "u.s." folds to "us"
            forms.add(r"\.".join(w))
        if w[:1].isdigit():  # "1,000" folds to "1000"
            forms.add(",?".join(re.escape(c) for c in w))
    return re.compile("|".join(sorted(forms, key=len, reverse=True))) if forms else None


def field_terms(query_terms: Iterable[tuple[str, object]], fieldname: str) -> set[str]:
    """The terms a query looks for (or matched) in one field."""
    return {text.decode("utf-8") if isinstance(text, bytes) else str(text)
            for fname, text in query_terms if fname == fieldname}


def mark(text: str, spans: list[Span]) -> str:
    """Escape text and wrap each span in <mark>."""
    out, last = [], 0
    for s, e in spans:
        if s < last or e > len(text):
            continue
        out.append(escape(text[last:s], quote=False))
        out.append("<mark>" + escape(text[s:e], quote=False) + "</mark>")
        last = e
    out.append(escape(text[last:], quote=False))
    return "".join(out)


def best_passage(text: str, spans: list[Span], sizes: Sizes = SIZES) -> str:
    """The densest window of matches, widened to sentence boundaries, marked and escaped."""
    if not spans:
        return lede(text, sizes)
    best, best_score = (0, 0), (-1, -1)
    for i, (start, _) in enumerate(spans):
        k = i
        while k + 1 < len(spans) and spans[k + 1][1] - start <= sizes.window:
            k += 1
        window_words = {text[s:e].lower() for s, e in spans[i : k + 1]}
        score = (len(window_words), k - i + 1)
        if score > best_score:
            best, best_score = (i, k), score
    i, k = best
    start, end = _widen(text, spans[i][0], spans[k][1], sizes.longest)
    inside = [(s - start, e - start) for s, e in spans[i : k + 1] if s >= start and e <= end]
    body = mark(text[start:end], inside)
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")


def _widen(text: str, start: int, end: int, longest: int) -> Span:
    """Grow [start, end) to the sentence around it, within `longest` characters."""
    room = max(0, longest - (end - start))
    lo = max(0, start - room // 2)
    begin = lo
    for m in _SENTENCE_END.finditer(text, lo, start):
        begin = m.end()
    if begin == lo and lo > 0:  # no sentence start in reach: start at a word
        sp = text.find(" ", lo, start)
        begin = sp + 1 if sp != -1 else lo
    hi = min(len(text), end + max(0, longest - (end - begin)))
    m = _SENTENCE_END.search(text, end, hi)
    if m:
        stop = m.start()
    elif hi >= len(text):
        stop = len(text)
    else:
        sp = text.rfind(" ", end, hi)
        stop = sp if sp != -1 else hi
    return begin, stop


def lede(text: str, sizes: Sizes = SIZES) -> str:
    """The opening sentences of a text, escaped (the fallback when the body did not match)."""
    text = text.strip()
    if len(text) <= sizes.longest:
        return escape(text, quote=False)
    _, stop = _widen(text, 0, min(len(text), 160), sizes.longest)
    return escape(text[:stop], quote=False) + (" …" if stop < len(text) else "")


def line_with_matches(text: str, spans: list[Span], sizes: Sizes = SIZES) -> tuple[str, int]:
    """For multi-line fields (captions, quotes): the line with the most matches, marked; and its index."""
    if not spans:
        return "", -1
    offset, best, best_n = 0, (0, len(text), -1), -1
    for n, line in enumerate(text.split("\n")):
        inside = [(s - offset, e - offset) for s, e in spans if offset <= s and e <= offset + len(line)]
        if len(inside) > best_n:
            best, best_n = (offset, offset + len(line), n), len(inside)
        offset += len(line) + 1
    lo, hi, n = best
    line_spans = [(s - lo, e - lo) for s, e in spans if lo <= s and e <= hi]
    line = text[lo:hi]
    if len(line) > sizes.longest:
        return best_passage(line, line_spans, sizes), n
    return mark(line, line_spans), n
