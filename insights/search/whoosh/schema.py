"""What the Whoosh index holds and how it is opened.

The schema (SCHEMA), the analyser its text is indexed with (ANALYZER), the index field of
each facet (FACET_FIELDS), a SearchDocument's field values (document_fields), and opening an
index with its schema checked (open_index; IndexOutdated when it was built by older code).
"""

from __future__ import annotations

import time
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import StemmingAnalyzer
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, FileIndex
from whoosh.lang.porter2 import stem

from insights.search.base import SearchDocument

INDEX_NAME = "MAIN"

# The Snowball English stemmer (Porter2), the one PostgreSQL's "english" configuration uses,
# so both backends find the same words ("running" → "run"; Whoosh's Porter gives "runn").
# Whoosh's short stop list: every word it drops is one a query can't find.
ANALYZER = StemmingAnalyzer(stemfn=stem)

# Document field → index field, for the facets of base.FACETS.
FACET_FIELDS = {
    "project": "project_slug",
    "kind": "kind",
    "stage": "stage",
    "code": "codes",
    "segment": "segment",
    "region": "region",
    "tier": "tier",
    "speaker_kind": "speaker_kind",
}


def _schema() -> fields.Schema:
    # Facet values are exact, lower-case terms; filters and counts read their postings.
    return fields.Schema(
        doc_id=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        project_slug=fields.ID(stored=True),
        stage=fields.ID(stored=True),
        segment=fields.ID(stored=True),
        region=fields.ID(stored=True),
        tier=fields.ID(stored=True),
        speaker_kind=fields.ID(stored=True),
        # Only ever matched exactly: no range terms (shift_step=0).
        project_id=fields.NUMERIC(int, bits=64, stored=True, shift_step=0),
        # For consent (Cleared): 0 when a document has no session or no speaking participant.
        session_id=fields.NUMERIC(int, bits=64, shift_step=0),
        speaker_participant_id=fields.NUMERIC(int, bits=64, shift_step=0),
        # For blind coding (own_codings): a highlight's coder, 0 for other documents.
        coder_id=fields.NUMERIC(int, bits=64, shift_step=0),
        codes=fields.KEYWORD(stored=True, lowercase=True, commas=True),
        text=fields.TEXT(analyzer=ANALYZER, stored=True),
        # A day number (date.toordinal()) so a date range is a numeric range; one term per
        # document (shift_step=0): a range expands to the few hundred session days it spans.
        session_date=fields.NUMERIC(int, stored=True, shift_step=0),
        # What the ranking weighs besides the text (base.rank_weight), as columns: read per
        # match without loading its stored fields. 0 is none (no severity, no session date).
        pain_severity=fields.COLUMN(columns.NumericColumn("B", default=0)),
        rank_day=fields.COLUMN(columns.NumericColumn("I", default=0)),
        passage=fields.COLUMN(columns.VarBytesColumn()),  # base.SearchDocument.passage
        url=fields.STORED(),
        title=fields.STORED(),
        speaker=fields.STORED(),
        stage_name=fields.STORED(),
        code_names=fields.STORED(),
        time_ms=fields.STORED(),
        sentiment=fields.STORED(),
    )


SCHEMA = _schema()


class IndexOutdated(Exception):
    """The index on disk has other fields than this code writes: run manage.py rebuild_index."""


def open_index(storage: FileStorage) -> FileIndex | None:
    """The index in storage (None if there is none), its schema checked.

    Each commit deletes the previous table of contents; opening can find its name just
    before it goes (a commit in another thread or process). Try again, as whoosh's own
    Index.reader() does.
    """
    for attempt in range(20):
        try:
            ix = storage.open_index(INDEX_NAME)
            _check_schema(ix)  # reads the table of contents again
        except EmptyIndexError:
            return None
        except FileNotFoundError:
            if attempt == 19:
                raise
            time.sleep(0.05)
        else:
            return ix
    raise AssertionError("unreachable")


def _check_schema(ix: FileIndex) -> None:
    def shape(schema: fields.Schema) -> dict[str, str]:
        return {name: type(schema[name]).__name__ for name in schema.names()}

    if shape(ix.schema) != shape(SCHEMA):
        raise IndexOutdated(
            f"The search index in {ix.storage.folder} was built by an older version: "
            "run manage.py rebuild_index."
        )


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    # None leaves a field out: an empty facet value is no value (and no empty term).
    values: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "kind": doc.kind.lower() or None,
        "project_slug": doc.project_slug.lower() or None,
        "stage": doc.stage.lower() or None,
        "segment": doc.segment.lower() or None,
        "region": doc.region.lower() or None,
        "tier": doc.tier.lower() or None,
        "speaker_kind": doc.speaker_kind.lower() or None,
        "project_id": doc.project_id,
        "session_id": doc.session_id or 0,
        "speaker_participant_id": doc.speaker_participant_id or 0,
        "coder_id": doc.coder_id or 0,
        "codes": ",".join(code for code in doc.codes if code) or None,
        # A highlight's code names are searched as its words are, but only its text is shown.
        "text": "\n".join([doc.text, *doc.code_names]),
        "_stored_text": doc.text,
        "url": doc.url,
        "title": doc.title,
        "speaker": doc.speaker,
        "stage_name": doc.stage_name,
        "code_names": tuple(doc.code_names),
        "time_ms": doc.time_ms,
        "sentiment": doc.sentiment,
        "pain_severity": doc.pain_severity or 0,
        "rank_day": doc.session_date.toordinal() if doc.session_date else 0,
        "passage": doc.passage.encode("utf-8"),
    }
    if doc.session_date is not None:
        values["session_date"] = doc.session_date.toordinal()
    return values
