"""Related articles ("more like this"): the articles that share an article's most distinctive words.

The words are Whoosh's key terms of the article (its `key_terms`, Bo1 model) in the headline and the body,
stop words aside; they become one weighted any-word query, matched and ranked like any other.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher

from search.engine import matching, ranking
from search.engine.hits import hit
from search.engine.results import Hit
from search.engine.snapshot import Snapshot
from search.engine.snippets import SIZES, Sizes
from search.index.analysis import STOP_WORDS

KEY_TERMS = (("headline", 5), ("body", 30))  # key terms taken from each field
MAX_WORDS = 25  # the distinctive words searched for
FIELD_BOOSTS = (("body", 1.0), ("headline", 1.5))  # where those words are searched, and their weight


def more_like_this(snap: Snapshot, docnum: int, count: int = 5, sizes: Sizes = SIZES) -> list[Hit]:
    """The `count` articles most like document `docnum` (itself excluded), best first."""
    q = like(snap.searcher, docnum)
    matched = matching.docs(snap.postings, q)
    matched = matched[matched != docnum]
    scores = ranking.scores(snap.postings, q, matched)
    order = ranking.top(-scores, count).tolist()
    best = [int(matched[i]) for i in order]
    found = ranking.page_terms(snap.postings, ranking.positive_terms(q), best)
    return [hit(snap.stored(d), float(scores[i]), words, sizes) for d, i, words in zip(best, order, found, strict=True)]


def like(s: Searcher, docnum: int) -> wq.Query:
    """The distinctive words of an article (headline and body, stop words aside) as a weighted any-word query."""
    scores: dict[str, float] = {}
    for fieldname, numterms in KEY_TERMS:
        for term, score in s.key_terms([docnum], fieldname, numterms=numterms):
            if term not in STOP_WORDS and len(term) > 2 and term.isalpha():
                scores[term] = max(scores.get(term, 0.0), score)
    top = sorted(scores.items(), key=lambda kv: -kv[1])[:MAX_WORDS]
    subs = [wq.Term(f, term, boost=score * w) for term, score in top for f, w in FIELD_BOOSTS]
    return wq.Or(subs) if subs else wq.NullQuery
