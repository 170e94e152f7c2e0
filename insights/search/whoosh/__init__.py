"""The Whoosh search backend: the only package in the project that imports whoosh.

- backend.py: WhooshBackend (index, remove, rebuild, search), the per-process open index,
  searcher and locks, the writer and the search time limit.
- schema.py: the index's fields and analyser, a document's field values, opening an index.
- docsets.py: per-segment and per-searcher sets of documents (facet values, filters, live
  documents), facet counts, and the collector that keeps only allowed matches.
- ranking.py: ranking matches (rank weights, the phrase bonus, one match per passage).
- word_pair.py: two ANDed words matched and scored straight from their postings.
- translate.py: the query AST translated into a whoosh query.
- snippets.py: hits and their HTML snippets.
"""
