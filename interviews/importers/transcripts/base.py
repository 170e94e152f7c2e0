"""Result types, the error type and the helpers every transcript format shares."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".vtt", ".srt")


class TranscriptParseError(ValueError):
    """Message is shown to users as-is.

    It must name the file and say what is wrong, in plain English.
    """


def parse_error(filename: str, problem: str) -> TranscriptParseError:
    return TranscriptParseError(f"{filename}: {problem}")


@dataclass(frozen=True)
class ParsedUtterance:
    speaker: str  # the label as written in the file, stripped; "" when there is none
    start: int  # offset into ParsedTranscript.text, in code points
    end: int
    start_ms: int | None  # media time, when the format gives it
    end_ms: int | None


# What a file says about itself besides speech: an Otter.ai header (title, keywords, speakers), a
# WebVTT header (Kind, Language), Markdown front matter. Values are strings or lists of strings.
Metadata = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class ParsedTranscript:
    text: str  # the utterances' texts joined by "\n\n", without speaker labels or timestamps
    utterances: tuple[ParsedUtterance, ...]
    format: str  # "txt" | "md" | "docx" | "vtt" | "srt"
    encoding: str  # e.g. "utf-8", "utf-8-sig", "utf-16", "cp1252"; "docx" for Word
    metadata: Metadata = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        # dict keeps insertion order, so this de-duplicates in order of first appearance.
        return list(dict.fromkeys(u.speaker for u in self.utterances if u.speaker))


@dataclass(frozen=True)
class Turn:
    """One utterance as a format parser found it, before offsets are assigned."""

    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


# --- Timestamps -------------------------------------------------------------------------------

# "12:03", "1:02:03", "00:12:03", each with an optional ".mmm" or ",mmm" fraction.
TIMESTAMP_PATTERN = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"

_TIMESTAMP = re.compile(
    r"(?:(?P<hours>\d{1,2}):)?(?P<minutes>\d{1,2}):(?P<seconds>\d{2})(?:[.,](?P<fraction>\d{1,3}))?"
)


def timestamp_to_ms(value: str) -> int | None:
    """Milliseconds for "hh:mm:ss", "h:mm:ss" or "mm:ss" (brackets allowed), None if invalid."""
    match = _TIMESTAMP.fullmatch(value.strip().strip("[]()").strip())
    if match is None:
        return None
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"])
    seconds = int(match["seconds"])
    # Without an hour field some tools count minutes past 59 ("75:12"), so only cap it with hours.
    if seconds > 59 or (match["hours"] is not None and minutes > 59):
        return None
    milliseconds = int((match["fraction"] or "0").ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds


# --- Text tidying -----------------------------------------------------------------------------

_HORIZONTAL_WHITESPACE = re.compile(r"[ \t]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise newlines to "\\n"; drop a leading byte-order mark and control characters.

    Tabs and newlines are the only control characters kept.

    Unicode normalisation is deliberately not applied: offsets are counted in code points of the
    text exactly as the file holds it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    return _CONTROL_CHARACTERS.sub("", text)


def collapse_spaces(text: str) -> str:
    return _HORIZONTAL_WHITESPACE.sub(" ", text).strip()


def tidy_turn_text(text: str) -> str:
    """Strip every line, collapse runs of spaces, and drop empty lines.

    Utterances are separated by "\\n\\n" in ParsedTranscript.text, so an utterance itself may hold
    single "\\n" paragraph breaks but never a blank line.
    """
    lines = (collapse_spaces(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --- Assembling the result --------------------------------------------------------------------


def assemble_transcript(
    filename: str,
    turns: Iterable[Turn],
    *,
    format: str,
    encoding: str,
    metadata: Metadata | None = None,
) -> ParsedTranscript:
    """Turn parsed turns into a ParsedTranscript, with character offsets into its text.

    Consecutive turns of one speaker become one utterance, whatever the format: tools split a
    long answer into blocks (Otter.ai) or rows (meeting tools' tables) of the same person.
    """
    tidied = [
        replace(turn, speaker=turn.speaker.strip(), text=tidy_turn_text(turn.text))
        for turn in turns
    ]
    # End times first: a turn without text ("**Break:** [12:40]") still ends the one before it.
    kept = [turn for turn in _with_end_times_from_next_start(tidied) if turn.text]
    if not kept:
        raise parse_error(filename, "the file has no transcript text in it.")
    kept = _merge_consecutive_turns_of_a_speaker(kept)

    utterances = []
    position = 0
    for turn in kept:
        end = position + len(turn.text)
        utterances.append(ParsedUtterance(turn.speaker, position, end, turn.start_ms, turn.end_ms))
        position = end + len("\n\n")
    return ParsedTranscript(
        text="\n\n".join(turn.text for turn in kept),
        utterances=tuple(utterances),
        format=format,
        encoding=encoding,
        metadata=dict(metadata or {}),
    )


def _merge_consecutive_turns_of_a_speaker(turns: list[Turn]) -> list[Turn]:
    """Join a speaker's consecutive turns as paragraphs of one; speakerless turns stay apart.

    Speakerless turns are paragraphs of notes or caption groups, each with its own place.
    """
    merged: list[Turn] = []
    for turn in turns:
        previous = merged[-1] if merged else None
        if previous is None or not turn.speaker or turn.speaker != previous.speaker:
            merged.append(turn)
            continue
        merged[-1] = Turn(
            previous.speaker,
            f"{previous.text}\n{turn.text}",
            previous.start_ms if previous.start_ms is not None else turn.start_ms,
            turn.end_ms,
        )
    return merged


def _with_end_times_from_next_start(turns: list[Turn]) -> list[Turn]:
    """End each timed turn where the next one starts, when the format gave no end time.

    Only .txt, .md and .docx need this: subtitle cues carry their own end times.
    """
    completed = []
    for turn, following in zip(turns, [*turns[1:], None], strict=False):
        next_start = following.start_ms if following else None
        if (
            turn.start_ms is not None
            and turn.end_ms is None
            and next_start is not None
            and next_start >= turn.start_ms
        ):
            turn = replace(turn, end_ms=next_start)
        completed.append(turn)
    return completed
