"""Transcripts: uploading them (to a session, or as new sessions), reading them, their speakers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import transcripts as services
from interviews.access import (
    get_project_for_member,
    get_session_for_member,
    get_transcript_for_member,
)
from interviews.forms import SpeakerMappingForm, TranscriptUploadForm
from interviews.models import ResearchProject, Session
from interviews.transcript_uploads import (
    outcome_message,
    transcript_upload_import,
    transcripts_upload_start,
    upload_imports_now,
)
from jobs.models import BackgroundJob, JobItem
from jobs.runner import jobs_run_in_request


def _upload(
    request: AuthenticatedHttpRequest,
    form: TranscriptUploadForm,
    *,
    project: ResearchProject,
    session: Session | None,
) -> HttpResponse | None:
    """Import one small file now, or start the job that imports the files.

    None when the one file was refused: its error is on the form, shown again.
    """
    files = form.cleaned_data["files"]
    if not upload_imports_now(files):
        job = transcripts_upload_start(
            project=project, session=session, files=files, by=request.user
        )
        return _redirect_to_job(request, job)
    outcome = transcript_upload_import(
        project=project, session=session, upload=files[0], by=request.user
    )
    if outcome.transcript is None:
        form.add_error("files", outcome.error)
        return None
    message = f"{outcome.filename}: {outcome_message(outcome, new_session=session is None)}"
    (messages.success if outcome.created else messages.info)(request, message)
    return redirect(outcome.transcript)


def _redirect_to_job(request: AuthenticatedHttpRequest, job: BackgroundJob) -> HttpResponse:
    """The job's page, where each file's outcome appears as it is imported.

    Without a broker the job has already run: one file imported lands on its transcript.
    With one, the job is still waiting for a worker: nothing to read.
    """
    if not jobs_run_in_request():
        return redirect("jobs:job-detail", pk=job.pk)
    # One query for the job's state and its items: the items of a job that is done.
    items = list(JobItem.objects.filter(job_id=job.pk, job__state=BackgroundJob.State.DONE)[:2])
    if len(items) == 1 and items[0].outcome == JobItem.Outcome.DONE:
        messages.success(request, "Imported 1 transcript.")
        return redirect(items[0].url)
    return redirect("jobs:job-detail", pk=job.pk)


def transcript_upload(
    request: AuthenticatedHttpRequest, slug: str, session_id: int
) -> HttpResponse:
    access, session = get_session_for_member(request, slug, session_id, write=True)
    form = TranscriptUploadForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _upload(request, form, project=access.project, session=session))
    ):
        return response
    context = {"access": access, "project": access.project, "session": session, "form": form}
    return render(request, "interviews/transcript_upload.html", context)


def transcript_import_sessions(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Several files at once, one new session each, the participant matched from the file name."""
    access = get_project_for_member(request, slug, write=True)
    form = TranscriptUploadForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _upload(request, form, project=access.project, session=None))
    ):
        return response
    context = {"access": access, "project": access.project, "form": form}
    return render(request, "interviews/transcript_import.html", context)


def transcript_speakers(
    request: AuthenticatedHttpRequest, slug: str, session_id: int, transcript_id: int
) -> HttpResponse:
    access, transcript = get_transcript_for_member(
        request, slug, transcript_id, session_id=session_id, write=True
    )
    form = SpeakerMappingForm(request.POST or None, transcript=transcript)
    if request.method == "POST" and form.is_valid():
        services.speakers_map(transcript=transcript, mapping=form.mapping())
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
    access, transcript = get_transcript_for_member(
        request, slug, transcript_id, session_id=session_id, write=True
    )
    session = transcript.session
    services.transcript_delete(transcript=transcript, by=request.user)
    messages.success(request, f"Transcript “{transcript}” deleted.")
    return redirect(session)
