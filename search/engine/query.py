"""The query language compiled: a syntax tree (syntax.py) -> a Whoosh query over the registry's fields.

A word also finds its singular and plural forms; a phrase matches its exact words, or with a slop (`"a b"~3`)
its words in order, each within that many positions of the one before; a boost (`word^2`) multiplies the
clause's share of the score (ranking.py) and changes nothing of what matches. Prefix and fuzzy words expand to
real index terms within caps per word and per query, and within the request's time budget (budget.Budget): a
word the budget has no time left for is read plainly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.reading import IndexReader

from search.engine.budget import Budget
from search.engine.lexicon import Lexicon
from search.engine.syntax import MAX_CLAUSES, Group, Node, Not, Phrase, Word, bounded, is_plain, leaves, words_of
from search.index.analysis import fold, forms, terms, words
from search.index.fields import ARTICLES, Registry

MAX_EXPANSIONS = 64  # a prefix or fuzzy word matches at most this many index terms in each field
# ... and all of a query's prefix and fuzzy words together at most this many (field, term) pairs, shared out
# fairly: each is a posting list to decode and score. At least one for every word in each of the five default
# fields (search/index/fields.py).
MAX_QUERY_EXPANSIONS = 5 * MAX_CLAUSES


# -- compiling to Whoosh ------------------------------------------------------------------------------
Expansions = dict[int, dict[str, list[str]]]  # id(Word) -> field -> the index terms it stands for there


@dataclass(frozen=True)
class _Context:
    """What compiling one query needs besides the tree."""

    lexicon: Lexicon | None  # the searcher's terms (None: no index, words are taken as they are)
    expansions: Expansions
    registry: Registry
    resolve: Callable[[str], str] | None  # a source name -> its canonical name (the aliases)


def compile_query(node: Node | None, reader: IndexReader | None = None, relaxed: bool = False,
                  budget: Budget | None = None, lexicon: Lexicon | None = None, registry: Registry = ARTICLES,
                  resolve: Callable[[str], str] | None = None) -> wq.Query:
    """A Whoosh query for a syntax tree over a registry's fields. `relaxed` turns the top-level "all words"
    into "any word" (a word of several parts, "four-power" or "U.N", into any of its parts); `resolve` turns a
    name given to a field of source names (`source:WSJ`) into the canonical name the index holds (Wall Street
    Journal).

    Prefix and fuzzy words expand over `lexicon` (the searcher's; else a new one over `reader`): at most
    MAX_EXPANSIONS terms a field, MAX_QUERY_EXPANSIONS in all. A word the `budget` has no time left for is
    read as the plain word; the budget is then marked cut, as it is when the query-wide cap trimmed a word.
    A tree nested deeper than any parse gives is read as its words.
    """
    if node is None:
        return wq.NullQuery
    node = bounded(node)
    if node is None:
        return wq.NullQuery
    if lexicon is None and reader is not None:
        lexicon = Lexicon(reader)
    ctx = _Context(lexicon, _expand(node, lexicon, budget or Budget(), registry), registry, resolve)
    if relaxed and isinstance(node, Group) and node.op == "and":
        positives = [_compile(w, ctx) for i in node.items if not isinstance(i, Not) for w in _parts(i)]
        negatives = [_compile(i.item, ctx) for i in node.items if isinstance(i, Not)]
        positives = [p for p in positives if p is not wq.NullQuery]
        # Any word matches, ranked by BM25 over the words it has (an article with more of the words, or
        # rarer ones, ranks higher; counting the all-words match twice as well ranked worse on TIME).
        q: wq.Query = wq.Or(positives)
        if negatives:
            q = wq.AndNot(q, wq.Or(negatives))
        return q
    return _compile(node, ctx)


def _parts(node: Node) -> list[Node]:
    """For any-word matching: a word of several parts as its parts, each a word (Lucene's query parser reads
    "wi-fi" so by default), else the node. Required, the parts are a phrase; here each counts alone, and is
    scored once over all the fields (TIME as typed, the rule before: MAP 0.658 with the phrase, 0.687 with the
    parts; bench/README.md)."""
    if not isinstance(node, Word) or node.field or node.prefix or node.fuzzy:
        return [node]
    found = words(node.text)
    return [Word(w, boost=node.boost) for w in found] if len(found) > 1 else [node]


def _compile(node: Node, ctx: _Context) -> wq.Query:
    """One node of the tree, with its boost (`word^2`; none under a NOT, which has no score)."""
    q = _clause(node, ctx)
    return q if isinstance(node, Not) else _boosted(q, node.boost)


def _boosted(q: wq.Query, boost: float) -> wq.Query:
    """The clause with its contribution to the score multiplied by `boost`: the boost of an Or, And or AndNot,
    which ranking.py applies after saturation (a Term's or Phrase's own boost is its field weight, applied
    before). Matching ignores it."""
    if boost == 1.0 or q is wq.NullQuery or isinstance(q, wq.Not):
        return q
    if isinstance(q, wq.Or):  # built for this node alone (never shared)
        q.boost *= boost
        return q
    return wq.Or([q], boost=boost)


def _clause(node: Node, ctx: _Context) -> wq.Query:
    if isinstance(node, Group):
        subs = [_compile(i, ctx) for i in node.items]
        subs = [s for s in subs if s is not wq.NullQuery]
        if not subs:
            return wq.NullQuery
        if node.op == "or":
            return wq.Or(subs)
        pos = [s for s in subs if not isinstance(s, wq.Not)]
        neg = [s.query for s in subs if isinstance(s, wq.Not)]
        base = wq.And(pos) if len(pos) > 1 else (pos[0] if pos else wq.Every())
        return wq.AndNot(base, wq.Or(neg)) if neg else base
    if isinstance(node, Not):
        inner = _compile(node.item, ctx)
        return wq.NullQuery if inner is wq.NullQuery else wq.Not(inner)
    node = _resolved(node, ctx)
    searched = {node.field: 1.0} if node.field else ctx.registry.default_fields()
    if isinstance(node, Phrase):
        return _any_field(searched, lambda f, w: _phrase(f, terms(node.text), w, node.slop))
    expanded = ctx.expansions.get(id(node))
    if expanded is not None:
        return _any_field(searched, lambda f, w: _expanded(f, expanded.get(f, []), w))
    # A plain word; also a prefix or fuzzy word left unexpanded (no index, or no time left): the word itself.
    found = words(node.text)
    if len(found) > 1:  # "al-Maliki", "U.S.-led": the parts, in order
        return _any_field(searched, lambda f, w: _phrase(f, found, w))
    if not found:
        return wq.NullQuery
    return _any_field(searched, lambda f, w: _word(f, found[0], ctx.lexicon, w))


def _resolved(node: Word | Phrase, ctx: _Context) -> Word | Phrase:
    """A name given to a field of source names, as the index holds it: an alias becomes its canonical name (a
    phrase of its words), so `source:WSJ` finds what `source:"Wall Street Journal"` finds."""
    f = ctx.registry.field(node.field) if node.field and ctx.resolve else None
    if f is None or not f.names or (isinstance(node, Word) and (node.prefix or node.fuzzy)):
        return node
    name = ctx.resolve(node.text)
    slop = node.slop if isinstance(node, Phrase) else 1
    return node if name == node.text else Phrase(name, node.field, slop=slop, boost=node.boost)


def _any_field(searched: dict[str, float], make) -> wq.Query:
    subs = [q for f, w in searched.items() if (q := make(f, w)) is not wq.NullQuery]
    if not subs:
        return wq.NullQuery
    return subs[0] if len(subs) == 1 else wq.Or(subs)


def _word(fieldname: str, word: str, lexicon: Lexicon | None, boost: float) -> wq.Query:
    """A word in one field, with the inflected forms of it that the field holds (analysis.forms)."""
    found = [word] if lexicon is None else forms(word, lambda t: lexicon.has(fieldname, t))
    if len(found) == 1:
        return wq.Term(fieldname, found[0], boost=boost)
    return wq.Or([wq.Term(fieldname, f, boost=boost) for f in found])


def _phrase(fieldname: str, tokens: list[str], boost: float, slop: int = 1) -> wq.Query:
    """The words in order, each within `slop` positions after the one before (1: next to it, the exact phrase)."""
    if not tokens:
        return wq.NullQuery
    if len(tokens) == 1:
        return wq.Term(fieldname, tokens[0], boost=boost)
    return wq.Phrase(fieldname, tokens, slop=slop, boost=boost)


def _expanded(fieldname: str, found: list[str], boost: float) -> wq.Query:
    """A prefix or fuzzy word in one field: an Or of the index terms it expanded to there."""
    if not found:
        return wq.NullQuery
    return wq.Or([wq.Term(fieldname, t, boost=boost) for t in sorted(found)])


def _expand(node: Node, lexicon: Lexicon | None, budget: Budget, registry: Registry) -> Expansions:
    """The index terms of every prefix and fuzzy word, per field, within the caps and the time budget.

    One word (in all its fields) is the unit of work between looks at the clock; negated words go first, since
    one left unexpanded would exclude too little. Each word and field keeps its best terms (a prefix's most
    frequent, a fuzzy word's closest) up to MAX_EXPANSIONS; when they add up to more than MAX_QUERY_EXPANSIONS,
    each gets a max-min fair share, and the budget is marked cut.
    """
    if lexicon is None:
        return {}
    todo = [(w, neg) for w, neg in leaves(node) if isinstance(w, Word) and (w.prefix or w.fuzzy)]
    todo.sort(key=lambda t: not t[1])
    found: dict[tuple[int, str], list[str]] = {}
    for n, (w, _) in enumerate(todo):
        if budget.cut or n and budget.stop():
            break
        word = fold(w.text)
        if not word:
            continue
        for f in [w.field] if w.field else registry.default_fields():
            if w.prefix:
                found[(id(w), f)] = lexicon.prefixed(f, word, MAX_EXPANSIONS)
            else:
                found[(id(w), f)] = [t for t, _ in lexicon.within(f, word, w.fuzzy, MAX_EXPANSIONS)]
    shares = fair_shares({k: len(v) for k, v in found.items()}, MAX_QUERY_EXPANSIONS)
    out: Expansions = {}
    for (key, f), texts in found.items():
        if shares[(key, f)] < len(texts):
            budget.cut = True
        out.setdefault(key, {})[f] = texts[: shares[(key, f)]]
    return out


def fair_shares(wanted: dict, cap: int) -> dict:
    """Max-min fair shares of `cap` among claims (key -> how many wanted): nobody gets more than wanted,
    and what the small claims leave is split evenly among the larger ones."""
    if sum(wanted.values()) <= cap:
        return dict(wanted)
    out, left = {}, cap
    order = sorted(wanted, key=lambda k: wanted[k])
    for n, k in enumerate(order):
        out[k] = min(wanted[k], left // (len(order) - n))
        left -= out[k]
    return out


def exact_words(query_words: list[str]) -> wq.Query:
    """For a query of stop words only ("The Who"): those words as written, in headline or body."""
    toks = [t for w in query_words for t in terms(w)]
    if not toks:
        return wq.NullQuery
    return wq.And([wq.Or([wq.Term(f, t) for f in ("headline", "body")]) for t in toks])


def plain_words(node: Node | None) -> int:
    """How many searchable words a plain query has (stop words do not count: "the harbour wall" has two, and
    "al-Maliki" is one); 0 for any other query."""
    return sum(1 for w in words_of(node) if words(w)) if is_plain(node) else 0
