"""What a REFI-QDA export holds, as typed rows, and the selectors that read them.

The writers in insights.refi_qda.export turn these rows into XML and never query; everything
that depends on who is exporting (which highlights they may see, whether participants
appear by name) is decided here.

GUIDs are uuid5 names of (project, kind, id), so exporting the same study twice gives the
same GUIDs and, when nothing changed, the same bytes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, User
from django.db.models import Prefetch, Q

from insights.models import Code, CodedHighlight, Highlight
from insights.refi_qda.offsets import SpanMap, cleaned
from insights.visibility import evidence_reader, visible_highlights
from interviews import pii
from interviews.audit import audit
from interviews.importers.transcripts.turns import is_name_like
from interviews.models import (
    AttributeValue,
    AuditEvent,
    FieldNote,
    Participant,
    ProjectAttribute,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)

ORIGIN = "cxresearch"
# A fixed namespace for every GUID cxresearch writes; changing it changes every export.
NAMESPACE = uuid.UUID("5b0c6c1e-8a3d-5f0e-9d1a-2f6c8e4b7a90")


def guid(project_id: int, kind: str, pk: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"project/{project_id}/{kind}/{pk}"))


def user_guid(user_id: int) -> str:
    # Users are not per study: one person has one GUID in every export.
    return str(uuid.uuid5(NAMESPACE, f"user/{user_id}"))


# --- Rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    guid: str
    name: str
    username: str


@dataclass(frozen=True)
class CodeRow:
    guid: str
    name: str
    colour: str | None  # "#RRGGBB", or None when the stored colour is not one
    description: str
    parent_guid: str | None


@dataclass(frozen=True)
class SetRow:
    guid: str
    name: str
    description: str
    code_guids: tuple[str, ...]


@dataclass(frozen=True)
class VariableRow:
    guid: str
    name: str
    type: str  # typeOfVariable: "Text", "Float", "Date"
    description: str = ""


@dataclass(frozen=True)
class VariableValueRow:
    variable_guid: str
    type: str
    value: str  # already in the XML Schema lexical form of the type


@dataclass(frozen=True)
class CaseRow:
    guid: str
    name: str
    values: tuple[VariableValueRow, ...]
    source_guids: tuple[str, ...]


@dataclass(frozen=True)
class CodingRow:
    guid: str
    code_guid: str
    user_guid: str
    created: dt.datetime


@dataclass(frozen=True)
class SelectionRow:
    guid: str
    name: str  # the selected text, as other tools write it
    start: int
    end: int
    user_guid: str
    created: dt.datetime
    modified: dt.datetime
    codings: tuple[CodingRow, ...]
    note_guids: tuple[str, ...]


@dataclass(frozen=True)
class SourceRow:
    guid: str
    name: str
    text: str  # written to sources/<guid>.txt
    user_guid: str | None
    created: dt.datetime
    selections: tuple[SelectionRow, ...]


@dataclass(frozen=True)
class NoteRow:
    guid: str
    name: str
    text: str
    user_guid: str
    created: dt.datetime


@dataclass(frozen=True)
class CodebookRows:
    codes: tuple[CodeRow, ...]
    sets: tuple[SetRow, ...]


@dataclass(frozen=True)
class ProjectRows:
    name: str
    description: str
    created: dt.datetime
    modified: dt.datetime
    user_guid: str
    users: tuple[UserRow, ...]
    codebook: CodebookRows
    variables: tuple[VariableRow, ...]
    cases: tuple[CaseRow, ...]
    sources: tuple[SourceRow, ...]
    notes: tuple[NoteRow, ...]
    # Highlights whose span lay wholly outside the exported text (never expected).
    unplaced: int = 0


@dataclass(frozen=True)
class ExportOptions:
    include_names: bool = False  # participants by name, for users who may read personal data


# --- Codebook -----------------------------------------------------------------------------------

CODE_KIND_SET_PREFIX = "Kind: "
# Code kinds travel as sets, since REFI-QDA codes have no kind: "Kind: Pain point".
KIND_BY_SET_NAME = {f"{CODE_KIND_SET_PREFIX}{kind.label}".casefold(): kind for kind in Code.Kind}
USE_WHEN = "Use when: "
NOT_WHEN = "Do not use when: "


def code_description(code: Code) -> str:
    """Definition, then inclusion and exclusion notes as labelled paragraphs."""
    parts = [code.definition.strip()]
    if code.inclusion_notes.strip():
        parts.append(USE_WHEN + code.inclusion_notes.strip())
    if code.exclusion_notes.strip():
        parts.append(NOT_WHEN + code.exclusion_notes.strip())
    return "\n\n".join(part for part in parts if part)


def hex_colour(value: str) -> str | None:
    value = (value or "").strip()
    if len(value) == 7 and value.startswith("#"):
        try:
            int(value[1:], 16)
        except ValueError:
            return None
        return value.upper()
    return None


def codebook_rows(*, project: ResearchProject) -> CodebookRows:
    codes = list(Code.objects.filter(project=project).order_by("name", "pk"))
    ids = {code.pk for code in codes}
    rows = tuple(
        CodeRow(
            guid=guid(project.pk, "code", code.pk),
            name=code.name,
            colour=hex_colour(code.colour),
            description=code_description(code),
            parent_guid=(
                guid(project.pk, "code", code.parent_id) if code.parent_id in ids else None
            ),
        )
        for code in codes
    )
    by_kind: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        if code.kind != Code.Kind.TOPIC:
            by_kind[code.kind].append(guid(project.pk, "code", code.pk))
    sets = tuple(
        SetRow(
            guid=guid(project.pk, "kind-set", kind.value),
            name=f"{CODE_KIND_SET_PREFIX}{kind.label}",
            description=f"The codes of kind “{kind.label}” in cxresearch.",
            code_guids=tuple(by_kind[kind.value]),
        )
        for kind in Code.Kind
        if by_kind.get(kind.value)
    )
    return CodebookRows(codes=rows, sets=sets)


# --- Project ------------------------------------------------------------------------------------


def _display_name(user: User) -> str:
    return user.get_full_name() or user.username


class ExportError(Exception):
    """An export cannot be written; the message is shown to the user as-is."""


def _visible_highlight_ids(*, project: ResearchProject, user: AbstractBaseUser) -> list[int]:
    """The highlights this user may see (insights.visibility: blind coding binds researchers).

    Only the research team exports a study: its sources go out unredacted, as they read them.
    """
    reader = evidence_reader(project=project, user=user)
    if not reader.is_research_team:
        raise ExportError("Only the study's leads and researchers can export it.")
    return list(visible_highlights(reader).values_list("pk", flat=True))


@dataclass
class _Labels:
    """Speaker labels written into exported transcripts: never a name the user may not see."""

    names: dict[int, str] = field(default_factory=dict)  # participant id → name (opt-in)
    interviewers: dict[int, str] = field(default_factory=dict)

    def for_speaker(self, speaker: Speaker | None) -> str:
        if speaker is None:
            return ""
        if speaker.participant_id is not None:
            name = self.names.get(speaker.participant_id, "")
            return name if is_name_like(name) else speaker.participant.pseudonym
        if speaker.interviewer_id is not None:
            return self.interviewers[speaker.interviewer_id]
        if not speaker.label:
            return ""
        return f"Speaker {speaker.position + 1}"


def export_text(text: str, utterances: Sequence[Utterance], labels: _Labels) -> tuple[str, SpanMap]:
    """A transcript as plain text with its speaker labels ("P-014: …"), and the offset map.

    The labels are what REFI-QDA tools show as speakers. The transcript parser reads the file
    back to the same text: within a labelled turn a paragraph break is written as a blank line.
    """
    if not utterances:
        return text, SpanMap.identity(len(text))
    parts: list[str] = []
    pieces: list[tuple[int, int, int]] = []
    position = 0
    for index, utterance in enumerate(utterances):
        if index:
            parts.append("\n\n")
            position += 2
        label = labels.for_speaker(utterance.speaker)
        body = text[utterance.start : utterance.end]
        if label:
            parts.append(f"{label}: ")
            position += len(label) + 2
            lines = body.split("\n")
            offset = utterance.start
            for number, line in enumerate(lines):
                if number:
                    # The LF stays; a second one is added after it.
                    pieces.append((offset - 1, position, 1))
                    parts.append("\n\n")
                    position += 2
                pieces.append((offset, position, len(line)))
                parts.append(line)
                position += len(line)
                offset += len(line) + 1
        else:
            pieces.append((utterance.start, position, len(body)))
            parts.append(body)
            position += len(body)
    return "".join(parts), SpanMap(pieces)


def project_rows(
    *, project: ResearchProject, user: User, options: ExportOptions = ExportOptions()
) -> ProjectRows:
    """Everything a .qdpx export of the study holds for this user.

    1. Highlights: those the user may see (blind coding), with their codings and memos.
    2. Sources: every transcript (as labelled plain text) and field note of the study.
    3. Cases: the study's participants, by pseudonym unless names were asked for and the
       user may read them (interviews.pii reads and audits them).
    4. Users: everyone who coded, imported or wrote something exported, and the exporter.
    """
    highlight_ids = _visible_highlight_ids(project=project, user=user)
    highlights = list(
        Highlight.objects.filter(pk__in=highlight_ids)
        .only(
            "pk",
            "transcript_id",
            "field_note_id",
            "start",
            "end",
            "text",
            "memo",
            "coder_id",
            "created_at",
            "updated_at",
        )
        .prefetch_related(
            Prefetch(
                "coded_items",
                queryset=CodedHighlight.objects.only(
                    "pk", "content_object_id", "tag_id", "coder_id", "created_at"
                ).order_by("pk"),
            )
        )
        .order_by("start", "end", "pk")
    )
    by_transcript: dict[int, list[Highlight]] = defaultdict(list)
    by_note: dict[int, list[Highlight]] = defaultdict(list)
    for highlight in highlights:
        if highlight.transcript_id is not None:
            by_transcript[highlight.transcript_id].append(highlight)
        else:
            by_note[highlight.field_note_id].append(highlight)  # type: ignore[index]

    sessions = list(
        Session.objects.filter(project=project)
        .prefetch_related("participants")
        .order_by("scheduled_at", "pk")
    )
    transcripts = list(
        Transcript.objects.filter(session__project=project)
        .select_related("session")
        .prefetch_related(
            Prefetch(
                "utterances",
                queryset=Utterance.objects.select_related(
                    "speaker__participant", "speaker__interviewer"
                )
                .only(
                    "pk",
                    "transcript_id",
                    "position",
                    "start",
                    "end",
                    "speaker__label",
                    "speaker__position",
                    "speaker__participant__pseudonym",
                    "speaker__interviewer__username",
                    "speaker__interviewer__first_name",
                    "speaker__interviewer__last_name",
                )
                .order_by("position"),
            )
        )
        .order_by("session__scheduled_at", "session_id", "pk")
    )
    notes = list(
        FieldNote.objects.filter(session__project=project)
        .select_related("session")
        .order_by("session__scheduled_at", "session_id", "created_at", "pk")
    )
    participants = list(
        Participant.objects.filter(Q(enrollments__project=project) | Q(sessions__project=project))
        .distinct()
        .order_by("pseudonym")
    )

    names: dict[int, str] = {}
    if options.include_names and pii.can_see_pii(user):
        identities = pii.read_identities(
            user, participants, purpose="REFI-QDA project export", project=project
        )
        names = {pk: identity.name for pk, identity in identities.items() if identity.name}
        audit(
            user,
            AuditEvent.Action.PII_EXPORTED,
            project=project,
            detail="REFI-QDA project export with participants' names",
        )
    labels = _Labels(names=names)
    interviewer_number = 0
    for transcript in transcripts:
        for utterance in transcript.utterances.all():
            speaker = utterance.speaker
            if speaker is None or speaker.interviewer_id is None:
                continue
            if speaker.interviewer_id not in labels.interviewers:
                name = _display_name(speaker.interviewer)  # type: ignore[arg-type]
                interviewer_number += 1
                fallback = (
                    "Interviewer"
                    if interviewer_number == 1
                    else (f"Interviewer {interviewer_number}")
                )
                labels.interviewers[speaker.interviewer_id] = (
                    name if is_name_like(name) else fallback
                )

    code_ids = set(Code.objects.filter(project=project).values_list("pk", flat=True))
    user_ids: set[int] = {user.pk}
    unplaced = 0

    def selection_rows(
        items: Sequence[Highlight], text_map: SpanMap, text: str
    ) -> tuple[SelectionRow, ...]:
        nonlocal unplaced
        rows = []
        for highlight in items:
            span = text_map.span(highlight.start, highlight.end)
            if span is None:
                unplaced += 1
                continue
            user_ids.add(highlight.coder_id)
            codings = []
            for item in highlight.coded_items.all():
                if item.tag_id not in code_ids:
                    continue
                user_ids.add(item.coder_id)
                codings.append(
                    CodingRow(
                        guid=guid(project.pk, "coding", item.pk),
                        code_guid=guid(project.pk, "code", item.tag_id),
                        user_guid=user_guid(item.coder_id),
                        created=item.created_at,
                    )
                )
            rows.append(
                SelectionRow(
                    guid=guid(project.pk, "highlight", highlight.pk),
                    name=text[span[0] : span[1]],
                    start=span[0],
                    end=span[1],
                    user_guid=user_guid(highlight.coder_id),
                    created=highlight.created_at,
                    modified=highlight.updated_at,
                    codings=tuple(codings),
                    note_guids=(
                        (guid(project.pk, "memo", highlight.pk),) if highlight.memo.strip() else ()
                    ),
                )
            )
        return tuple(rows)

    sources: list[SourceRow] = []
    source_guids_by_session: dict[int, list[str]] = defaultdict(list)
    for transcript in transcripts:
        text, text_map = export_text(transcript.text, list(transcript.utterances.all()), labels)
        source_guid = guid(project.pk, "transcript", transcript.pk)
        if transcript.imported_by_id is not None:
            user_ids.add(transcript.imported_by_id)
        sources.append(
            SourceRow(
                guid=source_guid,
                name=f"{transcript.session} · {transcript.title}",
                text=text,
                user_guid=(
                    user_guid(transcript.imported_by_id) if transcript.imported_by_id else None
                ),
                created=transcript.created_at,
                selections=selection_rows(by_transcript[transcript.pk], text_map, text),
            )
        )
        source_guids_by_session[transcript.session_id].append(source_guid)
    for note in notes:
        text, text_map = cleaned(note.text)
        source_guid = guid(project.pk, "field-note", note.pk)
        if note.author_id is not None:
            user_ids.add(note.author_id)
        sources.append(
            SourceRow(
                guid=source_guid,
                name=f"{note.session} · {note.get_kind_display().lower()} note",
                text=text,
                user_guid=user_guid(note.author_id) if note.author_id else None,
                created=note.created_at,
                selections=selection_rows(by_note[note.pk], text_map, text),
            )
        )
        source_guids_by_session[note.session_id].append(source_guid)

    variables, values = _case_variables(project, participants)
    sessions_of: dict[int, list[int]] = defaultdict(list)
    for session in sessions:
        for participant in session.participants.all():
            sessions_of[participant.pk].append(session.pk)
    cases = tuple(
        CaseRow(
            guid=guid(project.pk, "participant", participant.pk),
            name=names.get(participant.pk) or participant.pseudonym,
            values=values.get(participant.pk, ()),
            source_guids=tuple(
                source
                for session_id in sessions_of[participant.pk]
                for source in source_guids_by_session[session_id]
            ),
        )
        for participant in participants
    )

    memos = tuple(
        NoteRow(
            guid=guid(project.pk, "memo", highlight.pk),
            name=f"Memo on “{_short(highlight.text)}”",
            text=highlight.memo.strip(),
            user_guid=user_guid(highlight.coder_id),
            created=highlight.updated_at,
        )
        for highlight in highlights
        if highlight.memo.strip()
    )
    users = tuple(
        UserRow(guid=user_guid(u.pk), name=_display_name(u), username=u.username)
        for u in User.objects.filter(pk__in=user_ids).order_by("pk")
    )
    return ProjectRows(
        name=project.title,
        description=_project_description(project),
        created=project.created_at,
        modified=project.updated_at,
        user_guid=user_guid(user.pk),
        users=users,
        codebook=codebook_rows(project=project),
        variables=variables,
        cases=cases,
        sources=tuple(sources),
        notes=memos,
        unplaced=unplaced,
    )


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _project_description(project: ResearchProject) -> str:
    parts = [project.objective.strip()]
    if project.research_question_list:
        questions = "\n".join(f"- {q}" for q in project.research_question_list)
        parts.append(f"Research questions:\n{questions}")
    return "\n\n".join(part for part in parts if part)


# Open participant fields exported as case variables, by variable name.
PARTICIPANT_VARIABLES = {
    "Persona": "persona",
    "Segment": "segment",
    "Region": "region",
    "Tier": "tier",
}
ATTRIBUTE_TYPES = {
    ProjectAttribute.Kind.TEXT: "Text",
    ProjectAttribute.Kind.CHOICE: "Text",
    ProjectAttribute.Kind.NUMBER: "Float",
    ProjectAttribute.Kind.DATE: "Date",
}


def _case_variables(
    project: ResearchProject, participants: Sequence[Participant]
) -> tuple[tuple[VariableRow, ...], dict[int, tuple[VariableValueRow, ...]]]:
    variables = [
        VariableRow(guid=guid(project.pk, "participant-field", field_name), name=name, type="Text")
        for name, field_name in PARTICIPANT_VARIABLES.items()
    ]
    attributes = list(ProjectAttribute.objects.filter(project=project))
    variables += [
        VariableRow(
            guid=guid(project.pk, "attribute", attribute.pk),
            name=attribute.label,
            type=ATTRIBUTE_TYPES[attribute.kind],
            description=f"cxresearch study attribute “{attribute.key}”",
        )
        for attribute in attributes
    ]
    stored: dict[int, list[AttributeValue]] = defaultdict(list)
    for value in AttributeValue.objects.filter(enrollment__project=project).select_related(
        "enrollment"
    ):
        stored[value.enrollment.participant_id].append(value)
    kinds = {attribute.pk: attribute.kind for attribute in attributes}
    values: dict[int, tuple[VariableValueRow, ...]] = {}
    for participant in participants:
        rows = []
        for field_name in PARTICIPANT_VARIABLES.values():
            raw = getattr(participant, field_name)
            if raw:
                display = getattr(participant, f"get_{field_name}_display", lambda r=raw: r)()
                rows.append(
                    VariableValueRow(
                        guid(project.pk, "participant-field", field_name), "Text", str(display)
                    )
                )
        for value in stored.get(participant.pk, []):
            kind = kinds[value.attribute_id]
            lexical = _lexical(value, kind)
            if lexical:
                rows.append(
                    VariableValueRow(
                        guid(project.pk, "attribute", value.attribute_id),
                        ATTRIBUTE_TYPES[kind],
                        lexical,
                    )
                )
        values[participant.pk] = tuple(rows)
    return tuple(variables), values


def _lexical(value: AttributeValue, kind: str) -> str:
    if kind == ProjectAttribute.Kind.NUMBER and value.number_value is not None:
        # xsd:decimal has no exponent: 1e-05 is written 0.00001.
        return format(Decimal(repr(value.number_value)).normalize(), "f")
    if kind == ProjectAttribute.Kind.DATE and value.date_value is not None:
        return value.date_value.isoformat()
    return value.text_value
