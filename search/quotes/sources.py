"""Source names for the attribute stage: titles, non-names, and the people an article names.

`Speakers` scans a text once for person names so that pronouns and surnames resolve to the most
recent full name; `name_span` finds the words naming a speaker next to a cue. Aliases are in aliases.py
(and aliases.toml), the role and time words in names.py, source kinds in kinds.py.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from itertools import islice

from search.quotes.aliases import Aliases, default_aliases
from search.quotes.descriptions import ROLE_FORMS, describing_words, description_head
from search.quotes.kinds import source_kind
from search.quotes.names import ROLES, TIME_WORDS, TITLE_ABBREVIATIONS, strip_lead

# words before a name that say what a person is, not who (stripped when normalising)
TITLES = frozenset(
    """mr mr. mrs mrs. ms ms. dr dr. sen sen. senator rep rep. representative gov gov. governor president
    vice prime minister secretary speaker house senate chairman chairwoman chair director spokesman
    spokeswoman spokesperson adviser advisor aide attorney general judge justice mayor gen gen. general
    col col. lt lt. sgt sgt. capt capt. adm adm. former u.s. us republican democratic democrat gop
    presidential candidate nominee leader majority minority chief executive ceo professor prof prof.
    rev rev. father sir lord lady king queen prince princess pope ambassador commissioner manager
    campaign state foreign defense press deputy acting chief-of-staff host anchor pollster strategist
    analyst consultant billionaire businessman businesswoman activist author writer columnist
    reporter editor founder co-founder sheriff officer detective agent minority whip lawmaker
    congressman congresswoman assemblyman councilman councilwoman councillor coach the""".split()
)

# words that end an organisation's or a place's name (so the name is not a person's)
ORG_WORDS = frozenset(
    """house party committee department court congress senate university college journal times post
    news press network agency office commission administration council association institute center
    centre foundation group inc corp co company organization organisation bureau service union
    church school campaign coalition alliance fund bank board club team caucus federation ministry
    army forces force police city county state states republic kingdom nations street avenue magazine
    channel radio tv television review daily weekly herald tribune gazette telegraph observer
    register chronicle reporter examiner inquirer globe sun star mail express record today hill
    beast politico reuters bloomberg twitter facebook instagram youtube google chamber authority trust
    society museum library academy institution assembly parliament government ledger courier bulletin
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december america iowa hampshire carolina""".split()
)

# subject words that are not names: an attribution to these is unattributed
NON_NAMES = frozenset(
    """official officials figures figure experts expert analysts analyst sources source statement report
    reports reporters critics observers polls poll data study studies research researchers people
    witnesses witness residents authorities documents document estimates statistics survey surveys
    many some others other someone everyone nobody somebody observers insiders aides advisers
    spokesman spokeswoman spokesperson it this that these those which who""".split()
)

PRONOUNS = frozenset({"he", "she", "they", "i", "we", "you", "it", "his", "her", "him", "them", "who"})

STOP_WORDS = frozenset(
    """but and or the a an in on at as when if so then yet still now later meanwhile also asked speaking
    while after before since because although though this that last earlier it he she they we i there
    here what why how where who our his her their its my your not no yes even only for from with by of
    to during under over about against among instead indeed however moreover thus dear does did do is was
    will can could would should may might has have had are were be year years day week month""".split()
)
_DETERMINERS = frozenset("the a an his her their its one another some many several two three our this".split())
_PLACE_FIRST = frozenset("new los las san santa united north south east west great saudi hong el puerto".split())
FEMALE = frozenset(
    """hillary melania ivanka sarah carly nancy elizabeth kellyanne debbie dianne michelle hope huma jill
    megyn mary susan karen lisa jennifer amy maria anna laura linda barbara patricia jessica emily rachel
    katie kate kathleen claire tammy kirsten marsha nikki joni kelly heidi jeanne donna chelsea loretta
    condoleezza madeleine angela theresa janet jan martha ruth sonia elena samantha valerie jen dana
    katy hope ann anne margaret julie alice catherine christine sheila cindy carolyn gabby gloria""".split()
)
MALE = frozenset(
    """donald barack bernie ted marco jeb ben john chris mike rand rick scott jim bill george joe paul
    mitch harry tim lindsey reince corey jeff james robert michael david richard charles thomas mark
    steven steve kevin brian jason eric newt rudy sean glenn rush bobby martin lincoln jim tom dan
    roger marco mitt jon matt josh ryan adam peter andrew anthony jack frank henry larry gary""".split()
)
_RUN_RE = re.compile(
    r"(?:[A-Z][\w\u2019'\-]*|(?:al|el|bin|abu)-[A-Z][\w\u2019'\-]*)"
    r"(?:[ \t]+(?:[A-Z]\.[ \t]+)?(?:[A-Z][\w\u2019'\-]*|(?:al|el|bin|abu)-[A-Z][\w\u2019'\-]*))*"
)
_TOKEN_RE = re.compile(r"\S+")
_TAIL = 8  # words name_span reads back from a segment's end (its checks look at seven), unless a name runs on
_FURTHER = (-1, -1)  # _backward's "the words before the tail may matter"
_PARTICLE_NAME_RE = re.compile(r"(?:al|el|bin|abu)-[A-Z]")
_POSSESSIVE_END_RE = re.compile(r"[\u2019']s?$")
_TITLES_ALT = "|".join(sorted(a.capitalize() for a in TITLE_ABBREVIATIONS))
_SHORT_FORM_RE = re.compile(rf"(?:[A-Z]|{_TITLES_ALT})\.")  # a stop that does not end a name: "Col. Anna Berg"
_INITIAL_RE = re.compile(r"[A-Z]\.?")
_LOWER_WORD_RE = re.compile(r"\b[a-z]{2,}\b")
_GIVEN_STOP_WORDS = frozenset("may will".split())  # small words that are also given names before a surname
_INDEFINITE = frozenset("a an one another some".split())
_SLICE = 1 << 16  # characters _lower_words reads at a time
_MEMO = 4096  # names a Speakers remembers the cleaning of
_DESCRIBED_BEFORE = 60  # characters read before a name for the words describing that person
_DESCRIBED_AFTER = 80  # and after it, for an apposition


def word_before(text: str, pos: int) -> str:
    """The word just before pos ("On" for the name in "On Thursday Berg"), read from at most 40 characters."""
    before = text[max(0, pos - 40) : pos].split()
    return before[-1].strip(",.;:\"'()\u201c\u201d") if before else ""


def is_cap(token: str) -> bool:
    """True for a capitalised word or an "al-Maliki"-style particle name."""
    return bool(token) and (token[0].isupper() or bool(_PARTICLE_NAME_RE.match(token)))


def _bare(token: str) -> str:
    """A token without edge punctuation or a possessive."""
    return _POSSESSIVE_END_RE.sub("", token.strip(',.:;!?"()\u201c\u201d'))


def name_span(seg: str, from_start: bool = False) -> tuple[int, int] | None:
    """Offsets in seg of the speaker phrase at its end (or its start): a name, a pronoun or a noun phrase."""
    if from_start:
        toks = list(islice(_TOKEN_RE.finditer(seg), 9))  # _forward reads at most nine words
        return _forward(toks) if toks else None
    parts = seg.rsplit(None, _TAIL)
    if len(parts) > _TAIL:  # read the last words only, unless a name runs back through all of them
        span = _backward(list(_TOKEN_RE.finditer(seg, len(parts[0]))), complete=False)
        if span != _FURTHER:
            return span
    toks = list(_TOKEN_RE.finditer(seg))
    return _backward(toks, complete=True) if toks else None


def _backward(toks: list[re.Match[str]], complete: bool) -> tuple[int, int] | None:
    """name_span from the end, on a segment's words (complete) or its last _TAIL words (else _FURTHER when the
    answer could depend on words before them)."""
    last = _bare(toks[-1][0])
    if toks[-1][0].lower().endswith(("\u2019s", "'s")) or toks[-1][0][-1] in ",;":
        return None
    if last.lower() in PRONOUNS:
        return toks[-1].start(), toks[-1].start() + len(last)
    if is_cap(last) and last.lower() not in STOP_WORDS:
        i = len(toks) - 1
        while i > 0:
            prev = toks[i - 1][0]
            word = prev.lower()
            if prev[-1] in ",;:" or word.endswith(("\u2019s", "'s")):
                break
            if word.rstrip(".,") in TIME_WORDS:
                break  # 'On Thursday Berg told': the time is not part of the speaker's words
            given = word in _GIVEN_STOP_WORDS and prev[:1].isupper()  # 'May Lund', 'Will Hurd'
            if word in ("the",) or (is_cap(prev) and (word not in STOP_WORDS or given)) or word in TITLES:
                i -= 1
                if word == "the":
                    break
            elif word == "of" and i > 1 and is_cap(toks[i - 2][0]):
                i -= 1
            else:
                break
        if i <= 1 and not complete:
            return _FURTHER
        return toks[i].start(), toks[-1].start() + len(last)
    if last.lower() in STOP_WORDS or not last.isalpha():
        return None
    for i in range(len(toks) - 1, max(len(toks) - 7, -1), -1):
        word = toks[i][0].lower()
        if word in _DETERMINERS:
            return toks[i].start(), toks[-1].start() + len(last)
        if toks[i][0][-1] in ",;:" or word in STOP_WORDS:
            break
    if last.lower() in NON_NAMES:
        return toks[-1].start(), toks[-1].start() + len(last)
    if len(toks) <= 3 and all(t[0].isalpha() and t[0].lower() not in STOP_WORDS for t in toks):
        return toks[0].start(), toks[-1].start() + len(last)  # 'federal prosecutors'
    return None


def _forward(toks: list[re.Match[str]]) -> tuple[int, int] | None:
    """The speaker phrase at the start of a segment ("said Cuban, who", "according to the Iraq Body Count")."""
    first = _bare(toks[0][0])
    if first.lower() in PRONOUNS:
        return toks[0].start(), toks[0].start() + len(first)
    end = None
    noun_phrase = first.lower() in _DETERMINERS or first.endswith(("\u2019s", "'s"))
    after_name = False  # the word before is a capitalised word of a name (not the determiner)
    skip = _title_words(toks)  # 'said master of ceremonies Asab Al-Tabchi'
    if skip:
        end = toks[skip - 1].end()
    for i, tok in enumerate(toks[:8]):
        if i < skip:
            continue
        word = _bare(tok[0])
        low = word.lower()
        of_name = low == "of" and end is not None and i + 1 < len(toks) and is_cap(toks[i + 1][0])
        if not word or (low in STOP_WORDS and not (i == 0 and low in _DETERMINERS) and not of_name):
            break
        if is_cap(word) or (i == 0 and low in _DETERMINERS) or (low == "of" and end is not None):
            end = tok.start() + len(word) if low != "of" else end
        elif low in TITLES or (noun_phrase and i < 5 and not low.endswith(("ed", "ly")) and not after_name):
            end = tok.start() + len(word)  # 'the county football association', not 'The Washington Post recently'
        elif (noun_phrase and after_name) or not (end is None and i < 2 and word.isalpha()):
            break  # a lower-case word after a name ends it; one may open it: 'said councillor Petra Novak'
        if tok[0][-1] in ",;:.!?" and not _SHORT_FORM_RE.fullmatch(tok[0]):
            break
        after_name = i > 0 and is_cap(word)
    return (toks[0].start(), end) if end is not None else None


def _title_words(toks: list[re.Match[str]]) -> int:
    """How many lower-case words of a title open toks before a capitalised name: 3 for 'master of ceremonies Asab
    Al-Tabchi', when one of them is a role and none is another small word; else 0."""
    role = False
    for i, tok in enumerate(toks[:5]):
        word = tok[0]
        if is_cap(word):
            return i if role and i > 1 else 0
        low = word.lower()
        if not word.isalpha() or (low in STOP_WORDS and low != "of") or low in _DETERMINERS:
            return 0
        role = role or low in ROLES
    return 0


def _lower_words(text: str) -> set[str]:
    """The distinct words text writes in lower case, read 64 KB at a time (cut at a space) so that the list
    findall makes never holds more than a slice's words."""
    out: set[str] = set()
    i, n = 0, len(text)
    while i < n:
        j = text.find(" ", min(n, i + _SLICE))
        j = n if j < 0 else j
        out.update(_LOWER_WORD_RE.findall(text, i, j))
        i = j + 1
    return out


def _leading(words: list[str], i: int) -> bool:
    """True for a word that cannot start a person's name at the start of a run: a small word ("But", "On"; not
    "May" before a surname), a title, a word of an organisation's name."""
    low = words[i].lower()
    if low in STOP_WORDS:
        return not (words[i] in ("May", "Will") and i + 1 < len(words))
    return low in TITLES or low.rstrip(".") in TITLES or low in ORG_WORDS


class Speakers:
    """The people a text names outside quotation marks, in order, for pronoun and surname resolution."""

    def __init__(self, text: str, quote_spans: list[tuple[int, int]], aliases: Aliases | None = None) -> None:
        self.text = text
        self.aliases = aliases if aliases is not None else default_aliases()
        self.positions: list[int] = []
        self.ends = array("q")  # where the run naming each person ends
        self.names: list[str] = []
        self.by_surname: dict[str, list[tuple[int, str]]] = {}
        self.by_surname_lower: set[str] = set()  # surnames of people named in full, lower-cased
        self._lower: set[str] | None = None  # the words the text uses in lower case, read when first asked
        self._people: set[str] = set()
        self._memo: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = {}
        qi = 0
        for run in _RUN_RE.finditer(text):
            while qi < len(quote_spans) and quote_spans[qi][1] <= run.start():
                qi += 1
            if qi < len(quote_spans) and quote_spans[qi][0] <= run.start():
                continue
            name = self._person(run[0].split(), run.start())
            if name:
                self.positions.append(run.start())
                self.ends.append(run.end())
                self.names.append(name)
                self._people.add(name)

    def described(self, j: int) -> set[str]:
        """The words around the j-th name that say what that person is: the title in its run ("Florida Sen."),
        up to five words before it and an apposition after it ("Marco Rubio, the Florida senator,"). Read when
        asked (descriptions are rare), so that naming people costs no memory for it."""
        start, end = self.positions[j], self.ends[j]
        words = self.text[start:end].split()
        words = words[: len(words) - len(self.names[j].split())]
        words += self.text[max(0, start - _DESCRIBED_BEFORE) : start].split()[-5:]
        after = self.text[end : end + _DESCRIBED_AFTER]
        if after.startswith(", "):
            words += after[2:].split(",")[0].split()[:6]
        return describing_words(words)

    def resolve_description(self, mention: str, pos: int) -> str | None:
        """The most recent person before pos introduced with the head of the description and every capitalised
        word of it ("the Florida senator" -> the last "Florida Sen. ..." or "..., the Florida senator,")."""
        head = description_head(mention)
        if head is None:
            return None
        i = bisect_left(self.positions, pos)
        if mention.split()[0].lower() in _INDEFINITE:
            # 'A friend', 'another aide': someone new, unless it is the apposition of the name just before it
            # ('Bill Millis, a North Carolina businessman, ...')
            near = i and pos - self.ends[i - 1] <= 3 and self.text[self.ends[i - 1] : pos].strip() == ","
            return self.names[i - 1] if near else None
        head = ROLE_FORMS.get(head, head)
        need = {head} | {w.lower() for w in mention.split()[1:] if w[:1].isupper()}
        need = describing_words(list(need))
        for j in range(i - 1, max(i - 40, -1), -1):
            if need <= self.described(j):
                return self.names[j]
        return None

    def _name_words(self, words: tuple[str, ...], after: str) -> tuple[str, ...]:
        """The words of a person's name in a run of two words or more (titles, roles and time words gone), or ()
        when the run does not name a person; remembered for the runs a text repeats ("Donald Trump" a hundred
        times), in a bounded memo."""
        memo = self._memo.get((words, after))
        if memo is not None:
            return memo
        out = tuple(strip_lead(list(words), self.common, after))
        low = [w.lower() for w in out]
        if len(out) > 1 and (
            any(w in ORG_WORDS for w in low)
            or low[0] in _PLACE_FIRST
            or self.aliases.known(" ".join(out))
            or any(w.isupper() and len(w) > 1 for w in out)
            or len(out) > 4
            or source_kind(" ".join(out), self.aliases) != "person"
        ):
            out = ()
        if len(self._memo) >= _MEMO:
            self._memo.clear()
        self._memo[(words, after)] = out
        return out

    def kind(self, name: str) -> str:
        """The kind of a source of this text: a person it names (pronouns and surnames resolve to these), else
        by the rules of kinds.py."""
        if name in self._people:
            return "person"
        return source_kind(name, self.aliases)

    def common(self, word: str) -> bool:
        """True when the text uses word (lower case) in lower case somewhere: a common noun, not a name."""
        if self._lower is None:
            self._lower = _lower_words(self.text)
        return word in self._lower

    def _person(self, tokens: list[str], pos: int) -> str | None:
        """The full name a capitalised run (at pos) refers to, when it looks like a person."""
        if len(tokens) == 1:  # most runs are one word: a surname of someone named before, or nothing
            known = self.by_surname.get(_bare(tokens[0]))
            return known[-1][1] if known else None
        words = [_bare(t) for t in tokens[-6:]]  # a person's name is short; a run may be a whole title
        i = 0
        while i < len(words) and _leading(words, i):
            i += 1
        name = [w for w in words[i:] if w]
        if len(name) > 1:
            name = self._name_words(tuple(name), words[i - 1] if i else word_before(self.text, pos))
        words = list(name)
        if not words:
            return None
        if len(words) == 1:
            known = self.by_surname.get(words[0])
            return known[-1][1] if known else None
        name = " ".join(w for w in words if not _INITIAL_RE.fullmatch(w))
        self.by_surname.setdefault(words[-1], []).append((len(self.positions), name))
        self.by_surname_lower.add(words[-1].lower())
        return name

    def resolve_pronoun(self, pronoun: str, pos: int) -> str | None:
        """The most recent person named before pos whose first name does not contradict the pronoun."""
        i = bisect_left(self.positions, pos)
        avoid = MALE if pronoun in ("she", "her") else FEMALE if pronoun in ("he", "his", "him") else set()
        for j in range(i - 1, max(i - 40, -1), -1):
            if self.names[j].split()[0].lower() not in avoid:
                return self.names[j]
        return None

    def full_name(self, name: str, pos: int) -> str:
        """A surname alone ("Obama") as the full name seen in the same text ("Barack Obama")."""
        known = self.by_surname.get(name)
        if " " in name or not known:
            return name
        i = bisect_left(self.positions, pos)
        j = bisect_left(known, i, key=lambda mention: mention[0])  # the mentions before pos
        return known[j - 1][1] if j else known[0][1]
