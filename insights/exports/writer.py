"""Writing sheets of plain values to an .xlsx workbook (openpyxl, write-only) or to CSV.

Memory stays flat whatever the row count: a write-only workbook streams each row to a
temporary file as it is appended, and the rows arrive from generators. The writer never
queries the database; it only formats.

Formula injection: a spreadsheet runs a cell that starts with "=", "+", "-", "@", a tab or a
carriage return as a formula (and Excel passes "=HYPERLINK(...)" clicks to the system), and
the app stores what people type verbatim, so such text is written as text: in the workbook
as a string cell marked "quote prefix" (Excel keeps it text even when it is edited), in CSV
with a leading apostrophe, the usual convention spreadsheets hide.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, TIME_FORMATS, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What clean_text removes (openpyxl's ILLEGAL_CHARACTERS_RE as one class: searched faster).
CONTROL_CHARACTER = re.compile("[\000-\010\013\014\016-\037]")
# The first characters of text that clean_text or is_formula_like could change or flag: a
# formula's, "#" (Excel's error codes) or a control character. Most text has none.
CAREFUL_START = frozenset("=+-@\t\r#") | frozenset(map(chr, range(32)))
# Excel's limit on one cell's text.
MAX_CELL_CHARS = 32_767

# Formats the writer sets by column kind. Dates and durations get, whatever their column,
# the formats openpyxl gives them, "yyyy-mm-dd" and "[hh]:mm:ss" (openpyxl.cell.cell.
# TIME_FORMATS), set once on a cell per column rather than by openpyxl on a new cell per value.
NUMBER_FORMATS = {"percent": "0%"}
WRAP = Alignment(wrap_text=True, vertical="top")

Value = str | int | float | dt.date | dt.timedelta | None
TIME_TYPES = frozenset(TIME_FORMATS)  # date, datetime, time, timedelta


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    # text (one line), wrap (wrapped when longer than the width or multi-line), date,
    # number, percent, duration
    kind: str = "text"


Rows = Iterable[Sequence[Value]]


@dataclass(frozen=True)
class Sheet:
    """A sheet's columns and rows, each row one value per column. Either may be given as a
    function, called when the writer reaches the sheet: a sheet can then summarise the rows
    of the sheets before it. Rows are read once, in order (a generator is fine)."""

    title: str
    columns: Sequence[Column] | Callable[[], Sequence[Column]]
    rows: Rows | Callable[[], Rows]

    def resolved(self) -> tuple[Sequence[Column], Rows]:
        columns = self.columns() if callable(self.columns) else self.columns
        rows = self.rows() if callable(self.rows) else self.rows
        return columns, rows


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) or text in ERROR_CODES


def clean_text(text: str) -> str:
    """Text a worksheet accepts: no control characters, at most Excel's cell length."""
    text = CONTROL_CHARACTER.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def csv_text(value: Value) -> str:
    """One CSV field: dates as ISO dates, durations as h:mm:ss, risky text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_START) else value
    return str(value)


def duration_text(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# --- .xlsx --------------------------------------------------------------------------------------


class CellSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, taking a styled cell as a cell at once.

    Its append sets each value on a plain cell and only when that raises (a cell is no
    value) takes the value as the cell: an exception, with the cell's repr formatted, for
    every styled cell, which costs more than writing it. Otherwise the same loop as
    openpyxl 3.1's `_values_to_row` (a hyperlinked cell is never given here).
    """

    def _values_to_row(self, values: Sequence[Any], row_idx: int) -> Iterator[Cell]:
        cell = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell is value or cell.has_style:
                cell = WriteOnlyCell(self)


def write_xlsx(sheets: Sequence[Sheet], out: IO[bytes]) -> dict[str, int]:
    """Write the sheets, in order, into one workbook; returns the data rows of each sheet.

    Every sheet gets a bold, frozen header row, an autofilter over its rows and the columns'
    widths; wrap columns wrap, dates are real dates, durations real durations.
    """
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for sheet in sheets:
        worksheet = CellSheet(parent=workbook, title=sheet.title)
        workbook._add_sheet(worksheet)  # type: ignore[attr-defined]  # create_sheet's own step
        counts[sheet.title] = _write_sheet(worksheet, sheet)
    workbook.save(out)
    return counts


def _write_sheet(worksheet: WriteOnlyWorksheet, sheet: Sheet) -> int:
    columns, rows = sheet.resolved()
    # Widths and panes must be set before the first row: write-only sheets stream.
    for number, column in enumerate(columns, start=1):
        # Write-only sheets have column dimensions and an autofilter; the stubs miss them.
        worksheet.column_dimensions[get_column_letter(number)].width = column.width  # type: ignore[attr-defined]
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(worksheet, value=clean_text(column.header))
        cell.font = bold
        cell.data_type = "s"
        header.append(cell)
    worksheet.append(header)
    convert = row_converter(worksheet, columns)
    append = worksheet.append
    count = 0
    for row in rows:
        append(convert(row))
        count += 1
    last = get_column_letter(max(1, len(columns)))
    worksheet.auto_filter.ref = f"A1:{last}{count + 1}"  # type: ignore[attr-defined]
    return count


def row_converter(
    worksheet: WriteOnlyWorksheet, columns: Sequence[Column]
) -> Callable[[Sequence[Value]], list[Any]]:
    """How a sheet's rows become what its append takes, one row at a time.

    Plain values pass through as they are, which is what openpyxl writes fastest; empty
    text becomes no cell; a styled cell is made only where the style shows: text that
    would run past its wrap column's width (or has a line break), a percentage,
    formula-like text. Each styled cell is created once per column, with its style set
    once, and reused for every row: a write-only sheet serialises each row as it is
    appended, before the next row changes the cell.
    """
    width = len(columns)
    # Dates and durations get the number format openpyxl would give them, set once.
    timed: list[dict[type, Any]] = [{} for _column in columns]
    wrap_after = [int(column.width) if column.kind == "wrap" else None for column in columns]
    wrapped: list[Any] = []
    guarded: list[Any] = []
    formatted: list[Any] = []
    for column, limit in zip(columns, wrap_after, strict=True):
        wrapped.append(WriteOnlyCell(worksheet))
        wrapped[-1].alignment = WRAP
        guarded.append(WriteOnlyCell(worksheet))
        guarded[-1].quotePrefix = True
        if limit is not None:
            guarded[-1].alignment = WRAP
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format is None:
            formatted.append(None)
        else:
            formatted.append(WriteOnlyCell(worksheet))
            formatted[-1].number_format = number_format

    def convert(row: Sequence[Value]) -> list[Any]:
        if len(row) != width:
            raise ValueError(f"A row of {len(row)} values for {width} columns.")
        cells: list[Any] = list(row)
        for index, value in enumerate(cells):
            if isinstance(value, str):
                if not value:
                    cells[index] = None  # an empty cell reads back as no value either way
                    continue
                if (
                    value[0] in CAREFUL_START
                    or len(value) > MAX_CELL_CHARS
                    or CONTROL_CHARACTER.search(value) is not None
                ):
                    value = cells[index] = clean_text(value)
                    if is_formula_like(value):
                        cell = guarded[index]
                        cell.value = value
                        cell.data_type = "s"  # openpyxl would read "=…" as a formula
                        cells[index] = cell
                        continue
                limit = wrap_after[index]
                if limit is not None and (len(value) > limit or "\n" in value):
                    cell = wrapped[index]
                    cell.value = value
                    cells[index] = cell
            elif value is None or isinstance(value, bool):
                continue
            elif formatted[index] is not None:
                cell = formatted[index]
                cell.value = value
                cells[index] = cell
            elif value.__class__ in TIME_TYPES:
                cell = timed[index].get(value.__class__)
                if cell is None:
                    cell = timed[index][value.__class__] = WriteOnlyCell(worksheet)
                    cell.number_format = TIME_FORMATS[value.__class__]
                cell.value = value
                cells[index] = cell
        return cells

    return convert


# --- CSV ----------------------------------------------------------------------------------------


def write_csv(sheet: Sheet, out: IO[bytes]) -> int:
    """One sheet as UTF-8 CSV with a BOM (so Excel reads it as UTF-8); returns its data rows."""
    columns, rows = sheet.resolved()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        text.write("\ufeff")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([csv_text(column.header) for column in columns])
        count = 0
        for row in rows:
            writer.writerow([csv_text(value) for value in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # the caller owns `out`
    return count
