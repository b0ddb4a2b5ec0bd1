"""The query language: a user's query string -> a small syntax tree -> a Whoosh query.

    words (all required)   "exact phrase"   -word  NOT word   a OR b   ( ... )   word*   word~  word~2
    headline: caption: body: quote: source: section: byline:   e.g.  source:"Al Jazeera"

The parser is hand-written and forgiving: any input, however malformed ("unclosed, (((, headline:,
AND OR, 5,000 characters, control characters), gives the best plain reading of its words; it never
raises. A word also finds its singular and plural forms; a phrase matches its exact words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.reading import IndexReader

from search.analysis import fold, forms, terms, words
from search.schema import DEFAULT_FIELDS

MAX_QUERY_CHARS = 1000  # the rest of a longer query is ignored (the API refuses longer ones outright)
MAX_CLAUSES = 64  # words, phrases and groups beyond this are dropped
MIN_PREFIX = 3  # `ab*` is not a prefix query: too many expansions
MAX_EXPANSIONS = 64  # a prefix or fuzzy word matches at most this many index terms

# Query field name -> index field; default fields and their weights.
FIELD_ALIASES = {
    "headline": "headline", "title": "headline",
    "caption": "caption", "captions": "caption",
    "body": "body", "text": "body",
    "quote": "quotes", "quotes": "quotes",
    "source": "source", "sources": "source",
    "section": "section",
    "byline": "byline", "by": "byline", "author": "byline",
}


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
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_FUZZY = re.compile(r"^(?P<w>.+?)~(?P<d>[12])?$")


def parse(text: str) -> Node | None:
    """Parse a query string; None when it has no searchable words. Never raises."""
    text = _CONTROL.sub(" ", text or "")[:MAX_QUERY_CHARS]
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
    return FIELD_ALIASES.get(name.lower()) if name else None


class _Parser:
    """Recursive descent over the tokens, skipping whatever does not fit."""

    def __init__(self, tokens: list[tuple[str, str, str | None, bool]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.clauses = 0

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
            if kind == "rparen" or self.peek_word("OR", "|", "||"):
                break
            node = self.unary(fld)
            if node is not None and self.clauses < MAX_CLAUSES:
                items.append(node)
        return _simplify(Group("and", items))

    def unary(self, fld: str | None) -> Node | None:
        if self.peek_word("NOT", "!"):
            self.i += 1
            if self.i >= len(self.tokens) or self.tokens[self.i][0] == "rparen" or self.peek_word("OR", "|"):
                return None
            inner = self.unary(fld)
            return Not(inner) if inner is not None else None
        if self.peek_word("AND", "&&", "+", "-"):
            self.i += 1
            return None
        return self.atom(fld)

    def atom(self, fld: str | None) -> Node | None:
        kind, text, tfield, neg = self.tokens[self.i]
        self.i += 1
        if kind == "lparen":
            inner = self.or_expr(tfield or fld)
            if self.i < len(self.tokens) and self.tokens[self.i][0] == "rparen":
                self.i += 1
            return (Not(inner) if neg else inner) if inner is not None else None
        if kind == "phrase":
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
        if not text or not any(c.isalnum() for c in text):
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
def compile_query(node: Node | None, reader: IndexReader | None = None, relaxed: bool = False) -> wq.Query:
    """A Whoosh query for a syntax tree. `relaxed` turns the top-level "all words" into "any word"."""
    if node is None:
        return wq.NullQuery
    if relaxed and isinstance(node, Group) and node.op == "and":
        positives = [_compile(i, reader) for i in node.items if not isinstance(i, Not)]
        negatives = [_compile(i.item, reader) for i in node.items if isinstance(i, Not)]
        positives = [p for p in positives if p is not wq.NullQuery]
        # Any word matches, ranked by BM25 over the words it has (an article with more of the words, or
        # rarer ones, ranks higher; counting the all-words match twice as well ranked worse on TIME).
        q: wq.Query = wq.Or(positives)
        if negatives:
            q = wq.AndNot(q, wq.Or(negatives))
        return q
    return _compile(node, reader)


def _compile(node: Node, reader: IndexReader | None) -> wq.Query:
    if isinstance(node, Group):
        subs = [_compile(i, reader) for i in node.items]
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
        inner = _compile(node.item, reader)
        return wq.NullQuery if inner is wq.NullQuery else wq.Not(inner)
    fields = {node.field: 1.0} if node.field else DEFAULT_FIELDS
    if isinstance(node, Phrase):
        return _any_field(fields, lambda f, w: _phrase(f, terms(node.text), w))
    if node.prefix or node.fuzzy:
        return _any_field(fields, lambda f, w: _expanded(f, node, reader, w))
    found = words(node.text)
    if len(found) > 1:  # "al-Maliki", "U.S.-led": the parts, in order
        return _any_field(fields, lambda f, w: _phrase(f, found, w))
    if not found:
        return wq.NullQuery
    return _any_field(fields, lambda f, w: _word(f, found[0], reader, w))


def _any_field(fields: dict[str, float], make) -> wq.Query:
    subs = [q for f, w in fields.items() if (q := make(f, w)) is not wq.NullQuery]
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


def _expanded(fieldname: str, node: Word, reader: IndexReader | None, boost: float) -> wq.Query:
    """A prefix or fuzzy word as an Or of at most MAX_EXPANSIONS real index terms (never unbounded)."""
    word = fold(node.text)
    if reader is None or not word:
        return _phrase(fieldname, words(node.text), boost)
    if node.prefix:
        found = []
        for t in reader.expand_prefix(fieldname, word):
            found.append(t.decode("utf-8") if isinstance(t, bytes) else t)
            if len(found) >= MAX_EXPANSIONS:
                break
    else:
        fuzzy = wq.FuzzyTerm(fieldname, word, maxdist=node.fuzzy, prefixlength=1)
        found = list(fuzzy._btexts(reader))[:MAX_EXPANSIONS]  # noqa: SLF001 - the bounded expansion
        found = [t.decode("utf-8") if isinstance(t, bytes) else t for t in found]
    if not found:
        return wq.NullQuery
    return wq.Or([wq.Term(fieldname, t, boost=boost) for t in found])


def words_of(node: Node | None) -> list[str]:
    """The positive words and phrase words of a query, for highlighting and did-you-mean."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Group):
            for i in n.items:
                walk(i)
        elif isinstance(n, Word | Phrase):
            out.append(n.text)

    if node is not None:
        walk(node)
    return out


def is_plain(node: Node | None) -> bool:
    """True for a query of plain words (what relaxing and did-you-mean apply to)."""
    if isinstance(node, Word):
        return not node.field and not node.prefix and not node.fuzzy
    if isinstance(node, Group) and node.op == "and":
        return all(is_plain(i) or isinstance(i, Not) for i in node.items)
    return False
