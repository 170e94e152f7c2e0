"""Offsets between Python (code points) and the browser (UTF-16 code units).

Python indexes a string by code point; the DOM's Selection and Range count UTF-16 code
units, so every character outside the Basic Multilingual Plane (most emoji) counts twice
in the browser. Offsets cross the boundary only through these functions.
"""

from __future__ import annotations

from collections.abc import Sequence


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


def _bmp_only(text: str) -> bool:
    """No character outside the Basic Multilingual Plane: both counts agree everywhere.

    max() walks the string in C; a generator over it costs about 1 ms per 20,000 characters,
    which the coding endpoint paid twice per request on a long transcript.
    """
    return text.isascii() or max(text) <= "\uffff"


def utf16_offsets(text: str, offsets: Sequence[int]) -> list[int]:
    """UTF-16 offsets for code-point offsets into `text` (any order), in one pass."""
    if _bmp_only(text):
        return list(offsets)
    order = sorted(range(len(offsets)), key=offsets.__getitem__)
    result = [0] * len(offsets)
    position = units = 0
    for index in order:
        target = offsets[index]
        units += utf16_length(text[position:target])
        position = target
        result[index] = units
    return result


def codepoint_offset(text: str, utf16_offset: int) -> int:
    """The code-point offset of a UTF-16 offset into `text`.

    Raises ValueError when the offset is outside the text or splits a surrogate pair.
    """
    if utf16_offset < 0:
        raise ValueError("Offsets cannot be negative.")
    if _bmp_only(text):
        if utf16_offset > len(text):
            raise ValueError("The offset is past the end of the text.")
        return utf16_offset
    units = 0
    for index, character in enumerate(text):
        if units == utf16_offset:
            return index
        units += 2 if ord(character) > 0xFFFF else 1
        if units > utf16_offset:
            raise ValueError("The offset falls inside a character.")
    if units == utf16_offset:
        return len(text)
    raise ValueError("The offset is past the end of the text.")
