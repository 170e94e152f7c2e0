"""A study's coded highlights as aggregation's EvidenceRows, and its roster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet

from insights.aggregation import (
    EvidenceRow,
    Person,
    Roster,
    StageInfo,
    evidence_row,
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
    rows: list[EvidenceRow]
    roster: Roster
    sessions: int


def load_evidence(
    project: ResearchProject, *, stage_ids: Iterable[int | None] | None = None
) -> Evidence:
    """The study's highlights as EvidenceRows (one per distinct span and stage), and its
    roster of participants.

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
    highlight_rows = _fetch(
        highlights.order_by("id").values_list(
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
    )
    session_of_transcript, session_of_note = _document_sessions(project, highlight_rows)
    # A highlight's codes are always of its study's codebook (insights.coding checks it), and
    # joining the small code table is cheaper than joining the highlights.
    codings = CodedHighlight.objects.filter(tag__project=project)
    if stage_ids is not None:
        codings = codings.filter(content_object__in=highlights)
    # Each highlight's codes as a tuple, built as they come: the rows take them as they are.
    codes_of: dict[int, tuple[int, ...]] = {}
    for highlight_id, code_id in _fetch(codings.values_list("content_object_id", "tag_id")):
        codes_of[highlight_id] = codes_of.get(highlight_id, ()) + (code_id,)

    people: dict[int, Person] = {}
    in_session: dict[int | None, list[int]] = defaultdict(list)
    session_ids: set[int] = set()
    session_id: int | None  # a field note may have none
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

    rows: list[EvidenceRow] = []
    # Each speaker's one-person tuple, made once and shared by all their quotes: aggregation
    # puts every quote's people in sets, and a few dozen tuples stay in the CPU's cache where
    # ten thousand scattered ones do not (measured: a third of the time of those sets).
    alone: dict[int | None, tuple[int, ...]] = {}
    # Two coders who highlight the very same span at the same stage (double coding, to
    # measure agreement) made one quote, not two: it is counted once, with both codings.
    first_of_span: dict[tuple[int | None, int | None, int, int, int | None], int] = {}
    for (
        pk,
        stage_id,
        speaker,
        sentiment,
        severity,
        start,
        end,
        transcript_id,
        note_id,
    ) in highlight_rows:
        if transcript_id is not None:
            session_id = session_of_transcript[transcript_id]
            participants = alone.get(speaker)
            if participants is None:
                participants = alone[speaker] = (speaker,) if speaker else ()
        else:
            session_id = session_of_note.get(note_id)
            participants = tuple(in_session.get(session_id, ()))
        codes = codes_of.get(pk, ())
        span = (transcript_id, note_id, start, end, stage_id)
        seen = first_of_span.get(span)
        if seen is not None:
            kept = rows[seen]
            rows[seen] = kept._replace(
                code_ids=tuple(dict.fromkeys(kept.code_ids + codes)),
                sentiment=kept.sentiment if kept.sentiment is not None else sentiment,
                severity=kept.severity if kept.severity is not None else severity,
            )
            continue
        first_of_span[span] = len(rows)
        # The quote's length: offsets count code points.
        rows.append(
            evidence_row(
                (pk, stage_id, codes, participants, session_id, sentiment, severity, end - start)
            )
        )
    # Walked per distinct group of people and per row at C speed, not person by person.
    outside = {
        pk
        for participant_ids in set(map(attrgetter("participant_ids"), rows))
        for pk in participant_ids
        if pk not in people
    }
    if outside:
        for pk, segment, region, tier, deployment in Participant.objects.filter(
            pk__in=outside
        ).values_list("id", "segment", "region", "tier", "deployment"):
            people[pk] = Person(segment, region, tier, deployment)
    sessions = session_ids.union(map(attrgetter("session_id"), rows))
    sessions.discard(None)  # a field note may have no session
    return Evidence(rows=rows, roster=Roster(people), sessions=len(sessions))


_HighlightRow = tuple[
    int, int | None, int | None, int | None, int | None, int, int, int | None, int | None
]


def _fetch(queryset: QuerySet[Any, Any]) -> list[Any]:
    """The rows of a values_list() of integer columns, read at once through the cursor.

    Django's iterator hands out tens of thousands of rows a hundred at a time and copies
    each into a new tuple: a tenth (highlights) to a third (codings) of the time of reading
    them. The database returns these
    columns as Python wants them, so no converter is skipped."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Any] = cursor.fetchall()
    return rows


def _document_sessions(
    project: ResearchProject, highlight_rows: Sequence[_HighlightRow]
) -> tuple[dict[int, int], dict[int, int]]:
    """The session of every transcript and field note the highlights are in."""
    # Unordered: the models' default order (by session date, then creation) made SQLite read
    # every transcript's row, past its whole text, where the indexes alone answer.
    transcripts = dict(
        Transcript.objects.filter(session__project=project)
        .order_by()
        .values_list("id", "session_id")
    )
    notes = dict(
        FieldNote.objects.filter(session__project=project)
        .order_by()
        .values_list("id", "session_id")
    )
    # Set operations over the columns, in C: tens of thousands of highlights, a few documents.
    elsewhere = set(map(itemgetter(7), highlight_rows)).difference(transcripts, (None,))
    if elsewhere:
        transcripts.update(
            Transcript.objects.filter(pk__in=elsewhere).order_by().values_list("id", "session_id")
        )
    elsewhere = set(map(itemgetter(8), highlight_rows)).difference(notes, (None,))
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
