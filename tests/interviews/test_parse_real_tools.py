"""Transcripts in the shapes real tools and research data sets write: Otter, Rev, Teams,
Google Meet, YouTube captions and more."""

from __future__ import annotations

import pytest

from tests.interviews.parsing import (
    FIXTURES,
    build_meet_paragraphs_docx,
    build_meet_table_docx,
    build_otter_docx,
    parse,
    parse_error_message,
    parse_fixture,
    speakers_in_order,
    texts,
    times,
)

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
