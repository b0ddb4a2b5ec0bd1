"""The attribute stage: quotations, who said them and which outlets are cited, with normalised source names.

`attribute(article, aliases=None)` fills in an Article's quotes and sources, each attributed quote with its
source's kind; `extract.py` finds direct quotes (`cues.py`: the cue words and where they stand; `subjects.py`: the
subject of a sentence), `attribution.py` indirect ones and the sentence helpers, `sources.py` the people a text
names and pronouns, `names.py` names without titles, roles and time words, `descriptions.py` speakers named by a
description ("the Florida senator"), `aliases.py` the aliases files (`aliases.toml` is the shipped one),
`kinds.py` person / outlet / organisation, `repeats.py` counts a quotation repeated in one article once. Nothing
here knows of the index.
"""

from search.quotes.aliases import SHIPPED, Aliases, AliasesError, default_aliases
from search.quotes.attribution import normalise_source
from search.quotes.extract import attribute, extract_quotes
from search.quotes.kinds import source_kind
from search.quotes.sources import PRONOUNS

__all__ = [
    "PRONOUNS",
    "SHIPPED",
    "Aliases",
    "AliasesError",
    "attribute",
    "default_aliases",
    "extract_quotes",
    "normalise_source",
    "source_kind",
]
