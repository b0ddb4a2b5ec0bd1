"""Sentences, speaker phrases and indirect attributions: the helpers search/quotes.py builds on.

'the Wall Street Journal reported', 'according to X', 'X said that ...' outside quotation marks are found here;
quotations in marks are in search/quotes.py. Bounded windows keep every step linear in the text length.
"""

from __future__ import annotations

import re

from search.articles import Quote
from search.sources import (
    NON_NAMES,
    ORG_WORDS,
    OUTLET_ALIASES,
    PRONOUNS,
    STOP_WORDS,
    TITLES,
    Speakers,
    is_cap,
    name_span,
)

INVERTING = frozenset("said says added adds wrote writes asked asks continued explained noted recalled replied".split())
_INDIRECT_CUE_RE = re.compile(
    r"\b(?:[Aa]ccording to|reported|reports|said|says|wrote|writes|announced|told|stated|tweeted)\b"
)
_WHEN = (
    r"(?:last|on|in|at|this|earlier|early|late|during|yesterday|today|overnight|first|previously|recently|"
    r"exclusively|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"
)
# what may follow 'X reported' when the content came before it: a time, then the sentence's end or a gerund
REPORT_TAIL_RE = re.compile(rf"(?:\s+{_WHEN}[^,.;:\n]{{0,40}})?\s*(?:[.!?]|,\s+(?:[a-z]+ing|in|on|according)\b|$)")
_THAT_RE = re.compile(r"[^.,;:\n]{0,60}?\bthat\b")
_REPORT_BY_RE = re.compile(
    r"\s*(?:an?|the)\s+(?:[a-z]+\s+){0,2}?(?:report|story|statement|poll|survey|analysis|study|review|memo|"
    r"article|investigation|estimate|count|tally|tabulation|release)s?\s+(?:by|from|in|for)\s+"
)
_NOUN_CUE_RE = re.compile(r"\s+(?:say|says|said|show|shows|suggest|suggests|indicate|indicates)\b")
_NOT_CONTENT_RE = re.compile(
    rf"\s*(?:,|{_WHEN}|(?:to|it|so|this|of|for|with|by|as|from|about|nothing|something|anything|otherwise|more|"
    r"no|yes|and|or|but)\b)"
)
_LEAD_RE = re.compile(r"\s*(?:(?:But|And|So|Yet|Still|Now|Also|However),?\s+|[^,\n]{1,30},\s+)?")
# a lead-in phrase before a comma, not a clause that could be reported content
_INTRO_RE = re.compile(
    r"\s*(?:For|In|On|At|After|Before|During|When|While|Asked|Speaking|With|As|Since|Despite|Unlike|Like|By|From|"
    r"Under|Later|Earlier|Meanwhile|Instead|Still|But|And|Also|Then|Now|Yet|So|Here|There)\b[^,]{0,60}$"
)
_WHEN_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july august"
    " september october november december".split()
)
_NOT_SUBJECTS = frozenset("amid perhaps each every both all despite whether either neither".split())
_BARE_CUES = frozenset("said says reported reports wrote writes".split())
SENT_END_RE = re.compile(r"[.!?][\"\u201d\u2019)]?\s+|[;:]\s+|\n")
TRAIL_RE = re.compile(
    r"(?:\s+(?:also|has|had|have|then|later|once|again|previously|recently|repeatedly|reportedly|just|"
    r"never|even|would|will|could|might|did|does|do|simply|only|still|often|first|publicly|famously|"
    r"[a-z]+ly|on|last|this|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|night|morning|afternoon|evening)"
    r"|\s*\([^()\n]{0,40}\)|\s*,[^,\n]{1,140},)\s*$"
)
_ABBREV = frozenset(
    "mr mrs ms dr sen rep gov gen col lt st jr sr vs u.s d.c no inc corp co sgt capt adm rev prof ft mt"
    " jan feb aug sept oct nov dec calif fla mass conn ariz".split()
)
_PARTICLES = frozenset("al el de del da di van von der bin ibn la le du dos".split())
MIN_WORDS = 3  # one- or two-word quoted terms without a cue nearby are scare quotes
WINDOW = 260


def normalise_source(name: str) -> str:
    """One canonical name for a source: no "the", no titles, outlet aliases folded."""
    s = re.sub(r"\s+", " ", name.replace("\u2019", "'")).strip(" ,.:;\"'\u201c\u201d")
    s = re.sub(r"\s*\([^)]*\)", "", s)
    s = re.sub(r"'s?$", "", s)
    alias = OUTLET_ALIASES.get(s.lower()) or OUTLET_ALIASES.get(re.sub(r"(?i)^the ", "", s).lower())
    if alias:
        return alias
    words = s.split()
    head = s.split(" of ")[0].split()
    if " of " in s and len(head) >= 2 and is_cap(words[1]) and head[-1].lower() not in ORG_WORDS:
        words = s.split(" of ")[0].split()  # 'Bill O'Reilly of Fox News'
    while words and words[0].lower() in STOP_WORDS:
        words.pop(0)
    lower = [
        i
        for i, w in enumerate(words[:-1])
        if w.islower() and w not in _PARTICLES and (w != "of" or all(x.lower() in TITLES for x in words[:i]))
    ]  # 'Secretary of State John Kerry' loses its title, 'Chamber of Commerce' keeps its name
    if lower and all(is_cap(w) for w in words[lower[-1] + 1 :]):
        words = words[lower[-1] + 1 :]  # 'Union leader Maria Gomez', 'Secretary of State John Kerry'

    while len(words) > 1 and words[0].lower() in TITLES and is_cap(words[1]):
        words.pop(0)
    while words and words[0].lower() == "the":
        words.pop(0)
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and re.fullmatch(r"[A-Z]\.", w))]
    s = " ".join(words)
    return OUTLET_ALIASES.get(s.lower(), s)


def sentence_start(text: str, pos: int, floor: int) -> int:
    """Where the sentence holding pos begins (not before floor; abbreviations do not end one)."""
    lo = max(floor, pos - WINDOW)
    best = lo
    for m in SENT_END_RE.finditer(text, lo, pos):
        if not (m[0][0] == "." and is_abbrev(text, m.start(), lo)):
            best = m.end()
    return best


def speaker_span(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The speaker phrase ending at hi (a name, a pronoun or a short noun phrase), as offsets."""
    seg = text[lo:hi]
    for _ in range(6):
        m = TRAIL_RE.search(seg)
        if not m or not m.start():
            break
        if m[0].rstrip().endswith(","):  # 'Smith, a spokesman for X,' or 'a spokesman for X, John Smith,'
            head = seg[: m.start()]
            span = name_span(head) if head.strip() else None
            if span and re.search(r"\b(?:of|from|in|at|for|with|by)\s+$", head[: span[0]]):
                span = None  # 'Cory James, 22, of Flint, Mich.,': a place, not the speaker
            if span:
                return lo + span[0], lo + span[1]
            inner = m[0].strip()[1:-1]
            span = name_span(inner)
            if "," in head and not (span and is_cap(inner[span[1] - 1 : span[1]])):
                seg = head + ","  # a chain: 'Anna Berg, 41, of Leeds, a baker,'
                continue
            if span:
                off = lo + m.start() + m[0].index(inner)
                return off + span[0], off + span[1]
        seg = seg[: m.start()]
    span = name_span(seg)
    return (lo + span[0], lo + span[1]) if span else None


def is_abbrev(text: str, dot: int, lo: int) -> bool:
    """True when the full stop at dot closes an abbreviation or an initial ("Sen.", "J.")."""
    if text[dot + 1 : dot + 2] == ")":
        return True  # '(R-Fla.)'
    word = text[max(lo, dot - 6) : dot].split()[-1:]
    return bool(word) and (word[0].lower().lstrip("(") in _ABBREV or bool(re.fullmatch(r"[A-Z]|[A-Z]\.[A-Z]", word[0])))


def source_name(speakers: Speakers, text: str, s: int, e: int) -> str | None:
    """The normalised source for a mention: pronouns resolved, surnames expanded, non-names dropped."""
    mention = text[s:e]
    low = mention.lower()
    if low in PRONOUNS:
        return speakers.resolve_pronoun(low, s)
    words = mention.split()
    last = re.sub(r"['\u2019]s?$", "", words[-1].lower().strip(".,")) if words else ""
    if not words or not is_cap(words[-1]) or last in NON_NAMES or last in _WHEN_WORDS:
        return None
    if (
        len(words) == 1
        and last not in speakers.by_surname_lower
        and (
            re.fullmatch(r"[a-z]{3,}(?:ing|ed)", last) or last in _NOT_SUBJECTS or (len(last) > 4 and mention.isupper())
        )
    ):
        return None  # 'Citing ...', 'Amid ...', a 'PHILADELPHIA' dateline: not a speaker
    return speakers.full_name(normalise_source(mention), s) or None


def indirect_quotes(text: str, spans: list[tuple[int, int]], speakers: Speakers) -> list[Quote]:
    """'the Wall Street Journal reported', 'according to X', 'X said that ...' outside quotation marks."""
    masked = list(text)
    for s, e in spans:
        masked[s:e] = " " * (e - s)
    plain = "".join(masked)
    out: list[Quote] = []
    for cue in _INDIRECT_CUE_RE.finditer(plain):
        start = sentence_start(plain, cue.start(), 0)
        limit = min(len(plain), cue.end() + WINDOW)
        end = sentence_end(plain, cue.end(), limit)
        word = cue[0].lower()
        found = _according(plain, cue, start, end) if word == "according to" else _reported(plain, cue, start, end)
        if not found:
            continue
        ms, me, cs, ce = found
        source = source_name(speakers, text, ms, me)
        content = text[cs:ce].strip(" ,.\u2014")
        if source and source.lower() not in PRONOUNS and len(content.split()) >= MIN_WORDS:
            off = text.index(content, cs)
            out.append(Quote(content, source, word, "indirect", off, off + len(content), text[ms:me], ms, me))
    return out


def sentence_end(text: str, pos: int, limit: int) -> int:
    """Just after the mark ending the sentence that holds pos (an abbreviation's full stop does not end it)."""
    for m in SENT_END_RE.finditer(text, pos, limit):
        if not (m[0][0] == "." and is_abbrev(text, m.start(), pos)):
            return m.start() + 1
    return limit


def _according(plain: str, cue: re.Match[str], start: int, end: int) -> tuple[int, int, int, int] | None:
    """'According to X, ...' and '..., according to X.': source, then content offsets."""
    lead = _REPORT_BY_RE.match(plain, cue.end(), end)  # 'according to a report by X'
    at = lead.end() if lead else cue.end()
    span = name_span(plain[at:end].split(",")[0], from_start=True)
    if not span:
        return None
    ms, me = at + span[0], at + span[1]
    if not plain[start : cue.start()].strip():
        clause = re.match(r",\s+(?:which|who)\b[^,.;\n]*,", plain[me:end])  # 'According to X, which paid, ...'
        return ms, me, me + (clause.end() if clause else 0), end
    return ms, me, start, cue.start()


def _reported(plain: str, cue: re.Match[str], start: int, end: int) -> tuple[int, int, int, int] | None:
    """'..., X reported (last year).', '..., said X.', 'X reported (on Tuesday) that ...', 'X said ...'."""
    word, before, after = cue[0], plain[start : cue.start()], plain[cue.end() : end]
    if _NOUN_CUE_RE.match(after):
        return None  # 'reports say ...': the cue word is a noun here
    if re.search(r",\s*$", before):  # '..., said councillor Petra Novak.'
        if word not in INVERTING:
            return None
        span = name_span(after.split(",")[0], from_start=True)
        cs, ce = start, plain.rindex(",", start, cue.start())
        if span and re.match(r"\s*(?:[.!?,]|$)", after[span[1] :]) and not _INTRO_RE.match(plain, cs, ce):
            return cue.end() + span[0], cue.end() + span[1], cs, ce
        # else '..., said she would': the part before the comma is the subject's apposition, not content
    sub = speaker_span(plain, start, cue.start())
    if not sub:
        return None
    ms, me = sub
    if REPORT_TAIL_RE.match(after):
        lead = re.search(r",(?:\s+as)?\s*$", plain[start:ms])
        if lead and not _INTRO_RE.match(plain, start, start + lead.start()):
            # '..., the Courier reported last spring.', '..., as X first reported.'
            return ms, me, start, start + lead.start()
    that = _THAT_RE.match(after)
    if that:
        return ms, me, cue.end() + that.end(), end
    if word in _BARE_CUES and _LEAD_RE.fullmatch(plain[start:ms]) and not _NOT_CONTENT_RE.match(after):
        return ms, me, cue.end(), end  # 'Ms Lindqvist said the library money was well spent.'
    return None
