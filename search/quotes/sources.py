"""Source names for quotes.py: outlet aliases, titles, non-names, and the people an article names.

`Speakers` scans a text once for person names so that pronouns and surnames resolve to the most
recent full name; `name_span` finds the words naming a speaker next to a cue.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import islice

# canonical outlet name -> other spellings (all compared lower-cased, after "the" is stripped)
_OUTLETS: dict[str, tuple[str, ...]] = {
    "Wall Street Journal": ("wsj", "the journal", "wall st. journal", "wall street journal"),
    "New York Times": ("nyt", "ny times", "new york times", "the times"),
    "Washington Post": ("wapo", "the post", "washington post"),
    "Associated Press": ("ap", "the ap", "associated press", "the associated press"),
    "Agence France-Presse": ("afp", "agence france presse", "agence france-presse"),
    "Reuters": ("reuters", "thomson reuters"),
    "Al Jazeera": ("al jazeera", "al-jazeera", "aljazeera", "al jazeera english"),
    "BBC": ("bbc", "bbc news", "the bbc", "british broadcasting corporation"),
    "CNN": ("cnn", "cable news network"),
    "Fox News": ("fox news", "fox", "fox news channel"),
    "NBC News": ("nbc", "nbc news"),
    "CBS News": ("cbs", "cbs news"),
    "ABC News": ("abc", "abc news"),
    "MSNBC": ("msnbc",),
    "NPR": ("npr", "national public radio"),
    "Politico": ("politico",),
    "Bloomberg": ("bloomberg", "bloomberg news"),
    "USA Today": ("usa today",),
    "Los Angeles Times": ("la times", "l.a. times", "los angeles times"),
    "New York Post": ("new york post", "ny post"),
    "Daily News": ("daily news", "new york daily news", "ny daily news"),
    "The Guardian": ("guardian", "the guardian"),
    "Financial Times": ("ft", "financial times"),
    "HuffPost": ("huffpost", "huffington post", "the huffington post"),
    "Breitbart News": ("breitbart", "breitbart news"),
    "The Hill": ("the hill", "hill"),
    "Daily Beast": ("daily beast", "the daily beast"),
    "Iraq Body Count": ("iraq body count", "ibc"),
}

OUTLET_ALIASES: dict[str, str] = {
    alias: canon for canon, aliases in _OUTLETS.items() for alias in (*aliases, canon.lower())
}

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
_SHORT_FORM_RE = re.compile(r"(?:[A-Z]|Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Jr|Lt|Gen)\.")
_INITIAL_RE = re.compile(r"[A-Z]\.?")


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
            if word in ("the",) or (is_cap(prev) and word not in STOP_WORDS) or word in TITLES:
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
    for i, tok in enumerate(toks[:8]):
        word = _bare(tok[0])
        low = word.lower()
        of_name = low == "of" and end is not None and i + 1 < len(toks) and is_cap(toks[i + 1][0])
        if not word or (low in STOP_WORDS and not (i == 0 and low in _DETERMINERS) and not of_name):
            break
        if is_cap(word) or (i == 0 and low in _DETERMINERS) or (low == "of" and end is not None):
            end = tok.start() + len(word) if low != "of" else end
        elif low in TITLES or (noun_phrase and i < 5 and not low.endswith("ed")):
            end = tok.start() + len(word)
        elif not (end is None and i < 2 and word.isalpha()):  # 'said councillor Petra Novak'
            break
        if tok[0][-1] in ",;:.!?" and not _SHORT_FORM_RE.fullmatch(tok[0]):
            break
    return (toks[0].start(), end) if end is not None else None


class Speakers:
    """The people a text names outside quotation marks, in order, for pronoun and surname resolution."""

    def __init__(self, text: str, quote_spans: list[tuple[int, int]]) -> None:
        self.positions: list[int] = []
        self.names: list[str] = []
        self.by_surname: dict[str, list[tuple[int, str]]] = {}
        self.by_surname_lower: set[str] = set()  # surnames of people named in full, lower-cased
        qi = 0
        for run in _RUN_RE.finditer(text):
            while qi < len(quote_spans) and quote_spans[qi][1] <= run.start():
                qi += 1
            if qi < len(quote_spans) and quote_spans[qi][0] <= run.start():
                continue
            name = self._person(run[0].split())
            if name:
                self.positions.append(run.start())
                self.names.append(name)

    def _person(self, tokens: list[str]) -> str | None:
        """The full name a capitalised run refers to, when it looks like a person."""
        words = [_bare(t) for t in tokens[-6:]]  # a person's name is short; a run may be a whole title
        while words and (
            words[0].lower() in STOP_WORDS
            or words[0].lower().rstrip(".") in TITLES
            or words[0].lower() in TITLES
            or words[0].lower() in ORG_WORDS
        ):
            words.pop(0)
        words = [w for w in words if w]
        if not words:
            return None
        if len(words) == 1:
            known = self.by_surname.get(words[0])
            return known[-1][1] if known else None
        low = [w.lower() for w in words]
        if (
            any(w in ORG_WORDS for w in low)
            or low[0] in _PLACE_FIRST
            or " ".join(low) in OUTLET_ALIASES
            or any(w.isupper() and len(w) > 1 for w in words)
            or len(words) > 4
        ):
            return None
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
