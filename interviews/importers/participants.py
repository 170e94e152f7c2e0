"""Participant import from CSV and xlsx files: reader → validator → maker.

1. read_rows(filename, data) turns the bytes of a .csv or .xlsx file into an ImportTable (a header
   and the non-empty rows, each with the row number the user sees in their spreadsheet), or raises
   ImportFileError saying what is wrong with the file as a whole.
2. validate_rows(table, project=...) matches the header to fields, checks every row, looks up the
   participants who already exist by e-mail (one query) and returns an ImportPlan: what happens to
   each person, with every row error and warning. It only reads.
3. import_plan_apply(plan=..., project=..., by=...) writes a plan without errors, all or nothing.

Between the preview and the confirmation the uploaded bytes wait in default_storage under
participant-imports/<uuid4>.<ext> (upload_save / upload_read / upload_delete); the confirmation
reads and validates them again rather than trusting anything the browser sends back.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from cxresearch.lib.text import name_problem, text_problem
from interviews import services
from interviews.access import participants_out_of_reach
from interviews.audit import audit
from interviews.models import (
    AuditEvent,
    CompanySize,
    Deployment,
    Enrollment,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    Region,
    ResearchProject,
    Segment,
    Tier,
)

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
UPLOAD_DIR = "participant-imports"
# Errors beyond this many are counted, not listed: a wrong file can produce thousands.
MAX_LISTED_ERRORS = 200

# A cell as the readers hand it over: always str for CSV; openpyxl also gives numbers and dates.
CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
AttributeParsed = str | float | dt.date


class ParticipantImportError(ValueError):
    """The import cannot go ahead. The message is shown to the user as-is."""


class ImportFileError(ParticipantImportError):
    """The file as a whole cannot be read: wrong type, empty, too big, undecodable."""


# --- 1. Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    number: int  # the spreadsheet's row number: the header is usually row 1
    cells: tuple[CellValue, ...]


@dataclass(frozen=True)
class ImportTable:
    filename: str
    headers: tuple[str, ...]
    rows: tuple[SourceRow, ...]
    description: str  # how the file was read, e.g. "CSV, Windows-1252, separated by semicolons"


_MB = 1024 * 1024
# An .xlsx is a ZIP of XML that openpyxl reads at about 1 MB a second, and holds its shared
# strings in memory: refuse, before opening it, what no participant list needs. 5,000 people
# in 20 columns unpack to about 6 MB and 100,000 cells; a 278 KB file once unpacked to 135 MB
# and took 27 s.
_MAX_UNPACKED_BYTES = 16 * _MB
_MAX_CELLS = 200_000
_MAX_TAGS = 1_500_000  # "<" in the XML: empty rows and cells cost time too
_MAX_COLUMNS = 200
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
# The column letters of a cell's reference: <c r="AB12" …>.
_CELL_COLUMN = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\br=\"([A-Z]{1,3})[0-9]+\"")

# Files that are plainly not CSV, recognised by their first bytes.
_BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "an Excel workbook, Word document or other ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}

NOT_A_WORKBOOK = (
    "This is not an Excel workbook: it could not be opened as an .xlsx file. "
    "Open it in Excel and save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”."
)


def file_extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def check_filename(filename: str) -> None:
    """Raise ImportFileError unless the name ends in .csv or .xlsx."""
    extension = file_extension(filename)
    if extension in ALLOWED_EXTENSIONS:
        return
    if extension == ".xls":
        raise ImportFileError(
            "This is an old Excel .xls file. Open it in Excel and save it as "
            "“Excel Workbook (.xlsx)” or “CSV UTF-8”, then upload that."
        )
    kind = f"a {extension} file" if extension else "a file without an extension"
    raise ImportFileError(f"Only .csv and .xlsx files can be imported; this is {kind}.")


def format_size(size: int) -> str:
    if size >= _MB // 10:
        return f"{size / _MB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def check_size(size: int) -> None:
    if size == 0:
        raise ImportFileError("The file is empty: there is nothing to import.")
    limit = settings.PARTICIPANT_IMPORT_MAX_BYTES
    if size > limit:
        size_text, limit_text = format_size(size), format_size(limit)
        if size_text == limit_text:
            size_text = f"just over {limit_text}"
        raise ImportFileError(
            f"The file is {size_text}; files up to {limit_text} can be imported. "
            "Split it into smaller files."
        )


def read_rows(filename: str, data: bytes) -> ImportTable:
    """Read the first sheet of an .xlsx file, or a CSV file, into an ImportTable."""
    check_filename(filename)
    check_size(len(data))
    if file_extension(filename) == ".xlsx":
        return _read_xlsx(filename, data)
    text, encoding = _decode_csv(data)
    delimiter = _guess_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    description = f"CSV, {encoding}, separated by {_DELIMITER_NAMES[delimiter]}"
    try:
        return _build_table(filename, reader, description)
    except csv.Error as error:
        raise ImportFileError(
            f"The CSV file could not be read after line {reader.line_num} ({error})."
        ) from None


def _decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) and UTF-16 by BOM first, then Windows-1252 (Excel's default)."""
    for signature, description in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ImportFileError(
                f"This is not a CSV file: it looks like {description}. "
                "Save the spreadsheet as “CSV UTF-8” or “Excel Workbook (.xlsx)” and upload that."
            )
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, name in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CONTROL_CHARACTERS.search(text):
            break
        return text.removeprefix("\ufeff"), name
    raise ImportFileError(
        "This does not look like a CSV file: it contains bytes that are not text. "
        "Save the spreadsheet as “CSV UTF-8” or “Excel Workbook (.xlsx)” and upload that."
    )


def _guess_delimiter(text: str) -> str:
    """The separator that splits the header line into the most columns (comma on a tie).

    Excel writes ";" in locales that use the decimal comma; csv.Sniffer guesses from the whole
    sample and is easily fooled by commas inside names and numbers, so only the header decides.
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(
        _DELIMITER_NAMES, key=lambda delimiter: len(next(csv.reader([header], delimiter=delimiter)))
    )


def _read_xlsx(filename: str, data: bytes) -> ImportTable:
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            "This is not an Excel workbook in .xlsx format: it is an old .xls file or a "
            "password-protected workbook. Save it as “Excel Workbook (.xlsx)” without a password."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_workbook_size(archive)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError, zlib.error):
        raise ImportFileError(NOT_A_WORKBOOK) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many types for a damaged or foreign ZIP
        raise ImportFileError(NOT_A_WORKBOOK) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("The workbook has no worksheet to import.")
        sheet = workbook.worksheets[0]
        # Some tools write a wrong <dimension>; without it openpyxl reads every row there is.
        sheet.reset_dimensions()
        # Read one column past the limit: openpyxl pads every row to its widest cell, and a
        # single cell in column XFD would make each row 16,384 values long.
        rows = sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS + 1)
        cells = (tuple(_workbook_cell(value) for value in row) for row in rows)
        return _build_table(filename, _within_columns(cells), "Excel workbook")
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 — a damaged sheet fails while it is read
        raise ImportFileError(NOT_A_WORKBOOK) from None
    finally:
        workbook.close()


def _check_workbook_size(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would take too long or too much memory to read.

    Declared sizes bound what zipfile unpacks (it stops there and checks the CRC), so they are
    checked first; then the cells and tags of the XML are counted without parsing it.
    """
    too_big = (
        "The workbook unpacks to {size}, more than a participant list needs. Save just the "
        "participants' sheet as a new workbook, or as CSV."
    )
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > _MAX_UNPACKED_BYTES:
        raise ImportFileError(too_big.format(size=format_size(unpacked)))
    cells = tags = 0
    widest = b"A"
    for member in archive.infolist():
        if member.filename.endswith((".xml", ".rels")):
            xml = archive.read(member)
            cells += len(_CELL_TAG.findall(xml))
            tags += xml.count(b"<")
            if member.filename.startswith("xl/worksheets/"):
                # Letters of one length sort like their column numbers: "AB" < "AC" < "BA".
                widest = max([widest, *_CELL_COLUMN.findall(xml)], key=lambda c: (len(c), c))
    if cells > _MAX_CELLS or tags > _MAX_TAGS:
        raise ImportFileError(
            f"The workbook has more than {_MAX_CELLS:,} cells, more than a participant list "
            "needs. Save just the participants' sheet as a new workbook, or as CSV."
        )
    if column_index_from_string(widest.decode()) > _MAX_COLUMNS:
        raise ImportFileError(_TOO_MANY_COLUMNS)


_TOO_MANY_COLUMNS = (
    f"The workbook has cells beyond column {_MAX_COLUMNS}, more than a participant list "
    "needs. Save just the participants' columns as a new workbook, or as CSV."
)


def _workbook_cell(value: object) -> CellValue:
    """openpyxl's value as a CellValue: the rarer kinds (Decimal, formulas) as their text."""
    if value is None or isinstance(
        value, str | int | float | dt.datetime | dt.date | dt.time | dt.timedelta
    ):
        return value
    return str(value)


def _within_columns(rows: Iterable[Sequence[CellValue]]) -> Iterator[Sequence[CellValue]]:
    for row in rows:
        if len(row) > _MAX_COLUMNS and not _is_blank(row[_MAX_COLUMNS]):
            raise ImportFileError(_TOO_MANY_COLUMNS)
        if row.count(None) == len(row):  # the padded gaps of a sheet: fast, in C
            yield ()
            continue
        end = min(len(row), _MAX_COLUMNS)
        while end and row[end - 1] is None:  # the padding openpyxl added
            end -= 1
        yield row[:end]


def _build_table(
    filename: str, rows: Iterable[Sequence[CellValue]], description: str
) -> ImportTable:
    """Skip empty rows, take the first one as the header, stop at the row limit."""
    max_rows = settings.PARTICIPANT_IMPORT_MAX_ROWS
    headers: tuple[str, ...] | None = None
    kept: list[SourceRow] = []
    for number, raw_cells in enumerate(rows, start=1):
        if not raw_cells:
            continue
        cells = tuple(cell.strip() if isinstance(cell, str) else cell for cell in raw_cells)
        if all(_is_blank(cell) for cell in cells):
            continue
        if headers is None:
            headers = tuple(cell_text(cell) for cell in cells)
            continue
        if len(kept) == max_rows:
            raise ImportFileError(
                f"The file has more than {max_rows:,} rows; import at most {max_rows:,} "
                "participants at a time. Split it into smaller files."
            )
        kept.append(SourceRow(number=number, cells=cells))
    if headers is None:
        raise ImportFileError("The file is empty: there is nothing to import.")
    if not kept:
        raise ImportFileError(
            "The file has a header row but no rows to import: add one participant per row."
        )
    return ImportTable(
        filename=filename, headers=headers, rows=tuple(kept), description=description
    )


def _is_blank(cell: CellValue) -> bool:
    return cell is None or (isinstance(cell, str) and not cell)


def cell_text(cell: CellValue) -> str:
    """A cell as text: 12.0 → "12", a midnight datetime → "2026-03-31", True → "yes"."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time():
            return cell.date().isoformat()
        return cell.isoformat(sep=" ", timespec="minutes")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


# --- 2. Validating ------------------------------------------------------------------------------


def _normalise_header(header: str) -> str:
    """ "E-mail Address" → "emailaddress": case, spaces, underscores, hyphens and dots ignored."""
    return re.sub(r"[\s_\-.]+", "", header.casefold())


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    description: str
    aliases: tuple[str, ...] = ()
    choices: type[models.TextChoices] | None = None
    max_length: int | None = None


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "name",
        "Full name. Or give “first name” and “last name” columns.",
        ("fullname", "participantname", "participant", "contactname"),
        max_length=200,
    ),
    ColumnSpec(
        "email",
        "E-mail address. Someone already in the pool with this address (in any case) is "
        "updated rather than added twice.",
        ("emailaddress", "mail", "workemail"),
        max_length=254,
    ),
    ColumnSpec(
        "company",
        "Company or organisation.",
        ("companyname", "organisation", "organization", "account", "accountname"),
        max_length=200,
    ),
    ColumnSpec("job_title", "Job title.", ("title", "position"), max_length=200),
    ColumnSpec(
        "kind",
        "customer or internal; empty means customer.",
        ("type", "participantkind", "participanttype"),
        choices=Participant.Kind,
    ),
    ColumnSpec("persona", "Role or persona, e.g. DevOps lead.", ("role",), max_length=120),
    ColumnSpec("segment", "", ("customersegment",), choices=Segment),
    ColumnSpec("region", "", choices=Region),
    ColumnSpec("tier", "", ("plan", "subscription"), choices=Tier),
    ColumnSpec("deployment", "", ("deploymenttype", "hosting"), choices=Deployment),
    ColumnSpec("company_size", "", ("size", "employees", "numberofemployees"), choices=CompanySize),
    ColumnSpec(
        "do_not_contact",
        "yes or no (also true/false, 1/0); empty means no. An import never lifts the flag.",
        ("dnc", "optout", "optedout"),
    ),
)
# Combined into "name" when the file has no name column: CRM exports split names.
_NAME_PARTS = {
    "first_name": ("firstname", "givenname", "forename"),
    "last_name": ("lastname", "surname", "familyname"),
}
IDENTITY_FIELDS = ("name", "email", "company", "job_title")
# Shown as names: text-direction controls are refused in these (cxresearch.lib.text).
_NAME_COLUMNS = frozenset({"name", "first_name", "last_name", "company", "job_title"})
OPEN_FIELDS = ("kind", "persona", "segment", "region", "tier", "deployment", "company_size")
_FIELD_WORDS = {"job_title": "job title", "company_size": "company size", "email": "e-mail"}

_TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x"})
_FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})
# "1,234" and "1,234,567.5" use commas as thousands separators; "12,5" is a decimal comma.
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


@dataclass(frozen=True)
class ColumnHelp:
    """One line of the upload page's explanation of the columns."""

    name: str
    description: str


def column_help(attributes: Sequence[ProjectAttribute] = ()) -> list[ColumnHelp]:
    lines = []
    for spec in COLUMNS:
        description = spec.description
        if spec.choices is not None and not description:
            description = "One of " + ", ".join(
                f"{value} ({label})" for value, label in spec.choices.choices
            )
            description += "; the value or the label."
        lines.append(ColumnHelp(spec.key, description))
    for attribute in attributes:
        description = f"{attribute.label} ({attribute.get_kind_display().lower()})"
        if attribute.kind == ProjectAttribute.Kind.CHOICE:
            description += ": one of " + ", ".join(attribute.choices)
        elif attribute.kind == ProjectAttribute.Kind.DATE:
            description += ", e.g. 2026-03-31"
        lines.append(ColumnHelp(attribute.key, description + "."))
    return lines


def template_rows(attributes: Sequence[ProjectAttribute] = ()) -> list[list[str]]:
    """A header row and one example row, for the template the upload page offers."""
    header = [spec.key for spec in COLUMNS] + [attribute.key for attribute in attributes]
    example = [
        "Jane Doe",
        "jane.doe@example.com",
        "Acme Corp",
        "Head of Platform",
        Participant.Kind.CUSTOMER,
        "DevOps lead",
        Segment.LARGE,
        Region.EMEA,
        Tier.PREMIUM,
        Deployment.SELF_MANAGED,
        CompanySize.SIZE_1001_5000,
        "no",
    ]
    samples: dict[str, str] = {
        ProjectAttribute.Kind.TEXT: "example",
        ProjectAttribute.Kind.NUMBER: "12",
        ProjectAttribute.Kind.DATE: "2026-03-31",
    }
    for attribute in attributes:
        if attribute.kind == ProjectAttribute.Kind.CHOICE:
            example.append(attribute.choices[0] if attribute.choices else "")
        else:
            example.append(samples.get(attribute.kind, ""))
    return [header, [str(value) for value in example]]


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
        return _FIELD_WORDS.get(self.key, self.key.replace("_", " "))


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
    for key, aliases in _NAME_PARTS.items():
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
            if any(
                index < len(row.cells) and not _is_blank(row.cells[index]) for row in table.rows
            ):
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
        row.number for row in table.rows if any(not _is_blank(cell) for cell in row.cells[width:])
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
                    _FIELD_WORDS.get(name, name.replace("_", " "))
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


# --- 3. Writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    merged: int
    enrolled: int
    project: ResearchProject | None
    # Existing participants whose record the importer may not change (interviews.access):
    # enrolled as the file says, their fields left as they were.
    left_unchanged: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.merged

    @property
    def summary(self) -> str:
        """E.g. "Imported 42 participants: 39 new, 3 merged with existing ones; 42 enrolled in …"""
        plural = "" if self.total == 1 else "s"
        text = (
            f"Imported {self.total} participant{plural}: {self.created} new, "
            f"{self.merged} merged with existing ones"
        )
        if self.project is not None:
            text += f"; {self.enrolled} enrolled in {self.project.title}"
            if already := self.total - self.enrolled:
                text += f" ({already} {'was' if already == 1 else 'were'} already in it)"
        text += "."
        if self.left_unchanged:
            text += (
                f" Not updated, because they are also in studies you are not a member of: "
                f"{', '.join(self.left_unchanged)}."
            )
        return text


NEW_DO_NOT_CONTACT_REASON = "Marked do-not-contact in a participant import"


def import_plan_apply(
    *, plan: ImportPlan, project: ResearchProject | None, by: User
) -> ImportResult:
    """Write a plan without errors in one transaction, or raise ParticipantImportError."""
    if plan.errors or not plan.participants:
        raise ParticipantImportError("This file has errors; fix them and upload it again.")
    plan_project_id = plan.project.pk if plan.project is not None else None
    if plan_project_id != (project.pk if project is not None else None):
        raise ValueError("The plan was made for another study.")
    try:
        return _apply(plan=plan, project=project, by=by)
    except IntegrityError:
        raise ParticipantImportError(
            "While you were importing, someone else added a participant with one of these "
            "e-mail addresses. Nothing was imported: upload the file again to see what changed."
        ) from None


@transaction.atomic
def _apply(*, plan: ImportPlan, project: ResearchProject | None, by: User) -> ImportResult:
    """1. Lock the participants to merge into, in id order, so two overlapping imports queue.
    2. Create the new participants in one go (services.participants_create_bulk: numbered in
       the file's order); update the existing ones' changed fields only (update_fields).
    3. In a study: enroll each participant once as identified (services.enrollments_create_bulk),
       and set the attribute values the file gives (an empty cell keeps a stored value).
    4. Record one audit event for the import.
    """
    existing_ids = sorted(p.existing_id for p in plan.participants if p.existing_id is not None)
    locked = {
        participant.pk: participant
        for participant in Participant.objects.select_for_update()
        .filter(pk__in=existing_ids)
        .order_by("pk")
    }
    identities = {
        identity.participant_id: identity
        for identity in ParticipantIdentity.objects.select_for_update()
        .filter(participant_id__in=existing_ids)
        .order_by("pk")
    }
    for planned in plan.participants:
        if planned.existing_id is not None and planned.existing_id not in locked:
            raise ParticipantImportError(
                f"{planned.existing_pseudonym} was deleted while you were importing. "
                "Nothing was imported: upload the file again."
            )

    new_participants = services.participants_create_bulk(
        rows=[
            _new_participant_fields(planned.values)
            for planned in plan.participants
            if planned.existing_id is None
        ]
    )
    next_new = iter(new_participants)
    out_of_reach = participants_out_of_reach(by, existing_ids)
    left_unchanged: list[str] = []
    participants: list[Participant] = []  # in the plan's order
    for planned in plan.participants:
        if planned.existing_id is None:
            participants.append(next(next_new))
        else:
            participant = locked[planned.existing_id]
            if participant.pk in out_of_reach:
                if any(merge_updates(participant, identities.get(participant.pk), planned.values)):
                    left_unchanged.append(participant.pseudonym)
            else:
                _merge(participant, identities.get(participant.pk), planned.values)
            participants.append(participant)
    created = len(new_participants)
    merged = len(participants) - created

    enrolled = 0
    if project is not None:
        attributes = {attribute.key: attribute for attribute in plan.attributes}
        enrollments = services.enrollments_create_bulk(project=project, participants=participants)
        # One query for every stored value, so attribute_values_set need not read them per row.
        models.prefetch_related_objects(
            [enrollment for enrollment, _created in enrollments], "attribute_values"
        )
        for planned, (enrollment, was_created) in zip(plan.participants, enrollments, strict=True):
            enrolled += was_created
            if planned.values.attributes:
                services.attribute_values_set(
                    enrollment=enrollment,
                    values={
                        attributes[key]: value for key, value in planned.values.attributes.items()
                    },
                )
    where = f"into study {project.slug}" if project is not None else "into the participant pool"
    audit(
        by,
        AuditEvent.Action.PARTICIPANTS_IMPORTED,
        project=project,
        detail=f"{created} new, {merged} merged {where} from {plan.filename}",
    )
    return ImportResult(
        created=created,
        merged=merged,
        enrolled=enrolled,
        project=project,
        left_unchanged=tuple(left_unchanged),
    )


def _new_participant_fields(values: ParticipantValues) -> tuple[dict[str, object], dict[str, str]]:
    """(open fields, personal data) of a new participant, for services.participants_create_bulk."""
    open_fields: dict[str, object] = {
        name: getattr(values, name) for name in OPEN_FIELDS if getattr(values, name)
    }
    open_fields["do_not_contact"] = bool(values.do_not_contact)
    open_fields["do_not_contact_reason"] = (
        NEW_DO_NOT_CONTACT_REASON if values.do_not_contact else ""
    )
    return open_fields, {name: getattr(values, name) for name in IDENTITY_FIELDS}


def _merge(
    participant: Participant, identity: ParticipantIdentity | None, values: ParticipantValues
) -> None:
    open_updates, identity_updates = merge_updates(participant, identity, values)
    if open_updates:
        for name, value in open_updates.items():
            setattr(participant, name, value)
        if open_updates.get("do_not_contact") and not participant.do_not_contact_reason:
            participant.do_not_contact_reason = NEW_DO_NOT_CONTACT_REASON
            open_updates["do_not_contact_reason"] = participant.do_not_contact_reason
        participant.save(update_fields=list(open_updates))
    if identity_updates:
        if identity is None:
            ParticipantIdentity.objects.create(participant=participant, **identity_updates)
            return
        for name, value in identity_updates.items():
            setattr(identity, name, value)
        identity.save(update_fields=list(identity_updates))


# --- Waiting between preview and confirmation ------------------------------------------------

_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

UPLOAD_GONE = (
    "The uploaded file is no longer available: it was already imported, or it expired. "
    "Nothing was imported; upload the file again."
)


def is_upload_token(token: str) -> bool:
    """A canonical uuid4, so a token can never name another path in storage."""
    return _TOKEN.fullmatch(token) is not None


def upload_path(token: str, filename: str) -> str:
    if not is_upload_token(token):
        raise ImportFileError(UPLOAD_GONE)
    check_filename(filename)
    return f"{UPLOAD_DIR}/{token}{file_extension(filename)}"


def upload_save(*, filename: str, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; return its token."""
    token = str(uuid.uuid4())
    path = upload_path(token, filename)
    saved = default_storage.save(path, ContentFile(data))
    if saved != path:  # a storage that renamed the file would lose it; a uuid4 never clashes
        default_storage.delete(saved)
        raise ImportFileError("The file could not be stored for the import; please try again.")
    return token


def upload_read(token: str, filename: str) -> bytes:
    path = upload_path(token, filename)
    if not default_storage.exists(path):
        raise ImportFileError(UPLOAD_GONE)
    with default_storage.open(path, "rb") as stored:
        data = stored.read()
    return data if isinstance(data, bytes) else data.encode()


def upload_delete(token: str, filename: str) -> None:
    try:
        path = upload_path(token, filename)
    except ImportFileError:
        return
    default_storage.delete(path)
