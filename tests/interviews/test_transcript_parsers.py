"""Tests for the pure-Python transcript parsers (no Django needed)."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from interviews.importers.transcripts import (
    SUPPORTED_EXTENSIONS,
    ParsedTranscript,
    ParsedUtterance,
    TranscriptParseError,
    parse_transcript,
)
from interviews.importers.transcripts.base import timestamp_to_ms

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


# --- The offsets invariant, for every fixture -------------------------------------------------


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


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_offsets_match_text_for_every_text_fixture(name: str) -> None:
    assert_offsets_consistent(parse_fixture(name))


@pytest.mark.parametrize("name", sorted(DOCX_BUILDERS))
def test_offsets_match_text_for_every_word_document(name: str) -> None:
    assert_offsets_consistent(parse(name, DOCX_BUILDERS[name]()))


def test_fixture_set_covers_every_text_format() -> None:
    assert {Path(name).suffix for name in FIXTURE_NAMES} == {".txt", ".md", ".vtt", ".srt"}


# --- Public API details -----------------------------------------------------------------------


def test_supported_extensions() -> None:
    assert SUPPORTED_EXTENSIONS == (".txt", ".md", ".docx", ".vtt", ".srt")


def test_speakers_are_distinct_in_order_of_first_appearance() -> None:
    transcript = ParsedTranscript(
        text="",
        utterances=(
            ParsedUtterance("", 0, 0, None, None),
            ParsedUtterance("Bo", 0, 0, None, None),
            ParsedUtterance("Al", 0, 0, None, None),
            ParsedUtterance("Bo", 0, 0, None, None),
        ),
        format="txt",
        encoding="utf-8",
    )
    assert transcript.speakers == ["Bo", "Al"]


def test_results_are_immutable() -> None:
    transcript = parse("a.txt", "Jane: hello")
    with pytest.raises(AttributeError):
        transcript.text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected_ms"),
    [
        ("00:12:03", 723_000),
        ("1:02:03", 3_723_000),
        ("12:03", 723_000),
        ("0:04", 4_000),
        ("75:12", 4_512_000),
        ("00:00:01.5", 1_500),
        ("00:00:01,250", 1_250),
        ("[00:00:07.040]", 7_040),
        ("(01:00:00)", 3_600_000),
        ("00:61:00", None),
        ("00:00:60", None),
        ("12", None),
        ("noon", None),
    ],
)
def test_timestamp_to_ms(value: str, expected_ms: int | None) -> None:
    assert timestamp_to_ms(value) == expected_ms


# --- WebVTT -----------------------------------------------------------------------------------


def test_zoom_vtt_reads_speaker_prefixes_and_merges_consecutive_cues() -> None:
    transcript = parse_fixture("zoom.vtt")
    assert transcript.format == "vtt"
    assert transcript.encoding == "utf-8"
    assert transcript.speakers == ["Maya Okafor", "José García"]
    assert len(transcript.utterances) == 8
    assert speakers_in_order(transcript) == ["Maya Okafor", "José García"] * 4
    # Cues 4 and 5, and 7 and 8, are the same speaker: each pair is one utterance.
    assert times(transcript) == [
        (1_140, 5_370),
        (6_010, 9_880),
        (10_420, 16_930),
        (17_500, 31_760),
        (32_300, 38_040),
        (38_600, 55_120),
        (55_800, 62_330),
        (62_900, 74_480),
    ]
    assert texts(transcript)[3] == (
        "Sure. We'd been on the self-managed version for about four years, running it on our own "
        "Kubernetes cluster. Honestly, the upgrades were the painful part. Every major version "
        "meant a weekend of downtime for the platform team."
    )
    assert texts(transcript)[1] == "Yes, loud and clear 👍 Thanks for having me."
    assert "naïve" in texts(transcript)[5]
    assert '"שקיפות"' in texts(transcript)[7]
    assert "Maya Okafor:" not in transcript.text


def test_teams_vtt_reads_voice_tags_strips_tags_and_decodes_entities() -> None:
    transcript = parse_fixture("teams.vtt")
    assert transcript.speakers == ["Priya Natarajan", "Lars Øberg"]
    assert speakers_in_order(transcript) == ["Priya Natarajan", "Lars Øberg"] * 3
    assert texts(transcript)[2] == (
        "Perfect. I'd like to start with onboarding & the first week after you bought the licences."
    )
    assert times(transcript)[2] == (9_600, 17_800)
    # <v.loud …>, <i>, <c>, inline timestamps, &lt; and &nbsp; across three merged cues.
    assert texts(transcript)[3] == (
        "Right, so the first week was rough. The invite emails went to spam because our mail "
        "gateway flagged them. We opened a ticket and support replied in <2 hours, which was "
        "great — but the fix needed our IT team."
    )
    assert times(transcript)[3] == (18_400, 36_900)
    # NOTE and STYLE blocks are not speech.
    assert "Microsoft Teams" not in transcript.text
    assert "::cue" not in transcript.text


def test_vtt_cue_with_two_voices_gives_two_utterances() -> None:
    transcript = parse(
        "two.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana>Is SSO included?</v>\n"
        "<v Ben>Only on the enterprise plan.</v>\n",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben"]
    assert texts(transcript) == ["Is SSO included?", "Only on the enterprise plan."]
    assert times(transcript) == [(1_000, 3_000), (1_000, 3_000)]


def test_vtt_speakerless_cues_merge_with_each_other_but_not_with_a_speaker() -> None:
    transcript = parse(
        "mixed.vtt",
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Ana>We pay per seat.</v>\n\n"
        "00:00:02.000 --> 00:00:03.000\nand per project\n\n"
        "00:00:03.000 --> 00:00:04.500\nfor the archive.\n\n"
        "00:00:05.000 --> 00:00:06.000\n<v Ana>That's it.</v>\n",
    )
    assert speakers_in_order(transcript) == ["Ana", "", "Ana"]
    assert texts(transcript) == [
        "We pay per seat.",
        "and per project for the archive.",
        "That's it.",
    ]
    assert times(transcript)[1] == (2_000, 4_500)


def test_vtt_accepts_header_text_metadata_and_short_timestamps() -> None:
    transcript = parse(
        "short.vtt",
        "WEBVTT - exported by Zoom\nKind: captions\nLanguage: en\n\n"
        "intro\n01:02.500 --> 01:04.000 align:start position:10%\nAna: Hello.\n",
    )
    assert speakers_in_order(transcript) == ["Ana"]
    assert times(transcript) == [(62_500, 64_000)]


def test_vtt_prose_with_a_colon_in_one_cue_is_not_a_speaker() -> None:
    transcript = parse(
        "prose.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: The renewal is in May.\n\n"
        "00:00:02.000 --> 00:00:03.000\nBen: What about the add-on?\n\n"
        "00:00:03.000 --> 00:00:05.000\nAna: Same date.\n\n"
        "00:00:05.000 --> 00:00:06.000\nSummary: nothing changes.\n\n"
        "00:00:06.000 --> 00:00:07.000\nBen: Good.\n",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben", "Ana", "", "Ben"]
    assert texts(transcript)[3] == "Summary: nothing changes."


# --- SubRip -----------------------------------------------------------------------------------


def test_srt_with_speaker_prefixes() -> None:
    transcript = parse_fixture("with_speakers.srt")
    assert transcript.format == "srt"
    assert transcript.speakers == ["INTERVIEWER", "KENJI TANAKA"]
    assert len(transcript.utterances) == 4
    assert texts(transcript)[1] == (
        "We have 120 named licences and about 30 contractors on guest access. "
        "Officially the guests are free."
    )
    assert times(transcript) == [
        (500, 3_200),
        (3_900, 10_000),
        (10_800, 13_300),
        (13_900, 18_750),
    ]


def test_srt_without_speakers_gives_one_utterance_per_sentence_with_its_times() -> None:
    transcript = parse_fixture("no_speakers.srt")
    assert transcript.speakers == []
    assert texts(transcript) == [
        "So the onboarding checklist had about forty items on it.",
        "Most of them were about SSO and user provisioning.",
        "We skipped half of them.",
    ]
    assert times(transcript) == [(1_000, 4_000), (4_500, 8_200), (9_000, 12_600)]


def test_captions_without_speakers_group_cues_up_to_a_sentence_end_or_a_pause() -> None:
    transcript = parse_fixture("captions.srt")
    assert speakers_in_order(transcript) == ["", "", ""]
    assert texts(transcript) == [
        "When we first opened the dashboard nobody knew where the reports were.",
        "The menu had eleven items!",
        # A pause of 3.1 s before "After the training"; no sentence end after it.
        "After the training it made sense",
    ]
    assert times(transcript) == [(1_000, 5_900), (6_100, 8_400), (11_500, 15_200)]


def test_unpunctuated_captions_are_cut_into_groups_of_at_most_20_seconds() -> None:
    cues = "".join(
        f"{n + 1}\n00:00:{2 * n:02d},000 --> 00:00:{2 * n + 2:02d},000\nword{n}\n\n"
        for n in range(25)
    )
    transcript = parse("auto.srt", cues)
    assert times(transcript) == [(0, 20_000), (20_000, 40_000), (40_000, 50_000)]
    assert texts(transcript)[0] == " ".join(f"word{n}" for n in range(10))


def test_srt_without_subtitle_numbers_and_with_dot_fractions() -> None:
    transcript = parse(
        "nonumbers.srt",
        "00:00:01.000 --> 00:00:02.000\nAna: One.\n\n00:00:03.000 --> 00:00:04.000\nBen: Two.\n",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben"]
    assert times(transcript) == [(1_000, 2_000), (3_000, 4_000)]


def test_srt_keeps_a_literal_less_than_sign() -> None:
    transcript = parse("lt.srt", "1\n00:00:01,000 --> 00:00:02,000\nprice < 100 and > 50\n")
    assert transcript.text == "price < 100 and > 50"


# --- Plain text -------------------------------------------------------------------------------


def test_otter_export_skips_header_and_reads_blocks() -> None:
    transcript = parse_fixture("otter.txt")
    assert transcript.format == "txt"
    assert transcript.speakers == ["Hannah Weiss", "Tomás Álvarez"]
    assert len(transcript.utterances) == 8
    assert speakers_in_order(transcript) == ["Hannah Weiss", "Tomás Álvarez"] * 4
    assert [u.start_ms for u in transcript.utterances] == [
        4_000,
        9_000,
        15_000,
        22_000,
        767_000,
        782_000,
        3_723_000,
        3_731_000,
    ]
    assert transcript.utterances[0].end_ms == 9_000
    assert transcript.utterances[-1].end_ms is None
    assert "SUMMARY KEYWORDS" not in transcript.text
    assert "Thu, Mar 14" not in transcript.text
    assert texts(transcript)[0] == "Alright, I've hit record. Thanks again for doing this, Tomás."
    # "Note: …" inside a block is prose, and the two lines of the block join with a space.
    assert "two years old. Note: the other piece was SSO." in texts(transcript)[3]
    assert texts(transcript)[-1].endswith("turn on SCIM 👍")


def test_rev_export_with_text_on_the_next_line() -> None:
    transcript = parse_fixture("rev.txt")
    assert transcript.speakers == ["Sam Whitfield", "Dr. Aisha Rahman"]
    assert len(transcript.utterances) == 6
    assert texts(transcript)[1] == "Yes, that's fine."
    assert times(transcript) == [
        (3_000, 8_000),
        (8_000, 12_000),
        (12_000, 18_000),
        (18_000, 65_000),
        (65_000, 69_000),
        (69_000, None),
    ]


def test_plain_txt_joins_wrapped_lines_and_keeps_prose_colons_in_the_turn() -> None:
    transcript = parse_fixture("plain_timestamps.txt")
    assert transcript.speakers == ["Interviewer", "P-014"]
    assert speakers_in_order(transcript) == ["Interviewer", "P-014"] * 3
    assert [u.start_ms for u in transcript.utterances] == [
        5_000,
        14_000,
        31_000,
        36_000,
        80_000,
        85_000,
    ]
    assert texts(transcript)[0] == (
        "Thanks for joining today. For the recording, could you say what your role is and how "
        "long you've used the product?"
    )
    # A blank line inside a turn is kept as a single "\n" paragraph break.
    assert texts(transcript)[3] == (
        "Harder than I expected. The list price went up by 18 percent and our reseller only told "
        "us six weeks before the renewal date. Note: the price was high even before the increase, "
        "so finance asked for a competitive quote.\n"
        "We did get two quotes in the end. One vendor's page is still bookmarked, "
        "https://example.com/pricing, if you want it."
    )
    assert "10:30 we met, and by Friday" in texts(transcript)[5]
    assert '"شكرا"' in texts(transcript)[5]


@pytest.mark.parametrize(
    ("line", "speaker", "start_ms", "text"),
    [
        ("Jane Doe: We renewed.", "Jane Doe", None, "We renewed."),
        ("[00:12:03] Jane Doe: We renewed.", "Jane Doe", 723_000, "We renewed."),
        ("00:12:03 Jane Doe: We renewed.", "Jane Doe", 723_000, "We renewed."),
        ("(00:12:03) Jane Doe: We renewed.", "Jane Doe", 723_000, "We renewed."),
        ("Jane Doe [00:12:03]: We renewed.", "Jane Doe", 723_000, "We renewed."),
        ("Jane Doe (00:12:03): We renewed.", "Jane Doe", 723_000, "We renewed."),
        ("[12:03] Jane Doe: We renewed.", "Jane Doe", 723_000, "We renewed."),
        ("[00:12:03.250] Jane Doe: We renewed.", "Jane Doe", 723_250, "We renewed."),
        ("Dr. Jane O'Neil: We renewed.", "Dr. Jane O'Neil", None, "We renewed."),
        ("Ana de la Cruz: We renewed.", "Ana de la Cruz", None, "We renewed."),
        ("P-014: We renewed.", "P-014", None, "We renewed."),
        ("Speaker 2: We renewed.", "Speaker 2", None, "We renewed."),
        ("Jane Doe (she/her): We renewed.", "Jane Doe (she/her)", None, "We renewed."),
        ("[00:12:03] Sam Lee (Acme): We renewed.", "Sam Lee (Acme)", 723_000, "We renewed."),
        ("José Ñúñez: We renewed.", "José Ñúñez", None, "We renewed."),
        ("דנה כהן: חידשנו.", "דנה כהן", None, "חידשנו."),
        ("अनिल शर्मा: हमने नवीनीकरण किया।", "अनिल शर्मा", None, "हमने नवीनीकरण किया।"),
    ],
)
def test_turn_label_shapes(line: str, speaker: str, start_ms: int | None, text: str) -> None:
    transcript = parse("one.txt", line)
    assert speakers_in_order(transcript) == [speaker]
    assert transcript.utterances[0].start_ms == start_ms
    assert transcript.text == text


@pytest.mark.parametrize(
    "line",
    [
        "the price was high: too high",
        "https://example.com/pricing",
        "10:30 we met the account team",
        "Well, honestly: no.",
        "This sentence is much too long to be a name: it goes on",
        "A Label With Far Too Many Words: here",
        "Note: this call was recorded with consent.",
        "Interview: Contoso onboarding, June 2024",
    ],
)
def test_prose_on_the_first_line_is_not_a_speaker(line: str) -> None:
    transcript = parse("one.txt", line)
    assert speakers_in_order(transcript) == [""]
    assert transcript.text == line


def test_prose_label_seen_once_mid_file_stays_in_the_turn() -> None:
    transcript = parse(
        "note.txt",
        "Ana: We looked at three vendors.\nNote: only one had SCIM.\nBen: Which one?\nAna: Yours.",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben", "Ana"]
    assert texts(transcript)[0] == "We looked at three vendors. Note: only one had SCIM."


def test_prose_label_repeated_in_a_timestamped_file_stays_prose() -> None:
    transcript = parse(
        "timed.txt",
        "[00:00:01] Ana: First point.\nNote: onboarding.\n"
        "[00:00:05] Ben: Second point.\nNote: pricing.\n",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben"]
    assert texts(transcript) == ["First point. Note: onboarding.", "Second point. Note: pricing."]


def test_speaker_who_talks_once_gets_a_turn() -> None:
    transcript = parse(
        "three.txt",
        "Ana: Welcome both.\nBen: Thanks.\n"
        "Ana: Let's start with pricing.\nChidi Obi: One thing first.",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben", "Ana", "Chidi Obi"]


def test_once_seen_label_must_open_a_paragraph_when_turns_do() -> None:
    transcript = parse(
        "layout.txt",
        "Ana: How was the renewal?\n\n"
        "Ben: Expensive. We compared three quotes and\n"
        "Honestly: none of them was cheap.\n\n"
        "Ana: And support?\n\n"
        "Chidi: Support was fine.\n\n"
        "Ben: Agreed.",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben", "Ana", "Chidi", "Ben"]
    assert texts(transcript)[1] == (
        "Expensive. We compared three quotes and Honestly: none of them was cheap."
    )


def test_repeated_short_labels_are_speakers() -> None:
    transcript = parse(
        "qa.txt", "Q: How many seats?\nA: About 300.\nQ: On which plan?\nA: Enterprise."
    )
    assert transcript.speakers == ["Q", "A"]
    assert len(transcript.utterances) == 4


def test_text_before_the_first_turn_is_kept_without_speaker() -> None:
    transcript = parse(
        "preamble.txt",
        "Interview with Contoso, 3 June 2024\nConsent recorded.\n\n"
        "Ana: Hi.\nBen: Hello.\nAna: Bye.",
    )
    assert speakers_in_order(transcript) == ["", "Ana", "Ben", "Ana"]
    assert texts(transcript)[0] == "Interview with Contoso, 3 June 2024 Consent recorded."


def test_file_without_turns_becomes_speakerless_paragraphs() -> None:
    transcript = parse(
        "notes.txt",
        "We talked about the migration from\nthe self-managed server.\n\n\n"
        "Pricing came up twice.\n\nSSO was the deciding factor.\n",
    )
    assert transcript.speakers == []
    assert texts(transcript) == [
        "We talked about the migration from the self-managed server.",
        "Pricing came up twice.",
        "SSO was the deciding factor.",
    ]
    assert times(transcript) == [(None, None)] * 3


def test_label_without_text_starts_a_turn_whose_text_follows() -> None:
    transcript = parse("blocks.txt", "Ana:\nWe renewed.\n\nBen:\n\nGood to hear.\n\nAna:")
    assert speakers_in_order(transcript) == ["Ana", "Ben"]
    assert texts(transcript) == ["We renewed.", "Good to hear."]


def test_otter_lines_need_a_second_one_or_the_first_line_to_count() -> None:
    lone = parse("lone.txt", "Some notes first.\n\nCall Bob 10:30\nabout the renewal quote.")
    assert lone.speakers == []
    single = parse("single.txt", "Ana Silva  0:05\nWe renewed in March.")
    assert speakers_in_order(single) == ["Ana Silva"]
    assert times(single) == [(5_000, None)]


def test_crlf_and_cr_newlines_give_the_same_result() -> None:
    original = (FIXTURES / "plain_timestamps.txt").read_bytes()
    expected = parse("a.txt", original)
    for newline in (b"\r\n", b"\r"):
        converted = parse("a.txt", original.replace(b"\n", newline))
        assert converted.text == expected.text
        assert converted.utterances == expected.utterances


def test_control_characters_are_removed_but_tabs_kept() -> None:
    transcript = parse("ctl.txt", "Ana: We\x0c renewed\x1a.\tDone.")
    assert transcript.text == "We renewed. Done."


def test_unicode_is_not_normalised() -> None:
    decomposed = "Jose\u0301: cafe\u0301 ok"
    transcript = parse("nfd.txt", decomposed)
    assert transcript.speakers == ["Jose\u0301"]
    assert transcript.text == "cafe\u0301 ok"


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_bold_labels_and_layout() -> None:
    transcript = parse_fixture("interview.md")
    assert transcript.format == "md"
    assert transcript.speakers == ["Elena Rossi", "Chloé Dubois"]
    # Front matter and headings are dropped; the participant list before the first turn is kept.
    assert speakers_in_order(transcript) == [""] + ["Elena Rossi", "Chloé Dubois"] * 3
    assert (
        texts(transcript)[0] == "- Researcher: Elena Rossi - Customer: Chloé Dubois, Head of RevOps"
    )
    assert texts(transcript)[3] == "And the data migration?"  # written "**Elena Rossi**:"
    assert texts(transcript)[4] == (
        "That was the *hard* part. We had eight years of history in the self-managed instance.\n"
        "**Note:** the export tool timed out on the largest project.\n"
        "Support gave us a script that exported it in chunks."
    )
    assert texts(transcript)[-1].endswith("three weeks. 😅")
    assert "title:" not in transcript.text
    assert "#" not in transcript.text


def test_markdown_bold_label_with_timestamp() -> None:
    transcript = parse(
        "timed.md", "**Jane Doe** (00:12:03): Pricing first.\n**Sam Lee** [00:12:09]: Fine."
    )
    assert speakers_in_order(transcript) == ["Jane Doe", "Sam Lee"]
    assert times(transcript) == [(723_000, 729_000), (729_000, None)]
    assert texts(transcript) == ["Pricing first.", "Fine."]


# --- Encodings --------------------------------------------------------------------------------


def test_utf16_with_bom_and_crlf() -> None:
    transcript = parse_fixture("utf16_bom.txt")
    assert transcript.encoding == "utf-16"
    assert transcript.speakers == ["Interviewer", "Noa Levi"]
    assert "נועה" in texts(transcript)[3]
    assert texts(transcript)[3].endswith("👍")
    assert "\r" not in transcript.text


def test_windows_1252_with_smart_quotes() -> None:
    transcript = parse_fixture("cp1252.txt")
    assert transcript.encoding == "cp1252"
    assert transcript.speakers == ["Interviewer", "René Dupont"]
    assert texts(transcript)[1] == (
        "Honestly? The “true-up” clause caught us out – we’d added 60 seats mid-year."
    )
    assert "café-style" in texts(transcript)[3]


def test_utf8_with_bom() -> None:
    transcript = parse_fixture("utf8_bom.txt")
    assert transcript.encoding == "utf-8-sig"
    assert transcript.speakers == ["Interviewer", "Zoë Chen"]
    assert not transcript.text.startswith("\ufeff")


def test_plain_utf8() -> None:
    assert parse_fixture("rev.txt").encoding == "utf-8"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(codec: str) -> None:
    data = "Ana: The SSO rollout went well.\nBen: Glad to hear it.\n".encode(codec)
    transcript = parse("nobom.txt", data)
    assert transcript.encoding == codec
    assert texts(transcript) == ["The SSO rollout went well.", "Glad to hear it."]


def test_utf32_with_bom() -> None:
    transcript = parse("wide.txt", "Ana: Hello 👋".encode("utf-32"))
    assert transcript.encoding == "utf-32"
    assert transcript.text == "Hello 👋"


def test_other_encodings_fall_back_to_charset_detection() -> None:
    text = (
        "インタビュアー: 価格について、どう思いましたか。\n"
        "佐藤: 正直に言うと、少し高いと感じました。"
        "特に、シングルサインオンが上位プランにしかないのは残念です。\n"
        "インタビュアー: 移行は、スムーズでしたか。\n"
        "佐藤: はい、サポートチームのおかげで、問題なく終わりました。\n"
    )
    data = text.encode("shift_jis")
    with pytest.raises(UnicodeDecodeError):
        data.decode("cp1252")
    transcript = parse("japanese.txt", data)
    assert transcript.encoding not in {"utf-8", "cp1252"}
    assert transcript.speakers == ["インタビュアー", "佐藤"]
    assert texts(transcript)[1].startswith("正直に言うと")


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


# --- Shapes real tools and research data sets write -------------------------------------------


def test_otter_docx_reads_name_and_time_paragraphs_as_turns_and_the_header_as_metadata() -> None:
    transcript = parse("otter.docx", build_otter_docx())
    assert transcript.speakers == ["Elena Rossi", "Chloé Dubois"]
    # Four turns, not ten: heading paragraphs open turns, and the split answer is one utterance.
    assert speakers_in_order(transcript) == ["Elena Rossi", "Chloé Dubois"] * 2
    assert texts(transcript) == [
        "Thanks for taking the time. How did the first month go?",
        "Better than I feared. The SSO setup took one afternoon.\n"
        "Our admin just followed the guide.\n"
        "The data migration was the hard part.",
        "Would you do anything differently?",
        "Involve procurement earlier.",
    ]
    assert times(transcript) == [
        (3_000, 9_000),
        (9_000, 100_000),
        (100_000, 3_912_000),
        (3_912_000, None),
    ]
    assert "**" not in transcript.text
    assert "otter.ai" not in transcript.text
    assert "SUMMARY KEYWORDS" not in transcript.text
    assert transcript.metadata == {
        "title": "Onboarding interview – Northwind",
        "details": ["Wed, Sep 17, 2026 4:04PM • 1:06:31"],
        "keywords": ["onboarding", "sso", "admins", "checklist", "scim"],
        "speakers": ["Elena Rossi", "Chloé Dubois"],
        "source": "Otter.ai",
    }


def test_otter_txt_merges_split_answers_and_drops_the_footer() -> None:
    transcript = parse_fixture("otter_split.txt")
    assert speakers_in_order(transcript) == ["Maya Okafor", "P-061"] * 2
    assert texts(transcript) == [
        "Thanks for joining. Can you walk me through this year's renewal?",
        "Sure. We started in September, which felt early at the time.\n"
        "Then procurement asked for three quotes, and that took another six weeks.",
        "Did the true-up come up?",
        "It did. Note: we had added twenty seats in June.",
    ]
    assert times(transcript) == [(2_000, 7_000), (7_000, 72_000), (72_000, 75_000), (75_000, None)]
    assert transcript.metadata == {
        "title": "Renewal call with P-061",
        "details": ["Tue, Dec 3, 2024 10:02AM • 18:44"],
        # A keyword list wrapped onto a second line is one list.
        "keywords": ["renewal", "seats", "true-up", "procurement", "discount"],
        "speakers": ["Maya Okafor", "P-061"],
        "source": "Otter.ai",
    }


def test_otter_footer_is_dropped_from_a_file_without_header() -> None:
    transcript = parse(
        "short.txt", "Ana Silva  0:05\nWe renewed in March.\n\nTranscribed by https://otter.ai\n"
    )
    assert texts(transcript) == ["We renewed in March."]


def test_lower_case_and_numbered_pseudonyms_are_speakers_where_they_recur() -> None:
    transcript = parse_fixture("pseudonyms.txt")
    assert transcript.speakers == ["interviewer", "p07", "user-3"]
    assert speakers_in_order(transcript) == [
        "interviewer",
        "p07",
        "interviewer",
        "p07",
        "interviewer",
        "p07",
        "user-3",
        "interviewer",
        "user-3",
    ]
    # "Note: …" once, a URL and a time at the start of a line stay in the turn.
    assert (
        texts(transcript)[3]
        == "A colleague at a meetup. Note: recording paused for two minutes here."
    )
    assert texts(transcript)[5] == (
        "Confusing. The page at http://example.com/pricing lists three tiers. "
        "12:30 is when we usually meet, so I read it over lunch."
    )


def test_lower_case_numbered_speaker_labels() -> None:
    transcript = parse(
        "numbered.txt",
        "speaker 1: Which plan?\nspeaker 2: Business.\nspeaker 1: Since when?\nspeaker 2: May.",
    )
    assert transcript.speakers == ["speaker 1", "speaker 2"]
    assert len(transcript.utterances) == 4


@pytest.mark.parametrize(
    "text",
    [
        # A pseudonym-like label seen once is prose.
        "Ana: We renewed.\nBen: Good.\nid2: what was that?\nAna: Nothing.",
        # Lower-case prose with a colon, even twice.
        "Ana: We renewed.\nthe price was high: too high\nBen: Good.\n"
        "the price was high: too high\nAna: Yes.",
        # Two lower-case words without a number are prose, even twice.
        "Ana: We renewed.\nso basically: in March\nBen: Good.\nso basically: in May\nAna: Yes.",
        # "note:" recurs, but is a prose word.
        "Ana: We renewed.\nnote: in March\nBen: Good.\nnote: in May\nAna: Yes.",
    ],
)
def test_prose_with_a_colon_does_not_become_a_speaker(text: str) -> None:
    transcript = parse("prose.txt", text)
    assert transcript.speakers == ["Ana", "Ben"]


def test_bracketed_labels_are_speakers_and_bracketed_annotations_are_text() -> None:
    transcript = parse_fixture("bracketed.txt")
    assert speakers_in_order(transcript) == ["id1", "id2"] * 3
    assert texts(transcript)[3] == "[laughter] Not even close. By June we needed sixty.\n[laughter]"
    assert texts(transcript)[5] == (
        "We asked for a true-up. Pricing: the vendor said yes within a day."
    )


def test_bracketed_capitalised_pseudonyms_with_a_colon_and_a_time() -> None:
    transcript = parse(
        "p.txt", "[P1]: [00:00:04] Which plan?\n[P2] Business.\n[P1] Since when?\n[P2] May."
    )
    assert speakers_in_order(transcript) == ["P1", "P2", "P1", "P2"]
    assert texts(transcript)[0] == "Which plan?"
    assert transcript.utterances[0].start_ms == 4_000


def test_markdown_escaped_times_set_the_turn_time_and_escapes_are_shown_unescaped() -> None:
    transcript = parse_fixture("static_site.md")
    assert transcript.speakers == ["Jerod Santo", "Priya Natarajan"]
    assert speakers_in_order(transcript) == ["Jerod Santo", "Priya Natarajan"] * 2 + ["Jerod Santo"]
    assert texts(transcript)[2] == "So what changed this year?"
    # A time opening a later paragraph of the turn is not text either; the escapes are gone.
    assert texts(transcript)[3] == (
        "The price, mostly [laughter]. We went from 40 to 60 seats.\n"
        "And the true-up clause was new to us *again*."
    )
    assert times(transcript) == [
        (None, None),
        (None, None),
        (258_040, 262_110),
        # "**Break:** \\[00:12:40.25\\]" has no text, so no turn, but it ends the one before.
        (262_110, 760_250),
        (782_110, None),
    ]
    assert "\\" not in transcript.text and "Break" not in transcript.text
    assert transcript.metadata == {"title": "Episode 12: Renewals", "date": "2024-11-05"}


def test_speakerless_lines_opening_with_a_time_keep_their_times() -> None:
    transcript = parse(
        "timed_notes.txt", "[00:00:05] The demo started late.\n[00:01:20] Pricing came up.\nTwice."
    )
    assert texts(transcript) == ["The demo started late.", "Pricing came up. Twice."]
    assert times(transcript) == [(5_000, 80_000), (80_000, None)]


def test_consecutive_turns_of_one_speaker_merge_in_plain_text() -> None:
    transcript = parse(
        "twice.txt",
        "[00:00:01] Ana: First point.\n[00:00:05] Ana: Second point.\n[00:00:09] Ben: Right.",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben"]
    assert texts(transcript) == ["First point.\nSecond point.", "Right."]
    assert times(transcript) == [(1_000, 9_000), (9_000, None)]


def test_google_meet_table_merges_consecutive_rows_of_one_person() -> None:
    transcript = parse("meet.docx", build_meet_table_docx())
    assert speakers_in_order(transcript) == ["Maya Okafor", "Kwame Mensah", "Maya Okafor"]
    assert texts(transcript)[1] == "Sure. It was due in March.\nWe asked for the quote in January."
    assert times(transcript) == [(2_000, 6_000), (6_000, 19_000), (19_000, None)]
    assert "Customer interview" not in transcript.text


def test_google_meet_document_with_times_on_paragraphs_of_their_own() -> None:
    transcript = parse("meet.docx", build_meet_paragraphs_docx())
    assert speakers_in_order(transcript) == ["Maya Okafor", "Kwame Mensah", "Maya Okafor"]
    assert texts(transcript) == [
        "Thanks for joining. Shall we start with the renewal?",
        "Sure. It was due in March.\nWe asked for the quote in January.",
        "Was that early enough?",
    ]
    assert [u.start_ms for u in transcript.utterances] == [0, None, 300_000]
    assert "Attendees" not in transcript.text and "Meeting ended" not in transcript.text
    assert transcript.metadata == {
        "title": "Customer interview (2026-12-03 14:02 GMT) - Transcript",
        "attendees": ["Kwame Mensah", "Maya Okafor"],
        "source": "Google Meet",
    }


def test_teams_vtt_with_unpadded_times() -> None:
    transcript = parse_fixture("teams_unpadded.vtt")
    assert speakers_in_order(transcript) == ["Ingrid Sørensen", "Kwame Mensah", "Ingrid Sørensen"]
    assert times(transcript) == [(0, 9_800), (10_300, 67_250), (3_723_500, 3_728_000)]
    assert texts(transcript)[1] == (
        "Sure. We rolled it out to twelve people first. "
        "Then the rest of the department in the second month."
    )


def test_youtube_auto_captions_read_each_rolling_line_once() -> None:
    transcript = parse_fixture("youtube_auto.vtt")
    assert transcript.speakers == []
    assert texts(transcript) == [
        "so the onboarding took about three weeks most of it was sso",
        "and then procurement asked for a discount",
    ]
    # The pause from 8.12 s to 11 s ends the first group.
    assert times(transcript) == [(0, 8_110), (11_000, 16_000)]
    assert transcript.metadata == {"kind": "captions", "language": "en"}


def test_youtube_captions_whose_space_lines_an_editor_removed() -> None:
    original = (FIXTURES / "youtube_auto.vtt").read_text(encoding="utf-8")
    stripped = "\n".join(line.rstrip() for line in original.split("\n"))
    assert stripped != original
    assert texts(parse("stripped.vtt", stripped)) == texts(parse_fixture("youtube_auto.vtt"))


def test_repeated_words_in_cues_that_do_not_roll_are_kept() -> None:
    transcript = parse(
        "no.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>No.</v>\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v Ana>No.</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v Ben>Why not?</v>\n",
    )
    assert texts(transcript) == ["No. No.", "Why not?"]


def test_vtt_w3c_blocks_identifiers_and_cue_settings() -> None:
    transcript = parse(
        "w3c.vtt",
        "WEBVTT - a title\n\n"
        "REGION\nid:bill\nwidth:40%\nlines:3\nregionanchor:100%,100%\nviewportanchor:90%,90%\n\n"
        "STYLE\n::cue(.loud) { font-weight: bold; }\n\n"
        "NOTE a comment\nover two lines\n\n"
        "intro-1\n00:00:01.000 --> 00:00:04.000 region:bill align:start position:0% line:0\n"
        "<v Ana><c.loud>We renew in May.</c></v>\n\n"
        "NOTE between cues\n\n"
        "120:00:04.500 --> 120:00:07.000 size:50%\n<v Ben>Long call.</v>\n",
    )
    assert speakers_in_order(transcript) == ["Ana", "Ben"]
    assert texts(transcript) == ["We renew in May.", "Long call."]
    assert times(transcript)[1] == (432_004_500, 432_007_000)
    assert "id:bill" not in transcript.text and "comment" not in transcript.text


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        (
            "cut.vtt",
            (FIXTURES / "youtube_auto.vtt").read_text(encoding="utf-8")
            + "\n\n00:00:18.000 --> 00:00:2",
            "ends in the middle of a cue",
        ),
        (
            "cut.vtt",
            (FIXTURES / "youtube_auto.vtt").read_text(encoding="utf-8")
            + "\n\n00:00:18.000 --> 00:00:20.000 align:start position:0%\n",
            "ends in the middle of a cue",
        ),
        (
            "garbled.vtt",
            "WEBVTT\n\n0:0:0.0 --> 0:0:3.540\n<v Ana>Hi.</v>\n\n"
            "0:0:4.0 --> 0:0:6x.0\n<v Ben>Hello.</v>\n",
            'line 6 should be a timing line like "00:00:01.000 --> 00:00:04.000"',
        ),
        (
            "garbled.vtt",
            "WEBVTT\n\n0:0:0.0 --> 0:0:3.540\n<v Ana>Hi.</v>\n\n"
            "0:0:4.0 --> 0:0:61.0\n<v Ben>Hello.</v>\n",
            "line 6 should be a timing line",
        ),
    ],
)
def test_real_tool_vtt_cut_off_or_garbled_is_still_refused(
    filename: str, data: str, expected: str
) -> None:
    assert expected in parse_error_message(filename, data)


# --- Errors -----------------------------------------------------------------------------------


def test_empty_file() -> None:
    message = parse_error_message("interview.txt", b"")
    assert "empty" in message


@pytest.mark.parametrize("name", ["blank.txt", "blank.vtt", "blank.srt", "blank.md"])
def test_whitespace_only_file(name: str) -> None:
    message = parse_error_message(name, " \n\r\n\t\n")
    assert "empty" in message


def test_vtt_with_header_only_has_no_speech() -> None:
    message = parse_error_message("header.vtt", "WEBVTT\n\nNOTE nothing was said\n")
    assert "no cues" in message


def test_cues_without_text_have_no_transcript_text() -> None:
    message = parse_error_message(
        "silent.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\n"
    )
    assert "no transcript text" in message


def test_markdown_with_only_headings_has_no_text() -> None:
    message = parse_error_message("outline.md", "# Interview\n\n---\n## Notes\n")
    assert "no transcript text" in message


@pytest.mark.parametrize(
    ("size", "max_bytes", "expected"),
    [
        (int(5.5 * 1024 * 1024), 5 * 1024 * 1024, "5.5 MB, which is over the 5 MB limit"),
        (int(5.5 * 1024 * 1024), 512 * 1024, "5.5 MB, which is over the 512 KB limit"),
        (3 * 1024 * 1024 + 1, 3 * 1024 * 1024, "3.1 MB, which is over the 3 MB limit"),
        (2000, 1024, "2 KB, which is over the 1 KB limit"),
    ],
)
def test_file_over_the_size_limit(size: int, max_bytes: int, expected: str) -> None:
    data = b"Ana: " + b"x" * (size - 5)
    message = parse_error_message("huge.txt", data, max_bytes=max_bytes)
    assert expected in message


def test_file_at_the_size_limit_is_accepted() -> None:
    data = b"Ana: hello"
    assert parse("exact.txt", data, max_bytes=len(data)).text == "hello"


@pytest.mark.parametrize("name", ["interview.pdf", "interview.doc", "interview.txt.bak"])
def test_unknown_extension_lists_the_supported_ones(name: str) -> None:
    message = parse_error_message(name, "Ana: hello")
    assert "cannot be imported" in message
    for extension in SUPPORTED_EXTENSIONS:
        assert extension in message


def test_missing_extension() -> None:
    message = parse_error_message("transcript", "Ana: hello")
    assert "no extension" in message


@pytest.mark.parametrize("name", ["INTERVIEW.TXT", "Call.Vtt", "notes.MD", "cues.SRT"])
def test_extension_is_case_insensitive(name: str) -> None:
    data = {
        ".txt": "Ana: hello",
        ".md": "**Ana:** hello",
        ".vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: hello\n",
        ".srt": "1\n00:00:01,000 --> 00:00:02,000\nAna: hello\n",
    }[Path(name).suffix.lower()]
    assert parse(name, data).text == "hello"


def test_docx_extension_is_case_insensitive() -> None:
    transcript = parse("TABLE.DOCX", build_table_docx())
    assert transcript.format == "docx"


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        ("archive.md", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP"),
        ("scan.vtt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        ("nuls.srt", b"1\n00:00:01,000 --> \x00\x00\x01\x02\xff\x00\x00\x10", "NUL"),
        ("audio.txt", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio"),
    ],
)
def test_binary_content_in_a_text_format(name: str, data: bytes, what: str) -> None:
    message = parse_error_message(name, data)
    assert "binary file" in message
    assert what in message


def test_invalid_utf16_after_a_bom() -> None:
    message = parse_error_message("broken.txt", b"\xff\xfeA\x00\x00\xd8")
    assert "UTF-16" in message


VALID_VTT_CUES = (
    "1\n00:00:01.000 --> 00:00:04.000\nAna: Our licence renews in May.\n\n"
    "2\n00:00:04.500 --> 00:00:07.000\nBen: And the SSO add-on?\n\n"
)


def test_vtt_missing_header() -> None:
    message = parse_error_message("noheader.vtt", VALID_VTT_CUES)
    assert "not a valid WebVTT file" in message
    assert "WEBVTT" in message


def test_vtt_malformed_timing_line_names_the_line() -> None:
    data = (
        "WEBVTT\n\n"
        + VALID_VTT_CUES
        + "3\n00:00:07.500 --> 00:00:0x.000\nAna: Same day.\n\n"
        + "4\n00:00:09.000 --> 00:00:10.000\nBen: Good.\n"
    )
    message = parse_error_message("bad.vtt", data)
    assert "not a valid WebVTT file" in message
    assert "line 12" in message
    assert "00:00:0x.000" in message


def test_vtt_cut_off_in_the_middle_of_a_timing_line() -> None:
    data = "WEBVTT\n\n" + VALID_VTT_CUES + "3\n00:00:07.500 --> 00:0"
    message = parse_error_message("cut.vtt", data)
    assert "ends in the middle of a cue (line 12)" in message


def test_vtt_cut_off_after_a_cue_identifier() -> None:
    message = parse_error_message("cut.vtt", "WEBVTT\n\n" + VALID_VTT_CUES + "3\n")
    assert "ends in the middle of a cue (line 11)" in message


def test_vtt_stray_text_is_reported_with_its_line() -> None:
    data = "WEBVTT\n\n" + VALID_VTT_CUES + "Ana: this has no timing line\n\n" + VALID_VTT_CUES
    message = parse_error_message("stray.vtt", data)
    assert "line 11 is not part of any cue" in message


def test_vtt_trailing_stray_text_is_not_called_cut_off() -> None:
    data = "WEBVTT\n\n" + VALID_VTT_CUES + "thanks everyone\nbye"
    message = parse_error_message("stray.vtt", data)
    assert "line 11 is not part of any cue" in message


def test_vtt_cue_without_a_blank_line_before_it() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: One.\n"
        "00:00:02.000 --> 00:00:03.000\nBen: Two.\n"
    )
    message = parse_error_message("joined.vtt", data)
    assert "line 5" in message
    assert "blank line" in message


def test_vtt_cue_right_after_the_header() -> None:
    message = parse_error_message("tight.vtt", "WEBVTT\n00:00:01.000 --> 00:00:02.000\nAna: One.\n")
    assert "line 2" in message
    assert "blank line" in message


VALID_SRT_CUES = (
    "1\n00:00:01,000 --> 00:00:04,000\nAna: Our licence renews in May.\n\n"
    "2\n00:00:04,500 --> 00:00:07,000\nBen: And the SSO add-on?\n\n"
)


def test_srt_block_without_timing_line() -> None:
    data = VALID_SRT_CUES + "3\nAna: Same day.\n\n4\n00:00:09,000 --> 00:00:10,000\nBen: Good.\n"
    message = parse_error_message("bad.srt", data)
    assert "not a valid SubRip (.srt) file" in message
    assert 'line 10 should be a timing line like "00:00:01,000 --> 00:00:04,000"' in message
    assert '"Ana: Same day."' in message


def test_srt_stray_text_line() -> None:
    data = VALID_SRT_CUES + "Ana: Same day.\n\n4\n00:00:09,000 --> 00:00:10,000\nBen: Good.\n"
    message = parse_error_message("stray.srt", data)
    assert "line 9 is not part of any subtitle" in message


def test_srt_malformed_timing_arrow() -> None:
    data = VALID_SRT_CUES + "3\n00:00:07,500 -> 00:00:09,000\nAna: Same day.\n"
    message = parse_error_message("arrow.srt", data)
    assert "line 10 should be a timing line" in message
    assert "00:00:07,500 -> 00:00:09,000" in message


def test_srt_timing_line_with_impossible_time() -> None:
    data = VALID_SRT_CUES + "3\n00:00:07,500 --> 00:00:61,000\nAna: Same day.\n"
    message = parse_error_message("time.srt", data)
    assert "line 10 should be a timing line" in message


def test_srt_cut_off_last_block() -> None:
    message = parse_error_message("cut.srt", VALID_SRT_CUES + "3\n00:00:0")
    assert "ends in the middle of a subtitle (line 10)" in message


@pytest.mark.parametrize(
    ("filename", "data", "line"),
    [
        # The end time cut to "00:00" reads as mm:ss, before the cue's start.
        ("cut.vtt", "WEBVTT\n\n" + VALID_VTT_CUES + "3\n00:00:07.500 --> 00:00", 12),
        ("cut.srt", VALID_SRT_CUES + "3\n00:00:07,500 --> 00:00", 10),
        # A complete timing line, but the cue's text is gone.
        ("cut.vtt", "WEBVTT\n\n" + VALID_VTT_CUES + "3\n00:00:07.500 --> 00:00:09.000\n", 12),
        ("cut.srt", VALID_SRT_CUES + "3\n00:00:07,500 --> 00:00:09,000", 10),
        ("cut.srt", VALID_SRT_CUES + "00:00:07,500 --> 00:00:09,000\n\n", 9),
    ],
)
def test_subtitles_cut_off_at_or_after_the_last_timing_line(
    filename: str, data: str, line: int
) -> None:
    message = parse_error_message(filename, data)
    assert f"(line {line}). The file may have been cut short." in message


def test_vtt_cue_without_text_inside_the_file_is_accepted() -> None:
    data = "WEBVTT\n\n" + VALID_VTT_CUES + "3\n00:00:07.000 --> 00:00:08.000\n\n" + VALID_VTT_CUES
    assert parse("pause.vtt", data).text.count("Our licence renews in May.") == 2


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        (
            "backwards.vtt",
            "WEBVTT\n\n" + VALID_VTT_CUES + "3\n00:00:09.000 --> 00:00:08.000\nAna: Same day.\n",
            "the cue on line 12 ends at 00:00:08.000, before it starts at 00:00:09.000.",
        ),
        (
            "backwards.srt",
            "1\n00:01:00,000 --> 00:00:59,999\nAna: hi\n\n" + VALID_SRT_CUES,
            "the subtitle on line 2 ends at 00:00:59,999, before it starts at 00:01:00,000.",
        ),
    ],
)
def test_cue_that_ends_before_it_starts(filename: str, data: str, expected: str) -> None:
    assert expected in parse_error_message(filename, data)


def test_cue_that_ends_when_it_starts_is_accepted() -> None:
    data = "WEBVTT\n\n00:00:01.000 --> 00:00:01.000\nAna: hm\n"
    assert times(parse("instant.vtt", data)) == [(1000, 1000)]


def test_srt_bad_subtitle_number() -> None:
    data = VALID_SRT_CUES + "three\n00:00:07,500 --> 00:00:09,000\nAna: Same day.\n"
    message = parse_error_message("number.srt", data)
    assert "line 9 should be the number of a subtitle" in message


def test_docx_that_is_not_a_zip() -> None:
    message = parse_error_message("notes.docx", b"Ana: this is really a text file")
    assert "not a valid Word (.docx) document" in message


def test_docx_that_is_another_office_file() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    message = parse_error_message("budget.docx", buffer.getvalue())
    assert "Excel workbook, not a Word document" in message


def test_docx_that_is_an_old_word_file() -> None:
    message = parse_error_message("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    assert "older Word document (.doc) or a password-protected one" in message
    assert "save it as .docx without a password" in message


def test_docx_with_damaged_content() -> None:
    valid = build_paragraph_docx()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    message = parse_error_message("damaged.docx", buffer.getvalue())
    assert "damaged" in message


def test_docx_without_text() -> None:
    document = docx.Document()
    document.add_heading("Interview", level=1)
    document.add_paragraph("   ")
    message = parse_error_message("blank.docx", docx_bytes(document))
    assert "no transcript text" in message


def corrupted_copies(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Truncated, bit-flipped and spliced variants of a file, as uploads get damaged."""
    copies = []
    for _ in range(count):
        damaged = bytearray(data)
        position = rng.randrange(len(damaged))
        match rng.choice(("truncate", "overwrite", "insert", "delete")):
            case "truncate":
                del damaged[position:]
            case "overwrite":
                for _ in range(rng.randint(1, 5)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            case "insert":
                damaged[position:position] = rng.choice((b"\n", b"-->", b": ", b"<v X>", b"\x00"))
            case "delete":
                del damaged[position : position + rng.randint(1, 20)]
        copies.append(bytes(damaged))
    return copies


@pytest.mark.parametrize("name", FIXTURE_NAMES + sorted(DOCX_BUILDERS))
def test_damaged_files_give_a_parse_error_or_a_consistent_transcript(name: str) -> None:
    data = DOCX_BUILDERS[name]() if name in DOCX_BUILDERS else (FIXTURES / name).read_bytes()
    rng = random.Random(name)
    for damaged in corrupted_copies(data, rng, count=150):
        try:
            transcript = parse(name, damaged)
        except TranscriptParseError as error:
            assert name in str(error)
        else:
            assert_offsets_consistent(transcript)


def test_error_is_a_value_error() -> None:
    assert issubclass(TranscriptParseError, ValueError)
