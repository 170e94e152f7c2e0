"""Helpers for the transcript parser tests: parse from bytes or a fixture, read the result,
and build Word documents in code (so no binary fixtures are committed)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from interviews.importers.transcripts import (
    ParsedTranscript,
    TranscriptParseError,
    parse_transcript,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
FIXTURE_NAMES = sorted(path.name for path in FIXTURES.iterdir())
MAX_BYTES = 5 * 1024 * 1024


def parse(filename: str, data: bytes | str, *, max_bytes: int = MAX_BYTES) -> ParsedTranscript:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return parse_transcript(filename, data, max_bytes=max_bytes)


def parse_fixture(name: str) -> ParsedTranscript:
    return parse(name, (FIXTURES / name).read_bytes())


def texts(transcript: ParsedTranscript) -> list[str]:
    return [transcript.text[u.start : u.end] for u in transcript.utterances]


def speakers_in_order(transcript: ParsedTranscript) -> list[str]:
    return [u.speaker for u in transcript.utterances]


def times(transcript: ParsedTranscript) -> list[tuple[int | None, int | None]]:
    return [(u.start_ms, u.end_ms) for u in transcript.utterances]


def parse_error_message(filename: str, data: bytes | str, **kwargs: int) -> str:
    with pytest.raises(TranscriptParseError) as caught:
        parse(filename, data, **kwargs)
    message = str(caught.value)
    assert filename in message
    return message


# --- Word documents, built in the tests so no binary fixtures are committed ---------------------


def docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_bold_label_paragraph(document: docx.document.Document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(text)


def build_paragraph_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Renewal interview: Contoso", level=1)
    document.add_paragraph("Recorded 3 June 2024. Consent given at the start of the call.")
    add_bold_label_paragraph(document, "Ingrid Sørensen:", " Shall we start with the renewal?")
    add_bold_label_paragraph(
        document, "Marcus Bell:", " Sure. We renewed 300 seats but dropped the premium add-on."
    )
    document.add_paragraph("Nobody on the team used the advanced analytics.")
    document.add_paragraph("[00:04:10] Ingrid Sørensen: Was price the main reason?")
    paragraph = document.add_paragraph("[00:04:16] Marcus Bell: Mostly. ")
    paragraph.add_run("Also the SSO setup for the add-on needed a second IdP app.")
    return docx_bytes(document)


def build_table_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Procurement interview — Fabrikam (exported from the research tool)")
    rows = [
        ("Time", "Speaker", "Text"),
        ("00:00:04", "Interviewer", "What does your procurement process look like for SaaS?"),
        ("00:00:11", "Léa Martin", "Security review first, then legal, then finance."),
        ("00:01:02", "Interviewer", "How long does that usually take?"),
        (
            "00:01:07",
            "Léa Martin",
            "Six to eight weeks.\nLonger if the vendor has no SOC 2 report.",
        ),
    ]
    table = document.add_table(rows=len(rows), cols=3)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            lines = value.split("\n")
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    return docx_bytes(document)


def build_headerless_table_docx(rows: list[tuple[str, ...]]) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    return docx_bytes(document)


def add_hyperlink(paragraph: Paragraph, url: str) -> None:
    """A link as Word writes one: a w:hyperlink around a run, pointing at a relationship."""
    relationship_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), relationship_id)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = url
    run.append(text)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)  # type: ignore[arg-type]  # python-docx types children as CT_P


def build_otter_docx() -> bytes:
    """Otter.ai's Word export: header, then per turn a "Name  0:03" paragraph (name in bold)
    followed by the text in paragraphs of its own, and the footer."""
    document = docx.Document()
    document.add_paragraph().add_run("Onboarding interview – Northwind").bold = True
    document.add_paragraph("Wed, Sep 17, 2026 4:04PM • 1:06:31")
    document.add_paragraph("SUMMARY KEYWORDS")
    document.add_paragraph("onboarding, sso, admins, checklist, scim")
    document.add_paragraph("SPEAKERS")
    document.add_paragraph("Elena Rossi, Chloé Dubois")
    turns = [
        ("Elena Rossi", "  0:03", ["Thanks for taking the time. How did the first month go?"]),
        (
            "Chloé Dubois",
            "  0:09",
            [
                "Better than I feared. The SSO setup took one afternoon.",
                "Our admin just followed the guide.",
            ],
        ),
        # Otter splits a long answer into blocks of the same speaker.
        ("Chloé Dubois", "\t1:02", ["The data migration was the hard part."]),
        ("Elena Rossi", "  1:40", ["Would you do anything differently?"]),
        ("Chloé Dubois", "  1:05:12", ["Involve procurement earlier."]),
    ]
    for name, time, paragraphs in turns:
        heading = document.add_paragraph()
        heading.add_run(name).bold = True
        heading.add_run(time)
        for text in paragraphs:
            document.add_paragraph(text)
    footer = document.add_paragraph("Transcribed by ")
    add_hyperlink(footer, "https://otter.ai")
    return docx_bytes(document)


def build_meet_table_docx() -> bytes:
    """A meeting tool's table export, where one person's turn may span consecutive rows."""
    document = docx.Document()
    document.add_paragraph("Customer interview - Transcript")
    rows = [
        ("Timestamp", "Speaker", "Transcript"),
        ("00:00:02", "Maya Okafor", "Thanks for joining. Shall we start with the renewal?"),
        ("00:00:06", "Kwame Mensah", "Sure. It was due in March."),
        ("00:00:11", "Kwame Mensah", "We asked for the quote in January."),
        ("00:00:19", "Maya Okafor", "Was that early enough?"),
    ]
    table = document.add_table(rows=len(rows), cols=3)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    return docx_bytes(document)


def build_meet_paragraphs_docx() -> bytes:
    """Google Meet's transcript document: title, attendees, then "Name: text" paragraphs with a
    time on a paragraph of its own every few minutes, and a closing line."""
    document = docx.Document()
    document.add_heading("Customer interview (2026-12-03 14:02 GMT) - Transcript", level=0)
    document.add_paragraph("Attendees")
    document.add_paragraph("Kwame Mensah, Maya Okafor")
    document.add_paragraph("Transcript")
    document.add_paragraph("00:00:00")
    document.add_paragraph("Maya Okafor: Thanks for joining. Shall we start with the renewal?")
    document.add_paragraph("Kwame Mensah: Sure. It was due in March.")
    document.add_paragraph("Kwame Mensah: We asked for the quote in January.")
    document.add_paragraph("00:05:00")
    document.add_paragraph("Maya Okafor: Was that early enough?")
    document.add_paragraph("Meeting ended after 00:06:12 👋")
    return docx_bytes(document)


DOCX_BUILDERS: dict[str, Callable[[], bytes]] = {
    "paragraphs.docx": build_paragraph_docx,
    "table.docx": build_table_docx,
    "otter.docx": build_otter_docx,
    "meet_table.docx": build_meet_table_docx,
    "meet.docx": build_meet_paragraphs_docx,
}


def assert_offsets_consistent(transcript: ParsedTranscript) -> None:
    assert transcript.utterances, "expected at least one utterance"
    previous_end = -1
    for utterance in transcript.utterances:
        piece = transcript.text[utterance.start : utterance.end]
        assert piece, utterance
        assert piece == piece.strip()
        assert "\n\n" not in piece
        assert utterance.start > previous_end
        previous_end = utterance.end
    assert transcript.text == "\n\n".join(texts(transcript))
