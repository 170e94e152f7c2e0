"""The transcript parsers' shared promises: offsets match the text for every fixture, and the
public API."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviews.importers.transcripts import (
    SUPPORTED_EXTENSIONS,
    ParsedTranscript,
    ParsedUtterance,
)
from interviews.importers.transcripts.base import timestamp_to_ms
from tests.interviews.parsing import (
    DOCX_BUILDERS,
    FIXTURE_NAMES,
    assert_offsets_consistent,
    parse,
    parse_fixture,
)

# --- The offsets invariant, for every fixture -------------------------------------------------


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
