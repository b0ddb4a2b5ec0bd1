"""Quotation and source attribution: the stage between the readers and the indexer.

Pure regexes and heuristics over bounded windows, so the cost stays linear in the text length (every regex
that meets unbounded text either cannot backtrack over it or is tried only where a match can start: Python's
re cannot be interrupted); sentence and speaker helpers and indirect attributions live in attribution.py,
names, aliases and the person/pronoun bookkeeping in sources.py, repeated quotes in repeats.py.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from dataclasses import replace
from typing import NamedTuple

from search.articles import Article, Quote
from search.quotes.attribution import (
    INVERTING,
    MIN_WORDS,
    REPORT_TAIL_RE,
    WINDOW,
    indirect_quotes,
    is_abbrev,
    normalise_source,
    sentence_end,
    sentence_start,
    source_name,
    speaker_span,
)
from search.quotes.repeats import dedupe, held, words
from search.quotes.sources import PRONOUNS, Speakers, is_cap, name_span

__all__ = ["PRONOUNS", "attribute", "extract_quotes", "normalise_source"]

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
bemoaned questioned expressed write argue note insist warn explain contend recall""".split()
_ING_CUES = """saying adding writing telling noting asking explaining arguing calling describing declaring
warning tweeting insisting recalling citing claiming acknowledging suggesting denouncing""".split()
_CUES = frozenset(_CUE_WORDS + _ING_CUES) | {
    "according to",
    "pointed out",
    "points out",
    "went on",
    "goes on",
    "chimed in",
    "put it",
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
# possessive runs of whitespace: matched from an unbounded position, "\s*,?\s*" would split a long run both ways
_INVERTED_RE = re.compile(r"\s*+,?\s*+(?:said|says|added|adds|wrote|writes|asked|asks)\b")
_ROLE_RE = re.compile(r"\s*((?:an?|the)\s+[^,.;\n]{0,60}?\b(?:for|of|at|with|from)\s+[^,.;\n]{0,30})")
_QMARK_RE = re.compile('[\u201c\u201d"]')
_LINE_RE = re.compile(r"[^\n]+")
_CLAUSE_END_RE = re.compile(r"[.!?;:\u201c\u201d\"\n]|\((?![^()\n]{0,40}\))|,\s(?:and|but|after|before)\b")
_VERBISH_RE = re.compile(r"\b[a-z]{2,}(?:ed|es|ts|ds|ks|ys)\b")
# a paragraph break inside a quotation, with the mark reopening it; it can only start where a run of
# whitespace starts, so a long run without a newline is walked once, not once per character
_BREAK_RE = re.compile(r"(?<!\s)[^\S\n]*+\n\s*+[\u201c\"]?")
_COMMA_CLAUSE_RE = re.compile(r"[^.!?;]{0,120},\s*")
_NAME_END_RE = re.compile(r"\s*(?:[.,]|$)")
_STOP_RE = re.compile(r"[.!?;]")
_SUBJECT_LEAD_RE = re.compile(r"\s*(?:(?:But|And|So|Yet|Still|Then|Now|Instead)\s+|[^,\n]{0,100},\s+)?")
_APPOSITION_RE = re.compile(r",[^,\n]{1,140},")
_VERB_RE = re.compile(r"\s*(?:\w+ly\s+)?[a-z]{2,}")


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(opening mark, after closing mark) of every quotation, multi-paragraph ones as one span."""
    spans: list[tuple[int, int]] = []
    carried: int | None = None  # start of a quotation left open at the end of the previous paragraph
    last_end = 0  # where that paragraph ended
    for para in _LINE_RE.finditer(text):
        ps, pe = para.span()
        lead = ps + len(para[0]) - len(para[0].lstrip())
        if lead >= pe:
            continue
        opened, skip = None, -1
        if carried is not None:
            if text[lead] in '\u201c"':
                opened, skip = carried, lead
            else:
                spans.append((carried, last_end))
        carried = None
        for m in _QMARK_RE.finditer(text, ps, pe):
            i, c = m.start(), m[0]
            if i == skip:
                continue
            before = text[i - 1] if i > ps else " "
            after = text[i + 1] if i + 1 < pe else " "
            if c == "\u201c" or (c == '"' and (opened is None or (before.isspace() and not after.isspace()))):
                if c == '"' and after.isspace():
                    continue  # a stray straight mark
                opened = i
            elif opened is not None:
                spans.append((opened, i + 1))
                opened = None
        if opened is not None:
            carried, last_end = opened, pe
    if carried is not None:
        spans.append((carried, last_end))
    return spans


def _inner(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The quoted words without marks (paragraph breaks joined), and their offsets."""
    s = start + 1
    e = end - 1 if text[end - 1] in '\u201d"' else end
    inner = text[s:e]
    body = (_BREAK_RE.sub("\n", inner) if "\n" in inner else inner).strip()
    return body, s, e


class _Cue(NamedTuple):
    """A cue word and its offsets."""

    start: int
    end: int
    word: str


class _Cues:
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

    def between(self, lo: int, hi: int) -> list[_Cue]:
        """The cues lying wholly inside text[lo:hi]."""
        i, j = bisect_left(self.starts, lo), bisect_left(self.starts, hi)
        return [_Cue(self.starts[k], self.ends[k], self.words[k]) for k in range(i, j) if self.ends[k] <= hi]


def _clause(text: str, lo: int, hi: int) -> int:
    """Where the clause starting at lo ends (an abbreviation's full stop does not end it)."""
    for m in _CLAUSE_END_RE.finditer(text, lo, hi):
        if m[0] == "." and is_abbrev(text, m.start(), lo):
            continue
        return m.start()
    return hi


def _after(text: str, cue_index: _Cues, qe: int, pe: int) -> tuple[int, int, str] | None:
    """Speaker and cue right after a closing mark: '..." she said' or '..." said John Smith'."""
    end = _clause(text, qe, min(pe, qe + 160))
    clause = text[qe:end]
    last = text[qe - 2 : qe - 1] if text[qe - 1 : qe] in '\u201d"' else ""
    cues = [(c.start - qe, c.end - qe, c.word) for c in cue_index.between(qe, min(end, qe + 140))][:1]
    if not cues and "," in (last, clause[:1]):
        cues = [(m.start(), m.end(), m[0]) for m in _VERBISH_RE.finditer(clause) if m.start() <= 50][:1]
    for c_start, c_end, word in cues:
        if not clause[:c_start].strip(" ,\u2014\u2013-"):
            if word in _ING_CUES:
                return None
            tail = clause[c_end:].split(",")[0]
            span = name_span(tail, from_start=True)
            if span and (
                is_cap(tail[span[0] : span[1]]) or tail[span[0] : span[1]].lower() in PRONOUNS or word in INVERTING
            ):
                return qe + c_end + span[0], qe + c_end + span[1], word
            return None
        if word in INVERTING and _COMMA_CLAUSE_RE.fullmatch(clause[:c_start]):
            tail = clause[c_end:].split(",")[0]  # '"..." that he can win, said John Smith.'
            span = name_span(tail, from_start=True)
            if span and is_cap(tail[span[0] : span[1]]) and _NAME_END_RE.match(tail[span[1] :]):
                return qe + c_end + span[0], qe + c_end + span[1], word
        sub = speaker_span(text, qe, qe + c_start)
        gap = text[qe : sub[0]] if sub else "."
        role = _ROLE_RE.fullmatch(gap)
        if sub and role:  # '"..." a spokesman for committee Democrats said'
            sub, gap = (qe + role.start(1), sub[1]), gap[: role.start(1)]
        # '"..." she said', '"..." than the others, Smith said.'
        near = len(gap.split()) <= 3 or (gap.rstrip().endswith(",") and REPORT_TAIL_RE.match(text, qe + c_end))
        if sub and near and not _STOP_RE.search(gap):
            return sub[0], sub[1], word
    return None


def _before(
    text: str, cue_index: _Cues, qs: int, floor: int, subject: bool = False
) -> tuple[int, int, str | None] | None:
    """Speaker and cue in the sentence before an opening mark: 'Smith said, "...' or 'as X wrote:'."""
    pre = text[floor:qs].rstrip()
    colon = pre.endswith(":")
    if pre.endswith((".", "!", "?")):
        return None  # the sentence before has ended: this quotation is not introduced by it
    end = floor + len(pre.rstrip(":,\u2014 "))
    start = sentence_start(text, end, floor)
    for cue in reversed(cue_index.between(start, end)):
        word = cue.word.lower()
        if word in _ING_CUES:
            subject = _sentence_subject(text, start, cue.start)
            if subject:
                return subject[0], subject[1], cue.word
            continue
        if word == "according to":
            span = name_span(text[cue.end : end].split(",")[0], from_start=True)
            if span:
                return cue.end + span[0], cue.end + span[1], word
            continue
        sub = speaker_span(text, start, cue.start)
        if sub:
            return sub[0], sub[1], cue.word
        span = name_span(text[cue.end : end].split(",")[0], from_start=True) if word in INVERTING else None
        if (
            span
            and text[cue.end + span[1] : end].strip()[:1] in ("", ",")
            and text[cue.end + span[0] : cue.end + span[1]].lower() not in ("her", "him", "them", "it", "his")
        ):
            return cue.end + span[0], cue.end + span[1], cue.word
    if colon and end - start < 200:
        sub = _sentence_subject(text, start, end) or speaker_span(text, start, end)
        if sub:
            return sub[0], sub[1], None
    return _sentence_subject(text, start, end) if subject else None


def _announced(text: str, cue_index: _Cues, dot: int, floor: int) -> tuple[int, int, str] | None:
    """'Smith said in a statement. "..."': a cue with nothing said after it introduces the next quotation."""
    start = sentence_start(text, dot, floor)
    cues = cue_index.between(start, dot)
    if not cues or cues[-1].word not in INVERTING or not REPORT_TAIL_RE.fullmatch(text, cues[-1].end, dot + 1):
        return None
    sub = speaker_span(text, start, cues[-1].start)
    return (sub[0], sub[1], cues[-1].word) if sub else None


def _sentence_subject(text: str, start: int, end: int) -> tuple[int, int, None] | None:
    """No cue: the subject of the sentence holding a mixed quotation ('Romney attacked Trump for "..."')."""
    lead = text[start:end]
    m = _SUBJECT_LEAD_RE.match(lead)
    # 'In Iowa, Trump ...', then the whole lead: 'Mike Huckabee, for his part, ...'
    for skip in dict.fromkeys((m.end() if m else 0, 0)):
        rest = lead[skip:]
        span = name_span(rest[:80], from_start=True)
        if not span:
            continue
        verb = rest[span[1] :]
        apposition = _APPOSITION_RE.match(verb) if skip == 0 else None
        if not _VERB_RE.match(verb[apposition.end() if apposition else 0 :]):
            continue
        mention = rest[span[0] : span[1]]
        if mention.lower() not in PRONOUNS and not is_cap(mention.split()[-1]):
            continue
        return start + skip + span[0], start + skip + span[1], None
    return None


def _direct(text: str, spans: list[tuple[int, int]], speakers: Speakers) -> list[Quote]:
    """Attribute every quotation span; drop scare quotes."""
    paras = [m.span() for m in _LINE_RE.finditer(text)]
    cues = _Cues(text)
    out: list[Quote] = []
    last: Quote | None = None
    pi = 0
    for qs, qe in spans:
        while pi + 1 < len(paras) and paras[pi][1] <= qs:
            pi += 1
        ps, _ = paras[pi] if paras else (0, len(text))
        pe = text.find("\n", qe, qe + WINDOW)
        pe = pe if pe >= 0 else min(len(text), qe + WINDOW)
        floor = max(ps, qs - WINDOW)  # bounded windows keep the cost linear
        prev = paras[pi - 1] if pi > 0 else (0, 0)
        if qs - ps < 8 and not text[ps:qs].strip() and text[max(prev[0], prev[1] - 8) : prev[1]].rstrip().endswith(":"):
            floor = max(prev[0], prev[1] - WINDOW)  # 'as Al Jazeera wrote:' closing the paragraph before
        words, inner_s, inner_e = _inner(text, qs, qe)
        start = sentence_start(text, qs, floor)
        if text[start:qs].strip(" \t\u2014\u2013-(:"):  # mid-sentence: 'Smith called it "a disgrace"'
            post = _after(text, cues, qe, pe)
            if not (post and _INVERTED_RE.match(text, qe)):  # '... a "cautionary tale," said Susan Crawford'
                post = _before(text, cues, qs, floor) or post
            found = post or _before(text, cues, qs, floor, True)
            post = found if found and found[0] >= qe else None
        else:
            post = _after(text, cues, qe, pe)
            found = post or _before(text, cues, qs, floor, True)
        short = len(words.split()) < MIN_WORDS
        if (not post and _title_like(words)) or (short and found is None):
            continue  # quoted titles and scare quotes
        if short and found[2] is None and not source_name(speakers, text, found[0], found[1]):
            continue  # a short term with no cue and no named speaker: scare quotes
        credited = _according_in(text, cues, start, qs, qe, pe)
        if credited and (found is None or source_name(speakers, text, credited[0], credited[1])):
            found = credited  # the outlet or document the sentence credits, over the speaker it quotes
        split = last is not None and ps <= last.end < last.source_start and last.source_end <= qs < last.end + 100
        lead = text[floor:qs].rstrip()
        if found is None and not split and lead.endswith((".", "!", "?")):
            found = _announced(text, cues, floor + len(lead) - 1, floor)
        if found is None:
            if split and last is not None:
                out[-1] = last = replace(last, text=_join_split(last.text, words), end=inner_e)  # split by 'she said'
            elif last is not None and last.end >= paras[max(pi - 1, 0)][0]:
                out.append(replace(last, text=words, start=inner_s, end=inner_e))
                last = out[-1]
            else:
                out.append(Quote(words, None, None, "direct", inner_s, inner_e))
            continue
        ms, me, cue = found
        q = Quote(
            words,
            source_name(speakers, text, ms, me),
            cue and cue.lower(),
            "direct",
            inner_s,
            inner_e,
            text[ms:me],
            ms,
            me,
        )
        out.append(q)
        last = q
    return out


def _according_in(text: str, cue_index: _Cues, start: int, qs: int, qe: int, pe: int) -> tuple[int, int, str] | None:
    """'According to X, ... "..."' or '"...," she said, according to X': X is the source the text credits."""
    end = sentence_end(text, qe, pe)
    for cue in cue_index.between(start, qs) + cue_index.between(qe, end):
        if cue.word.lower() != "according to":
            continue
        tail = text[cue.end : end].split(",")[0]
        span = name_span(tail, from_start=True)
        if span and tail[span[0]] not in '\u201c"' and tail[span[0] : span[1]].lower() not in PRONOUNS:
            return cue.end + span[0], cue.end + span[1], "according to"
    return None


def _title_like(words: str) -> bool:
    """True for quoted titles and names ("Saturday Night Live"), which are not quotations."""
    toks = [t.strip(".,:;!?'\u2019") for t in words.split()]
    small = {"of", "the", "and", "a", "an", "in", "to", "for", "on", "with", "&"}
    return len(toks) <= 8 and all(is_cap(t) or t.lower() in small or not t for t in toks)


def extract_quotes(text: str) -> list[Quote]:
    """Find quotations and attributions in text, in order; offsets are into text."""
    spans = _quote_spans(text)
    speakers = Speakers(text, spans)
    quotes = _direct(text, spans, speakers) + indirect_quotes(text, spans, speakers)
    return sorted(quotes, key=lambda q: q.start)


def _join_split(first: str, second: str) -> str:
    """Two halves of a quote split by its attribution, as one text: 'A,' she said. 'B.' -> 'A. B.'"""
    if first.endswith(",") and second[:1].isupper():
        first = first[:-1] + "."
    return f"{first} {second}"


def attribute(article: Article) -> Article:
    """Fill article.quotes and article.sources from its body and block quotes."""
    quotes = extract_quotes(article.body)
    seen = {words(q.text) for q in quotes}
    pulled = [(words(q.text), q) for block in article.blockquotes for q in extract_quotes(block)]
    fresh = list(dict.fromkeys(key for key, _ in pulled if key not in seen))
    found = held(fresh, [words(article.body)]) if fresh else []
    in_body = {key for key, inside in zip(fresh, found, strict=True) if inside}
    for key, q in pulled:  # a pull quote repeats the body: count it once
        if key not in seen and key not in in_body:
            seen.add(key)
            quotes.append(q)
    article.quotes = dedupe(quotes)
    article.sources = list(dict.fromkeys(q.source for q in article.quotes if q.source))
    return article
