"""Quotation and source attribution: the stage between the readers and the indexer.

Pure regexes and heuristics over bounded windows, so the cost stays linear in the text length (every regex
that meets unbounded text either cannot backtrack over it or is tried only where a match can start: Python's
re cannot be interrupted); the cue words and their index live in cues.py, sentence and speaker helpers and
indirect attributions in attribution.py, the person/pronoun bookkeeping in sources.py, the subject of a sentence
in subjects.py, descriptions ("the Florida senator") in descriptions.py, names without titles and time words in
names.py, aliases in aliases.py (and aliases.toml), source kinds in kinds.py, repeated quotes in repeats.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

from search.articles import Article, Quote
from search.quotes.aliases import Aliases, default_aliases
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
from search.quotes.cues import ING_CUES, Cues
from search.quotes.descriptions import description_span
from search.quotes.kinds import source_kind
from search.quotes.repeats import dedupe, held, words
from search.quotes.sources import PRONOUNS, Speakers, is_cap, name_span
from search.quotes.subjects import earlier_gerund, gerund_subject, reporter, sentence_subject, title_gap

__all__ = ["attribute", "extract_quotes"]

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
# '"..." ― Pamela Padilla': a quotation signed with a dash and a name ending its line (vox pops, pull quotes).
_SIGNED_RE = re.compile(
    r"(?:[^\S\n]*+[\u2014\u2015\u2013]|[^\S\n]++-(?=[^\S\n]))[^\S\n]*+(?P<rest>[^\n]{1,80})")
_SIGNED_END_RE = re.compile(r"[^\S\n]*+(?:[.,;(]|$)")
_CUES_BEFORE = 8  # cues of the sentence before a quotation that may introduce it, the nearest first: a sentence of
# real prose has a few; a text made of cue words would otherwise cost every quotation a look at each of them


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


def _clause(text: str, lo: int, hi: int) -> int:
    """Where the clause starting at lo ends (an abbreviation's full stop does not end it)."""
    for m in _CLAUSE_END_RE.finditer(text, lo, hi):
        if m[0] == "." and is_abbrev(text, m.start(), lo):
            continue
        return m.start()
    return hi


def _signed(text: str, qe: int, pe: int) -> tuple[int, int, str] | None:
    """A quotation signed after its closing mark with a dash and a capitalised name ending the line or followed
    by a comma, stop or parenthesis: '..." ― Pamela Padilla', '..." - Jo Smith, a nurse'. No cue."""
    m = _SIGNED_RE.match(text, qe, pe)
    if m is None:
        return None
    rest = m["rest"]
    span = name_span(rest, from_start=True)
    if span and span[0] == 0 and is_cap(rest[: span[1]]) and _SIGNED_END_RE.match(rest, span[1]):
        return m.start("rest"), m.start("rest") + span[1], ""
    return None


def _after(text: str, cue_index: Cues, qe: int, pe: int) -> tuple[int, int, str] | None:
    """Speaker and cue right after a closing mark: '..." she said' or '..." said John Smith'; or the name a
    quotation is signed with ('..." ― Pamela Padilla')."""
    signed = _signed(text, qe, pe)
    if signed:
        return signed
    end = _clause(text, qe, min(pe, qe + 160))
    clause = text[qe:end]
    last = text[qe - 2 : qe - 1] if text[qe - 1 : qe] in '\u201d"' else ""
    cues = [(c.start - qe, c.end - qe, c.word) for c in cue_index.between(qe, min(end, qe + 140))][:1]
    if not cues and "," in (last, clause[:1]):
        cues = [(m.start(), m.end(), m[0]) for m in _VERBISH_RE.finditer(clause) if m.start() <= 50][:1]
    for c_start, c_end, word in cues:
        if not clause[:c_start].strip(" ,\u2014\u2013-"):
            if word in ING_CUES:
                return None
            tail = clause[c_end:].split(",")[0]
            span = name_span(tail, from_start=True)
            if span and (
                is_cap(tail[span[0] : span[1]]) or tail[span[0] : span[1]].lower() in PRONOUNS or word in INVERTING
            ):
                return qe + c_end + span[0], qe + c_end + span[1], word
            span = description_span(tail.lstrip()) if tail[:1].isspace() else None  # '"...," read the email.'
            if span:
                lead = len(tail) - len(tail.lstrip())
                return qe + c_end + lead + span[0], qe + c_end + lead + span[1], word
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
        near = near or title_gap(gap)  # '"...," CBS This Morning co-Anchor DeMarco Morgan said
        if sub and near and not _STOP_RE.search(gap):
            return sub[0], sub[1], word
    return None


def _before(
    text: str, cue_index: Cues, qs: int, floor: int, speakers: Speakers, subject: bool = False
) -> tuple[int, int, str | None] | None:
    """Speaker and cue in the sentence before an opening mark: 'Smith said, "...' or 'as X wrote:'."""
    pre = text[floor:qs].rstrip()
    colon = pre.endswith(":")
    if pre.endswith((".", "!", "?")):
        return None  # the sentence before has ended: this quotation is not introduced by it
    end = floor + len(pre.rstrip(":,\u2014 "))
    start = sentence_start(text, end, floor)
    for cue in reversed(cue_index.between(start, end)[-_CUES_BEFORE:]):
        word = cue.word.lower()
        if word in ING_CUES:
            subject = gerund_subject(text, start, cue.start) or earlier_gerund(text, cue_index, start, cue.start)
            subject = subject or sentence_subject(text, start, cue.start, speakers)
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
            return reporter(text, cue_index, start, sub) or (sub[0], sub[1], cue.word)
        span = name_span(text[cue.end : end].split(",")[0], from_start=True) if word in INVERTING else None
        if (
            span
            and text[cue.end + span[1] : end].strip()[:1] in ("", ",")
            and text[cue.end + span[0] : cue.end + span[1]].lower() not in ("her", "him", "them", "it", "his")
        ):
            return cue.end + span[0], cue.end + span[1], cue.word
    if colon and end - start < 200:
        sub = sentence_subject(text, start, end, speakers) or speaker_span(text, start, end)
        if sub:
            return sub[0], sub[1], None
    return sentence_subject(text, start, end, speakers) if subject else None


def _announced(text: str, cue_index: Cues, dot: int, floor: int) -> tuple[int, int, str] | None:
    """'Smith said in a statement. "..."': a cue with nothing said after it introduces the next quotation."""
    start = sentence_start(text, dot, floor)
    cues = cue_index.between(start, dot)
    if not cues or cues[-1].word not in INVERTING or not REPORT_TAIL_RE.fullmatch(text, cues[-1].end, dot + 1):
        return None
    sub = speaker_span(text, start, cues[-1].start)
    return (sub[0], sub[1], cues[-1].word) if sub else None


def _direct(text: str, spans: list[tuple[int, int]], speakers: Speakers) -> list[Quote]:
    """Attribute every quotation span; drop scare quotes."""
    paras = [m.span() for m in _LINE_RE.finditer(text)]
    cues = Cues(text)
    out: list[Quote] = []
    last: Quote | None = None
    pi = 0
    for qs, qe in spans:
        while pi + 1 < len(paras) and paras[pi][1] <= qs:
            pi += 1
        ps, pe, floor = _window(text, paras, pi, qs, qe)
        words, inner_s, inner_e = _inner(text, qs, qe)
        start = sentence_start(text, qs, floor)
        post, found = _find_speaker(text, cues, speakers, qs, qe, pe, floor, start)
        if _scare(text, speakers, words, post, found):
            continue
        credited = _according_in(text, cues, start, qs, qe, pe)
        if credited and (found is None or source_name(speakers, text, credited[0], credited[1])):
            found = credited  # the outlet or document the sentence credits, over the speaker it quotes
        split = last is not None and ps <= last.end < last.source_start and last.source_end <= qs < last.end + 100
        lead = text[floor:qs].rstrip()
        if found is None and not split and lead.endswith((".", "!", "?")):
            found = _announced(text, cues, floor + len(lead) - 1, floor)
        if found is None:
            last = _unattributed(out, last, split, paras[max(pi - 1, 0)][0], words, inner_s, inner_e)
            continue
        ms, me, cue = found
        q = Quote(
            words,
            source_name(speakers, text, ms, me),
            cue.lower() if cue else None,
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


def _window(text: str, paras: list[tuple[int, int]], pi: int, qs: int, qe: int) -> tuple[int, int, int]:
    """(start of the quotation's paragraph, end of the window after it, floor of the window before it)."""
    ps, _ = paras[pi] if paras else (0, len(text))
    pe = text.find("\n", qe, qe + WINDOW)
    pe = pe if pe >= 0 else min(len(text), qe + WINDOW)
    floor = max(ps, qs - WINDOW)  # bounded windows keep the cost linear
    prev = paras[pi - 1] if pi > 0 else (0, 0)
    if qs - ps < 8 and not text[ps:qs].strip() and text[max(prev[0], prev[1] - 8) : prev[1]].rstrip().endswith(":"):
        floor = max(prev[0], prev[1] - WINDOW)  # 'as Al Jazeera wrote:' closing the paragraph before
    return ps, pe, floor


# where the speaker's mention starts and ends, and the cue (None: the subject of the sentence, no cue)
_Speaker = tuple[int, int, str | None] | None


def _find_speaker(
    text: str, cues: Cues, speakers: Speakers, qs: int, qe: int, pe: int, floor: int, start: int
) -> tuple[_Speaker, _Speaker]:
    """(post, found) for the quotation text[qs:qe], whose sentence starts at start: found is its speaker and cue,
    looked for after and before it; post is the same when it stands after the closing mark, else None."""
    if text[start:qs].strip(" \t\u2014\u2013-(:"):  # mid-sentence: 'Smith called it "a disgrace"'
        post = _after(text, cues, qe, pe)
        if not (post and _INVERTED_RE.match(text, qe)):  # '... a "cautionary tale," said Susan Crawford'
            post = _before(text, cues, qs, floor, speakers) or post
        found = post or _before(text, cues, qs, floor, speakers, True)
        post = found if found and found[0] >= qe else None
    else:
        post = _after(text, cues, qe, pe)
        found = post or _before(text, cues, qs, floor, speakers, True)
    return post, found


def _scare(text: str, speakers: Speakers, words: str, post: _Speaker, found: _Speaker) -> bool:
    """True for quoted titles and scare quotes, which are not quotations."""
    short = len(words.split()) < MIN_WORDS
    if (not post and _title_like(words)) or (short and found is None):
        return True
    # a short term with no cue and no named speaker: scare quotes
    return short and found[2] is None and not source_name(speakers, text, found[0], found[1])


def _unattributed(
    out: list[Quote], last: Quote | None, split: bool, para_before: int, words: str, inner_s: int, inner_e: int
) -> Quote | None:
    """Add a quotation no speaker was found for to out; return the quote the next one may continue."""
    if split and last is not None:
        out[-1] = last = replace(last, text=_join_split(last.text, words), end=inner_e)  # split by 'she said'
    elif last is not None and last.end >= para_before:  # goes on from the last quote (this or the paragraph before)
        out.append(replace(last, text=words, start=inner_s, end=inner_e))
        last = out[-1]
    else:
        out.append(Quote(words, None, None, "direct", inner_s, inner_e))
    return last


def _according_in(text: str, cue_index: Cues, start: int, qs: int, qe: int, pe: int) -> tuple[int, int, str] | None:
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


def extract_quotes(text: str, aliases: Aliases | None = None) -> list[Quote]:
    """Find quotations and attributions in text, in order; offsets are into text. Source names are folded
    through aliases (default: the shipped aliases file) and each attributed quote gets its source's kind."""
    spans = _quote_spans(text)
    speakers = Speakers(text, spans, aliases)
    quotes = _direct(text, spans, speakers) + indirect_quotes(text, spans, speakers)
    for q in quotes:
        if q.source:
            q.source_kind = speakers.kind(q.source)
    return sorted(quotes, key=lambda q: q.start)


def _join_split(first: str, second: str) -> str:
    """Two halves of a quote split by its attribution, as one text: 'A,' she said. 'B.' -> 'A. B.'"""
    if first.endswith(",") and second[:1].isupper():
        first = first[:-1] + "."
    return f"{first} {second}"


def attribute(article: Article, aliases: Aliases | None = None) -> Article:
    """Fill article.quotes and article.sources from its body and block quotes; source names are folded through
    aliases (default: the shipped aliases file, search/quotes/aliases.toml). Quotes the article brought with it
    (a JSON record's) are kept, their sources normalised and given a kind."""
    if article.quotes:
        aliases = aliases if aliases is not None else default_aliases()
        for q in article.quotes:
            q.source = normalise_source(q.source, aliases) if q.source else None
            q.source_kind = q.source_kind or (source_kind(q.source, aliases) if q.source else None)
        article.sources = list(dict.fromkeys(q.source for q in article.quotes if q.source))
        return article
    quotes = extract_quotes(article.body, aliases)
    seen = {words(q.text) for q in quotes}
    pulled = [(words(q.text), q) for block in article.blockquotes for q in extract_quotes(block, aliases)]
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
