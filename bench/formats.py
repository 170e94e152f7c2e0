"""The same interview written as each importable file format, as the tools that make them do."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from bench.text import Turn

CUE_WORDS = 14  # subtitle tools cut speech into short cues; the parser merges them back


def _timestamp(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _cues(turns: Sequence[Turn]) -> list[tuple[int, int, str, str]]:
    """(start ms, end ms, speaker, text) for cues of about CUE_WORDS words."""
    cues, ms = [], 0
    for turn in turns:
        words = turn.text.split(" ")
        for first in range(0, len(words), CUE_WORDS):
            piece = " ".join(words[first : first + CUE_WORDS])
            duration = 400 * len(words[first : first + CUE_WORDS])
            cues.append((ms, ms + duration, turn.speaker, piece))
            ms += duration + 100
    return cues


def txt(turns: Sequence[Turn]) -> bytes:
    return "\n\n".join(f"{t.speaker}: {t.text}" for t in turns).encode()


def md(turns: Sequence[Turn]) -> bytes:
    body = "\n\n".join(f"**{t.speaker}:** {t.text}" for t in turns)
    return f"# Interview\n\n{body}\n".encode()


def vtt(turns: Sequence[Turn]) -> bytes:
    blocks = [
        f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n<v {speaker}>{text}</v>"
        for start, end, speaker, text in _cues(turns)
    ]
    return ("WEBVTT\n\n" + "\n\n".join(blocks) + "\n").encode()


def srt(turns: Sequence[Turn]) -> bytes:
    blocks = [
        f"{number}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n{speaker}: {text}"
        for number, (start, end, speaker, text) in enumerate(_cues(turns), start=1)
    ]
    return ("\n\n".join(blocks) + "\n").encode()


def docx(turns: Sequence[Turn]) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_heading("Interview", level=1)
    for turn in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{turn.speaker}:").bold = True
        paragraph.add_run(f" {turn.text}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


WRITERS: dict[str, Callable[[Sequence[Turn]], bytes]] = {
    "txt": txt,
    "md": md,
    "docx": docx,
    "vtt": vtt,
    "srt": srt,
}
