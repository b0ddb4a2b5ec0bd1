"""Cue words of direct attribution ("said", "told", "according to"…) and where they stand in a text.

Part of the attribute stage: extract.py indexes a text's cues once (`Cues`) and looks up the ones near each
quotation mark. The cue regex is a trie of the words, so trying it at a position costs about one word's length
and the one pass stays linear in the text length.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from typing import NamedTuple

__all__ = ["ING_CUES", "Cue", "Cues"]

_CUE_WORDS = """said says say told tells added adds wrote writes stated states announced announces tweeted
tweets explained explains noted notes asked asks replied replies continued continues argued argues
insisted insists claimed claims warned warns declared declares recalled recalls acknowledged
acknowledges conceded concedes concluded responded responds suggested suggests reported reports posted
remarked observed joked jokes quipped emailed texted testified predicted predicts promised promises
vowed vows admitted admits boasted boasts complained complains maintained maintains shouted yelled
exclaimed urged urges countered counters agreed lamented laments charged contended contends described
describes called calls mused answered answers commented opined blasted slammed mocked praised repeated
reiterated cautioned stressed emphasized wondered added chanted read reads announced proclaimed
promised pledged bragged griped whispered screamed sang thundered sings remembered recounted elaborated
recalled quoted cited labeled dubbed accused asserted asserts insisted tweeted retorted snapped
conceded allowed acknowledged criticized defended denied confirmed mentioned cites cautioned cautions
bemoaned questioned expressed write argue note insist warn explain contend recall demanded
    pressed conclude concludes""".split()
ING_CUES = """saying adding writing telling noting asking explaining arguing calling describing declaring
warning tweeting insisting recalling citing claiming acknowledging suggesting denouncing""".split()
_CUES = frozenset(_CUE_WORDS + ING_CUES) | {
    "according to",
    "pointed out",
    "points out",
    "went on",
    "goes on",
    "chimed in",
    "put it",
    "shot back",
    "fired back",
    "hit back",
    "wrote back",
}


def _trie(words: list[str]) -> str:
    """A regex for exactly these words with their shared starts factored out, so that trying it at a position
    costs about one word's length rather than one attempt per word (Python's re does not do this itself)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


# A cue is a whole word (its letters not running on) in lower case, "Said" or "According to" where a sentence may
# start; the phrases end at a word boundary.
_PHRASES = "|".join(map(re.escape, sorted(c for c in _CUES if " " in c) + ["According to"]))
_ONE_WORD_CUES = _trie(sorted(c for c in _CUES if " " not in c) + ["Said"])
_CUE_RE = re.compile(rf"\b(?:(?:{_PHRASES})\b|{_ONE_WORD_CUES}(?![A-Za-z]))")


class Cue(NamedTuple):
    """A cue word and its offsets."""

    start: int
    end: int
    word: str


class Cues:
    """Every cue word of a text, found in one pass; capitalised only where a sentence may start.

    Kept as arrays of offsets and shared word strings (24 bytes a cue, not ~190 as tuples): a text can be all cues.
    """

    def __init__(self, text: str) -> None:
        self.starts, self.ends, self.words = array("q"), array("q"), []
        canon: dict[str, str] = {}
        for m in _CUE_RE.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())
            self.words.append(canon.setdefault(m[0], m[0]))

    def between(self, lo: int, hi: int) -> list[Cue]:
        """The cues lying wholly inside text[lo:hi]."""
        i, j = bisect_left(self.starts, lo), bisect_left(self.starts, hi)
        return [Cue(self.starts[k], self.ends[k], self.words[k]) for k in range(i, j) if self.ends[k] <= hi]
