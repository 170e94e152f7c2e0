"""Transcripts: uploading them (to a session, or as new sessions), reading them, their speakers."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import pii
from interviews.access import get_project_for_member
from interviews.forms import SpeakerMappingForm, TranscriptUploadForm
from interviews.models import Session, Speaker, Transcript
from interviews.transcripts import (
    ImportOutcome,
    TranscriptImportError,
    transcript_import,
    transcripts_import_as_sessions,
)


def _uploaded_files(form: TranscriptUploadForm) -> list[tuple[str, bytes]]:
    return [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]


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
        outcomes = []
        for filename, data in _uploaded_files(form):
            try:
                transcript, created = transcript_import(
                    session=session, filename=filename, data=data, by=request.user
                )
                outcomes.append(ImportOutcome(filename, transcript, created))
            except TranscriptImportError as error:
                outcomes.append(ImportOutcome(filename, error=str(error)))
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
        outcomes = transcripts_import_as_sessions(
            project=access.project, files=_uploaded_files(form), by=request.user
        )
        _report(request, outcomes)
    context = {
        "access": access,
        "project": access.project,
        "form": TranscriptUploadForm() if outcomes else form,
        "outcomes": outcomes,
    }
    return render(request, "interviews/transcript_import.html", context)


def transcript_detail(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access = get_project_for_member(request, slug)
    transcript = get_object_or_404(
        Transcript.objects.select_related("session"),
        pk=transcript_id,
        session_id=session_id,
        session__project=access.project,
    )
    speakers = {s.pk: s for s in transcript.speakers.select_related("participant", "interviewer")}
    show_labels = pii.can_see_pii(request.user)
    names = {pk: speaker_display(s, show_label=show_labels) for pk, s in speakers.items()}
    utterances = transcript.utterances.only(
        "id", "speaker_id", "start", "start_ms", "text"
    ).order_by("position")
    rows = [(u, names.get(u.speaker_id, "")) for u in utterances]
    context = {
        "access": access,
        "project": access.project,
        "session": transcript.session,
        "transcript": transcript,
        "rows": rows,
        "speakers": speakers.values(),
    }
    return render(request, "interviews/transcript_detail.html", context)


def speaker_display(speaker: Speaker, *, show_label: bool) -> str:
    """What a reader sees for a speaker: never a name that may be a participant's to a viewer."""
    if speaker.participant_id:
        return speaker.participant.pseudonym
    if speaker.interviewer_id:
        user = speaker.interviewer
        return f"{user.get_full_name() or user.username} (interviewer)"
    if show_label and speaker.label:
        return speaker.label
    return f"Speaker {speaker.position + 1}"


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
    transcript.source_file.delete(save=False)
    transcript.delete()
    messages.success(request, f"Transcript “{transcript}” deleted.")
    return redirect(session)
