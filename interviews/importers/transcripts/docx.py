"""Word (.docx) transcripts, read with python-docx.

Two layouts are common:
  - paragraphs that start with a speaker label ("Jane Doe: …", often with the name in bold),
    read with the same turn detection as plain text;
  - a table with a speaker column, a text column and optionally a time column.

Which one a document uses: a table with a recognisable header row ("Speaker | Time | Text", any
order) wins. Otherwise paragraphs with speaker labels win. Otherwise a header-less table of two
(speaker, text) or three (speaker, time, text) columns whose first column holds names is used.
Otherwise every paragraph becomes a speakerless utterance. When a table is used, the text outside
transcript tables (title, notes) is left out.

Otter.ai's Word export is the paragraph layout: a paragraph with the speaker's name in bold and
the time ("Jane Doe  0:03") opens each turn and the text follows in paragraphs of its own, after a
header (title, date, SUMMARY KEYWORDS, SPEAKERS) that becomes the transcript's metadata.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import docx
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from .base import (
    Metadata,
    ParsedTranscript,
    Turn,
    assemble_transcript,
    clean_text,
    collapse_spaces,
    parse_error,
    timestamp_to_ms,
)
from .turns import is_name_like, is_pseudonym_like, turns_from_lines

# Old .doc files, and .docx files saved with a password, are OLE compound files, not ZIP archives.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What zipfile, zlib, lxml and python-docx raise for a damaged or truncated package.
_DAMAGED_PACKAGE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # unknown ZIP version or compression method in a corrupted header
    RuntimeError,  # a ZIP entry flagged as encrypted
    KeyError,  # a part the package refers to is missing
    ValueError,
    PackageNotFoundError,
    etree.XMLSyntaxError,
)
# A .docx is a ZIP archive: refuse archives that would unpack to far more than any transcript.
_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


def parse_docx(filename: str, data: bytes) -> ParsedTranscript:
    document = _open_document(filename, data)
    turns, metadata = _turns(document)
    return assemble_transcript(filename, turns, format="docx", encoding="docx", metadata=metadata)


def _open_document(filename: str, data: bytes) -> Document:
    if data.startswith(_OLE_SIGNATURE):
        raise parse_error(
            filename,
            "this is an older Word document (.doc) or a password-protected one, which cannot be "
            "imported. Please open it in Word, save it as .docx without a password and upload "
            "that file.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED_PACKAGE_ERRORS:
        raise parse_error(
            filename,
            "this is not a valid Word (.docx) document. It may be damaged, "
            "or be another kind of file that was renamed to .docx.",
        ) from None
    with archive:
        # Outside the try: TranscriptParseError is a ValueError, which the try would swallow.
        _check_word_package(filename, archive)
    try:
        return docx.Document(io.BytesIO(data))
    except _DAMAGED_PACKAGE_ERRORS:
        raise parse_error(
            filename, "this Word document is damaged and could not be read."
        ) from None


def _check_word_package(filename: str, archive: zipfile.ZipFile) -> None:
    names = archive.namelist()
    if not any(name.startswith("word/") for name in names):
        if any(name.startswith("xl/") for name in names):
            kind = "an Excel workbook"
        elif any(name.startswith("ppt/") for name in names):
            kind = "a PowerPoint presentation"
        else:
            kind = "a ZIP archive"
        raise parse_error(filename, f"this is {kind}, not a Word document.")
    if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED_BYTES:
        raise parse_error(filename, "this Word document is too large to import once unpacked.")


def _turns(document: Document) -> tuple[list[Turn], Metadata]:
    lines, headings = _paragraph_lines(document.paragraphs)
    reading = turns_from_lines(lines)
    metadata = dict(reading.metadata)
    if headings:
        metadata.setdefault("title", headings[0])
    paragraph_turns = reading.turns
    tables = [table for table in map(_read_table, document.tables) if table is not None]

    tables_with_header = [table for table in tables if table.has_header_row]
    if tables_with_header:
        return [turn for table in tables_with_header for turn in table.turns], metadata
    if any(turn.speaker for turn in paragraph_turns) or not tables:
        return paragraph_turns, metadata
    return [turn for table in tables for turn in table.turns], metadata


# --- Paragraphs -------------------------------------------------------------------------------


def _paragraph_lines(paragraphs: Iterable[Paragraph]) -> tuple[list[str], list[str]]:
    """Lines for turn detection: a blank line after every Word paragraph, as in plain text.

    Line breaks inside a paragraph (Shift+Enter) become lines of their own, which turn detection
    joins back with a space unless one starts a turn. Headings are left out, and returned apart.
    """
    lines = []
    headings = []
    for paragraph in paragraphs:
        if _is_heading(paragraph):
            if heading := collapse_spaces(clean_text(paragraph.text).replace("\n", " ")):
                headings.append(heading)
            continue
        lines.extend(clean_text(_with_bold_label_marked(paragraph)).split("\n"))
        lines.append("")
    return lines, headings


def _is_heading(paragraph: Paragraph) -> bool:
    style_name = paragraph.style.name if paragraph.style is not None else ""
    return style_name.startswith(("Heading", "Title", "Subtitle"))


def _with_bold_label_marked(paragraph: Paragraph) -> str:
    """Paragraph text with a bold opening written as markdown bold: "**Jane Doe:** text".

    Turn detection then treats a bold name run exactly like a markdown bold label.
    """
    text = paragraph.text
    bold_opening = _leading_bold_text(paragraph).strip()
    if (
        not bold_opening
        or bold_opening == text.strip()
        or not text.lstrip().startswith(bold_opening)
    ):
        return text
    position = text.index(bold_opening)
    end = position + len(bold_opening)
    return f"{text[:position]}**{bold_opening}**{text[end:]}"


def _leading_bold_text(paragraph: Paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        if not run.bold and run.text.strip():
            break
        parts.append(run.text)
    return "".join(parts)


# --- Tables -----------------------------------------------------------------------------------

_HEADER_NAMES = {
    "speaker": {"speaker", "speaker name", "name", "participant", "person", "who"},
    "time": {"time", "timestamp", "time stamp", "start", "start time", "timecode", "time code"},
    "text": {
        "text",
        "transcript",
        "transcription",
        "utterance",
        "content",
        "dialogue",
        "dialog",
        "speech",
        "what was said",
        "comment",
        "comments",
        "message",
    },
}
# A header-less table is only taken for a transcript when most rows look like one.
_MIN_SHARE_OF_MATCHING_ROWS = 0.8


@dataclass(frozen=True)
class _Columns:
    speaker: int
    text: int
    time: int | None


@dataclass(frozen=True)
class _TranscriptTable:
    turns: list[Turn]
    has_header_row: bool


def _read_table(table: Table) -> _TranscriptTable | None:
    rows = [[_cell_text(cell) for cell in row.cells] for row in table.rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    header_columns = _columns_from_header(rows[0])
    if header_columns is not None:
        return _TranscriptTable(_turns_from_rows(rows[1:], header_columns), has_header_row=True)
    assumed_columns = _assumed_columns(rows)
    if assumed_columns is not None:
        return _TranscriptTable(_turns_from_rows(rows, assumed_columns), has_header_row=False)
    return None


def _cell_text(cell: _Cell) -> str:
    """Paragraphs in a cell stay paragraphs ("\\n"); line breaks inside one become spaces."""
    paragraphs = (collapse_spaces(clean_text(p.text).replace("\n", " ")) for p in cell.paragraphs)
    return "\n".join(paragraph for paragraph in paragraphs if paragraph)


def _columns_from_header(cells: Sequence[str]) -> _Columns | None:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = collapse_spaces(cell.strip().rstrip(":").casefold())
        for role, names in _HEADER_NAMES.items():
            if name in names:
                positions.setdefault(role, index)
    if "speaker" not in positions or "text" not in positions:
        return None
    return _Columns(positions["speaker"], positions["text"], positions.get("time"))


def _assumed_columns(rows: Sequence[Sequence[str]]) -> _Columns | None:
    width = len(rows[0])
    if width == 2:
        columns = _Columns(speaker=0, text=1, time=None)
    elif width == 3:
        columns = _Columns(speaker=0, text=2, time=1)
    else:
        return None
    if any(len(row) != width for row in rows):
        return None

    speakers = [_speaker(row, columns) for row in rows]
    # Pseudonyms ("p07", "user-3") count where they recur, as in text.
    names = sum(
        is_name_like(speaker) or (is_pseudonym_like(speaker) and speakers.count(speaker) >= 2)
        for speaker in speakers
    )
    times = sum(_time_ms(row, columns) is not None for row in rows)
    enough = _MIN_SHARE_OF_MATCHING_ROWS * len(rows)
    if names < enough or (columns.time is not None and times < enough):
        return None
    return columns


def _turns_from_rows(rows: Sequence[Sequence[str]], columns: _Columns) -> list[Turn]:
    needed_width = max(columns.speaker, columns.text, columns.time or 0) + 1
    return [
        Turn(_speaker(row, columns), row[columns.text], _time_ms(row, columns))
        for row in rows
        if len(row) >= needed_width
    ]


def _speaker(row: Sequence[str], columns: _Columns) -> str:
    return collapse_spaces(row[columns.speaker].replace("\n", " ")).removesuffix(":").strip()


def _time_ms(row: Sequence[str], columns: _Columns) -> int | None:
    if columns.time is None or not row[columns.time]:
        return None
    return timestamp_to_ms(row[columns.time])
