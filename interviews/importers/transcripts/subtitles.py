"""WebVTT (.vtt) and SubRip (.srt) transcripts.

Both are read by the small cue-block reader below rather than with webvtt-py or pysrt: those skip
malformed or truncated cues without a word (webvtt-py even in strict mode for stray text) and
cannot say on which line a problem is, while an import must refuse a damaged file and tell the
user where it is damaged. The two formats share everything but the header and NOTE/STYLE/REGION
blocks, which only WebVTT has.

Speakers come from WebVTT voice tags (Teams: "<v Jane Doe>text</v>") or from a "Jane Doe: " prefix
in the cue text (Zoom, and many .srt files), recognised like turns in plain text.
Consecutive cues of the same speaker merge into one utterance, from the first cue's start to the
last cue's end. Cues without a speaker ("") merge with each other in the same way, but never with
a cue that has a speaker.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from itertools import groupby

from .base import (
    TIMESTAMP_PATTERN,
    ParsedTranscript,
    TranscriptParseError,
    Turn,
    assemble_transcript,
    collapse_spaces,
    parse_error,
    timestamp_to_ms,
)
from .encoding import decode_text
from .turns import match_label, select_speaker_lines


@dataclass(frozen=True)
class _Dialect:
    name: str
    cue_noun: str
    example_timing: str


_WEBVTT = _Dialect("WebVTT", "cue", "00:00:01.000 --> 00:00:04.000")
_SUBRIP = _Dialect("SubRip (.srt)", "subtitle", "00:00:01,000 --> 00:00:04,000")


def parse_vtt(filename: str, data: bytes) -> ParsedTranscript:
    text, encoding = decode_text(filename, data)
    cues = _read_webvtt_cues(filename, text)
    return assemble_transcript(filename, _turns_from_cues(cues), format="vtt", encoding=encoding)


def parse_srt(filename: str, data: bytes) -> ParsedTranscript:
    text, encoding = decode_text(filename, data)
    cues = _read_subrip_cues(filename, text)
    return assemble_transcript(filename, _turns_from_cues(cues), format="srt", encoding=encoding)


# --- Reading blocks and cues ------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """Lines between blank lines, remembering the 1-based line number of the first one."""

    first_line_number: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Cue:
    start_ms: int
    end_ms: int
    text_lines: tuple[str, ...]
    timing_line_number: int


_TIMING_LINE = re.compile(
    rf"(?P<start>{TIMESTAMP_PATTERN})\s*-->\s*(?P<end>{TIMESTAMP_PATTERN})(?:\s+.*)?"
)
# What is left of an identifier or a timing line when a file is cut off in the middle of it.
_CUT_OFF_CUE_START = re.compile(r"[\d:.,\s>-]+")
_WEBVTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_WEBVTT_NON_CUE_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")


def _blocks(text: str) -> list[_Block]:
    blocks = []
    lines: list[str] = []
    first_line_number = 0
    for line_number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not lines:
                first_line_number = line_number
            lines.append(line.strip())
        elif lines:
            blocks.append(_Block(first_line_number, tuple(lines)))
            lines = []
    if lines:
        blocks.append(_Block(first_line_number, tuple(lines)))
    return blocks


def _read_webvtt_cues(filename: str, text: str) -> list[_Cue]:
    blocks = _blocks(text)
    header, body = blocks[0], blocks[1:]
    if not _WEBVTT_HEADER.fullmatch(header.lines[0]):
        raise _invalid_file(filename, _WEBVTT, 'it must start with the line "WEBVTT".')
    for offset, line in enumerate(header.lines):
        if "-->" in line:
            raise _invalid_file(
                filename,
                _WEBVTT,
                f"the cue on line {header.first_line_number + offset} needs a blank line "
                'between it and the "WEBVTT" header.',
            )

    cue_blocks = [block for block in body if not _WEBVTT_NON_CUE_BLOCK.fullmatch(block.lines[0])]
    if not cue_blocks:
        raise parse_error(filename, "this WebVTT file has no cues, so there is no speech in it.")
    return _read_cues(filename, cue_blocks, _WEBVTT, last_block_of_file=blocks[-1])


def _read_subrip_cues(filename: str, text: str) -> list[_Cue]:
    blocks = _blocks(text)
    return _read_cues(filename, blocks, _SUBRIP, last_block_of_file=blocks[-1])


def _read_cues(
    filename: str, blocks: list[_Block], dialect: _Dialect, *, last_block_of_file: _Block
) -> list[_Cue]:
    cues = [
        _read_cue(filename, block, dialect, is_last_block=block is last_block_of_file)
        for block in blocks
    ]
    # A file cut off right after its last timing line ends in a cue without text. Cues without
    # text are fine elsewhere (tools write them for pauses), and when no cue has any text the
    # file is reported as having none, which says more than "cut short".
    last_cue = cues[-1]
    if (
        blocks[-1] is last_block_of_file
        and not last_cue.text_lines
        and any(cue.text_lines for cue in cues)
    ):
        raise _cut_off_error(filename, dialect, last_cue.timing_line_number)
    return cues


def _read_cue(filename: str, block: _Block, dialect: _Dialect, *, is_last_block: bool) -> _Cue:
    """A cue is an optional identifier (in .srt: the subtitle number), a timing line and text."""
    lines = block.lines
    timing_index = 0 if "-->" in lines[0] else 1
    if timing_index == len(lines):
        # A single line without "-->": a cue's start cut off at the end of the file, or stray text.
        if is_last_block and _CUT_OFF_CUE_START.fullmatch(lines[0]):
            raise _cut_off_error(filename, dialect, block.first_line_number)
        raise _not_in_a_cue_error(filename, dialect, block.first_line_number)
    if dialect is _SUBRIP and timing_index == 1 and not lines[0].isdigit():
        raise _invalid_file(
            filename,
            dialect,
            f"line {block.first_line_number} should be the number of a subtitle "
            f'but it reads "{_shorten(lines[0])}".',
        )

    timing_line = lines[timing_index]
    timing_line_number = block.first_line_number + timing_index
    timing = _TIMING_LINE.fullmatch(timing_line)
    start_ms = timestamp_to_ms(timing["start"]) if timing else None
    end_ms = timestamp_to_ms(timing["end"]) if timing else None
    is_last_line = is_last_block and timing_index == len(lines) - 1
    if timing is None or start_ms is None or end_ms is None:
        if is_last_line and _CUT_OFF_CUE_START.fullmatch(timing_line):
            raise _cut_off_error(filename, dialect, timing_line_number)
        if dialect is _WEBVTT and "-->" not in timing_line:
            # WebVTT identifiers can be any text, so this block is just text, not a broken cue.
            raise _not_in_a_cue_error(filename, dialect, block.first_line_number)
        raise _invalid_file(
            filename,
            dialect,
            f'line {timing_line_number} should be a timing line like "{dialect.example_timing}" '
            f'but it reads "{_shorten(timing_line)}".',
        )

    if end_ms < start_ms:
        # "00:00:10.420 --> 00:00" is a timing line cut short, and "00:00" reads as mm:ss.
        if is_last_line:
            raise _cut_off_error(filename, dialect, timing_line_number)
        raise _invalid_file(
            filename,
            dialect,
            f"the {dialect.cue_noun} on line {timing_line_number} ends at {timing['end']}, "
            f"before it starts at {timing['start']}.",
        )

    text_lines = lines[timing_index + 1 :]
    for offset, line in enumerate(text_lines, start=timing_line_number + 1):
        if "-->" in line:
            raise _invalid_file(
                filename,
                dialect,
                f"the {dialect.cue_noun} on line {offset} needs a blank line before it.",
            )
    return _Cue(start_ms, end_ms, text_lines, timing_line_number)


def _not_in_a_cue_error(filename: str, dialect: _Dialect, line_number: int) -> TranscriptParseError:
    return _invalid_file(
        filename,
        dialect,
        f"line {line_number} is not part of any {dialect.cue_noun} "
        f'(each {dialect.cue_noun} needs a timing line like "{dialect.example_timing}").',
    )


def _invalid_file(filename: str, dialect: _Dialect, problem: str) -> TranscriptParseError:
    return parse_error(filename, f"this is not a valid {dialect.name} file — {problem}")


def _cut_off_error(filename: str, dialect: _Dialect, line_number: int) -> TranscriptParseError:
    return _invalid_file(
        filename,
        dialect,
        f"it ends in the middle of a {dialect.cue_noun} (line {line_number}). "
        "The file may have been cut short.",
    )


def _shorten(line: str, limit: int = 60) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- Cue text to turns ------------------------------------------------------------------------

_VOICE_TAG = re.compile(r"<v(?:\.[^\s>]+)*\s+(?P<name>[^>]+)>")
# Other cue tags start with a letter or are timestamps: <c.yellow>, </i>, <00:00:01.000>, <font …>.
# A "<" followed by anything else is text (in .srt nobody escapes "price < 100").
_OTHER_TAG = re.compile(r"</?(?:[A-Za-z][^<>]*|\d[\d:.]*)>")
_SSA_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # "{\an8}" positioning codes some .srt files carry


@dataclass(frozen=True)
class _Segment:
    """A stretch of cue text spoken by one voice (None when the cue has no voice tag)."""

    voice: str | None
    text: str
    start_ms: int
    end_ms: int


def _turns_from_cues(cues: list[_Cue]) -> list[Turn]:
    segments = [segment for cue in cues for segment in _segments(cue)]
    label_candidates = {
        index: match
        for index, segment in enumerate(segments)
        if segment.voice is None and (match := match_label(segment.text)) is not None
    }
    # Every cue stands apart, as a paragraph does in plain text.
    labelled = select_speaker_lines(
        label_candidates, first_content_index=0, paragraph_starts=range(len(segments))
    )

    turns = []
    for index, segment in enumerate(segments):
        label = labelled.get(index)
        if label is not None:
            speaker, text = label.speaker, label.rest
        else:
            speaker, text = segment.voice or "", segment.text
        if text:
            turns.append(Turn(speaker, text, segment.start_ms, segment.end_ms))
    return _merge_consecutive_same_speaker(turns)


def _segments(cue: _Cue) -> list[_Segment]:
    raw_text = " ".join(cue.text_lines)
    pieces: list[tuple[str | None, str]] = []
    voice: str | None = None
    position = 0
    for tag in _VOICE_TAG.finditer(raw_text):
        pieces.append((voice, raw_text[position : tag.start()]))
        voice = _clean_cue_text(tag["name"]) or None
        position = tag.end()
    pieces.append((voice, raw_text[position:]))
    return [
        _Segment(voice, text, cue.start_ms, cue.end_ms)
        for voice, raw in pieces
        if (text := _clean_cue_text(raw))
    ]


def _clean_cue_text(raw: str) -> str:
    text = _SSA_OVERRIDE.sub("", _OTHER_TAG.sub("", raw))
    # Entities are decoded after tags are removed, so an escaped "&lt;b&gt;" stays as text.
    return collapse_spaces(html.unescape(text).replace("\xa0", " "))


def _merge_consecutive_same_speaker(turns: list[Turn]) -> list[Turn]:
    merged = []
    for speaker, run in groupby(turns, key=lambda turn: turn.speaker):
        cues = list(run)
        text = " ".join(cue.text for cue in cues)
        merged.append(Turn(speaker, text, cues[0].start_ms, cues[-1].end_ms))
    return merged
