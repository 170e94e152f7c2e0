"""What every search backend takes and gives: documents, queries, hits, facet counts.

The database is the source of truth; an index holds SearchDocuments built from it by
insights.search.documents and can always be rebuilt. Documents never carry personal data:
speakers are pseudonyms ("P-014") or "Interviewer".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class IndexBusy(Exception):
    """A backend cannot write now: another writer holds the index, or a rebuild is swapping it in.

    Transient: insights.tasks retries the write.
    """


class SearchTimeout(Exception):
    """A search ran past its time budget (settings.SEARCH_TIME_LIMIT_MS) and was stopped."""


class Kind:
    UTTERANCE = "utterance"
    FIELD_NOTE = "field_note"
    HIGHLIGHT = "highlight"
    ALL = (UTTERANCE, FIELD_NOTE, HIGHLIGHT)


# Facets a query can filter on (field:value in the query language, or the results page's
# facet links) and the backends count. Values are stored lower-case and exact.
FACETS = ("project", "kind", "stage", "code", "segment", "region", "tier", "speaker_kind")


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing: an utterance, a field note or a highlight."""

    doc_id: str  # "<kind>:<pk>", unique in the index
    kind: str  # a Kind value
    project_id: int
    project_slug: str
    text: str  # what is searched and shown (the utterance, note or quote text)
    url: str  # the exact place: reader#u-<id>, session#note-<id>, reader#u-<id> for highlights
    title: str  # e.g. "P-014 · Premium → Ultimate up-tier · 12 Oct 2026"
    speaker: str = ""  # pseudonym, "Interviewer" or ""; never a name
    speaker_kind: str = ""  # "participant", "interviewer" or ""
    stage: str = ""  # stage slug (highlights)
    stage_name: str = ""
    codes: tuple[str, ...] = ()  # code slugs (highlights)
    code_names: tuple[str, ...] = ()
    sentiment: int | None = None
    pain_severity: int | None = None  # highlights: 0..3, weighs in the ranking (rank_weight)
    # Highlights: the span they quote ("transcript:<id>:<start>:<end>"). Several coders'
    # highlights of one passage are found once: a search keeps the best-ranked of them.
    passage: str = ""
    segment: str = ""  # the participant's segment value, e.g. "large"
    region: str = ""
    tier: str = ""
    session_date: dt.date | None = None
    time_ms: int | None = None  # where in the recording
    # Who may find it outside the study's research team (consent, checked at search time):
    # the session, and the participant who speaks (utterances and their highlights).
    session_id: int | None = None
    speaker_participant_id: int | None = None
    # Highlights: who coded it, for blind coding (checked at search time, like consent).
    coder_id: int | None = None

    def facet_values(self, facet: str) -> tuple[str, ...]:
        values: dict[str, str | tuple[str, ...]] = {
            "project": self.project_slug,
            "kind": self.kind,
            "stage": self.stage,
            "code": self.codes,
            "segment": self.segment,
            "region": self.region,
            "tier": self.tier,
            "speaker_kind": self.speaker_kind,
        }
        value = values[facet]
        if isinstance(value, tuple):
            return value
        return (value,) if value else ()


# Ranking: a match's text score (BM25F in Whoosh, ts_rank_cd in PostgreSQL) times
# rank_weight, the same in both backends (postgres_backend writes it in SQL), so that among
# passages that match alike, painful and recent evidence comes first. The search page's help
# explains it (templates/insights/search.html).
PAIN_WEIGHT = 0.2  # per step of pain severity: a severe pain point (3) counts 1.6 times
RECENCY_WEIGHT = 0.5  # a session of today counts 1.5 times, a year-old one 1.25, older less
UNDATED_AGE_DAYS = 365  # a document without a session date counts as a year old


def rank_weight(pain_severity: int | None, session_date: dt.date | None, today: dt.date) -> float:
    age_days = (today - session_date).days if session_date else UNDATED_AGE_DAYS
    recency = 1 + RECENCY_WEIGHT / (1 + max(age_days, 0) / 365)
    return (1 + PAIN_WEIGHT * (pain_severity or 0)) * recency


@dataclass(frozen=True)
class Filters:
    """Facet filters: within one facet values are OR-ed, across facets AND-ed."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    session_from: dt.date | None = None
    session_to: dt.date | None = None

    def get(self, facet: str) -> tuple[str, ...]:
        return self.values.get(facet, ())

    def merged_with(self, other: Filters) -> Filters:
        """Both sets of filters at once: a facet's values are OR-ed, date ranges narrowed."""
        values: dict[str, tuple[str, ...]] = {}
        for facet in dict.fromkeys([*self.values, *other.values]):
            merged = tuple(dict.fromkeys([*self.get(facet), *other.get(facet)]))
            if merged:
                values[facet] = merged
        starts = [day for day in (self.session_from, other.session_from) if day]
        ends = [day for day in (self.session_to, other.session_to) if day]
        return Filters(
            values=values,
            session_from=max(starts) if starts else None,
            session_to=min(ends) if ends else None,
        )


@dataclass(frozen=True)
class Cleared:
    """What of one study a reader outside its research team may find: documents of these
    sessions whose speaker, if a participant, is one of these (interviews.evidence decides)."""

    session_ids: frozenset[int]
    participant_ids: frozenset[int]


@dataclass(frozen=True)
class SearchHit:
    doc_id: str
    kind: str
    score: float
    snippet_html: str  # HTML-escaped text with <mark> around matched words; safe to render
    url: str
    title: str
    speaker: str
    project_slug: str
    stage_name: str
    code_names: tuple[str, ...]
    time_ms: int | None


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]  # facet → value → count, over all matching documents
    message: str = ""  # shown above the results, e.g. how a malformed query was read


class SearchBackend(Protocol):
    """Both backends (Whoosh and PostgreSQL full text) implement exactly this."""

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by doc_id)."""

    def remove(self, doc_ids: Iterable[str]) -> None: ...

    def remove_source(self, prefix: str) -> None:
        """Remove every document whose doc_id starts with prefix, e.g. all of a transcript."""

    def clear(self) -> None: ...

    def search(
        self,
        query: Query,
        *,
        project_ids: Sequence[int],
        filters: Filters,
        offset: int = 0,
        limit: int = 20,
        cleared: Mapping[int, Cleared] | None = None,
        own_codings: Mapping[int, int] | None = None,
    ) -> SearchResults:
        """Ranked hits among the given projects only (an empty list finds nothing).

        A project in `cleared` (by id) is searched only within what it allows. A project in
        `own_codings` (project id → user id) gives only that user's highlights (blind
        coding); its utterances and field notes are found as usual.
        """

    def document_ids(self) -> set[str]:
        """Every doc_id in the index (for tests: rebuild equals incremental)."""


# --- The parsed query ---------------------------------------------------------------------------
# insights.search.query.parse_query(text) -> Query builds these; backends translate them.


@dataclass(frozen=True)
class Term:
    word: str  # as typed, lower-cased; backends stem it
    prefix: bool = False  # onboard*


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or


@dataclass(frozen=True)
class Query:
    root: Node | None  # None: no free text (filters only, or nothing)
    filters: Filters  # field filters from the text (stage:onboarding code:"sso")
    notes: tuple[str, ...] = ()  # how a malformed query was repaired, for the user
