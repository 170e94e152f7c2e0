"""Field notes: structured contextual-inquiry observations on a session."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import services
from interviews.access import get_field_note_for_member, get_session_for_member
from interviews.forms import FieldNoteForm
from interviews.models import FieldNote


def fieldnote_create(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    access, session = get_session_for_member(request, slug, session_id, write=True)
    form = FieldNoteForm(
        request.POST or None, instance=FieldNote(session=session, author=request.user)
    )
    if request.method == "POST" and form.is_valid():
        note = form.save()
        messages.success(request, f"{note.get_kind_display()} note added.")
        return redirect(f"{session.get_absolute_url()}#{note.anchor}")
    context = {"access": access, "project": access.project, "session": session, "form": form}
    return render(request, "interviews/fieldnote_form.html", context)


def fieldnote_edit(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, note_id: int
) -> HttpResponse:
    access, note = get_field_note_for_member(
        request, slug, note_id, session_id=session_id, write=True
    )
    form = FieldNoteForm(request.POST or None, instance=note)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Note saved.")
        return redirect(f"{note.session.get_absolute_url()}#{note.anchor}")
    context = {
        "access": access,
        "project": access.project,
        "session": note.session,
        "form": form,
        "note": note,
    }
    return render(request, "interviews/fieldnote_form.html", context)


@require_POST
def fieldnote_delete(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, note_id: int
) -> HttpResponse:
    access, note = get_field_note_for_member(
        request, slug, note_id, session_id=session_id, write=True
    )
    services.field_note_delete(note=note, by=request.user)
    messages.success(request, "Note deleted.")
    return redirect(note.session)
