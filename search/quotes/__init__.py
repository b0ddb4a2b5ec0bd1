"""The attribute stage: quotations, who said them and which outlets are cited, with normalised source names.

`attribute(article)` fills in an Article's quotes and sources; `extract.py` finds direct quotes,
`attribution.py` indirect ones and the sentence helpers, `sources.py` names, aliases and pronouns,
`repeats.py` counts a quotation repeated in one article once. Nothing here knows of the index.
"""

from search.quotes.attribution import normalise_source
from search.quotes.extract import attribute, extract_quotes
from search.quotes.sources import PRONOUNS

__all__ = ["PRONOUNS", "attribute", "extract_quotes", "normalise_source"]
