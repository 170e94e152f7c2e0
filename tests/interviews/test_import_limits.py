"""Uploads that unpack to far more than they weigh are refused before anything parses them.

A .docx and an .xlsx are ZIP archives of XML. The limits are checked on the archive's declared
sizes and on counts of tags in the raw XML, so each refusal here costs milliseconds; the figures
the limits were chosen by are in interviews/importers/transcripts/docx.py and
participants/reading.py.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from openpyxl import Workbook

from interviews.importers import participants as importer
from interviews.importers.participants import reading
from interviews.importers.transcripts import TranscriptParseError, parse_transcript
from interviews.importers.transcripts import docx as docx_module
from interviews.models import Participant, Session, Speaker, Transcript, Utterance
from interviews.transcripts import TranscriptImportError, transcript_import
from tests.factories import make_session

MAX_BYTES = 10 * 1024 * 1024


def word_document(body: bytes, *, extra_parts: dict[str, bytes] | None = None) -> bytes:
    """A real python-docx document whose <w:body> is replaced by `body`."""
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Ada: placeholder")
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                head = data.partition(b"<w:body>")[0]
                data = head + b"<w:body>" + body + b"</w:body></w:document>"
            archive.writestr(info.filename, data)
        for name, data in (extra_parts or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def paragraphs(count: int, *, runs: int = 1, text: bytes = b"w") -> bytes:
    run = b"<w:r><w:t>" + text + b"</w:t></w:r>"
    return (b"<w:p>" + run * runs + b"</w:p>") * count


def refusal(data: bytes) -> str:
    with pytest.raises(TranscriptParseError) as caught:
        parse_transcript("bomb.docx", data, max_bytes=MAX_BYTES)
    return str(caught.value)


# --- Word ---------------------------------------------------------------------------------------


def test_a_bomb_like_the_reported_one_is_refused_unparsed() -> None:
    # The reported one: 614 KB that unpacked to 199 MB of XML in 5.4 million paragraphs.
    data = word_document(paragraphs(1_600_000))  # 56 MB
    assert len(data) < 1024 * 1024
    assert "too large to import once unpacked" in refusal(data)


def test_more_xml_than_a_transcript_needs_is_refused() -> None:
    data = word_document(paragraphs(100, text=b"lorem ipsum " * 10_000))  # 12 MB of text
    assert "far more text and markup than a transcript" in refusal(data)


def test_too_many_paragraphs_are_refused() -> None:
    data = word_document(paragraphs(docx_module._MAX_PARAGRAPHS + 1))
    assert "more than 20,000 paragraphs" in refusal(data)


def test_too_many_runs_are_refused() -> None:
    data = word_document(paragraphs(10, runs=docx_module._MAX_RUNS // 10 + 1))
    assert "more formatting than a transcript needs" in refusal(data)


def test_paragraphs_hidden_in_another_part_count_too() -> None:
    # python-docx parses every XML part it loads, not just the document body.
    data = word_document(
        paragraphs(10), extra_parts={"word/footnotes.xml": b"<w:footnotes>" + paragraphs(20_001)}
    )
    assert "more than 20,000 paragraphs" in refusal(data)


def test_a_long_interview_within_the_limits_imports() -> None:
    text = b"we spent three weeks on the SAML set-up before anyone could log in. " * 3
    body = b"".join(
        b"<w:p><w:r><w:t>" + (b"Sam" if n % 2 else b"Ada") + b": " + text + b"</w:t></w:r></w:p>"
        for n in range(3000)
    )
    parsed = parse_transcript("long.docx", word_document(body), max_bytes=MAX_BYTES)
    assert len(parsed.utterances) == 3000
    assert parsed.speakers == ["Ada", "Sam"]


def test_a_refused_document_leaves_nothing_behind(project) -> None:
    session: Session = make_session(project)
    before = [m.objects.count() for m in (Transcript, Speaker, Utterance)]
    with pytest.raises(TranscriptImportError, match="paragraphs"):
        transcript_import(
            session=session,
            filename="bomb.docx",
            data=word_document(paragraphs(20_001)),
            by=None,
        )
    assert [m.objects.count() for m in (Transcript, Speaker, Utterance)] == before


# --- Excel --------------------------------------------------------------------------------------


def workbook(rows: list[list[object]], **cells: str) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    for reference, value in cells.items():
        sheet[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_refusal(data: bytes) -> str:
    with pytest.raises(importer.ImportFileError) as caught:
        importer.read_rows("people.xlsx", data)
    return str(caught.value)


def test_a_workbook_that_unpacks_past_the_limit_is_refused() -> None:
    # A shared-strings part of 20 MB of one repeated letter compresses to a few kilobytes.
    data = workbook([["name"], ["Ada"]])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
            archive.writestr(info.filename, zipfile.ZipFile(io.BytesIO(data)).read(info))
        archive.writestr("xl/padding.xml", b"<x>" + b"a" * (20 * 1024 * 1024) + b"</x>")
    assert len(out.getvalue()) < 100 * 1024
    assert "unpacks to 20 MB" in xlsx_refusal(out.getvalue())


def with_sheet(data: bytes, sheet_data: bytes) -> bytes:
    """The workbook with its first sheet's <sheetData> replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = part.partition(b"<sheetData>")
                part = (
                    head
                    + b"<sheetData>"
                    + sheet_data
                    + b"</sheetData>"
                    + rest.partition(b"</sheetData>")[2]
                )
            archive.writestr(info.filename, part)
    return out.getvalue()


def test_a_workbook_with_too_many_cells_is_refused() -> None:
    row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 100 + b"</row>"
    data = with_sheet(workbook([["name"]]), row * (reading._MAX_CELLS // 100 + 1))
    assert "more than 200,000 cells" in xlsx_refusal(data)


def test_a_workbook_of_empty_rows_is_refused() -> None:
    data = with_sheet(workbook([["name"]]), b"<row/>" * 1_600_000)
    assert "more than 200,000 cells" in xlsx_refusal(data)


def test_a_cell_far_to_the_right_is_refused() -> None:
    # openpyxl pads every row to the widest cell: one cell in column XFD made each of 3,000
    # rows 16,384 values long (11 s, 450 MB).
    data = workbook([["name", "email"], ["Ada", "ada@x.com"]], XFD3="far")
    assert "beyond column 200" in xlsx_refusal(data)


def test_rows_far_down_the_sheet_are_read_without_padding() -> None:
    table = importer.read_rows(
        "people.xlsx", workbook([["name", "email"], ["Ada", "ada@x.com"]], B1048576="x")
    )
    assert table.headers == ("name", "email")
    assert [row.number for row in table.rows] == [2, 1_048_576]


def test_a_refused_workbook_adds_no_one(lead_client, project) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    before = Participant.objects.count()
    upload = SimpleUploadedFile("people.xlsx", workbook([["name"], ["Ada"]], XFD2="far"))
    response = lead_client.post(
        reverse("interviews:project-participant-import", args=[project.slug]),
        {"step": "preview", "file": upload},
    )
    assert "beyond column 200" in response.content.decode()
    assert Participant.objects.count() == before
