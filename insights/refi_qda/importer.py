"""Importing REFI-QDA files: reader → parser → maker, all or nothing.

A .qdpx becomes a new study whose lead is the importing user:

- TextSource → a Session with one Transcript, imported through interviews.transcripts (the
  plain-text parser finds speaker turns, or splits paragraphs). Selection offsets are
  converted from the exporter's counting (insights.refi_qda.offsets) to the stored text.
- Code (hierarchy, colour, description) → Code; sets named "Kind: …" give codes their kind.
- PlainTextSelection → Highlight, each Coding → CodedHighlight with its coder; notes on a
  selection or its codings → the highlight's memo; notes on a source → a field note of its
  session; notes on a code → its definition. The stage stays empty.
- User → an existing user with that username (or full name), else a new inactive user that
  cannot log in.
- Case → a new participant (the case name is kept as their name, never as the pseudonym),
  enrolled in the study, with variables as study attributes (Persona, Segment, Region and
  Tier as the participant's own fields). Case ↔ source links are *not* made: the new
  participants have no consent on record, and a transcript may only be linked to people
  who consented (interviews.transcripts). The summary lists the links to make once consent
  is recorded.

Everything runs in one transaction: a file that cannot be imported leaves nothing behind.
What cannot be mapped is listed in the ImportSummary.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from insights.coding import CODE_PALETTE, MAX_MEMO_LENGTH, transcript_coverage_refresh
from insights.models import Code, CodedHighlight, Highlight
from insights.refi_qda import offsets
from insights.refi_qda.parser import (
    ParsedCode,
    ParsedProject,
    ParsedSelection,
    ParsedSource,
    parse_codebook,
    parse_project,
)
from insights.refi_qda.reader import (
    Archive,
    ImportFileError,
    ImportSummary,
    open_qdpx,
    parse_xml,
    source_key,
)
from insights.refi_qda.rows import KIND_BY_SET_NAME, NOT_WHEN, USE_WHEN
from interviews import services
from interviews.importers.transcripts import TranscriptParseError
from interviews.importers.transcripts.plaintext import parse_txt
from interviews.models import (
    FieldNote,
    Membership,
    Participant,
    ProjectAttribute,
    ResearchProject,
    Session,
    Transcript,
    Utterance,
)
from interviews.models.choices import Region, Segment, Tier
from interviews.transcripts import TranscriptImportError, transcript_import


@dataclass(frozen=True)
class ImportResult:
    project: ResearchProject
    summary: ImportSummary


# --- Codes --------------------------------------------------------------------------------------

_SHORT_COLOUR = re.compile(r"^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$")
_LONG_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_NOTES_SPLIT = re.compile(rf"\n\n(?=(?:{re.escape(USE_WHEN)}|{re.escape(NOT_WHEN)}))")


def colour_or_none(value: str) -> str | None:
    value = value.strip()
    if _LONG_COLOUR.match(value):
        return value.lower()
    if match := _SHORT_COLOUR.match(value):
        return "#" + "".join(2 * digit for digit in match.groups()).lower()
    return None


def split_description(description: str) -> tuple[str, str, str]:
    """(definition, inclusion notes, exclusion notes) of a description written by cxresearch;
    another tool's description is all definition."""
    definition, use, avoid = [], "", ""
    for part in _NOTES_SPLIT.split(description.strip()):
        if part.startswith(USE_WHEN) and not use:
            use = part.removeprefix(USE_WHEN).strip()
        elif part.startswith(NOT_WHEN) and not avoid:
            avoid = part.removeprefix(NOT_WHEN).strip()
        else:
            definition.append(part)
    return "\n\n".join(definition).strip(), use, avoid


@dataclass
class CodeMapping:
    by_guid: dict[str, Code] = field(default_factory=dict)
    created: int = 0
    existing: list[str] = field(default_factory=list)


def codes_create(
    *,
    project: ResearchProject,
    codes: Sequence[ParsedCode],
    kinds: dict[str, str],
    summary: ImportSummary,
    notes: dict[str, str] | None = None,
) -> CodeMapping:
    """Add parsed codes to a study's codebook, parents first.

    A name the codebook already has (ignoring case) maps to that code, which is left as it
    is; two codes of one name in the file get a number (REFI-QDA allows it, a codebook here
    does not). Notes attached to a code are appended to its definition.
    """
    mapping = CodeMapping()
    taken = {code.name.casefold(): code for code in Code.objects.filter(project=project)}
    name_limit = Code._meta.get_field("name").max_length or 100
    in_file: set[str] = set()
    for number, parsed in enumerate(codes):
        name = " ".join(parsed.name.split())
        if not name:
            name = "Unnamed code"
            summary.warn("Codes without a name were named “Unnamed code”.")
        if len(name) > name_limit:
            summary.warn(f"Code names longer than {name_limit} characters were shortened.")
            name = name[:name_limit].rstrip()
        key = name.casefold()
        if key in taken and key not in in_file:
            mapping.by_guid[parsed.guid] = taken[key]
            mapping.existing.append(name)
            continue
        if key in in_file:
            original, suffix = name, 2
            while name.casefold() in taken:
                tail = f" ({suffix})"
                name = original[: name_limit - len(tail)] + tail
                suffix += 1
            summary.warn(f"Two codes are named “{original}”; the second is now “{name}”.")
        colour = colour_or_none(parsed.colour)
        if parsed.colour and colour is None:
            summary.drop(
                "Code colours that are not #RRGGBB (a default colour was used)",
                f"{name}: {parsed.colour[:20]}",
            )
        definition, use, avoid = split_description(parsed.description)
        note_texts = [notes[guid] for guid in parsed.note_guids if notes and guid in notes]
        if note_texts:
            definition = "\n\n".join([definition, *note_texts]).strip()
        code = Code(
            project=project,
            name=name,
            parent=mapping.by_guid.get(parsed.parent_guid or ""),
            kind=kinds.get(parsed.guid, Code.Kind.TOPIC),
            definition=definition,
            inclusion_notes=use,
            exclusion_notes=avoid,
            colour=colour or CODE_PALETTE[number % len(CODE_PALETTE)],
        )
        code.save()  # one at a time: Code.save picks a slug free in the study
        mapping.by_guid[parsed.guid] = code
        taken[name.casefold()] = code
        in_file.add(name.casefold())
        mapping.created += 1
    return mapping


def code_kinds(parsed: ParsedProject, summary: ImportSummary) -> dict[str, str]:
    """Code GUID → kind, from sets named "Kind: Pain point" (as cxresearch exports them)."""
    kinds: dict[str, str] = {}
    for code_set in parsed.sets:
        kind = KIND_BY_SET_NAME.get(" ".join(code_set.name.split()).casefold())
        if kind is None:
            summary.drop("Sets (a codebook here has no sets)", code_set.name)
            continue
        for guid in code_set.code_guids:
            kinds.setdefault(guid, kind.value)
    return kinds


# --- Codebook import into an existing study -----------------------------------------------------


@dataclass(frozen=True)
class CodebookImportResult:
    created: int
    existing: tuple[str, ...]
    summary: ImportSummary


def codebook_import_qdc(
    *, project: ResearchProject, data: bytes, filename: str
) -> CodebookImportResult:
    """Add the codes of a .qdc file to a study's codebook, in one transaction."""
    summary = ImportSummary()
    if len(data) > settings.CODEBOOK_IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"{filename}: the file is {len(data):,} bytes, over the limit of "
            f"{settings.CODEBOOK_IMPORT_MAX_BYTES:,} for codebooks."
        )
    parsed = parse_codebook(parse_xml(data, filename=filename), filename=filename, summary=summary)
    if not parsed.codes:
        raise ImportFileError(f"{filename}: the codebook has no codes in it.")
    return codebook_apply(project=project, parsed=parsed, summary=summary)


@transaction.atomic
def codebook_apply(
    *, project: ResearchProject, parsed: ParsedProject, summary: ImportSummary
) -> CodebookImportResult:
    # Two imports into one codebook at once would both add the same names; the second waits.
    ResearchProject.objects.select_for_update().filter(pk=project.pk).first()
    mapping = codes_create(
        project=project, codes=parsed.codes, kinds=code_kinds(parsed, summary), summary=summary
    )
    summary.created["codes"] += mapping.created
    if mapping.existing:
        summary.warn(
            f"{len(mapping.existing)} code{'s' if len(mapping.existing) != 1 else ''} "
            "the codebook already had were left as they are: "
            + ", ".join(mapping.existing[:10])
            + ("…" if len(mapping.existing) > 10 else "")
        )
    return CodebookImportResult(mapping.created, tuple(mapping.existing), summary)


# --- Project import -----------------------------------------------------------------------------


def decode_source(data: bytes, *, name: str, summary: ImportSummary) -> str | None:
    """A source file's text as its exporter counted it: BOM dropped, line breaks as written."""
    if data.startswith(b"\xef\xbb\xbf"):
        summary.warn("Some source files start with a byte-order mark; it was removed.")
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        summary.warn("Some source files are UTF-16, not UTF-8 as REFI-QDA requires; read anyway.")
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        summary.warn("Some source files are not UTF-8; they were read as Windows-1252.")
        return data.decode("cp1252", errors="replace")


@dataclass
class _Context:
    project: ResearchProject
    by: User
    summary: ImportSummary
    archive: Archive | None
    users: dict[str, User]
    codes: dict[str, Code]
    notes: dict[str, str]
    empty_notes: set[str] = field(default_factory=set)  # notes in the file without text
    default_counting: offsets.Counting = offsets.SPEC


def qdpx_import(*, data: bytes, filename: str, by: User) -> ImportResult:
    """Import a .qdpx as a new study led by `by`. Raises ImportFileError for a file that
    cannot be imported at all; anything else that cannot be mapped is in the summary.

    1. Check and unpack the archive; parse project.qde (reader, parser: no database).
    2. In one transaction: the study, its users, codebook, participants, then each source
       with its highlights and codings, then notes.
    """
    if len(data) > settings.REFI_QDA_IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"{filename}: the file is {len(data):,} bytes, over the limit of "
            f"{settings.REFI_QDA_IMPORT_MAX_BYTES:,} for .qdpx imports."
        )
    summary = ImportSummary()
    archive, layout = open_qdpx(data, filename=filename)
    for warning in layout:
        summary.warn(warning)
    root = parse_xml(archive.qde, filename=archive.qde_name)
    parsed = parse_project(root, filename=archive.qde_name, summary=summary)
    for name in archive.ignored:
        summary.drop("Files in the archive outside sources/", name)
    with transaction.atomic():
        project = _project_create(parsed, filename=filename, by=by)
        context = _Context(
            project=project,
            by=by,
            summary=summary,
            archive=archive,
            users=_users(parsed, summary),
            codes={},
            notes=_note_texts(parsed, archive, summary),
            empty_notes=set(parsed.notes),
        )
        _apply(parsed, context)
    return ImportResult(project=project, summary=summary)


def _apply(parsed: ParsedProject, context: _Context) -> None:
    summary, project = context.summary, context.project
    used_notes: set[str] = set()
    for code in parsed.codes:
        used_notes.update(code.note_guids)
    mapping = codes_create(
        project=project,
        codes=parsed.codes,
        kinds=code_kinds(parsed, summary),
        summary=summary,
        notes=context.notes,
    )
    context.codes = mapping.by_guid
    summary.created["codes"] += mapping.created
    _cases(parsed, context)
    context.default_counting = _project_counting(parsed, context)
    for source in parsed.sources:
        used_notes.update(source.note_guids)
        for selection in source.selections:
            used_notes.update(selection.note_guids)
            for coding in selection.codings:
                used_notes.update(coding.note_guids)
        _source(source, context)
    for guid in parsed.project_note_guids:
        summary.drop(
            "Notes on the project as a whole",
            parsed.notes[guid].name if guid in parsed.notes else guid,
        )
        used_notes.add(guid)
    for guid, note in parsed.notes.items():
        if guid not in used_notes:
            summary.drop("Notes not attached to anything", note.name)


def _project_create(parsed: ParsedProject, *, filename: str, by: User) -> ResearchProject:
    title_limit = ResearchProject._meta.get_field("title").max_length or 200
    title = " ".join(parsed.name.split()) or filename.rsplit(".", 1)[0] or "Imported study"
    base = slugify(title)[:70] or "imported-study"
    taken = set(
        ResearchProject.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    project = ResearchProject.objects.create(
        title=title[:title_limit], slug=slug, objective=parsed.description
    )
    Membership.objects.create(project=project, user=by, role=Membership.Role.LEAD)
    return project


def _users(parsed: ParsedProject, summary: ImportSummary) -> dict[str, User]:
    """Each REFI-QDA user as a user here: matched by username or full name, or created inactive."""
    users: dict[str, User] = {}
    created, matched = [], []
    for guid, parsed_user in parsed.users.items():
        keys = [key for key in (parsed_user.id, parsed_user.name) if key]
        found = None
        for key in keys:
            found = User.objects.filter(username__iexact=key).first()
            if found is not None:
                break
        if found is None and " " in parsed_user.name.strip():
            first, last = parsed_user.name.strip().split(" ", 1)
            candidates = list(
                User.objects.filter(first_name__iexact=first, last_name__iexact=last)[:2]
            )
            found = candidates[0] if len(candidates) == 1 else None
        if found is not None:
            matched.append(f"{parsed_user.name or parsed_user.id} → {found.username}")
        else:
            found = _inactive_user(
                parsed_user.id or parsed_user.name or "refi-user", parsed_user.name
            )
            created.append(found.username)
        users[guid] = found
    if matched:
        summary.warn("Coders matched to existing users: " + ", ".join(matched[:10]))
    if created:
        summary.warn(
            "Coders without an account here were added as inactive users who cannot log in: "
            + ", ".join(created[:10])
            + ("…" if len(created) > 10 else "")
        )
    summary.created["users"] += len(created)
    return users


def _inactive_user(handle: str, full_name: str) -> User:
    base = slugify(handle)[:140] or "refi-user"
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    username, number = base, 1
    while username in taken:
        number += 1
        username = f"{base}-{number}"
    first, _, last = full_name.strip().partition(" ")
    user = User(username=username, first_name=first[:150], last_name=last[:150], is_active=False)
    user.set_unusable_password()
    user.save()
    return user


def _read_text(
    path: str,
    content: str | None,
    context_archive: Archive | None,
    *,
    what: str,
    name: str,
    summary: ImportSummary,
) -> str | None:
    if path:
        key = source_key(path)
        if key is None:
            summary.drop(f"{what} stored outside the archive", f"{name}: {path[:80]}")
            return None
        if context_archive is not None and key in context_archive.oversized:
            limit = settings.TRANSCRIPT_MAX_BYTES
            summary.drop(f"{what} larger than {limit:,} bytes", name)
            return None
        data = context_archive.sources.get(key) if context_archive else None
        if data is None:
            summary.drop(f"{what} whose file is missing from the archive", f"{name}: {path[:80]}")
            return None
        if not path.lower().startswith("internal://"):
            summary.warn("Some source paths lack the internal:// prefix; read from sources/.")
        return decode_source(data, name=name, summary=summary)
    if content is not None:
        return content
    summary.drop(f"{what} without plain text", name)
    return None


def _note_texts(
    parsed: ParsedProject, archive: Archive | None, summary: ImportSummary
) -> dict[str, str]:
    texts = {}
    for guid, note in parsed.notes.items():
        text = _read_text(
            note.path, note.content, archive, what="Notes", name=note.name, summary=summary
        )
        if text is not None and text.strip():
            texts[guid] = text.replace("\r\n", "\n").strip()
    return texts


# --- Cases --------------------------------------------------------------------------------------

_FIELD_CHOICES = {"segment": Segment, "region": Region, "tier": Tier}
_FIELD_BY_VARIABLE = {
    "persona": "persona",
    "segment": "segment",
    "region": "region",
    "tier": "tier",
}
_ATTRIBUTE_KINDS = {
    "Text": ProjectAttribute.Kind.TEXT,
    "Integer": ProjectAttribute.Kind.NUMBER,
    "Float": ProjectAttribute.Kind.NUMBER,
    "Date": ProjectAttribute.Kind.DATE,
    "DateTime": ProjectAttribute.Kind.DATE,
    "Boolean": ProjectAttribute.Kind.CHOICE,
}


def _field_value(field_name: str, text: str) -> str | None:
    if field_name == "persona":
        limit = Participant._meta.get_field("persona").max_length or 120
        return text[:limit]
    choices = _FIELD_CHOICES[field_name]
    for value, label in choices.choices:
        if text.casefold() in (value.casefold(), label.casefold()):
            return value
    return None


def _cases(parsed: ParsedProject, context: _Context) -> None:
    summary, project = context.summary, context.project
    attributes: dict[str, ProjectAttribute] = {}
    fields_of: dict[str, str] = {}
    used = {value.variable_guid for case in parsed.cases for value in case.values}
    keys: set[str] = set()
    for guid, variable in parsed.variables.items():
        field_name = _FIELD_BY_VARIABLE.get(variable.name.casefold())
        if field_name:
            fields_of[guid] = field_name
            continue
        if guid not in used:
            continue
        kind = _ATTRIBUTE_KINDS.get(variable.type, ProjectAttribute.Kind.TEXT)
        if variable.type == "DateTime":
            summary.warn(
                f"The variable “{variable.name}” holds dates and times; the times were dropped."
            )
        key = slugify(variable.name)[:60].replace("-", "_") or "variable"
        base, number = key, 1
        while key in keys:
            number += 1
            key = f"{base[:55]}_{number}"
        keys.add(key)
        attributes[guid] = ProjectAttribute.objects.create(
            project=project,
            label=(variable.name or key)[:120],
            key=key,
            kind=kind,
            choices=["true", "false"] if kind == ProjectAttribute.Kind.CHOICE else [],
            position=len(attributes),
        )
    summary.created["study attributes"] += len(attributes)

    rows = []
    for case in parsed.cases:
        open_fields: dict[str, object] = {}
        for value in case.values:
            field_name = fields_of.get(value.variable_guid)
            if field_name and value.text:
                mapped = _field_value(field_name, value.text)
                if mapped is None:
                    summary.drop(
                        f"{field_name.capitalize()} values that are not one of ours",
                        f"{case.name}: {value.text[:40]}",
                    )
                else:
                    open_fields[field_name] = mapped
        name_limit = 200
        rows.append((open_fields, {"name": " ".join(case.name.split())[:name_limit]}))
        if case.description.strip():
            summary.drop("Case descriptions", case.name)
    participants = services.participants_create_bulk(rows=rows)
    enrollments = services.enrollments_create_bulk(project=project, participants=participants)
    summary.created["participants"] += len(participants)
    for case, (enrollment, _created) in zip(parsed.cases, enrollments, strict=True):
        values = {}
        for value in case.values:
            attribute = attributes.get(value.variable_guid)
            if attribute is None:
                if value.variable_guid not in fields_of:
                    summary.drop("Case values of undeclared variables", case.name)
                continue
            raw: object = value.text
            if value.type == "DateTime":
                raw = value.text[:10]
            elif value.type == "Boolean":
                raw = "true" if value.text.strip().lower() in ("true", "1") else "false"
            limit = 300
            if isinstance(raw, str) and len(raw) > limit:
                summary.warn(f"Variable values longer than {limit} characters were shortened.")
                raw = raw[:limit]
            values[attribute] = raw
        try:
            services.attribute_values_set(enrollment=enrollment, values=values)
        except ValueError as error:
            summary.drop(
                "Case values that do not fit their variable's type", f"{case.name}: {error}"
            )
        linked = [source for source in case.source_guids if source]
        if linked:
            summary.drop(
                "Case–source links (record consent for the participant, then add them to "
                "the session)",
                f"{enrollment.participant.pseudonym} ({case.name})",
            )


# --- Sources ------------------------------------------------------------------------------------


def _copy(selection: ParsedSelection) -> str:
    return selection.name or selection.description


def _project_counting(parsed: ParsedProject, context: _Context) -> offsets.Counting:
    """The counting most sources with evidence agree on, for sources without any."""
    votes: dict[offsets.Counting, int] = {}
    for source in parsed.sources[:20]:
        text = _read_text(
            source.path,
            source.content,
            context.archive,
            what="Sources",
            name=source.name,
            summary=ImportSummary(),
        )
        if not text:
            continue
        evidence = offsets.choose_counting(
            text, [(s.start, s.end, _copy(s)) for s in source.selections]
        )
        if evidence.matched:
            votes[evidence.counting] = votes.get(evidence.counting, 0) + 1
    return max(votes, key=lambda c: votes[c]) if votes else offsets.SPEC


def _source(source: ParsedSource, context: _Context) -> None:
    summary, project = context.summary, context.project
    name = " ".join(source.name.split()) or "Untitled source"
    if source.path and source.content is not None:
        summary.warn("Some sources give both a file and inline text; the file was used.")
    if not source.path and source.content is None and source.rich_path:
        summary.drop("Sources with only a formatted (Word) version and no plain text", name)
        return
    raw = _read_text(
        source.path, source.content, context.archive, what="Sources", name=name, summary=summary
    )
    if raw is None:
        for _selection in source.selections:
            summary.drop("Selections of sources that were not imported", name)
        return
    filename = f"{slugify(name)[:80] or 'source'}.txt"
    data = raw.encode("utf-8")
    try:
        with transaction.atomic():
            session = Session.objects.create(
                project=project, title=name[:200], scheduled_at=timezone.now()
            )
            transcript, _created = transcript_import(
                session=session, filename=filename, data=data, by=context.by
            )
    except TranscriptImportError as error:
        summary.drop("Sources whose text could not be read", f"{name}: {error}")
        for _selection in source.selections:
            summary.drop("Selections of sources that were not imported", name)
        return
    summary.created["sources"] += 1
    for guid in source.note_guids:
        text = context.notes.get(guid)
        if guid not in context.notes and guid not in context.empty_notes:
            summary.drop("References to notes missing from the file", guid)
        if text:
            FieldNote.objects.create(
                session=session, kind=FieldNote.Kind.OBSERVATION, text=text, author=context.by
            )
            summary.created["field notes"] += 1
    if source.selections:
        _highlights(source, raw, transcript, context, name=name, filename=filename)


def _stored_map(raw: str, filename: str) -> tuple[str, offsets.Chained] | None:
    """The stored transcript text and the map from the raw source onto it, or None."""
    clean, clean_map = offsets.cleaned(raw)
    try:
        parsed = parse_txt(filename, raw.encode("utf-8"))
    except TranscriptParseError:
        return None
    parts = [parsed.text[u.start : u.end] for u in parsed.utterances]
    aligned = offsets.align(clean, parts)
    if aligned is None:
        return None
    return parsed.text, offsets.Chained(clean_map, aligned)


def _highlights(
    source: ParsedSource,
    raw: str,
    transcript: Transcript,
    context: _Context,
    *,
    name: str,
    filename: str,
) -> None:
    summary = context.summary
    stored = _stored_map(raw, filename)
    if stored is None or stored[0] != transcript.text:
        for _selection in source.selections:
            summary.drop("Selections in sources whose text could not be aligned", name)
        return
    text, text_map = stored
    evidence = offsets.choose_counting(
        raw,
        [(s.start, s.end, _copy(s)) for s in source.selections],
        default=context.default_counting,
    )
    if evidence.counting != offsets.SPEC:
        summary.warn(
            f"Selections in “{name}” were counted in {evidence.counting.label}; converted to "
            "Unicode code points."
        )
    copies_trusted = evidence.matched > 0 and 2 * evidence.matched >= evidence.checked
    units = offsets.UnitIndex(raw, evidence.counting)
    utterances = list(
        Utterance.objects.filter(transcript=transcript)
        .order_by("start")
        .values_list("pk", "start", "end")
    )
    ends = [end for _pk, _start, end in utterances]
    pending: list[tuple[Highlight, ParsedSelection]] = []
    for selection in source.selections:
        span = units.span(selection.start, selection.end)
        copy = _copy(selection)
        if (
            copies_trusted
            and copy.strip()
            and (span is None or not offsets.copy_matches(copy, raw[span[0] : span[1]]))
        ):
            near = span[0] if span else max(selection.start, 0)
            found = offsets.find_copy(raw, copy, near=near)
            if found is None:
                summary.drop("Selections whose text is not in their source", f"{name}: {copy[:40]}")
                continue
            wanted = max(found[1] - found[0], selection.end - selection.start)
            span = (found[0], min(found[0] + wanted, len(raw)))
            if offsets.copy_matches(copy, raw[found[0] : found[1]]) and not _truncated(copy):
                span = found
            summary.warn(
                "Some selections' offsets did not match their text; they were placed where "
                "their text is."
            )
        if span is None:
            summary.drop(
                "Selections outside their source's text",
                f"{name}: {selection.start}–{selection.end}",
            )
            continue
        mapped = text_map.span(*span)
        if mapped is None or not text[mapped[0] : mapped[1]].strip():
            summary.drop("Selections of speaker labels or blank text only", name)
            continue
        start, end = mapped
        if offsets.normalise(raw[span[0] : span[1]]) != offsets.normalise(text[start:end]):
            summary.warn(
                "Some selections included speaker labels or timestamps, which are not part of "
                "a transcript's text here; they were trimmed."
            )
        index = bisect.bisect_right(ends, start)
        utterance_id = utterances[index][0] if index < len(utterances) else None
        coder = context.users.get(selection.user_guid)
        if coder is None:
            coder = _first_coder(selection, context) or context.by
        highlight = Highlight(
            project=context.project,
            transcript=transcript,
            utterance_id=utterance_id,
            start=start,
            end=end,
            text=text[start:end],
            memo=_memo(selection, context),
            coder=coder,
        )
        pending.append((highlight, selection))
    highlights = Highlight.objects.bulk_create([h for h, _s in pending], batch_size=500)
    codings = []
    for highlight, (_h, selection) in zip(highlights, pending, strict=True):
        seen: set[int] = set()
        for coding in selection.codings:
            code = context.codes.get(coding.code_guid)
            if code is None:
                summary.drop("Codings of codes missing from the codebook", coding.code_guid)
                continue
            if code.pk in seen:
                continue
            seen.add(code.pk)
            coder = context.users.get(coding.user_guid, highlight.coder)
            codings.append(CodedHighlight(content_object=highlight, tag=code, coder=coder))
    CodedHighlight.objects.bulk_create(codings, batch_size=1000)
    summary.created["highlights"] += len(highlights)
    summary.created["codings"] += len(codings)
    transcript_coverage_refresh(transcript)


def _truncated(copy: str) -> bool:
    return copy.rstrip().endswith(("...", "…"))


def _first_coder(selection: ParsedSelection, context: _Context) -> User | None:
    for coding in selection.codings:
        if coding.user_guid in context.users:
            return context.users[coding.user_guid]
    return None


def _memo(selection: ParsedSelection, context: _Context) -> str:
    guids = list(selection.note_guids)
    for coding in selection.codings:
        guids += coding.note_guids
    for guid in guids:
        if guid not in context.notes and guid not in context.empty_notes:
            context.summary.drop("References to notes missing from the file", guid)
    texts = list(dict.fromkeys(context.notes[g] for g in guids if g in context.notes))
    memo = "\n\n".join(texts)
    if len(memo) > MAX_MEMO_LENGTH:
        context.summary.warn(
            f"Notes on selections longer than {MAX_MEMO_LENGTH} characters were shortened."
        )
        memo = memo[: MAX_MEMO_LENGTH - 1] + "…"
    return memo
