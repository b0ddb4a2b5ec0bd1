"""The index stage: analysis, the Whoosh schema, Article <-> stored document, reading files in worker processes,
full and incremental runs, the index folder (builds, manifest, lock, run reports), checks and the schedule.

The engine may import the read side (analysis, schema, documents, store, check), never the writing side.
"""
