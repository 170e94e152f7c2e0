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
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
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
# A .docx is a ZIP archive whose XML python-docx parses whole, into about ten times its size
# in memory: refuse, before parsing, what no transcript needs. A 40,000-word interview is
# about 0.3 MB of XML in 735 paragraphs (Word's own markup is a few times larger); a 614 KB
# file once unpacked to 199 MB of XML in 5.4 million paragraphs and took a worker to 2.5 GB.
_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # everything, images included
_MAX_XML_BYTES = 10 * 1024 * 1024
_MAX_PARAGRAPHS = 20_000
# python-docx reads each run's text with an XPath query that costs more the bigger the
# document: 30,000 runs take about a second, 120,000 about ten.
_MAX_RUNS = 40_000
_MAX_TAGS = 1_000_000  # "<" in the XML: every element costs memory, paragraph or not
_PARAGRAPH_TAG = re.compile(rb"<(?:[\w.-]+:)?p[\s/>]")
_RUN_TAG = re.compile(rb"<(?:[\w.-]+:)?r[\s/>]")


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
    # Declared sizes are what zipfile will unpack at most: it stops there and checks the CRC.
    if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED_BYTES:
        raise parse_error(filename, "this Word document is too large to import once unpacked.")
    xml_parts = [info for info in archive.infolist() if info.filename.endswith((".xml", ".rels"))]
    if sum(info.file_size for info in xml_parts) > _MAX_XML_BYTES:
        raise parse_error(
            filename,
            "this Word document holds far more text and markup than a transcript. "
            "Split it into smaller documents, or save it as plain text (.txt).",
        )
    paragraphs = runs = tags = 0
    for info in xml_parts:
        try:
            xml = archive.read(info)
        except _DAMAGED_PACKAGE_ERRORS:
            raise parse_error(
                filename, "this Word document is damaged and could not be read."
            ) from None
        paragraphs += len(_PARAGRAPH_TAG.findall(xml))
        runs += len(_RUN_TAG.findall(xml))
        tags += xml.count(b"<")
    if paragraphs > _MAX_PARAGRAPHS or runs > _MAX_RUNS or tags > _MAX_TAGS:
        raise parse_error(
            filename,
            f"this Word document has more than {_MAX_PARAGRAPHS:,} paragraphs, or more "
            "formatting than a transcript needs. Split it into smaller documents, or save it "
            "as plain text (.txt).",
        )


def _turns(document: Document) -> tuple[list[Turn], Metadata]:
    lines, headings = _paragraph_lines(document.paragraphs, _heading_styles(document))
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


def _paragraph_lines(
    paragraphs: Iterable[Paragraph], styles: _HeadingStyles
) -> tuple[list[str], list[str]]:
    """Lines for turn detection: a blank line after every Word paragraph, as in plain text.

    Line breaks inside a paragraph (Shift+Enter) become lines of their own, which turn detection
    joins back with a space unless one starts a turn. Headings are left out, and returned apart.
    """
    lines = []
    headings = []
    for paragraph in paragraphs:
        if styles.is_heading(paragraph):
            if heading := collapse_spaces(clean_text(paragraph.text).replace("\n", " ")):
                headings.append(heading)
            continue
        lines.extend(clean_text(_with_bold_label_marked(paragraph)).split("\n"))
        lines.append("")
    return lines, headings


@dataclass(frozen=True)
class _HeadingStyles:
    """Which paragraph styles are headings, read once per document.

    python-docx's paragraph.style scans every style of the document for each paragraph (to
    find the default): with the few hundred styles of Word's template that cost 4 ms a
    paragraph, and a file with thousands of styles could make one import take minutes.
    """

    by_id: dict[str, bool]
    default: bool  # a paragraph without a style, or with an unknown one, has the default

    def is_heading(self, paragraph: Paragraph) -> bool:
        style_id = paragraph._p.style
        return self.default if style_id is None else self.by_id.get(style_id, self.default)


def _heading_styles(document: Document) -> _HeadingStyles:
    styles = document.styles
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return _HeadingStyles(
        by_id={
            style.style_id: _is_heading_name(style.name or "")
            for style in styles
            if style.type == WD_STYLE_TYPE.PARAGRAPH
        },
        default=_is_heading_name(default.name or "") if default is not None else False,
    )


def _is_heading_name(style_name: str) -> bool:
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
