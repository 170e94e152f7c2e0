"""Plain-text (.txt) and Markdown (.md) transcripts."""

from __future__ import annotations

import re

from .base import ParsedTranscript, assemble_transcript
from .encoding import decode_text
from .turns import turns_from_lines


def parse_txt(filename: str, data: bytes) -> ParsedTranscript:
    text, encoding = decode_text(filename, data)
    reading = turns_from_lines(text.split("\n"))
    return assemble_transcript(
        filename, reading.turns, format="txt", encoding=encoding, metadata=reading.metadata
    )


def parse_md(filename: str, data: bytes) -> ParsedTranscript:
    """Markdown: layout is dropped, and backslash escapes are shown as the characters they escape.

    The stored text is what a reader sees ("[laughter]", not "\\[laughter\\]"); offsets count in it.
    """
    text, encoding = decode_text(filename, data)
    lines, metadata = _without_markdown_structure(text.split("\n"))
    reading = turns_from_lines([_unescape(line) for line in lines])
    return assemble_transcript(
        filename,
        reading.turns,
        format="md",
        encoding=encoding,
        metadata={**metadata, **reading.metadata},
    )


_HEADING = re.compile(r"#{1,6}(?:\s+(?P<text>.*?))?\s*#*")
_THEMATIC_BREAK = re.compile(r"(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}")
_FRONT_MATTER_FENCE = "---"
_FRONT_MATTER_FIELD = re.compile(r"(?P<key>[A-Za-z][\w-]{0,40}):\s*(?P<value>\S.{0,499})")
# CommonMark: a backslash before ASCII punctuation stands for the punctuation itself.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescape(line: str) -> str:
    return _ESCAPE.sub(r"\1", line)


def _without_markdown_structure(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Blank out front matter, headings and horizontal rules: they are document layout, not speech.

    Blanked rather than removed, so they still separate the paragraphs around them. The front
    matter's simple "key: value" fields, and the first heading as the title when the front matter
    names none, are returned as metadata.
    """
    lines = list(lines)
    metadata: dict[str, str] = {}
    if lines and lines[0].strip() == _FRONT_MATTER_FENCE:
        closing = next(
            (i for i in range(1, len(lines)) if lines[i].strip() == _FRONT_MATTER_FENCE), None
        )
        if closing is not None:
            for line in lines[1:closing]:
                if field := _FRONT_MATTER_FIELD.fullmatch(line.strip()):
                    value = field["value"].strip().strip("\"'").strip()
                    if value:
                        metadata.setdefault(field["key"].casefold(), value)
            lines[: closing + 1] = [""] * (closing + 1)
    kept = []
    for line in lines:
        heading = _HEADING.fullmatch(line.strip())
        if heading and heading["text"]:
            metadata.setdefault("title", _unescape(heading["text"]))
        if heading or _THEMATIC_BREAK.fullmatch(line.strip()):
            line = ""
        kept.append(line)
    return kept, metadata
