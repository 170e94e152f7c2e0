"""Offsets between texts: a source file's own counting, its code points, and the stored text.

REFI-QDA counts text selections in Unicode code points from 0 (spec §10.2). Real files
deviate: some Windows tools count UTF-16 code units (an emoji counts twice), some count a
line break as two characters (CR LF) whether or not the file holds CR LF, and some give
the position of the last character rather than the one after it. `Counting` is one such
convention; `choose_counting` picks the one under which the exporter's own copy of each
selection's text matches the file. Pure Python, no Django.

`SpanMap` carries offsets from one text to another made from it by dropping and keeping
runs of characters (a label removed, white space collapsed): a selection keeps the
characters that survived.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# --- Counting conventions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Counting:
    """How a file's offsets count `text` (the decoded file, line breaks as written)."""

    utf16: bool = False  # characters outside the BMP count as two
    newlines: str = "literal"  # "literal" | "crlf_as_one" | "lf_as_two"
    inclusive_end: bool = False  # endPosition is the last character, not the one after

    @property
    def label(self) -> str:
        parts = ["UTF-16 code units" if self.utf16 else "code points"]
        if self.newlines == "crlf_as_one":
            parts.append("CR LF counted as one character")
        elif self.newlines == "lf_as_two":
            parts.append("each line break counted as two characters (CR LF)")
        if self.inclusive_end:
            parts.append("end position on the last character")
        return ", ".join(parts)


SPEC = Counting()


def candidate_countings(text: str) -> list[Counting]:
    """The conventions that differ from one another on this text, the spec's first."""
    astral = not (text.isascii() or max(text, default="\0") <= "\uffff")
    has_crlf = "\r\n" in text
    has_lone_lf = text.count("\n") > text.count("\r\n")
    newline_modes = ["literal"]
    if has_crlf:
        newline_modes.append("crlf_as_one")
    if has_lone_lf:
        newline_modes.append("lf_as_two")
    return [
        Counting(utf16=utf16, newlines=newlines, inclusive_end=inclusive)
        for inclusive in (False, True)
        for utf16 in ((False, True) if astral else (False,))
        for newlines in newline_modes
    ]


class UnitIndex:
    """Converts a file's offsets under one Counting into code-point offsets of `text`.

    Only characters that do not count as one unit are stored (positions and the difference),
    so a long text costs memory in proportion to its emoji and line breaks, not its length.
    """

    def __init__(self, text: str, counting: Counting) -> None:
        self.length = len(text)
        self.counting = counting
        specials: list[tuple[int, int]] = []  # (index, units - 1)
        if counting.utf16:
            specials += [(m.start(), 1) for m in re.finditer("[\U00010000-\U0010ffff]", text)]
        if counting.newlines == "crlf_as_one":
            specials += [(m.start(), -1) for m in re.finditer("\r(?=\n)", text)]
        elif counting.newlines == "lf_as_two":
            specials += [(m.start(), 1) for m in re.finditer("(?<!\r)\n", text)]
        specials.sort()
        self._positions = [index for index, _delta in specials]
        self._deltas = [delta for _index, delta in specials]
        # Units before each segment, where segment k starts just after special k.
        self._segment_units: list[int] = []
        shift = 0
        for index, delta in specials:
            shift += delta
            self._segment_units.append(index + 1 + shift)

    def index(self, units: int) -> int | None:
        """The code-point offset where `units` falls, or None (outside, or inside a character)."""
        if units < 0:
            return None
        k = bisect.bisect_right(self._segment_units, units) - 1
        if k < 0:
            index = units
            limit = self._positions[0] if self._positions else self.length
        else:
            index = self._positions[k] + 1 + (units - self._segment_units[k])
            limit = self._positions[k + 1] if k + 1 < len(self._positions) else self.length
        if index > limit:
            # Past the end, or between the two units of a two-unit character.
            return None
        if k >= 0 and self._deltas[k] < 0 and units == self._segment_units[k] and index > 0:
            # A zero-unit character (the CR of CR LF) and the LF share an offset: take the CR.
            return index - 1
        return index

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """Code-point [start, end) of a selection, or None when it is not a span of the text."""
        first = self.index(start)
        if self.counting.inclusive_end:
            last = self.index(end)
            last = None if last is None or last >= self.length else last + 1
        else:
            last = self.index(end)
        if first is None or last is None or not first < last <= self.length:
            return None
        return first, last


# --- Checking selections against the exporter's copy --------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)$")
MIN_PREFIX = 8  # a copy shorter than this must match the whole selection


def normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def copy_matches(copy: str, selected: str) -> bool:
    """Whether an exporter's copy of a selection's text (often cut short) is this text."""
    wanted = normalise(copy)
    truncated = bool(_ELLIPSIS.search(wanted))
    wanted = _ELLIPSIS.sub("", wanted).rstrip()
    if not wanted:
        return False
    found = normalise(selected)
    if found == wanted:
        return True
    return (truncated or len(wanted) >= MIN_PREFIX) and found.startswith(wanted)


@dataclass(frozen=True)
class Evidence:
    counting: Counting
    matched: int  # selections whose copy matches under this counting
    checked: int  # selections that carry a copy


def choose_counting(
    text: str, selections: Sequence[tuple[int, int, str]], *, default: Counting = SPEC
) -> Evidence:
    """The counting under which most selections' copies match; `default` without evidence.

    `selections` are (start, end, copy) as written in the file; copy is "" when there is none.
    Ties go to the earlier candidate, so the spec's own counting wins when it fits as well.
    """
    with_copy = [(s, e, c) for s, e, c in selections if normalise(c)]
    candidates = candidate_countings(text)
    if default in candidates:
        candidates.remove(default)
    candidates.insert(0, default)
    best = Evidence(default, 0, len(with_copy))
    if not with_copy:
        return best
    for counting in candidates:
        units = UnitIndex(text, counting)
        matched = 0
        for start, end, copy in with_copy:
            span = units.span(start, end)
            if span is not None and copy_matches(copy, text[span[0] : span[1]]):
                matched += 1
        if matched > best.matched:
            best = Evidence(counting, matched, len(with_copy))
        if matched == len(with_copy):
            break
    return best


def find_copy(text: str, copy: str, *, near: int) -> tuple[int, int] | None:
    """Where the exporter's copy occurs in `text` (white space flexible), nearest to `near`."""
    words = _ELLIPSIS.sub("", normalise(copy)).split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    found = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if not found:
        return None
    return min(found, key=lambda span: (abs(span[0] - near), span[0]))


# --- Maps between a text and one made from it ---------------------------------------------------


class SpanMap:
    """Offsets from a source text into a target text built from runs of it, in order.

    Each piece says: `length` characters at `source` reappear at `target`. Characters in no
    piece were dropped. Pieces must increase in both texts.
    """

    def __init__(self, pieces: Iterable[tuple[int, int, int]]) -> None:
        merged: list[list[int]] = []
        for source, target, length in pieces:
            if length <= 0:
                continue
            if merged and merged[-1][0] + merged[-1][2] == source:
                last = merged[-1]
                if last[1] + last[2] == target:
                    last[2] += length
                    continue
            merged.append([source, target, length])
        self._sources = [p[0] for p in merged]
        self._targets = [p[1] for p in merged]
        self._lengths = [p[2] for p in merged]

    @classmethod
    def identity(cls, length: int) -> SpanMap:
        return cls([(0, 0, length)])

    def start(self, offset: int) -> int | None:
        """Target offset of the first kept character at or after `offset`."""
        k = bisect.bisect_right(self._sources, offset) - 1
        if k >= 0 and offset < self._sources[k] + self._lengths[k]:
            return self._targets[k] + offset - self._sources[k]
        k += 1
        return self._targets[k] if k < len(self._sources) else None

    def end(self, offset: int) -> int | None:
        """Target offset just after the last kept character before `offset`."""
        k = bisect.bisect_left(self._sources, offset) - 1
        if k < 0:
            return None
        return self._targets[k] + min(offset - self._sources[k], self._lengths[k])

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        first, last = self.start(start), self.end(end)
        if first is None or last is None or first >= last:
            return None
        return first, last


class Chained:
    """Two maps applied one after the other."""

    def __init__(self, first: SpanMap, second: SpanMap) -> None:
        self.first, self.second = first, second

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        middle = self.first.span(start, end)
        return None if middle is None else self.second.span(*middle)


# Control characters the transcript parser drops (interviews.importers.transcripts.base).
_DROPPED = re.compile(r"\r(?=\n)|[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]|^\ufeff")


def cleaned(text: str) -> tuple[str, SpanMap]:
    """The text as the transcript parser sees it (LF line breaks, no control characters).

    Returns it with the map from `text`; a lone CR becomes LF in place.
    """
    pieces = []
    kept: list[str] = []
    position = target = 0
    for match in _DROPPED.finditer(text):
        run = text[position : match.start()]
        pieces.append((position, target, len(run)))
        kept.append(run)
        target += len(run)
        position = match.end()
    run = text[position:]
    pieces.append((position, target, len(run)))
    kept.append(run)
    return "".join(kept).replace("\r", "\n"), SpanMap(pieces)


_SPACE_RUN = re.compile(r"\s+")


def _find_words(source: str, words: Sequence[str], cursor: int) -> list[int] | None:
    """Positions of `words` in `source` from `cursor` on, separated by white space only."""
    start = source.find(words[0], cursor)
    while start != -1:
        positions, position = [start], start + len(words[0])
        for word in words[1:]:
            space = _SPACE_RUN.match(source, position)
            if space is None or not source.startswith(word, space.end()):
                break
            positions.append(space.end())
            position = space.end() + len(word)
        else:
            return positions
        start = source.find(words[0], start + 1)
    return None


def align(source: str, parts: Sequence[str]) -> SpanMap | None:
    """Map `source` onto "\\n\\n".join(parts), where each part is a run of the source with its
    white space collapsed (speaker labels and timestamps between parts dropped).

    Returns None when a part cannot be found in order.
    """
    pieces: list[tuple[int, int, int]] = []
    cursor = target = 0
    for index, part in enumerate(parts):
        words = list(re.finditer(r"\S+", part))
        if not words:
            return None
        found = _find_words(source, [word.group() for word in words], cursor)
        if found is None:
            return None
        for word, position in zip(words, found, strict=True):
            length = len(word.group())
            pieces.append((position, target + word.start(), length))
            if word.end() < len(part):
                # The single space or LF after the word stands for the run that follows it.
                pieces.append((position + length, target + word.end(), 1))
        cursor = found[-1] + len(words[-1].group())
        target += len(part)
        if index < len(parts) - 1:
            target += 2  # the "\n\n" between parts has no counterpart in the source
    return SpanMap(pieces)
