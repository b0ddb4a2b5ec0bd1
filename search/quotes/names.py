"""A person's name without the words around it that say what, not who: titles, roles and time words.

Part of the attribute stage (sources.py and attribution.py call `strip_lead` on the capitalised words of a speaker
mention). The rules, in order, on the words at the start of a name:
  0. a possessive with one to three words after it ends what went before ("CNN's Tara Setmayer");
  1. the last role (ROLES) with one to three words of name after it ends a title: what stands before it goes
     too ("Senate Majority Leader Mitch McConnell", "Kestrel Harbour Master Ines Duarte"); not a role word after a
     given name ("Mary Baker Eddy");
  then, word by word while more than one word is left:
  2. a time word goes ("On Thursday Berg", "Last week", "Earlier"); a month that is also a given name (May, June)
     only after "in"/"on"/"since"/... or when one word is left ("In May Smith" -> Smith, "May Smith" stays);
  3. a role or title goes ("Goalkeeper", "Dr"), unless it is also a given name and only one word would be left
     ("Dean Baker", "Hunter Biden" stay);
  4. another capitalised word, not a given name, with two words or more after it, goes when two of three signs
     say it is a job noun: the text also uses it in lower case (a common noun: "the deckhand"), it has a job
     noun's ending (-er, -ist, -man, -hand, -keeper...), the word after it is a given name ("Deckhand Jo Smith",
     "Trawlerman Ian Cole", not "Playing Field Promotions").
Callers keep the words when what is left is not a person's name ("Republican National Committee").
The lists are curated and short enough to read; the rules, not the lists, carry the behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Title abbreviations written with a stop ("Col. Anna Berg"): the stop does not end the name.
TITLE_ABBREVIATIONS = frozenset("mr mrs ms dr sen rep gov gen col lt jr sr sgt capt cmdr maj adm rev prof".split())

__all__ = ["GIVEN_NAMES", "ROLES", "TIME_WORDS", "is_role", "is_time_word", "strip_lead", "strip_time"]

# always time words at the start of a name
TIME_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday tues thurs
    january february march july september october november december feb sept
    today tonight yesterday tomorrow earlier later last next this that early late mid week weekend weeks month
    months year years morning mornings afternoon evening night overnight midnight noon day days decade century
    christmas easter recently previously meanwhile then now once before after during since until on in at by""".split()
)
# months that are also given names: time words only after a time preposition, or when a single word is left
_NAME_MONTHS = frozenset("april may june august".split())
_TIME_LEAD = frozenset("in on since by until from through last next this early late mid before after".split())

# titles and job nouns that stand before a name
ROLES = frozenset(
    """mr mrs ms miss mx dr prof sir dame lord lady rev reverend fr father sister brother mother rabbi imam sheikh
    sen senator rep representative congressman congresswoman congressmember assemblyman assemblywoman assemblymember
    gov governor lt lieutenant president vice prime premier minister secretary speaker chancellor chairman chairwoman
    chairperson chair director spokesman spokeswoman spokesperson adviser advisor aide attorney general judge justice
    magistrate mayor councillor councilor councilman councilwoman alderman selectman sheriff deputy marshal
    commissioner superintendent inspector constable detective officer sergeant sgt corporal cpl private pvt trooper
    captain capt commander cmdr colonel col major maj admiral adm gen brigadier lieutenant-general
    agent counsel recorder ambassador envoy consul diplomat ayatollah mullah cleric delegate lawmaker legislator
    candidate nominee challenger incumbent leader
    chief executive ceo cfo coo cto president-elect former acting interim outgoing incoming then-president
    then-candidate then-senator founder co-founder cofounder owner proprietor chairman-elect head principal
    headteacher headmaster headmistress dean provost rector chaplain pastor vicar priest bishop archbishop cardinal
    pope deacon monk nun elder king queen prince princess duke duchess earl count countess baron baroness emperor
    empress sultan emir sheik crown professor lecturer researcher scientist economist analyst historian expert
    doctor surgeon physician nurse paramedic midwife pharmacist dentist vet veterinarian psychologist psychiatrist
    therapist teacher tutor student pupil coach manager trainer referee umpire player goalkeeper goalie keeper
    striker forward midfielder defender fullback full-back winger centre-back center quarterback linebacker pitcher
    catcher batsman bowler wicketkeeper jockey driver rider cyclist runner sprinter athlete swimmer boxer wrestler
    golfer skier skater gymnast skipper helmsman sailor deckhand crewman crewmember fisherman fisher trawlerman
    boatman ferryman pilot co-pilot copilot navigator engineer mechanic technician farmer rancher grower shepherd
    herder beekeeper gardener forester ranger warden guard lifeguard firefighter fireman firewoman policeman
    policewoman patrolman soldier marine sailor airman veteran lawyer barrister solicitor advocate prosecutor
    defender clerk registrar treasurer comptroller auditor accountant banker broker trader investor financier
    entrepreneur businessman businesswoman billionaire millionaire tycoon mogul developer landlord shopkeeper
    storekeeper innkeeper publican baker butcher chef cook waiter waitress barman barmaid bartender brewer
    winemaker vintner builder carpenter plumber electrician bricklayer mason architect surveyor designer artist
    painter sculptor photographer filmmaker producer actor actress comedian singer songwriter musician composer
    conductor pianist guitarist drummer dancer choreographer writer author poet novelist playwright journalist
    reporter correspondent editor columnist commentator broadcaster presenter host anchor anchorman anchorwoman
    blogger pundit pollster strategist consultant lobbyist activist campaigner organiser organizer volunteer
    protester organiser curator librarian archivist archaeologist biologist chemist physicist geologist astronomer
    mathematician ecologist climatologist meteorologist forecaster epidemiologist virologist spokesmodel
    harbourmaster harbormaster stationmaster postmaster postman postwoman master mate bosun boatswain conductor
    porter janitor caretaker cleaner nanny carer caregiver miner steelworker worker labourer laborer machinist
    welder driver trucker cabbie courier clerk cashier resident homeowner tenant neighbour neighbor shopper voter
    commuter passenger tourist visitor fan supporter survivor witness victim retiree pensioner widow widower
    grandmother grandfather grandma grandpa aunt uncle cousin husband wife son daughter the""".split()
)
_POSSESSIVE_ENDS = ("'s", "\u2019s", "s'", "s\u2019")
# roles that are also surnames: after a given name they are the name ("Mary Baker Eddy", "Jim Hunter Smith")
_SURNAME_ROLES = frozenset(
    "baker mason cook hunter carpenter porter fisher farmer king prince bishop dean marshal judge butler page".split()
)
# the endings of job nouns (rule 4)
_JOB_END_RE = re.compile(
    r"[a-z]{2,}(?:er|or|ist|ian|man|men|woman|women|person|keeper|hand|smith|wright|herd|ster|eer|ier|ess|ant|ent)"
)

GIVEN_NAMES = frozenset(
    """aaron abby abdul abdullah abe abigail abraham ada adam adele adrian adriana agnes ahmad ahmed aidan aileen
    aisha al alan alana albert alberto alec alejandro alex alexander alexandra alexis alfred alfredo ali alice
    alicia alison allan allen allison alma amanda amber amelia amir amos amy ana anders andre andrea andreas andrew
    andy angel angela angelica angelo angie anita ann anna anne annette annie anthony antonio april arthur ashley
    astrid audrey august austin ava barack barbara barry beatrice becky ben benjamin bernard bernie beth betsy
    betty beverly bill billy bob bobby bonnie boris brad bradley brandon brenda brett brian bridget britt brooke
    bruce bryan caitlin calvin cameron camila candice cara carl carla carlos carmen carol caroline carolyn carrie
    casey catherine cathy cecilia chad charles charlie charlotte chelsea cheryl chloe chris christian christina
    christine christopher chuck cindy claire clara clarence claude claudia clifford clint colin connie connor
    cory courtney craig cristina crystal curtis cynthia dale dan dana daniel daniela danielle danny darius darren
    dave david dawn dean debbie deborah debra denis denise dennis derek diana diane dianne dick diego dmitri
    dolores dominic don donald donna doris dorothy doug douglas duncan dylan earl ed eddie edgar edith edmund
    eduardo edward edwin eileen elaine eleanor elena eli elias elif elin elisa elizabeth ella ellen elliot ellis
    elsa emil emily emma emmanuel enrique eric erica erik erin ernest esther ethan eugene eva evan eve evelyn
    fatima felipe felix fernando fiona florence frances francesca francis francisco frank franz fred freddie
    frederick gabriel gabriela gail gary gavin gene geoffrey george georgia gerald gerard gina giovanni giuseppe
    glen glenn gloria gordon grace graham grant greg gregory gretchen guy gwen hamid hannah hans harold harriet
    harry harvey hassan hazel heather heidi heinz helen helena henry herbert hilary hillary holly hope howard hugh
    hugo hunter ian ibrahim ida igor ilse imran ines inga ingrid irene iris isaac isabel isabella ivan ivy jack
    jackie jacob jacqueline jake james jamie jan jane janet janice jared jasmine jason javier jay jean jeanne jeb
    jeff jeffrey jennifer jenny jeremy jerome jerry jesse jessica jesus jill jim jimmy jo joan joanna joanne joe
    joel johan johann john johnny jon jonathan jorge jose joseph josephine josh joshua joy joyce juan judith judy
    julia julian julie juliet june justin kamala karen karim karin karl kate katherine kathleen kathryn kathy
    katie katrina kay keith kelly ken kenneth kenny kerry kevin kim kirsten klaus kofi kristen kristin kurt kyle
    lana lance lara larry laura lauren laurence lee leila lena leo leon leonard leslie liam lila lily linda lindsay
    lindsey lisa liz lois lorenzo lori lorraine louis louise lucas lucia lucy luis luke lydia lynn mabel madeleine
    madison maggie magnus malcolm mandy manuel marc marcel marco marcus margaret margot maria marian marie marilyn
    mario marion mark marsha martha martin marty mary mason matt matthew maureen max maxine may maya megan meghan
    mehmet melania melanie melissa melvin mercedes mia michael michele michelle miguel mike mikhail milan miles
    mildred miriam mitch mitt mohamed mohammad mohammed molly monica morgan moses muhammad nadia nancy naomi natalia
    natalie nathan neil nelson nia nicholas nick nicola nicole nigel nikki nina noah noel nora norman olga olivia
    omar oscar otto owen pablo paddy pam pamela paolo patricia patrick patty paul paula pauline pedro peggy penny
    pete peter petra phil philip phillip phyllis pierre piotr pradeep priya rachel rafael rahul ralph ramon randy
    raquel raul ray raymond rebecca reggie renee rex ricardo richard rick ricky rita rob robert roberta roberto
    robin rod roger roland ron ronald rosa rose rosemary ross roy ruby rudy russell ruth ryan sabrina sadie sally
    sam samantha samuel sandra sandy sara sarah saul scott sean sebastian sergei sergio seth shane shannon sharon
    shawn sheila shelley sheryl shirley sid silvia simon sofia sonia sophia sophie stacy stan stanley stefan
    stella stephanie stephen steve steven stuart sue susan suzanne sven sylvia tad tamara tammy tanya tara ted
    teresa terrence terry theodore theresa thomas tiffany tim timothy tina tobias todd tom tomas tomasz tommy tony
    tracy travis trevor troy tyler ulrich ursula valerie vanessa vera veronica vicky victor victoria vincent
    violet virginia vivian wade walter wanda warren wayne wendy wesley will william willie wilson xavier yasmin
    yusuf yvonne zach zachary zoe zoltan
    agnieszka aleksander amina anand anders anja arjun ayesha bjorn carsten chen deepak dieter elsa emeka fang
    farah giorgio gunnar hiroshi ingrid jiang jurgen kaito kenji kwame lars li lin luca mariusz mei mustafa nkechi
    olu pawel rajesh ravi reza sanjay sato sven takeshi tariq thabo wei xin yuki yuri zainab""".split()
)


def is_time_word(word: str, after_time_lead: bool = False, alone: bool = False) -> bool:
    """True for a word that places a statement in time ("Thursday", "Earlier"); May/June/April/August only after
    a time preposition or when nothing else is left."""
    low = word.lower().rstrip(".,")
    if low.endswith(("'s", "\u2019s")):
        low = low[:-2]
    return low in TIME_WORDS or (low in _NAME_MONTHS and (after_time_lead or alone))


def strip_lead(words: list[str], common: Callable[[str], bool] | None = None, after: str = "") -> list[str]:
    """words (the capitalised words of a mention, edge punctuation gone) without the time words, roles and titles
    at their start; `common(word)` says whether the text uses the word in lower case, `after` is the word just
    before the mention ("On" in "On Thursday Berg")."""
    first = words[0].lower() if words else ""
    if first in GIVEN_NAMES and not (first in _NAME_MONTHS and after.lower() in _TIME_LEAD) and not any(
        _may_lead(w) for w in words[1:-1]
    ):
        return words  # 'Donald Trump', 'Ruth Bader Ginsburg': a given name first and nothing to strip after it
    words = words[_after_possessive(words) :]
    n = len(words)
    i = _after_last_role(words, common)
    prev = words[i - 1].lower() if i else after.lower()
    while n - i > 1:
        word = words[i]
        low = word.lower().rstrip(".")
        rest = n - i - 1
        given = low in GIVEN_NAMES
        time = is_time_word(word, prev in _TIME_LEAD, alone=rest == 1 and not given)  # rule 2
        role = is_role(low) and not (given and rest == 1)  # rule 3
        job = not given and rest >= 2 and word[:1].isupper() and _role_like(low, words[i + 1], common)  # rule 4
        if not (time or role or job):
            break
        prev = low
        i += 1
    return words[i:]


def strip_time(words: list[str], after: str = "") -> list[str]:
    """words without the time words at their start (rule 1 alone), one word at least kept."""
    i, n = 0, len(words)
    prev = after.lower()
    while n - i > 1 and is_time_word(words[i], prev in _TIME_LEAD, alone=n - i == 2):
        prev = words[i].lower()
        i += 1
    return words[i:]


def _may_lead(word: str) -> bool:
    """True for a word after a given name that a rule could strip from there: a role, a time word, a
    possessive."""
    low = word.lower().rstrip(".")
    return is_role(low) or low in TIME_WORDS or low in _NAME_MONTHS or word.endswith(_POSSESSIVE_ENDS)


def _after_possessive(words: list[str]) -> int:
    """Rule 0: where the name starts after a possessive with one to three words after it ("The New Republic's Jeet
    Heer", "CNN's Tara Setmayer"); 0 when there is none."""
    n = len(words)
    for k in range(n - 2, max(n - 5, -1), -1):
        if words[k].endswith(_POSSESSIVE_ENDS):
            return k + 1
    return 0


def _after_last_role(words: list[str], common: Callable[[str], bool] | None = None) -> int:
    """Rule 1: where the name starts after the last role word with one to three other words after it ("Kestrel
    Harbour Master Ines Duarte", "Texas Gov. Greg Abbott"); 0 when there is none. A role that is also a surname,
    after a given name, is part of the name ("Mary Baker Eddy"); so is a role that is a given name with only a
    surname after it ("Dean Baker")."""
    n = len(words)
    for k in range(n - 2, max(n - 5, -1), -1):
        low = words[k].lower().rstrip(".")
        after_given = k > 0 and words[k - 1].lower() in GIVEN_NAMES  # 'Mary Walker Smith': a middle name
        if not is_role(low) and (
            after_given
            or not (words[k][:1].isupper() and low not in GIVEN_NAMES and _role_like(low, words[k + 1], common))
        ):
            continue
        if k and low in _SURNAME_ROLES and words[k - 1].lower() in GIVEN_NAMES:
            return 0
        if low in GIVEN_NAMES and k == n - 2:
            continue
        return k + 1
    return 0


def is_role(low: str) -> bool:
    """True for a role or title ("mayor", "gov", "secretary-treasurer", "editor-in-chief"); the article is not one."""
    if low in ROLES:
        return low != "the"
    parts = low.split("-")
    return len(parts) > 1 and (parts[0] in ROLES or parts[-1] in ROLES) and "the" not in parts


def _role_like(low: str, following: str, common: Callable[[str], bool] | None) -> bool:
    """Rule 4: two of three signs that a word before a name is a role: the text uses it in lower case, it
    has a job noun's ending, the word after it is a given name."""
    signs = following.lower() in GIVEN_NAMES
    signs += bool(_JOB_END_RE.fullmatch(low))
    return signs == 2 or (signs == 1 and common is not None and common(low))  # the text's words read last
