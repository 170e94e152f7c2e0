"""The quote list: every highlight of a study, with what a reader needs to weigh it.

`quotes_for_project` is the selector (one query for the page, one per prefetch, whatever
the page size); `quote_rows` turns a page of it into display rows without touching the
database. Participants appear by pseudonym and open profile only: speaker labels are
never shown here, because a label is often the person's real name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet
from django.urls import reverse

from insights.coding import memo_visible
from insights.models import CodedHighlight, Highlight
from insights.visibility import (
    EvidenceReader,
    display_texts,
    hidden_from_viewers,
    visible_highlights,
)
from interviews.models import Participant, ResearchProject, Speaker

SENTIMENT_WORDS = {
    -2: "very negative",
    -1: "negative",
    0: "neutral",
    1: "positive",
    2: "very positive",
}
PAIN_SEVERITY_WORDS = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}

# Code.colour is validated by forms, not by the database; only a plain hex colour may reach a
# style attribute.
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FALLBACK_COLOUR = "#c4ccd4"


def quotes_for_project(reader: EvidenceReader) -> QuerySet[Highlight]:
    """The highlights of a study this reader may see (insights.visibility), newest first.

    Evaluating a page costs one query for the highlights (stage, coder, speaker's
    participant, source and session joined), one for their codes and, when the page holds
    field-note highlights, one for those sessions' participants.
    """
    return (
        visible_highlights(reader)
        .select_related(
            "stage",
            "coder",
            "utterance__speaker__participant",
            "transcript__session",
            "field_note__session",
        )
        # A transcript's text can run to hundreds of kilobytes and the list needs only its
        # ids; nor does it need the coder's password hash.
        .defer("transcript__text", "utterance__text", "coder__password")
        .prefetch_related(
            Prefetch(
                "coded_items",
                queryset=CodedHighlight.objects.select_related("tag").order_by(
                    "tag__name", "tag_id"
                ),
            ),
            Prefetch(
                "field_note__session__participants",
                queryset=Participant.objects.order_by("pseudonym"),
            ),
        )
        .order_by("-created_at", "-id")
    )


def order_by_stage(highlights: QuerySet[Highlight]) -> QuerySet[Highlight]:
    """Journey order (the framework's stage positions), unstaged last, newest first within."""
    return highlights.order_by(F("stage__position").asc(nulls_last=True), "-created_at", "-id")


@dataclass(frozen=True)
class CodeChip:
    name: str
    colour: str
    kind: str


@dataclass(frozen=True)
class QuoteRow:
    highlight: Highlight
    # The participant who said it (transcript) or the session's participants (field note).
    participants: Sequence[Participant]
    # Who else it can be when no participant is linked: "Interviewer" or "Speaker not linked".
    speaker_role: str
    source: str
    codes: Sequence[CodeChip]
    sentiment: str
    pain_severity: str
    url: str
    text: str  # as this reader may read it: redactions applied outside the research team
    hidden_from_viewers: bool  # shown to the research team as a badge
    memo: str  # empty when this reader may not see it (insights.coding.memo_visible)


def sentiment_label(value: int | None) -> str:
    """−1 negative, 0 neutral, +2 very positive (with a true minus sign)."""
    if value is None:
        return ""
    number = f"−{-value}" if value < 0 else (f"+{value}" if value > 0 else "0")
    return f"{number} {SENTIMENT_WORDS.get(value, '')}".strip()


def pain_severity_label(value: int | None) -> str:
    if value is None:
        return ""
    return f"{value} {PAIN_SEVERITY_WORDS.get(value, '')}".strip()


def safe_colour(value: str) -> str:
    return value if _HEX_COLOUR.match(value or "") else _FALLBACK_COLOUR


class QuoteLinks:
    """Where a study's quotes link back to: the moment in the transcript, or the note in its
    session. Each URL pattern is reversed once and filled in per quote, so an export of
    100,000 quotes does not pay for 100,000 reverse() calls."""

    def __init__(self, project: ResearchProject) -> None:
        self._transcript = _url_pattern("insights:transcript-detail", project.slug, 2)
        self._session = _url_pattern("interviews:session-detail", project.slug, 1)

    def transcript(self, *, session_id: int, transcript_id: int, utterance_id: int | None) -> str:
        url = self._transcript.format(session_id, transcript_id)
        return url if utterance_id is None else f"{url}#u-{utterance_id}"

    def field_note(self, *, session_id: int, note_id: int) -> str:
        return f"{self._session.format(session_id)}#note-{note_id}"


# Stand-ins for the integer URL arguments, far beyond any id a study reaches.
_URL_ARGUMENT_MARKERS = (987_654_321_001, 987_654_321_002)


def _url_pattern(name: str, slug: str, arguments: int) -> str:
    """The URL `name` for this slug as a str.format pattern of its integer arguments."""
    markers = _URL_ARGUMENT_MARKERS[:arguments]
    url = reverse(name, args=[slug, *markers]).replace("{", "{{").replace("}", "}}")
    # From the right: the integer arguments follow the slug.
    for number in reversed(range(arguments)):
        head, found, tail = url.rpartition(f"/{markers[number]}/")
        assert found, f"{name} does not end with its integer arguments"
        url = f"{head}/{{{number}}}/{tail}"
    return url


def quote_source(session: str, note_kind: str | None = None) -> str:
    """ "Interview on 2026-03-02 · transcript" for a session's name, or "… · observation
    note" with a field note's kind label."""
    if note_kind is None:
        return f"{session} · transcript"
    return f"{session} · {note_kind.lower()} note"


def speaker_role(speaker: Speaker | None) -> str:
    """Who said a transcript quote when no participant is linked to its speaker."""
    if speaker is not None and speaker.participant_id is not None:
        return ""
    if speaker is not None and speaker.interviewer_id is not None:
        return "Interviewer"
    return "Speaker not linked"


# A field note's speaker column when its session has no participant.
NO_PARTICIPANT_LINKED = "No participant linked"


def quote_rows(reader: EvidenceReader, highlights: Sequence[Highlight]) -> list[QuoteRow]:
    """Display rows for a page of `quotes_for_project`.

    Besides what it prefetched, one query for redactions (readers outside the research
    team) or two for the viewers' consent check (the research team's badge).
    """
    texts = display_texts(reader, highlights)
    hidden = (
        hidden_from_viewers(reader.project, [h.pk for h in highlights])
        if reader.is_research_team
        else set()
    )
    links = QuoteLinks(reader.project)
    return [
        _row(reader, links, highlight, texts[highlight.pk], highlight.pk in hidden)
        for highlight in highlights
    ]


def _row(
    reader: EvidenceReader, links: QuoteLinks, highlight: Highlight, text: str, hidden: bool
) -> QuoteRow:
    participants: list[Participant] = []
    speaker_label = ""
    if highlight.transcript_id is not None:
        transcript = highlight.transcript
        assert transcript is not None
        url = links.transcript(
            session_id=transcript.session_id,
            transcript_id=transcript.pk,
            utterance_id=highlight.utterance_id,
        )
        source = quote_source(reader.session_name(transcript.session))
        speaker = highlight.utterance.speaker if highlight.utterance else None
        speaker_label = speaker_role(speaker)
        if speaker is not None and speaker.participant is not None:
            participants = [speaker.participant]
    else:
        note = highlight.field_note
        assert note is not None
        url = links.field_note(session_id=note.session_id, note_id=note.pk)
        source = quote_source(reader.session_name(note.session), note.get_kind_display())
        participants = list(note.session.participants.all())
        if not participants:
            speaker_label = NO_PARTICIPANT_LINKED
    codes = [
        CodeChip(name=item.tag.name, colour=safe_colour(item.tag.colour), kind=item.tag.kind)
        for item in highlight.coded_items.all()
    ]
    return QuoteRow(
        highlight=highlight,
        participants=participants,
        speaker_role=speaker_label,
        source=source,
        codes=codes,
        sentiment=sentiment_label(highlight.sentiment),
        pain_severity=pain_severity_label(highlight.pain_severity),
        url=url,
        text=text,
        hidden_from_viewers=hidden,
        memo=highlight.memo if memo_visible(highlight, role=reader.role or "") else "",
    )
