"""newsearch: full-text news search over headlines, captions, bodies and source quotes.

The package is a straight pipeline: readers turn corpus files into Articles, quotes.py finds who said
what, the indexer writes a Whoosh index and the engine answers queries. The web package sits on top.
"""

from search.articles import Article, Quote, ReadResult

__all__ = ["Article", "Quote", "ReadResult"]
__version__ = "0.1.0"
