"""The floor of the spreadsheet export: the export's own Quotes cells, prepared beforehand and
written by a bare openpyxl write-only loop.

`prepare` (untimed) turns the Quotes rows into exactly the cells the export's writer gives
openpyxl (insights.exports.writer.row_converter): per row, the plain values, None where the
export leaves a cell empty, and each styled cell as (column, style, value, data type).
`write` (timed) does what any write-only workbook of those cells must do: the same widths,
frozen pane, bold header and autofilter; per styled cell a WriteOnlyCell with the same
alignment, quote prefix and number format (one per column and style, as openpyxl's
write-only mode allows), its value set through openpyxl; every row appended, the workbook
saved. The sheet it writes is the export's Quotes sheet byte for byte
(tests/test_bench.py), so the export's time over this floor's is its reading and row
building alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from insights.exports.writer import Column, Value, clean_text, row_converter

# (wrapped, vertical alignment, quote prefix, number format)
Style = tuple[bool, str | None, bool, str]


@dataclass(frozen=True)
class PreparedSheet:
    columns: Sequence[Column]
    # Per row: its plain values (None where a styled cell goes or nothing is written), and
    # its styled cells as (column index, style, value, data type).
    rows: list[tuple[list[Any], tuple[tuple[int, Style, Any, str], ...]]]


def _style(cell: Cell) -> Style:
    return (
        bool(cell.alignment.wrap_text),
        cell.alignment.vertical,
        bool(cell.quotePrefix),
        cell.number_format,
    )


def prepare(columns: Sequence[Column], rows: Iterable[Sequence[Value]]) -> PreparedSheet:
    scratch = Workbook(write_only=True).create_sheet("scratch")
    convert = row_converter(scratch, columns)
    prepared = []
    for row in rows:
        plain: list[Any] = []
        styled = []
        for index, cell in enumerate(convert(row)):
            if isinstance(cell, Cell):
                styled.append((index, _style(cell), cell.value, cell.data_type))
                plain.append(None)
            else:
                plain.append(cell)
        prepared.append((plain, tuple(styled)))
    return PreparedSheet(columns=columns, rows=prepared)


def write(sheet: PreparedSheet, out: IO[bytes], title: str = "Quotes") -> None:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title)
    for number, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(number)].width = column.width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(worksheet, value=clean_text(column.header))
        cell.font = bold
        cell.data_type = "s"
        header.append(cell)
    worksheet.append(header)
    cells: dict[tuple[int, Style], Cell] = {}
    for plain, styled in sheet.rows:
        for index, style, value, data_type in styled:
            if (index, style) not in cells:
                cells[(index, style)] = _styled_cell(worksheet, style)
            cell = cells[(index, style)]
            cell.value = value
            cell.data_type = data_type
            plain[index] = cell
        worksheet.append(plain)
    last = get_column_letter(max(1, len(sheet.columns)))
    worksheet.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    workbook.save(out)


def _styled_cell(worksheet: Any, style: Style) -> Cell:
    wrapped, vertical, quote_prefix, number_format = style
    cell = WriteOnlyCell(worksheet)
    if wrapped or vertical is not None:
        cell.alignment = Alignment(wrap_text=wrapped, vertical=vertical)
    if quote_prefix:
        cell.quotePrefix = True
    cell.number_format = number_format
    return cell
