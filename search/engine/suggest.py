"""Suggestions: completions of what is being typed, and "did you mean" for a query that found little.

Completions offer whole source names first ("Al Jaz" -> Al Jazeera), then the last word completed from the
headlines' terms, most frequent first. Did-you-mean corrects each rare word to its closest body term
(lexicon.py: what Whoosh's `corrector("body").suggest(w, limit=1, maxdist=2, prefix=1)` finds, faster) and
offers the corrected query only when it finds more than the query as typed.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from search.engine import matching
from search.engine.budget import Budget
from search.engine.params import SUGGEST_LIMIT
from search.engine.query import compile_query
from search.engine.snapshot import Snapshot
from search.engine.syntax import Group, Node, Word, parse, render
from search.index.analysis import STOP_WORDS, terms

SUGGEST_SCAN = 200  # headline terms looked at per completion request
MAX_TYPED = 200  # characters of what was typed that are completed
COMMON = 3  # a word in this many documents (headline or body) is not corrected


def completions(snap: Snapshot, prefix: str, limit: int = 8) -> list[str]:
    """Completions of what has been typed: source names, then the last word completed from headlines."""
    text = " ".join(prefix.split())[:MAX_TYPED]
    if not text:
        return []
    limit = max(1, min(limit, SUGGEST_LIMIT))
    lowered = text.lower()
    out = [name for name in snap.facets.values.get("source", []) if name.lower().startswith(lowered)]
    out = list(dict.fromkeys(out))[:limit]
    if len(out) >= limit:
        return out
    head, _, last = text.rpartition(" ")
    for word in _headline_words(snap, last):
        completion = f"{head} {word}".strip()
        if completion not in out:
            out.append(completion)
        if len(out) >= limit:
            break
    return out


def _headline_words(snap: Snapshot, last: str) -> list[str]:
    """Headline terms that complete a partly typed word, most frequent first (stop words left out)."""
    folded = terms(last)
    if not folded or len(folded[-1]) < 2:
        return []
    reader = snap.searcher.reader()
    candidates = []
    for n, t in enumerate(reader.expand_prefix("headline", folded[-1])):
        if n >= SUGGEST_SCAN:
            break
        word = t.decode("utf-8") if isinstance(t, bytes) else t
        if word not in STOP_WORDS:
            candidates.append((reader.doc_frequency("headline", word), word))
    return [word for _, word in sorted(candidates, key=lambda c: (-c[0], c[1]))]


def did_you_mean(snap: Snapshot, node: Node, allowed: np.ndarray | None, total: int,
                 budget: Budget) -> dict[str, Any] | None:
    """A corrected query, offered only when it finds more than the query as typed (and only while the
    request's time lasts: a suggestion is a convenience, skipped without marking the results partial)."""
    if budget.over():
        return None
    text = _corrected(snap, node)
    if text is None or budget.over():
        return None
    own = Budget(deadline=budget.deadline)  # cutting this count short says nothing about the results
    q = compile_query(parse(text), snap.searcher.reader(), budget=own, lexicon=snap.lexicon)
    found = matching.docs(snap.postings, q, own)
    if own.cut:
        return None
    count = len(found if allowed is None else matching.intersect([found, allowed]))
    return {"q": text, "total": count} if count > total else None


def _corrected(snap: Snapshot, node: Node) -> str | None:
    """The query with each rare alphabetic word replaced by its closest body term, everything else as typed (a
    word's boost, the words excluded); None when none changes."""
    reader = snap.searcher.reader()
    fixed = copy.deepcopy(node)
    changed = False
    for w in _plain_words(fixed):
        lw = w.text.lower()
        if reader.doc_frequency("body", lw) + reader.doc_frequency("headline", lw) >= COMMON or not w.text.isalpha():
            continue
        option = snap.lexicon.closest("body", lw, maxdist=2)
        if option and option != lw:
            w.text, changed = option, True
    if not changed:
        return None
    text = render(fixed)
    return text if parse(text) == fixed else " ".join(w.text for w in _plain_words(fixed))


def _plain_words(node: Node) -> list[Word]:
    """The words of a plain query (is_plain) that are searched for, not those excluded."""
    items = node.items if isinstance(node, Group) else [node]
    return [i for i in items if isinstance(i, Word)]
