"""What a REFI-QDA export holds, as typed rows, and the selectors that read them.

The writers in insights.refi_qda.export turn these rows into XML and never query; everything
that depends on who is exporting (which highlights they may see, whether participants
appear by name) is decided here.

GUIDs are uuid5 names of (project, kind, id), so exporting the same study twice gives the
same GUIDs and, when nothing changed, the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Q

from insights.models import Code, CodedHighlight, Highlight
from insights.refi_qda.offsets import SpanMap, cleaned
from insights.visibility import evidence_reader, visible_highlights
from interviews import pii
from interviews.audit import audit, audit_export
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
    return _uuid5_text(f"project/{project_id}/{kind}/{pk}")


def user_guid(user_id: int) -> str:
    # Users are not per study: one person has one GUID in every export.
    return _uuid5_text(f"user/{user_id}")


_NAMESPACE_BYTES = NAMESPACE.bytes


def _uuid5_text(name: str) -> str:
    """str(uuid.uuid5(NAMESPACE, name)) without building a UUID object: a study's export
    makes tens of thousands, and the object's construction cost more than the hash."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])  # noqa: S324 - uuid5 is SHA-1
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


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


def _visible_highlight_ids(*, project: ResearchProject, user: User) -> list[int]:
    """The highlights this user may see (insights.visibility: blind coding binds researchers).

    Only the research team exports a study: its sources go out unredacted, as they read them.
    """
    reader = evidence_reader(project=project, user=user)
    if not reader.is_research_team:
        raise ExportError("Only the study's leads and researchers can export it.")
    return list(visible_highlights(reader).values_list("pk", flat=True))


@dataclass(frozen=True)
class _Speaker:
    label: str
    position: int
    participant_id: int | None
    pseudonym: str
    interviewer_id: int | None


@dataclass(frozen=True)
class _Utterance:
    start: int
    end: int
    speaker_id: int | None


@dataclass(frozen=True)
class _Highlight:
    pk: int
    transcript_id: int | None
    field_note_id: int | None
    start: int
    end: int
    text: str
    memo: str
    coder_id: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass
class _Labels:
    """Speaker labels written into exported transcripts: never a name the user may not see."""

    speakers: dict[int, _Speaker] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # participant id → name (opt-in)
    interviewers: dict[int, str] = field(default_factory=dict)

    def for_speaker(self, speaker_id: int | None) -> str:
        speaker = self.speakers.get(speaker_id) if speaker_id is not None else None
        if speaker is None:
            return ""
        if speaker.participant_id is not None:
            name = self.names.get(speaker.participant_id, "")
            return name if is_name_like(name) else speaker.pseudonym
        if speaker.interviewer_id is not None:
            return self.interviewers[speaker.interviewer_id]
        if not speaker.label:
            return ""
        return f"Speaker {speaker.position + 1}"


def export_text(
    text: str, utterances: Sequence[_Utterance], labels: _Labels
) -> tuple[str, SpanMap]:
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
        label = labels.for_speaker(utterance.speaker_id)
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

    1. Highlights: those the user may see (insights.visibility), their codings and memos.
    2. Sources: every transcript (as labelled plain text) and field note of the study.
    3. Cases: the study's participants, by pseudonym unless names were asked for and the
       user may read them (interviews.pii reads and audits them).
    4. Users: everyone who coded, imported or wrote something exported, and the exporter.

    Rows are read as values, not model instances: a study has thousands of highlights and
    utterances, and the export needs a few fields of each (a fixed number of queries).
    """
    visible = set(_visible_highlight_ids(project=project, user=user))
    highlights = [
        _Highlight(*row)
        for row in Highlight.objects.filter(project=project)
        .order_by("start", "end", "pk")
        .values_list(
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
        if row[0] in visible
    ]
    codings_of: dict[int, list[tuple[int, int, int, dt.datetime]]] = defaultdict(list)
    for pk, highlight_id, tag_id, coder_id, created in (
        CodedHighlight.objects.filter(content_object__project=project)
        .order_by("pk")
        .values_list("pk", "content_object_id", "tag_id", "coder_id", "created_at")
    ):
        if highlight_id in visible:
            codings_of[highlight_id].append((pk, tag_id, coder_id, created))
    by_transcript: dict[int, list[_Highlight]] = defaultdict(list)
    by_note: dict[int, list[_Highlight]] = defaultdict(list)
    for highlight in highlights:
        if highlight.transcript_id is not None:
            by_transcript[highlight.transcript_id].append(highlight)
        elif highlight.field_note_id is not None:
            by_note[highlight.field_note_id].append(highlight)

    sessions = list(
        Session.objects.filter(project=project)
        .prefetch_related("participants")
        .order_by("scheduled_at", "pk")
    )
    transcripts = list(
        Transcript.objects.filter(session__project=project)
        .select_related("session")
        .order_by("session__scheduled_at", "session_id", "pk")
    )
    utterances_of: dict[int, list[_Utterance]] = defaultdict(list)
    for transcript_id, start, end, speaker_id in (
        Utterance.objects.filter(transcript__session__project=project)
        .order_by("transcript_id", "position")
        .values_list("transcript_id", "start", "end", "speaker_id")
    ):
        utterances_of[transcript_id].append(_Utterance(start, end, speaker_id))
    speakers = {
        row[0]: _Speaker(*row[1:])
        for row in Speaker.objects.filter(transcript__session__project=project).values_list(
            "pk", "label", "position", "participant_id", "participant__pseudonym", "interviewer_id"
        )
    }
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
    labels = _Labels(speakers=speakers, names=names)
    interviewer_ids = sorted({s.interviewer_id for s in speakers.values() if s.interviewer_id})
    for number, interviewer in enumerate(
        User.objects.filter(pk__in=interviewer_ids).order_by("pk"), start=1
    ):
        name = _display_name(interviewer)
        fallback = "Interviewer" if number == 1 else f"Interviewer {number}"
        labels.interviewers[interviewer.pk] = name if is_name_like(name) else fallback

    code_ids = set(Code.objects.filter(project=project).values_list("pk", flat=True))
    user_ids: set[int] = {user.pk}
    unplaced = 0
    ids = _Guids(project.pk)

    def selection_rows(
        items: Sequence[_Highlight], text_map: SpanMap, text: str
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
            for pk, tag_id, coder_id, created in codings_of.get(highlight.pk, ()):
                if tag_id not in code_ids:
                    continue
                user_ids.add(coder_id)
                codings.append(
                    CodingRow(
                        guid=ids("coding", pk),
                        code_guid=ids("code", tag_id),
                        user_guid=ids.user(coder_id),
                        created=created,
                    )
                )
            rows.append(
                SelectionRow(
                    guid=ids("highlight", highlight.pk),
                    name=text[span[0] : span[1]],
                    start=span[0],
                    end=span[1],
                    user_guid=ids.user(highlight.coder_id),
                    created=highlight.created_at,
                    modified=highlight.updated_at,
                    codings=tuple(codings),
                    note_guids=(ids("memo", highlight.pk),) if highlight.memo.strip() else (),
                )
            )
        return tuple(rows)

    sources: list[SourceRow] = []
    source_guids_by_session: dict[int, list[str]] = defaultdict(list)
    for transcript in transcripts:
        text, text_map = export_text(transcript.text, utterances_of[transcript.pk], labels)
        source_guid = ids("transcript", transcript.pk)
        if transcript.imported_by_id is not None:
            user_ids.add(transcript.imported_by_id)
        sources.append(
            SourceRow(
                guid=source_guid,
                name=f"{transcript.session} · {transcript.title}",
                text=text,
                user_guid=(
                    ids.user(transcript.imported_by_id) if transcript.imported_by_id else None
                ),
                created=transcript.created_at,
                selections=selection_rows(by_transcript[transcript.pk], text_map, text),
            )
        )
        source_guids_by_session[transcript.session_id].append(source_guid)
    for note in notes:
        text, text_map = cleaned(note.text)
        source_guid = ids("field-note", note.pk)
        if note.author_id is not None:
            user_ids.add(note.author_id)
        sources.append(
            SourceRow(
                guid=source_guid,
                name=f"{note.session} · {note.get_kind_display().lower()} note",
                text=text,
                user_guid=ids.user(note.author_id) if note.author_id else None,
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
            guid=ids("participant", participant.pk),
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
            guid=ids("memo", highlight.pk),
            name=f"Memo on “{_short(highlight.text)}”",
            text=highlight.memo.strip(),
            user_guid=ids.user(highlight.coder_id),
            created=highlight.updated_at,
        )
        for highlight in highlights
        if highlight.memo.strip()
    )
    users = tuple(
        UserRow(guid=ids.user(u.pk), name=_display_name(u), username=u.username)
        for u in User.objects.filter(pk__in=user_ids).order_by("pk")
    )
    return ProjectRows(
        name=project.title,
        description=_project_description(project),
        created=project.created_at,
        modified=project.updated_at,
        user_guid=ids.user(user.pk),
        users=users,
        codebook=codebook_rows(project=project),
        variables=variables,
        cases=cases,
        sources=tuple(sources),
        notes=memos,
        unplaced=unplaced,
    )


class _Guids:
    """guid() and user_guid(), each computed once per export (a study has thousands)."""

    def __init__(self, project_id: int) -> None:
        self.project_id = project_id
        self._known: dict[tuple[str, object], str] = {}

    def __call__(self, kind: str, pk: object) -> str:
        key = (kind, pk)
        if key not in self._known:
            self._known[key] = guid(self.project_id, kind, pk)
        return self._known[key]

    def user(self, user_id: int) -> str:
        key = ("user", user_id)
        if key not in self._known:
            self._known[key] = user_guid(user_id)
        return self._known[key]


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
ATTRIBUTE_TYPES: dict[str, str] = {
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


def audit_project_export(
    user: User, project: ResearchProject, exported: ProjectRows, *, personal_data: bool
) -> None:
    """Record a .qdpx export in the audit log, as every export is (its rows: coded selections)."""
    audit_export(
        user,
        project=project,
        what="REFI-QDA project (.qdpx)",
        rows=sum(len(source.selections) for source in exported.sources),
        personal_data=personal_data,
    )
