"""Sentences, speaker phrases and indirect attributions: the helpers search/quotes/extract.py builds on.

'the Wall Street Journal reported', 'according to X', 'X said that ...' outside quotation marks are found here;
quotations in marks are in search/quotes/extract.py. Bounded windows keep every step linear in the text length.
"""

from __future__ import annotations

import re

from search.articles import Quote
from search.quotes.sources import (
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
# (possessive whitespace: it is matched from positions with no end bound, and a long run must be walked once)
REPORT_TAIL_RE = re.compile(rf"(?:\s++{_WHEN}[^,.;:\n]{{0,40}})?\s*+(?:[.!?]|,\s++(?:[a-z]+ing|in|on|according)\b|$)")
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
_END_MARK_RE = re.compile(r"[.!?;:\n]")  # what every SENT_END_RE match starts with
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
_SPACES_RE = re.compile(r"\s+")
_BRACKETED_RE = re.compile(r"\s*\([^)]*\)")
_POSSESSIVE_END_RE = re.compile(r"'s?$")
_THE_RE = re.compile(r"(?i)^the ")
_INITIAL_RE = re.compile(r"[A-Z]\.")
_INITIALS_RE = re.compile(r"[A-Z]|[A-Z]\.[A-Z]")
_PLACE_BEFORE_RE = re.compile(r"\b(?:of|from|in|at|for|with|by)\s+$")
_MENTION_POSSESSIVE_RE = re.compile(r"['\u2019]s?$")
_VERB_FORM_RE = re.compile(r"[a-z]{3,}(?:ing|ed)")
_RELATIVE_RE = re.compile(r",\s+(?:which|who)\b[^,.;\n]*,")
_NAME_END_RE = re.compile(r"\s*(?:[.!?,]|$)")
_AS_LEAD_RE = re.compile(r",(?:\s+as)?\s*$")
MIN_WORDS = 3  # one- or two-word quoted terms without a cue nearby are scare quotes
WINDOW = 260


def normalise_source(name: str) -> str:
    """One canonical name for a source: no "the", no titles, outlet aliases folded."""
    s = _SPACES_RE.sub(" ", name.replace("\u2019", "'")).strip(" ,.:;\"'\u201c\u201d")
    cut = s.rfind(")") + 1  # a bracket opened after the last ")" never closes: not scanned again from each "("
    s = _BRACKETED_RE.sub("", s[:cut]) + s[cut:]
    s = _POSSESSIVE_END_RE.sub("", s)
    alias = OUTLET_ALIASES.get(s.lower()) or OUTLET_ALIASES.get(_THE_RE.sub("", s).lower())
    if alias:
        return alias
    words = s.split()
    head = s.split(" of ")[0].split()
    if " of " in s and len(head) >= 2 and is_cap(words[1]) and head[-1].lower() not in ORG_WORDS:
        words = head  # 'Bill O'Reilly of Fox News'
    i = 0  # leading words are counted, then cut once: popping them one by one is quadratic on a hostile name
    while i < len(words) and words[i].lower() in STOP_WORDS:
        i += 1
    words = words[i:]
    lower, titles_before = [], True  # titles_before: every word before this one is a title
    for i, w in enumerate(words[:-1]):
        if w.islower() and w not in _PARTICLES and (w != "of" or titles_before):
            lower.append(i)  # 'Secretary of State John Kerry' loses its title, 'Chamber of Commerce' keeps its name
        titles_before = titles_before and w.lower() in TITLES
    if lower and all(is_cap(w) for w in words[lower[-1] + 1 :]):
        words = words[lower[-1] + 1 :]  # 'Union leader Maria Gomez', 'Secretary of State John Kerry'
    i = 0
    while i + 1 < len(words) and words[i].lower() in TITLES and is_cap(words[i + 1]):
        i += 1
    while i < len(words) and words[i].lower() == "the":
        i += 1
    words = words[i:]
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and _INITIAL_RE.fullmatch(w))]
    s = " ".join(words)
    return OUTLET_ALIASES.get(s.lower(), s)


def sentence_start(text: str, pos: int, floor: int) -> int:
    """Where the sentence holding pos begins (not before floor; abbreviations do not end one)."""
    lo = max(floor, pos - WINDOW)
    first = _END_MARK_RE.search(text, lo, pos)  # one fast scan: most windows of a cue-dense text have no end at all
    ends = list(SENT_END_RE.finditer(text, first.start(), pos)) if first else []
    for m in reversed(ends):  # the last end that is not an abbreviation's full stop
        if not (m[0][0] == "." and is_abbrev(text, m.start(), lo)):
            return m.end()
    return lo


def speaker_span(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The speaker phrase ending at hi (a name, a pronoun or a short noun phrase), as offsets."""
    seg = text[lo:hi]
    for _ in range(6):
        m = _trail(seg)
        if not m or not m.start():
            break
        if m[0].rstrip().endswith(","):  # 'Smith, a spokesman for X,' or 'a spokesman for X, John Smith,'
            head = seg[: m.start()]
            span = name_span(head) if head.strip() else None
            if span and _PLACE_BEFORE_RE.search(head[: span[0]]):
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


def _trail(seg: str) -> re.Match[str] | None:
    """TRAIL_RE.search(seg), tried only where its match can start (the same match, without trying every character
    of the segment, once per cue of a cue-dense sentence). The segment's last character fixes the match's core: a
    comma-enclosed aside ends with ",", a bracketed one with ")", any other ending is the last word; the match may
    reach back over the whitespace before that core."""
    end = len(seg.rstrip())
    if not end:
        return None
    if seg[end - 1] in ",)":
        lo = seg.rfind("," if seg[end - 1] == "," else "(", 0, end - 1)
        if lo < 0:
            return None
    else:
        lo = end - len(seg[:end].rsplit(None, 1)[-1])
    while lo and seg[lo - 1].isspace():
        lo -= 1
    return TRAIL_RE.search(seg, lo)


def is_abbrev(text: str, dot: int, lo: int) -> bool:
    """True when the full stop at dot closes an abbreviation or an initial ("Sen.", "J.")."""
    if text[dot + 1 : dot + 2] == ")":
        return True  # '(R-Fla.)'
    word = text[max(lo, dot - 6) : dot].split()[-1:]
    return bool(word) and (word[0].lower().lstrip("(") in _ABBREV or bool(_INITIALS_RE.fullmatch(word[0])))


def source_name(speakers: Speakers, text: str, s: int, e: int) -> str | None:
    """The normalised source for a mention: pronouns resolved, surnames expanded, non-names dropped."""
    mention = text[s:e]
    low = mention.lower()
    if low in PRONOUNS:
        return speakers.resolve_pronoun(low, s)
    words = mention.split()
    last = _MENTION_POSSESSIVE_RE.sub("", words[-1].lower().strip(".,")) if words else ""
    if not words or not is_cap(words[-1]) or last in NON_NAMES or last in _WHEN_WORDS:
        return None
    if (
        len(words) == 1
        and last not in speakers.by_surname_lower
        and (
            _VERB_FORM_RE.fullmatch(last) or last in _NOT_SUBJECTS or (len(last) > 4 and mention.isupper())
        )
    ):
        return None  # 'Citing ...', 'Amid ...', a 'PHILADELPHIA' dateline: not a speaker
    return speakers.full_name(normalise_source(mention), s) or None


def indirect_quotes(text: str, spans: list[tuple[int, int]], speakers: Speakers) -> list[Quote]:
    """'the Wall Street Journal reported', 'according to X', 'X said that ...' outside quotation marks."""
    pieces, done = [], 0  # the text with its quotations blanked out, offsets kept
    for s, e in sorted(spans):
        s = max(s, done)
        if e > s:
            pieces += (text[done:s], " " * (e - s))
            done = e
    pieces.append(text[done:])
    plain = "".join(pieces)
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
    first = _END_MARK_RE.search(text, pos, limit)
    for m in SENT_END_RE.finditer(text, first.start(), limit) if first else ():
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
        clause = _RELATIVE_RE.match(plain[me:end])  # 'According to X, which paid, ...'
        return ms, me, me + (clause.end() if clause else 0), end
    return ms, me, start, cue.start()


def _reported(plain: str, cue: re.Match[str], start: int, end: int) -> tuple[int, int, int, int] | None:
    """'..., X reported (last year).', '..., said X.', 'X reported (on Tuesday) that ...', 'X said ...'."""
    word, before, after = cue[0], plain[start : cue.start()], plain[cue.end() : end]
    if _NOUN_CUE_RE.match(after):
        return None  # 'reports say ...': the cue word is a noun here
    if before.rstrip().endswith(","):  # '..., said councillor Petra Novak.'
        if word not in INVERTING:
            return None
        span = name_span(after.split(",")[0], from_start=True)
        cs, ce = start, plain.rindex(",", start, cue.start())
        if span and _NAME_END_RE.match(after[span[1] :]) and not _INTRO_RE.match(plain, cs, ce):
            return cue.end() + span[0], cue.end() + span[1], cs, ce
        # else '..., said she would': the part before the comma is the subject's apposition, not content
    sub = speaker_span(plain, start, cue.start())
    if not sub:
        return None
    ms, me = sub
    if REPORT_TAIL_RE.match(after):
        lead = _AS_LEAD_RE.search(plain[start:ms])
        if lead and not _INTRO_RE.match(plain, start, start + lead.start()):
            # '..., the Courier reported last spring.', '..., as X first reported.'
            return ms, me, start, start + lead.start()
    that = _THAT_RE.match(after)
    if that:
        return ms, me, cue.end() + that.end(), end
    if word in _BARE_CUES and _LEAD_RE.fullmatch(plain[start:ms]) and not _NOT_CONTENT_RE.match(after):
        return ms, me, cue.end(), end  # 'Ms Lindqvist said the library money was well spent.'
    return None
