"""The one selector for evidence: who sees which highlight, utterance and quote, and how.

Every page, export, job and API result that shows evidence asks here; none re-implements
the rule. Three facts decide (DESIGN.md, "Who sees which evidence"):

1. Consent audience (interviews.evidence): outside the research team, only sessions whose
   participants all consented to that audience, and only quotes whose speaker did.
2. Redaction (interviews.evidence): outside the research team, redacted spans read as
   their placeholder (`[name]`); offsets never change.
3. Blind coding: while a study is blind and not revealed, a researcher sees (and may
   change) only their own codings; leads, staff and viewers see everyone's.

    reader = evidence_reader(project=project, user=request.user, role=access.role)
    quotes = visible_highlights(reader)               # a QuerySet, filter it further
    texts = display_texts(reader, page_of_quotes)     # {highlight id: text to show}
    shown = redactions_shown(reader, transcript_ids=[transcript.pk])  # for the reader's marks

Erasure's redactions (permanent) read as their placeholder to everyone, the research team
included: the characters they cover were overwritten already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from insights.models import CodingSettings, Highlight
from interviews.access import role_in_project
from interviews.evidence import (
    Audience,
    ConsentClearance,
    Span,
    audience_for_role,
    consent_clearance,
    redact,
    redaction_spans,
    session_name,
)
from interviews.models import Membership, Redaction, ResearchProject, Session

__all__ = [
    "Audience",
    "EvidenceReader",
    "QuotedText",
    "ShownRedaction",
    "codings_hidden",
    "display_texts",
    "evidence_reader",
    "highlights_visible_to",
    "hidden_from_viewers",
    "own_codings_only",
    "reader_spans",
    "redactions_shown",
    "study_hidden_from_viewers",
    "viewers_reader",
    "visible_highlights",
]


@dataclass(frozen=True)
class EvidenceReader:
    """Someone reading one study's evidence, with what limits them."""

    project: ResearchProject
    user: User | AnonymousUser | None  # None: a job reading as an audience
    role: str | None
    audience: Audience

    @property
    def is_research_team(self) -> bool:
        return self.audience == Audience.RESEARCH_TEAM

    @property
    def own_codings_only(self) -> bool:
        """Blind coding binds researchers until the lead reveals everyone's codings."""
        return own_codings_only(self.role, self.project)

    @cached_property
    def clearance(self) -> ConsentClearance:
        return consent_clearance(self.project, self.audience)

    def may_read_session(self, session_id: int | None) -> bool:
        return self.clearance.allows_session(session_id)

    def session_name(self, session: Session) -> str:
        """The session's typed title for the research team, its kind and date for anyone else
        (interviews.evidence.session_name)."""
        return session_name(session, self.audience)

    def may_change(self, highlight: Highlight) -> bool:
        """Whether this reader may edit or delete a highlight they can see."""
        if self.role not in (Membership.Role.LEAD, Membership.Role.RESEARCHER):
            return False
        return not self.own_codings_only or highlight.coder_id == getattr(self.user, "pk", None)


def codings_hidden(project: ResearchProject) -> bool:
    """Whether the study is blind now: its researchers see only their own codings (no row of
    coding settings: not blind). One query per project instance, none when the page joined
    select_related("coding_settings")."""
    return CodingSettings.of(project).codings_hidden


def own_codings_only(role: str | None, project: ResearchProject) -> bool:
    """Whether a member with this role sees only their own codings of the study (for pages
    that have memberships rather than a reader, like search across studies)."""
    return role == Membership.Role.RESEARCHER and codings_hidden(project)


def evidence_reader(
    *,
    project: ResearchProject,
    user: User | AnonymousUser | None,
    role: str | None = None,
    audience: Audience | None = None,
) -> EvidenceReader:
    """The reader for a member (role looked up when not given) or, with user=None, an audience.

    An explicit audience can only narrow what the member's role allows (a researcher
    previewing what viewers see); it never widens it.
    """
    if role is None and user is not None:
        role = role_in_project(user, project)
    own = audience_for_role(role) if user is not None else Audience.INTERNAL
    if audience is not None:
        own = max(own, audience)
    return EvidenceReader(project=project, user=user, role=role, audience=own)


def visible_highlights(reader: EvidenceReader) -> QuerySet[Highlight]:
    """The study's highlights this reader may see (no ordering or joins: add your own)."""
    highlights = Highlight.objects.filter(project=reader.project)
    if reader.own_codings_only:
        highlights = highlights.filter(coder_id=getattr(reader.user, "pk", None))
    if not reader.is_research_team:
        clearance = reader.clearance
        sessions = sorted(clearance.session_ids)
        cleared_people = sorted(
            pk for pk, reach in clearance.participant_reach.items() if reach >= reader.audience
        )
        highlights = highlights.filter(
            Q(transcript__session_id__in=sessions) | Q(field_note__session_id__in=sessions)
        ).filter(
            Q(utterance__isnull=True)
            | Q(utterance__speaker__isnull=True)
            | Q(utterance__speaker__participant__isnull=True)
            | Q(utterance__speaker__participant_id__in=cleared_people)
        )
    return highlights


def highlights_visible_to(
    *,
    project: ResearchProject,
    user: User | AnonymousUser | None,
    role: str | None = None,
    audience: Audience | None = None,
) -> QuerySet[Highlight]:
    """Shorthand for visible_highlights(evidence_reader(...))."""
    return visible_highlights(
        evidence_reader(project=project, user=user, role=role, audience=audience)
    )


class QuotedText(Protocol):
    """What display_texts reads of a highlight: a model instance, or a row of values()."""

    @property
    def pk(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def transcript_id(self) -> int | None: ...
    @property
    def field_note_id(self) -> int | None: ...


def display_texts(
    reader: EvidenceReader,
    highlights: Iterable[QuotedText],
    shown: Mapping[tuple[str, int], Sequence[ShownRedaction]] | None = None,
) -> dict[int, str]:
    """The quote text each highlight shows this reader, redactions applied (one query, none
    when the caller passes the sources' redactions_shown)."""
    highlights = list(highlights)
    if shown is None:
        spans = _spans(reader, highlights)
    else:
        spans = {
            key: [(r.start, r.end, r.placeholder) for r in redactions if r.hidden]
            for key, redactions in shown.items()
        }
    return {
        h.pk: redact(h.text, h.start, spans.get(_source_key(h), [])) if spans else h.text
        for h in highlights
    }


def reader_spans(
    reader: EvidenceReader,
    *,
    transcript_ids: Iterable[int] = (),
    field_note_ids: Iterable[int] = (),
) -> dict[tuple[str, int], list[Span]]:
    """The spans this reader reads as placeholders, by source (one query): every redaction
    outside the research team, erasure's for the research team."""
    return redaction_spans(
        transcript_ids=transcript_ids,
        field_note_ids=field_note_ids,
        permanent_only=reader.is_research_team,
    )


@dataclass(frozen=True)
class ShownRedaction:
    """A redacted span as the reader's page draws it."""

    pk: int
    start: int
    end: int
    kind: str
    placeholder: str
    # True: this reader reads the placeholder. False (the research team, a redaction it may
    # undo): the text, marked as redacted for everyone else.
    hidden: bool


def redactions_shown(
    reader: EvidenceReader,
    *,
    transcript_ids: Iterable[int] = (),
    field_note_ids: Iterable[int] = (),
) -> dict[tuple[str, int], list[ShownRedaction]]:
    """Every redaction of these sources, by source, sorted by start (one query)."""
    transcript_ids, field_note_ids = list(transcript_ids), list(field_note_ids)
    if not transcript_ids and not field_note_ids:
        return {}
    sources = Q()  # only the kinds of source asked for: an OR with nothing costs a compile
    if transcript_ids:
        sources |= Q(transcript_id__in=transcript_ids)
    if field_note_ids:
        sources |= Q(field_note_id__in=field_note_ids)
    # Rows, not instances: the coding panel's every save reads them.
    rows = (
        Redaction.objects.filter(sources)
        .order_by("start", "end", "id")
        .values_list("id", "transcript_id", "field_note_id", "start", "end", "kind", "permanent")
    )
    kinds = dict(Redaction.Kind.choices)
    result: dict[tuple[str, int], list[ShownRedaction]] = {}
    for pk, transcript_id, field_note_id, start, end, kind, permanent in rows:
        key = (
            ("transcript", transcript_id)
            if transcript_id is not None
            else ("field_note", field_note_id)
        )
        result.setdefault(key, []).append(
            ShownRedaction(
                pk=pk,
                start=start,
                end=end,
                kind=kinds.get(kind, kind),
                placeholder=Redaction.placeholder_for(kind),
                hidden=permanent or not reader.is_research_team,
            )
        )
    return result


def redacted(reader: EvidenceReader, text: str, offset: int, spans: Sequence[Span]) -> str:
    """Any text of a source (an utterance, a note) as this reader may read it."""
    # The research team reads the stored text: erasure already overwrote what it removed.
    return text if reader.is_research_team else redact(text, offset, spans)


def viewers_reader(project: ResearchProject) -> EvidenceReader:
    """The study's viewers as one reader (the audience the research team's badge speaks of)."""
    return evidence_reader(project=project, user=None, audience=Audience.INTERNAL)


def hidden_from_viewers(project: ResearchProject, ids: Iterable[int]) -> set[int]:
    """Which of these highlights viewers can't see (for the researchers' badge)."""
    ids = list(ids)
    if not ids:
        return set()
    seen = visible_highlights(viewers_reader(project)).filter(pk__in=ids)
    return set(ids) - set(seen.values_list("pk", flat=True))


def study_hidden_from_viewers(project: ResearchProject) -> set[int]:
    """Every highlight of the study viewers can't see, in one query (for a whole-study
    export: usually a few, at most the study's highlight ids)."""
    seen = visible_highlights(viewers_reader(project)).values("pk")
    hidden = Highlight.objects.filter(project=project).exclude(pk__in=seen)
    return set(hidden.values_list("pk", flat=True))


def _source_key(highlight: QuotedText) -> tuple[str, int]:
    if highlight.transcript_id is not None:
        return ("transcript", highlight.transcript_id)
    return ("field_note", highlight.field_note_id)  # type: ignore[return-value]


def _spans(
    reader: EvidenceReader, highlights: Sequence[QuotedText]
) -> dict[tuple[str, int], list[Span]]:
    return reader_spans(
        reader,
        transcript_ids={h.transcript_id for h in highlights if h.transcript_id is not None},
        field_note_ids={h.field_note_id for h in highlights if h.field_note_id is not None},
    )
