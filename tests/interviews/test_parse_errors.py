"""Transcript files the parsers refuse, each with a message naming the file and what is wrong."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx
import pytest

from interviews.importers.transcripts import (
    SUPPORTED_EXTENSIONS,
    TranscriptParseError,
)
from tests.interviews.parsing import (
    DOCX_BUILDERS,
    FIXTURE_NAMES,
    FIXTURES,
    assert_offsets_consistent,
    build_paragraph_docx,
    build_table_docx,
    docx_bytes,
    parse,
    parse_error_message,
    times,
)

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
