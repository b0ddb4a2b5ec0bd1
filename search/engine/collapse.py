"""One hit per story (`collapse=1`): near-duplicate articles share a cluster id, given when they were indexed
(search/index/dedup.py); among a search's matches each cluster is shown once, by its best-ranked member.

The page is the request's page of clusters in the request's order (each ranked by its best member; cursors.py's
sort keys, so a cursor pages clusters as it pages articles). Each hit then says how many other matches its story
has (`duplicates`) and lists the first MAX_COPIES of them, earliest published first (the original before its
copies), with their outlets and urls. `stories` counts the clusters among all the matches (`total_collapsed`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh import query as wq

from search.engine import cursors, ranking
from search.engine.results import Hit
from search.engine.snapshot import Snapshot

MAX_COPIES = 10  # copies listed with a hit (`duplicates` counts them all)


def codes(snap: Snapshot, matched: np.ndarray) -> np.ndarray:
    """Each match's cluster as a number (an article without a cluster id, from a build before them, is its own)."""
    per = snap.postings.stories()[matched]
    return np.where(per >= 0, per, -1 - matched)


def stories(snap: Snapshot, matched: np.ndarray) -> int:
    """How many clusters the matches are in (a count of the distinct codes, without sorting them)."""
    per = snap.postings.stories()[matched]
    known = per[per >= 0]
    seen = np.zeros(int(known.max()) + 1 if len(known) else 0, dtype=bool)
    seen[known] = True
    return int(np.count_nonzero(seen)) + int(len(per) - len(known))


def page(snap: Snapshot, q: wq.Query, matched: np.ndarray, req: Any,
         after: cursors.Position | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(indices into `matched` of the page's hits, one per cluster, in order; their scores or None), as
    cursors.page gives them for articles: the page of its number, or the clusters after a cursor's position
    (those whose best match comes after it)."""
    story = codes(snap, matched)
    keys, scores = cursors.sort_keys(snap, q, matched, req)
    if after is None:
        start, end = (req.page - 1) * req.page_size, req.page * req.page_size
        order = _firsts(keys, story, end)[start:end]
    else:
        before = (keys < after.key) | ((keys == after.key) & (matched <= after.doc))
        later = np.flatnonzero(~before & ~np.isin(story, story[before]))  # clusters not shown yet
        order = later[_firsts(keys[later], story[later], req.page_size)]
    return order, (scores[order] if scores is not None else None)


def _firsts(keys: np.ndarray, story: np.ndarray, n: int) -> np.ndarray:
    """Indices of the first n clusters' best members in key order (ties by position): the first n of the key
    order, widened until they hold n clusters (or all of them)."""
    m = min(len(keys), max(2 * n, 64))
    while True:
        order = ranking.top(keys, m)
        _, first = np.unique(story[order], return_index=True)
        best = order[np.sort(first)]
        if len(best) >= n or m >= len(keys):
            return best[:n]
        m = min(len(keys), m * 4)


def annotate(snap: Snapshot, matched: np.ndarray, docs: list[int], hits: list[Hit]) -> None:
    """Give each hit (of the document in `docs` at its place) its story's other matches: how many (`duplicates`),
    and the first MAX_COPIES of them, earliest published first (`copies`: id, url, outlet, headline, published)."""
    story = codes(snap, matched)
    mine = story[np.searchsorted(matched, docs)]
    members = np.flatnonzero(np.isin(story, mine))
    for doc, code, h in zip(docs, mine.tolist(), hits, strict=True):
        same = matched[members[story[members] == code]]
        same = same[same != doc]
        first = same[np.lexsort((same, ranking.date_keys(snap.postings, same, False)))][:MAX_COPIES]
        h.duplicates, h.copies = len(same), [_copy(snap, int(d)) for d in first]


def _copy(snap: Snapshot, docnum: int) -> dict[str, Any]:
    stored = snap.stored(docnum)
    a = stored.article
    return {"id": stored.id, "url": a.url, "outlet": a.outlet, "headline": a.headline, "published": stored.published}
