"""Parsing Word (.docx) transcripts: paragraphs and tables."""

from __future__ import annotations

import docx
from docx.shared import Pt

from tests.interviews.parsing import (
    build_headerless_table_docx,
    build_paragraph_docx,
    build_table_docx,
    docx_bytes,
    parse,
    speakers_in_order,
    texts,
    times,
)

# --- Word -------------------------------------------------------------------------------------


def test_docx_paragraphs_with_bold_and_timestamped_labels() -> None:
    transcript = parse("renewal.docx", build_paragraph_docx())
    assert transcript.format == "docx"
    assert transcript.encoding == "docx"
    assert transcript.speakers == ["Ingrid Sørensen", "Marcus Bell"]
    # The heading is dropped; the note before the first turn is kept without a speaker.
    assert speakers_in_order(transcript) == [""] + ["Ingrid Sørensen", "Marcus Bell"] * 2
    assert texts(transcript) == [
        "Recorded 3 June 2024. Consent given at the start of the call.",
        "Shall we start with the renewal?",
        "Sure. We renewed 300 seats but dropped the premium add-on.\n"
        "Nobody on the team used the advanced analytics.",
        "Was price the main reason?",
        "Mostly. Also the SSO setup for the add-on needed a second IdP app.",
    ]
    assert times(transcript)[3:] == [(250_000, 256_000), (256_000, None)]


def test_docx_table_with_header_row_in_any_order() -> None:
    transcript = parse("procurement.docx", build_table_docx())
    assert transcript.speakers == ["Interviewer", "Léa Martin"]
    assert texts(transcript) == [
        "What does your procurement process look like for SaaS?",
        "Security review first, then legal, then finance.",
        "How long does that usually take?",
        "Six to eight weeks.\nLonger if the vendor has no SOC 2 report.",
    ]
    assert times(transcript) == [
        (4_000, 11_000),
        (11_000, 62_000),
        (62_000, 67_000),
        (67_000, None),
    ]
    assert "Fabrikam" not in transcript.text


def test_docx_headerless_tables() -> None:
    three_columns = build_headerless_table_docx(
        [
            ("Interviewer", "00:00:01", "Which plan are you on?"),
            ("Ama Mensah", "00:00:04", "Business, with the SSO add-on."),
        ]
    )
    transcript = parse("three.docx", three_columns)
    assert speakers_in_order(transcript) == ["Interviewer", "Ama Mensah"]
    assert times(transcript) == [(1_000, 4_000), (4_000, None)]

    two_columns = build_headerless_table_docx(
        [("Interviewer:", "Which plan are you on?"), ("Ama Mensah:", "Business.")]
    )
    transcript = parse("two.docx", two_columns)
    assert speakers_in_order(transcript) == ["Interviewer", "Ama Mensah"]
    assert texts(transcript) == ["Which plan are you on?", "Business."]


def test_docx_non_transcript_table_does_not_replace_paragraph_turns() -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Plan"
    table.cell(0, 1).text = "Business"
    table.cell(1, 0).text = "seats"
    table.cell(1, 1).text = "300"
    document.add_paragraph("Ana: We are on the Business plan.")
    document.add_paragraph("Ben: How many seats?")
    document.add_paragraph("Ana: Three hundred.")
    transcript = parse("mixed.docx", docx_bytes(document))
    assert speakers_in_order(transcript) == ["Ana", "Ben", "Ana"]


def test_docx_without_turns_gives_one_utterance_per_paragraph() -> None:
    document = docx.Document()
    document.add_paragraph("The customer described the migration.")
    paragraph = document.add_paragraph("It took ")
    paragraph.add_run("two weekends").font.size = Pt(14)
    transcript = parse("notes.docx", docx_bytes(document))
    assert transcript.speakers == []
    assert texts(transcript) == ["The customer described the migration.", "It took two weekends"]
