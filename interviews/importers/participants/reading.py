"""Reading a participant file: the bytes of a .csv or .xlsx file become an ImportTable (a header
and the non-empty rows, each with the row number the user sees), or an ImportFileError saying
what is wrong with the file as a whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

ALLOWED_EXTENSIONS = (".csv", ".xlsx")

# A cell as the readers hand it over: always str for CSV; openpyxl also gives numbers and dates.
CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


class ParticipantImportError(ValueError):
    """The import cannot go ahead. The message is shown to the user as-is."""


class ImportFileError(ParticipantImportError):
    """The file as a whole cannot be read: wrong type, empty, too big, undecodable."""


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
        if len(row) > _MAX_COLUMNS and not is_blank(row[_MAX_COLUMNS]):
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
        if all(is_blank(cell) for cell in cells):
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


def is_blank(cell: CellValue) -> bool:
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
