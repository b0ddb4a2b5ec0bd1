"""Sentences, speaker phrases and indirect attributions: the helpers search/quotes/extract.py builds on.

'the Wall Street Journal reported', 'according to X', 'X said that ...' outside quotation marks are found here;
quotations in marks are in search/quotes/extract.py. Bounded windows keep every step linear in the text length.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from search.articles import Quote
from search.quotes.aliases import Aliases, default_aliases
from search.quotes.descriptions import VOICE_NOUNS, description_head, is_person_description, possessor, speaker_noun
from search.quotes.kinds import source_kind
from search.quotes.names import TITLE_ABBREVIATIONS, strip_lead, strip_time
from search.quotes.sources import (
    NON_NAMES,
    ORG_WORDS,
    PRONOUNS,
    STOP_WORDS,
    TITLES,
    Speakers,
    is_cap,
    name_span,
    word_before,
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
_TIME_LEAD = (
    r"(?:(?:In|On|Last|Earlier|Later|This|Next)\s+)?(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|"
    r"March|April|May|June|July|August|September|October|November|December|week|month|year|night|morning)\s+"
    r"|(?:In|On|Last|Earlier|Later|This)\s+"
)
# what may stand before the speaker of 'X said the ...': 'In May Smith said', 'On Thursday Berg said' (the time words
# go with the lead: names.py and name_span keep them out of the name)
_LEAD_RE = re.compile(rf"\s*(?:(?:But|And|So|Yet|Still|Now|Also|However),?\s+|[^,\n]{{1,30}},\s+|{_TIME_LEAD})?")
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
_ABBREV = TITLE_ABBREVIATIONS | frozenset(  # words written with a stop that does not end a sentence
    "st vs u.s d.c no inc corp co ft mt jan feb aug sept oct nov dec calif fla mass conn ariz".split()
)
_PARTICLES = frozenset("al el de del da di van von der bin ibn la le du dos".split())
_SPACES_RE = re.compile(r"\s+")
_BRACKETED_RE = re.compile(r"\s*\([^)]*\)")
_POSSESSIVE_END_RE = re.compile(r"'s?$")
_INITIAL_RE = re.compile(r"[A-Z]\.")
_INITIALS_RE = re.compile(r"[A-Z]|[A-Z]\.[A-Z]")
_PLACE_BEFORE_RE = re.compile(r"\b(?:of|from|in|at|for|with|by)\s+$")
_MENTION_POSSESSIVE_RE = re.compile(r"['\u2019]s?$")
_VERB_FORM_RE = re.compile(r"[a-z]{3,}(?:ing|ed)")
_RELATIVE_RE = re.compile(r",\s+(?:which|who)\b[^,.;\n]*,")
_NAME_END_RE = re.compile(r"\s*(?:[.!?,]|$)")
_AS_LEAD_RE = re.compile(r",(?:\s+as)?\s*$")
_APPOSED_NAME_RE = re.compile(r",\s+([A-Z][\w.'\u2019\-]*(?:\s+[A-Z][\w.'\u2019\-]*){1,3})\s*(?:[,.;]|$)")
_DETERMINER_START_RE = re.compile(r"(?:the|a|an|his|her|their|its|this|that|these|those)\s")
_WORD_BEFORE_RE = re.compile(r"(\w+)\s+$")
# words after which a noun phrase may be a clause's subject; after any other word it is its object
_CLAUSE_OPENERS = frozenset(
    "and but or nor that while when as because after before if though although since so".split()
)
MIN_WORDS = 3  # one- or two-word quoted terms without a cue nearby are scare quotes
WINDOW = 260


def normalise_source(
    name: str, aliases: Aliases | None = None, common: Callable[[str], bool] | None = None, before: str = ""
) -> str:
    """One canonical name for a source: no "the", no titles, roles or time words, aliases folded.

    `common(word)` says whether the article uses a word in lower case (a role then, not a name: names.py),
    `before` is the word before the name in the text ("In" in "In May Smith said")."""
    aliases = aliases if aliases is not None else default_aliases()
    return aliases.canonical(clean_name(name, aliases, common, before))


def clean_name(
    name: str, aliases: Aliases, common: Callable[[str], bool] | None = None, before: str = ""
) -> str:
    """normalise_source without the last step, the alias lookup of the name that is left."""
    s = _SPACES_RE.sub(" ", name.replace("\u2019", "'")).strip(" ,.:;\"'\u201c\u201d")
    cut = s.rfind(")") + 1  # a bracket opened after the last ")" never closes: not scanned again from each "("
    s = _BRACKETED_RE.sub("", s[:cut]) + s[cut:]
    s = _POSSESSIVE_END_RE.sub("", s)
    if " " in s and aliases.known(s):
        return aliases.canonical(s)
    words = s.split()
    head = s.split(" of ")[0].split()
    if " of " in s and len(head) >= 2 and is_cap(words[1]) and head[-1].lower() not in ORG_WORDS:
        words = head  # 'Bill O'Reilly of Fox News'
    i = 0  # leading words are counted, then cut once: popping them one by one is quadratic on a hostile name
    while i < len(words) and words[i].lower() in STOP_WORDS and not _given_before_name(words, i):
        i += 1
    if i:
        before, words = words[i - 1], words[i:]
    lower, titles_before = [], True  # titles_before: every word before this one is a title
    for i, w in enumerate(words[:-1]):
        if w.islower() and w not in _PARTICLES and (w != "of" or titles_before):
            lower.append(i)  # 'Secretary of State John Kerry' loses its title, 'Chamber of Commerce' keeps its name
        titles_before = titles_before and w.lower() in TITLES
    if lower and all(is_cap(w) for w in words[lower[-1] + 1 :]):
        before, words = words[lower[-1]], words[lower[-1] + 1 :]  # 'Union leader Maria Gomez'
    words = _person_part(words, aliases, common, before)
    i = 0
    while i < len(words) and words[i].lower() == "the":
        i += 1
    words = words[i:]
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and _INITIAL_RE.fullmatch(w))]
    return " ".join(words)


def _given_before_name(words: list[str], i: int) -> bool:
    """True for 'May' or 'Will' written as the given name of a capitalised surname ('May Lund', 'Will Hurd')."""
    return words[i] in ("May", "Will") and i + 1 < len(words) and is_cap(words[i + 1])


def _person_part(words: list[str], aliases: Aliases, common: Callable[[str], bool] | None, before: str) -> list[str]:
    """words without the titles, roles and time words before a person's name (names.py); an organisation's name
    ('Republican National Committee', 'House Judiciary Committee') keeps its words, losing only time words."""
    i = 0
    while i + 1 < len(words) and words[i].lower() in TITLES and is_cap(words[i + 1]):
        i += 1
    stripped = strip_lead(words[i:], common, before)
    if len(stripped) == len(words):
        return words
    if source_kind(" ".join(stripped), aliases) == "person" and not aliases.known(" ".join(words)):
        return stripped
    words = strip_time(words, before)
    i = 0  # an organisation's name starts at its first capitalised word ('the state Division of Gaming')
    while i + 1 < len(words) and words[i].islower():
        i += 1
    return words[i:]


def sentence_start(text: str, pos: int, floor: int) -> int:
    """Where the sentence holding pos begins (not before floor; abbreviations do not end one)."""
    lo = max(floor, pos - WINDOW)
    first = _END_MARK_RE.search(text, lo, pos)  # one fast scan: most windows of a cue-dense text have no end at all
    ends = list(SENT_END_RE.finditer(text, first.start(), pos)) if first else []
    for m in reversed(ends):  # the last end that is not an abbreviation's full stop
        if not (m[0][0] == "." and is_abbrev(text, m.start(), lo)):
            return m.end()
    return lo


def speaker_span(text: str, lo: int, hi: int, again: bool = True) -> tuple[int, int] | None:
    """The speaker phrase ending at hi (a name, a pronoun or a short noun phrase), as offsets. A noun phrase
    after a preposition or a verb is not the subject: the phrase before it is looked for ('Trump at the time
    said', 'Beck, who has in the past described'), once."""
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
    if span and _DETERMINER_START_RE.match(seg, span[0]) and not speaker_noun(seg[span[0] : span[1]].split()[-1]):
        before = _WORD_BEFORE_RE.search(seg, max(0, span[0] - 30), span[0])
        if before and before[1].lower() not in _CLAUSE_OPENERS:
            return speaker_span(text, lo, lo + before.start(1), False) if again else None
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
    if text[dot + 1 : dot + 2] in ("),"):
        return True  # '(R-Fla.)', 'Mitch McConnell, R-Ky., said': a comma never follows the end of a sentence
    word = text[max(lo, dot - 6) : dot].split()[-1:]
    if not word:
        return False
    part = word[0].lstrip("(").rsplit("-", 1)[-1]  # '(D-N.Y.)': the initials after the party letter
    return part.lower() in _ABBREV or bool(_INITIALS_RE.fullmatch(part))


def source_name(speakers: Speakers, text: str, s: int, e: int) -> str | None:
    """The normalised source for a mention: pronouns resolved, surnames expanded, non-names dropped."""
    mention = text[s:e]
    low = mention.lower()
    if low in PRONOUNS:
        return speakers.resolve_pronoun(low, s)
    words = mention.split()
    if len(words) > 1 and description_head(mention):  # 'Gowdy's office', 'the Florida senator', 'the ad'
        return _described(speakers, text, s, mention)
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
    name = clean_name(mention, speakers.aliases, speakers.common, word_before(text, s))
    if " " not in name:
        if name in speakers.by_surname:  # a person named earlier, before an alias ('Hill')
            return speakers.full_name(name, s)
        if not speakers.aliases.known(name) and speakers.common(name.lower()):
            return None  # 'Frustrations', 'Several', 'Given': a word the text also writes in lower case
    return speakers.full_name(speakers.aliases.canonical(name), s) or None


def _described(speakers: Speakers, text: str, s: int, mention: str) -> str | None:
    """The source a description names: the owner of a voice ('Gowdy's office' -> Trey Gowdy), the person a role
    describes ('the Florida senator' -> Marco Rubio, named so earlier), else None ('the ad', 'his lawyer')."""
    owner = possessor(mention)
    person = is_person_description(mention)
    named = _APPOSED_NAME_RE.match(text, s + len(mention), s + len(mention) + 60) if person else None
    if named:  # 'the town's chief engineer, Ravi Mehta'
        return source_name(speakers, text, named.start(1), named.end(1))
    if owner:
        return source_name(speakers, text, s, s + len(owner)) if description_head(mention) in VOICE_NOUNS else None
    return speakers.resolve_description(mention, s) if person else None


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
