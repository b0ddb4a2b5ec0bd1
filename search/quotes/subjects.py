"""Who a sentence is about: the subject that says a mixed quotation, the name before a cue in -ing, the reporter
of what someone else said, and the title words between a quotation and its speaker.

Part of the attribute stage: extract.py calls these on a sentence next to a quotation, which WINDOW bounds (so
every scan here reads a few hundred characters at most).
"""

from __future__ import annotations

import re
from itertools import islice

from search.quotes.attribution import speaker_span
from search.quotes.cues import ING_CUES, Cues
from search.quotes.descriptions import description_span, is_person_description
from search.quotes.names import is_role
from search.quotes.sources import PRONOUNS, Speakers, is_cap, name_span

__all__ = ["SUBJECT_LEAD_RE", "earlier_gerund", "gerund_subject", "reporter", "sentence_subject", "title_gap"]

SUBJECT_LEAD_RE = re.compile(r"\s*(?:(?:But|And|So|Yet|Still|Then|Now|Instead)\s+|[^,\n]{0,100},\s+)?")
_APPOSITION_RE = re.compile(r",[^,\n]{1,140},")
_VERB_RE = re.compile(r"\s*(?:\w+ly\s+)?[a-z]{2,}")
_CONTRACTION_RE = re.compile(r"['\u2019](?:s|re|ll|d|ve|m)\s")  # "he's predicting", not "Delaware's primary"
_COMMA_RE = re.compile(r",\s+")
_TITLE_JOINS = frozenset("of for the at and".split())
_GERUND_LEAD_RE = re.compile(r"(?:\bwith|\band|[,\u2014\u2013])\s*$")
# cues of a sentence's subject reporting what a nearer speaker said ('Israel said Clinton called it "..."')
_REPORTING = frozenset(
    "said says added adds wrote writes noted notes argued argues insisted insists claimed claims".split()
)
_POSSESSIVE_START_RE = re.compile(r"\s*[A-Z][\w.\-]*(?:\s[A-Z][\w.\-]*){0,3}(?:['\u2019]s|s['\u2019])\s")
_BRACKET_RE = re.compile(r"(?:\s*\([^()\n]{0,20}\))?")
_VERB_FORM_RE = re.compile(r"[a-z]{3,}(?:ing|ed)")


def sentence_subject(text: str, start: int, end: int, speakers: Speakers) -> tuple[int, int, None] | None:
    """No cue: the subject of the sentence holding a mixed quotation ('Romney attacked Trump for "..."', 'The
    Florida senator sought to calm his supporters, saying the person would "..."')."""
    lead = text[start:end]
    m = SUBJECT_LEAD_RE.match(lead)
    # 'In Iowa, Trump ...', then the whole lead: 'Mike Huckabee, for his part, ...', then after a later comma:
    # 'Speaking to X in Y, which is set to host Z, Bush referred to Rubio as "..."'
    first = (m.end() if m else 0, 0)
    later = [c.end() for c in islice(_COMMA_RE.finditer(lead), 4)]
    for skip in dict.fromkeys((*first, *later)):
        rest = lead[skip:]
        span = description_span(rest[:80]) if _POSSESSIVE_START_RE.match(rest[:80]) else None  # 'Gowdy's office said'
        span = span or name_span(rest[:80], from_start=True)
        mention = rest[span[0] : span[1]] if span else ""
        if not mention or (mention.lower() not in PRONOUNS and not is_cap(mention.split()[-1])):
            span = description_span(rest[:80])  # 'The Florida senator', 'His office', 'The ad'
            if not span:
                continue
            mention = rest[span[0] : span[1]]
        if _VERB_FORM_RE.fullmatch(mention.split()[0]) or _VERB_FORM_RE.fullmatch(mention.lower()):
            continue  # 'Speaking to reporters, ...', 'telling Mic ...': a participle, not a subject
        if skip not in first and not _clear_subject(mention, speakers):
            continue  # after a later comma only a clear subject: '..., Delaware "closed"' is not one
        verb = rest[span[1] :]
        verb = verb[_BRACKET_RE.match(verb).end() :]  # 'Ed Rendell (D), a Clinton supporter, praised'
        if mention.lower() in PRONOUNS and _CONTRACTION_RE.match(verb):
            verb = verb[2:]
        apposition = _APPOSITION_RE.match(verb) if skip == 0 else None
        if not _VERB_RE.match(verb[apposition.end() if apposition else 0 :]):
            continue
        return start + skip + span[0], start + skip + span[1], None
    return None


def _clear_subject(mention: str, speakers: Speakers) -> bool:
    """A pronoun, a name of two words or more starting with a capital, a surname of a person the text names in
    full, or the description of a person."""
    words = mention.split()
    if mention.lower() in PRONOUNS or is_person_description(mention):
        return True
    if len(words) == 1:
        return words[0] in speakers.by_surname
    return is_cap(words[0]) and is_cap(words[-1])


def gerund_subject(text: str, start: int, at: int) -> tuple[int, int, None] | None:
    """The name right before a cue in -ing that is its own subject: '..., with Sen. John McCain calling it "...",'
    '... – Ryan saying he was "..." and Trump calling it "..."'."""
    sub = speaker_span(text, start, at)
    if not sub or text[sub[1] : at].strip() or not _GERUND_LEAD_RE.search(text, start, sub[0]):
        return None
    mention = text[sub[0] : sub[1]]
    return (sub[0], sub[1], None) if mention.lower() in PRONOUNS or is_cap(mention.split()[-1]) else None


def earlier_gerund(text: str, cue_index: Cues, start: int, at: int) -> tuple[int, int, None] | None:
    """The subject of an earlier cue in -ing of the sentence, which this one continues: 'with Donald Trump
    tweeting that it was a "disaster" and asking, "..."'."""
    for cue in reversed(cue_index.between(start, at)[-3:]):
        if cue.word in ING_CUES:
            sub = gerund_subject(text, start, cue.start)
            if sub:
                return sub
    return None


def reporter(text: str, cue_index: Cues, start: int, sub: tuple[int, int]) -> tuple[int, int, str] | None:
    """The subject of the sentence when it reports what the nearer speaker said: in 'Rep. Steve Israel said Clinton
    called on members to be "...",' the words are Israel's account, so Israel is the source."""
    before = cue_index.between(start, sub[0])
    if not before or before[-1].word.lower() not in _REPORTING:
        return None
    outer = before[-1]
    if text[outer.end : sub[0]].strip() not in ("", "that"):
        return None
    osub = speaker_span(text, start, outer.start)
    if not osub or not SUBJECT_LEAD_RE.fullmatch(text, start, osub[0]):
        return None
    mention = text[osub[0] : osub[1]]
    if mention.lower() not in PRONOUNS and not is_cap(mention.split()[-1]):
        return None
    return osub[0], osub[1], outer.word


def title_gap(gap: str) -> bool:
    """True when the words between a closing mark and a speaker's name are the start of that name's title: the
    capitalised words and role words of 'CBS This Morning co-Anchor', at most eight of them."""
    words = gap.split()
    return 0 < len(words) <= 8 and all(
        is_cap(w) or is_role(w.lower().strip(".,")) or w in _TITLE_JOINS or is_cap(w.rsplit("-", 1)[-1]) for w in words
    )
