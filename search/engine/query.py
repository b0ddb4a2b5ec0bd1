"""The query language: a user's query string -> a small syntax tree -> a Whoosh query.

    words (all required)   "exact phrase"   -word  NOT word   a OR b   ( ... )   word*   word~  word~2
    headline: caption: body: quote: source: section: byline:   e.g.  source:"Al Jazeera"

The parser is hand-written and forgiving: any input, however malformed ("unclosed, (((, headline:,
AND OR, 5,000 characters, control characters, parentheses nested 5,000 deep), gives the best plain reading
of its words; it never raises. A word also finds its singular and plural forms; a phrase matches its exact
words. Prefix and fuzzy words expand to real index terms within caps per word and per query, and within
the request's time budget (docsets.Budget): a word the budget has no time left for is read plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.reading import IndexReader

from search.engine.docsets import Budget
from search.engine.lexicon import Lexicon
from search.engine.params import MAX_QUERY_LENGTH
from search.index import fields
from search.index.analysis import fold, forms, terms, words

MAX_CLAUSES = 64  # words and phrases beyond this are dropped
MAX_DEPTH = 32  # parentheses nested deeper are read as if they were not there (so are their closing ones)
MIN_PREFIX = 3  # `ab*` is not a prefix query: too many expansions
MAX_EXPANSIONS = 64  # a prefix or fuzzy word matches at most this many index terms in each field
# ... and all of a query's prefix and fuzzy words together at most this many (field, term) pairs, shared out
# fairly: each is a posting list to decode and score. At least one for every word in each of the five default
# fields (search/index/fields.py).
MAX_QUERY_EXPANSIONS = 5 * MAX_CLAUSES


# -- syntax tree ------------------------------------------------------------------------------------
@dataclass
class Word:
    text: str
    field: str | None = None
    prefix: bool = False
    fuzzy: int = 0


@dataclass
class Phrase:
    text: str
    field: str | None = None


@dataclass
class Group:
    op: str  # "and" | "or"
    items: list[Node] = field(default_factory=list)


@dataclass
class Not:
    item: Node


Node = Word | Phrase | Group | Not

_TOKEN = re.compile(
    r"""(?P<phrase>[-+]?(?:(?P<fld1>[A-Za-z]+):)?["“”„](?P<ptext>[^"“”]*)["“”]?)
      | (?P<lparen>[-+]?(?:(?P<fld2>[A-Za-z]+):)?\()
      | (?P<rparen>\))
      | (?P<word>[^\s()"“”„]+)""",
    re.X,
)
# Control and invisible characters, and lone surrogates (from undecodable bytes in a command line): spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]")
_FUZZY = re.compile(r"^(?P<w>.+?)~(?P<d>[12])?$")


def parse(text: str) -> Node | None:
    """Parse a query string; None when it has no searchable words. Never raises."""
    text = _CONTROL.sub(" ", text or "")[:MAX_QUERY_LENGTH]  # the rest is ignored (the API refuses longer ones)
    tokens = list(_lex(text))
    parser = _Parser(tokens)
    return parser.parse()


def _lex(text: str):
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if m.group("phrase") is not None:
            neg = m.group("phrase").startswith("-")
            yield ("phrase", m.group("ptext"), _field(m.group("fld1")), neg)
        elif m.group("lparen") is not None:
            yield ("lparen", "(", _field(m.group("fld2")), m.group("lparen").startswith("-"))
        elif m.group("rparen") is not None:
            yield ("rparen", ")", None, False)
        else:
            yield ("word", m.group("word"), None, False)
        del kind


def _field(name: str | None) -> str | None:
    found = fields.field(name) if name else None  # a query field name or alias -> the index field
    return found.name if found is not None else None


class _Parser:
    """Recursive descent over the tokens, skipping whatever does not fit."""

    def __init__(self, tokens: list[tuple[str, str, str | None, bool]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.clauses = 0
        self.depth = 0  # groups open around the current token
        self.flat = 0  # "(" read as if absent (nested too deep) whose ")" is still to come

    def parse(self) -> Node | None:
        items = []
        while self.i < len(self.tokens):
            node = self.or_expr(None)
            if node is not None:
                items.append(node)
            if self.i < len(self.tokens) and self.tokens[self.i][0] == "rparen":
                self.i += 1  # a stray ")"
        return _simplify(Group("and", items))

    def or_expr(self, fld: str | None) -> Node | None:
        alternatives = [self.and_expr(fld)]
        while self.peek_word("OR", "|", "||"):
            self.i += 1
            alternatives.append(self.and_expr(fld))
        return _simplify(Group("or", [a for a in alternatives if a is not None]))

    def and_expr(self, fld: str | None) -> Node | None:
        items: list[Node] = []
        while self.i < len(self.tokens):
            kind = self.tokens[self.i][0]
            if kind == "rparen" and not self.flat or self.peek_word("OR", "|", "||"):
                break
            if kind == "rparen" and self.flat:  # closes a "(" that was read as absent
                self.flat -= 1
                self.i += 1
                continue
            node = self.unary(fld)
            if node is not None:
                items.append(node)
        return _simplify(Group("and", items))

    def unary(self, fld: str | None) -> Node | None:
        nots = 0
        while self.peek_word("NOT", "!"):  # a loop, not recursion: "NOT NOT ... x" of any length
            self.i += 1
            nots += 1
            if self.i >= len(self.tokens) or self.tokens[self.i][0] == "rparen" or self.peek_word("OR", "|"):
                return None
        if self.peek_word("AND", "&&", "+", "-"):
            self.i += 1
            return None
        node = self.atom(fld)
        return Not(node) if node is not None and nots % 2 else node

    def atom(self, fld: str | None) -> Node | None:
        kind, text, tfield, neg = self.tokens[self.i]
        self.i += 1
        if kind == "lparen":
            if self.depth >= MAX_DEPTH:  # nested too deep: read what follows as part of this group
                self.flat += 1
                return None
            self.depth += 1
            inner = self.or_expr(tfield or fld)
            self.depth -= 1
            if self.i < len(self.tokens) and self.tokens[self.i][0] == "rparen":
                self.i += 1
            return (Not(inner) if neg else inner) if inner is not None else None
        if kind == "phrase":
            if self.clauses >= MAX_CLAUSES:
                return None
            self.clauses += 1
            node: Node = Phrase(text, tfield or fld)
            return Not(node) if neg else node
        if kind == "rparen":
            return None
        return self.word(text, fld)

    def word(self, text: str, fld: str | None) -> Node | None:
        neg = False
        if text[0] in "-+" and len(text) > 1:
            neg, text = text[0] == "-", text[1:]
        name, sep, rest = text.partition(":")
        if sep and _field(name):
            fld, text = _field(name), rest
            if not text:  # "headline:" followed by a space: search the next word in that field
                if self.i < len(self.tokens) and self.tokens[self.i][0] == "word":
                    text = self.tokens[self.i][1]
                    self.i += 1
                else:
                    text = name
        fuzzy = 0
        m = _FUZZY.match(text)
        if m and text.endswith(("~", "~1", "~2")):
            text, fuzzy = m.group("w"), int(m.group("d") or 1)
        prefix = text.endswith("*") and len(text.rstrip("*")) >= MIN_PREFIX and "*" not in text.rstrip("*")
        text = text.strip("*?~")
        if not text or not any(c.isalnum() for c in text) or self.clauses >= MAX_CLAUSES:
            return None
        self.clauses += 1
        node: Node = Word(text, fld, prefix=prefix, fuzzy=fuzzy if not prefix else 0)
        return Not(node) if neg else node

    def peek_word(self, *values: str) -> bool:
        if self.i >= len(self.tokens):
            return False
        kind, text, _, _ = self.tokens[self.i]
        return kind == "word" and text in values


def _simplify(group: Group) -> Node | None:
    items = [i for i in group.items if i is not None]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return Group(group.op, items)


# -- compiling to Whoosh ------------------------------------------------------------------------------
Expansions = dict[int, dict[str, list[str]]]  # id(Word) -> field -> the index terms it stands for there


def compile_query(node: Node | None, reader: IndexReader | None = None, relaxed: bool = False,
                  budget: Budget | None = None, lexicon: Lexicon | None = None) -> wq.Query:
    """A Whoosh query for a syntax tree. `relaxed` turns the top-level "all words" into "any word".

    Prefix and fuzzy words expand over `lexicon` (the searcher's; else a new one over `reader`): at most
    MAX_EXPANSIONS terms a field, MAX_QUERY_EXPANSIONS in all. A word the `budget` has no time left for is
    read as the plain word; the budget is then marked cut, as it is when the query-wide cap trimmed a word.
    A tree nested deeper than any parse gives is read as its words.
    """
    if node is None:
        return wq.NullQuery
    node = _bounded(node)
    if node is None:
        return wq.NullQuery
    if lexicon is None and reader is not None:
        lexicon = Lexicon(reader)
    expansions = _expand(node, lexicon, budget or Budget())
    if relaxed and isinstance(node, Group) and node.op == "and":
        positives = [_compile(i, reader, expansions) for i in node.items if not isinstance(i, Not)]
        negatives = [_compile(i.item, reader, expansions) for i in node.items if isinstance(i, Not)]
        positives = [p for p in positives if p is not wq.NullQuery]
        # Any word matches, ranked by BM25 over the words it has (an article with more of the words, or
        # rarer ones, ranks higher; counting the all-words match twice as well ranked worse on TIME).
        q: wq.Query = wq.Or(positives)
        if negatives:
            q = wq.AndNot(q, wq.Or(negatives))
        return q
    return _compile(node, reader, expansions)


def _compile(node: Node, reader: IndexReader | None, expansions: Expansions) -> wq.Query:
    if isinstance(node, Group):
        subs = [_compile(i, reader, expansions) for i in node.items]
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
        inner = _compile(node.item, reader, expansions)
        return wq.NullQuery if inner is wq.NullQuery else wq.Not(inner)
    searched = {node.field: 1.0} if node.field else fields.default_fields()
    if isinstance(node, Phrase):
        return _any_field(searched, lambda f, w: _phrase(f, terms(node.text), w))
    expanded = expansions.get(id(node))
    if expanded is not None:
        return _any_field(searched, lambda f, w: _expanded(f, expanded.get(f, []), w))
    # A plain word; also a prefix or fuzzy word left unexpanded (no index, or no time left): the word itself.
    found = words(node.text)
    if len(found) > 1:  # "al-Maliki", "U.S.-led": the parts, in order
        return _any_field(searched, lambda f, w: _phrase(f, found, w))
    if not found:
        return wq.NullQuery
    return _any_field(searched, lambda f, w: _word(f, found[0], reader, w))


def _any_field(searched: dict[str, float], make) -> wq.Query:
    subs = [q for f, w in searched.items() if (q := make(f, w)) is not wq.NullQuery]
    if not subs:
        return wq.NullQuery
    return subs[0] if len(subs) == 1 else wq.Or(subs)


def _word(fieldname: str, word: str, reader: IndexReader | None, boost: float) -> wq.Query:
    """A word in one field, with the inflected forms of it that the field holds (analysis.forms)."""
    found = [word] if reader is None else forms(word, lambda t: (fieldname, t) in reader)
    if len(found) == 1:
        return wq.Term(fieldname, found[0], boost=boost)
    return wq.Or([wq.Term(fieldname, f, boost=boost) for f in found])


def _phrase(fieldname: str, tokens: list[str], boost: float) -> wq.Query:
    if not tokens:
        return wq.NullQuery
    if len(tokens) == 1:
        return wq.Term(fieldname, tokens[0], boost=boost)
    return wq.Phrase(fieldname, tokens, boost=boost)


def _expanded(fieldname: str, found: list[str], boost: float) -> wq.Query:
    """A prefix or fuzzy word in one field: an Or of the index terms it expanded to there."""
    if not found:
        return wq.NullQuery
    return wq.Or([wq.Term(fieldname, t, boost=boost) for t in sorted(found)])


def _expand(node: Node, lexicon: Lexicon | None, budget: Budget) -> Expansions:
    """The index terms of every prefix and fuzzy word, per field, within the caps and the time budget.

    One word (in all its fields) is the unit of work between looks at the clock; negated words go first, since
    one left unexpanded would exclude too little. Each word and field keeps its best terms (a prefix's most
    frequent, a fuzzy word's closest) up to MAX_EXPANSIONS; when they add up to more than MAX_QUERY_EXPANSIONS,
    each gets a max-min fair share, and the budget is marked cut.
    """
    if lexicon is None:
        return {}
    todo = [(w, neg) for w, neg in _leaves(node) if isinstance(w, Word) and (w.prefix or w.fuzzy)]
    todo.sort(key=lambda t: not t[1])
    found: dict[tuple[int, str], list[str]] = {}
    for n, (w, _) in enumerate(todo):
        if budget.cut or n and budget.stop():
            break
        word = fold(w.text)
        if not word:
            continue
        for f in [w.field] if w.field else fields.default_fields():
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


# -- walks over the tree (explicit stacks: no tree is too deep for them) ------------------------------
def _leaves(node: Node) -> list[tuple[Word | Phrase, bool]]:
    """The words and phrases of a tree in order, each with whether it is negated (under an odd number of NOTs)."""
    out: list[tuple[Word | Phrase, bool]] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, neg = stack.pop()
        if isinstance(n, Group):
            stack.extend((i, neg) for i in reversed(n.items))
        elif isinstance(n, Not):
            stack.append((n.item, not neg))
        else:
            out.append((n, neg))
    return out


def _bounded(node: Node) -> Node | None:
    """The tree itself, or, when it is nested deeper than a parse can make it, its positive words as one
    all-words group (compiling walks the tree recursively)."""
    stack, deepest = [(node, 1)], 1
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(n, Group):
            stack.extend((i, d + 1) for i in n.items)
        elif isinstance(n, Not):
            stack.append((n.item, d + 1))
    if deepest <= 2 * MAX_DEPTH + 2:
        return node
    return _simplify(Group("and", [leaf for leaf, neg in _leaves(node) if not neg][:MAX_CLAUSES]))


def words_of(node: Node | None) -> list[str]:
    """The positive words and phrase words of a query, for highlighting and did-you-mean."""
    out: list[str] = []
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, Group):
            stack.extend(reversed(n.items))
        elif isinstance(n, Word | Phrase):
            out.append(n.text)
    return out


def is_plain(node: Node | None) -> bool:
    """True for a query of plain words (what relaxing and did-you-mean apply to)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Word):
            if n.field or n.prefix or n.fuzzy:
                return False
        elif isinstance(n, Group) and n.op == "and":
            stack.extend(i for i in n.items if not isinstance(i, Not))
        else:
            return False
    return True
