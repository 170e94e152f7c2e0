"""The Redactions pages: a transcript's (or a session's field notes') redacted spans, and the
spans the app proposes to redact, applied in one go. The research team only.

Selections are redacted in the reader through the coding panel (insights.views.coding);
the writes are interviews.redaction's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews.access import get_session_for_member, get_transcript_for_member
from interviews.evidence import RedactionProposal
from interviews.models import FieldNote, Participant, Redaction, Transcript
from interviews.redaction import (
    RedactionError,
    SpanToRedact,
    redaction_delete,
    redaction_proposals,
    redactions_apply,
)

Source = Transcript | FieldNote
CONTEXT_CHARS = 40
# A proposal's checkbox value: "<source id>:<start>:<end>:<kind>".
_SPAN_VALUE = re.compile(r"^(\d{1,12}):(\d{1,12}):(\d{1,12}):([a-z]{1,10})$")


@dataclass(frozen=True)
class Excerpt:
    before: str
    words: str
    after: str


@dataclass(frozen=True)
class ProposalRow:
    proposal: RedactionProposal
    excerpt: Excerpt
    value: str


@dataclass(frozen=True)
class SourceRows:
    source: Source
    label: str
    redactions: Sequence[tuple[Redaction, Excerpt]]
    proposals: Sequence[ProposalRow]


def _excerpt(text: str, start: int, end: int) -> Excerpt:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    return Excerpt(
        before=("…" if start > CONTEXT_CHARS else "") + before,
        words=text[start:end],
        after=after + ("…" if end + CONTEXT_CHARS < len(text) else ""),
    )


def _rows(
    request: AuthenticatedHttpRequest,
    sources: Sequence[Source],
    participants: Sequence[Participant],
    labels: dict[int, str],
) -> list[SourceRows]:
    proposals = redaction_proposals(user=request.user, sources=sources, participants=participants)
    field = "transcript" if isinstance(sources[0], Transcript) else "field_note"
    existing: dict[int, list[Redaction]] = {source.pk: [] for source in sources}
    for redaction in Redaction.objects.filter(**{f"{field}__in": sources}).order_by("start", "end"):
        existing[getattr(redaction, f"{field}_id")].append(redaction)
    return [
        SourceRows(
            source=source,
            label=labels[source.pk],
            redactions=[(r, _excerpt(source.text, r.start, r.end)) for r in existing[source.pk]],
            proposals=[
                ProposalRow(
                    proposal=p,
                    excerpt=_excerpt(source.text, p.start, p.end),
                    value=f"{source.pk}:{p.start}:{p.end}:{p.kind}",
                )
                for p in proposals[source.pk]
            ],
        )
        for source in sources
    ]


def _post(request: AuthenticatedHttpRequest, sources: Sequence[Source]) -> None:
    """Remove one redaction, or apply the chosen proposals (all of them or none)."""
    by_pk = {source.pk: source for source in sources}
    field = "transcript" if isinstance(sources[0], Transcript) else "field_note"
    try:
        if remove := request.POST.get("remove"):
            redaction = get_object_or_404(
                Redaction, pk=int(remove) if remove.isdigit() else 0, **{f"{field}__in": sources}
            )
            redaction_delete(redaction=redaction, by=request.user)
            messages.success(request, "Redaction undone: viewers read those words again.")
            return
        spans: dict[int, list[SpanToRedact]] = {}
        for value in request.POST.getlist("span"):
            match = _SPAN_VALUE.match(value)
            if match is None or int(match[1]) not in by_pk:
                raise RedactionError("A chosen span does not belong to this page: reload it.")
            spans.setdefault(int(match[1]), []).append(
                SpanToRedact(int(match[2]), int(match[3]), match[4])
            )
        if not spans:
            messages.error(request, "Nothing chosen: tick the spans to redact.")
            return
        with transaction.atomic():
            for source_id, chosen in spans.items():
                redactions_apply(source=by_pk[source_id], spans=chosen, by=request.user)
    except RedactionError as error:
        messages.error(request, f"Nothing redacted: {error}")
        return
    count = sum(len(chosen) for chosen in spans.values())
    messages.success(request, f"Redacted {count} span{'s' * (count != 1)} for viewers.")


def transcript_redactions(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access, transcript = get_transcript_for_member(
        request, slug, transcript_id, session_id=session_id, write=True
    )
    if request.method == "POST":
        _post(request, [transcript])
        return redirect("insights:transcript-redactions", slug, session_id, transcript_id)
    participants = list(
        Participant.objects.filter(
            Q(sessions=transcript.session) | Q(pk__in=transcript.speakers.values("participant_id"))
        ).distinct()
    )
    context = {
        "access": access,
        "project": access.project,
        "session": transcript.session,
        "transcript": transcript,
        "back_url": transcript.get_absolute_url(),
        "sources": _rows(request, [transcript], participants, {transcript.pk: transcript.title}),
    }
    return render(request, "insights/redactions.html", context)


def note_redactions(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    """The same for every field note of a session."""
    access, session = get_session_for_member(request, slug, session_id, write=True)
    notes = list(session.field_notes.select_related("session__project"))
    if request.method == "POST":
        if notes:
            _post(request, notes)
        return redirect("insights:note-redactions", slug, session_id)
    labels = {
        note.pk: f"{note.get_kind_display()} note {number}"
        for number, note in enumerate(notes, start=1)
    }
    context = {
        "access": access,
        "project": access.project,
        "session": session,
        "back_url": session.get_absolute_url(),
        "sources": _rows(request, notes, list(session.participants.all()), labels) if notes else [],
    }
    return render(request, "insights/redactions.html", context)
