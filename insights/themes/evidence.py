"""A study's coded highlights as aggregation's EvidenceRows, and its roster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, BigIntegerField, Expression, Func, Q, QuerySet, TextField
from django.db.models.sql.compiler import SQLCompiler

from insights.aggregation import (
    EvidenceColumns,
    EvidenceRow,
    Ints,
    Person,
    Roster,
    StageInfo,
)
from insights.models import (
    Code,
    Highlight,
    Stage,
)
from insights.visibility import Audience, evidence_reader
from interviews.models import (
    FieldNote,
    Participant,
    ResearchProject,
    Session,
    Transcript,
    Utterance,
)

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

    Queries: 6, and one more for each of these rare cases: an utterance of another study's
    transcript holds one of its highlights; so does a transcript or field note of another
    study's session; someone quoted is not a participant of any of the study's sessions.
      1. the highlights, optionally of some stages, as one row: each field's values joined
         in one text (_read_highlights);
      2. the speaker's participant of each utterance of the study's transcripts (_speakers);
      3. their codes: each code's highlights, one row per code;
      4. the study's sessions' participants with their facets;
      5, 6. the session of each of the study's transcripts and field notes: two small maps,
         where joining both tables to every highlight cost as much again as the rest of (1);
      7. the speakers of the utterances outside the study's transcripts;
      8. the sessions of the documents outside the study's sessions;
      9. the facets of people quoted outside those sessions.
    """
    highlights = Highlight.objects.filter(project=project)
    if stage_ids is not None:
        wanted = list(stage_ids)
        staged = [pk for pk in wanted if pk is not None]
        condition = Q(stage_id__in=staged)
        if None in wanted:
            condition |= Q(stage__isnull=True)
        highlights = highlights.filter(condition)
    found, first_of = _merge_double_coding(_read_highlights(highlights, project))
    transcript_ids = found.transcripts.tolist()
    note_ids = found.notes.tolist()
    session_of_transcript, session_of_note = _document_sessions(
        project, set(transcript_ids).difference([MISSING]), set(note_ids).difference([MISSING])
    )
    # A highlight's codes are always of its study's codebook (insights.coding checks it), and
    # joining the small code table is cheaper than joining the highlights.
    codes = Code.objects.filter(project=project)
    if stage_ids is None:
        codes = codes.filter(coded_items__isnull=False)
    else:
        codes = codes.filter(coded_items__content_object__in=highlights)
    coded_quotes, coded_codes = _coded_quotes(found.ids, first_of, _read_codings(codes))

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

    # 1. A transcript's quote has its transcript's session and its speaker (nobody: an
    #    interviewer); a field note's quote has its note's session and every participant of it.
    quote_sessions: list[int | None] = list(map(session_of_transcript.get, transcript_ids))
    speakers = found.speakers.tolist()
    # Each speaker's one-person tuple is made once and shared by all their quotes: the sets of
    # people aggregation builds then hash a few dozen tuples, which stay in the CPU's cache.
    alone: dict[int, tuple[int, ...]] = {pk: (pk,) for pk in set(speakers)}
    alone[MISSING] = ()
    participant_ids = list(map(alone.__getitem__, speakers))
    for at in np.flatnonzero(found.notes != MISSING).tolist():
        quote_sessions[at] = note_session = session_of_note.get(note_ids[at])
        participant_ids[at] = tuple(in_session.get(note_session, ()))
    lengths = found.ends - found.starts  # offsets count code points
    columns = EvidenceColumns(
        highlight_ids=found.ids.tolist(),
        stage_ids=with_none(found.stages),
        participant_ids=participant_ids,
        session_ids=quote_sessions,
        sentiments=with_none(found.sentiments),
        severities=with_none(found.severities),
        lengths=lengths.tolist(),
        coded_quotes=coded_quotes,
        coded_codes=coded_codes,
        values={
            "highlight_ids": found.ids.astype(np.float64),
            "sentiments": _with_nan(found.sentiments),
            "severities": _with_nan(found.severities),
            "lengths": lengths.astype(np.float64),
        },
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


# A NULL read from the database: below any smallint and any id.
MISSING = -99_999


class _Highlights(NamedTuple):
    """Highlights, one numpy array per field, in id order; NULL is MISSING."""

    ids: Ints
    stages: Ints
    speakers: Ints  # the speaker's participant; MISSING: an interviewer, or a field note
    sentiments: Ints
    severities: Ints
    starts: Ints
    ends: Ints
    transcripts: Ints
    notes: Ints

    def at(self, kept: npt.NDArray[np.bool_]) -> _Highlights:
        return _Highlights(*(column[kept] for column in self))


class _Packed(Func):
    """Integer fields of a row made one number by arithmetic written in the SQL (`sql`, a
    format string with a {n} for the n-th field): the database joins one text fewer for each
    field packed, which cost it more than the arithmetic."""

    output_field = BigIntegerField()

    def __init__(self, sql: str, *fields: str) -> None:
        super().__init__(*fields)
        self.sql = sql

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, found = compiler.compile(expression)
            parts.append(sql)
            params.extend(found)
        return self.sql.format(*parts), tuple(params)


# What _read_highlights reads of each highlight. The stage, sentiment (-2 to 2) and severity
# (0 to 3) as one number, (stage * 8 + sentiment + 2) * 8 + severity, 7 standing for NULL in
# the last two, -1 in the stage; the ranges are the table's check constraints. The document
# as one number, the transcript or minus the field note: a highlight has exactly one (its
# check constraint too). The speaker comes from the utterance (_speakers): joining each
# highlight's utterance and speaker took longer than that second read from the utterances'
# index (15.8 against 14.9 ms a study on the large bench data; 19.1 for the nine fields).
_HIGHLIGHT_COLUMNS: dict[str, str | Expression] = {
    "ids": "id",
    "marks": _Packed(
        "(COALESCE({0}, -1) * 8 + COALESCE({1} + 2, 7)) * 8 + COALESCE({2}, 7)",
        "stage_id",
        "sentiment",
        "pain_severity",
    ),
    "utterances": "utterance_id",
    "starts": "start",
    "ends": "end",
    "sources": _Packed("COALESCE({0}, -{1})", "transcript_id", "field_note_id"),
}


class Joined(Aggregate):
    """An integer field's values joined by commas in one text, NULL written as MISSING:
    STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite (which writes integers as text itself).

    The constants are in the SQL: as parameters, SQLite read them again for every row,
    which made the highlights' read a third slower."""

    function = "STRING_AGG"
    template = f"%(function)s(CAST(COALESCE(%(expressions)s, {MISSING}) AS TEXT), ',')"
    output_field = TextField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template=f"%(function)s(COALESCE(%(expressions)s, {MISSING}), ',')",
            **extra_context,
        )


def _numbers(text: str | None) -> Ints:
    """The integers of a comma-separated text, parsed by numpy in C."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def read_columns(
    queryset: QuerySet[Any, Any], fields: Mapping[str, str | Expression]
) -> dict[str, Ints]:
    """Integer fields of every row of the queryset, one numpy array per field (by the names
    `fields` gives them), NULL as MISSING; the rows in the same order in every array.

    Read as one row: each field's values joined in one text by the database, which numpy
    parses. The values of one row keep their place in every text (the database aggregates
    each row once, into all of them). Tens of thousands of rows come without a Python row
    or value apiece, which took the database's driver longer than all the rest."""
    found = queryset.aggregate(**{name: Joined(field) for name, field in fields.items()})
    return {name: _numbers(found[name]) for name in fields}


def _read_highlights(highlights: QuerySet[Highlight], project: ResearchProject) -> _Highlights:
    """The highlights' fields (_HIGHLIGHT_COLUMNS), read_columns, sorted by id here (SQLite
    cannot be asked to order what it aggregates), their speakers found by _speakers."""
    found = read_columns(highlights, _HIGHLIGHT_COLUMNS)
    marks, sources = found["marks"], found["sources"]
    stages = marks >> 6
    sentiments = (marks >> 3 & 7) - 2
    severities = marks & 7
    columns = _Highlights(
        ids=found["ids"],
        stages=np.where(stages == -1, MISSING, stages),
        speakers=_speakers(found["utterances"], project),
        sentiments=np.where(sentiments == 5, MISSING, sentiments),
        severities=np.where(severities == 7, MISSING, severities),
        starts=found["starts"],
        ends=found["ends"],
        transcripts=np.where(sources > 0, sources, MISSING),
        notes=np.where(sources < 0, -sources, MISSING),
    )
    ids = columns.ids
    if (ids[1:] > ids[:-1]).all():
        return columns
    order = np.argsort(ids)
    return _Highlights(*(column[order] for column in columns))


def _speakers(utterances: Ints, project: ResearchProject) -> Ints:
    """The participant who speaks each utterance (MISSING: no utterance, an interviewer's or
    an unnamed speaker's).

    Read from the utterances of the study's transcripts' speakers, which the speakers' index
    alone holds, and found by numpy's binary search; an utterance of another study's
    transcript (rare) is looked up on its own."""
    found = read_columns(
        Utterance.objects.filter(speaker__transcript__session__project=project),
        {"ids": "id", "speakers": "speaker__participant_id"},
    )
    # An id above every utterance's closes the sorted ids: every search lands on one of them.
    order = np.argsort(found["ids"])
    known = np.append(found["ids"][order], np.iinfo(np.int64).max)
    speakers = np.append(found["speakers"][order], MISSING)
    at = np.searchsorted(known, utterances)
    result = np.where(known[at] == utterances, speakers[at], MISSING)
    others = np.flatnonzero((known[at] != utterances) & (utterances != MISSING))
    if len(others):
        elsewhere = dict(
            Utterance.objects.filter(pk__in=set(utterances[others].tolist()))
            .order_by()
            .values_list("id", "speaker__participant_id")
        )
        for position in others.tolist():
            speaker = elsewhere.get(int(utterances[position]))
            result[position] = MISSING if speaker is None else speaker
    return result


def _read_codings(codes: QuerySet[Code]) -> tuple[Ints, Ints]:
    """Each coding's highlight and code: the codes' codings (the ones the queryset's filter
    on coded_items keeps), read as one row per code, its highlights' ids joined in one text.

    Grouped by the code table's id, which SQLite walks in order, reading each code's
    codings from the index in turn; grouped by the codings' own column, it sorted them
    all again."""
    rows = list(
        codes.order_by()
        .values("id")
        .annotate(ids=Joined("coded_items__content_object_id"))
        .values_list("id", "ids")
    )
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    highlights = [_numbers(text) for _code, text in rows]
    code_ids = np.array([code for code, _text in rows], dtype=np.int64)
    return np.concatenate(highlights), np.repeat(code_ids, [len(ids) for ids in highlights])


def _with_nan(values: Ints) -> npt.NDArray[np.float64]:
    return np.where(values == MISSING, np.nan, values)


def with_none(values: Ints) -> list[int | None]:
    """The values as a list, MISSING as None: only the MISSING ones looked at in Python
    (a third of the time of mapping every value)."""
    found: list[int | None] = values.tolist()
    for at in np.flatnonzero(values == MISSING).tolist():
        found[at] = None
    return found


def _coded_quotes(
    ids: Ints, first_of: Mapping[int, int], codings: tuple[Ints, Ints]
) -> tuple[Ints, Ints]:
    """Each coding's quote (its position in `ids`, which are in increasing order) and code.

    A coding of a double-coded span's later highlight (`first_of`: the span's first) goes to
    the first's quote; one of a highlight not loaded is left out. Found by numpy's binary
    search over the ids, a later highlight's through its first's id."""
    coded, codes = codings
    quotes = np.searchsorted(ids, coded)
    found = quotes < len(ids)
    found[found] = ids[quotes[found]] == coded[found]
    if found.all():
        return quotes, codes
    later = np.flatnonzero(~found)
    firsts = [first_of.get(highlight_id) for highlight_id in coded[later].tolist()]
    joined = later[[first is not None for first in firsts]]
    quotes[joined] = np.searchsorted(ids, [first for first in firsts if first is not None])
    found[joined] = True
    return quotes[found], codes[found]


def _merge_double_coding(found: _Highlights) -> tuple[_Highlights, dict[int, int]]:
    """Two coders who highlight the very same span at the same stage (double coding, to
    measure agreement) made one quote, not two: the first highlight's, with the first
    sentiment and severity given. Returns the highlights without the later ones, and for
    each of those the id of the first, whose quote their codings join.

    Each span (its transcript or field note, start, end and stage) is made one number,
    the same for the same span, by arithmetic that may wrap around: spans whose numbers
    differ differ, and the few rows whose numbers meet are compared field by field."""
    source = np.where(found.transcripts != MISSING, found.transcripts, -found.notes)
    span = source
    for field in (found.starts, found.ends, found.stages):
        span = span * 1_000_003 + field
    ordered = np.sort(span)
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(shared):
        return found, {}
    sentiments, severities = found.sentiments.copy(), found.severities.copy()
    ids = found.ids
    first_at: dict[tuple[int, ...], int] = {}
    first_of: dict[int, int] = {}
    kept = np.ones(len(ids), dtype=np.bool_)
    for position in np.flatnonzero(np.isin(span, shared)).tolist():  # in id order
        first = first_at.setdefault(
            (
                int(source[position]),
                int(found.starts[position]),
                int(found.ends[position]),
                int(found.stages[position]),
            ),
            position,
        )
        if first == position:
            continue
        kept[position] = False
        first_of[int(ids[position])] = int(ids[first])
        if sentiments[first] == MISSING:
            sentiments[first] = sentiments[position]
        if severities[first] == MISSING:
            severities[first] = severities[position]
    merged = found._replace(sentiments=sentiments, severities=severities)
    return merged.at(kept), first_of


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
        StageInfo(pk, position, team, name)
        for pk, position, team, name in Stage.objects.filter(framework_id=project.framework_id)
        .order_by("position")
        .values_list("id", "position", "owning_team", "name")
    ]
