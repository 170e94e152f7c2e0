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

from insights.models import CodedHighlight, Highlight
from insights.visibility import (
    EvidenceReader,
    display_texts,
    hidden_from_viewers,
    visible_highlights,
)
from interviews.models import Participant, ResearchProject

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


def quote_rows(reader: EvidenceReader, highlights: Sequence[Highlight]) -> list[QuoteRow]:
    """Display rows for a page of `quotes_for_project`.

    Besides what it prefetched, one query for redactions (readers outside the research
    team) or two for the viewers' consent check (the research team's badge).
    """
    texts = display_texts(reader, highlights)
    hidden = hidden_from_viewers(reader.project, highlights) if reader.is_research_team else set()
    return [
        _row(reader.project, highlight, texts[highlight.pk], highlight.pk in hidden)
        for highlight in highlights
    ]


def _row(project: ResearchProject, highlight: Highlight, text: str, hidden: bool) -> QuoteRow:
    participants: list[Participant] = []
    speaker_role = ""
    if highlight.transcript_id is not None:
        transcript = highlight.transcript
        assert transcript is not None
        url = reverse(
            "insights:transcript-detail", args=[project.slug, transcript.session_id, transcript.pk]
        )
        if highlight.utterance_id is not None:
            url += f"#u-{highlight.utterance_id}"
        source = f"{transcript.session} · transcript"
        speaker = highlight.utterance.speaker if highlight.utterance else None
        if speaker is not None and speaker.participant is not None:
            participants = [speaker.participant]
        elif speaker is not None and speaker.interviewer_id is not None:
            speaker_role = "Interviewer"
        else:
            speaker_role = "Speaker not linked"
    else:
        note = highlight.field_note
        assert note is not None
        url = reverse("interviews:session-detail", args=[project.slug, note.session_id])
        url += f"#note-{note.pk}"
        source = f"{note.session} · {note.get_kind_display().lower()} note"
        participants = list(note.session.participants.all())
        if not participants:
            speaker_role = "No participant linked"
    codes = [
        CodeChip(name=item.tag.name, colour=safe_colour(item.tag.colour), kind=item.tag.kind)
        for item in highlight.coded_items.all()
    ]
    return QuoteRow(
        highlight=highlight,
        participants=participants,
        speaker_role=speaker_role,
        source=source,
        codes=codes,
        sentiment=sentiment_label(highlight.sentiment),
        pain_severity=pain_severity_label(highlight.pain_severity),
        url=url,
        text=text,
        hidden_from_viewers=hidden,
    )
