"""Speakers named by what they are: "the Florida senator", "The billionaire businessman", "His office", "The ad".

Part of the attribute stage: extract.py takes such a phrase for the subject of a sentence holding a quotation
(`description_span`), and sources.py resolves a description of a person ("the Florida senator") to the last
person of the text introduced with that role ("Florida Sen. Marco Rubio"). A description of a thing or a body
("The ad", "the council") is kept as the speaker's words in the text, with no name.

A description is a determiner or a possessive, at most four words, and a head noun from ROLES (a person) or
THING_NOUNS (a document, a body, a group); every word is bounded, so the cost is a few words per call.
"""

from __future__ import annotations

import re

from search.quotes.names import is_role

__all__ = [
    "ROLE_FORMS",
    "THING_NOUNS",
    "VOICE_NOUNS",
    "description_head",
    "description_span",
    "describing_words",
    "is_person_description",
    "possessor",
    "speaker_noun",
]

# heads of descriptions that are not a person: documents, media, bodies and groups
THING_NOUNS = frozenset(
    """ad ads advert advertisement spot statement report letter email e-mail memo memorandum poll survey study
    analysis review paper document documents filing complaint lawsuit suit ruling order opinion decision resolution
    petition release transcript excerpt excerpts video clip tweet post message note website site page blog
    editorial column article story headline book platform speech interview account cable campaign office
    council commission committee board agency department ministry bureau court panel jury government
    administration party group organization organisation association union coalition company firm network channel
    station newspaper paper magazine publication outlet show program programme team staff crowd audience
    delegation town city county state country embassy foundation institute center centre university school
    people voters residents supporters critics officials aides sources experts analysts researchers protesters
    activists members workers students families phrase slogan words remarks comments motto claim argument view
    position line""".split()
)
# heads of descriptions of a person that are not roles before a name
PERSON_NOUNS = frozenset(
    """man woman person friend relative colleague ally rival opponent critic lawyers attorneys advisers aides allies
    associate confidant partner boyfriend girlfriend fiancee fiance brother sister mother father son daughter
    wife husband nephew niece grandson granddaughter teenager youngster child boy girl mom dad""".split()
)
# things that speak for their owner: "Gowdy's office said" is Gowdy's word
VOICE_NOUNS = frozenset(
    """office campaign statement letter website site account tweet post message remarks words comments phrase
    slogan motto ad ads email e-mail memo blog column editorial book speech""".split()
)
# short forms of roles, as written before names ("Sen. Marco Rubio"), and the word a description uses
ROLE_FORMS = {
    "sen": "senator", "gov": "governor", "rep": "representative", "gen": "general", "lt": "lieutenant",
    "sec": "secretary", "pres": "president", "atty": "attorney", "amb": "ambassador", "prof": "professor",
    "dr": "doctor", "rev": "reverend", "supt": "superintendent", "insp": "inspector", "det": "detective",
    "capt": "captain", "cmdr": "commander", "adm": "admiral", "col": "colonel", "sgt": "sergeant",
    "congressman": "representative", "congresswoman": "representative", "chairwoman": "chairman", "chair": "chairman",
}
_DETERMINERS = frozenset("the a an his her their its one another this that our my your".split())
_POSSESSIVE_RE = re.compile(r"[\w.\-]+(?:['\u2019]s|s['\u2019])")
_WORD_RE = re.compile(r"\S+")
_AGE_RE = re.compile(r"\d{1,3}-year-old")
_BREAK = frozenset("of for at in on with from by to and or but who which that said says told".split())
_EDGE = ",.;:!?\"()\u201c\u201d\u2018\u2019"


def _head(word: str) -> bool:
    """A word that can end a description: a role or a thing noun in lower case (a capital makes it a name: "the
    State Department"), an age ("the 43-year-old")."""
    low = word.lower()
    return word == low and (
        is_role(low) or low in THING_NOUNS or low in PERSON_NOUNS or bool(_AGE_RE.fullmatch(low))
    )


def speaker_noun(word: str) -> bool:
    """True for a word that can name who speaks: a capitalised name, a role, a thing noun, a person noun ("the
    time", "the past", "his heritage" cannot)."""
    return not word.islower() or _head(word.strip(_EDGE))


def description_span(seg: str) -> tuple[int, int] | None:
    """Offsets in seg of a description at its start ("The Florida senator" in "The Florida senator sought to"),
    else None. The description ends after its first head nouns ("campaign manager"), within its first six words."""
    toks = []
    for m in _WORD_RE.finditer(seg):
        toks.append(m)
        if len(toks) == 6:
            break
    if not toks:
        return None
    start = _start(toks)
    if start is None:
        return None
    end = None
    for tok in toks[start:]:
        word = tok[0].strip(_EDGE)
        low = word.lower()
        if not word or low in _BREAK:
            break
        if _head(word):
            end = tok.start() + len(tok[0].rstrip(_EDGE))
        elif end is not None:
            break  # the head nouns end it: 'her right-hand woman' in 'her right-hand woman rallied supporters'
        if tok[0][-1] in ",;:.!?\u2014":
            break
    return (toks[0].start(), end) if end is not None else None


def _start(toks: list[re.Match[str]]) -> int | None:
    """Where the words after the determiner or the possessive begin: 1 for "The ad", 2 for "Hillary Clinton's
    aide"; None when the words do not open a description."""
    if toks[0][0].lower() in _DETERMINERS:
        return 1
    for i, tok in enumerate(toks[:4]):
        if not tok[0][:1].isupper():
            return None
        if _POSSESSIVE_RE.fullmatch(tok[0]):
            return i + 1
    return None


def description_head(mention: str) -> str | None:
    """The head noun of a description mention ("senator" for "The Florida senator"), else None."""
    toks = list(_WORD_RE.finditer(mention))
    if len(toks) < 2 or _start(toks) is None or _start(toks) >= len(toks):
        return None
    last = toks[-1][0].strip(_EDGE)
    return last if _head(last) else None


def is_person_description(mention: str) -> bool:
    """True for a description whose head is a role ("the Florida senator"), not a thing ("the ad")."""
    head = description_head(mention)
    return head is not None and head not in THING_NOUNS and (is_role(head) or head in PERSON_NOUNS)


def possessor(mention: str) -> str | None:
    """The owner in a possessive description ("Trey Gowdy" in "Trey Gowdy's office", "Sanders" in "Sanders'
    campaign"), else None."""
    toks = mention.split()
    for i, tok in enumerate(toks[:4]):
        if not tok[:1].isupper():
            return None
        if _POSSESSIVE_RE.fullmatch(tok):
            cut = 2 if tok.endswith(("'s", "\u2019s")) else 1
            return " ".join([*toks[:i], tok[:-cut]])
    return None


def describing_words(words: list[str]) -> set[str]:
    """The words that describe someone, lower case, short forms of roles spelt out ("Sen." -> "senator")."""
    out = set()
    for word in words:
        low = word.strip(_EDGE).lower().rstrip(".")
        if low and low not in _DETERMINERS:
            out.add(ROLE_FORMS.get(low, low))
    return out
