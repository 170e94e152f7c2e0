"""Write a demo conversation out as the file a real tool would have produced.

The demo imports these bytes through interviews.transcripts.transcript_import, so the parsers,
speaker mapping and offsets the demo shows are the real ones. Each writer imitates one source:

    zoom_vtt   Zoom cloud recording: numbered cues, "Name: text" in every cue
    teams_vtt  Microsoft Teams: "<v Name>text</v>" cues with GUID-style identifiers
    otter_txt  Otter.ai export: a header, then "Name  0:12" above each paragraph
    timed_txt  a transcription service: "[00:01:02] Name: text", one turn per paragraph
    rev_txt    Rev: "Name (01:02):" on its own line, the text below
    chat_txt   a chat interview pasted from the chat window: "Name: message", no times
    md         a researcher's cleaned-up transcript: front matter, headings, "**Name:** text"
    srt        SubRip captions with "Name: text" in every subtitle
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from demo import voices


@dataclass(frozen=True)
class Line:
    """One turn as it goes into a file: its label there, its text and its media times."""

    label: str
    text: str  # paragraphs separated by "\n"; formats without paragraphs join them
    start_ms: int
    end_ms: int
    heading: str = ""  # a section heading before this turn, for formats that have them


@dataclass(frozen=True)
class Recording:
    title: str
    started_at: dt.datetime
    keywords: tuple[str, ...]


# --- Time stamps ----------------------------------------------------------------------------------


def _hms(ms: int, separator: str) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _clock(ms: int, *, pad_minutes: bool) -> str:
    """ "0:12", "12:03" or "1:02:03" (Otter); "00:12" or "01:02:03" with pad_minutes (Rev)."""
    seconds = ms // 1000
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return (
            f"{hours:02d}:{minutes:02d}:{seconds:02d}"
            if pad_minutes
            else (f"{hours}:{minutes:02d}:{seconds:02d}")
        )
    return f"{minutes:02d}:{seconds:02d}" if pad_minutes else f"{minutes}:{seconds:02d}"


# --- Captions: a turn becomes several cues ------------------------------------------------------

CUE_WORDS = 14  # captioning tools break lines at roughly this many words


def _cues(line: Line) -> list[tuple[str, int, int]]:
    """Split a turn into caption-sized pieces, each with its share of the turn's time."""
    words = " ".join(line.text.split("\n")).split()
    pieces: list[list[str]] = [[]]
    for word in words:
        pieces[-1].append(word)
        long_enough = len(pieces[-1]) >= CUE_WORDS
        natural_break = len(pieces[-1]) >= CUE_WORDS // 2 and word[-1] in ".?!,"
        if long_enough or natural_break:
            pieces.append([])
    pieces = [piece for piece in pieces if piece]
    span = max(line.end_ms - line.start_ms, len(pieces))
    cues = []
    done = 0
    for piece in pieces:
        start = line.start_ms + span * done // len(words)
        done += len(piece)
        end = line.start_ms + span * done // len(words)
        cues.append((" ".join(piece), start, end))
    return cues


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def zoom_vtt(lines: Sequence[Line], recording: Recording) -> str:
    out = ["WEBVTT", ""]
    number = 0
    for line in lines:
        for text, start, end in _cues(line):
            number += 1
            out += [
                str(number),
                f"{_hms(start, '.')} --> {_hms(end, '.')}",
                f"{line.label}: {_vtt_escape(text)}",
                "",
            ]
    return "\n".join(out)


def teams_vtt(lines: Sequence[Line], recording: Recording) -> str:
    digest = hashlib.sha256(recording.title.encode()).hexdigest()
    meeting = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    out = ["WEBVTT", ""]
    for number, line in enumerate(lines, start=1):
        for part, (text, start, end) in enumerate(_cues(line)):
            out += [
                f"{meeting}/{number}-{part}",
                f"{_hms(start, '.')} --> {_hms(end, '.')}",
                f"<v {line.label}>{_vtt_escape(text)}</v>",
                "",
            ]
    return "\n".join(out)


def srt(lines: Sequence[Line], recording: Recording) -> str:
    out = []
    number = 0
    for line in lines:
        for text, start, end in _cues(line):
            number += 1
            out += [
                str(number),
                f"{_hms(start, ',')} --> {_hms(end, ',')}",
                f"{line.label}: {text}",
                "",
            ]
    return "\n".join(out)


# --- Text transcripts -----------------------------------------------------------------------------


def _one_paragraph(text: str) -> str:
    return " ".join(text.split("\n"))


def otter_txt(lines: Sequence[Line], recording: Recording) -> str:
    duration = lines[-1].end_ms if lines else 0
    speakers = ", ".join(dict.fromkeys(line.label for line in lines))
    started = recording.started_at
    hour = started.hour % 12 or 12
    when = f"{started:%a, %b} {started.day}, {started.year} {hour}:{started:%M%p}"
    out = [
        recording.title,
        f"{when} • {_clock(duration, pad_minutes=False)}",
        "",
        "SUMMARY KEYWORDS",
        ", ".join(recording.keywords),
        "",
        "SPEAKERS",
        speakers,
        "",
    ]
    for line in lines:
        out += [
            f"{line.label}  {_clock(line.start_ms, pad_minutes=False)}",
            _one_paragraph(line.text),
            "",
        ]
    return "\n".join(out)


def timed_txt(lines: Sequence[Line], recording: Recording) -> str:
    out = []
    for line in lines:
        first, *more = line.text.split("\n")
        out += [f"[{_hms(line.start_ms, '.')[:8]}] {line.label}: {first}", ""]
        for paragraph in more:
            out += [paragraph, ""]
    return "\n".join(out)


def rev_txt(lines: Sequence[Line], recording: Recording) -> str:
    out = []
    for line in lines:
        out += [
            f"{line.label} ({_clock(line.start_ms, pad_minutes=True)}):",
            *line.text.split("\n"),
            "",
        ]
    return "\n".join(out)


def chat_txt(lines: Sequence[Line], recording: Recording) -> str:
    return "\n".join(f"{line.label}: {_one_paragraph(line.text)}" for line in lines) + "\n"


def md(lines: Sequence[Line], recording: Recording) -> str:
    out = [
        "---",
        f'title: "{recording.title}"',
        f"date: {recording.started_at:%Y-%m-%d}",
        "source: recording, cleaned up by the research team",
        "---",
        "",
        f"# {recording.title}",
        "",
    ]
    for line in lines:
        if line.heading:
            out += [f"## {line.heading}", ""]
        first, *more = line.text.split("\n")
        out += [f"**{line.label}:** {first}", ""]
        for paragraph in more:
            out += [paragraph, ""]
    return "\n".join(out)


WRITERS: dict[str, Callable[[Sequence[Line], Recording], str]] = {
    voices.ZOOM_VTT: zoom_vtt,
    voices.TEAMS_VTT: teams_vtt,
    voices.OTTER_TXT: otter_txt,
    voices.TIMED_TXT: timed_txt,
    voices.REV_TXT: rev_txt,
    voices.CHAT_TXT: chat_txt,
    voices.MARKDOWN: md,
    voices.SRT: srt,
}

# Formats whose turns may hold several paragraphs; the others get one per turn.
PARAGRAPH_FORMATS = frozenset({voices.TIMED_TXT, voices.REV_TXT, voices.MARKDOWN})


def render(format: str, lines: Sequence[Line], recording: Recording) -> bytes:
    return WRITERS[format](lines, recording).encode("utf-8")
