"""Text analysis shared by indexing and querying, so a word is cut the same way on both sides.

One tokenizer pass does what a chain of Whoosh filters would (Unicode words, lower case, accents folded,
numbers kept whole, possessives dropped), because analysis is most of the cost of indexing. The index
keeps every word as written (`INDEX`), so a quoted phrase matches its exact words, stop words included;
stemming happens at query time instead: a word also finds its singular and plural forms (`variants`),
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

# Short and function words only: "us", "may", "will", "new" and "not" carry meaning in news.
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
def _fold(word: str) -> str:
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


@lru_cache(maxsize=200_000)
def _stemmed(word: str) -> str | None:
    w = _fold(word)
    if not w or w in STOP_WORDS:
        return None
    return light_stem(w)


class NewsTokenizer(Tokenizer):
    """Tokenizer + filters in one pass; `stem=False` gives the exact flavour (every word kept, unstemmed)."""

    def __init__(self, stem: bool = True) -> None:
        self.stem = stem

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsTokenizer) and other.stem == self.stem

    def __hash__(self) -> int:
        return hash((NewsTokenizer, self.stem))

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
        norm = _stemmed if self.stem else _fold
        pos = start_pos
        for m in WORD.finditer(value):
            word = m.group()
            text = norm(word)
            if text is None:
                if removestops:
                    continue
                t.stopped, text = True, _fold(word)
            else:
                t.stopped = False
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


INDEX = NewsTokenizer(stem=False)


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
