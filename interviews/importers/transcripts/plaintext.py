"""Plain-text (.txt) and Markdown (.md) transcripts."""

from __future__ import annotations

import re

from .base import ParsedTranscript, assemble_transcript
from .encoding import decode_text
from .turns import turns_from_lines


def parse_txt(filename: str, data: bytes) -> ParsedTranscript:
    text, encoding = decode_text(filename, data)
    turns = turns_from_lines(text.split("\n"))
    return assemble_transcript(filename, turns, format="txt", encoding=encoding)


def parse_md(filename: str, data: bytes) -> ParsedTranscript:
    text, encoding = decode_text(filename, data)
    turns = turns_from_lines(_without_markdown_structure(text.split("\n")))
    return assemble_transcript(filename, turns, format="md", encoding=encoding)


_HEADING = re.compile(r"#{1,6}(?:\s.*)?")
_THEMATIC_BREAK = re.compile(r"(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}")
_FRONT_MATTER_FENCE = "---"


def _without_markdown_structure(lines: list[str]) -> list[str]:
    """Blank out front matter, headings and horizontal rules: they are document layout, not speech.

    Blanked rather than removed, so they still separate the paragraphs around them.
    """
    lines = list(lines)
    if lines and lines[0].strip() == _FRONT_MATTER_FENCE:
        closing = next(
            (i for i in range(1, len(lines)) if lines[i].strip() == _FRONT_MATTER_FENCE), None
        )
        if closing is not None:
            lines[: closing + 1] = [""] * (closing + 1)
    return [
        "" if _HEADING.fullmatch(line.strip()) or _THEMATIC_BREAK.fullmatch(line.strip()) else line
        for line in lines
    ]
