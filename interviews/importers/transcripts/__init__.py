"""Parse interview transcripts (.txt, .md, .docx, .vtt, .srt) into text and speaker turns.

Pure Python, no Django: callers pass the uploaded file's name and bytes and get a
ParsedTranscript, or a TranscriptParseError whose message can be shown to the user as-is.

    transcript = parse_transcript("interview.vtt", data, max_bytes=10 * 1024 * 1024)
    for utterance in transcript.utterances:
        transcript.text[utterance.start : utterance.end]  # the utterance's text
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import PurePath

from .base import (
    SUPPORTED_EXTENSIONS,
    ParsedTranscript,
    ParsedUtterance,
    TranscriptParseError,
    parse_error,
)
from .docx import parse_docx
from .plaintext import parse_md, parse_txt
from .subtitles import parse_srt, parse_vtt

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "ParsedTranscript",
    "ParsedUtterance",
    "TranscriptParseError",
    "parse_transcript",
    "size_error",
]

_PARSERS: dict[str, Callable[[str, bytes], ParsedTranscript]] = {
    ".txt": parse_txt,
    ".md": parse_md,
    ".docx": parse_docx,
    ".vtt": parse_vtt,
    ".srt": parse_srt,
}


def parse_transcript(filename: str, data: bytes, *, max_bytes: int) -> ParsedTranscript:
    """Parse an uploaded transcript; the format is chosen by the file's extension."""
    extension = PurePath(filename).suffix.lower()
    if extension not in _PARSERS:
        raise _unsupported_type_error(filename, extension)
    if len(data) > max_bytes:
        raise size_error(filename, len(data), max_bytes=max_bytes)
    if not data:
        raise parse_error(filename, "the file is empty.")
    return _PARSERS[extension](filename, data)


def size_error(filename: str, size: int, *, max_bytes: int) -> TranscriptParseError:
    """The error for a file over the size limit; uploads are checked with it before reading."""
    return parse_error(
        filename,
        f"the file is {_readable_size(size, round_up=True)}, which is over the "
        f"{_readable_size(max_bytes)} limit for transcripts.",
    )


def _unsupported_type_error(filename: str, extension: str) -> TranscriptParseError:
    supported = ", ".join(SUPPORTED_EXTENSIONS)
    if not extension:
        return parse_error(
            filename,
            f"the file name has no extension, so its type is unknown. Supported: {supported}.",
        )
    return parse_error(
        filename, f'files of type "{extension}" cannot be imported. Supported: {supported}.'
    )


def _readable_size(size: int, *, round_up: bool = False) -> str:
    """Size as "5 MB", "512 KB" or "1.5 MB".

    round_up is for a file's size, so a file just over a limit never reads as equal to it.
    """
    for unit, unit_size in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= unit_size:
            tenths = size * 10 / unit_size
            tenths = math.ceil(tenths) if round_up else round(tenths)
            return f"{tenths / 10:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
