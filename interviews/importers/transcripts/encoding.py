"""Turn the bytes of a text transcript (.txt, .md, .vtt, .srt) into clean text."""

from __future__ import annotations

import charset_normalizer

from .base import TranscriptParseError, clean_text, parse_error

# UTF-32 LE must be tried before UTF-16 LE: its byte-order mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (Word and Excel files are ZIP archives too)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc or .xls)"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
)


def decode_text(filename: str, data: bytes) -> tuple[str, str]:
    """Return (text, encoding name), with newlines normalised and control characters removed.

    Raises TranscriptParseError for binary content, undecodable bytes, or a file with no text.
    """
    _reject_binary_signature(filename, data)
    text, encoding = _decode(filename, data)
    text = clean_text(text)
    if not text.strip():
        raise parse_error(filename, "the file is empty.")
    return text, encoding


def _reject_binary_signature(filename: str, data: bytes) -> None:
    for signature, description in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _binary_file_error(filename, description)
    if data[4:8] == b"ftyp":
        raise _binary_file_error(filename, "an audio or video file")


def _decode(filename: str, data: bytes) -> tuple[str, str]:
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return _decode_declared(filename, data, codec), codec

    if b"\x00" in data:
        # Valid UTF-8 can hold NULs, but in a text file they mean UTF-16 without a mark, or binary.
        utf16 = _utf16_without_byte_order_mark(data)
        if utf16 is None:
            raise _binary_file_error(filename, "it contains NUL bytes")
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            raise _binary_file_error(filename, "it contains NUL bytes") from None

    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass

    best_guess = charset_normalizer.from_bytes(data).best()
    if best_guess is None:
        raise parse_error(
            filename,
            "the text encoding of this file could not be recognised. "
            "Please save it as UTF-8 and upload it again.",
        )
    return str(best_guess), best_guess.encoding


def _decode_declared(filename: str, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        encoding_name = codec.removesuffix("-sig").upper()
        raise parse_error(
            filename,
            f"the file says it is {encoding_name} text (it starts with a byte-order mark) "
            f"but it is not valid {encoding_name}. It may be damaged or cut short.",
        ) from None


def _utf16_without_byte_order_mark(data: bytes) -> str | None:
    """UTF-16 of mostly Latin text has a NUL in every other byte: odd bytes for LE, even for BE."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    nuls_at_even = data[0::2].count(0)
    nuls_at_odd = data[1::2].count(0)
    if nuls_at_odd > 0.3 * half and nuls_at_even < 0.05 * half:
        return "utf-16-le"
    if nuls_at_even > 0.3 * half and nuls_at_odd < 0.05 * half:
        return "utf-16-be"
    return None


def _binary_file_error(filename: str, detail: str) -> TranscriptParseError:
    return parse_error(
        filename,
        f"this looks like a binary file ({detail}), not a text transcript. "
        "Please check that you picked the right file.",
    )
