"""Text analysis shared by indexing and querying, so a word is cut the same way on both sides.

One tokenizer pass does what a chain of Whoosh filters would (Unicode words, lower case, accents folded,
numbers kept whole, possessives dropped), because analysis is most of the cost of indexing. The index
keeps every word as written (`INDEX`), so a quoted phrase matches its exact words, stop words included;
stemming happens at query time instead: a word also finds its plural and -ed / -ing forms (`forms`),
which costs a few term lookups per query rather than a second copy of every posting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

# Acronyms with dots ("U.S." -> "us"), words, and numbers with their separators ("4,485", "3.4", "2011").
WORD = re.compile(r"(?:[^\W\d_]\.){2,}(?![^\W\d_])|\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*|\w+", re.UNICODE)

# Dropped from query words (never from the index): short function words only; "us", "may", "will",
# "new" and "not" carry meaning in news.
STOP_WORDS = frozenset(
    "a an and are as at be been but by for from had has have he her his i if in into is it its of on or our "
    "she so than that the their them then there these they this those to was were what which who with".split()
)

# Plurals the light stemmer must leave alone (or would cut wrongly).
NO_STEM = frozenset(
    "news series species means always perhaps thus yes bus gas lens atlas bias chaos cosmos canvas alias "
    "whereas has was is does goes this its ours yours hers theirs his less unless across lots dies lies ties "
    "pies movies cookies calories zombies rookies brownies crises analyses diagnoses theses".split()
)


def light_stem(word: str) -> str:
    """English plural -> singular, nothing more: employees, refugees and news keep their meaning.

    >>> [light_stem(w) for w in ["employees", "refugees", "news", "cities", "churches", "politics", "troops"]]
    ['employee', 'refugee', 'news', 'city', 'church', 'politics', 'troop']
    """
    n = len(word)
    if n < 4 or word[-1] != "s" or word in NO_STEM or not word.isalpha():
        return word
    if word.endswith("ies") and n > 4 and word[-4] not in "aeiou":
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "ics", "'s", "ous")):
        return word
    return word[:-1]


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower case, accents removed, typographic apostrophe straightened, possessive 's dropped."""
    w = word.lower().replace("’", "'")
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("'"):
        w = w[:-1]
    if w[:1].isdigit():
        w = w.replace(",", "")
    elif w.endswith("."):  # an acronym: "u.s." -> "us"
        w = w.replace(".", "")
    return w


class NewsTokenizer(Tokenizer):
    """Tokenizer and filters in one pass: every word kept, folded, unstemmed (stemming is query-time)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsTokenizer)

    def __hash__(self) -> int:
        return hash(NewsTokenizer)

    def __call__(  # noqa: PLR0913 - Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost, t.stopped = 1.0, False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        t.stopped = False
        for m in WORD.finditer(value):
            word = m.group()
            text = fold(word)
            if not text:
                continue
            t.text, t.boost = text, 1.0
            if keeporiginal:
                t.original = word
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar, t.endchar = start_char + m.start(), start_char + m.end()
            yield t


INDEX = NewsTokenizer()


def terms(text: str) -> list[str]:
    """The indexed terms of a piece of text, in order, stop words included (phrases, tests)."""
    return [t.text for t in INDEX(text)]


def words(text: str) -> list[str]:
    """The searchable words of a query word: folded terms without stop words."""
    return [w for w in terms(text) if w not in STOP_WORDS]


def variants(term: str) -> list[str]:
    """The forms of a folded word that stemming would conflate: the word, its singular and its plurals.

    >>> variants("cities"), variants("employee"), variants("news"), variants("church")
    (['cities', 'city'], ['employee', 'employees'], ['news'], ['church', 'churches'])
    """
    stem = light_stem(term)
    out = [term] if term == stem else [term, stem]
    if stem.isalpha() and len(stem) >= 3 and stem not in NO_STEM:
        if stem.endswith(("s", "sh", "ch", "x", "z")):
            plurals = [stem + "es"]
        elif stem.endswith("y") and stem[-2:-1] not in ("a", "e", "i", "o", "u"):
            plurals = [stem[:-1] + "ies"]
        else:
            plurals = [stem + "s"]
        out += [p for p in plurals if p not in out and light_stem(p) == stem]
    return out


_VOWELS = frozenset("aeiou")


def _verb_bases(term: str) -> list[str]:
    """Possible bases of an -ed / -ing form, most likely first ("hoped" -> hope, hop; "stopped" -> stop)."""
    for suffix in ("ing", "ed"):
        stem = term[: -len(suffix)]
        if term.endswith(suffix) and len(stem) >= 3 and any(c in _VOWELS for c in stem):
            if suffix == "ed" and stem.endswith("i"):  # "carried" -> carry
                return [stem[:-1] + "y"]
            out = [stem + "e", stem]
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":  # "stopped" -> stop
                out.insert(0, stem[:-1])
            return out
    return []


def _inflections(base: str) -> list[str]:
    """Plural / third person and -ed / -ing forms of a base word."""
    out = variants(base)[1:]
    if len(base) < 3 or not base.isalpha() or base in NO_STEM:
        return out
    if base.endswith("e"):
        out += [base + "d", base[:-1] + "ing"]
    elif base.endswith("y") and base[-2:-1] not in _VOWELS:
        out += [base[:-1] + "ied", base + "ing"]
    else:
        out += [base + "ed", base + "ing"]
        if len(base) <= 5 and base[-1] not in _VOWELS | {"w", "x", "y"} and base[-2] in _VOWELS \
                and base[-3:-2] not in _VOWELS:  # "stop" -> stopped, stopping
            out += [base + base[-1] + "ed", base + base[-1] + "ing"]
    return out


def forms(term: str, present) -> list[str]:
    """The forms of a folded query word an index holds (`present(t)` says whether it does): the word,
    its singular and plurals, and its -ed / -ing forms, all sharing one base.

    Inflection only, never derivation: "united" finds "unite" and "uniting" (when the index has "unite")
    but not "unit"; "news" stays "news"; "university" never meets "universe".
    """
    base = base_of(term, present)
    found = [t for t in dict.fromkeys([term, base, *_inflections(base)])
             if t == term or (present(t) and base_of(t, present) == base)]
    return found


def base_of(term: str, present) -> str:
    """The base a folded word is an inflection of, judged by which bases the index holds."""
    if term in NO_STEM:
        return term
    for base in _verb_bases(term):
        if present(base):
            return base
    return light_stem(term)
