"""The demo data set: four fictional studies with their people, transcripts, field notes,
codebooks and codings, loaded by `manage.py seed_demo` (and `make run`).

evidence.load_demo loads the studies, people, sessions, transcripts and field notes (the
tables in accounts.py, people.py, studies.py, voices.py, guides.py, notes.py, written out as
files by formats.py and transcripts.py); analysis.load_demo runs those steps and then adds
the codebooks (codebooks.py) and the codings coding.py finds, all in one transaction.

The demo uses the product apps; they never import it (an import-linter contract in
pyproject.toml), so the product runs without it.
"""
