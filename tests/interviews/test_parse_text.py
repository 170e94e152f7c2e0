"""Parsing plain-text and Markdown transcripts, in any encoding."""

from __future__ import annotations

import pytest

from tests.interviews.parsing import (
    FIXTURES,
    parse,
    parse_fixture,
    speakers_in_order,
    texts,
    times,
)

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
