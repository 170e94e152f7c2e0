"""A study's coded highlights as aggregation's EvidenceRows, and its roster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter, sub
from typing import Any, NamedTuple

import numpy as np
from django.db import connections
from django.db.models import Q, QuerySet

from insights.aggregation import (
    EvidenceColumns,
    EvidenceRow,
    Ints,
    Person,
    Roster,
    StageInfo,
)
from insights.models import (
    CodedHighlight,
    Highlight,
    Stage,
)
from insights.visibility import Audience, evidence_reader
from interviews.models import FieldNote, Participant, ResearchProject, Session, Transcript

# --- Loading the evidence -----------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    columns: EvidenceColumns
    roster: Roster
    sessions: int

    @property
    def rows(self) -> list[EvidenceRow]:
        return self.columns.rows()


def load_evidence(
    project: ResearchProject, *, stage_ids: Iterable[int | None] | None = None
) -> Evidence:
    """The study's highlights as EvidenceColumns (one quote per distinct span and stage), and
    its roster of participants.

    Queries: 5, and one more for each of these rare cases: a transcript or field note of
    another study's session holds one of its highlights; someone quoted is not a participant
    of any of the study's sessions.
      1. the highlights (the speaker's participant joined), optionally of some stages;
      2. their codes;
      3. the study's sessions' participants with their facets;
      4, 5. the session of each of the study's transcripts and field notes: two small maps,
         where joining both tables to every highlight cost as much again as the rest of (1);
      6. the sessions of the documents outside the study's sessions;
      7. the facets of people quoted outside those sessions.
    """
    highlights = Highlight.objects.filter(project=project)
    if stage_ids is not None:
        wanted = list(stage_ids)
        staged = [pk for pk in wanted if pk is not None]
        condition = Q(stage_id__in=staged)
        if None in wanted:
            condition |= Q(stage__isnull=True)
        highlights = highlights.filter(condition)
    highlight_rows, first_of = _merge_double_coding(
        fetch_values(highlights.order_by("id").values_list(*_HIGHLIGHT_FIELDS))
    )
    found = _HighlightColumns.of(highlight_rows)
    session_of_transcript, session_of_note = _document_sessions(
        project, set(found.transcript_ids), set(found.note_ids)
    )
    # A highlight's codes are always of its study's codebook (insights.coding checks it), and
    # joining the small code table is cheaper than joining the highlights.
    codings = CodedHighlight.objects.filter(tag__project=project)
    if stage_ids is not None:
        codings = codings.filter(content_object__in=highlights)
    coding_rows = fetch_values(codings.values_list("content_object_id", "tag_id"))

    people: dict[int, Person] = {}
    in_session: dict[int | None, list[int]] = defaultdict(list)
    session_ids: set[int] = set()
    for session_id, pk, segment, region, tier, deployment in (
        Session.participants.through.objects.filter(session__project=project)
        .order_by("session_id", "participant_id")
        .values_list(
            "session_id",
            "participant_id",
            "participant__segment",
            "participant__region",
            "participant__tier",
            "participant__deployment",
        )
    ):
        people[pk] = Person(segment, region, tier, deployment)
        in_session[session_id].append(pk)
        session_ids.add(session_id)

    columns = _evidence_columns(
        found, first_of, coding_rows, session_of_transcript, session_of_note, in_session
    )
    # Walked per distinct group of people at C speed, not person by person.
    outside = {
        pk
        for participant_ids in set(columns.participant_ids)
        for pk in participant_ids
        if pk not in people
    }
    if outside:
        for pk, segment, region, tier, deployment in Participant.objects.filter(
            pk__in=outside
        ).values_list("id", "segment", "region", "tier", "deployment"):
            people[pk] = Person(segment, region, tier, deployment)
    sessions = session_ids.union(columns.session_ids)
    sessions.discard(None)  # a field note may have no session
    return Evidence(columns=columns, roster=Roster(people), sessions=len(sessions))


_HIGHLIGHT_FIELDS = (
    "id",
    "stage_id",
    "utterance__speaker__participant_id",
    "sentiment",
    "pain_severity",
    "start",
    "end",
    "transcript_id",
    "field_note_id",
)
_HighlightRow = tuple[
    int, int | None, int | None, int | None, int | None, int, int, int | None, int | None
]


class _HighlightColumns(NamedTuple):
    """The highlight rows (_HIGHLIGHT_FIELDS) as one tuple per field."""

    ids: Sequence[int]
    stage_ids: Sequence[int | None]
    speakers: Sequence[int | None]  # the speaker's participant; None: an interviewer
    sentiments: Sequence[int | None]
    severities: Sequence[int | None]
    starts: Sequence[int]
    ends: Sequence[int]
    transcript_ids: Sequence[int | None]
    note_ids: Sequence[int | None]

    @classmethod
    def of(cls, rows: Sequence[_HighlightRow]) -> _HighlightColumns:
        if not rows:
            return cls((), (), (), (), (), (), (), (), ())
        return cls(*zip(*rows, strict=True))


def _evidence_columns(
    found: _HighlightColumns,
    first_of: Mapping[int, int],
    coding_rows: Sequence[tuple[int, int]],
    session_of_transcript: Mapping[int | None, int],
    session_of_note: Mapping[int | None, int],
    in_session: Mapping[int | None, list[int]],
) -> EvidenceColumns:
    """The highlights (a double-coded span's first only: _merge_double_coding) as
    EvidenceColumns, built a column at a time with map() and zip(), in C, where a loop made
    each quote in Python.

    1. A transcript's quote has its transcript's session and its speaker (nobody: an
       interviewer); a field note's quote has its note's session and every participant of it.
    2. Each coding gives its code to its quote: _coded_quotes.
    """
    ids, stage_ids, speakers, sentiments, severities, starts, ends, transcript_ids, note_ids = found
    session_ids = list(map(session_of_transcript.get, transcript_ids))
    # Each speaker's one-person tuple is made once and shared by all their quotes: the sets of
    # people aggregation builds then hash a few dozen tuples, which stay in the CPU's cache.
    alone: dict[int | None, tuple[int, ...]] = {pk: (pk,) for pk in set(speakers) if pk}
    alone[None] = ()
    participant_ids = list(map(alone.__getitem__, speakers))
    if any(note_ids):
        for at, note_id in enumerate(note_ids):
            if note_id is not None:
                session_ids[at] = session_id = session_of_note.get(note_id)
                participant_ids[at] = tuple(in_session.get(session_id, ()))

    quotes, codes = _coded_quotes(ids, first_of, coding_rows)
    return EvidenceColumns(
        highlight_ids=ids,
        stage_ids=stage_ids,
        participant_ids=participant_ids,
        session_ids=session_ids,
        sentiments=sentiments,
        severities=severities,
        lengths=list(map(sub, ends, starts)),  # offsets count code points
        coded_quotes=quotes,
        coded_codes=codes,
    )


def _coded_quotes(
    ids: Sequence[int], first_of: Mapping[int, int], coding_rows: Sequence[tuple[int, int]]
) -> tuple[Ints, Ints]:
    """Each coding's quote (its position in `ids`, which are in increasing order) and code.

    A coding of a double-coded span's later highlight (`first_of`: the span's first) goes to
    the first's quote; one of a highlight not loaded is left out. Found by numpy's binary
    search over the ids, the rare later highlights then one by one."""
    highlight_ids = np.fromiter(ids, dtype=np.int64, count=len(ids))
    codings = np.fromiter(
        chain.from_iterable(coding_rows), dtype=np.int64, count=2 * len(coding_rows)
    ).reshape(-1, 2)
    coded, codes = codings[:, 0], codings[:, 1]
    quotes = np.searchsorted(highlight_ids, coded)
    found = quotes < len(ids)
    found[found] = highlight_ids[quotes[found]] == coded[found]
    if found.all():
        return quotes, codes
    position_of = dict(zip(ids, range(len(ids)), strict=True))
    for at in np.flatnonzero(~found).tolist():
        first = first_of.get(int(coded[at]))
        if first is not None:
            quotes[at] = position_of[first]
            found[at] = True
    return quotes[found], codes[found]


# A highlight row's span: its transcript, field note, start, end and stage.
_span = itemgetter(7, 8, 5, 6, 1)


def _merge_double_coding(
    highlight_rows: Sequence[_HighlightRow],
) -> tuple[Sequence[_HighlightRow], dict[int, int]]:
    """Two coders who highlight the very same span at the same stage (double coding, to
    measure agreement) made one quote, not two: the first highlight's, with the first
    sentiment and severity given. Returns the highlights without the later ones, and for
    each of those the id of the first, whose quote their codings join."""
    spans = list(map(_span, highlight_rows))
    # Each span's first position: made from the end, the earliest one is written last.
    first_position = dict(zip(reversed(spans), range(len(spans) - 1, -1, -1), strict=True))
    if len(first_position) == len(spans):
        return highlight_rows, {}
    later = [
        position
        for position, first in enumerate(map(first_position.__getitem__, spans))
        if first != position
    ]
    merged = list(highlight_rows)
    first_of: dict[int, int] = {}
    for position in later:
        row = highlight_rows[position]
        first = first_position[spans[position]]
        kept = merged[first]
        first_of[row[0]] = kept[0]
        merged[first] = (
            *kept[:3],
            kept[3] if kept[3] is not None else row[3],  # sentiment
            kept[4] if kept[4] is not None else row[4],  # severity
            *kept[5:],
        )
    for position in reversed(later):
        del merged[position]
    return merged, first_of


def fetch_values(queryset: QuerySet[Any, Any]) -> list[Any]:
    """The rows of a values_list() read at once through the cursor, as the database returns
    them: for integers and text, which need no converter.

    Django's iterator hands out tens of thousands of rows a hundred at a time and copies
    each into a new tuple: a tenth (highlights) to a third (codings) of the time of reading
    them."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Any] = cursor.fetchall()
    return rows


def _document_sessions(
    project: ResearchProject, transcript_ids: set[int | None], note_ids: set[int | None]
) -> tuple[dict[int | None, int], dict[int | None, int]]:
    """The session of every transcript and field note the highlights are in."""
    # Unordered: the models' default order (by session date, then creation) made SQLite read
    # every transcript's row, past its whole text, where the indexes alone answer.
    transcripts: dict[int | None, int] = dict(
        Transcript.objects.filter(session__project=project)
        .order_by()
        .values_list("id", "session_id")
    )
    notes: dict[int | None, int] = dict(
        FieldNote.objects.filter(session__project=project)
        .order_by()
        .values_list("id", "session_id")
    )
    elsewhere = [pk for pk in transcript_ids.difference(transcripts) if pk is not None]
    if elsewhere:
        transcripts.update(
            Transcript.objects.filter(pk__in=elsewhere).order_by().values_list("id", "session_id")
        )
    elsewhere = [pk for pk in note_ids.difference(notes) if pk is not None]
    if elsewhere:
        notes.update(
            FieldNote.objects.filter(pk__in=elsewhere).order_by().values_list("id", "session_id")
        )
    return transcripts, notes


def shareable_quotes(project: ResearchProject) -> Callable[[EvidenceRow], bool]:
    """Whether the study's viewers may read a quote, which automatic picks prefer: a
    report's quotes are for them. Decided by the evidence selector's consent clearance
    (insights.visibility), applied to rows already loaded rather than by a second query over
    every highlight; what a page then shows is filtered by the selector itself."""
    clearance = evidence_reader(project=project, user=None, audience=Audience.INTERNAL).clearance

    # Decided once per session and group of people: a study has a few hundred of those, and
    # the picks ask about thousands of quotes.
    decided: dict[tuple[int | None, tuple[int, ...]], bool] = {}

    def shareable(row: EvidenceRow) -> bool:
        key = (row.session_id, row.participant_ids)
        found = decided.get(key)
        if found is None:
            found = decided[key] = clearance.allows_session(row.session_id) and all(
                clearance.allows_participant(pk) for pk in row.participant_ids
            )
        return found

    return shareable


def stage_infos(project: ResearchProject) -> list[StageInfo]:
    if project.framework_id is None:
        return []
    return [
        StageInfo(pk, position, team)
        for pk, position, team in Stage.objects.filter(framework_id=project.framework_id)
        .order_by("position")
        .values_list("id", "position", "owning_team")
    ]
