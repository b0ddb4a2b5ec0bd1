"""The query language's syntax: a user's query string -> a small syntax tree (parse), and walks over it.

    words (all required; of 4+ plain words, any)   "exact phrase"   -word  NOT word   a OR b   ( ... )
    word*   word~  word~2
    headline: caption: body: quote: source: section: byline:   e.g.  source:"Al Jazeera"
    "harbour ferry"~3 (in order, each word within 3 positions of the one before)
    word^2  "a phrase"^1.5  field:word^3  (a OR b)^2 (the clause's share of the score times the boost)

The parser is hand-written and forgiving: any input, however malformed ("unclosed, (((, headline:,
AND OR, 5,000 characters, control characters, parentheses nested 5,000 deep), gives the best plain reading
of its words; it never raises. Field names and their aliases are the field registry's (search/index/fields.py).
query.py compiles the tree to a Whoosh query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from search.engine.params import MAX_QUERY_LENGTH
from search.index.fields import ARTICLES, Registry

MAX_CLAUSES = 64  # words and phrases beyond this are dropped
MAX_DEPTH = 32  # parentheses nested deeper are read as if they were not there (so are their closing ones)
MIN_PREFIX = 3  # `ab*` is not a prefix query: too many expansions
MAX_SLOP = 1000  # `"a b"~N` with a larger N is read as ~1000
MAX_BOOST = 1000.0  # `word^N` with a larger N is read as ^1000 (scores stay finite)


# -- syntax tree ------------------------------------------------------------------------------------
@dataclass
class Word:
    text: str
    field: str | None = None
    prefix: bool = False
    fuzzy: int = 0
    boost: float = 1.0  # the word's contribution to the score is multiplied by it


@dataclass
class Phrase:
    text: str
    field: str | None = None
    slop: int = 1  # each word within this many positions after the one before (1: the exact phrase)
    boost: float = 1.0


@dataclass
class Group:
    op: str  # "and" | "or"
    items: list[Node] = field(default_factory=list)
    boost: float = 1.0


@dataclass
class Not:
    item: Node


Node = Word | Phrase | Group | Not
Token = tuple[str, str, str | None, bool, str]  # kind, text, field, negated, suffix ("~3^2" of a phrase, "2" of ")^2")

_NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"  # a boost: 2, 1.5, .5 (not 1e9, not -1)
_END = r"(?=[\s()\"“”„]|$)"  # a phrase's or a group's suffix must end its token
_TOKEN = re.compile(
    rf"""(?P<phrase>[-+]?(?:(?P<fld1>[A-Za-z]+):)?["“”„](?P<ptext>[^"“”]*)["“”]?
                    (?P<psuffix>(?:~[0-9]*|\^{_NUMBER})+{_END})?)
      | (?P<lparen>[-+]?(?:(?P<fld2>[A-Za-z]+):)?\()
      | (?P<rparen>\)(?:\^(?P<gboost>{_NUMBER}){_END})?)
      | (?P<word>[^\s()"“”„]+)""",
    re.X,
)
# Control and invisible characters, and lone surrogates (from undecodable bytes in a command line): spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]")
_FUZZY = re.compile(r"^(?P<w>.+?)~(?P<d>[12])?$")
_BOOST = re.compile(rf"^(?P<w>.+?)\^(?P<b>{_NUMBER})$")  # any other "^" is punctuation, as before
_SUFFIX = re.compile(rf"~(?P<slop>[0-9]*)|\^(?P<boost>{_NUMBER})")


def parse(text: str, registry: Registry = ARTICLES) -> Node | None:
    """Parse a query string (field names from `registry`); None when it has no searchable words. Never raises."""
    text = _CONTROL.sub(" ", text or "")[:MAX_QUERY_LENGTH]  # the rest is ignored (the API refuses longer ones)
    tokens = list(_lex(text, registry))
    parser = _Parser(tokens, registry)
    return parser.parse()


def _lex(text: str, registry: Registry):
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if m.group("phrase") is not None:
            neg = m.group("phrase").startswith("-")
            yield ("phrase", m.group("ptext"), _field(m.group("fld1"), registry), neg, m.group("psuffix") or "")
        elif m.group("lparen") is not None:
            yield ("lparen", "(", _field(m.group("fld2"), registry), m.group("lparen").startswith("-"), "")
        elif m.group("rparen") is not None:
            yield ("rparen", ")", None, False, m.group("gboost") or "")
        else:
            yield ("word", m.group("word"), None, False, "")
        del kind


def _field(name: str | None, registry: Registry) -> str | None:
    found = registry.field(name) if name else None  # a query field name or alias -> the index field
    return found.name if found is not None else None


class _Parser:
    """Recursive descent over the tokens, skipping whatever does not fit."""

    def __init__(self, tokens: list[Token], registry: Registry) -> None:
        self.tokens = tokens
        self.registry = registry
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
        kind, text, tfield, neg, suffix = self.tokens[self.i]
        self.i += 1
        if kind == "lparen":
            if self.depth >= MAX_DEPTH:  # nested too deep: read what follows as part of this group
                self.flat += 1
                return None
            self.depth += 1
            inner = self.or_expr(tfield or fld)
            self.depth -= 1
            if self.i < len(self.tokens) and self.tokens[self.i][0] == "rparen":
                _boosted(inner, self.tokens[self.i][4])  # "(a OR b)^2"
                self.i += 1
            return (Not(inner) if neg else inner) if inner is not None else None
        if kind == "phrase":
            if self.clauses >= MAX_CLAUSES:
                return None
            self.clauses += 1
            slop, boost = _phrase_suffix(suffix)
            node: Node = Phrase(text, tfield or fld, slop=slop, boost=boost)
            return Not(node) if neg else node
        if kind == "rparen":
            return None
        return self.word(text, fld)

    def word(self, text: str, fld: str | None) -> Node | None:
        neg = False
        if text[0] in "-+" and len(text) > 1:
            neg, text = text[0] == "-", text[1:]
        name, sep, rest = text.partition(":")
        if sep and _field(name, self.registry):
            fld, text = _field(name, self.registry), rest
            if not text:  # "headline:" followed by a space: search the next word in that field
                if self.i < len(self.tokens) and self.tokens[self.i][0] == "word":
                    text = self.tokens[self.i][1]
                    self.i += 1
                else:
                    text = name
        boost, text = _word_boost(text)  # "harbor~2^3"
        fuzzy = 0
        m = _FUZZY.match(text)
        if m and text.endswith(("~", "~1", "~2")):
            text, fuzzy = m.group("w"), int(m.group("d") or 1)
        if boost is None:  # "harbor^3~2"
            boost, text = _word_boost(text)
        prefix = text.endswith("*") and len(text.rstrip("*")) >= MIN_PREFIX and "*" not in text.rstrip("*")
        text = text.strip("*?~")
        if not text or not any(c.isalnum() for c in text) or self.clauses >= MAX_CLAUSES:
            return None
        self.clauses += 1
        node: Node = Word(text, fld, prefix=prefix, fuzzy=fuzzy if not prefix else 0,
                          boost=1.0 if boost is None else boost)
        return Not(node) if neg else node

    def peek_word(self, *values: str) -> bool:
        if self.i >= len(self.tokens):
            return False
        kind, text, *_ = self.tokens[self.i]
        return kind == "word" and text in values


def _boost_value(text: str) -> float:
    return min(float(text), MAX_BOOST)


def _word_boost(text: str) -> tuple[float | None, str]:
    """A word's trailing "^N" (N a plain decimal number) as its boost, and the word without it; else (None, text):
    a "^" that is not a boost stays in the word, where it is punctuation ("word^abc" is "word abc")."""
    m = _BOOST.match(text)
    return (_boost_value(m.group("b")), m.group("w")) if m else (None, text)


def _phrase_suffix(suffix: str) -> tuple[int, float]:
    """(slop, boost) from what follows a phrase's closing quote ("~3", "^2", "~3^2", "^2~3"); the first of
    each counts. "~" alone, "~0" and "~1" are the exact phrase."""
    slop, boost = None, None
    for m in _SUFFIX.finditer(suffix):
        if m.group("boost") is not None:
            boost = _boost_value(m.group("boost")) if boost is None else boost
        elif slop is None:
            slop = min(max(int(m.group("slop") or 1), 1), MAX_SLOP)
    return slop or 1, 1.0 if boost is None else boost


def _boosted(node: Node | None, text: str) -> None:
    """Multiply a group's boost ("(a OR b)^2") into the node it reads as; a negated one has no score to boost."""
    if text and node is not None and not isinstance(node, Not):
        node.boost = min(node.boost * _boost_value(text), MAX_BOOST)


def _simplify(group: Group) -> Node | None:
    items = [i for i in group.items if i is not None]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return Group(group.op, items)


# -- walks over the tree (explicit stacks: no tree is too deep for them) ------------------------------
def leaves(node: Node) -> list[tuple[Word | Phrase, bool]]:
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


def bounded(node: Node) -> Node | None:
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
    return _simplify(Group("and", [leaf for leaf, neg in leaves(node) if not neg][:MAX_CLAUSES]))


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


def render(node: Node, top: bool = True) -> str:
    """A query string that parses back to the tree (what a did-you-mean offers, edited): words with their
    field, `*`, `~N` and `^N`, phrases with `~N` and `^N`, groups in parentheses, NOT as `-`. Callers check
    `parse(render(node)) == node` where it matters: a word that reads as an operator does not come back."""
    if isinstance(node, Word):
        text = f"{node.field}:{node.text}" if node.field else node.text
        return text + ("*" if node.prefix else "") + (f"~{node.fuzzy}" if node.fuzzy else "") + _boost_text(node.boost)
    if isinstance(node, Phrase):
        text = f'{node.field}:"{node.text}"' if node.field else f'"{node.text}"'
        return text + (f"~{node.slop}" if node.slop > 1 else "") + _boost_text(node.boost)
    if isinstance(node, Not):
        return "-" + render(node.item, top=False)
    inner = (" OR " if node.op == "or" else " ").join(render(i, top=False) for i in node.items)
    if top and node.op == "and" and node.boost == 1.0:
        return inner
    return f"({inner})" + _boost_text(node.boost)


def _boost_text(boost: float) -> str:
    if boost == 1.0:
        return ""
    text = format(Decimal(repr(boost)), "f")  # 1e-07 -> 0.0000001: the syntax has no exponents
    return "^" + (text.rstrip("0").rstrip(".") if "." in text else text)


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
