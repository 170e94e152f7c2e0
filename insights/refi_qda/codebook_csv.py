"""Codebooks as CSV, for tools that exchange codebooks only that way (Taguette among them).

One row per code: its full path ("Onboarding/Setup friction"), description and colour. A "/"
inside a code's own name is written "\\/" (and "\\" as "\\\\"), so the path splits back
into the same names. Import reads the columns by header (code/path/tag/name, description/
definition, colour/color), parents before or after their children, and adds the codes to a
study's codebook in one transaction through insights.refi_qda.importer.codes_create.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings

from insights.models import Code
from insights.refi_qda.importer import CodebookImportResult, codebook_apply
from insights.refi_qda.parser import ParsedCode, ParsedProject
from insights.refi_qda.reader import ImportFileError, ImportSummary
from insights.refi_qda.rows import code_description
from interviews.models import ResearchProject

HEADER = ("Code", "Description", "Colour")
PATH_HEADERS = {"code", "path", "tag", "name", "code path"}
DESCRIPTION_HEADERS = {"description", "definition", "memo"}
COLOUR_HEADERS = {"colour", "color"}
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("/", "\\/")


def _split(path: str) -> list[str]:
    names, current, escaped = [], [], False
    for character in path:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "/":
            names.append("".join(current))
            current = []
        else:
            current.append(character)
    names.append("".join(current))
    return [" ".join(name.split()) for name in names if name.strip()]


def _safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _unsafe_cell(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def codebook_csv(codes: list[Code]) -> bytes:
    """The codebook as UTF-8 CSV (with a BOM, so spreadsheets read it as UTF-8), parents first."""
    from insights.codebook import code_tree

    by_id = {code.pk: code for code in codes}
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in code_tree(codes):
        path, seen = [], set()
        code: Code | None = row.code
        while code is not None and code.pk not in seen:
            seen.add(code.pk)
            path.append(_escape(code.name))
            code = by_id.get(code.parent_id) if code.parent_id else None
        writer.writerow(
            [
                _safe_cell("/".join(reversed(path))),
                _safe_cell(code_description(row.code)),
                row.code.colour,
            ]
        )
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def _column(header: list[str], names: set[str]) -> int | None:
    for index, cell in enumerate(header):
        if cell.strip().lstrip("\ufeff").casefold() in names:
            return index
    return None


def parse_codebook_csv(data: bytes, *, filename: str, summary: ImportSummary) -> ParsedProject:
    if len(data) > settings.CODEBOOK_IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"{filename}: the file is {len(data):,} bytes, over the limit of "
            f"{settings.CODEBOOK_IMPORT_MAX_BYTES:,} for codebooks."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        summary.warn("The file is not UTF-8; it was read as Windows-1252.")
    if "\0" in text:
        raise ImportFileError(f"{filename}: this is not a CSV file (it holds NUL bytes).")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        table = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise ImportFileError(f"{filename}: the CSV cannot be read ({error}).") from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ImportFileError(f"{filename}: the file is empty.")
    header = table[0]
    path_column = _column(header, PATH_HEADERS)
    if path_column is None:
        raise ImportFileError(
            f"{filename}: no column is headed Code (or Path, Tag, Name); the first row must "
            "name the columns, e.g. Code,Description,Colour."
        )
    description_column = _column(header, DESCRIPTION_HEADERS)
    colour_column = _column(header, COLOUR_HEADERS)

    def cell(row: list[str], index: int | None) -> str:
        return _unsafe_cell(row[index].strip()) if index is not None and index < len(row) else ""

    parsed = ParsedProject(name="", description="", origin="csv")
    by_path: dict[tuple[str, ...], ParsedCode] = {}
    for number, row in enumerate(table[1:], start=2):
        names = _split(cell(row, path_column))
        if not names:
            summary.drop("Rows without a code", f"row {number}")
            continue
        for depth in range(1, len(names) + 1):
            path = tuple(name.casefold() for name in names[:depth])
            if path in by_path:
                continue
            parent = by_path.get(path[:-1])
            code = ParsedCode(
                guid=f"csv-{number}-{depth}",
                name=names[depth - 1],
                colour="",
                description="",
                parent_guid=parent.guid if parent else None,
            )
            by_path[path] = code
            parsed.codes.append(code)
        code = by_path[tuple(name.casefold() for name in names)]
        code.description = cell(row, description_column)
        code.colour = cell(row, colour_column)
    if not parsed.codes:
        raise ImportFileError(f"{filename}: the file lists no codes.")
    return parsed


def codebook_import_csv(
    *, project: ResearchProject, data: bytes, filename: str
) -> CodebookImportResult:
    """Add the codes of a CSV codebook to a study's codebook, in one transaction."""
    summary = ImportSummary()
    parsed = parse_codebook_csv(data, filename=filename, summary=summary)
    return codebook_apply(project=project, parsed=parsed, summary=summary)
