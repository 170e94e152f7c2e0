"""Parsing WebVTT and SubRip captions."""

from __future__ import annotations

from tests.interviews.parsing import (
    parse,
    parse_fixture,
    speakers_in_order,
    texts,
    times,
)

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
