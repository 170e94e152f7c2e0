"""Interviews and contextual inquiries of a study."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import evidence, page_extras, selectors
from interviews.access import get_project_for_member, get_session_for_member
from interviews.forms import FieldNoteForm, SessionForm
from interviews.models import Session


def session_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    project = access.project
    initial = {
        "interviewers": [request.user.pk],
        "participants": request.GET.getlist("participant"),
    }
    form = SessionForm(
        request.POST or None, instance=Session(project=project), project=project, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        session = form.save()
        messages.success(request, f"Session “{session}” added.")
        return redirect(session)
    return render(
        request,
        "interviews/session_form.html",
        {"access": access, "project": project, "form": form},
    )


def session_detail(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    access, session = get_session_for_member(request, slug, session_id)
    prefetch_related_objects([session], "participants", "interviewers")
    audience = evidence.audience_for_role(access.role)
    shared = audience == evidence.Audience.RESEARCH_TEAM or evidence.consent_clearance(
        access.project, audience
    ).allows_session(session.pk)
    notes = list(session.field_notes.select_related("author")) if shared else []
    # Outside the research team every redaction reads as its placeholder; inside, erasure's.
    spans = evidence.redaction_spans(
        field_note_ids=[note.pk for note in notes],
        permanent_only=audience == evidence.Audience.RESEARCH_TEAM,
    )
    context = {
        "access": access,
        "project": access.project,
        "session": session,
        "shared": shared,
        "transcripts": selectors.session_transcripts(session) if shared else [],
        "notes": [
            (note, evidence.redact(note.text, 0, spans.get(("field_note", note.pk), [])))
            for note in notes
        ],
        "note_form": FieldNoteForm() if access.can_edit else None,
        "note_links": page_extras.field_note_links(access, session) if notes else [],
    }
    return render(request, "interviews/session_detail.html", context)


def session_edit(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    access, session = get_session_for_member(request, slug, session_id, write=True)
    form = SessionForm(request.POST or None, instance=session, project=access.project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Session saved.")
        return redirect(session)
    context = {"access": access, "project": access.project, "form": form, "session": session}
    return render(request, "interviews/session_form.html", context)
