"""Validating a participant file's rows: match the header to fields, check every row, look up
the participants who already exist by e-mail, and plan what happens to each person (ImportPlan).
It only reads.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from cxresearch.lib.text import name_problem, text_problem
from interviews.importers.participants.columns import (
    COLUMNS,
    FIELD_WORDS,
    IDENTITY_FIELDS,
    NAME_PARTS,
    OPEN_FIELDS,
)
from interviews.importers.participants.reading import (
    CellValue,
    ImportTable,
    SourceRow,
    cell_text,
    is_blank,
)
from interviews.models import (
    Enrollment,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
)

# Errors beyond this many are counted, not listed: a wrong file can produce thousands.
MAX_LISTED_ERRORS = 200

AttributeParsed = str | float | dt.date

# Shown as names: text-direction controls are refused in these (cxresearch.lib.text).
_NAME_COLUMNS = frozenset({"name", "first_name", "last_name", "company", "job_title"})

_TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x"})
_FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})
# "1,234" and "1,234,567.5" use commas as thousands separators; "12,5" is a decimal comma.
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def _normalise_header(header: str) -> str:
    """ "E-mail Address" → "emailaddress": case, spaces, underscores, hyphens and dots ignored."""
    return re.sub(r"[\s_\-.]+", "", header.casefold())


@dataclass(frozen=True)
class ColumnMatch:
    index: int
    header: str
    key: str  # a COLUMNS key, "first_name"/"last_name", or "" for a study attribute
    attribute: ProjectAttribute | None = None

    @property
    def target(self) -> str:
        if self.attribute is not None:
            return self.attribute.label
        return FIELD_WORDS.get(self.key, self.key.replace("_", " "))


@dataclass(frozen=True)
class RowError:
    row: int | None  # None for a problem with the file's columns
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"Row {self.row}, {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ParticipantValues:
    """What one row (or several rows with one e-mail) says; "" and None mean "not given"."""

    name: str = ""
    email: str = ""
    company: str = ""
    job_title: str = ""
    kind: str = ""
    persona: str = ""
    segment: str = ""
    region: str = ""
    tier: str = ""
    deployment: str = ""
    company_size: str = ""
    do_not_contact: bool | None = None
    attributes: Mapping[str, AttributeParsed] = field(default_factory=dict)

    def merged_with(self, later: ParticipantValues) -> ParticipantValues:
        """The later row wins for every field it gives a value for."""
        changes: dict[str, object] = {
            name: getattr(later, name)
            for name in (*IDENTITY_FIELDS, *OPEN_FIELDS)
            if getattr(later, name)
        }
        if later.do_not_contact is not None:
            changes["do_not_contact"] = later.do_not_contact
        changes["attributes"] = {**self.attributes, **later.attributes}
        return replace(self, **changes)  # type: ignore[arg-type]  # keys are field names

    @property
    def email_key(self) -> str:
        return self.email.lower()


class Action(enum.StrEnum):
    NEW = "new"
    MERGE = "merge"


@dataclass(frozen=True)
class PlannedParticipant:
    rows: tuple[int, ...]
    values: ParticipantValues
    existing_id: int | None = None
    existing_pseudonym: str = ""
    enrolled_already: bool = False
    flagged_do_not_contact: bool = False  # the existing participant is already do-not-contact
    changes: tuple[str, ...] = ()  # the existing participant's fields the file updates
    attribute_display: tuple[tuple[str, str], ...] = ()  # (label, value) for the preview

    @property
    def action(self) -> Action:
        return Action.NEW if self.existing_id is None else Action.MERGE

    @property
    def row_label(self) -> str:
        numbers = ", ".join(str(number) for number in self.rows)
        return f"Rows {numbers}" if len(self.rows) > 1 else f"Row {numbers}"

    @property
    def profile(self) -> str:
        """The open fields in words, e.g. "DevOps lead · Large · EMEA · Premium"."""
        values = self.values
        parts = [
            Participant.Kind(values.kind).label if values.kind == Participant.Kind.INTERNAL else "",
            values.persona,
            *(
                _choice_label(spec.choices, getattr(values, spec.key))
                for spec in COLUMNS
                if spec.choices is not None and spec.key != "kind"
            ),
        ]
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class ImportPlan:
    filename: str
    description: str
    project: ResearchProject | None
    attributes: tuple[ProjectAttribute, ...]
    columns: tuple[ColumnMatch, ...]
    participants: tuple[PlannedParticipant, ...]
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]
    row_count: int

    @property
    def can_apply(self) -> bool:
        return not self.errors and bool(self.participants)

    @property
    def new_count(self) -> int:
        return sum(1 for planned in self.participants if planned.action == Action.NEW)

    @property
    def merge_count(self) -> int:
        return sum(1 for planned in self.participants if planned.action == Action.MERGE)

    @property
    def enroll_count(self) -> int:
        return sum(1 for planned in self.participants if not planned.enrolled_already)

    @property
    def listed_errors(self) -> tuple[RowError, ...]:
        return self.errors[:MAX_LISTED_ERRORS]

    @property
    def unlisted_error_count(self) -> int:
        return max(0, len(self.errors) - MAX_LISTED_ERRORS)


def validate_rows(table: ImportTable, *, project: ResearchProject | None) -> ImportPlan:
    """Check every row and plan what happens to each person, without writing anything.

    Queries: the study's attributes (project imports only) and the participants who already
    have one of the file's e-mail addresses (with whether they are in the study), whatever the
    number of rows.
    """
    attributes = tuple(project.attributes.all()) if project is not None else ()
    columns, errors, warnings = _match_columns(table, attributes)

    parsed: list[tuple[SourceRow, ParticipantValues]] = []
    if not errors:
        for row in table.rows:
            values, row_errors = _parse_row(row, columns)
            errors.extend(row_errors)
            if not row_errors:
                parsed.append((row, values))
        warnings.extend(_extra_cells_warning(table))

    groups, group_warnings = _group_by_email(parsed)
    warnings.extend(group_warnings)
    participants, merge_warnings = _plan_participants(
        groups, project=project, attributes=attributes
    )
    warnings.extend(merge_warnings)
    return ImportPlan(
        filename=table.filename,
        description=table.description,
        project=project,
        attributes=attributes,
        columns=tuple(columns),
        participants=tuple(participants),
        errors=tuple(errors),
        warnings=tuple(warnings),
        row_count=len(table.rows),
    )


def _match_columns(
    table: ImportTable, attributes: Sequence[ProjectAttribute]
) -> tuple[list[ColumnMatch], list[RowError], list[str]]:
    # Later entries win: aliases, then the study's attribute keys and labels (so an attribute
    # called "plan" is not read as the tier), then the fixed column names themselves.
    known: dict[str, tuple[str, ProjectAttribute | None]] = {}
    for key, aliases in NAME_PARTS.items():
        known.update(dict.fromkeys(aliases, (key, None)))
    for spec in COLUMNS:
        known.update(dict.fromkeys(spec.aliases, (spec.key, None)))
    for attribute in attributes:
        known[_normalise_header(attribute.label)] = ("", attribute)
        known[_normalise_header(attribute.key)] = ("", attribute)
    for spec in COLUMNS:
        known[_normalise_header(spec.key)] = (spec.key, None)

    columns: list[ColumnMatch] = []
    errors: list[RowError] = []
    warnings: list[str] = []
    seen: dict[str, ColumnMatch] = {}
    for index, header in enumerate(table.headers):
        if not header:
            if any(index < len(row.cells) and not is_blank(row.cells[index]) for row in table.rows):
                warnings.append(f"Column {index + 1} has no header; its values are ignored.")
            continue
        match = known.get(_normalise_header(header))
        if match is None:
            warnings.append(f"Column “{header}” is not a participant field; it is ignored.")
            continue
        column = ColumnMatch(index=index, header=header, key=match[0], attribute=match[1])
        identity = f"attribute:{column.attribute.key}" if column.attribute else column.key
        if identity in seen:
            errors.append(
                RowError(
                    None,
                    header,
                    f"Columns “{seen[identity].header}” and “{header}” both hold "
                    f"{column.target}; keep one of them.",
                )
            )
            continue
        seen[identity] = column
        columns.append(column)

    if not {"name", "email", "first_name", "last_name"} & seen.keys():
        found = ", ".join(f"“{header}”" for header in table.headers if header) or "none"
        errors.append(
            RowError(
                None,
                "",
                "The file needs a name or an email column (in the first non-empty row); "
                f"the columns found are {found}.",
            )
        )
    return columns, errors, warnings


def _parse_row(
    row: SourceRow, columns: Sequence[ColumnMatch]
) -> tuple[ParticipantValues, list[RowError]]:
    errors: list[RowError] = []
    texts: dict[str, str] = {}
    attributes: dict[str, AttributeParsed] = {}
    do_not_contact: bool | None = None
    specs = {spec.key: spec for spec in COLUMNS}

    def error(column: ColumnMatch, message: str) -> None:
        errors.append(RowError(row.number, column.header, message))

    for column in columns:
        raw = row.cells[column.index] if column.index < len(row.cells) else None
        if isinstance(raw, str):
            # The readers refuse NUL and undecodable bytes already; this is the last word
            # before the database (which refuses both), and names refuse direction controls.
            check = name_problem if column.key in _NAME_COLUMNS else text_problem
            if problem := check(raw):
                error(column, f"cannot be imported: {problem}.")
                continue
        if column.attribute is not None:
            try:
                value = _parse_attribute(column.attribute, raw)
            except ValueError as problem:
                error(column, str(problem))
                continue
            if value is not None:
                attributes[column.attribute.key] = value
            continue
        text = cell_text(raw)
        if column.key == "do_not_contact":
            if text.lower() in _TRUE_WORDS:
                do_not_contact = True
            elif text.lower() in _FALSE_WORDS:
                do_not_contact = False if text else None
            else:
                error(column, f"{text!r} is not yes or no (true/false and 1/0 work too).")
            continue
        spec = specs.get(column.key)
        if spec is not None and spec.max_length is not None and len(text) > spec.max_length:
            error(column, f"is {len(text)} characters long; at most {spec.max_length} fit.")
            continue
        if spec is not None and spec.choices is not None and text:
            choice = _match_choice(spec.choices, text)
            if choice is None:
                allowed = ", ".join(spec.choices.values)
                error(column, f"{text!r} is not one of {allowed}.")
                continue
            text = choice
        if column.key == "email" and text:
            try:
                validate_email(text)
            except ValidationError:
                error(column, f"{text!r} is not a valid e-mail address.")
                continue
        texts[column.key] = text

    if not texts.get("name"):
        texts["name"] = " ".join(
            part for part in (texts.get("first_name", ""), texts.get("last_name", "")) if part
        )
        if len(texts["name"]) > 200:
            errors.append(RowError(row.number, "name", "first and last name are too long."))
    texts.pop("first_name", None)
    texts.pop("last_name", None)
    values = ParticipantValues(
        **texts,
        do_not_contact=do_not_contact,
        attributes=attributes,
    )
    if not errors and not values.name and not values.email:
        errors.append(RowError(row.number, "", "needs a name or an e-mail address."))
    return values, errors


def _parse_attribute(attribute: ProjectAttribute, raw: CellValue) -> AttributeParsed | None:
    """ProjectAttribute.parse, with numbers and dates from xlsx passed through as they are."""
    kind = attribute.kind
    # parse() drops every comma, which would turn a European "12,5" into 125.
    is_number = kind == ProjectAttribute.Kind.NUMBER
    if is_number and isinstance(raw, str) and "," in raw and not _THOUSANDS.fullmatch(raw):
        raise ValueError(
            f"{attribute.label} must be a number written with a decimal point, "
            f"like 12.5, not {raw!r}."
        )
    if kind in (ProjectAttribute.Kind.NUMBER, ProjectAttribute.Kind.DATE) and not isinstance(
        raw, str
    ):
        return attribute.parse(raw)
    return attribute.parse(cell_text(raw))


def _normalise_choice(text: str) -> str:
    text = text.casefold().replace("employees", "")
    return re.sub(r"[\s_\-–—,]+", "", text)


def _match_choice(choices: type[models.TextChoices], text: str) -> str | None:
    """Accept the value ("mid_market") or the label ("Mid-Market"), in any case."""
    wanted = _normalise_choice(text)
    for value, label in choices.choices:
        if wanted in (_normalise_choice(str(value)), _normalise_choice(str(label))):
            return str(value)
    return None


def _choice_label(choices: type[models.TextChoices] | None, value: str) -> str:
    if not value or choices is None:
        return ""
    return str(choices(value).label)


def _extra_cells_warning(table: ImportTable) -> list[str]:
    width = len(table.headers)
    rows = [
        row.number for row in table.rows if any(not is_blank(cell) for cell in row.cells[width:])
    ]
    if not rows:
        return []
    return [
        f"{_rows_phrase(rows)} {'have' if len(rows) > 1 else 'has'} values to the right of "
        "the last column header; they are ignored."
    ]


def _rows_phrase(numbers: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(number) for number in numbers[:limit])
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return f"Rows {shown}{more}" if len(numbers) > 1 else f"Row {shown}"


@dataclass
class _Group:
    rows: list[int]
    values: ParticipantValues


def _group_by_email(
    parsed: Sequence[tuple[SourceRow, ParticipantValues]],
) -> tuple[list[_Group], list[str]]:
    """One group per e-mail address (later rows fill in and override); one per row without."""
    groups: list[_Group] = []
    by_email: dict[str, _Group] = {}
    without_email: list[int] = []
    for row, values in parsed:
        if not values.email:
            without_email.append(row.number)
            groups.append(_Group([row.number], values))
            continue
        group = by_email.get(values.email_key)
        if group is None:
            group = by_email[values.email_key] = _Group([row.number], values)
            groups.append(group)
        else:
            group.rows.append(row.number)
            group.values = group.values.merged_with(values)

    warnings = [
        f"{_rows_phrase(group.rows)} have the same e-mail address ({group.values.email}); they "
        "become one participant, and where rows disagree the later row's value is used."
        for group in groups
        if len(group.rows) > 1
    ]
    if without_email:
        verb = "have" if len(without_email) > 1 else "has"
        warnings.append(
            f"{_rows_phrase(without_email)} {verb} no e-mail address, so they cannot be matched "
            "with people already in the pool: each becomes a new participant."
        )
    return groups, warnings


def _plan_participants(
    groups: Sequence[_Group],
    *,
    project: ResearchProject | None,
    attributes: Sequence[ProjectAttribute],
) -> tuple[list[PlannedParticipant], list[str]]:
    existing = _existing_by_email(
        [group.values.email_key for group in groups if group.values.email], project=project
    )
    labels = {attribute.key: attribute.label for attribute in attributes}
    planned: list[PlannedParticipant] = []
    kept_flag: list[str] = []
    for group in groups:
        values = group.values
        attribute_display = tuple(
            (labels[key], _display_value(value)) for key, value in values.attributes.items()
        )
        identity = existing.get(values.email_key) if values.email else None
        if identity is None:
            planned.append(
                PlannedParticipant(
                    rows=tuple(group.rows), values=values, attribute_display=attribute_display
                )
            )
            continue
        participant = identity.participant
        open_updates, identity_updates = merge_updates(participant, identity, values)
        if values.do_not_contact is False and participant.do_not_contact:
            kept_flag.append(participant.pseudonym)
        planned.append(
            PlannedParticipant(
                rows=tuple(group.rows),
                values=values,
                existing_id=participant.pk,
                existing_pseudonym=participant.pseudonym,
                enrolled_already=bool(getattr(identity, "enrolled", False)),
                flagged_do_not_contact=participant.do_not_contact,
                changes=tuple(
                    FIELD_WORDS.get(name, name.replace("_", " "))
                    for name in (*identity_updates, *open_updates)
                ),
                attribute_display=attribute_display,
            )
        )
    warnings = []
    if kept_flag:
        verb = "are" if len(kept_flag) > 1 else "is"
        warnings.append(
            f"{', '.join(kept_flag)} {verb} marked do-not-contact; an import does not lift "
            "that flag (a researcher can, on the participant's page)."
        )
    return planned, warnings


def _existing_by_email(
    email_keys: Sequence[str], *, project: ResearchProject | None
) -> dict[str, ParticipantIdentity]:
    """Identities (with their participant, and whether they are in the study) in one query.

    Only compared with the file to say what a merge changes; nothing read here is displayed.
    """
    if not email_keys:
        return {}
    identities = (
        ParticipantIdentity.objects.select_related("participant")
        .annotate(email_key=Lower("email"))
        .filter(email_key__in=set(email_keys))
    )
    if project is not None:
        identities = identities.annotate(
            enrolled=Exists(
                Enrollment.objects.filter(
                    project=project, participant_id=OuterRef("participant_id")
                )
            )
        )
    return {identity.email.lower(): identity for identity in identities}


def merge_updates(
    participant: Participant, identity: ParticipantIdentity | None, values: ParticipantValues
) -> tuple[dict[str, object], dict[str, str]]:
    """What a file's values change on an existing participant: (open fields, identity fields).

    A value the file leaves empty never blanks a stored one, an e-mail that differs only in case
    is the same address, and do-not-contact can be set but never lifted by an import.
    """
    open_updates: dict[str, object] = {
        name: getattr(values, name)
        for name in OPEN_FIELDS
        if getattr(values, name) and getattr(values, name) != getattr(participant, name)
    }
    if values.do_not_contact and not participant.do_not_contact:
        open_updates["do_not_contact"] = True
    identity_updates: dict[str, str] = {}
    for name in IDENTITY_FIELDS:
        new = getattr(values, name)
        old = getattr(identity, name) if identity is not None else ""
        if not new or new == old or (name == "email" and new.lower() == old.lower()):
            continue
        identity_updates[name] = new
    return open_updates, identity_updates


def _display_value(value: AttributeParsed) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
