"""The engine stage: the query language, matching and ranking over the index's postings, facets, snippets,
and the Engine that answers a SearchRequest with Results against the live index.
"""
