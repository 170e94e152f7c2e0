"""Text at the boundaries: offsets for the browser, and what may be stored.

Offsets between Python (code points) and the browser (UTF-16 code units): Python indexes a
string by code point; the DOM's Selection and Range count UTF-16 code units, so every character
outside the Basic Multilingual Plane (most emoji) counts twice in the browser. Offsets cross the
boundary only through these functions.

What may be stored: text_problem() and name_problem() (and the form validators over them)
are applied wherever text from outside is saved: forms, the coding endpoints, importers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db.models import Field, Model


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


# --- Text that can be stored, and names that read as what they are -------------------------------

# Characters that reorder the text after them: embeddings and overrides (U+202A–U+202E) and
# isolates (U+2066–U+2069). In a name they can make "P-014‮gnp.exe" read as something else
# (the "Trojan Source" trick). The marks U+200E/U+200F (LRM, RLM) stay allowed: Arabic and
# Hebrew names use them, and on their own they only set the direction of neutral characters.
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None when it can.

    PostgreSQL refuses NUL in text columns, and a lone surrogate (which JSON's "\\ud800" and
    openpyxl's "_xD800_" escapes can produce) cannot be encoded as UTF-8 by either database.
    """
    if "\x00" in value:
        return "it contains a NUL character (U+0000), which cannot be stored"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "it contains an unpaired surrogate (U+D800–U+DFFF), which is not valid text"
    return None


def name_problem(value: str) -> str | None:
    """text_problem(), and also refuse the text-direction controls in DIRECTION_CONTROLS."""
    if problem := text_problem(value):
        return problem
    if not value.isascii():
        for character in value:
            if character in DIRECTION_CONTROLS:
                return (
                    f"it contains the text-direction control U+{ord(character):04X}, "
                    "which can make a name read differently from what it is"
                )
    return None


def _sentence(problem: str) -> str:
    return f"{problem[0].upper()}{problem[1:]}."


def validate_text(value: str) -> None:
    """Django validator: text that can be stored (no NUL, no lone surrogate)."""
    if problem := text_problem(value):
        raise ValidationError(_sentence(problem), code="invalid_text")


def validate_name(value: str) -> None:
    """Django validator for names and titles: storable, and no text-direction controls."""
    if problem := name_problem(value):
        raise ValidationError(_sentence(problem), code="invalid_name")


def max_length(model: type[Model], field_name: str) -> int:
    """The max_length of a model's text column (every caller's field has one)."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{field_name} has no max_length.")
    return field.max_length
