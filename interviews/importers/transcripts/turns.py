"""Find speaker turns in lines of text: shared by .txt, .md, Word paragraphs and subtitle cues.

A line starts a turn when it begins with a speaker label in one of these shapes:

    PLAIN  Jane Doe: text
    BOLD   **Jane Doe:** text, **Jane Doe**: text (markdown, or a bold name run in Word)
    TIMED  [00:12:03] Jane Doe: text, 00:12:03 Jane Doe: text, (00:12:03) Jane Doe: text,
           Jane Doe [00:12:03]: text, **Jane Doe** (00:12:03): text,
           Jane Doe (00:12:03):   (Rev; the text may start on the next line)
    OTTER  Jane Doe  12:03        (Otter.ai; a line of its own, the text follows below; the name
                                   may be bold)
    BRACKET [P1] text, [id1]: text (pseudonymised research data)

A time in brackets right after the label ("Jane Doe: [04:18] text", as static-site transcripts
write it) sets the turn's time too, and a line holding only a time ("00:05:00", Google Meet) sets
the time of the turn that follows it.

A label is 1-5 name-like words of at most 40 characters, or one pseudonym-like word that may start
lower-case or with a digit ("p07", "user-3", "id2"). Because prose can look like that too ("Note:
the price was high"), a candidate line only counts as a turn when the file backs it up; see
select_speaker_lines(). Pseudonym-like and bracketed labels count only when they recur.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from .base import TIMESTAMP_PATTERN, Turn, collapse_spaces, timestamp_to_ms


class LabelShape(Enum):
    TIMED = "timed"
    OTTER = "otter"
    BOLD = "bold"
    PLAIN = "plain"
    BRACKET = "bracket"


# When two shapes are equally common, the one carrying more evidence wins.
_SHAPE_PRIORITY = (
    LabelShape.PLAIN,
    LabelShape.BRACKET,
    LabelShape.BOLD,
    LabelShape.OTTER,
    LabelShape.TIMED,
)


@dataclass(frozen=True)
class LabelMatch:
    speaker: str
    rest: str  # the text after the label on the same line, "" when it starts on the next line
    start_ms: int | None
    shape: LabelShape
    # False for a pseudonym-like label ("p07", "user-3"): prose starts that way too, so such a
    # label only counts where it recurs.
    name_like: bool = True


# Words are runs of characters other than spaces and line punctuation; is_name_like() then checks
# them character by character, since regex classes know nothing of combining marks ("José" in
# decomposed form, Hindi vowel signs).
_WORD = r"[^\s:;,!?()\[\]{}<>\"*]+"
# A name may carry an aside, as Zoom display names often do: "Jane Doe (she/her)", "Sam (Acme)".
# The aside must not start with a digit, so "Jane Doe (00:12:03):" stays a timestamp.
_LABEL = rf"(?P<label>(?P<name>{_WORD}(?: {_WORD}){{0,4}})(?: \([^()\d][^()]{{0,29}}\))?)"
_BRACKETED_TIMESTAMP = rf"\[\s*{TIMESTAMP_PATTERN}\s*\]|\(\s*{TIMESTAMP_PATTERN}\s*\)"

_LABEL_AND_COLON = re.compile(
    rf"(?:(?P<bracketed_lead>{_BRACKETED_TIMESTAMP})\s*|(?P<bare_lead>{TIMESTAMP_PATTERN})\s+)?"
    rf"{_LABEL}"
    rf"(?:\s*(?P<trail>{_BRACKETED_TIMESTAMP}))?"
    # Requiring whitespace after the colon keeps "https://…" and "10:30" from looking like labels.
    r"\s*:(?:\s+(?P<rest>.*))?"
)
_OTTER_HEADING = re.compile(rf"{_LABEL}\s+(?P<time>{TIMESTAMP_PATTERN})")
_MARKDOWN_BOLD_PREFIX = re.compile(r"(\*\*|__)(?P<inner>[^*_]{1,60}?)\1")
_BRACKET_LABEL = re.compile(r"\[(?P<label>[^\[\]]{1,40})\]:?(?:\s+(?P<rest>.*))?")
# A time in brackets opening a line or a turn's text: "[04:18] text", "(00:12:03.25) text".
_LEADING_TIMESTAMP = re.compile(rf"(?P<time>{_BRACKETED_TIMESTAMP})\s*(?P<rest>.*)")
# A line holding only a time, bracketed or not: "00:05:00", "[04:18]".
_STANDALONE_TIMESTAMP = re.compile(rf"{_BRACKETED_TIMESTAMP}|{TIMESTAMP_PATTERN}")

_MAX_LABEL_LENGTH = 40
_MAX_LABEL_WORDS = 5
# Inside a word, besides letters, marks and digits: "O'Neil", "P-014", "Dr.".
_NAME_PUNCTUATION = frozenset("'’.-")
# Lower-case words that may appear inside a name: "Ana de la Cruz", "Ludwig van Beethoven".
_NAME_PARTICLES = frozenset(
    {"al", "bin", "da", "de", "del", "della", "den", "der", "di", "do", "dos", "du", "el", "ibn"}
    | {"la", "le", "ten", "ter", "van", "von", "y"}
)
# Words that start prose (or a title) as often as names start turns: a label seen only once is not
# taken for a speaker when it is one of these. ("Note: the price was high", "Interview: Acme".)
_PROSE_LABELS = frozenset(
    {"note", "notes", "nb", "n.b.", "ps", "p.s.", "update", "edit", "example", "summary"}
    | {"keywords", "speakers", "transcript", "title", "date", "time", "location", "subject"}
    | {"re", "fyi", "tip", "warning", "important", "caveat", "reminder", "disclaimer"}
    | {"context", "background", "agenda", "topic", "result", "results", "outcome"}
    | {"conclusion", "source", "link", "quote", "step", "part", "section", "chapter", "option"}
    | {"price", "pricing", "cost", "total", "action", "todo", "next"}
    | {"interview", "meeting", "recording", "session", "project"}
)
# What transcribers write in brackets at the start of a line that is not a speaker: "[laughter]".
_NON_SPEECH = frozenset(
    {"laughter", "laughs", "laughing", "laugh", "inaudible", "unintelligible", "indistinct"}
    | {"crosstalk", "cross-talk", "overlapping", "music", "applause", "silence", "pause"}
    | {"noise", "cough", "coughs", "sigh", "sighs", "beep", "unclear", "redacted", "blank_audio"}
    | {"no audio", "background noise", "cross talk", "phone rings", "long pause"}
)


def is_name_like(label: str) -> bool:
    """Capitalised words (or particles), starting with a letter: "P-014", "Dr. Jane O'Neil"."""
    words = label.split()
    if not words or len(label) > _MAX_LABEL_LENGTH or len(words) > _MAX_LABEL_WORDS:
        return False
    if not all(_is_name_character(character) for character in label.replace(" ", "")):
        return False
    first_character = words[0][0]
    # Lower-case is refused rather than upper-case required: scripts without case have names too.
    if not _is_letter(first_character) or _is_lower_case(first_character):
        return False
    return all(not _is_lower_case(word[0]) or word in _NAME_PARTICLES for word in words[1:])


def is_pseudonym_like(label: str) -> bool:
    """A code in any case: one word ("p07", "user-3", "id2", "07-b") or a word and a number
    ("speaker 1", "participant 07"), of letters, digits and a little punctuation.

    Lower case and leading digits are what pseudonymised research data uses for speakers; such a
    label is only taken for a speaker where it recurs (see select_speaker_lines()).
    """
    words = label.split(" ")
    if not label or len(label) > _MAX_LABEL_LENGTH or len(words) > 2 or not all(words):
        return False
    if len(words) == 2 and not any(character.isdigit() for character in words[1]):
        return False
    if not all(_is_name_character(character) for character in label.replace(" ", "")):
        return False
    return unicodedata.category(label[0])[0] in "LN"


def _is_name_character(character: str) -> bool:
    # Letters, marks and digits (Unicode categories L*, M*, N*) or a little punctuation.
    return unicodedata.category(character)[0] in "LMN" or character in _NAME_PUNCTUATION


def _is_letter(character: str) -> bool:
    return unicodedata.category(character).startswith("L")


def _is_lower_case(character: str) -> bool:
    return unicodedata.category(character) == "Ll"


def _is_prose_label(label: str) -> bool:
    words = label.casefold().split()
    return label.casefold() in _PROSE_LABELS or words[0] in _PROSE_LABELS


def leading_timestamp(text: str) -> tuple[str, int | None]:
    """Split "[04:18] text" into ("text", 258000); text without a valid leading time is kept."""
    match = _LEADING_TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return text, None
    start_ms = timestamp_to_ms(match["time"])
    return (text, None) if start_ms is None else (match["rest"], start_ms)


def standalone_timestamp(line: str) -> int | None:
    """The time of a line that holds only a time ("00:05:00", "[04:18]"), else None."""
    line = line.strip()
    return timestamp_to_ms(line) if _STANDALONE_TIMESTAMP.fullmatch(line) else None


def match_label(line: str) -> LabelMatch | None:
    """The speaker label that starts this line, in any shape but OTTER, or None."""
    line = line.strip()
    untimed_shape = LabelShape.PLAIN
    bold = _MARKDOWN_BOLD_PREFIX.match(line)
    if bold:
        line = bold["inner"] + line[bold.end() :]
        untimed_shape = LabelShape.BOLD

    match = _LABEL_AND_COLON.fullmatch(line)
    if match is None:
        return None if bold else _match_bracket_label(line)
    name_like = is_name_like(match["name"])
    if not name_like and not (match["label"] == match["name"] and is_pseudonym_like(match["name"])):
        return None
    rest, rest_ms = leading_timestamp(match["rest"] or "")
    timestamp = match["bracketed_lead"] or match["bare_lead"] or match["trail"]
    if timestamp is None:
        return LabelMatch(match["label"], rest, rest_ms, untimed_shape, name_like)
    start_ms = timestamp_to_ms(timestamp)
    if start_ms is None:
        return None
    return LabelMatch(match["label"], rest, start_ms, LabelShape.TIMED, name_like)


def _match_bracket_label(line: str) -> LabelMatch | None:
    """A bracketed label opening a line, "[P1] text" or "[id1]: text", or None."""
    match = _BRACKET_LABEL.fullmatch(line)
    if match is None:
        return None
    label = collapse_spaces(match["label"])
    if not label or timestamp_to_ms(label) is not None or label.casefold() in _NON_SPEECH:
        return None
    name_like = is_name_like(label)
    if not name_like and not is_pseudonym_like(label):
        return None
    rest, start_ms = leading_timestamp(match["rest"] or "")
    return LabelMatch(label, rest, start_ms, LabelShape.BRACKET, name_like)


def _match_otter_heading(line: str) -> LabelMatch | None:
    """An Otter.ai speaker line, "Jane Doe  12:03" (the name may be bold), or None."""
    line = line.strip()
    bold = _MARKDOWN_BOLD_PREFIX.match(line)
    if bold:
        line = bold["inner"] + line[bold.end() :]
    match = _OTTER_HEADING.fullmatch(line)
    if match is None or not is_name_like(match["name"]):
        return None
    start_ms = timestamp_to_ms(match["time"])
    if start_ms is None:
        return None
    return LabelMatch(match["label"], "", start_ms, LabelShape.OTTER)


def select_speaker_lines(
    candidates: Mapping[int, LabelMatch],
    *,
    first_content_index: int,
    paragraph_starts: Container[int],
) -> dict[int, LabelMatch]:
    """Keep the candidate labels that really start turns, keyed by the same line index.

    1. Candidates with evidence of their own anchor the file's speakers: a label with a
       timestamp, an Otter line when the file has at least two, any label that occurs at least
       twice, and the label on the first line with content (a file usually opens with a turn)
       unless it is a common prose word (Note, PS, Interview, …). A pseudonym-like label ("p07")
       or a bracketed one ("[P1]") needs to occur at least twice (or, pseudonym-like, carry a
       timestamp), and is never a common prose word: the shape of the file decides, not case.
    2. The most common shape among anchored candidates is the file's own label shape. An untimed
       anchored candidate of another shape only counts if its label is a speaker of that shape:
       in a file of "**Jane:**" turns, a plain "Note: …" line stays prose even if it occurs twice.
    3. A name-like label seen only once counts as a new speaker when it has the file's own
       label shape, is not a common prose word (Note, PS, Update, …) and, when the anchored turns
       all open a paragraph (follow a blank line), it opens one too. So a participant who speaks
       once is not merged into someone else's turn, while "Pricing: too high" in a wrapped line
       is not taken for a speaker.
    """
    label_counts = Counter(match.speaker for match in candidates.values())
    otter_count = sum(match.shape is LabelShape.OTTER for match in candidates.values())

    def is_anchor(index: int, match: LabelMatch) -> bool:
        if match.shape is LabelShape.BRACKET or not match.name_like:
            recurs = label_counts[match.speaker] >= 2 or match.shape is LabelShape.TIMED
            return recurs and not _is_prose_label(match.speaker)
        if match.shape is LabelShape.TIMED or label_counts[match.speaker] >= 2:
            return True
        if match.shape is LabelShape.OTTER and otter_count >= 2:
            return True
        return index == first_content_index and not _is_prose_label(match.speaker)

    anchors = {i: m for i, m in candidates.items() if is_anchor(i, m)}
    if not anchors:
        return {}
    main_shape = _most_common_shape(anchors.values())
    main_speakers = {m.speaker for m in anchors.values() if m.shape is main_shape}
    # Layout evidence comes from anchored turns other than the first line; without any, none.
    layout_evidence = [
        index in paragraph_starts
        for index, match in anchors.items()
        if match.shape is main_shape and index != first_content_index
    ]
    turns_open_paragraphs = bool(layout_evidence) and all(layout_evidence)

    def is_turn(index: int, match: LabelMatch) -> bool:
        if index in anchors:
            return (
                match.shape in (main_shape, LabelShape.TIMED, LabelShape.OTTER)
                or match.speaker in main_speakers
            )
        return (
            match.shape is main_shape
            and match.name_like
            and not _is_prose_label(match.speaker)
            and (index in paragraph_starts or not turns_open_paragraphs)
        )

    return {index: match for index, match in candidates.items() if is_turn(index, match)}


def _most_common_shape(matches: Iterable[LabelMatch]) -> LabelShape:
    counts = Counter(match.shape for match in matches)
    return max(counts, key=lambda shape: (counts[shape], _SHAPE_PRIORITY.index(shape)))


# --- Lines to turns ---------------------------------------------------------------------------

# Whole lines tools add that nobody said, and the tool each one names.
_FOOTERS = (
    (
        re.compile(r"transcribed by (?:https?://)?(?:www\.)?otter\.ai/?\.?", re.IGNORECASE),
        "Otter.ai",
    ),
    (
        re.compile(rf"meeting ended after {TIMESTAMP_PATTERN}(?:\s.*)?", re.IGNORECASE),
        "Google Meet",
    ),
)
# Section headings of a tool's header (Otter.ai, Google Meet), and the metadata key of each.
# Google Meet's "Transcript" only ends the header's last section ("Attendees").
_HEADER_SECTIONS = {
    "summary keywords": "keywords",
    "keywords": "keywords",
    "speakers": "speakers",
    "attendees": "attendees",
    "transcript": "",
}


@dataclass(frozen=True)
class LinesReading:
    turns: list[Turn]
    metadata: dict[str, str | list[str]]


def turns_from_lines(lines: Sequence[str]) -> LinesReading:
    """Split lines of text into speaker turns, and read a tool's header and footer.

    Lines that do not start a turn continue the current one: wrapped lines are joined with a
    single space, and a blank line inside a turn becomes a paragraph break ("\\n"). Text before
    the first turn is kept as speakerless paragraphs, unless it is a tool's header: all of it in
    an Otter.ai export (title, date, SUMMARY KEYWORDS, SPEAKERS), or any preamble with such
    section headings (Google Meet's "Attendees"). A header goes into the metadata, not the text.
    Tools' footer lines ("Transcribed by https://otter.ai") are dropped. A file without any turns
    becomes one speakerless utterance per paragraph.
    """
    lines = list(lines)
    metadata: dict[str, str | list[str]] = {}
    for index, line in enumerate(lines):
        if (source := _footer_source(line)) is not None:
            metadata["source"] = source
            lines[index] = ""
    first_content_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_content_index is None:
        return LinesReading([], metadata)
    paragraph_starts = _paragraph_starts(lines)
    speaker_lines = select_speaker_lines(
        _find_candidates(lines, paragraph_starts),
        first_content_index=first_content_index,
        paragraph_starts=paragraph_starts,
    )
    if not speaker_lines:
        return LinesReading(_speakerless_paragraphs(lines), metadata)
    speaker_lines = _with_times_from_lines_of_their_own(lines, speaker_lines)

    first_turn_index = min(speaker_lines)
    preamble = lines[:first_turn_index]
    turns = []
    if speaker_lines[first_turn_index].shape is LabelShape.OTTER or _has_header_sections(preamble):
        metadata = {**_header_metadata(preamble), **metadata}
    else:
        turns = _speakerless_paragraphs(preamble)

    current: _TurnDraft | None = None
    for index in range(first_turn_index, len(lines)):
        match = speaker_lines.get(index)
        if match is not None:
            if current is not None:
                turns.append(current.to_turn())
            current = _TurnDraft(match.speaker, match.start_ms)
            current.add_line(match.rest)
        elif current is not None:
            current.add_line(lines[index])
    if current is not None:
        turns.append(current.to_turn())
    return LinesReading(turns, metadata)


def _footer_source(line: str) -> str | None:
    line = line.strip()
    return next((source for pattern, source in _FOOTERS if pattern.fullmatch(line)), None)


def _with_times_from_lines_of_their_own(
    lines: list[str], speaker_lines: dict[int, LabelMatch]
) -> dict[int, LabelMatch]:
    """A line holding only a time, right before a turn, is that turn's time (Google Meet).

    The line is blanked in `lines`: it is layout, not speech.
    """
    timed = dict(speaker_lines)
    for index, match in speaker_lines.items():
        previous = index - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        if previous < 0 or previous in speaker_lines:
            continue
        start_ms = standalone_timestamp(lines[previous])
        if start_ms is None:
            continue
        lines[previous] = ""
        if match.start_ms is None:
            timed[index] = replace(match, start_ms=start_ms)
    return timed


def _section_key(line: str) -> str | None:
    return _HEADER_SECTIONS.get(collapse_spaces(line).rstrip(":").casefold())


def _has_header_sections(lines: Sequence[str]) -> bool:
    return any(_section_key(line) for line in lines)  # "" (Transcript) alone is no header


def _header_metadata(lines: Sequence[str]) -> dict[str, str | list[str]]:
    """A tool's header: its first line is the title, further lines before the first section
    (Otter's date and length) are details, and each section is a comma-separated list."""
    before: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] = before
    for line in filter(None, map(collapse_spaces, lines)):
        key = _section_key(line)
        if key is not None:
            current = sections.setdefault(key, [])
        else:
            current.append(line)
    metadata: dict[str, str | list[str]] = {}
    if before:
        metadata["title"] = before[0]
    if before[1:]:
        metadata["details"] = before[1:]
    for key, section_lines in sections.items():
        items = [item.strip() for item in ",".join(section_lines).split(",")]
        if key and any(items):
            metadata[key] = [item for item in items if item]
    return metadata


def _speakerless_paragraphs(lines: Sequence[str]) -> list[Turn]:
    """One speakerless turn per paragraph (paragraphs are separated by blank lines).

    A line opening with a time ("[00:01:20] text") opens a turn of its own, with that time.
    """
    turns = []
    draft = _TurnDraft(speaker="", start_ms=None)
    for line in lines:
        opens_with_a_time = leading_timestamp(line)[1] is not None
        if draft.has_text and (not line.strip() or opens_with_a_time):
            turns.append(draft.to_turn())
            draft = _TurnDraft(speaker="", start_ms=None)
        if line.strip():
            draft.add_line(line)
    if draft.has_text:
        turns.append(draft.to_turn())
    return turns


def _paragraph_starts(lines: Sequence[str]) -> set[int]:
    return {
        i for i, line in enumerate(lines) if line.strip() and (i == 0 or not lines[i - 1].strip())
    }


def _find_candidates(lines: Sequence[str], paragraph_starts: set[int]) -> dict[int, LabelMatch]:
    candidates = {}
    for index, line in enumerate(lines):
        match = match_label(line)
        # Otter speaker lines open a block, so they follow a blank line (or start the file).
        if match is None and index in paragraph_starts:
            match = _match_otter_heading(line)
        if match is not None:
            candidates[index] = match
    return candidates


@dataclass
class _TurnDraft:
    speaker: str
    start_ms: int | None
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])

    @property
    def has_text(self) -> bool:
        return any(self.paragraphs)

    def add_line(self, line: str) -> None:
        line = line.strip()
        # "[04:18] text" inside a turn: the time is not text; the turn keeps its first time.
        text, start_ms = leading_timestamp(line)
        if start_ms is not None:
            self.start_ms = self.start_ms if self.start_ms is not None else start_ms
            line = text.strip()
            if not line:
                return
        if line:
            self.paragraphs[-1].append(line)
        elif self.paragraphs[-1]:
            self.paragraphs.append([])

    def to_turn(self) -> Turn:
        text = "\n".join(" ".join(lines) for lines in self.paragraphs if lines)
        return Turn(self.speaker, text, self.start_ms)
