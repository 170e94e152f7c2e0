"""A job's page, its status for polling, its result file, and retrying a failed one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews.access import role_in_project
from jobs.access import get_job_for_user
from jobs.models import BackgroundJob
from jobs.runner import job_retry


def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request, pk)
    return render(
        request, "jobs/job_detail.html", {"job": job, "items": job.items.order_by("position")}
    )


def job_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    job = get_job_for_user(request, pk)
    return JsonResponse(status_data(job))


def status_data(job: BackgroundJob) -> dict[str, object]:
    items = list(job.items.order_by("position").values("label", "outcome", "message", "url"))
    return {
        "id": job.pk,
        "state": job.state,
        "stateLabel": job.get_state_display(),
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "resultUrl": job.result_url,
        "hasFile": bool(job.result_file),
        "active": job.is_active,
        "items": items,
    }


def job_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = get_job_for_user(request, pk)
    if job.state != BackgroundJob.State.DONE or not (job.result_file or job.result.get("filename")):
        raise Http404("This job has no file to download.")
    if not job.result_file:
        if withdrawn := job.result.get("file_withdrawn"):
            messages.info(
                request, f"This file was deleted {withdrawn}: start it again for a fresh copy."
            )
        else:
            messages.info(
                request,
                f"This file was deleted {settings.JOB_RESULT_RETENTION_DAYS} days after it was "
                "made, as every job's file is: start it again for a fresh copy.",
            )
        return redirect("jobs:job-detail", pk=job.pk)
    name = job.result.get("filename") or (job.result_file.name or "").rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=str(name))


@require_POST
def job_retry_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request, pk)
    # Viewers may watch their study's jobs but not run them again.
    if job.project is not None and job.started_by_id != request.user.pk:
        role = role_in_project(request.user, job.project)
        if role not in ("lead", "researcher"):
            raise PermissionDenied("Viewers can follow this study's jobs but not run them.")
    job_retry(job)
    return redirect("jobs:job-detail", pk=job.pk)
