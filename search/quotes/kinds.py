"""The kind of a source: "person", "outlet" (newspapers, agencies, broadcasters, news sites) or "organisation"
(companies, government bodies, parties, NGOs, universities, countries...).

Part of the attribute stage (extract.py sets Quote.source_kind with it) and usable at query time on any name.
The rules, first match wins:
  1. a kind an aliases file fixes for the name or the canonical name it spells ("Reuters" = "outlet");
  2. a company ending (Inc, Corp, Ltd, Group...) as the last word: organisation ("News Corp");
  3. an outlet word (Times, Post, Journal, News, Press, Herald, Radio, TV, Broadcasting...): outlet, except a
     given name plus a word that is also a surname ("Emily Post", "Bill Press": person);
  4. an organisation word (Ministry, Department, Party, University, Council, Committee, Bank, Union, Police,
     House...): organisation; so is an acronym ("FBI", "NATO"), a country or state ("Russia"), a group in the
     plural ("Republicans") and a name of more than four words;
  5. anything else, one to four capitalised words, is a person: a surname alone too ("Lindqvist").
"""

from __future__ import annotations

import re

from search.quotes.aliases import Aliases, default_aliases
from search.quotes.names import GIVEN_NAMES

__all__ = ["ORGANISATION_WORDS", "OUTLET_WORDS", "source_kind"]

OUTLET_WORDS = frozenset(
    """times post journal news newspaper newspapers press herald tribune gazette telegraph chronicle observer courier
    ledger magazine daily weekly examiner inquirer enquirer bulletin dispatch register globe mail express mirror
    standard monitor newswire wire digest recorder sentinel star sun reuters tv television radio broadcasting
    broadcaster broadcasters channel newsroom newsletter podcast fm times-picayune post-gazette post-dispatch
    journal-constitution star-tribune star-telegram advertiser argus clarion beacon echo gazetteer review
    newsday pravda izvestia""".split()
)
# outlet words that are also surnames: a given name before one makes a person ("Emily Post", "Bill Press")
_SURNAME_OUTLET_WORDS = frozenset("post press star sun mail express standard monitor review echo globe".split())
_COMPANY_ENDS = frozenset("inc inc. corp corp. co co. ltd ltd. llc plc ag sa gmbh nv bv group holdings".split())
ORGANISATION_WORDS = frozenset(
    """ministry ministries department dept office agency agencies bureau service services commission committee
    council board authority authorities administration government parliament congress senate house court courts
    tribunal police constabulary army navy air force forces guard military party union association federation
    confederation league alliance coalition society institute institution foundation fund trust bank banks
    university college school schools academy hospital clinic museum library church mosque synagogue temple diocese
    inc corp corporation company companies firm ltd llc plc group holdings partners capital industries airlines
    airways motors energy oil gas club team center centre chamber organization organisation network project
    program programme campaign caucus pac brigade cabinet embassy consulate mission secretariat assembly watch
    international nations republic kingdom states state city county municipality district region province council
    laboratory laboratories labs systems technologies pharmaceuticals railway railways transit airport port
    exchange reserve treasury fbi cia nsa obamacare legislature delegation commissions unions parties""".split()
)
PLACES = frozenset(
    """afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh belarus belgium
    bolivia bosnia brazil britain bulgaria cambodia cameroon canada chile china colombia congo croatia cuba cyprus
    czechia denmark ecuador egypt england estonia ethiopia europe finland france georgia germany ghana greece
    guatemala haiti honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan jordan
    kazakhstan kenya korea kosovo kuwait latvia lebanon libya lithuania luxembourg malaysia mali malta mexico
    moldova mongolia montenegro morocco mozambique myanmar nepal netherlands nicaragua niger nigeria norway oman
    pakistan palestine panama paraguay peru philippines poland portugal qatar romania russia rwanda scotland
    senegal serbia singapore slovakia slovenia somalia spain sudan sweden switzerland syria taiwan tanzania
    thailand tunisia turkey uganda ukraine uruguay uzbekistan venezuela vietnam wales yemen zambia zimbabwe
    america washington beijing moscow tehran london paris berlin brussels tokyo kyiv kiev ankara cairo baghdad
    damascus delhi riyadh jerusalem
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho illinois indiana
    iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana
    nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont wisconsin wyoming""".split()
)
# groups named in the plural: organisations, not a person
_GROUPS = frozenset(
    """republicans democrats conservatives liberals socialists communists greens tories nationalists
    independents progressives libertarians americans britons europeans russians chinese israelis palestinians
    iranians iraqis syrians mexicans canadians germans french officials authorities prosecutors investigators
    police protesters activists voters""".split()
)
_PARTICLES = frozenset("al el de del da di van von der den bin ibn la le du dos das ter st. st mc".split())
_NEWS_AGENCY_RE = re.compile(r"(?i)\b(?:news|press|wire)\s+(?:agency|service)\b")
_ROMAN_RE = re.compile(r"(?:I{1,3}|IV|VI{0,3}|IX|X{1,3})")
_EDGE = ",.:;!?\"'()\u2018\u2019\u201c\u201d"


def source_kind(name: str, aliases: Aliases | None = None) -> str:
    """"person", "outlet" or "organisation" for a source name, by the rules of this module's docstring."""
    aliases = aliases if aliases is not None else default_aliases()
    fixed = aliases.kind_of(name)
    if fixed:
        return fixed
    words = [w.strip(_EDGE) for w in name.split()]
    words = [w for w in words if w]
    low = [w.lower() for w in words]
    if not words:
        return "person"
    if low[-1] in _COMPANY_ENDS:
        return "organisation"
    if _NEWS_AGENCY_RE.search(name):
        return "outlet"
    if any(w in OUTLET_WORDS for w in low):
        surname_like = len(low) == 2 and low[0] in GIVEN_NAMES and low[1] in _SURNAME_OUTLET_WORDS
        return "person" if surname_like else "outlet"
    if _organisation(words, low):
        return "organisation"
    return "person"


def _organisation(words: list[str], low: list[str]) -> bool:
    """Rule 4: an organisation word, an acronym, a place, a group in the plural, or too long for a person."""
    if any(w in ORGANISATION_WORDS for w in low) or low[-1] in _GROUPS:
        return True
    if any(len(w) > 1 and w.isupper() and w.isalpha() and not _ROMAN_RE.fullmatch(w) for w in words):
        return True  # 'FBI', 'NATO'; 'Henry VIII' and initials ('J.') are not acronyms
    named = len(words) in (2, 3) and low[0] in GIVEN_NAMES  # 'Georgia Smith', 'Virginia Foxx'
    if low[0] in PLACES and not named:
        return True
    content = [w for w in low if w not in _PARTICLES and w != "of"]
    return len(content) > 4 or "of" in low or "for" in low or "&" in low or "and" in low
