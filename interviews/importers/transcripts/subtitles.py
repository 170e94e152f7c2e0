"""WebVTT (.vtt) and SubRip (.srt) transcripts.

Both are read by the small cue-block reader below rather than with webvtt-py or pysrt: those skip
malformed or truncated cues without a word (webvtt-py even in strict mode for stray text) and
cannot say on which line a problem is, while an import must refuse a damaged file and tell the
user where it is damaged. The two formats share everything but the header and NOTE/STYLE/REGION
blocks, which only WebVTT has.

What the reader accepts beyond the strict format, because real tools write it: times without
padding ("0:0:3.540", Teams), hours of any length, a line of spaces right after a WebVTT timing
line (YouTube) and, after a cue without text, the text as a block of its own (the same file after
an editor dropped the spaces). It follows the W3C WebVTT rules for the rest: a header whose
"Key: value" lines (Kind, Language) become metadata, NOTE, STYLE and REGION blocks, cue
identifiers, cue settings ("align:start position:0%"), and cue tags (<c.colorE5E5E5>, <i>, inline
word times <00:05:04.199>), which are dropped from the text.

YouTube's automatic captions roll: each cue shows the previous line again above the new one, and
10 ms cues repeat a finished line. When most cues start with the previous cue's last line, those
repeated lines are dropped, so each line is read once.

Speakers come from WebVTT voice tags (Teams: "<v Jane Doe>text</v>") or from a "Jane Doe: " prefix
in the cue text (Zoom, and many .srt files), recognised like turns in plain text.
Consecutive cues of the same speaker merge into one utterance, from the first cue's start to the
last cue's end. Cues without a speaker ("", captioning tools) keep their times: they are grouped
into one utterance per sentence, a group ending where a cue ends a sentence (. ? ! …), before a
pause of 2 seconds or more, or before the group would span more than 20 seconds (automatic
captions have no punctuation). They never merge with a cue that has a speaker.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from .base import (
    Metadata,
    ParsedTranscript,
    TranscriptParseError,
    Turn,
    assemble_transcript,
    collapse_spaces,
    parse_error,
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
    cues, metadata = _read_webvtt_cues(filename, text)
    return assemble_transcript(
        filename,
        _turns_from_cues(_without_rolling_repeats(cues)),
        format="vtt",
        encoding=encoding,
        metadata=metadata,
    )


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


# Cue times: "00:01:02.500", "01:02.500", "1:02:03,5", "0:0:3.540" (Teams pads nothing).
_CUE_TIME_PATTERN = r"\d{1,9}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_CUE_TIME = re.compile(
    r"(?:(?P<hours>\d{1,9}):)?(?P<minutes>\d{1,2}):(?P<seconds>\d{1,2})(?:[.,](?P<fraction>\d{1,3}))?"
)
_TIMING_LINE = re.compile(
    rf"(?P<start>{_CUE_TIME_PATTERN})\s*-->\s*(?P<end>{_CUE_TIME_PATTERN})(?:\s+.*)?"
)
# What is left of an identifier or a timing line when a file is cut off in the middle of it.
_CUT_OFF_CUE_START = re.compile(r"[\d:.,\s>-]+")
_WEBVTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_WEBVTT_NON_CUE_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_WEBVTT_HEADER_FIELD = re.compile(r"(?P<key>[A-Za-z][\w-]{0,40}):[ \t]*(?P<value>\S.{0,199})")


def _cue_time_to_ms(value: str) -> int | None:
    match = _CUE_TIME.fullmatch(value)
    if match is None:
        return None
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"])
    seconds = int(match["seconds"])
    if seconds > 59 or (match["hours"] is not None and minutes > 59):
        return None
    milliseconds = int((match["fraction"] or "0").ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds


def _blocks(text: str, *, spaces_after_timing_are_text: bool = False) -> list[_Block]:
    """Blocks of lines between blank lines.

    With spaces_after_timing_are_text (WebVTT), a line of spaces right after a timing line is
    the cue's (empty) first line, as the W3C rules read it, rather than the end of the cue.
    """
    blocks = []
    lines: list[str] = []
    first_line_number = 0
    for line_number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not lines:
                first_line_number = line_number
            lines.append(line.strip())
        elif spaces_after_timing_are_text and line and lines and "-->" in lines[-1]:
            continue
        elif lines:
            blocks.append(_Block(first_line_number, tuple(lines)))
            lines = []
    if lines:
        blocks.append(_Block(first_line_number, tuple(lines)))
    return blocks


def _read_webvtt_cues(filename: str, text: str) -> tuple[list[_Cue], Metadata]:
    blocks = _blocks(text, spaces_after_timing_are_text=True)
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

    metadata: dict[str, str] = {}
    for line in header.lines[1:]:
        if field := _WEBVTT_HEADER_FIELD.fullmatch(line):
            metadata.setdefault(field["key"].casefold(), field["value"].strip())

    cue_blocks, last_block_of_file = _with_text_blocks_joined_to_their_cue(
        [block for block in body if not _WEBVTT_NON_CUE_BLOCK.fullmatch(block.lines[0])],
        last_block_of_file=blocks[-1],
    )
    if not cue_blocks:
        raise parse_error(filename, "this WebVTT file has no cues, so there is no speech in it.")
    cues = _read_cues(filename, cue_blocks, _WEBVTT, last_block_of_file=last_block_of_file)
    return cues, metadata


def _with_text_blocks_joined_to_their_cue(
    blocks: list[_Block], *, last_block_of_file: _Block
) -> tuple[list[_Block], _Block]:
    """Join a block without a timing line to the cue before it when that cue has no text.

    YouTube writes a line of spaces between a cue's timing line and its text; an editor that
    strips trailing spaces turns that line into a blank one, leaving the text on its own.
    Returns the blocks and the one that now ends the file.
    """
    joined: list[_Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and not any("-->" in line for line in block.lines)
            and _TIMING_LINE.fullmatch(previous.lines[-1])
        ):
            joined[-1] = _Block(previous.first_line_number, previous.lines + block.lines)
            if block is last_block_of_file:
                last_block_of_file = joined[-1]
        else:
            joined.append(block)
    return joined, last_block_of_file


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
    start_ms = _cue_time_to_ms(timing["start"]) if timing else None
    end_ms = _cue_time_to_ms(timing["end"]) if timing else None
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


# A cue that ends with one of these (and maybe closing quotes or brackets) ends a sentence.
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
_PAUSE_MS = 2_000
_MAX_SPEAKERLESS_GROUP_MS = 20_000


def _merge_consecutive_same_speaker(turns: list[Turn]) -> list[Turn]:
    """A speaker's consecutive cues become one utterance; speakerless ones, one per sentence."""
    merged: list[Turn] = []
    for turn in turns:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.speaker == turn.speaker
            and (turn.speaker or _continues_the_sentence(previous, turn))
        ):
            merged[-1] = Turn(
                turn.speaker, f"{previous.text} {turn.text}", previous.start_ms, turn.end_ms
            )
        else:
            merged.append(turn)
    return merged


def _continues_the_sentence(group: Turn, cue: Turn) -> bool:
    # Turns made from cues always carry both times; "or 0" only satisfies the type.
    pause = (cue.start_ms or 0) - (group.end_ms or 0)
    span = (cue.end_ms or 0) - (group.start_ms or 0)
    return (
        not _SENTENCE_END.search(group.text)
        and pause < _PAUSE_MS
        and span <= _MAX_SPEAKERLESS_GROUP_MS
    )


def _without_rolling_repeats(cues: list[_Cue]) -> list[_Cue]:
    """Drop the lines of rolling captions (YouTube) that repeat the previous cue's last line.

    Only a file where most cues with text start that way rolls: elsewhere a speaker saying
    the same words twice ("No." "No.") keeps both.
    """
    # Only each cue's first and last lines matter here (cue text lines are never blank).
    ends = []
    for cue in cues:
        if cue.text_lines:
            first = _clean_cue_text(cue.text_lines[0])
            last = first if len(cue.text_lines) == 1 else _clean_cue_text(cue.text_lines[-1])
            ends.append((first, last))
    repeats = sum(
        current[0] == previous[1] != "" for previous, current in zip(ends, ends[1:], strict=False)
    )
    if repeats < 2 or 2 * repeats < len(ends):
        return cues

    kept = []
    previous_last_line: str | None = None
    for cue in cues:
        lines = [(raw, clean) for raw in cue.text_lines if (clean := _clean_cue_text(raw))]
        if not lines:
            kept.append(cue)
            continue
        last_line = lines[-1][1]
        if lines[0][1] == previous_last_line:
            lines = lines[1:]
        previous_last_line = last_line
        kept.append(replace(cue, text_lines=tuple(raw for raw, _ in lines)))
    return kept
