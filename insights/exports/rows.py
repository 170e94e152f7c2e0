"""The rows of a study's spreadsheet export, read as the exporter may read them.

The quotes are the quote list's (`insights.quotes.quotes_for_project`, filtered and ordered
by `service.export_highlight_ids`), read through the evidence selector (insights.visibility:
`visible_highlights`, `display_texts`, `study_hidden_from_viewers`) so consent, redaction, blind
coding and memo sharing apply exactly as on the page, and labelled by the quote list's own
rules (`quote_source`, `speaker_role`, `QuoteLinks`, `memo_visible`). The export reads them
as plain values, CHUNK_SIZE ids at a time, and loads what the rows share (sessions, speakers,
participants, coders, stages, codes) once: memory stays flat and the queries do not grow
with the quotes. The summary sheets (codebook counts, the stage × code and code ×
participant matrices, quotes per participant) are tallied from the very rows the Quotes
sheet wrote, so every figure is traceable to a row of the same file; their generators run
after the Quotes sheet is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.utils import timezone

from insights.coding import memo_visible
from insights.exports.writer import Column, Sheet, Value
from insights.models import (
    Code,
    CodedHighlight,
    EvidenceSummary,
    Recommendation,
    Stage,
    Theme,
)
from insights.quotes import QuoteLinks, quote_source, speaker_role
from insights.reports import coverage_line, group_figures
from insights.visibility import (
    EvidenceReader,
    display_texts,
    study_hidden_from_viewers,
    visible_highlights,
)
from interviews import pii
from interviews.models import (
    Enrollment,
    FieldNote,
    Participant,
    ProjectAttribute,
    Session,
    Speaker,
)

# Highlights read per query, as plain values: about a megabyte.
CHUNK_SIZE = 1000
NO_STAGE = "No stage"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportOptions:
    # Participants' names, e-mails, companies and job titles (research team only, audited).
    include_names: bool = False
    # Prefix of the links back to the app ("https://cx.example.com"); empty: relative links.
    base_url: str = ""


@dataclass
class Tally:
    """What the Quotes sheet wrote, for the sheets that summarise it.

    Each quote only counts its (stage, speakers, codes) group, one Counter step; the
    figures per code, stage and participant are worked out from the groups by `settle`,
    once the last quote is written (a study has far fewer groups than quotes)."""

    quotes: int = 0
    groups: Counter[tuple[int | None, People, tuple[int, ...]]] = field(default_factory=Counter)
    by_code: Counter[int] = field(default_factory=Counter)
    people_by_code: dict[int, set[int]] = field(default_factory=dict)
    by_stage_code: Counter[tuple[int | None, int]] = field(default_factory=Counter)
    by_participant: Counter[int] = field(default_factory=Counter)
    participants: dict[int, Participant] = field(default_factory=dict)

    def add(self, stage_id: int | None, people: People, code_ids: tuple[int, ...]) -> None:
        self.groups[(stage_id, people, code_ids)] += 1

    def settle(self) -> None:
        for (stage_id, people, code_ids), count in self.groups.items():
            self.quotes += count
            for participant in people.participants:
                self.participants[participant.pk] = participant
                self.by_participant[participant.pk] += count
            for code_id in code_ids:
                self.by_code[code_id] += count
                self.by_stage_code[(stage_id, code_id)] += count
                self.people_by_code.setdefault(code_id, set()).update(people.ids)
        self.groups.clear()


@dataclass
class StudyExport:
    """Everything the sheets need besides the quotes, loaded once."""

    reader: EvidenceReader
    user: User | None
    options: ExportOptions
    codes: list[Code]
    paths: dict[int, str]
    stages: list[Stage]
    tally: Tally = field(default_factory=Tally)


def study_export(
    reader: EvidenceReader, *, user: User | None, options: ExportOptions
) -> StudyExport:
    project = reader.project
    codes = list(Code.objects.filter(project=project))
    paths = code_paths(codes)
    codes.sort(key=lambda code: paths[code.pk].casefold())
    stages = (
        list(Stage.objects.filter(framework_id=project.framework_id).order_by("position"))
        if project.framework_id
        else []
    )
    return StudyExport(
        reader=reader, user=user, options=options, codes=codes, paths=paths, stages=stages
    )


def code_paths(codes: Sequence[Code]) -> dict[int, str]:
    """ "Onboarding/Setup friction" for each code (a cycle in bad data stops the walk)."""
    by_id = {code.pk: code for code in codes}
    paths: dict[int, str] = {}
    for code in codes:
        names: list[str] = []
        seen: set[int] = set()
        current: Code | None = code
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            names.append(current.name)
            current = by_id.get(current.parent_id) if current.parent_id else None
        paths[code.pk] = "/".join(reversed(names))
    return paths


# --- Quotes -------------------------------------------------------------------------------------


def quote_columns(reader: EvidenceReader) -> list[Column]:
    columns = [
        Column("Project", 24),
        Column("Session date", 12, "date"),
        Column("Participant", 12),
        Column("Kind", 12),
        Column("Segment", 12),
        Column("Region", 10),
        Column("Tier", 10),
        Column("Stage", 14),
        Column("Codes", 30, "wrap"),
        Column("Sentiment", 10, "number"),
        Column("Pain severity", 10, "number"),
        Column("Quote", 60, "wrap"),
        Column("Speaker", 14),
        Column("Source", 26),
        Column("Timestamp", 10, "duration"),
        Column("Coder", 16),
        Column("Memo", 30, "wrap"),
        Column("Link", 40),
    ]
    if reader.is_research_team:
        columns.append(Column("Viewers see it", 10))
    return columns


class QuoteValues(NamedTuple):
    """One highlight's columns, as `_QUOTE_FIELDS` reads them (the fields display_texts and
    memo_visible read keep the model's names)."""

    pk: int
    text: str
    start: int
    transcript_id: int | None
    field_note_id: int | None
    utterance_id: int | None
    stage_id: int | None
    coder_id: int
    sentiment: int | None
    pain_severity: int | None
    memo: str
    memo_shared: bool
    transcript_session_id: int | None
    speaker_id: int | None
    start_ms: int | None
    note_session_id: int | None
    note_kind: str | None
    observed_at_ms: int | None


_QUOTE_FIELDS = (
    "pk",
    "text",
    "start",
    "transcript_id",
    "field_note_id",
    "utterance_id",
    "stage_id",
    "coder_id",
    "sentiment",
    "pain_severity",
    "memo",
    "memo_shared",
    "transcript__session_id",
    "utterance__speaker_id",
    "utterance__start_ms",
    "field_note__session_id",
    "field_note__kind",
    "field_note__observed_at_ms",
)


@dataclass(frozen=True, eq=False)
class People:
    """Who said a quote, with the Quotes sheet's five participant columns worked out once
    per speaker or session: pseudonyms, then their kinds, segments, regions and tiers.
    Compared and hashed by identity: the tally counts quotes per People, once per quote."""

    participants: tuple[Participant, ...]
    ids: frozenset[int]
    columns: tuple[str, str, str, str, str]


def people_of(participants: Sequence[Participant]) -> People:
    def distinct(labels: Iterator[str]) -> str:
        return ", ".join(dict.fromkeys(label for label in labels if label))

    return People(
        participants=tuple(participants),
        ids=frozenset(p.pk for p in participants),
        columns=(
            ", ".join(p.pseudonym for p in participants),
            distinct(p.get_kind_display() for p in participants),
            distinct(p.get_segment_display() for p in participants),
            distinct(p.get_region_display() for p in participants),
            distinct(p.get_tier_display() for p in participants),
        ),
    )


NOBODY = people_of(())


@dataclass(frozen=True)
class SessionLabels:
    date: dt.date
    name: str
    transcript_source: str  # quote_source: "Interview on 2026-03-02 · transcript"
    people: People  # a field note's: the session's participants, by pseudonym


@dataclass(frozen=True)
class SpeakerLabels:
    role: str  # speaker_role: empty when a participant is linked
    people: People


@dataclass
class QuoteContext:
    """What the quote rows share, loaded once per export (a few queries, whatever the number
    of quotes): the study's sessions, speakers, coders and stages, the highlights viewers
    can't see (research team); and the code column of each combination of codes met."""

    links: QuoteLinks
    sessions: dict[int, SessionLabels]
    speakers: dict[int, SpeakerLabels]
    coders: dict[int, str]
    stages: dict[int | None, str]
    note_kinds: dict[str, str]
    # The research team's "Viewers see it" column; None: the reader is not on the team.
    hidden_from_viewers: set[int] | None
    base_url: str
    code_columns: dict[tuple[int, ...], str] = field(default_factory=dict)
    said: dict[tuple[object, ...], Said] = field(default_factory=dict)


def quote_context(export: StudyExport) -> QuoteContext:
    reader = export.reader
    project = reader.project
    sessions = Session.objects.filter(project=project).prefetch_related(
        Prefetch("participants", queryset=Participant.objects.order_by("pseudonym"))
    )
    speakers = Speaker.objects.filter(transcript__session__project=project).select_related(
        "participant"
    )
    # Labels for the coders and stages of the quotes this reader may see, nothing more.
    highlights = visible_highlights(reader)
    coders = User.objects.filter(pk__in=highlights.values("coder_id")).only(
        "username", "first_name", "last_name"
    )
    stages = Stage.objects.filter(pk__in=highlights.values("stage_id")).only("name")
    return QuoteContext(
        links=QuoteLinks(project),
        sessions={
            session.pk: SessionLabels(
                date=timezone.localtime(session.scheduled_at).date(),
                name=reader.session_name(session),
                transcript_source=quote_source(reader.session_name(session)),
                people=people_of(list(session.participants.all())),
            )
            for session in sessions
        },
        speakers={
            speaker.pk: SpeakerLabels(
                role=speaker_role(speaker),
                people=people_of([speaker.participant]) if speaker.participant else NOBODY,
            )
            for speaker in speakers
        },
        coders={coder.pk: coder.get_full_name() or coder.get_username() for coder in coders},
        stages={None: "", **{stage.pk: stage.name for stage in stages}},
        note_kinds={str(value): str(label) for value, label in FieldNote.Kind.choices},
        hidden_from_viewers=study_hidden_from_viewers(project) if reader.is_research_team else None,
        base_url=export.options.base_url,
    )


UNLINKED = SpeakerLabels(role=speaker_role(None), people=NOBODY)


def quote_values(
    export: StudyExport, ids: Sequence[int], progress: Progress | None = None
) -> Iterator[list[Value]]:
    """One row per highlight, in the order of `ids` (the quote list's order and filters).

    Per chunk: one query for the highlights (through the evidence selector), one for their
    codings, one for redactions.
    """
    reader = export.reader
    context = quote_context(export)
    visible = visible_highlights(reader)
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        by_pk = {
            row[0]: QuoteValues._make(row)
            for row in visible.filter(pk__in=chunk).values_list(*_QUOTE_FIELDS)
        }
        # A highlight deleted (or hidden) since the ids were read is simply left out.
        quotes = [by_pk[pk] for pk in chunk if pk in by_pk]
        codings: dict[int, list[int]] = {}
        for highlight_id, code_id in CodedHighlight.objects.filter(
            content_object_id__in=by_pk
        ).values_list("content_object_id", "tag_id"):
            codings.setdefault(highlight_id, []).append(code_id)
        texts = display_texts(reader, quotes)
        for quote in quotes:
            yield _quote_row(export, context, quote, texts[quote.pk], codings.get(quote.pk, []))
        if progress is not None:
            progress(min(start + CHUNK_SIZE, len(ids)), len(ids))
    export.tally.settle()


@dataclass(frozen=True)
class Said:
    """The columns a quote takes from where it was said, the same for every quote of one
    speaker in one session (or of one session's notes of one kind)."""

    leading: tuple[Value, ...]  # project, session date, the five participant columns
    speaker: str
    source: str
    people: People


def _said(context: QuoteContext, title: str, quote: QuoteValues) -> Said:
    if quote.transcript_id is not None:
        session = context.sessions[quote.transcript_session_id]  # type: ignore[index]
        speaker = context.speakers.get(quote.speaker_id, UNLINKED)  # type: ignore[arg-type]
        people = speaker.people
        said_by = "Participant" if people.participants else speaker.role
        source = session.transcript_source
    else:
        session = context.sessions[quote.note_session_id]  # type: ignore[index]
        kind = quote.note_kind or ""
        people = session.people
        said_by = "Field note"
        source = quote_source(session.name, context.note_kinds.get(kind, kind))
    leading = (title, session.date, *people.columns)
    return Said(leading=leading, speaker=said_by, source=source, people=people)


def _quote_row(
    export: StudyExport,
    context: QuoteContext,
    quote: QuoteValues,
    text: str,
    code_ids: Sequence[int],
) -> list[Value]:
    reader = export.reader
    if quote.transcript_id is not None:
        key: tuple[object, ...] = (quote.transcript_session_id, quote.speaker_id)
        url = context.links.transcript(
            session_id=quote.transcript_session_id,  # type: ignore[arg-type]
            transcript_id=quote.transcript_id,
            utterance_id=quote.utterance_id,
        )
        timestamp = quote.start_ms
    else:
        key = ("note", quote.note_session_id, quote.note_kind)
        url = context.links.field_note(
            session_id=quote.note_session_id,  # type: ignore[arg-type]
            note_id=quote.field_note_id,  # type: ignore[arg-type]
        )
        timestamp = quote.observed_at_ms
    said = context.said.get(key)
    if said is None:
        said = context.said[key] = _said(context, reader.project.title, quote)
    codes = tuple(code_ids)
    export.tally.add(quote.stage_id, said.people, codes)
    if codes not in context.code_columns:
        paths = (export.paths.get(pk, "") for pk in codes)
        context.code_columns[codes] = "; ".join(sorted(paths, key=str.casefold))
    values: list[Value] = [
        *said.leading,
        context.stages.get(quote.stage_id, ""),
        context.code_columns[codes],
        quote.sentiment,
        quote.pain_severity,
        text,
        said.speaker,
        said.source,
        None if timestamp is None else dt.timedelta(milliseconds=timestamp),
        context.coders.get(quote.coder_id, ""),
        quote.memo if quote.memo and memo_visible(quote, role=reader.role or "") else "",
        context.base_url + url,
    ]
    if context.hidden_from_viewers is not None:
        values.append("no" if quote.pk in context.hidden_from_viewers else "yes")
    return values


# --- Sheets summarising the quotes (read after the Quotes sheet is written) --------------------


CODEBOOK_COLUMNS = [
    Column("Code", 30),
    Column("Parent", 20),
    Column("Level", 7, "number"),
    Column("Kind", 12),
    Column("Definition", 40, "wrap"),
    Column("Use when", 30, "wrap"),
    Column("Do not use when", 30, "wrap"),
    Column("Colour", 9),
    Column("Quotes", 9, "number"),
    Column("Participants", 12, "number"),
]


def codebook_values(export: StudyExport) -> Iterator[list[Value]]:
    names = {code.pk: code.name for code in export.codes}
    for code in export.codes:
        path = export.paths[code.pk]
        yield [
            path,
            names.get(code.parent_id, "") if code.parent_id else "",
            path.count("/") + 1,
            code.get_kind_display(),
            code.definition,
            code.inclusion_notes,
            code.exclusion_notes,
            code.colour,
            export.tally.by_code[code.pk],
            len(export.tally.people_by_code.get(code.pk, ())),
        ]


def stage_code_columns(export: StudyExport) -> list[Column]:
    stages = [Column(stage.name, 12, "number") for stage in export.stages]
    return [
        Column("Code", 30),
        *stages,
        Column(NO_STAGE, 10, "number"),
        Column("Total", 9, "number"),
    ]


def stage_code_values(export: StudyExport) -> Iterator[list[Value]]:
    """Quotes per code (rows) and journey stage (columns)."""
    stage_ids: list[int | None] = [stage.pk for stage in export.stages]
    stage_ids.append(None)
    counts = export.tally.by_stage_code
    for code in export.codes:
        yield [
            export.paths[code.pk],
            *(counts[(stage_id, code.pk)] for stage_id in stage_ids),
            export.tally.by_code[code.pk],
        ]


def code_participant_columns(export: StudyExport) -> list[Column]:
    people = _quoted_people(export)
    return [Column("Code", 30), *(Column(p.pseudonym, 9, "number") for p in people)]


def code_participant_values(export: StudyExport) -> Iterator[list[Value]]:
    """1 where a participant said something coded with the code, 0 where not."""
    people = _quoted_people(export)
    for code in export.codes:
        said = export.tally.people_by_code.get(code.pk, set())
        yield [export.paths[code.pk], *(1 if p.pk in said else 0 for p in people)]


def _quoted_people(export: StudyExport) -> list[Participant]:
    return sorted(export.tally.participants.values(), key=lambda p: p.pseudonym)


# --- Participants ---------------------------------------------------------------------------


PERSONAL_COLUMNS = [
    Column("Name", 20),
    Column("E-mail", 26),
    Column("Company", 20),
    Column("Job title", 20),
]


def participant_columns(
    export: StudyExport, attributes: Sequence[ProjectAttribute]
) -> list[Column]:
    columns = [
        Column("Participant", 12),
        Column("Kind", 12),
        Column("Persona", 20),
        Column("Segment", 12),
        Column("Region", 10),
        Column("Tier", 10),
        Column("Deployment", 14),
        Column("Company size", 12),
        Column("Status", 12),
        Column("Quotes", 9, "number"),
    ]
    for attribute in attributes:
        kind = {"number": "number", "date": "date"}.get(attribute.kind, "text")
        columns.append(Column(attribute.label, 14, kind))
    if with_names(export):
        columns.extend(PERSONAL_COLUMNS)
    return columns


def with_names(export: StudyExport) -> bool:
    """Names only when asked for, by the research team, for someone allowed to read them."""
    return (
        export.options.include_names
        and export.reader.is_research_team
        and export.user is not None
        and pii.can_see_pii(export.user)
    )


def study_attributes(export: StudyExport) -> list[ProjectAttribute]:
    return list(ProjectAttribute.objects.filter(project=export.reader.project))


def participant_values(
    export: StudyExport, attributes: Sequence[ProjectAttribute]
) -> Iterator[list[Value]]:
    """The study's enrolled participants, and anyone quoted who is not enrolled."""
    project = export.reader.project
    enrollments = {
        e.participant_id: e
        for e in Enrollment.objects.filter(project=project)
        .select_related("participant")
        .prefetch_related("attribute_values")
    }
    people = {pk: e.participant for pk, e in enrollments.items()}
    people.update(export.tally.participants)
    ordered = sorted(people.values(), key=lambda p: p.pseudonym)
    identities = (
        pii.read_identities(
            export.user,  # type: ignore[arg-type]  # with_names checked it is a user
            ordered,
            purpose="spreadsheet export",
            project=project,
        )
        if with_names(export)
        else None
    )
    for person in ordered:
        enrollment = enrollments.get(person.pk)
        values_by_attribute = (
            {v.attribute_id: v.value for v in enrollment.attribute_values.all()}
            if enrollment is not None
            else {}
        )
        row: list[Value] = [
            person.pseudonym,
            person.get_kind_display(),
            person.persona,
            person.get_segment_display(),
            person.get_region_display(),
            person.get_tier_display(),
            person.get_deployment_display(),
            person.get_company_size_display(),
            enrollment.get_status_display() if enrollment is not None else "Not enrolled",
            export.tally.by_participant[person.pk],
        ]
        row.extend(values_by_attribute.get(a.pk) for a in attributes)
        if identities is not None:
            identity = identities.get(person.pk)
            row.extend(
                [identity.name, identity.email, identity.company, identity.job_title]
                if identity is not None
                else ["", "", "", ""]
            )
        yield row


# --- Themes and recommendations (the research team's analysis) -------------------------------


THEME_COLUMNS = [
    Column("Stage", 14),
    Column("Theme", 30, "wrap"),
    Column("Status", 11),
    Column("Summary", 40, "wrap"),
    Column("Codes", 30, "wrap"),
    Column("Quotes", 9, "number"),
    Column("Participants", 12, "number"),
    Column("Sessions", 9, "number"),
    Column("Share of participants", 12, "percent"),
    Column("Coverage", 40, "wrap"),
    Column("Mean sentiment", 10, "number"),
    Column("Mean pain severity", 10, "number"),
    Column("Pain point", 9),
    Column("Hand-off to", 14),
]


def theme_values(export: StudyExport) -> Iterator[list[Value]]:
    """Candidate and confirmed themes with their strength, over all the study's evidence."""
    project = export.reader.project
    summary = EvidenceSummary.objects.filter(project=project).first()
    themes = (
        Theme.objects.filter(
            project=project, status__in=[Theme.Status.CANDIDATE, Theme.Status.CONFIRMED]
        )
        .select_related("stage", "handoff_stage")
        .prefetch_related("codes")
    )
    for theme in themes:
        if summary is not None:
            groups = group_figures(theme.coverage, summary.totals)
            coverage = coverage_line(theme.participant_count, summary.participants, groups)
        else:
            coverage = ""
        yield [
            theme.stage.name if theme.stage is not None else NO_STAGE,
            theme.name,
            theme.get_status_display(),
            theme.summary,
            "; ".join(sorted(export.paths.get(c.pk, c.name) for c in theme.codes.all())),
            theme.quote_count,
            theme.participant_count,
            theme.session_count,
            theme.participant_share,
            coverage,
            _rounded(theme.mean_sentiment),
            _rounded(theme.mean_severity),
            "yes" if theme.is_pain_point else "no",
            theme.handoff_stage.name if theme.handoff_stage is not None else "",
        ]


RECOMMENDATION_COLUMNS = [
    Column("Stage", 14),
    Column("Recommendation", 50, "wrap"),
    Column("Themes", 30, "wrap"),
    Column("Owning team", 16),
    Column("Impact", 9),
    Column("Effort", 9),
    Column("Status", 12),
]


def recommendation_values(export: StudyExport) -> Iterator[list[Value]]:
    recommendations = (
        Recommendation.objects.filter(project=export.reader.project)
        .select_related("stage")
        .prefetch_related("themes")
    )
    for recommendation in recommendations:
        yield [
            recommendation.stage.name if recommendation.stage is not None else "",
            recommendation.statement,
            "; ".join(theme.name for theme in recommendation.themes.all()),
            recommendation.owning_team,
            recommendation.get_impact_display(),
            recommendation.get_effort_display(),
            recommendation.get_status_display(),
        ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- The workbook -------------------------------------------------------------------------------


def workbook_sheets(
    export: StudyExport, ids: Sequence[int], progress: Progress | None = None
) -> list[Sheet]:
    """The sheets in order. The Quotes rows are read as they are written; every later sheet
    is built when the writer reaches it, from the tally of the Quotes."""
    reader = export.reader
    sheets = [
        Sheet("Quotes", quote_columns(reader), quote_values(export, ids, progress)),
        Sheet("Codebook", CODEBOOK_COLUMNS, lambda: codebook_values(export)),
    ]
    # Themes and recommendations are the research team's working analysis; viewers read
    # them in published reports (the same rule as the Themes pages).
    if reader.is_research_team:
        sheets += [
            Sheet("Themes", THEME_COLUMNS, lambda: theme_values(export)),
            Sheet("Recommendations", RECOMMENDATION_COLUMNS, lambda: recommendation_values(export)),
        ]
    attributes: list[ProjectAttribute] = []

    def participant_sheet_columns() -> list[Column]:
        attributes.extend(study_attributes(export))
        return participant_columns(export, attributes)

    sheets += [
        Sheet(
            "Stage x Code", lambda: stage_code_columns(export), lambda: stage_code_values(export)
        ),
        Sheet(
            "Code x Participant",
            lambda: code_participant_columns(export),
            lambda: code_participant_values(export),
        ),
        Sheet(
            "Participants",
            participant_sheet_columns,
            lambda: participant_values(export, attributes),
        ),
    ]
    return sheets
