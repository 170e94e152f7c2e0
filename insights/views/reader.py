"""The transcript reader and the field-notes page: highlights as marks, and the coding panel.

What the pages draw (marks, redactions, the coding panel's data) is read and built by
insights.marks; these views pick the part to show and render it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.marks import coding_context, notes_reading, transcript_reading
from insights.visibility import evidence_reader
from interviews import pii
from interviews.access import ProjectAccess, get_session_for_member, get_transcript_for_member
from interviews.models import Session, Transcript

# A long interview is read in parts of this many turns: drawing every turn and mark of a
# 40,000-word transcript with a thousand highlights takes most of that page's time.
TURNS_PER_PAGE = 250


def transcript_detail(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access, transcript = get_transcript_for_member(
        request, slug, transcript_id, session_id=session_id
    )
    reader = evidence_reader(project=access.project, user=request.user, role=access.role)
    if not reader.may_read_session(transcript.session_id):
        return _not_shared(request, access, transcript.session)
    mine_only = request.GET.get("show") == "mine"
    page = _turn_page(request, transcript)
    reading = transcript_reading(
        reader,
        transcript,
        first=page.first,
        turns=TURNS_PER_PAGE,
        whole=page.count == 1,
        mine_only=mine_only,
        show_labels=pii.can_see_pii(request.user),
    )
    context = {
        "access": access,
        "project": access.project,
        "session": transcript.session,
        "transcript": transcript,
        "rows": reading.rows,
        "turns": reading.html,
        "highlights": reading.highlights,
        "highlight_count": reading.highlight_count,
        "coded_percent": reading.coded_percent,
        "mine_only": mine_only,
        "page": page,
        "source": {"kind": "transcript", "id": transcript.pk},
        **coding_context(access, request.user),
    }
    return render(request, "insights/transcript_detail.html", context)


@dataclass(frozen=True)
class TurnPage:
    """Which part of a long transcript the reader shows: page `number` of `count`."""

    number: int
    count: int
    turns: int  # in the whole transcript

    @property
    def first(self) -> int:
        return (self.number - 1) * TURNS_PER_PAGE

    @property
    def last(self) -> int:
        return min(self.first + TURNS_PER_PAGE, self.turns)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def _turn_page(request: AuthenticatedHttpRequest, transcript: Transcript) -> TurnPage:
    """The part asked for: ?at=<utterance id> (the part holding that turn, for links to
    #u-<id>) or ?page=<n>; anything else, or out of range, is the nearest part that exists."""
    turns = transcript.utterance_count
    count = max(1, -(-turns // TURNS_PER_PAGE))
    number = 1
    at, page = request.GET.get("at", ""), request.GET.get("page", "")
    if count > 1 and at.isdigit() and len(at) <= 18:
        position = (
            transcript.utterances.filter(pk=int(at)).values_list("position", flat=True).first()
        )
        if position is not None:
            before = transcript.utterances.filter(position__lt=position).count()
            number = before // TURNS_PER_PAGE + 1
    elif count > 1 and page.isdigit() and len(page) <= 9:
        number = int(page)
    return TurnPage(number=min(max(number, 1), count), count=count, turns=turns)


def session_notes(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    """The session's field notes, codable like a transcript."""
    access, session = get_session_for_member(request, slug, session_id)
    reader = evidence_reader(project=access.project, user=request.user, role=access.role)
    if not reader.may_read_session(session.pk):
        return _not_shared(request, access, session)
    mine_only = request.GET.get("show") == "mine"
    notes = list(session.field_notes.select_related("author"))
    reading = notes_reading(reader, notes, mine_only=mine_only)
    context = {
        "access": access,
        "project": access.project,
        "session": session,
        "rows": reading.rows,
        "highlights": reading.highlights,
        "highlight_count": reading.highlight_count,
        "coded_percent": None,
        "mine_only": mine_only,
        **coding_context(access, request.user),
    }
    return render(request, "insights/session_notes.html", context)


def _not_shared(
    request: AuthenticatedHttpRequest, access: ProjectAccess, session: Session
) -> HttpResponse:
    """What a viewer sees of a session whose participants' consent does not reach them."""
    context = {"access": access, "project": access.project, "session": session}
    return render(request, "insights/not_shared.html", context)
