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

One module per step: reading.py, columns.py (the columns a file may have), validating.py,
writing.py, uploads.py. Callers import from this package.
"""

from interviews.importers.participants.columns import (
    COLUMNS,
    IDENTITY_FIELDS,
    OPEN_FIELDS,
    ColumnHelp,
    ColumnSpec,
    column_help,
    template_rows,
)
from interviews.importers.participants.reading import (
    ALLOWED_EXTENSIONS,
    NOT_A_WORKBOOK,
    CellValue,
    ImportFileError,
    ImportTable,
    ParticipantImportError,
    SourceRow,
    cell_text,
    check_filename,
    check_size,
    file_extension,
    format_size,
    read_rows,
)
from interviews.importers.participants.uploads import (
    UPLOAD_DIR,
    UPLOAD_GONE,
    is_upload_token,
    upload_delete,
    upload_path,
    upload_read,
    upload_save,
)
from interviews.importers.participants.validating import (
    MAX_LISTED_ERRORS,
    Action,
    AttributeParsed,
    ColumnMatch,
    ImportPlan,
    ParticipantValues,
    PlannedParticipant,
    RowError,
    merge_updates,
    validate_rows,
)
from interviews.importers.participants.writing import (
    NEW_DO_NOT_CONTACT_REASON,
    ImportResult,
    import_plan_apply,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "Action",
    "AttributeParsed",
    "COLUMNS",
    "CellValue",
    "ColumnHelp",
    "ColumnMatch",
    "ColumnSpec",
    "IDENTITY_FIELDS",
    "ImportFileError",
    "ImportPlan",
    "ImportResult",
    "ImportTable",
    "MAX_LISTED_ERRORS",
    "NEW_DO_NOT_CONTACT_REASON",
    "NOT_A_WORKBOOK",
    "OPEN_FIELDS",
    "ParticipantImportError",
    "ParticipantValues",
    "PlannedParticipant",
    "RowError",
    "SourceRow",
    "UPLOAD_DIR",
    "UPLOAD_GONE",
    "cell_text",
    "check_filename",
    "check_size",
    "column_help",
    "file_extension",
    "format_size",
    "import_plan_apply",
    "is_upload_token",
    "merge_updates",
    "read_rows",
    "template_rows",
    "upload_delete",
    "upload_path",
    "upload_read",
    "upload_save",
    "validate_rows",
]
