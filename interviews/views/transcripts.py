"""Transcripts: uploading them (to a session, or as new sessions), reading them, their speakers."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import transcripts as services
from interviews.access import get_project_for_member
from interviews.forms import SpeakerMappingForm, TranscriptUploadForm
from interviews.importers.transcripts import size_error
from interviews.models import ResearchProject, Session, Transcript
from interviews.transcripts import (
    ImportOutcome,
    TranscriptImportError,
    transcript_import,
    transcripts_import_as_sessions,
)


def _read_upload(upload: UploadedFile) -> bytes:
    """An upload's bytes. One over the size limit is refused by its size, without reading it.

    Up to 50 files come at once, so each is read, imported and let go before the next: the
    callers below handle one upload per call, and closing frees an in-memory upload (or deletes
    the temporary file of a large one).
    """
    try:
        limit = settings.TRANSCRIPT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            error = size_error(upload.name or "", upload.size, max_bytes=limit)
            raise TranscriptImportError(str(error))
        return upload.read()
    finally:
        upload.close()


def _import_into_session(
    upload: UploadedFile, *, session: Session, by: AbstractBaseUser
) -> ImportOutcome:
    filename = upload.name or ""
    try:
        data = _read_upload(upload)
        transcript, created = transcript_import(
            session=session, filename=filename, data=data, by=by
        )
    except TranscriptImportError as error:
        return ImportOutcome(filename, error=str(error))
    return ImportOutcome(filename, transcript, created)


def _import_as_new_session(
    upload: UploadedFile, *, project: ResearchProject, by: AbstractBaseUser
) -> ImportOutcome:
    filename = upload.name or ""
    try:
        data = _read_upload(upload)
    except TranscriptImportError as error:
        return ImportOutcome(filename, error=str(error))
    [outcome] = transcripts_import_as_sessions(project=project, files=[(filename, data)], by=by)
    return outcome


def _report(request: AuthenticatedHttpRequest, outcomes: list[ImportOutcome]) -> None:
    imported = [o for o in outcomes if o.ok and o.created]
    again = [o for o in outcomes if o.ok and not o.created]
    if imported:
        messages.success(
            request, f"Imported {len(imported)} transcript{'s' * (len(imported) != 1)}."
        )
    if again:
        names = ", ".join(o.filename for o in again)
        messages.info(request, f"Already imported, nothing added: {names}.")
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(request, f"Not imported: {outcome.error}")


def transcript_upload(
    request: AuthenticatedHttpRequest, slug: str, session_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    session = get_object_or_404(Session, pk=session_id, project=access.project)
    form = TranscriptUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        outcomes = [
            _import_into_session(upload, session=session, by=request.user)
            for upload in form.cleaned_data["files"]
        ]
        _report(request, outcomes)
        if all(o.ok for o in outcomes) and len(outcomes) == 1:
            return redirect(outcomes[0].transcript)
        return redirect(session)
    context = {"access": access, "project": access.project, "session": session, "form": form}
    return render(request, "interviews/transcript_upload.html", context)


def transcript_import_sessions(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Several files at once, one new session each, the participant matched from the file name."""
    access = get_project_for_member(request, slug, write=True)
    form = TranscriptUploadForm(request.POST or None, request.FILES or None)
    outcomes: list[ImportOutcome] = []
    if request.method == "POST" and form.is_valid():
        outcomes = [
            _import_as_new_session(upload, project=access.project, by=request.user)
            for upload in form.cleaned_data["files"]
        ]
        _report(request, outcomes)
    context = {
        "access": access,
        "project": access.project,
        "form": TranscriptUploadForm() if outcomes else form,
        "outcomes": outcomes,
    }
    return render(request, "interviews/transcript_import.html", context)


def transcript_speakers(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    transcript = get_object_or_404(
        Transcript.objects.select_related("session"),
        pk=transcript_id,
        session_id=session_id,
        session__project=access.project,
    )
    form = SpeakerMappingForm(request.POST or None, transcript=transcript)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for speaker, (participant_id, interviewer_id) in form.mapping().items():
                speaker.participant_id = participant_id
                speaker.interviewer_id = interviewer_id
                speaker.save(update_fields=["participant", "interviewer"])
        messages.success(request, "Speakers saved.")
        return redirect(transcript)
    context = {
        "access": access,
        "project": access.project,
        "session": transcript.session,
        "transcript": transcript,
        "form": form,
        "participants_missing": not transcript.session.participants.exists(),
    }
    return render(request, "interviews/transcript_speakers.html", context)


@require_POST
def transcript_delete(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    transcript = get_object_or_404(
        Transcript.objects.select_related("session"),
        pk=transcript_id,
        session_id=session_id,
        session__project=access.project,
    )
    session = transcript.session
    services.transcript_delete(transcript=transcript, by=request.user)
    messages.success(request, f"Transcript “{transcript}” deleted.")
    return redirect(session)
