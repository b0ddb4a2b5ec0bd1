"""Quotation and source attribution: the stage between the readers and the indexer.

Pure regexes and heuristics over bounded windows, so the cost stays linear in the text length;
names, aliases and the person/pronoun bookkeeping live in search/sources.py.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from typing import NamedTuple

from search.articles import Article, Quote
from search.sources import NON_NAMES, OUTLET_ALIASES, PRONOUNS, STOP_WORDS, TITLES, Speakers, is_cap, name_span

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
bemoaned questioned expressed""".split()
_ING_CUES = """saying adding writing telling noting asking explaining arguing calling describing declaring
warning tweeting insisting recalling citing claiming acknowledging suggesting denouncing""".split()
_INVERTING = frozenset(
    "said says added adds wrote writes asked asks continued explained noted recalled replied".split()
)
_CUES = frozenset(_CUE_WORDS + _ING_CUES) | {
    "according to",
    "pointed out",
    "points out",
    "went on",
    "goes on",
    "chimed in",
    "put it",
}
_CUE_RE = re.compile(r"\b([A-Za-z]+)(?: (?:to|out|on|in|it)\b)?")
_INDIRECT_CUE_RE = re.compile(
    r"\b(?:according to|reported|reports|said|says|wrote|writes|announced|told|stated|tweeted)\b"
)
_INDIRECT_NEXT_RE = re.compile(r"\s*[.,]|[^.,;\n]{0,40}?\bthat\b")
_QMARK_RE = re.compile('[\u201c\u201d"]')
_LINE_RE = re.compile(r"[^\n]+")
_SENT_END_RE = re.compile(r"[.!?][\"\u201d\u2019)]?\s+|[;:]\s+|\n")
_CLAUSE_END_RE = re.compile(r"[.!?;:\u201c\u201d\"\n(]|,\s(?:and|but|after|before)\b")
_VERBISH_RE = re.compile(r"\b[a-z]{2,}(?:ed|es|ts|ds|ks|ys)\b")
_TRAIL_RE = re.compile(
    r"(?:\s+(?:also|has|had|have|then|later|once|again|previously|recently|repeatedly|reportedly|just|"
    r"never|even|would|will|could|might|did|does|do|simply|only|still|often|first|publicly|famously|"
    r"[a-z]+ly|on|last|this|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|night|morning|afternoon|evening)"
    r"|\s*\([^()\n]{0,40}\)|\s*,[^,\n]{1,90},)\s*$"
)
_ABBREV = frozenset(
    "mr mrs ms dr sen rep gov gen col lt st jr sr vs u.s d.c no inc corp co sgt capt adm rev prof ft mt"
    " jan feb aug sept oct nov dec calif fla mass conn ariz".split()
)
_PARTICLES = frozenset("al el de del da di van von der bin ibn la le du dos".split())
_DIRECT_MIN_WORDS = 3  # one- or two-word quoted terms without a cue nearby are scare quotes
_WINDOW = 260


def normalise_source(name: str) -> str:
    """One canonical name for a source: no "the", no titles, outlet aliases folded."""
    s = re.sub(r"\s+", " ", name.replace("\u2019", "'")).strip(" ,.:;\"'\u201c\u201d")
    s = re.sub(r"\s*\([^)]*\)", "", s)
    s = re.sub(r"'s?$", "", s)
    alias = OUTLET_ALIASES.get(s.lower()) or OUTLET_ALIASES.get(re.sub(r"(?i)^the ", "", s).lower())
    if alias:
        return alias
    words = s.split()
    if " of " in s and len(s.split(" of ")[0].split()) >= 2 and is_cap(words[1]):
        words = s.split(" of ")[0].split()  # 'Bill O'Reilly of Fox News'
    while words and words[0].lower() in STOP_WORDS:
        words.pop(0)
    lower = [i for i, w in enumerate(words[:-1]) if w.islower() and w not in _PARTICLES]
    if lower and all(is_cap(w) for w in words[lower[-1] + 1 :]):
        words = words[lower[-1] + 1 :]  # 'Union leader Maria Gomez', 'Secretary of State John Kerry'

    while len(words) > 1 and words[0].lower() in TITLES and is_cap(words[1]):
        words.pop(0)
    while words and words[0].lower() == "the":
        words.pop(0)
    words = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and re.fullmatch(r"[A-Z]\.", w))]
    s = " ".join(words)
    return OUTLET_ALIASES.get(s.lower(), s)


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
    body = re.sub(r"\s*\n\s*[\u201c\"]?", "\n", text[s:e]).strip()
    return body, s, e


def _sentence_start(text: str, pos: int, floor: int) -> int:
    """Where the sentence holding pos begins (not before floor; abbreviations do not end one)."""
    lo = max(floor, pos - _WINDOW)
    best = lo
    for m in _SENT_END_RE.finditer(text, lo, pos):
        if not (m[0][0] == "." and _is_abbrev(text, m.start(), lo)):
            best = m.end()
    return best


def _subject(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The speaker phrase ending at hi (a name, a pronoun or a short noun phrase), as offsets."""
    seg = text[lo:hi]
    for _ in range(4):
        m = _TRAIL_RE.search(seg)
        if not m or not m.start():
            break
        if m[0].rstrip().endswith(","):  # 'Smith, a spokesman for X,' or 'a spokesman for X, John Smith,'
            span = name_span(seg[: m.start()]) or name_span(m[0].strip().strip(","), from_start=True)
            if span and seg[: m.start()].strip() and span == name_span(seg[: m.start()]):
                return lo + span[0], lo + span[1]
            inner = m[0].strip()[1:-1]
            span = name_span(inner)
            if span:
                off = lo + m.start() + m[0].index(inner)
                return off + span[0], off + span[1]
        seg = seg[: m.start()]
    span = name_span(seg)
    return (lo + span[0], lo + span[1]) if span else None


class _Cue(NamedTuple):
    """A cue word and its offsets."""

    start: int
    end: int
    word: str


class _Cues:
    """Every cue word of a text, found in one pass; capitalised only where a sentence may start."""

    def __init__(self, text: str) -> None:
        self.matches: list[_Cue] = []
        for m in _CUE_RE.finditer(text):
            word = m[0] if m[0].lower() in _CUES else m[1]
            if word.lower() in _CUES and (word.islower() or word in ("Said", "According to")):
                self.matches.append(_Cue(m.start(), m.start() + len(word), word))
        self.starts = [c.start for c in self.matches]

    def between(self, lo: int, hi: int) -> list[_Cue]:
        """The cues lying wholly inside text[lo:hi]."""
        i, j = bisect_left(self.starts, lo), bisect_left(self.starts, hi)
        return [c for c in self.matches[i:j] if c.end <= hi]


def _clause(text: str, lo: int, hi: int) -> int:
    """Where the clause starting at lo ends (an abbreviation's full stop does not end it)."""
    for m in _CLAUSE_END_RE.finditer(text, lo, hi):
        if m[0] == "." and _is_abbrev(text, m.start(), lo):
            continue
        return m.start()
    return hi


def _is_abbrev(text: str, dot: int, lo: int) -> bool:
    """True when the full stop at dot closes an abbreviation or an initial ("Sen.", "J.")."""
    word = text[max(lo, dot - 6) : dot].split()[-1:]
    return bool(word) and (word[0].lower().lstrip("(") in _ABBREV or bool(re.fullmatch(r"[A-Z]|[A-Z]\.[A-Z]", word[0])))


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
                is_cap(tail[span[0] : span[1]]) or tail[span[0] : span[1]].lower() in PRONOUNS or word in _INVERTING
            ):
                return qe + c_end + span[0], qe + c_end + span[1], word
            return None
        sub = _subject(text, qe, qe + c_start)
        if sub and len(text[qe : sub[0]].split()) <= 3 and not re.search(r"[.!?;]", text[qe : sub[0]]):
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
    start = _sentence_start(text, end, floor)
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
        sub = _subject(text, start, cue.start)
        if sub:
            return sub[0], sub[1], cue.word
        span = name_span(text[cue.end : end].split(",")[0], from_start=True) if word in _INVERTING else None
        if (
            span
            and text[cue.end + span[1] : end].strip()[:1] in ("", ",")
            and text[cue.end + span[0] : cue.end + span[1]].lower() not in ("her", "him", "them", "it", "his")
        ):
            return cue.end + span[0], cue.end + span[1], cue.word
    if colon and end - start < 200:
        sub = _sentence_subject(text, start, end) or _subject(text, start, end)
        if sub:
            return sub[0], sub[1], None
    return _sentence_subject(text, start, end) if subject else None


def _sentence_subject(text: str, start: int, end: int) -> tuple[int, int, None] | None:
    """No cue: the subject of the sentence holding a mixed quotation ('Romney attacked Trump for "..."')."""
    lead = text[start:end]
    m = re.match(r"\s*(?:(?:But|And|So|Yet|Still|Then|Now|Instead)\s+|[^,\n]{0,50},\s+)?", lead)
    rest = lead[m.end() :] if m else lead
    span = name_span(rest[:80], from_start=True)
    if not span or not re.match(r"\s*(?:\w+ly\s+)?[a-z]{2,}", rest[span[1] :]):
        return None
    off = start + len(lead) - len(rest)
    mention = text[off + span[0] : off + span[1]]
    if mention.lower() not in PRONOUNS and not is_cap(mention.split()[-1]):
        return None
    return off + span[0], off + span[1], None


def _source(speakers: Speakers, text: str, s: int, e: int) -> str | None:
    """The normalised source for a mention: pronouns resolved, surnames expanded, non-names dropped."""
    mention = text[s:e]
    low = mention.lower()
    if low in PRONOUNS:
        return speakers.resolve_pronoun(low, s)
    words = mention.split()
    if not words or not is_cap(words[-1]) or re.sub(r"['\u2019]s?$", "", words[-1].lower().strip(".,")) in NON_NAMES:
        return None
    return speakers.full_name(normalise_source(mention), s) or None


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
        pe = text.find("\n", qe, qe + _WINDOW)
        pe = pe if pe >= 0 else min(len(text), qe + _WINDOW)
        floor = max(ps, qs - _WINDOW)  # bounded windows keep the cost linear
        prev = paras[pi - 1] if pi > 0 else (0, 0)
        if qs - ps < 8 and not text[ps:qs].strip() and text[max(prev[0], prev[1] - 8) : prev[1]].rstrip().endswith(":"):
            floor = max(prev[0], prev[1] - _WINDOW)  # 'as Al Jazeera wrote:' closing the paragraph before
        words, inner_s, inner_e = _inner(text, qs, qe)
        start = _sentence_start(text, qs, floor)
        if text[start:qs].strip(" \t\u2014\u2013-(:"):  # mid-sentence: 'Smith called it "a disgrace"'
            post = None
            found = _before(text, cues, qs, floor) or _after(text, cues, qe, pe) or _before(text, cues, qs, floor, True)
            post = found if found and found[0] >= qe else None
        else:
            post = _after(text, cues, qe, pe)
            found = post or _before(text, cues, qs, floor, True)
        short = len(words.split()) < _DIRECT_MIN_WORDS
        if (not post and _title_like(words)) or (short and found is None):
            continue  # quoted titles and scare quotes
        if short and found[2] is None and not _source(speakers, text, found[0], found[1]):
            continue  # a short term with no cue and no named speaker: scare quotes
        if found is None:
            if last is not None and ps <= last.end < last.source_start and last.source_end <= qs < last.end + 100:
                out[-1] = last = replace(last, text=f"{last.text} {words}", end=inner_e)  # split by 'she said'
            elif last is not None and last.end >= paras[max(pi - 1, 0)][0]:
                out.append(replace(last, text=words, start=inner_s, end=inner_e))
                last = out[-1]
            else:
                out.append(Quote(words, None, None, "direct", inner_s, inner_e))
            continue
        ms, me, cue = found
        q = Quote(
            words, _source(speakers, text, ms, me), cue and cue.lower(), "direct", inner_s, inner_e, text[ms:me], ms, me
        )
        out.append(q)
        last = q
    return out


def _title_like(words: str) -> bool:
    """True for quoted titles and names ("Saturday Night Live"), which are not quotations."""
    toks = [t.strip(".,:;!?'\u2019") for t in words.split()]
    small = {"of", "the", "and", "a", "an", "in", "to", "for", "on", "with", "&"}
    return len(toks) <= 8 and all(is_cap(t) or t.lower() in small or not t for t in toks)


def _indirect(text: str, spans: list[tuple[int, int]], speakers: Speakers) -> list[Quote]:
    """'the Wall Street Journal reported', 'according to X', 'X said that ...' outside quotation marks."""
    masked = list(text)
    for s, e in spans:
        masked[s:e] = " " * (e - s)
    plain = "".join(masked)
    out: list[Quote] = []
    for cue in _INDIRECT_CUE_RE.finditer(plain):
        if cue[0] != "according to" and not _INDIRECT_NEXT_RE.match(plain, cue.end(), cue.end() + 60):
            continue
        start = _sentence_start(plain, cue.start(), 0)
        limit = min(len(plain), cue.end() + _WINDOW)
        end_m = _SENT_END_RE.search(plain, cue.end(), limit)
        end = end_m.start() + 1 if end_m else limit
        word = cue[0]
        if word == "according to":
            tail = plain[cue.end() : end].split(",")[0]
            span = name_span(tail, from_start=True)
            if not span:
                continue
            ms, me = cue.end() + span[0], cue.end() + span[1]
            cs, ce = (me, end) if plain[start : cue.start()].strip() == "" else (start, cue.start())
        else:
            sub = _subject(plain, start, cue.start())
            after = plain[cue.end() : end]
            if not sub:
                continue
            ms, me = sub
            if re.match(r"\s*[.,]?\s*$", after) and re.search(r",\s*$", plain[start:ms]):
                cs, ce = start, plain.rindex(",", start, ms)
            elif re.match(r"[^.,;]{0,40}?\bthat\b", after):
                cs, ce = cue.end() + after.index("that") + 4, end
            else:
                continue
        source = _source(speakers, text, ms, me)
        content = text[cs:ce].strip(" ,.")
        if source and source.lower() not in PRONOUNS and content:
            off = text.index(content, cs)
            out.append(Quote(content, source, word, "indirect", off, off + len(content), text[ms:me], ms, me))
    return out


def extract_quotes(text: str) -> list[Quote]:
    """Find quotations and attributions in text, in order; offsets are into text."""
    spans = _quote_spans(text)
    speakers = Speakers(text, spans)
    quotes = _direct(text, spans, speakers) + _indirect(text, spans, speakers)
    return sorted(quotes, key=lambda q: q.start)


def attribute(article: Article) -> Article:
    """Fill article.quotes and article.sources from its body and block quotes."""
    quotes = extract_quotes(article.body)
    seen = {" ".join(q.text.split()) for q in quotes}
    for block in article.blockquotes:
        for q in extract_quotes(block):
            key = " ".join(q.text.split())
            if key not in seen and key not in " ".join(article.body.split()):
                seen.add(key)
                quotes.append(q)
    article.quotes = quotes
    article.sources = list(dict.fromkeys(q.source for q in quotes if q.source))
    return article
